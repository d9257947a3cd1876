package oid4vci_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
)

// seedFiles adds the example files and inline examples of the given
// sections to the corpus, when the vectors are present.
func seedFiles(f *testing.F, files []string, sections []string) {
	if _, err := os.Stat(filepath.Join(vectorsDir(f), "examples")); err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		raw := readVector(f, name)
		f.Add(string(raw))
		if _, body := httpBodyOK(raw); body != nil {
			f.Add(string(unwrapDisplayBreaks(body)))
		}
	}
	for _, sec := range sections {
		for _, e := range inlineExamples(f, sec) {
			f.Add(string(unwrapDisplayBreaks([]byte(e.Text))))
		}
	}
}

// httpBodyOK is httpBody without failing when there is no JSON body.
func httpBodyOK(b []byte) (string, []byte) {
	for i, c := range b {
		if c == '{' {
			return "", b[i:]
		}
	}
	return "", nil
}

func FuzzParseCredentialOffer(f *testing.F) {
	seedFiles(f, []string{"credential_offer_authz_code.txt", "credential_offer_by_reference.json",
		"credential_offer_multiple_credentials.json", "credential_offer_pre-authz_code.json"},
		[]string{"Sending Credential Offer by"})
	f.Add("haip-vci://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1")
	f.Add(`openid-credential-offer://?credential_offer={"credential_issuer":"https://i.example","credential_configuration_ids":["a"]}&credential_offer_uri=https://x`)
	f.Fuzz(func(t *testing.T, in string) {
		l := oid4vci.Limits{MaxBytes: 8 << 10}
		link, err := oid4vci.ParseCredentialOfferLink(in, l)
		if err != nil {
			if !errors.Is(err, oid4vci.ErrInvalidCredentialOffer) {
				t.Fatalf("error does not wrap ErrInvalidCredentialOffer: %v", err)
			}
			return
		}
		if (link.Offer == nil) == (link.OfferURI == "") {
			t.Fatalf("offer and offer uri both or neither set: %+v", link)
		}
		if link.Offer == nil {
			if _, err := oid4vci.OfferLinkByReference(oid4vci.OfferSchemeOpenID, link.OfferURI); err != nil {
				t.Fatalf("accepted offer uri %q cannot be rebuilt: %v", link.OfferURI, err)
			}
			return
		}
		// An accepted offer re-encodes, re-parses and re-encodes identically.
		out, err := json.Marshal(link.Offer)
		if err != nil {
			t.Fatalf("accepted offer does not marshal: %v", err)
		}
		again, err := oid4vci.ParseCredentialOffer(out, oid4vci.Limits{})
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("unstable: %s vs %s", out, out2)
		}
		rebuilt, err := oid4vci.OfferLinkByValue(oid4vci.OfferSchemeHAIP, link.Offer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oid4vci.ParseCredentialOfferLink(rebuilt, oid4vci.Limits{}); err != nil {
			t.Fatalf("rebuilt link %q: %v", rebuilt, err)
		}
	})
}

func FuzzParseCredentialRequest(f *testing.F) {
	seedFiles(f, []string{"credential_request_iso_mdl.json"}, []string{"Credential Request {#credential-request}", "Deferred Credential Request", "Notification Request"})
	f.Add(`{"credential_identifier":"x","proofs":{"jwt":["a.b.c"]},"credential_response_encryption":{"jwk":{"kty":"EC","alg":"ECDH-ES"},"enc":"A128GCM","zip":"DEF"}}`)
	f.Add(`{"credential_configuration_id":"x","proofs":{"attestation":["a.b.c"]}}`)
	f.Fuzz(func(t *testing.T, in string) {
		l := oid4vci.Limits{MaxBatchSize: 3}
		r, err := oid4vci.ParseCredentialRequest([]byte(in), l)
		if err != nil {
			var e *oid4vci.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			switch e.Code {
			case oid4vci.CodeInvalidCredentialRequest, oid4vci.CodeInvalidProof, oid4vci.CodeInvalidEncryptionParameters:
			default:
				t.Fatalf("unexpected code %q", e.Code)
			}
			if !oid4vci.ValidDescription(e.Description) {
				t.Fatalf("description has forbidden characters: %q", e.Description)
			}
			return
		}
		if (r.CredentialIdentifier == "") == (r.CredentialConfigurationID == "") {
			t.Fatalf("identifier rule broken: %+v", r)
		}
		if r.Proofs != nil && (r.Proofs.Len() == 0 || r.Proofs.Len() > 3) {
			t.Fatalf("proof count %d", r.Proofs.Len())
		}
		if err := r.Validate(l); err != nil {
			t.Fatalf("parsed request fails Validate: %v", err)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oid4vci.ParseCredentialRequest(out, l); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		// The other JSON request parsers share the input and must not panic.
		_, _ = oid4vci.ParseDeferredCredentialRequest([]byte(in), l)
		_, _ = oid4vci.ParseNotificationRequest([]byte(in), l)
	})
}
