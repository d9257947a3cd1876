package testvectors_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/pramaan/pramaan/mdoc"
)

const aadhaarNS = "in.gov.uidai.aadhaar.1"

type issuedMDoc struct {
	issuerSigned []byte
	iaca         *x509.Certificate
	holder       *ecdsa.PrivateKey
	fields       []string
}

// aadhaarMDoc issues an Aadhaar-shaped mdoc with our code: 12 elements,
// birth_date as a full-date, an 8 KiB portrait, a structured address.
func aadhaarMDoc(t *testing.T, now time.Time) issuedMDoc {
	t.Helper()
	iaca, iacaKey, err := mdoc.NewIACA(mdoc.CertOptions{CommonName: "Pramaan Test IACA", NotBefore: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ds, dsKey, err := mdoc.NewDocumentSigner(iaca, iacaKey, mdoc.CertOptions{CommonName: "Pramaan Test DS", NotBefore: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	holder := newP256(t)
	portrait := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 2048) // 8 KiB, JPEG-marker shaped
	elements := []mdoc.Element{
		{Namespace: aadhaarNS, Identifier: "name", Value: "Asha Devi"},
		{Namespace: aadhaarNS, Identifier: "name_local", Value: "आशा देवी"},
		{Namespace: aadhaarNS, Identifier: "birth_date", Value: mdoc.FullDate("1990-05-17")},
		{Namespace: aadhaarNS, Identifier: "gender", Value: "F"},
		{Namespace: aadhaarNS, Identifier: "aadhaar_last4", Value: "1234"},
		{Namespace: aadhaarNS, Identifier: "age_over_18", Value: true},
		{Namespace: aadhaarNS, Identifier: "age_in_years", Value: uint64(36)},
		{Namespace: aadhaarNS, Identifier: "portrait", Value: portrait},
		{Namespace: aadhaarNS, Identifier: "address", Value: map[string]any{"house": "12", "locality": "Indiranagar", "district": "Bengaluru Urban", "state": "Karnataka", "pincode": "560038"}},
		{Namespace: aadhaarNS, Identifier: "issuing_country", Value: "IN"},
		{Namespace: aadhaarNS, Identifier: "issue_date", Value: mdoc.FullDate(now.Format(time.DateOnly))},
		{Namespace: aadhaarNS, Identifier: "expiry_date", Value: mdoc.FullDate(now.AddDate(0, 6, 0).Format(time.DateOnly))},
	}
	issuer := &mdoc.Issuer{Signer: dsKey, Chain: []*x509.Certificate{ds}, Now: func() time.Time { return now }}
	is, err := issuer.Issue(mdoc.Request{DocType: aadhaarNS, Elements: elements, DeviceKey: &holder.PublicKey, ValidUntil: now.AddDate(0, 6, 0)})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	out := issuedMDoc{issuerSigned: is, iaca: iaca, holder: holder}
	for _, el := range elements {
		out.fields = append(out.fields, el.Identifier)
	}
	return out
}

// wrapInDeviceResponse puts the IssuerSigned bytes, untouched, in a
// DeviceResponse without deviceSigned (ISO 18013-5 §8.3.2.1.2.2).
func wrapInDeviceResponse(t *testing.T, docType string, issuerSigned []byte) []byte {
	t.Helper()
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(map[string]any{
		"version":   "1.0",
		"documents": []any{map[string]any{"docType": docType, "issuerSigned": cbor.RawMessage(issuerSigned)}},
		"status":    0,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sessionTranscriptBytes(t *testing.T) []byte {
	t.Helper()
	st, err := cbor.Marshal([]any{nil, nil, []any{"pramaan-interop", "nonce-1234"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cbor.Marshal(cbor.Tag{Number: 24, Content: st})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func privateJWK(k *ecdsa.PrivateKey) map[string]string {
	enc := base64.RawURLEncoding.EncodeToString
	pub, _ := k.PublicKey.Bytes() // 0x04 || X || Y, fixed width
	d, _ := k.Bytes()
	return map[string]string{"kty": "EC", "crv": "P-256", "x": enc(pub[1:33]), "y": enc(pub[33:]), "d": enc(d)}
}

func TestIndependentMDocAcceptsOursAndRejectsOneByteChanges(t *testing.T) {
	node := requireNode(t)
	now := time.Now().UTC().Truncate(time.Second)
	m := aadhaarMDoc(t, now)
	iacaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.iaca.Raw}))
	input := func(issuerSigned []byte) map[string]any {
		return map[string]any{
			"wrapped_hex":            hex.EncodeToString(wrapInDeviceResponse(t, aadhaarNS, issuerSigned)),
			"session_transcript_hex": hex.EncodeToString(sessionTranscriptBytes(t)),
			"doc_type":               aadhaarNS,
			"fields":                 m.fields,
			"iaca_pem":               iacaPEM,
			"device_private_jwk":     privateJWK(m.holder),
		}
	}

	t.Run("ok/issuer checks and a device-signed presentation", func(t *testing.T) {
		res := runIndependent(t, node, "check-mdoc.mjs", input(m.issuerSigned))
		if !res.OK {
			t.Fatalf("@auth0/mdl rejects our mdoc: %s %s", res.Error, res.Failed)
		}
		var claims map[string]map[string]any
		if err := json.Unmarshal(res.Claims, &claims); err != nil {
			t.Fatal(err)
		}
		got := claims[aadhaarNS]
		if len(got) != len(m.fields) {
			t.Fatalf("@auth0/mdl saw %d elements, want %d: %v", len(got), len(m.fields), got)
		}
		if got["name"] != "Asha Devi" || got["name_local"] != "आशा देवी" || got["age_over_18"] != true {
			t.Fatalf("element values differ: %v", got)
		}
	})

	// One changed byte in an element value (a digest mismatch) and in the
	// issuer signature.
	nameAt := bytes.Index(m.issuerSigned, []byte("Asha Devi"))
	sigEnd := bytes.Index(m.issuerSigned, []byte("\x6anameSpaces"))
	if nameAt < 0 || sigEnd < 64 {
		t.Fatalf("cannot locate the name value (%d) or the signature (%d) in the IssuerSigned", nameAt, sigEnd)
	}
	tampered := map[string]int{"element value": nameAt, "issuer signature": sigEnd - 10}
	for name, at := range tampered {
		t.Run("fail/one byte changed in the "+name, func(t *testing.T) {
			bad := bytes.Clone(m.issuerSigned)
			bad[at] ^= 0x01
			res := runIndependent(t, node, "check-mdoc.mjs", input(bad))
			if res.OK {
				t.Fatalf("@auth0/mdl accepts our mdoc with one byte changed in the %s", name)
			}
			if !strings.Contains(string(res.Failed), "must") {
				t.Fatalf("@auth0/mdl failed for another reason than a check: %s %s", res.Error, res.Failed)
			}
			v := &mdoc.Verifier{Roots: []*x509.Certificate{m.iaca}, At: now}
			if _, err := v.VerifyIssuerSigned(bad); err == nil {
				t.Fatalf("our verifier accepts one byte changed in the %s", name)
			}
		})
	}
}

// TestEveryOneByteChangeToAnMDocIsRejected flips every byte of an issued
// IssuerSigned, one at a time, and requires our verifier to reject each.
func TestEveryOneByteChangeToAnMDocIsRejected(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	m := aadhaarMDoc(t, now)
	v := &mdoc.Verifier{Roots: []*x509.Certificate{m.iaca}, At: now}
	if _, err := v.VerifyIssuerSigned(m.issuerSigned); err != nil {
		t.Fatalf("untouched IssuerSigned: %v", err)
	}
	accepted := 0
	for i := range m.issuerSigned {
		bad := bytes.Clone(m.issuerSigned)
		bad[i] ^= 0x01
		if _, err := v.VerifyIssuerSigned(bad); err == nil {
			accepted++
			t.Errorf("changing byte %d (0x%02x -> 0x%02x) was not detected; sha256 %x", i, m.issuerSigned[i], bad[i], sha256.Sum256(bad))
			if accepted > 5 {
				t.FailNow()
			}
		}
	}
}
