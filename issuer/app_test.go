package issuer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

const appClientID = "aadhaar-app"

// registerApp registers an app client whose one key is returned.
func (h *harness) registerApp(id string) *ecdsa.PrivateKey {
	h.t.Helper()
	key := newKey(h.t)
	pub := publicJWK(h.t, key)
	pub.Set("kid", "k1")
	body, _ := json.Marshal(map[string]any{"client_id": id, "jwks": map[string]any{"keys": []any{pub}},
		"credential_configuration_ids": []string{"aadhaar_sd_jwt", "aadhaar_mdoc"}})
	resp, err := h.svc.RegisterAppClient(context.Background(), h.request(http.MethodPost, "/admin/app-clients", nil, body))
	if err != nil || resp.Status != http.StatusCreated {
		h.t.Fatalf("RegisterAppClient: %v", err)
	}
	return key
}

// assertion signs a client assertion; mutate changes its claims.
func (h *harness) assertion(key *ecdsa.PrivateKey, id, path string, mutate func(map[string]any)) string {
	claims := map[string]any{"iss": id, "sub": id, "aud": testIssuer + path, "exp": h.clock.Now().Add(time.Minute).Unix(),
		"iat": h.clock.Now().Unix(), "jti": rand.Text()}
	if mutate != nil {
		mutate(claims)
	}
	return signJWS(h.t, key, jwa.ES256(), map[string]any{"kid": "k1"}, claims)
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {oid4vci.MediaTypeJSON}} }

func (h *harness) issuerConfig(assertion string) (*issuer.AppIssuerConfig, error) {
	body, _ := json.Marshal(map[string]any{"client_assertion_type": issuer.ClientAssertionTypeJWT, "client_assertion": assertion,
		"credential_configuration_ids": []string{"aadhaar_sd_jwt"}, "subject": "citizen-1", "claims": testClaims})
	resp, err := h.svc.IssuerConfig(context.Background(), h.request(http.MethodPost, "/app/issuer-config", jsonHeader(), body))
	if err != nil {
		return nil, err
	}
	var ic issuer.AppIssuerConfig
	if err := json.Unmarshal(resp.Body, &ic); err != nil {
		h.t.Fatal(err)
	}
	return &ic, nil
}

func (h *harness) forward(assertion, code, jwe, backend string) (*issuer.Response, error) {
	m := map[string]any{"client_assertion_type": issuer.ClientAssertionTypeJWT, "client_assertion": assertion, "pre-authorized_code": code, "request": jwe}
	if backend != "" {
		m["wallet_backend"] = backend
	}
	body, _ := json.Marshal(m)
	return h.svc.AppCredential(context.Background(), h.request(http.MethodPost, "/app/credential-request", jsonHeader(), body))
}

func (h *harness) appRequest(nonce string) string {
	body := credentialBody(h.t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(h.t), nonce)}}})
	return string(h.encryptRequest(body, "A128GCM"))
}

func TestAppFlowIssuesOnceAndAnswersAnIdenticalForwardFromTheStore(t *testing.T) {
	h := newHarness(t)
	key := h.registerApp(appClientID)
	ic, err := h.issuerConfig(h.assertion(key, appClientID, "/app/issuer-config", nil))
	if err != nil {
		t.Fatal(err)
	}
	if ic.CredentialIssuer != testIssuer || ic.CNonce == "" || ic.CredentialOffer.Grants != nil || len(ic.CredentialRequestEncryption) == 0 {
		t.Fatalf("issuer config = %+v", ic)
	}
	// The code is already redeemed for the app: worthless at /token.
	_, err = h.tokenCall(preAuthForm(ic.PreAuthorizedCode, ""), "")
	wantCode(t, err, oid4vci.CodeInvalidGrant, http.StatusBadRequest)

	jwe := h.appRequest(ic.CNonce)
	first, err := h.forward(h.assertion(key, appClientID, "/app/credential-request", func(c map[string]any) { c["jti"] = "f1" }), ic.PreAuthorizedCode, jwe, "")
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.forward(h.assertion(key, appClientID, "/app/credential-request", func(c map[string]any) { c["jti"] = "f2" }), ic.PreAuthorizedCode, jwe, "")
	if err != nil || string(again.Body) != string(first.Body) {
		t.Fatalf("an identical forward got %v; want the stored reply", err)
	}
	// The same deeplink after the window: the c_nonce is spent.
	h.clock.Advance(2 * time.Minute)
	_, err = h.forward(h.assertion(key, appClientID, "/app/credential-request", func(c map[string]any) { c["jti"] = "f3" }), ic.PreAuthorizedCode, jwe, "")
	wantCode(t, err, oid4vci.CodeInvalidNonce, http.StatusBadRequest)
	// A new request with a fresh nonce: the configuration was issued once.
	_, err = h.forward(h.assertion(key, appClientID, "/app/credential-request", func(c map[string]any) { c["jti"] = "f4" }), ic.PreAuthorizedCode, h.appRequest(h.nonce()), "")
	wantCode(t, err, oid4vci.CodeCredentialRequestDenied, http.StatusBadRequest)
}

