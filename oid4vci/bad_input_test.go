package oid4vci_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
)

// wantError checks that err is an *Error with the code and description.
func wantError(t *testing.T, err error, code oid4vci.ErrorCode, desc string) {
	t.Helper()
	var e *oid4vci.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *Error %s", err, code)
	}
	if e.Code != code || e.Description != desc {
		t.Fatalf("got %s %q, want %s %q", e.Code, e.Description, code, desc)
	}
	if !errors.Is(err, code) {
		t.Fatalf("errors.Is(err, %s) is false", code)
	}
}

func TestParseCredentialRequestBadInput(t *testing.T) {
	jwk := `{"kty":"EC","crv":"P-256","x":"x","y":"y","alg":"ECDH-ES"}`
	tests := []struct {
		name, body string
		code       oid4vci.ErrorCode
		desc       string
	}{
		{"fail/both identifiers", `{"credential_identifier":"a","credential_configuration_id":"b"}`, oid4vci.CodeInvalidCredentialRequest, "credential_identifier and credential_configuration_id must not both be present"},
		{"fail/neither identifier", `{"proofs":{"jwt":["a.b.c"]}}`, oid4vci.CodeInvalidCredentialRequest, "one of credential_identifier and credential_configuration_id is required"},
		{"fail/identifier differs in case only", `{"Credential_Identifier":"a"}`, oid4vci.CodeInvalidCredentialRequest, "one of credential_identifier and credential_configuration_id is required"},
		{"fail/repeated member", `{"credential_identifier":"a","credential_identifier":"b"}`, oid4vci.CodeInvalidCredentialRequest, `repeated parameter: member credential_identifier appears twice`},
		{"fail/not an object", `["a"]`, oid4vci.CodeInvalidCredentialRequest, "malformed input: not a JSON object"},
		{"fail/trailing data", `{"credential_identifier":"a"} {}`, oid4vci.CodeInvalidCredentialRequest, "malformed input: data after the JSON value"},
		{"fail/identifier not a string", `{"credential_identifier":5}`, oid4vci.CodeInvalidCredentialRequest, "malformed input: credential_identifier must be a string"},
		{"fail/too deep", `{"credential_identifier":"a","x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, oid4vci.CodeInvalidCredentialRequest, "JSON nesting exceeds the depth limit: deeper than 16 levels"},
		{"fail/proofs not an object", `{"credential_identifier":"a","proofs":["a.b.c"]}`, oid4vci.CodeInvalidProof, "proofs must be a JSON object"},
		{"fail/two proof types", `{"credential_identifier":"a","proofs":{"jwt":["a.b.c"],"attestation":["a.b.c"]}}`, oid4vci.CodeInvalidProof, "proofs must hold exactly one proof type, not 2"},
		{"fail/empty proofs", `{"credential_identifier":"a","proofs":{}}`, oid4vci.CodeInvalidProof, "proofs must hold exactly one proof type, not 0"},
		{"fail/empty jwt array", `{"credential_identifier":"a","proofs":{"jwt":[]}}`, oid4vci.CodeInvalidProof, "proofs must hold exactly one proof type with a non-empty array"},
		{"fail/unknown proof type", `{"credential_identifier":"a","proofs":{"cwt":["x"]}}`, oid4vci.CodeInvalidProof, "proof type 'cwt' is not supported"},
		{"fail/jwt not a JWS", `{"credential_identifier":"a","proofs":{"jwt":["not a jwt"]}}`, oid4vci.CodeInvalidProof, "proofs.jwt[0] is not a compact JWS"},
		{"fail/over batch size", `{"credential_identifier":"a","proofs":{"jwt":["a.b.c","a.b.c","a.b.c"]}}`, oid4vci.CodeInvalidProof, "3 proofs exceed the batch size of 2"},
		{"fail/two attestations", `{"credential_identifier":"a","proofs":{"attestation":["a.b.c","a.b.c"]}}`, oid4vci.CodeInvalidProof, "proofs.attestation must hold exactly one key attestation, not 2"},
		{"fail/android chain empty", `{"credential_identifier":"a","proofs":{"android_keystore_attestation":[[]]}}`, oid4vci.CodeInvalidProof, "proofs.android_keystore_attestation[0] must hold 1 to 8 certificates"},
		{"fail/android chain not base64", `{"credential_identifier":"a","proofs":{"android_keystore_attestation":[["MIIB"],["MII-_w=="]]}}`, oid4vci.CodeInvalidProof, "proofs.android_keystore_attestation[1][0] is not standard base64 DER"},
		{"fail/android chain not an array of arrays", `{"credential_identifier":"a","proofs":{"android_keystore_attestation":["MIIB"]}}`, oid4vci.CodeInvalidProof, "proofs.android_keystore_attestation must be an array"},
		{"fail/android chains over batch size", `{"credential_identifier":"a","proofs":{"android_keystore_attestation":[["MIIB"],["MIIB"],["MIIB"]]}}`, oid4vci.CodeInvalidProof, "3 proofs exceed the batch size of 2"},
		{"fail/encryption without alg", `{"credential_identifier":"a","credential_response_encryption":{"jwk":{"kty":"EC"},"enc":"A128GCM"}}`, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption: jwk has no alg"},
		{"fail/encryption without enc", `{"credential_identifier":"a","credential_response_encryption":{"jwk":` + jwk + `}}`, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption: enc is missing"},
		{"fail/encryption private key", `{"credential_identifier":"a","credential_response_encryption":{"jwk":{"kty":"EC","alg":"ECDH-ES","d":"x"},"enc":"A128GCM"}}`, oid4vci.CodeInvalidEncryptionParameters, `credential_response_encryption: jwk carries private key member d`},
		{"fail/encryption bad zip", `{"credential_identifier":"a","credential_response_encryption":{"jwk":` + jwk + `,"enc":"A128GCM","zip":"GZ"}}`, oid4vci.CodeInvalidEncryptionParameters, `credential_response_encryption: zip GZ is not DEF`},
		{"fail/encryption not an object", `{"credential_identifier":"a","credential_response_encryption":"x"}`, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption must be a JSON object"},
		{"fail/jwk not an object", `{"credential_identifier":"a","credential_response_encryption":{"jwk":"k","enc":"A128GCM"}}`, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption: jwk must be a JSON object, not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseCredentialRequest([]byte(tt.body), oid4vci.Limits{MaxBatchSize: 2})
			wantError(t, err, tt.code, tt.desc)
		})
	}
}

func TestParseCredentialRequestLimits(t *testing.T) {
	body := []byte(`{"credential_identifier":"` + strings.Repeat("a", 100) + `"}`)
	_, err := oid4vci.ParseCredentialRequest(body, oid4vci.Limits{MaxBytes: 64})
	wantError(t, err, oid4vci.CodeInvalidCredentialRequest, "input exceeds the size limit: 128 bytes, limit 64")
	if !errors.Is(err, oid4vci.ErrTooLarge) {
		t.Error("errors.Is(err, ErrTooLarge) is false")
	}
	_, err = oid4vci.ParseCredentialRequest(body, oid4vci.Limits{MaxStringBytes: 50})
	wantError(t, err, oid4vci.CodeInvalidCredentialRequest, "credential_identifier is longer than 50 bytes")
}

func TestParseCredentialRequestOK(t *testing.T) {
	body := `{"credential_configuration_id":"aadhaar_sd_jwt","proof":{"proof_type":"jwt","jwt":"a.b.c"},"format":"dc+sd-jwt",` +
		`"proofs":{"jwt":["eyJh.eyJi.c2ln"]},"credential_response_encryption":{"jwk":{"kty":"EC","kid":"k1","alg":"ECDH-ES"},"enc":"A256GCM","zip":null}}`
	r, err := oid4vci.ParseCredentialRequest([]byte(body), oid4vci.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.LegacyProof || r.Proofs.Type() != oid4vci.ProofTypeJWT || r.CredentialResponseEncryption.JWKAlg() != "ECDH-ES" ||
		r.CredentialResponseEncryption.JWKKeyID() != "k1" || r.CredentialResponseEncryption.Zip != "" {
		t.Fatalf("%+v", r)
	}
	want := `{"credential_configuration_id":"aadhaar_sd_jwt","proofs":{"jwt":["eyJh.eyJi.c2ln"]},"credential_response_encryption":{"jwk":{"kty":"EC","kid":"k1","alg":"ECDH-ES"},"enc":"A256GCM"}}`
	if got := mustJSON(t, r); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseTokenRequest(t *testing.T) {
	base := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {"code1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "\x00" {
				v.Del(kv[i])
				continue
			}
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name string
		form url.Values
		code oid4vci.ErrorCode
		desc string
	}{
		{"fail/no grant_type", base("grant_type", "\x00"), oid4vci.CodeInvalidRequest, "grant_type is missing"},
		{"fail/authorization_code grant", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, oid4vci.CodeUnsupportedGrantType, "grant_type 'authorization_code' is not supported"},
		{"fail/no code", base("pre-authorized_code", "\x00"), oid4vci.CodeInvalidRequest, "pre-authorized_code is missing"},
		{"fail/empty code counts as absent", url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {""}}, oid4vci.CodeInvalidRequest, "pre-authorized_code is missing"},
		{"fail/repeated code", base("pre-authorized_code", "code2"), oid4vci.CodeInvalidRequest, "pre-authorized_code is repeated"},
		{"fail/repeated tx_code", base("tx_code", "1", "tx_code", "2"), oid4vci.CodeInvalidRequest, "tx_code is repeated"},
		{"fail/long tx_code", base("tx_code", strings.Repeat("1", 3000)), oid4vci.CodeInvalidRequest, "tx_code is too long"},
		{"fail/authorization_details not JSON", base("authorization_details", "[{"), oid4vci.CodeInvalidAuthorizationDetails, "authorization_details is not valid JSON within limits"},
		{"fail/authorization_details wrong type", base("authorization_details", `[{"type":"x","credential_configuration_id":"a"}]`), oid4vci.CodeInvalidAuthorizationDetails, "authorization_details[0]: type x is not openid_credential"},
		{"fail/authorization_details no id", base("authorization_details", `[{"type":"openid_credential"}]`), oid4vci.CodeInvalidAuthorizationDetails, "authorization_details[0]: credential_configuration_id is missing"},
		{"fail/authorization_details empty", base("authorization_details", `[]`), oid4vci.CodeInvalidAuthorizationDetails, "authorization_details is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseTokenRequest(tt.form, oid4vci.Limits{})
			wantError(t, err, tt.code, tt.desc)
		})
	}
	t.Run("ok/tx_code and unknown parameters", func(t *testing.T) {
		r, err := oid4vci.ParseTokenRequest(base("tx_code", "493536", "resource", "https://x", "resource", "https://y"), oid4vci.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if r.PreAuthorizedCode != "code1" || r.TxCode != "493536" {
			t.Fatalf("%+v", r)
		}
		form, err := r.Form()
		if err != nil {
			t.Fatal(err)
		}
		if got := form.Encode(); got != "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=code1&tx_code=493536" {
			t.Errorf("form = %s", got)
		}
	})
}

func TestParseTokenResponseBadInput(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"fail/no access_token", `{"token_type":"Bearer"}`, "access_token is missing"},
		{"fail/mac token type", `{"access_token":"t","token_type":"mac"}`, `token_type "mac" is neither Bearer nor DPoP`},
		{"fail/details without identifiers", `{"access_token":"t","token_type":"DPoP","authorization_details":[{"type":"openid_credential","credential_configuration_id":"a"}]}`, "authorization_details[0]: credential_identifiers is missing or empty"},
		{"fail/expires_in fraction", `{"access_token":"t","token_type":"DPoP","expires_in":1.5}`, "expires_in must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseTokenResponse([]byte(tt.body), oid4vci.Limits{})
			if !errors.Is(err, oid4vci.ErrInvalidTokenResponse) || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("got %v, want ...%s", err, tt.want)
			}
		})
	}
	r, err := oid4vci.ParseTokenResponse([]byte(`{"access_token":"t","token_type":"dpop","expires_in":60,"c_nonce":"ignored"}`), oid4vci.Limits{})
	if err != nil || r.TokenType != "dpop" || r.ExpiresIn != 60 {
		t.Fatalf("ok/lowercase dpop: %v %+v", err, r)
	}
}

func TestParseCredentialResponseBadInput(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"fail/both", `{"credentials":[{"credential":"x"}],"transaction_id":"t","interval":5}`, "credentials and transaction_id must not both be present"},
		{"fail/neither", `{"notification_id":"n"}`, "one of credentials and transaction_id is required"},
		{"fail/no interval", `{"transaction_id":"t"}`, "interval must be a positive number with transaction_id"},
		{"fail/zero interval", `{"transaction_id":"t","interval":0}`, "interval must be a positive number"},
		{"fail/interval with credentials", `{"credentials":[{"credential":"x"}],"interval":5}`, "interval must not be used with credentials"},
		{"fail/notification without credentials", `{"transaction_id":"t","interval":5,"notification_id":"n"}`, "notification_id must not be used without credentials"},
		{"fail/empty credentials", `{"credentials":[]}`, "credentials is empty"},
		{"fail/credential number", `{"credentials":[{"credential":5}]}`, "credentials[0].credential must be a string or an object"},
		{"fail/credential missing", `{"credentials":[{}]}`, "credentials[0].credential is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseCredentialResponse([]byte(tt.body), oid4vci.Limits{})
			if !errors.Is(err, oid4vci.ErrInvalidCredentialResponse) || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("got %v, want ...%s", err, tt.want)
			}
		})
	}
}

func TestParseDeferredAndNotificationBadInput(t *testing.T) {
	_, err := oid4vci.ParseDeferredCredentialRequest([]byte(`{}`), oid4vci.Limits{})
	wantError(t, err, oid4vci.CodeInvalidCredentialRequest, "transaction_id is missing")
	_, err = oid4vci.ParseDeferredCredentialRequest([]byte(`{"transaction_id":"t","credential_response_encryption":{"jwk":{"kty":"EC"},"enc":"A128GCM"}}`), oid4vci.Limits{})
	wantError(t, err, oid4vci.CodeInvalidEncryptionParameters, "credential_response_encryption: jwk has no alg")

	tests := []struct {
		name, body string
		code       oid4vci.ErrorCode
		desc       string
	}{
		{"fail/no notification_id", `{"event":"credential_accepted"}`, oid4vci.CodeInvalidNotificationRequest, "notification_id is missing"},
		{"fail/no event", `{"notification_id":"n"}`, oid4vci.CodeInvalidNotificationRequest, "event is missing"},
		{"fail/event case", `{"notification_id":"n","event":"Credential_Accepted"}`, oid4vci.CodeInvalidNotificationRequest, "event 'Credential_Accepted' is not credential_accepted, credential_failure or credential_deleted"},
		{"fail/description quote", `{"notification_id":"n","event":"credential_failure","event_description":"a \"b\""}`, oid4vci.CodeInvalidNotificationRequest, "event_description has characters outside %x20-21 / %x23-5B / %x5D-7E"},
		{"fail/description non-ASCII", `{"notification_id":"n","event":"credential_failure","event_description":"स्टोरेज"}`, oid4vci.CodeInvalidNotificationRequest, "event_description has characters outside %x20-21 / %x23-5B / %x5D-7E"},
		{"fail/repeated event", `{"notification_id":"n","event":"credential_failure","event":"credential_accepted"}`, oid4vci.CodeInvalidNotificationRequest, `repeated parameter: member event appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseNotificationRequest([]byte(tt.body), oid4vci.Limits{})
			wantError(t, err, tt.code, tt.desc)
		})
	}
	r, err := oid4vci.ParseNotificationRequest([]byte(`{"notification_id":"n","event":"credential_deleted","extra":1}`), oid4vci.Limits{})
	if err != nil || r.Event != oid4vci.EventCredentialDeleted {
		t.Fatalf("ok/deleted with unknown member: %v %+v", err, r)
	}
}

