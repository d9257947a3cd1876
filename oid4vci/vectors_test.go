package oid4vci_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/testvectors"
)

// vectorsDir returns shared/testvectors/openid4vci/1.0, skipping only when
// the vectors are absent and not required.
func vectorsDir(tb testing.TB) string {
	tb.Helper()
	root, err := testvectors.Locate()
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			tb.Fatalf("vectors required: %v", err)
		}
		tb.Skipf("vectors absent: %v", err)
	}
	return filepath.Join(root, "openid4vci", "1.0")
}

// readVector returns a file from the examples folder.
func readVector(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(tb), "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// httpBody returns the body of an HTTP message example and its status line.
func httpBody(tb testing.TB, b []byte) (status string, body []byte) {
	tb.Helper()
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.TrimLeft(s, "\n ")
	i := strings.Index(s, "\n\n")
	j := strings.Index(s, "{")
	if j < 0 {
		tb.Fatalf("no JSON body in %q", s)
	}
	if i < 0 || i > j {
		// headers may end with a line of spaces
		i = strings.LastIndex(s[:j], "\n")
	}
	return strings.SplitN(s, "\n", 2)[0], []byte(s[j:])
}

// unwrapDisplayBreaks removes the line breaks the spec inserts inside
// string values "for display purposes only".
func unwrapDisplayBreaks(b []byte) []byte {
	return regexp.MustCompile(`\n\s+`).ReplaceAll(bytes.TrimSpace(b), nil)
}

// compact returns the compact form of JSON b.
func compact(tb testing.TB, b []byte) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		tb.Fatalf("compact: %v", err)
	}
	return buf.String()
}