func TestAppFlowRefusesBadClientsCodesAndRequests(t *testing.T) {
	h := newHarness(t)
	key := h.registerApp(appClientID)
	other := h.registerApp("other-app")
	ic, err := h.issuerConfig(h.assertion(key, appClientID, "/app/issuer-config", nil))
	if err != nil {
		t.Fatal(err)
	}
	path := "/app/credential-request"
	for _, tc := range []struct {
		name      string
		assertion func() string
		code      string
		jwe       func() string
		backend   string
		want      oid4vci.ErrorCode
		status    int
	}{
		{"wrong audience", func() string {
			return h.assertion(key, appClientID, path, func(c map[string]any) { c["aud"] = "https://elsewhere.example" })
		}, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"expired assertion", func() string {
			return h.assertion(key, appClientID, path, func(c map[string]any) { c["exp"] = h.clock.Now().Add(-time.Hour).Unix() })
		}, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"long-lived assertion", func() string {
			return h.assertion(key, appClientID, path, func(c map[string]any) { c["exp"] = h.clock.Now().Add(time.Hour).Unix() })
		}, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"signed by another client's key", func() string { return h.assertion(other, appClientID, path, nil) }, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"unknown client", func() string { return h.assertion(key, "nobody", path, nil) }, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"iss differs from sub", func() string {
			return h.assertion(key, appClientID, path, func(c map[string]any) { c["sub"] = "someone" })
		}, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidClient, http.StatusUnauthorized},
		{"another client's code", func() string { return h.assertion(other, "other-app", path, nil) }, ic.PreAuthorizedCode, nil, "", oid4vci.CodeInvalidGrant, http.StatusBadRequest},
		{"unknown code", func() string { return h.assertion(key, appClientID, path, nil) }, "no-such-code", nil, "", oid4vci.CodeInvalidGrant, http.StatusBadRequest},
		{"truncated deeplink JWE", func() string { return h.assertion(key, appClientID, path, nil) }, ic.PreAuthorizedCode,
			func() string { j := h.appRequest(ic.CNonce); return j[:len(j)-20] }, "", oid4vci.CodeInvalidCredentialRequest, http.StatusBadRequest},
		{"tampered deeplink JWE", func() string { return h.assertion(key, appClientID, path, nil) }, ic.PreAuthorizedCode,
			func() string {
				j := []byte(h.appRequest(ic.CNonce))
				i := strings.LastIndexByte(string(j), '.') - 5
				j[i] ^= 1
				return string(j)
			}, "", oid4vci.CodeInvalidCredentialRequest, http.StatusBadRequest},
		{"request encrypted to a wrong key", func() string { return h.assertion(key, appClientID, path, nil) }, ic.PreAuthorizedCode,
			func() string {
				body := credentialBody(t, map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{h.proof(newKey(t), ic.CNonce)}}})
				return string(encryptToFreshKey(t, body))
			}, "", oid4vci.CodeInvalidCredentialRequest, http.StatusBadRequest},
		{"unknown wallet backend", func() string { return h.assertion(key, appClientID, path, nil) }, ic.PreAuthorizedCode, nil, "no-backend", oid4vci.CodeInvalidRequest, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jwe := "a.b.c.d.e"
			if tc.jwe != nil {
				jwe = tc.jwe()
			} else if tc.want != oid4vci.CodeInvalidClient && tc.want != oid4vci.CodeInvalidGrant {
				jwe = h.appRequest(ic.CNonce)
			}
			_, err := h.forward(tc.assertion(), tc.code, jwe, tc.backend)
			wantCode(t, err, tc.want, tc.status)
		})
	}
	// A replayed assertion (same jti) is refused.
	a := h.assertion(key, appClientID, "/app/issuer-config", func(c map[string]any) { c["jti"] = "once" })
	if _, err := h.issuerConfig(a); err != nil {
		t.Fatal(err)
	}
	_, err = h.issuerConfig(a)
	wantCode(t, err, oid4vci.CodeInvalidClient, http.StatusUnauthorized)
	// Nothing was issued or queued by any refusal.
	if msgs, _ := h.store.Messages(context.Background(), "", 10); len(msgs) != 0 {
		t.Fatalf("refusals queued callbacks: %+v", msgs)
	}
}

// encryptToFreshKey encrypts to a key that is not the issuer's.
func encryptToFreshKey(t *testing.T, payload []byte) []byte {
	t.Helper()
	k := newKey(t)
	pub := publicJWK(t, k)
	out, err := jwe.Encrypt(payload, jwe.WithKey(jwa.ECDH_ES(), pub), jwe.WithContentEncryption(jwa.A128GCM()), jwe.WithCompact())
	if err != nil {
		t.Fatal(err)
	}
	return out
}