func TestParseCredentialOfferBadInput(t *testing.T) {
	const iss = `"credential_issuer":"https://issuer.example"`
	const pre = `"urn:ietf:params:oauth:grant-type:pre-authorized_code"`
	tests := []struct{ name, in, want string }{
		{"fail/http issuer", `{"credential_issuer":"http://issuer.example","credential_configuration_ids":["a"]}`, `credential_issuer: "http://issuer.example" does not use the https scheme`},
		{"fail/issuer with query", `{"credential_issuer":"https://issuer.example/?x=1","credential_configuration_ids":["a"]}`, `credential_issuer: "https://issuer.example/?x=1" has a query component`},
		{"fail/issuer with fragment", `{"credential_issuer":"https://issuer.example/#","credential_configuration_ids":["a"]}`, `credential_issuer: "https://issuer.example/#" has a fragment component`},
		{"fail/no ids", `{` + iss + `}`, "credential_configuration_ids is missing or empty"},
		{"fail/empty ids", `{` + iss + `,"credential_configuration_ids":[]}`, "credential_configuration_ids is missing or empty"},
		{"fail/repeated id", `{` + iss + `,"credential_configuration_ids":["a","a"]}`, `credential_configuration_ids[1] "a" repeats an earlier entry`},
		{"fail/empty id", `{` + iss + `,"credential_configuration_ids":[""]}`, "credential_configuration_ids[0] is empty"},
		{"fail/ids not strings", `{` + iss + `,"credential_configuration_ids":[1]}`, "malformed input: credential_configuration_ids must be an array of strings"},
		{"fail/no pre-authorized code", `{` + iss + `,"credential_configuration_ids":["a"],"grants":{` + pre + `:{}}}`, "pre-authorized_code is missing or empty"},
		{"fail/bad input_mode", `{` + iss + `,"credential_configuration_ids":["a"],"grants":{` + pre + `:{"pre-authorized_code":"c","tx_code":{"input_mode":"alpha"}}}}`, `tx_code: input_mode "alpha" is neither numeric nor text`},
		{"fail/zero length", `{` + iss + `,"credential_configuration_ids":["a"],"grants":{` + pre + `:{"pre-authorized_code":"c","tx_code":{"length":0}}}}`, "tx_code: length 0 is not between 1 and 64"},
		{"fail/long description", `{` + iss + `,"credential_configuration_ids":["a"],"grants":{` + pre + `:{"pre-authorized_code":"c","tx_code":{"description":"` + strings.Repeat("क", 301) + `"}}}}`, "tx_code: description has 301 characters, more than 300"},
		{"fail/duplicate member", `{` + iss + `,` + iss + `,"credential_configuration_ids":["a"]}`, `repeated parameter: member "credential_issuer" appears twice`},
		{"fail/both link params", `openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fi.example%2Fo`, "link carries both credential_offer and credential_offer_uri"},
		{"fail/neither link param", `openid-credential-offer://?foo=bar`, "link carries neither credential_offer nor credential_offer_uri"},
		{"fail/repeated link param", `haip-vci://?credential_offer_uri=https%3A%2F%2Fa.example&credential_offer_uri=https%3A%2F%2Fb.example`, "repeated parameter: credential_offer_uri"},
		{"fail/http offer uri", `openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fi.example%2Fo`, `credential_offer_uri: "http://i.example/o" does not use the https scheme`},
		{"fail/plain http link", `http://wallet.example/?credential_offer_uri=https%3A%2F%2Fi.example%2Fo`, "link uses plain http"},
		{"fail/bad escape", `openid-credential-offer://?credential_offer=%ZZ`, `link query: invalid URL escape "%ZZ"`},
		{"fail/no scheme", `wallet.example/?credential_offer_uri=x`, "link has no scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oid4vci.ParseCredentialOfferLink(tt.in, oid4vci.Limits{})
			if !errors.Is(err, oid4vci.ErrInvalidCredentialOffer) || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant ...%s", err, tt.want)
			}
		})
	}
	_, err := oid4vci.ParseCredentialOfferLink("openid-credential-offer://?credential_offer_uri="+strings.Repeat("a", 300), oid4vci.Limits{MaxBytes: 256})
	if !errors.Is(err, oid4vci.ErrTooLarge) {
		t.Errorf("fail/link too long: got %v", err)
	}
}

