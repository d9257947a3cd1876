package issuer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
)

func TestTokenRefusesBadGrantsWithTheSpecCodeAndKeepsTheCode(t *testing.T) {
	h := newHarness(t)
	code, tx, _ := h.offer(true, "aadhaar_sd_jwt")
	noTx, _, _ := h.offer(false, "aadhaar_sd_jwt")
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		code   oid4vci.ErrorCode
	}{
		{"unknown code", preAuthForm("no-such-code", tx), nil, oid4vci.CodeInvalidGrant},
		{"wrong tx_code", preAuthForm(code, "000000"), nil, oid4vci.CodeInvalidGrant},
		{"missing tx_code", preAuthForm(code, ""), nil, oid4vci.CodeInvalidRequest},
		{"tx_code not expected", preAuthForm(noTx, "123456"), nil, oid4vci.CodeInvalidRequest},
		{"other grant type", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, nil, oid4vci.CodeUnsupportedGrantType},
		{"no grant type", url.Values{"pre-authorized_code": {code}}, nil, oid4vci.CodeInvalidRequest},
		{"JSON body", preAuthForm(code, tx), http.Header{"Content-Type": {"application/json"}}, oid4vci.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hd := formHeader()
			if tc.header != nil {
				hd = tc.header
			}
			_, err := h.svc.Token(context.Background(), h.request(http.MethodPost, "/token", hd, []byte(tc.form.Encode())))
			wantCode(t, err, tc.code, http.StatusBadRequest)
		})
	}
	// None of the refusals used the code up: the right tx_code still works
	// (one wrong attempt was counted, four remain).
	if resp, err := h.tokenCall(preAuthForm(code, tx), ""); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("redeem after refusals: %v", err)
	}
	if _, err := h.tokenCall(preAuthForm(code, tx), ""); err == nil {
		t.Fatal("a used code was redeemed twice")
	} else {
		wantCode(t, err, oid4vci.CodeInvalidGrant, http.StatusBadRequest)
	}
}

func TestTokenKillsTheCodeAfterFiveWrongTxCodes(t *testing.T) {
	h := newHarness(t)
	code, tx, _ := h.offer(true, "aadhaar_sd_jwt")
	for i := 0; i < 5; i++ {
		_, err := h.tokenCall(preAuthForm(code, "999999"), "")
		wantCode(t, err, oid4vci.CodeInvalidGrant, http.StatusBadRequest)
	}
	_, err := h.tokenCall(preAuthForm(code, tx), "")
	wantCode(t, err, oid4vci.CodeInvalidGrant, http.StatusBadRequest)
	if !strings.Contains(err.Error(), "too many wrong tx_code") {
		t.Fatalf("error = %v, want the lock-out reason", err)
	}
}

func TestTokenRefusesAnExpiredCode(t *testing.T) {
	h := newHarness(t)
	code, _, _ := h.offer(false, "aadhaar_sd_jwt")
	h.clock.Advance(10*time.Minute + time.Second)
	_, err := h.tokenCall(preAuthForm(code, ""), "")
	wantCode(t, err, oid4vci.CodeInvalidGrant, http.StatusBadRequest)
}

func TestTokenResponseCarriesCredentialIdentifiersAndNoStore(t *testing.T) {
	h := newHarness(t)
	code, _, _ := h.offer(false, "aadhaar_sd_jwt", "aadhaar_mdoc")
	resp, err := h.tokenCall(preAuthForm(code, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", resp.Header.Get("Cache-Control"))
	}
	tr, err := oid4vci.ParseTokenResponse(resp.Body, oid4vci.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 600 || len(tr.AuthorizationDetails) != 2 {
		t.Fatalf("token response = %+v", tr)
	}
	for i, id := range []string{"aadhaar_sd_jwt", "aadhaar_mdoc"} {
		d := tr.AuthorizationDetails[i]
		if d.CredentialConfigurationID != id || len(d.CredentialIdentifiers) != 1 || d.CredentialIdentifiers[0] != id {
			t.Errorf("authorization_details[%d] = %+v", i, d)
		}
	}
	// RFC 9068 Section 2.1: typ at+jwt.
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tr.AccessToken, ".")[0])
	if !bytes.Contains(hdr, []byte(`"typ":"at+jwt"`)) {
		t.Fatalf("access token header = %s", hdr)
	}
}