func TestVectorOffers(t *testing.T) {
	tests := []struct {
		file     string
		ids      []string
		preAuth  string
		txCode   *oid4vci.TxCode
		issState string
	}{
		{file: "credential_offer_pre-authz_code.json", ids: []string{"UniversityDegreeCredential"}, preAuth: "adhjhdjajkdkhjhdj",
			txCode: &oid4vci.TxCode{Description: "Please provide the one-time code which was sent to your mobile phone via SMS"}},
		{file: "credential_offer_by_reference.json", ids: []string{"UniversityDegree_LDP_VC"}, preAuth: "adhjhdjajkdkhjhdj", txCode: &oid4vci.TxCode{}},
		{file: "credential_offer_multiple_credentials.json", ids: []string{"UniversityDegreeCredential", "org.iso.18013.5.1.mDL"}, preAuth: "oaKazRN8I0IbtZ0C7JuMn5",
			txCode: &oid4vci.TxCode{Length: 4, InputMode: oid4vci.InputModeNumeric, Description: "Please provide the one-time code that was sent via e-mail"}},
		{file: "credential_offer_authz_code.txt", ids: []string{"UniversityDegreeCredential"}, issState: "eyJhbGciOiJSU0Et...FYUaBy"},
	}
	for _, tt := range tests {
		t.Run("ok/"+tt.file, func(t *testing.T) {
			raw := readVector(t, tt.file)
			if strings.HasSuffix(tt.file, ".txt") {
				status, body := httpBody(t, raw)
				if status != "HTTP/1.1 200 OK" {
					t.Fatalf("status line %q", status)
				}
				raw = body
			}
			o, err := oid4vci.ParseCredentialOffer(raw, oid4vci.Limits{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if o.CredentialIssuer != "https://credential-issuer.example.com" {
				t.Errorf("credential_issuer = %q", o.CredentialIssuer)
			}
			if strings.Join(o.CredentialConfigurationIDs, ",") != strings.Join(tt.ids, ",") {
				t.Errorf("ids = %q, want %q", o.CredentialConfigurationIDs, tt.ids)
			}
			if tt.preAuth != "" {
				pa := o.Grants.PreAuthorizedCode
				if pa == nil || pa.PreAuthorizedCode != tt.preAuth {
					t.Fatalf("pre-authorized grant = %+v", pa)
				}
				if *pa.TxCode != *tt.txCode {
					t.Errorf("tx_code = %+v, want %+v", *pa.TxCode, *tt.txCode)
				}
			}
			if tt.issState != "" && o.Grants.AuthorizationCode.IssuerState != tt.issState {
				t.Errorf("issuer_state = %q", o.Grants.AuthorizationCode.IssuerState)
			}
			out, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(out), compact(t, raw); got != want {
				t.Errorf("round trip:\n got %s\nwant %s", got, want)
			}
			// Through both link forms and back.
			link, err := oid4vci.OfferLinkByValue(oid4vci.OfferSchemeOpenID, o)
			if err != nil {
				t.Fatal(err)
			}
			back, err := oid4vci.ParseCredentialOfferLink(link, oid4vci.Limits{})
			if err != nil {
				t.Fatalf("parse %s: %v", link, err)
			}
			again, _ := json.Marshal(back.Offer)
			if string(again) != string(out) || back.Base != oid4vci.OfferSchemeOpenID {
				t.Errorf("link round trip: base %q, %s", back.Base, again)
			}
		})
	}
}

// inlineExample is one entry of inline_examples_from_spec_md.json.
type inlineExample struct {
	MDLine  int    `json:"md_line"`
	Section string `json:"section"`
	Text    string `json:"text"`
}

// inlineExamples returns the inline examples whose section starts with prefix.
func inlineExamples(tb testing.TB, prefix string) []inlineExample {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(tb), "inline_examples_from_spec_md.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var all []inlineExample
	if err := json.Unmarshal(b, &all); err != nil {
		tb.Fatal(err)
	}
	var out []inlineExample
	for _, e := range all {
		if strings.HasPrefix(e.Section, prefix) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no inline example in section %q", prefix)
	}
	return out
}

func TestInlineOfferLinks(t *testing.T) {
	var links []string
	for _, e := range inlineExamples(t, "Sending Credential Offer by") {
		text := string(unwrapDisplayBreaks([]byte(e.Text)))
		switch {
		case strings.HasPrefix(text, "GET /credential_offer?"):
			links = append(links, "https://wallet.example.org"+strings.TrimPrefix(text, "GET "))
		case strings.HasPrefix(text, "openid-credential-offer://"):
			links = append(links, text)
		}
	}
	if len(links) != 3 {
		t.Fatalf("found %d offer links, want 3", len(links))
	}
	byValue, byRef := 0, 0
	for _, link := range links {
		got, err := oid4vci.ParseCredentialOfferLink(link, oid4vci.Limits{})
		if err != nil {
			t.Fatalf("parse %q: %v", link, err)
		}
		if got.Offer != nil {
			byValue++
			if got.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode != "oaKazRN8I0IbtZ0C7JuMn5" {
				t.Errorf("pre-authorized_code = %q", got.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode)
			}
			if got.Base == oid4vci.OfferSchemeOpenID {
				tc := got.Offer.Grants.PreAuthorizedCode.TxCode
				if tc.InputMode != oid4vci.InputModeText || tc.Description != "Please enter the serial number of your physical drivers license" {
					t.Errorf("tx_code = %+v", tc)
				}
			} else if got.Base != "https://wallet.example.org/credential_offer" {
				t.Errorf("base = %q", got.Base)
			}
		} else {
			byRef++
			if got.OfferURI != "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM" {
				t.Errorf("offer uri = %q", got.OfferURI)
			}
		}
	}
	if byValue != 2 || byRef != 1 {
		t.Errorf("by value %d, by reference %d; want 2 and 1", byValue, byRef)
	}
}

func TestVectorCredentialResponses(t *testing.T) {
	tests := []struct {
		file   string
		prefix string // of the first credential's string, or "{" for an object
	}{
		{"credential_response_sd_jwt_vc.txt", "eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImRjK3NkLWp3dCIsICJraWQiOiAiZG9jLXNpZ25lci0wNS0yNS0yMDIyIn0."},
		{"credential_response_mso_mdoc.txt", "omppc3N1ZXJBdXRohEOhASahG"},
		{"credential_response_jwt_vc_json.txt", "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6I"},
		{"credential_response_ldp_vc.txt", "{"},
	}
	for _, tt := range tests {
		t.Run("ok/"+tt.file, func(t *testing.T) {
			status, body := httpBody(t, readVector(t, tt.file))
			if status != "HTTP/1.1 200 OK" {
				t.Fatalf("status %q", status)
			}
			body = unwrapDisplayBreaks(body)
			r, err := oid4vci.ParseCredentialResponse(body, oid4vci.Limits{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(r.Credentials) != 1 || r.StatusCode() != 200 || r.TransactionID != "" {
				t.Fatalf("response = %+v", r)
			}
			if tt.prefix == "{" {
				var vc struct {
					Issuer string `json:"issuer"`
				}
				if err := json.Unmarshal(r.Credentials[0].Credential, &vc); err != nil || vc.Issuer != "https://example.edu/issuers/565049" {
					t.Errorf("ldp_vc credential: %v %+v", err, vc)
				}
			} else if s, ok := r.Credentials[0].String(); !ok || !strings.HasPrefix(s, tt.prefix) {
				t.Errorf("credential = %.60q", s)
			}
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(out), compact(t, body); got != want {
				t.Errorf("round trip:\n got %.200s\nwant %.200s", got, want)
			}
		})
	}
}

// TestInlineMessages parses every inline example of a Token, Nonce,
// Credential, Deferred Credential or Notification message and checks its fields.
func TestInlineMessages(t *testing.T) {
	checked := 0
	body := func(e inlineExample) []byte {
		_, b := httpBody(t, []byte(e.Text))
		return unwrapDisplayBreaks(b)
	}
	for _, e := range inlineExamples(t, "Successful Token Response") {
		r, err := oid4vci.ParseTokenResponse(body(e), oid4vci.Limits{})
		if err != nil {
			t.Fatalf("line %d: %v", e.MDLine, err)
		}
		ad := r.AuthorizationDetails
		if r.TokenType != "Bearer" || r.ExpiresIn != 86400 || len(ad) != 1 || ad[0].CredentialConfigurationID != "UniversityDegreeCredential" ||
			strings.Join(ad[0].CredentialIdentifiers, ",") != "CivilEngineeringDegree-2023,ElectricalEngineeringDegree-2023" {
			t.Errorf("line %d: %+v", e.MDLine, r)
		}
		assertRoundTrip(t, r, body(e))
		checked++
	}
	for _, e := range inlineExamples(t, "Request Credential Issuance using `authorization_details`") {
		form := tokenForm(t, e.Text)
		r, err := oid4vci.ParseTokenRequest(form, oid4vci.Limits{})
		if err != nil {
			t.Fatalf("line %d: %v", e.MDLine, err)
		}
		if r.PreAuthorizedCode != "SplxlOBeZQQYbYS6WxSbIA" || r.TxCode != "493536" || len(r.AuthorizationDetails) != 1 ||
			r.AuthorizationDetails[0].CredentialConfigurationID != "UniversityDegreeCredential" {
			t.Errorf("line %d: %+v", e.MDLine, r)
		}
		checked++
	}
	for _, e := range inlineExamples(t, "Token Request {#token-request}") {
		_, err := oid4vci.ParseTokenRequest(tokenForm(t, e.Text), oid4vci.Limits{})
		if !errors.Is(err, oid4vci.CodeUnsupportedGrantType) {
			t.Errorf("line %d: authorization_code grant: got %v, want unsupported_grant_type", e.MDLine, err)
		}
		checked++
	}
	for _, e := range inlineExamples(t, "Nonce Response") {
		r, err := oid4vci.ParseNonceResponse(body(e), oid4vci.Limits{})
		if err != nil || r.CNonce != "wKI4LT17ac15ES9bw8ac4" {
			t.Fatalf("line %d: %v %+v", e.MDLine, err, r)
		}
		assertRoundTrip(t, r, body(e))
		checked++
	}
	wantRequests := map[int]struct {
		id, config string
		proofs     int
		proofType  string
	}{
		879: {config: "org.iso.18013.5.1.mDL", proofs: 1, proofType: "jwt"},
		898: {id: "CivilEngineeringDegree-2023", proofs: 2, proofType: "jwt"},
		921: {id: "CivilEngineeringDegree-2023", proofs: 1, proofType: "di_vp"},
	}
	for _, e := range inlineExamples(t, "Credential Request {#credential-request}") {
		want, ok := wantRequests[e.MDLine]
		if !ok {
			t.Fatalf("unexpected credential request example at line %d", e.MDLine)
		}
		b := body(e)
		if want.proofType == "jwt" {
			// The spec truncates these proofs to a JOSE header; the parser
			// refuses them, so substitute the complete proof of Appendix F.1.
			_, err := oid4vci.ParseCredentialRequest(b, oid4vci.Limits{MaxBatchSize: 2})
			var pe *oid4vci.Error
			if !errors.As(err, &pe) || pe.Code != oid4vci.CodeInvalidProof || pe.Description != "proofs.jwt[0] is not a compact JWS" {
				t.Fatalf("line %d: truncated proof: got %v", e.MDLine, err)
			}
			b = regexp.MustCompile(`"eyJ[A-Za-z0-9_-]+"`).ReplaceAll(b, []byte(`"`+appendixF1Proof(t)+`"`))
		}
		r, err := oid4vci.ParseCredentialRequest(b, oid4vci.Limits{MaxBatchSize: 2})
		if err != nil {
			t.Fatalf("line %d: %v", e.MDLine, err)
		}
		if r.CredentialIdentifier != want.id || r.CredentialConfigurationID != want.config || r.Proofs.Len() != want.proofs || r.Proofs.Type() != want.proofType {
			t.Errorf("line %d: %+v", e.MDLine, r)
		}
		assertRoundTrip(t, r, b)
		checked++
	}
	for _, e := range append(inlineExamples(t, "Credential Response {#credential-response}"), inlineExamples(t, "Deferred Credential Response")...) {
		r, err := oid4vci.ParseCredentialResponse(body(e), oid4vci.Limits{})
		if err != nil {
			t.Fatalf("line %d: %v", e.MDLine, err)
		}
		wantStatus := 200
		if strings.HasPrefix(e.Text, "HTTP/1.1 202") {
			wantStatus = 202
			if r.TransactionID != "8xLOxBtZp8" || (r.Interval != 3600 && r.Interval != 86400) {
				t.Errorf("line %d: %+v", e.MDLine, r)
			}
		} else if len(r.Credentials) == 2 && r.NotificationID != "3fwe98js" {
			t.Errorf("line %d: notification_id %q", e.MDLine, r.NotificationID)
		}
		if r.StatusCode() != wantStatus {
			t.Errorf("line %d: status %d, want %d", e.MDLine, r.StatusCode(), wantStatus)
		}
		assertRoundTrip(t, r, body(e))
		checked++
	}
	for _, e := range inlineExamples(t, "Deferred Credential Request") {
		r, err := oid4vci.ParseDeferredCredentialRequest(body(e), oid4vci.Limits{})
		if err != nil || r.TransactionID != "8xLOxBtZp8" {
			t.Fatalf("line %d: %v %+v", e.MDLine, err, r)
		}
		assertRoundTrip(t, r, body(e))
		checked++
	}
	for _, e := range inlineExamples(t, "Notification Request") {
		r, err := oid4vci.ParseNotificationRequest(body(e), oid4vci.Limits{})
		if err != nil || r.NotificationID != "3fwe98js" {
			t.Fatalf("line %d: %v %+v", e.MDLine, err, r)
		}
		assertRoundTrip(t, r, body(e))
		checked++
	}
	for _, sec := range []string{"Token Error Response", "Credential Request Errors", "Deferred Credential Error Response", "Notification Error Response"} {
		for _, e := range inlineExamples(t, sec) {
			got, err := oid4vci.ParseErrorResponse(400, body(e))
			if err != nil {
				t.Fatalf("line %d: %v", e.MDLine, err)
			}
			fresh := oid4vci.NewError(got.Code, "")
			out, _ := json.Marshal(fresh)
			if string(out) != compact(t, body(e)) || fresh.StatusCode() != 400 {
				t.Errorf("line %d: %s status %d", e.MDLine, out, fresh.StatusCode())
			}
			checked++
		}
	}
	if checked != 19 {
		t.Errorf("checked %d inline messages, want 19", checked)
	}
}

// tokenForm returns the form body of a Token Request example.
func tokenForm(tb testing.TB, text string) map[string][]string {
	tb.Helper()
	_, rest, ok := strings.Cut(text, "\n\n")
	if !ok {
		tb.Fatalf("no body in %q", text)
	}
	raw := string(unwrapDisplayBreaks([]byte(rest)))
	raw = strings.ReplaceAll(raw, "\n", "")
	v, err := parseQuery(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// assertRoundTrip checks that v marshals to the same JSON members as want.
func assertRoundTrip(tb testing.TB, v any, want []byte) {
	tb.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		tb.Fatal(err)
	}
	if ga, _ := json.Marshal(a); string(ga) != func() string { gb, _ := json.Marshal(b); return string(gb) }() {
		tb.Errorf("round trip:\n got %s\nwant %s", got, want)
	}
}

func TestVectorLegacyCredentialRequest(t *testing.T) {
	// A draft-era request: format and doctype, no credential_configuration_id.
	_, err := oid4vci.ParseCredentialRequest(readVector(t, "credential_request_iso_mdl.json"), oid4vci.Limits{})
	var e *oid4vci.Error
	if !errors.As(err, &e) || e.Code != oid4vci.CodeInvalidCredentialRequest ||
		e.Description != "one of credential_identifier and credential_configuration_id is required" {
		t.Fatalf("got %v", err)
	}
}

func TestVectorAuthorizationDetails(t *testing.T) {
	for _, f := range []string{"authorization_details.json", "authorization_details_with_as.json"} {
		t.Run("ok/"+f, func(t *testing.T) {
			raw := readVector(t, f)
			form := map[string][]string{
				"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {"c"},
				"authorization_details": {string(raw)},
			}
			r, err := oid4vci.ParseTokenRequest(form, oid4vci.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mustJSON(t, r.AuthorizationDetails), compact(t, raw); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// appendixF1Proof returns the complete key proof JWT of the Appendix F.1 example.
func appendixF1Proof(tb testing.TB) string {
	tb.Helper()
	for _, e := range inlineExamples(tb, "`jwt` Proof Type") {
		text := string(unwrapDisplayBreaks([]byte(e.Text)))
		var p struct {
			JWT []string `json:"jwt"`
		}
		if json.Unmarshal([]byte(text), &p) == nil && len(p.JWT) == 1 {
			return p.JWT[0]
		}
	}
	tb.Fatal("no complete proof in Appendix F.1")
	return ""
}