func TestOfferLinks(t *testing.T) {
	o := &oid4vci.CredentialOffer{
		CredentialIssuer:           "https://pramaan.example.in",
		CredentialConfigurationIDs: []string{"aadhaar_sd_jwt"},
		Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{
			PreAuthorizedCode: "c+1", TxCode: &oid4vci.TxCode{Length: 6, InputMode: oid4vci.InputModeNumeric, Description: "SMS code & more"},
		}},
	}
	link, err := oid4vci.OfferLinkByValue(oid4vci.OfferSchemeOpenID, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fpramaan.example.in%22%2C%22credential_configuration_ids%22%3A%5B%22aadhaar_sd_jwt%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%2B1%22%2C%22tx_code%22%3A%7B%22length%22%3A6%2C%22input_mode%22%3A%22numeric%22%2C%22description%22%3A%22SMS%20code%20%26%20more%22%7D%7D%7D%7D"
	if link != want {
		t.Errorf("by value:\n got %s\nwant %s", link, want)
	}
	ref, err := oid4vci.OfferLinkByReference("https://wallet.example/offer", "https://pramaan.example.in/credential-offer/abc?x=1")
	if err != nil {
		t.Fatal(err)
	}
	if ref != "https://wallet.example/offer?credential_offer_uri=https%3A%2F%2Fpramaan.example.in%2Fcredential-offer%2Fabc%3Fx%3D1" {
		t.Errorf("by reference: %s", ref)
	}
	for _, base := range []string{"openid-credential-offer://?x=1", "wallet", "http://wallet.example"} {
		if _, err := oid4vci.OfferLinkByReference(base, "https://i.example/o"); !errors.Is(err, oid4vci.ErrInvalidCredentialOffer) {
			t.Errorf("fail/base %q: got %v", base, err)
		}
	}
	bad := *o
	bad.CredentialIssuer = "https://user@pramaan.example.in"
	if _, err := json.Marshal(&bad); !errors.Is(err, oid4vci.ErrInvalidCredentialOffer) {
		t.Errorf("fail/marshal invalid offer: got %v", err)
	}
}