func TestCredentialIssuesVerifiableSDJWTVCBoundToTheProofKey(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt")
	holder := newKey(t)
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(holder, h.nonce())}}})
	resp, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK || resp.ContentType != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("response %d %s %v", resp.Status, resp.ContentType, resp.Header)
	}
	if resp.IssuedFormat != "dc+sd-jwt" || resp.IssuedCount != 1 {
		t.Fatalf("metrics fields = %s %d", resp.IssuedFormat, resp.IssuedCount)
	}
	cr, err := oid4vci.ParseCredentialResponse(resp.Body, oid4vci.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cr.NotificationID == "" || len(cr.Credentials) != 1 {
		t.Fatalf("credential response = %s", resp.Body)
	}
	cred, _ := cr.Credentials[0].String()
	res := verifySDJWT(t, h, cred)
	if res.Claims["name"] != "Asha Verma" || res.Claims["vct"] != "urn:pramaan:aadhaar:1" || res.Claims["iss"] != testIssuer {
		t.Fatalf("claims = %v", res.Claims)
	}
	addr, _ := res.Claims["address"].(map[string]any)
	if addr["city"] != "Bengaluru" || addr["care_of"] != nil {
		t.Fatalf("address = %v (care_of must not be issued)", addr)
	}
	cnf, _ := res.Claims["cnf"].(map[string]any)
	jwkJSON, _ := json.Marshal(cnf["jwk"])
	want, _ := json.Marshal(publicJWK(t, holder))
	var a, b map[string]any
	json.Unmarshal(jwkJSON, &a)
	json.Unmarshal(want, &b)
	if a["x"] != b["x"] || a["y"] != b["y"] || a["d"] != nil {
		t.Fatalf("cnf.jwk = %s, want the holder key %s", jwkJSON, want)
	}
	// The issuance is recorded under the notification_id.
	rec, err := h.store.Issuance(context.Background(), cr.NotificationID)
	if err != nil || rec.ConfigurationID != "aadhaar_sd_jwt" || rec.Count != 1 {
		t.Fatalf("issuance record = %+v, %v", rec, err)
	}
}

func verifySDJWT(t *testing.T, h *harness, cred string) *sdjwt.Result {
	t.Helper()
	pool := &sdjwt.X5CResolver{Roots: certPool(h)}
	v := sdjwt.Verifier{Keys: pool, Now: h.clock.Now}
	res, err := v.VerifyVC(context.Background(), []byte(cred))
	if err != nil {
		t.Fatalf("our SD-JWT VC does not verify: %v", err)
	}
	return res
}

func TestCredentialIssuesABatchOfMDocsEachBoundToItsKey(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_mdoc")
	n := h.nonce()
	holders := []*ecdsaKey{newKey(t), newKey(t), newKey(t)}
	var proofs []string
	for _, k := range holders {
		proofs = append(proofs, h.proof(k, n))
	}
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_mdoc", "proofs": map[string]any{"jwt": proofs}})
	resp, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := oid4vci.ParseCredentialResponse(resp.Body, oid4vci.Limits{})
	if err != nil || len(cr.Credentials) != 3 {
		t.Fatalf("response %s: %v", resp.Body, err)
	}
	v := mdoc.Verifier{Roots: h.roots, At: h.clock.Now()}
	for i, c := range cr.Credentials {
		s, _ := c.String()
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := v.VerifyIssuerSigned(raw)
		if err != nil {
			t.Fatalf("mdoc %d does not verify: %v", i, err)
		}
		if doc.DocType != "in.gov.uidai.aadhaar.1" || !doc.DeviceKey.Equal(holders[i].Public()) {
			t.Fatalf("mdoc %d: doctype %s, device key is not holder %d", i, doc.DocType, i)
		}
		claims := doc.Claims()["in.gov.uidai.aadhaar.1"]
		if claims["name"] != "Asha Verma" || claims["aadhaar_last4"] != "1234" {
			t.Fatalf("mdoc %d claims = %v", i, claims)
		}
		if _, ok := claims["birth_date"].(mdoc.FullDate); !ok {
			t.Fatalf("birth_date is %T, want a full-date (tag 1004)", claims["birth_date"])
		}
		if p, ok := claims["portrait"].([]byte); !ok || !bytes.HasPrefix(p, []byte{0xff, 0xd8}) {
			t.Fatalf("portrait is %T, want the JPEG bytes", claims["portrait"])
		}
	}
}

