package esignet_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/identity/esignet"
	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

// op is the simulator on a test server with this relying party registered.
type op struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	rp     *esignet.RP
	signer *ecdsa.PrivateKey
	dec    *rsa.PrivateKey
	hits   map[string]int
	mu     sync.Mutex
}

const redirect = "https://pramaan.example/auth/esignet/callback"

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func decrypter(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return rsaKey
}

func newOP(t testing.TB, encrypted bool, tweak func(*esignet.Config)) *op {
	t.Helper()
	o := &op{hits: map[string]int{}}
	var h http.Handler
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		o.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(o.srv.Close)
	var err error
	if o.signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	o.dec = decrypter(t)
	pub, err := jwk.Import(&o.signer.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub.Set(jwk.KeyIDKey, "rp-1")
	set := jwk.NewSet()
	set.AddKey(pub)
	client := sandbox.Client{ID: "rp", JWKS: set, RedirectURIs: []string{redirect}}
	if encrypted {
		enc, err := jwk.Import(&o.dec.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		client.UserinfoEncryptionKey = enc
	}
	o.sb, err = sandbox.New(sandbox.Config{Issuer: o.srv.URL, Clients: []sandbox.Client{client}, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	h = o.sb.Handler()
	cfg := esignet.Config{
		Issuer: o.srv.URL, ClientID: "rp", RedirectURI: redirect, Signer: o.signer, KeyID: "rp-1", Decrypter: o.dec,
		Scopes: []string{"openid", "profile", "address"}, ACRValues: []string{"mosip:idp:acr:generated-code"},
		Claims:        map[string]any{"userinfo": map[string]any{"name": map[string]any{"essential": true}, "birthdate": nil}},
		ClaimsLocales: []string{"en"}, Now: time.Now,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	if o.rp, err = esignet.New(cfg); err != nil {
		t.Fatal(err)
	}
	return o
}

// signIn runs Start, the consent page and Callback.
func (o *op) signIn(t *testing.T, allow bool, edit func(url.Values)) (*esignet.Identity, error) {
	t.Helper()
	ctx := context.Background()
	u, p, err := o.rp.Start(ctx)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cb, err := sandbox.Consent(ctx, hc, u, "asha", allow)
	if err != nil {
		t.Fatal(err)
	}
	q := cb.Query()
	if edit != nil {
		edit(q)
	}
	return o.rp.Callback(ctx, p, q)
}

func TestSignIn(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		t.Run(map[bool]string{false: "signed userinfo", true: "encrypted userinfo"}[encrypted], func(t *testing.T) {
			o := newOP(t, encrypted, nil)
			id, err := o.signIn(t, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != o.sb.Subject("asha", "rp") || id.ACR != "mosip:idp:acr:generated-code" || id.AuthTime.IsZero() {
				t.Fatalf("identity %+v", id)
			}
			// name#en folded to name; only consented claims.
			if id.Claims["name"] != "Asha Verma" || id.Claims["birthdate"] != "1994-08-14" {
				t.Fatalf("claims %v", id.Claims)
			}
			for k := range id.Claims {
				if strings.Contains(k, "#") || k == "sub" || k == "iss" || k == "aud" {
					t.Fatalf("claim %q left in %v", k, id.Claims)
				}
			}
			// The DPoP nonce dance: the first token request was refused
			// with use_dpop_nonce and retried once.
			if n := o.sb.Requests("token_use_dpop_nonce"); n != 1 {
				t.Fatalf("%d use_dpop_nonce answers, want 1", n)
			}
			// A second sign-in reuses the cached discovery document and JWKS.
			if _, err := o.signIn(t, true, nil); err != nil {
				t.Fatal(err)
			}
			if d, j := o.sb.Requests("discovery"), o.sb.Requests("jwks"); d != 1 || j != 1 {
				t.Fatalf("discovery fetched %d times, JWKS %d; want once each", d, j)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault sandbox.Fault
		deny  bool
		edit  func(url.Values)
		want  error
	}{
		{"ID token signed by an unknown key", sandbox.FaultIDTokenUnknownKey, false, nil, esignet.ErrIDToken},
		{"ID token with alg none", sandbox.FaultIDTokenAlgNone, false, nil, esignet.ErrIDToken},
		{"expired ID token", sandbox.FaultIDTokenExpired, false, nil, esignet.ErrIDToken},
		{"at_hash mismatch", sandbox.FaultIDTokenBadAtHash, false, nil, esignet.ErrIDToken},
		{"wrong nonce", sandbox.FaultIDTokenWrongNonce, false, nil, esignet.ErrIDToken},
		{"userinfo with a bad signature", sandbox.FaultUserinfoBadSignature, false, nil, esignet.ErrUserinfo},
		{"userinfo for another sub", sandbox.FaultUserinfoOtherSub, false, nil, esignet.ErrUserinfo},
		{"invalid_client", sandbox.FaultTokenInvalidClient, false, nil, esignet.ErrInvalidClient},
		{"access_denied", 0, true, nil, esignet.ErrAccessDenied},
		{"wrong state", 0, false, func(q url.Values) { q.Set("state", "other") }, esignet.ErrState},
		{"iss parameter missing", 0, false, func(q url.Values) { q.Del("iss") }, esignet.ErrProtocol},
		{"iss parameter of another issuer", 0, false, func(q url.Values) { q.Set("iss", "https://evil.example") }, esignet.ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newOP(t, false, nil)
			if tc.fault != 0 {
				o.sb.Inject(tc.fault)
			}
			id, err := o.signIn(t, !tc.deny, tc.edit)
			if id != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		o := newOP(t, false, nil)
		o.sb.Inject(sandbox.FaultDiscoveryUnavailable)
		if _, _, err := o.rp.Start(context.Background()); !errors.Is(err, esignet.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
		// The next start fetches it again and succeeds.
		if _, err := o.signIn(t, true, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("closed port", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL
		srv.Close()
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		rp, err := esignet.New(esignet.Config{Issuer: u, ClientID: "rp", RedirectURI: redirect, Signer: k, Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := rp.Start(context.Background()); !errors.Is(err, esignet.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	})
	t.Run("document of another issuer", func(t *testing.T) {
		o := newOP(t, false, func(c *esignet.Config) {
			c.DiscoveryURL = c.Issuer + "/.well-known/openid-configuration"
			c.Issuer += "/other"
		})
		if _, _, err := o.rp.Start(context.Background()); !errors.Is(err, esignet.ErrProtocol) {
			t.Fatalf("got %v, want ErrProtocol", err)
		}
	})
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ok := esignet.Config{Issuer: "https://op.example", ClientID: "rp", RedirectURI: redirect, Signer: k, Now: time.Now}
	for name, edit := range map[string]func(*esignet.Config){
		"no issuer":         func(c *esignet.Config) { c.Issuer = "" },
		"http issuer":       func(c *esignet.Config) { c.Issuer = "http://op.example" },
		"no signer":         func(c *esignet.Config) { c.Signer = nil },
		"P-384 signer":      func(c *esignet.Config) { c.Signer = k384 },
		"no clock":          func(c *esignet.Config) { c.Now = nil },
		"claims too large":  func(c *esignet.Config) { c.Claims = map[string]any{"userinfo": strings.Repeat("x", 5000)} },
		"unencodable claim": func(c *esignet.Config) { c.Claims = map[string]any{"x": func() {}} },
	} {
		c := ok
		edit(&c)
		if _, err := esignet.New(c); !errors.Is(err, esignet.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := esignet.New(ok); err != nil {
		t.Fatal(err)
	}
}