func TestErrorType(t *testing.T) {
	e := oid4vci.NewError(oid4vci.CodeInvalidClient, `bad "client"\`+"\n")
	if e.StatusCode() != 401 {
		t.Errorf("invalid_client status %d", e.StatusCode())
	}
	if got := mustJSON(t, e); got != `{"error":"invalid_client","error_description":"bad client"}` {
		t.Errorf("json %s", got)
	}
	for code, status := range map[oid4vci.ErrorCode]int{
		oid4vci.CodeInvalidGrant: 400, oid4vci.CodeInvalidToken: 401, oid4vci.CodeInsufficientScope: 403,
		oid4vci.CodeInvalidProof: 400, oid4vci.CodeInvalidTransactionID: 400, oid4vci.CodeInvalidNotificationID: 400, oid4vci.CodeUseDPoPNonce: 400,
	} {
		if got := oid4vci.NewError(code, "").StatusCode(); got != status {
			t.Errorf("%s: status %d, want %d", code, got, status)
		}
	}
	rs := oid4vci.NewError(oid4vci.CodeUseDPoPNonce, "").WithStatus(401)
	if rs.StatusCode() != 401 || mustJSON(t, rs) != `{"error":"use_dpop_nonce"}` {
		t.Errorf("WithStatus: %d %s", rs.StatusCode(), mustJSON(t, rs))
	}
	cause := errors.New("store: code used")
	w := oid4vci.WrapError(oid4vci.CodeInvalidGrant, cause, "pre-authorized_code is invalid")
	if !errors.Is(w, cause) || !errors.Is(w, oid4vci.CodeInvalidGrant) || errors.Is(w, oid4vci.CodeInvalidRequest) ||
		!errors.Is(w, oid4vci.NewError(oid4vci.CodeInvalidGrant, "other")) {
		t.Error("Is/Unwrap")
	}
	if w.Error() != "invalid_grant: pre-authorized_code is invalid: store: code used" {
		t.Errorf("Error() = %q", w.Error())
	}
	if a, b := oid4vci.NewError(oid4vci.CodeInvalidProof, ""), oid4vci.NewError(oid4vci.CodeInvalidProof, ""); a == b {
		t.Error("constructors share a value")
	}
}

func TestProofHeader(t *testing.T) {
	proof := appendixF1Proof(t)
	seg := strings.Split(proof, ".")
	var h oid4vci.ProofJWTHeader
	var c oid4vci.ProofJWTClaims
	if err := json.Unmarshal(b64(t, seg[0]), &h); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b64(t, seg[1]), &c); err != nil {
		t.Fatal(err)
	}
	if err := h.CheckHeader(); err != nil {
		t.Fatalf("ok/appendix F.1 header: %v", err)
	}
	if c.Aud != "https://credential-issuer.example.com" || c.Iat != 1701960444 || c.Nonce != "LarRGSbmUPYtRYO6BQ4yn8" {
		t.Errorf("claims %+v", c)
	}
	tests := []struct {
		name string
		h    oid4vci.ProofJWTHeader
		desc string
	}{
		{"fail/alg none", oid4vci.ProofJWTHeader{Alg: "none", Typ: oid4vci.TypProofJWT, Kid: "k"}, "proof alg 'none' is not an asymmetric signature algorithm"},
		{"fail/alg HS256", oid4vci.ProofJWTHeader{Alg: "HS256", Typ: oid4vci.TypProofJWT, Kid: "k"}, "proof alg 'HS256' is not an asymmetric signature algorithm"},
		{"fail/typ JWT", oid4vci.ProofJWTHeader{Alg: "ES256", Typ: "JWT", Kid: "k"}, "proof typ 'JWT' is not openid4vci-proof+jwt"},
		{"fail/kid and jwk", oid4vci.ProofJWTHeader{Alg: "ES256", Typ: oid4vci.TypProofJWT, Kid: "k", JWK: json.RawMessage(`{"kty":"EC"}`)}, "proof header must carry only one of kid, jwk and x5c"},
		{"fail/no key", oid4vci.ProofJWTHeader{Alg: "ES256", Typ: oid4vci.TypProofJWT}, "proof header carries none of kid, jwk and x5c"},
		{"fail/private jwk", oid4vci.ProofJWTHeader{Alg: "ES256", Typ: oid4vci.TypProofJWT, JWK: json.RawMessage(`{"kty":"EC","d":"x"}`)}, "proof jwk carries a private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.h.CheckHeader(), oid4vci.CodeInvalidProof, tt.desc) })
	}
}