func TestCredentialRefusesBadProofsAndKeepsTheNonce(t *testing.T) {
	h := newHarness(t)
	holder := newKey(t)
	other := newKey(t)
	now := h.clock.Now()
	hdr := func(k *ecdsaKey) map[string]any {
		return map[string]any{"typ": "openid4vci-proof+jwt", "jwk": publicJWK(t, k)}
	}
	claims := func(aud string, iat time.Time, nonce string) map[string]any {
		return map[string]any{"aud": aud, "iat": iat.Unix(), "nonce": nonce}
	}
	privJWK, _ := jwk.Import(holder)
	cases := []struct {
		name  string
		proof func(nonce string) string
		code  oid4vci.ErrorCode
	}{
		{"wrong aud", func(n string) string {
			return signJWS(t, holder, jwa.ES256(), hdr(holder), claims("https://other.example", now, n))
		}, oid4vci.CodeInvalidProof},
		{"stale iat", func(n string) string {
			return signJWS(t, holder, jwa.ES256(), hdr(holder), claims(testIssuer, now.Add(-10*time.Minute), n))
		}, oid4vci.CodeInvalidProof},
		{"future iat", func(n string) string {
			return signJWS(t, holder, jwa.ES256(), hdr(holder), claims(testIssuer, now.Add(10*time.Minute), n))
		}, oid4vci.CodeInvalidProof},
		{"unknown nonce", func(string) string {
			return signJWS(t, holder, jwa.ES256(), hdr(holder), claims(testIssuer, now, "never-issued"))
		}, oid4vci.CodeInvalidNonce},
		{"alg none", func(n string) string {
			h0, _ := json.Marshal(map[string]any{"typ": "openid4vci-proof+jwt", "alg": "none", "jwk": publicJWK(t, holder)})
			c0, _ := json.Marshal(claims(testIssuer, now, n))
			return base64.RawURLEncoding.EncodeToString(h0) + "." + base64.RawURLEncoding.EncodeToString(c0) + "."
		}, oid4vci.CodeInvalidProof},
		{"signed by another key", func(n string) string {
			return signJWS(t, other, jwa.ES256(), hdr(holder), claims(testIssuer, now, n))
		}, oid4vci.CodeInvalidProof},
		{"jwk with private part", func(n string) string {
			return signJWS(t, holder, jwa.ES256(), map[string]any{"typ": "openid4vci-proof+jwt", "jwk": privJWK}, claims(testIssuer, now, n))
		}, oid4vci.CodeInvalidProof},
		{"wrong typ", func(n string) string {
			return signJWS(t, holder, jwa.ES256(), map[string]any{"typ": "JWT", "jwk": publicJWK(t, holder)}, claims(testIssuer, now, n))
		}, oid4vci.CodeInvalidProof},
	}
	token := h.bearer("aadhaar_sd_jwt")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := h.nonce()
			body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{tc.proof(n)}}})
			_, err := h.credentialCall(token, "application/json", body)
			wantCode(t, err, tc.code, http.StatusBadRequest)
			// Nothing changed: the nonce is still unused.
			if err := h.store.ConsumeNonce(context.Background(), n, h.clock.Now()); err != nil {
				t.Fatalf("a refused proof used up the c_nonce: %v", err)
			}
		})
	}
	// A reused nonce.
	n := h.nonce()
	if err := h.store.ConsumeNonce(context.Background(), n, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(holder, n)}}})
	_, err := h.credentialCall(token, "application/json", body)
	wantCode(t, err, oid4vci.CodeInvalidNonce, http.StatusBadRequest)
	// And nothing was issued by any of the refusals: the configuration
	// can still be issued once.
	body = credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(holder, h.nonce())}}})
	if resp, err := h.credentialCall(token, "application/json", body); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("valid request after refusals: %v", err)
	}
}

