package sandbox_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

func TestRSAClients(t *testing.T) {
	e := newEnv(t)
	for _, alg := range []string{"RS256", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			c := newRP(t, e, "rp-"+alg)
			c.key, c.alg, c.kid = testRSAKey(t), alg, "rsa-1"
			e.sb.RegisterClient(c.client())
			id := verified(t, e.fetchJWKS(), c.redeem(c.authorize("rohan", nil))["id_token"].(string))
			if id["aud"] != c.id || id["sub"] != e.sb.Subject("rohan", c.id) {
				t.Fatalf("ID token %v", id)
			}
		})
	}
	t.Run("key alg restricts", func(t *testing.T) {
		c := newRP(t, e, "rp-rs256-only")
		c.key, c.alg, c.kid = testRSAKey(t), "PS256", "rsa-1"
		reg := c.client()
		k, _ := reg.JWKS.Key(0)
		k.Set(jwk.AlgorithmKey, jwa.RS256())
		e.sb.RegisterClient(reg)
		c.push(newFlow(), nil).wantError(t, http.StatusBadRequest, "invalid_client")
	})
}

func TestDPoPAtPARBindsTheCode(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	// A DPoP header, no dpop_jkt.
	push := func() *flow {
		f := newFlow()
		form := c.parForm(f)
		form.Del("dpop_jkt")
		a := post(t, e.url(parPath), form, c.proof(c.dpop, "POST", e.url(parPath), "", "", nil))
		if a.status != http.StatusCreated {
			t.Fatalf("PAR: %d %s", a.status, a.body)
		}
		q := url.Values{"client_id": {c.id}, "request_uri": {a.json(t)["request_uri"].(string)}}
		f.authorizeURL = e.url("/authorize") + "?" + q.Encode()
		return f
	}
	f := c.consentAs("asha", push)
	other := ecKey(t)
	a := post(t, e.url(tokenPath), c.tokenForm(f), c.proof(other, "POST", e.url(tokenPath), c.tokenNonce(), "", nil))
	a.wantError(t, http.StatusBadRequest, "invalid_dpop_proof")

	f = c.consentAs("asha", push)
	if a := c.tokenRequest(f, c.tokenNonce(), nil, nil); a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
}

func TestMountedWithoutStripPrefix(t *testing.T) {
	var h http.Handler
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sb, err := sandbox.New(sandbox.Config{Issuer: srv.URL + mount, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	h = sb.Handler()
	a := get(t, srv.URL+mount+"/.well-known/openid-configuration", nil)
	if a.status != http.StatusOK || a.json(t)["issuer"] != srv.URL+mount {
		t.Fatalf("%d %s", a.status, a.body)
	}
}

func TestConcurrentSignIns(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newRP(t, e, fmt.Sprintf("rp-%d", i))
			e.sb.RegisterClient(c.client())
			f := newFlow()
			if a := c.push(f, nil); a.status != http.StatusCreated {
				errs <- string(a.body)
				return
			}
			loc, err := sandbox.Consent(t.Context(), nil, f.authorizeURL, "asha", true)
			if err != nil {
				errs <- err.Error()
				return
			}
			f.code = loc.Query().Get("code")
			a := post(t, e.url(tokenPath), url.Values{"grant_type": {"authorization_code"}}, c.proof(c.dpop, "POST", e.url(tokenPath), "", "", nil))
			if a := c.tokenRequest(f, a.header.Get("DPoP-Nonce"), nil, nil); a.status != http.StatusOK {
				errs <- string(a.body)
			}
			_ = e.sb.Requests("token")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if e.sb.Requests("token") != 16 || e.sb.Requests("token_use_dpop_nonce") != 8 {
		t.Fatalf("counters %d %d", e.sb.Requests("token"), e.sb.Requests("token_use_dpop_nonce"))
	}
}

// FuzzEndpoints sends arbitrary forms and headers to every endpoint: no
// panic, and never a success.
func FuzzEndpoints(f *testing.F) {
	f.Add("client_id=rp-test&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e30.e30.", "e30.e30.", "DPoP e30.e30.x")
	f.Add("grant_type=authorization_code&code=x&claims=%7B%22userinfo%22%3A%7B%22name%22%3A1%7D%7D", "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7fX0.e30.AA", "Bearer x")
	f.Add("transaction=x&user=asha&decision=allow", "a.b.c", "DPoP a.b.c")
	sb, err := sandbox.New(sandbox.Config{Issuer: "http://sandbox.test", Now: time.Now,
		Clients: []sandbox.Client{{ID: "rp-test", JWKS: jwk.NewSet(), RedirectURIs: []string{"https://rp.test/cb"}}}})
	if err == nil {
		f.Fatal("a client without keys was accepted")
	}
	sb, err = sandbox.New(sandbox.Config{Issuer: "http://sandbox.test", Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	sb.RegisterClient(sandbox.Client{ID: "rp-test", RedirectURIs: []string{"https://rp.test/cb"}})
	h := sb.Handler()
	f.Fuzz(func(t *testing.T, body, dpop, authz string) {
		for _, p := range []string{"/v1/esignet/oauth/par", "/v1/esignet/oauth/v2/token", "/authorize/consent"} {
			r := httptest.NewRequest(http.MethodPost, "http://sandbox.test"+p, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("DPoP", dpop)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code < 400 {
				t.Fatalf("%s answered %d", p, w.Code)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "http://sandbox.test/v1/esignet/oidc/userinfo", nil)
		r.Header.Set("Authorization", authz)
		r.Header.Set("DPoP", dpop)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("userinfo answered %d", w.Code)
		}
		q := url.Values{"client_id": {"rp-test"}, "request_uri": {body}}
		r = httptest.NewRequest(http.MethodGet, "http://sandbox.test/authorize?"+q.Encode(), nil)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("authorize answered %d", w.Code)
		}
	})
}
