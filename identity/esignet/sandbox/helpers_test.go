package sandbox_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

const (
	clientID    = "rp-test"
	redirectURI = "https://rp.example.test/callback?from=esignet"
	mount       = "/sandbox/esignet"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rsaKey is one RSA key for the tests that need one (userinfo
// encryption, an RS256 client), made once: key generation is slow.
var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// env is a sandbox mounted under /sandbox/esignet of a test server, as
// the server mounts it, with one registered ES256 client.
type env struct {
	t      *testing.T
	sb     *sandbox.Sandbox
	issuer string
	clock  *clock
	rp     *rp
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	var h http.Handler
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.StripPrefix(mount, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, issuer: srv.URL + mount, clock: clk}
	e.rp = newRP(t, e, clientID)
	sb, err := sandbox.New(sandbox.Config{Issuer: e.issuer, Clients: []sandbox.Client{e.rp.client()}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.sb, h = sb, sb.Handler()
	return e
}

func (e *env) url(path string) string { return e.issuer + path }

// rp is the small test relying party: private_key_jwt with an ES256 key,
// a DPoP key, PAR with PKCE.
type rp struct {
	t    *testing.T
	e    *env
	id   string
	key  crypto.Signer // ES256 (P-256) or, with alg, RS256/PS256 (RSA)
	alg  string
	kid  string
	dpop *ecdsa.PrivateKey
}

func newRP(t *testing.T, e *env, id string) *rp {
	return &rp{t: t, e: e, id: id, key: ecKey(t), alg: "ES256", kid: id + "-es256", dpop: ecKey(t)}
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// client is the sandbox registration of c: its public key with kid.
func (c *rp) client() sandbox.Client {
	c.t.Helper()
	k, err := jwk.Import(c.key.Public())
	if err != nil {
		c.t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, c.kid); err != nil {
		c.t.Fatal(err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(k); err != nil {
		c.t.Fatal(err)
	}
	return sandbox.Client{ID: c.id, JWKS: set, RedirectURIs: []string{redirectURI}}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sha256b64(s string) string { h := sha256.Sum256([]byte(s)); return b64(h[:]) }

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return b64(b)
}

// signJWS builds a compact JWS; the header's alg picks the signature:
// ES256 with an ECDSA key, RS256 or PS256 with an RSA key, HS256 with a
// made-up secret.
func signJWS(t *testing.T, key crypto.Signer, header, claims map[string]any) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	input := b64(hb) + "." + b64(cb)
	digest := sha256.Sum256([]byte(input))
	switch header["alg"] {
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return input + "." + b64(sig)
	case "RS256", "PS256":
		var opts crypto.SignerOpts = crypto.SHA256
		if header["alg"] == "PS256" {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		}
		sig, err := key.Sign(rand.Reader, digest[:], opts)
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + b64(sig)
	case "HS256":
		m := hmac.New(sha256.New, []byte("a shared secret the sandbox never accepts"))
		m.Write([]byte(input))
		return input + "." + b64(m.Sum(nil))
	}
	t.Fatalf("alg %v", header["alg"])
	return ""
}

// publicJWK is the members of a P-256 public JWK.
func publicJWK(k *ecdsa.PrivateKey) map[string]any {
	pt, _ := k.PublicKey.ECDH()
	b := pt.Bytes()
	return map[string]any{"kty": "EC", "crv": "P-256", "x": b64(b[1:33]), "y": b64(b[33:])}
}

// jkt is the RFC 7638 thumbprint of a P-256 key.
func jkt(k *ecdsa.PrivateKey) string {
	j := publicJWK(k)
	return sha256b64(fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, j["x"], j["y"]))
}

// assertion is a client assertion for aud; edit changes header or
// claims.
func (c *rp) assertion(aud string, edit func(h, cl map[string]any)) string {
	now := c.e.clock.Now()
	h := map[string]any{"alg": c.alg, "typ": "JWT", "kid": c.kid}
	cl := map[string]any{"iss": c.id, "sub": c.id, "aud": aud, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": random()}
	if edit != nil {
		edit(h, cl)
	}
	return signJWS(c.t, c.key, h, cl)
}

// proof is a DPoP proof by key; edit changes header or claims.
func (c *rp) proof(key *ecdsa.PrivateKey, method, htu, nonce, accessToken string, edit func(h, cl map[string]any)) string {
	h := map[string]any{"alg": "ES256", "typ": "dpop+jwt", "jwk": publicJWK(key)}
	cl := map[string]any{"htm": method, "htu": htu, "iat": c.e.clock.Now().Unix(), "jti": random()}
	if nonce != "" {
		cl["nonce"] = nonce
	}
	if accessToken != "" {
		cl["ath"] = sha256b64(accessToken)
	}
	if edit != nil {
		edit(h, cl)
	}
	return signJWS(c.t, key, h, cl)
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("HTTP %d, not JSON: %s", a.status, a.body)
	}
	return m
}

// wantError checks an OAuth error answer.
func (a answer) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if a.status != status || a.json(t)["error"] != code {
		t.Fatalf("want %d %s, got %d %s", status, code, a.status, a.body)
	}
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func post(t *testing.T, endpoint string, form url.Values, dpop string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	return do(t, req)
}

func get(t *testing.T, endpoint string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

// flow is one sign-in's values.
type flow struct {
	state, nonce, verifier string
	authorizeURL           string
	code                   string
}

// parForm is a valid pushed request of c, authenticated, binding the
// code to c's DPoP key.
func (c *rp) parForm(f *flow) url.Values {
	challenge := sha256.Sum256([]byte(f.verifier))
	return url.Values{
		"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {redirectURI},
		"scope": {"openid profile"}, "state": {f.state}, "nonce": {f.nonce},
		"code_challenge": {b64(challenge[:])}, "code_challenge_method": {"S256"},
		"acr_values":            {"mosip:idp:acr:biometrics mosip:idp:acr:generated-code"},
		"claims":                {`{"userinfo":{"email":{"essential":true},"phone_number":null,"unknown_claim":{"essential":true}},"id_token":{}}`},
		"dpop_jkt":              {jkt(c.dpop)},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {c.assertion(c.e.url("/v1/esignet/oauth/par"), nil)},
	}
}

func newFlow() *flow {
	return &flow{state: random(), nonce: random(), verifier: random() + random() + "-._~"}
}

// push sends the pushed request (edited by edit) and returns the
// authorize URL.
func (c *rp) push(f *flow, edit func(url.Values)) answer {
	form := c.parForm(f)
	if edit != nil {
		edit(form)
	}
	a := post(c.t, c.e.url("/v1/esignet/oauth/par"), form, "")
	if a.status == http.StatusCreated {
		q := url.Values{"client_id": {c.id}, "request_uri": {a.json(c.t)["request_uri"].(string)}}
		f.authorizeURL = c.e.url("/authorize") + "?" + q.Encode()
	}
	return a
}

// authorize pushes, consents as user and returns the flow with its code.
func (c *rp) authorize(user string, edit func(url.Values)) *flow {
	c.t.Helper()
	return c.consentAs(user, func() *flow {
		f := newFlow()
		if a := c.push(f, edit); a.status != http.StatusCreated {
			c.t.Fatalf("PAR: %d %s", a.status, a.body)
		}
		return f
	})
}

// consentAs consents as user to the request push made.
func (c *rp) consentAs(user string, push func() *flow) *flow {
	c.t.Helper()
	f := push()
	loc, err := sandbox.Consent(context.Background(), nil, f.authorizeURL, user, true)
	if err != nil {
		c.t.Fatal(err)
	}
	q := loc.Query()
	if q.Get("state") != f.state || q.Get("iss") != c.e.issuer || q.Get("code") == "" || q.Get("from") != "esignet" {
		c.t.Fatalf("redirect %s", loc)
	}
	f.code = q.Get("code")
	return f
}

// tokenForm is the token request of f.
func (c *rp) tokenForm(f *flow) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "code": {f.code}, "redirect_uri": {redirectURI},
		"code_verifier": {f.verifier}, "client_id": {c.id},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {c.assertion(c.e.url("/v1/esignet/oauth/v2/token"), nil)},
	}
}

// nonceFor gets a DPoP-Nonce from the token endpoint, as the first
// request always gets one.
func (c *rp) tokenNonce() string {
	c.t.Helper()
	a := post(c.t, c.e.url("/v1/esignet/oauth/v2/token"), url.Values{"grant_type": {"authorization_code"}},
		c.proof(c.dpop, "POST", c.e.url("/v1/esignet/oauth/v2/token"), "", "", nil))
	a.wantError(c.t, http.StatusBadRequest, "use_dpop_nonce")
	return a.header.Get("DPoP-Nonce")
}

// redeem exchanges f's code, answering the nonce challenge.
func (c *rp) redeem(f *flow) map[string]any {
	c.t.Helper()
	a := c.tokenRequest(f, c.tokenNonce(), nil, nil)
	if a.status != http.StatusOK {
		c.t.Fatalf("token: %d %s", a.status, a.body)
	}
	return a.json(c.t)
}

// tokenRequest posts f's token request with a proof carrying nonce;
// editForm and editProof change them.
func (c *rp) tokenRequest(f *flow, nonce string, editForm func(url.Values), editProof func(h, cl map[string]any)) answer {
	form := c.tokenForm(f)
	if editForm != nil {
		editForm(form)
	}
	return post(c.t, c.e.url("/v1/esignet/oauth/v2/token"), form,
		c.proof(c.dpop, "POST", c.e.url("/v1/esignet/oauth/v2/token"), nonce, "", editProof))
}

// userinfo calls userinfo with at and a proof carrying nonce.
func (c *rp) userinfo(at, nonce string, editProof func(h, cl map[string]any)) answer {
	return get(c.t, c.e.url("/v1/esignet/oidc/userinfo"), map[string]string{
		"Authorization": "DPoP " + at,
		"DPoP":          c.proof(c.dpop, "GET", c.e.url("/v1/esignet/oidc/userinfo"), nonce, at, editProof),
	})
}

// userinfoNonce gets userinfo's DPoP-Nonce by the challenge of a first
// proof.
func (c *rp) userinfoNonce(at string) string {
	c.t.Helper()
	a := c.userinfo(at, "", nil)
	if a.status != http.StatusUnauthorized || !strings.Contains(a.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) ||
		a.header.Get("DPoP-Nonce") == "" {
		c.t.Fatalf("userinfo first call: %d %v %s", a.status, a.header, a.body)
	}
	return a.header.Get("DPoP-Nonce")
}