func TestCredentialRefusesMalformedRequestsWithTheSpecCode(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt")
	holder := newKey(t)
	proofs := func() map[string]any { return map[string]any{"jwt": []string{h.proof(holder, h.nonce())}} }
	walletKey := newKey(t)
	noAlg, _ := json.Marshal(publicJWK(t, walletKey))
	withAlg := func() json.RawMessage {
		k := publicJWK(t, walletKey)
		k.Set("alg", "ECDH-ES")
		b, _ := json.Marshal(k)
		return b
	}
	cases := []struct {
		name        string
		contentType string
		body        []byte
		code        oid4vci.ErrorCode
	}{
		{"both identifiers", "application/json", credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "credential_configuration_id": "aadhaar_sd_jwt", "proofs": proofs()}), oid4vci.CodeInvalidCredentialRequest},
		{"neither identifier", "application/json", credentialBody(t, map[string]any{"proofs": proofs()}), oid4vci.CodeInvalidCredentialRequest},
		{"unknown configuration", "application/json", credentialBody(t, map[string]any{"credential_configuration_id": "no_such_config", "proofs": proofs()}), oid4vci.CodeUnknownCredentialConfiguration},
		{"configuration id where identifiers were granted", "application/json", credentialBody(t, map[string]any{"credential_configuration_id": "aadhaar_sd_jwt", "proofs": proofs()}), oid4vci.CodeInvalidCredentialRequest},
		{"identifier not granted", "application/json", credentialBody(t, map[string]any{"credential_identifier": "aadhaar_mdoc", "proofs": proofs()}), oid4vci.CodeUnknownCredentialIdentifier},
		{"no proofs", "application/json", credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt"}), oid4vci.CodeInvalidProof},
		{"not JSON", "application/json", []byte(`{"credential_identifier":`), oid4vci.CodeInvalidCredentialRequest},
		{"response encryption in a plain request", "application/json", credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": proofs(),
			"credential_response_encryption": map[string]any{"jwk": withAlg(), "enc": "A128GCM"}}), oid4vci.CodeInvalidEncryptionParameters},
		{"response key without alg", oid4vci.MediaTypeJWT, h.encryptRequest(credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": proofs(),
			"credential_response_encryption": map[string]any{"jwk": json.RawMessage(noAlg), "enc": "A128GCM"}}), "A128GCM"), oid4vci.CodeInvalidEncryptionParameters},
		{"unsupported response enc", oid4vci.MediaTypeJWT, h.encryptRequest(credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": proofs(),
			"credential_response_encryption": map[string]any{"jwk": withAlg(), "enc": "A128CBC-HS256"}}), "A128GCM"), oid4vci.CodeInvalidEncryptionParameters},
		{"malformed JWE", oid4vci.MediaTypeJWT, []byte("eyJhbGciOiJFQ0RILUVTIn0.not-a-jwe"), oid4vci.CodeInvalidCredentialRequest},
		{"wrong content type", "text/plain", []byte(`{}`), oid4vci.CodeInvalidCredentialRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.credentialCall(token, tc.contentType, tc.body)
			wantCode(t, err, tc.code, http.StatusBadRequest)
		})
	}
	// Nothing was issued by the refusals.
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": proofs()})
	if resp, err := h.credentialCall(token, "application/json", body); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("valid request after refusals: %v", err)
	}
}

