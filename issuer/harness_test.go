package issuer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/server"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

const testIssuer = "http://127.0.0.1:8080"

// testClaims are a fictitious citizen's claims.
var testClaims = map[string]any{
	"name":       "Asha Verma",
	"birth_date": "1990-04-12",
	"gender":     "F",
	"address": map[string]any{
		"house": "12", "street": "MG Road", "city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "IN",
		"care_of": "must never be issued: not a configured member",
	},
	"aadhaar_last4": "1234",
	"portrait":      base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff\xe0 a tiny portrait")),
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a complete issuer on a SQLite store, with the keystore and
// configuration of the embedded default plus a deferred configuration.
type harness struct {
	t     testing.TB
	svc   *issuer.Service
	store *sqlite.Store
	ks    *keys.Keystore
	clock *clock
	roots []*x509.Certificate
}

func newHarness(t testing.TB, mutate ...func(*config.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Server.PublicURL = testIssuer
	deferred := cfg.CredentialConfigurations["aadhaar_sd_jwt"]
	deferred.Deferred = true
	deferred.Scope = "aadhaar_sd_jwt_deferred"
	cfg.CredentialConfigurations["aadhaar_sd_jwt_deferred"] = deferred
	for _, m := range mutate {
		m(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	ks, _, err := keys.Open(filepath.Join(dir, "keys"), keys.Options{Now: clk.Now, IssuerURL: testIssuer})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "pramaan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := server.NewIssuer(cfg, ks, st, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, svc: svc, store: st, ks: ks, clock: clk, roots: []*x509.Certificate{ks.IACA()}}
}

func (h *harness) request(method, path string, header http.Header, body []byte) *issuer.Request {
	if header == nil {
		header = http.Header{}
	}
	return &issuer.Request{Method: method, URL: testIssuer + path, Header: header, Body: body}
}

// offer creates an offer and returns the pre-authorized code, tx_code and answer.
func (h *harness) offer(txCode bool, configIDs ...string) (code, tx string, res issuer.OfferResponse) {
	h.t.Helper()
	req := map[string]any{"credential_configuration_ids": configIDs, "claims": testClaims, "by_reference": true}
	if txCode {
		req["tx_code"] = map[string]any{"length": 6, "description": "sent to your phone"}
	}
	body, _ := json.Marshal(req)
	resp, err := h.svc.CreateOffer(context.Background(), h.request(http.MethodPost, "/admin/offers", nil, body))
	if err != nil {
		h.t.Fatalf("CreateOffer: %v", err)
	}
	if resp.Status != http.StatusCreated {
		h.t.Fatalf("CreateOffer status %d", resp.Status)
	}
	if err := json.Unmarshal(resp.Body, &res); err != nil {
		h.t.Fatal(err)
	}
	return res.CredentialOffer.Grants.PreAuthorizedCode.PreAuthorizedCode, res.TxCode, res
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {oid4vci.MediaTypeForm}}
}

// tokenCall calls the Token Endpoint with the form and an optional DPoP proof.
func (h *harness) tokenCall(form url.Values, dpop string) (*issuer.Response, error) {
	hd := formHeader()
	if dpop != "" {
		hd.Set("DPoP", dpop)
	}
	return h.svc.Token(context.Background(), h.request(http.MethodPost, "/token", hd, []byte(form.Encode())))
}

func preAuthForm(code, tx string) url.Values {
	f := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {code}}
	if tx != "" {
		f.Set("tx_code", tx)
	}
	return f
}

// bearer redeems a fresh offer of configIDs and returns a Bearer token.
func (h *harness) bearer(configIDs ...string) string {
	h.t.Helper()
	code, _, _ := h.offer(false, configIDs...)
	resp, err := h.tokenCall(preAuthForm(code, ""), "")
	if err != nil {
		h.t.Fatalf("token: %v", err)
	}
	var tr oid4vci.TokenResponse
	if err := json.Unmarshal(resp.Body, &tr); err != nil {
		h.t.Fatal(err)
	}
	return tr.AccessToken
}

func (h *harness) nonce() string {
	h.t.Helper()
	resp, err := h.svc.Nonce(context.Background(), h.request(http.MethodPost, "/nonce", nil, nil))
	if err != nil {
		h.t.Fatal(err)
	}
	var nr oid4vci.NonceResponse
	if err := json.Unmarshal(resp.Body, &nr); err != nil {
		h.t.Fatal(err)
	}
	return nr.CNonce
}

// credentialCall sends a Credential Request with a Bearer token.
func (h *harness) credentialCall(token string, contentType string, body []byte) (*issuer.Response, error) {
	hd := http.Header{"Content-Type": {contentType}, "Authorization": {"Bearer " + token}}
	return h.svc.Credential(context.Background(), h.request(http.MethodPost, "/credential", hd, body))
}

type ecdsaKey = ecdsa.PrivateKey

func certPool(h *harness) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range h.roots {
		p.AddCert(c)
	}
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signJWS signs claims with key, the header members given (typ, jwk...).
func signJWS(t testing.TB, key any, alg jwa.SignatureAlgorithm, header map[string]any, claims map[string]any) string {
	t.Helper()
	hd := jws.NewHeaders()
	for k, v := range header {
		if err := hd.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	payload, _ := json.Marshal(claims)
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hd)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func publicJWK(t testing.TB, key *ecdsa.PrivateKey) jwk.Key {
	t.Helper()
	k, err := jwk.Import(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// proof is a valid key proof (Appendix F.1) of key for nonce.
func (h *harness) proof(key *ecdsa.PrivateKey, nonce string) string {
	return signJWS(h.t, key, jwa.ES256(), map[string]any{"typ": "openid4vci-proof+jwt", "jwk": publicJWK(h.t, key)},
		map[string]any{"aud": testIssuer, "iat": h.clock.Now().Unix(), "nonce": nonce})
}

func credentialBody(t testing.TB, members map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantCode asserts err is the protocol error code with the HTTP status.
func wantCode(t testing.TB, err error, code oid4vci.ErrorCode, status int) {
	t.Helper()
	st, _, body, got, ok := issuer.ErrorResponse(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a protocol error; want %s", err, err, code)
	}
	if got != code || st != status {
		t.Fatalf("got %d %s (%s), want %d %s", st, got, body, status, code)
	}
	if !bytes.Contains(body, []byte(`"error":"`+string(code)+`"`)) {
		t.Fatalf("body %s lacks the error code", body)
	}
}

func sha(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