// encryptRequest encrypts a Credential Request to the issuer's request key
// as a wallet does (Section 10).
func (h *harness) encryptRequest(payload []byte, enc string) []byte {
	h.t.Helper()
	rk := h.ks.RequestDecrypter()
	pub, err := jwk.Import(rk.PublicKey())
	if err != nil {
		h.t.Fatal(err)
	}
	hd := jwe.NewHeaders()
	hd.Set("kid", rk.KeyID())
	ce, _ := jwa.LookupContentEncryptionAlgorithm(enc)
	out, err := jwe.Encrypt(payload, jwe.WithKey(jwa.ECDH_ES(), pub), jwe.WithContentEncryption(ce), jwe.WithProtectedHeaders(hd), jwe.WithCompact())
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func TestEncryptedRequestGetsAnEncryptedResponseForBothFormats(t *testing.T) {
	for _, tc := range []struct{ config, enc string }{{"aadhaar_sd_jwt", "A128GCM"}, {"aadhaar_mdoc", "A256GCM"}} {
		t.Run(tc.config, func(t *testing.T) {
			h := newHarness(t)
			token := h.bearer(tc.config)
			holder, walletKey := newKey(t), newKey(t)
			pub := publicJWK(t, walletKey)
			pub.Set("alg", "ECDH-ES")
			pub.Set("kid", "wallet-enc-1")
			pj, _ := json.Marshal(pub)
			body := credentialBody(t, map[string]any{"credential_identifier": tc.config, "proofs": map[string]any{"jwt": []string{h.proof(holder, h.nonce())}},
				"credential_response_encryption": map[string]any{"jwk": json.RawMessage(pj), "enc": tc.enc}})
			resp, err := h.credentialCall(token, oid4vci.MediaTypeJWT, h.encryptRequest(body, "A128GCM"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.ContentType != oid4vci.MediaTypeJWT {
				t.Fatalf("content type %s, want application/jwt", resp.ContentType)
			}
			msg := jwe.NewMessage()
			plain, err := jwe.Decrypt(resp.Body, jwe.WithKey(jwa.ECDH_ES(), walletKey), jwe.WithMessage(msg))
			if err != nil {
				t.Fatalf("the wallet cannot decrypt the response: %v", err)
			}
			if enc, _ := msg.ProtectedHeaders().ContentEncryption(); enc.String() != tc.enc {
				t.Fatalf("enc = %s, want %s", enc, tc.enc)
			}
			if kid, _ := msg.ProtectedHeaders().KeyID(); kid != "wallet-enc-1" {
				t.Fatalf("kid = %q", kid)
			}
			cr, err := oid4vci.ParseCredentialResponse(plain, oid4vci.Limits{})
			if err != nil || len(cr.Credentials) != 1 {
				t.Fatalf("decrypted response %s: %v", plain, err)
			}
		})
	}
}

func TestIdenticalRetryWithinTheWindowGetsTheSameResponse(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt")
	holder := newKey(t)
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(holder, h.nonce())}}})
	first, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(59 * time.Second)
	second, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatalf("identical retry: %v", err)
	}
	if !bytes.Equal(first.Body, second.Body) || second.Status != first.Status {
		t.Fatal("the retry issued again instead of returning the same response")
	}
	// A different request for the same configuration of the offer is denied.
	other := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
	_, err = h.credentialCall(token, "application/json", other)
	wantCode(t, err, oid4vci.CodeCredentialRequestDenied, http.StatusBadRequest)
	// After the window the stored reply is gone and the nonce was spent.
	h.clock.Advance(2 * time.Second)
	_, err = h.credentialCall(token, "application/json", body)
	wantCode(t, err, oid4vci.CodeInvalidNonce, http.StatusBadRequest)
}

func TestCredentialRefusesBadAccessTokens(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt")
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
	parts := strings.Split(token, ".")
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	for name, auth := range map[string]string{
		"missing":                       "",
		"forged":                        "Bearer " + forged,
		"DPoP scheme on a Bearer token": "DPoP " + token,
		"not a JWT":                     "Bearer abc",
	} {
		t.Run(name, func(t *testing.T) {
			hd := http.Header{"Content-Type": {"application/json"}}
			if auth != "" {
				hd.Set("Authorization", auth)
			}
			_, err := h.svc.Credential(context.Background(), h.request(http.MethodPost, "/credential", hd, body))
			wantCode(t, err, oid4vci.CodeInvalidToken, http.StatusUnauthorized)
			_, hdr, _, _, _ := issuer.ErrorResponse(err)
			if hdr.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate header")
			}
		})
	}
	h.clock.Advance(11 * time.Minute)
	_, err := h.credentialCall(token, "application/json", body)
	wantCode(t, err, oid4vci.CodeInvalidToken, http.StatusUnauthorized)
}

// dpopProof signs a DPoP proof (RFC 9449 Section 4.2).
func (h *harness) dpopProof(key *ecdsaKey, method, path, nonce, accessToken string) string {
	claims := map[string]any{"htm": method, "htu": testIssuer + path, "iat": h.clock.Now().Unix(), "jti": base64.RawURLEncoding.EncodeToString(sha(time.Now().String() + path + nonce + accessToken))}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sha(accessToken))
	}
	return signJWS(h.t, key, jwa.ES256(), map[string]any{"typ": "dpop+jwt", "jwk": publicJWK(h.t, key)}, claims)
}

func TestDPoPBindsTheAccessTokenToTheWalletKey(t *testing.T) {
	h := newHarness(t)
	code, _, _ := h.offer(false, "aadhaar_sd_jwt")
	dk := newKey(t)
	// The token endpoint takes a proof without a server nonce and hands
	// one out in DPoP-Nonce for the protected resources (RFC 9449 §8, §9).
	resp, err := h.tokenCall(preAuthForm(code, ""), h.dpopProof(dk, "POST", "/token", "", ""))
	if err != nil {
		t.Fatalf("token with DPoP: %v", err)
	}
	serverNonce := resp.Header.Get("DPoP-Nonce")
	if serverNonce == "" {
		t.Fatal("the token response has no DPoP-Nonce")
	}
	var tr oid4vci.TokenResponse
	json.Unmarshal(resp.Body, &tr)
	if tr.TokenType != "DPoP" {
		t.Fatalf("token_type = %s, want DPoP", tr.TokenType)
	}
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
	call := func(auth, proof string) (*issuer.Response, error) {
		hd := http.Header{"Content-Type": {"application/json"}, "Authorization": {auth}}
		if proof != "" {
			hd.Set("DPoP", proof)
		}
		return h.svc.Credential(context.Background(), h.request(http.MethodPost, "/credential", hd, body))
	}
	_, err = call("Bearer "+tr.AccessToken, "")
	wantCode(t, err, oid4vci.CodeInvalidToken, http.StatusUnauthorized)
	// At the credential endpoint the server nonce is required.
	_, err = call("DPoP "+tr.AccessToken, h.dpopProof(dk, "POST", "/credential", "", tr.AccessToken))
	wantCode(t, err, oid4vci.CodeUseDPoPNonce, http.StatusUnauthorized)
	if _, hdr, _, _, _ := issuer.ErrorResponse(err); hdr.Get("DPoP-Nonce") == "" || !strings.Contains(hdr.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
		t.Fatalf("use_dpop_nonce headers = %v", hdr)
	}
	_, err = call("DPoP "+tr.AccessToken, h.dpopProof(dk, "POST", "/credential", "stale-or-forged", tr.AccessToken))
	wantCode(t, err, oid4vci.CodeUseDPoPNonce, http.StatusUnauthorized)
	_, err = call("DPoP "+tr.AccessToken, "")
	wantCode(t, err, oid4vci.CodeInvalidDPoPProof, http.StatusUnauthorized)
	_, err = call("DPoP "+tr.AccessToken, h.dpopProof(newKey(t), "POST", "/credential", serverNonce, tr.AccessToken))
	wantCode(t, err, oid4vci.CodeInvalidDPoPProof, http.StatusUnauthorized)
	_, err = call("DPoP "+tr.AccessToken, h.dpopProof(dk, "POST", "/nonce", serverNonce, tr.AccessToken))
	wantCode(t, err, oid4vci.CodeInvalidDPoPProof, http.StatusUnauthorized)
	replayed := h.dpopProof(dk, "POST", "/credential", serverNonce, tr.AccessToken)
	if resp, err := call("DPoP "+tr.AccessToken, replayed); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("DPoP-bound credential request: %v", err)
	}
	_, err = call("DPoP "+tr.AccessToken, replayed)
	wantCode(t, err, oid4vci.CodeInvalidDPoPProof, http.StatusUnauthorized)
}

func TestDeferredIssuanceWaitsForApproval(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt_deferred")
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt_deferred", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
	resp, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := oid4vci.ParseCredentialResponse(resp.Body, oid4vci.Limits{})
	if err != nil || resp.Status != http.StatusAccepted || cr.TransactionID == "" || cr.Interval != 5 {
		t.Fatalf("deferred answer %d %s: %v", resp.Status, resp.Body, err)
	}
	deferredCall := func(txID string) (*issuer.Response, error) {
		hd := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}}
		b, _ := json.Marshal(map[string]string{"transaction_id": txID})
		return h.svc.DeferredCredential(context.Background(), h.request(http.MethodPost, "/deferred_credential", hd, b))
	}
	pending, err := deferredCall(cr.TransactionID)
	if err != nil || pending.Status != http.StatusAccepted {
		t.Fatalf("before approval: %v", err)
	}
	_, err = deferredCall("unknown-transaction")
	wantCode(t, err, oid4vci.CodeInvalidTransactionID, http.StatusBadRequest)
	// The operator finds the pending issuance and approves it by id.
	list, err := h.svc.ListDeferred(context.Background(), h.request(http.MethodGet, "/admin/deferred", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var pendingList struct {
		Deferred []struct {
			ID              string `json:"id"`
			ConfigurationID string `json:"credential_configuration_id"`
			Approved        bool   `json:"approved"`
		} `json:"deferred"`
	}
	if err := json.Unmarshal(list.Body, &pendingList); err != nil || len(pendingList.Deferred) != 1 || pendingList.Deferred[0].Approved {
		t.Fatalf("pending list %s: %v", list.Body, err)
	}
	pendingID := pendingList.Deferred[0].ID
	if _, err := h.svc.ApproveDeferred(context.Background(), &issuer.Request{PathID: pendingID}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.ApproveDeferred(context.Background(), &issuer.Request{PathID: "no-such-id"})
	wantCode(t, err, oid4vci.CodeInvalidRequest, http.StatusNotFound)
	done, err := deferredCall(cr.TransactionID)
	if err != nil || done.Status != http.StatusOK {
		t.Fatalf("after approval: %v", err)
	}
	dr, _ := oid4vci.ParseCredentialResponse(done.Body, oid4vci.Limits{})
	s, _ := dr.Credentials[0].String()
	verifySDJWT(t, h, s)
	_, err = deferredCall(cr.TransactionID)
	wantCode(t, err, oid4vci.CodeInvalidTransactionID, http.StatusBadRequest)
}

func TestNotificationIsRecordedAgainstTheIssuance(t *testing.T) {
	h := newHarness(t)
	token := h.bearer("aadhaar_sd_jwt")
	body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
	resp, err := h.credentialCall(token, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	cr, _ := oid4vci.ParseCredentialResponse(resp.Body, oid4vci.Limits{})
	notify := func(tok, id, event string) (*issuer.Response, error) {
		hd := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}}
		b, _ := json.Marshal(map[string]string{"notification_id": id, "event": event})
		return h.svc.Notification(context.Background(), h.request(http.MethodPost, "/notification", hd, b))
	}
	if r, err := notify(token, cr.NotificationID, "credential_accepted"); err != nil || r.Status != http.StatusNoContent {
		t.Fatalf("notification: %v", err)
	}
	rec, err := h.store.Issuance(context.Background(), cr.NotificationID)
	if err != nil || rec.Event != "credential_accepted" {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	_, err = notify(token, "unknown-id", "credential_accepted")
	wantCode(t, err, oid4vci.CodeInvalidNotificationID, http.StatusBadRequest)
	// Another wallet's token cannot notify for this issuance.
	_, err = notify(h.bearer("aadhaar_sd_jwt"), cr.NotificationID, "credential_deleted")
	wantCode(t, err, oid4vci.CodeInvalidNotificationID, http.StatusBadRequest)
	_, err = notify(token, cr.NotificationID, "credential_lost")
	wantCode(t, err, oid4vci.CodeInvalidNotificationRequest, http.StatusBadRequest)
}

func TestOfferByReferenceIsServedUntilRedeemed(t *testing.T) {
	h := newHarness(t)
	code, _, res := h.offer(false, "aadhaar_sd_jwt")
	if !strings.HasPrefix(res.Link, "openid-credential-offer://?credential_offer_uri=") {
		t.Fatalf("link = %s", res.Link)
	}
	get := func() (*issuer.Response, error) {
		return h.svc.CredentialOfferByReference(context.Background(), &issuer.Request{PathID: res.OfferID})
	}
	for i := 0; i < 2; i++ {
		r, err := get()
		if err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
		o, err := oid4vci.ParseCredentialOffer(r.Body, oid4vci.Limits{})
		if err != nil || o.Grants.PreAuthorizedCode.PreAuthorizedCode != code {
			t.Fatalf("offer %s: %v", r.Body, err)
		}
	}
	if _, err := h.tokenCall(preAuthForm(code, ""), ""); err != nil {
		t.Fatal(err)
	}
	_, err := get()
	wantCode(t, err, oid4vci.CodeInvalidRequest, http.StatusNotFound)
}

func TestOfferCreationRefusesWhatCannotBeIssued(t *testing.T) {
	h := newHarness(t)
	cases := map[string]string{
		"unknown configuration":         `{"credential_configuration_ids":["nope"],"claims":{"name":"A","birth_date":"1990-01-01"}}`,
		"missing mandatory claim":       `{"credential_configuration_ids":["aadhaar_sd_jwt"],"claims":{"name":"A"}}`,
		"bad mdoc date":                 `{"credential_configuration_ids":["aadhaar_mdoc"],"claims":{"name":"A","birth_date":"12/04/1990"}}`,
		"unknown member":                `{"credential_configuration_ids":["aadhaar_sd_jwt"],"claims":{},"colour":"red"}`,
		"tx_code too short":             `{"credential_configuration_ids":["aadhaar_sd_jwt"],"claims":{"name":"A","birth_date":"1990-01-01"},"tx_code":{"length":2}}`,
		"no configurations":             `{"credential_configuration_ids":[],"claims":{}}`,
		"neither claims nor subject_id": `{"credential_configuration_ids":["aadhaar_sd_jwt"]}`,
		"claims and subject_id":         `{"credential_configuration_ids":["aadhaar_sd_jwt"],"claims":{"name":"A","birth_date":"1990-01-01"},"subject_id":"urn:pramaan:subject:a"}`,
		"subject_id without a record":   `{"credential_configuration_ids":["aadhaar_sd_jwt"],"subject_id":"urn:pramaan:subject:a"}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := h.svc.CreateOffer(context.Background(), h.request(http.MethodPost, "/admin/offers", nil, []byte(body)))
			wantCode(t, err, oid4vci.CodeInvalidRequest, http.StatusBadRequest)
		})
	}
}

func TestMetadataIsJSONOrSignedAndFollowsAcceptLanguage(t *testing.T) {
	h := newHarness(t)
	r, err := h.svc.CredentialIssuerMetadata(context.Background(), h.request(http.MethodGet, "/.well-known/openid-credential-issuer",
		http.Header{"Accept-Language": {"hi"}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.ContentType != "application/json" || !strings.HasPrefix(r.Header.Get("Content-Language"), "hi") {
		t.Fatalf("content type %s, Content-Language %q", r.ContentType, r.Header.Get("Content-Language"))
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	for _, member := range []string{"nonce_endpoint", "deferred_credential_endpoint", "notification_endpoint", "credential_request_encryption", "credential_response_encryption", "batch_credential_issuance"} {
		if m[member] == nil {
			t.Errorf("metadata lacks %s", member)
		}
	}
	j, err := h.svc.CredentialIssuerMetadata(context.Background(), h.request(http.MethodGet, "/.well-known/openid-credential-issuer",
		http.Header{"Accept": {"application/jwt"}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(string(j.Body), ".")[0])
	if j.ContentType != "application/jwt" || !bytes.Contains(hdr, []byte(`"typ":"openidvci-issuer-metadata+jwt"`)) || !bytes.Contains(hdr, []byte(`"x5c"`)) {
		t.Fatalf("signed metadata %s, header %s", j.ContentType, hdr)
	}
}

func TestCredentialsDoNotOutliveTheSignerCertificates(t *testing.T) {
	h := newHarness(t)
	// A day after the keystore was made, a 365-day credential would end
	// after the 365-day signer certificates.
	h.clock.Advance(24 * time.Hour)
	for _, id := range []string{"aadhaar_sd_jwt", "aadhaar_mdoc"} {
		token := h.bearer(id)
		body := credentialBody(t, map[string]any{"credential_identifier": id, "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), h.nonce())}}})
		resp, err := h.credentialCall(token, "application/json", body)
		if err != nil {
			t.Fatalf("%s a day after key creation: %v", id, err)
		}
		cr, _ := oid4vci.ParseCredentialResponse(resp.Body, oid4vci.Limits{})
		cred, _ := cr.Credentials[0].String()
		var until time.Time
		if id == "aadhaar_sd_jwt" {
			until = time.Unix(int64(verifySDJWT(t, h, cred).Claims["exp"].(float64)), 0)
			if want := h.ks.CredentialSigner().Chain()[0].NotAfter; !until.Equal(want) {
				t.Fatalf("exp = %s, want the credential certificate's end %s", until, want)
			}
			continue
		}
		raw, _ := base64.RawURLEncoding.DecodeString(cred)
		doc, err := (&mdoc.Verifier{Roots: h.roots, At: h.clock.Now()}).VerifyIssuerSigned(raw)
		if err != nil {
			t.Fatal(err)
		}
		if want := h.ks.DocumentSigner().Chain()[0].NotAfter; !doc.Validity.ValidUntil.Equal(want) {
			t.Fatalf("validUntil = %s, want the document signer's end %s", doc.Validity.ValidUntil, want)
		}
	}
}
