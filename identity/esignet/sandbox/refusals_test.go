package sandbox_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

const (
	parPath      = "/v1/esignet/oauth/par"
	tokenPath    = "/v1/esignet/oauth/v2/token"
	userinfoPath = "/v1/esignet/oidc/userinfo"
)

func TestPARRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	for _, tc := range []struct {
		name, code string
		edit       func(url.Values)
	}{
		{"wrong aud", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion("https://elsewhere.example/token", nil))
		}},
		{"aud array with the PAR URL", "", func(f url.Values) {
			f.Set("client_assertion", c.assertion("", func(_, cl map[string]any) { cl["aud"] = []string{"x", e.url(parPath)} }))
		}},
		{"aud the issuer", "", func(f url.Values) { f.Set("client_assertion", c.assertion(e.issuer, nil)) }},
		{"alg HS256", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(h, _ map[string]any) { h["alg"] = "HS256" }))
		}},
		{"alg none", "invalid_client", func(f url.Values) {
			a := c.assertion(e.url(parPath), nil)
			f.Set("client_assertion", a[:strings.LastIndexByte(a, '.')+1])
		}},
		{"signed by another key", "invalid_client", func(f url.Values) {
			other := newRP(t, e, clientID)
			f.Set("client_assertion", other.assertion(e.url(parPath), nil))
		}},
		{"unknown kid", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(h, _ map[string]any) { h["kid"] = "nope" }))
		}},
		{"no kid", "", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(h, _ map[string]any) { delete(h, "kid") }))
		}},
		{"iss not the client", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { cl["iss"] = "someone" }))
		}},
		{"sub not the client", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { cl["sub"] = "someone" }))
		}},
		{"expired", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { cl["exp"] = e.clock.Now().Add(-6 * time.Second).Unix() }))
		}},
		{"expired within leeway", "", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { cl["exp"] = e.clock.Now().Add(-4 * time.Second).Unix() }))
		}},
		{"no exp", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { delete(cl, "exp") }))
		}},
		{"iat in the future", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { cl["iat"] = e.clock.Now().Add(10 * time.Second).Unix() }))
		}},
		{"no iat", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { delete(cl, "iat") }))
		}},
		{"no jti", "invalid_client", func(f url.Values) {
			f.Set("client_assertion", c.assertion(e.url(parPath), func(_, cl map[string]any) { delete(cl, "jti") }))
		}},
		{"assertion type", "invalid_client", func(f url.Values) { f.Set("client_assertion_type", "urn:example:saml") }},
		{"client_secret", "invalid_client", func(f url.Values) { f.Set("client_secret", "s") }},
		{"unknown client", "invalid_client", func(f url.Values) { f.Set("client_id", "stranger") }},
		{"no client_id", "invalid_request", func(f url.Values) { f.Del("client_id") }},
		{"redirect not registered", "invalid_request", func(f url.Values) { f.Set("redirect_uri", "https://rp.example.test/callback") }},
		{"no openid scope", "invalid_request", func(f url.Values) { f.Set("scope", "profile") }},
		{"unknown scope", "invalid_request", func(f url.Values) { f.Set("scope", "openid wallet") }},
		{"response_type token", "invalid_request", func(f url.Values) { f.Set("response_type", "token") }},
		{"no state", "invalid_request", func(f url.Values) { f.Del("state") }},
		{"no nonce", "invalid_request", func(f url.Values) { f.Del("nonce") }},
		{"no code_challenge", "invalid_request", func(f url.Values) { f.Del("code_challenge") }},
		{"PKCE plain", "unsupported_pkce_challenge_method", func(f url.Values) { f.Set("code_challenge_method", "plain") }},
		{"no PKCE method", "invalid_request", func(f url.Values) { f.Del("code_challenge_method") }},
		{"claims not JSON", "invalid_request", func(f url.Values) { f.Set("claims", `{"userinfo":`) }},
		{"claims too long", "invalid_request", func(f url.Values) { f.Set("claims", `{"x":"`+strings.Repeat("a", 4100)+`"}`) }},
		{"claims member not an object", "invalid_request", func(f url.Values) { f.Set("claims", `{"userinfo":{"name":true}}`) }},
		{"short purpose", "invalid_request", func(f url.Values) { f.Set("claims", `{"userinfo":{"name":{"purpose":"x"}}}`) }},
		{"bad dpop_jkt", "invalid_request", func(f url.Values) { f.Set("dpop_jkt", "short") }},
		{"request_uri pushed", "invalid_request", func(f url.Values) { f.Set("request_uri", "urn:x") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := c.push(newFlow(), tc.edit)
			if tc.code == "" {
				if a.status != http.StatusCreated {
					t.Fatalf("refused: %d %s", a.status, a.body)
				}
				return
			}
			a.wantError(t, http.StatusBadRequest, tc.code)
		})
	}

	t.Run("reused jti", func(t *testing.T) {
		f := newFlow()
		form := c.parForm(f)
		if a := post(t, e.url(parPath), form, ""); a.status != http.StatusCreated {
			t.Fatalf("first: %d %s", a.status, a.body)
		}
		post(t, e.url(parPath), form, "").wantError(t, http.StatusBadRequest, "invalid_client")
	})
	t.Run("repeated parameter", func(t *testing.T) {
		form := c.parForm(newFlow())
		form.Add("scope", "openid")
		post(t, e.url(parPath), form, "").wantError(t, http.StatusBadRequest, "invalid_request")
	})
	t.Run("body over 64 KiB", func(t *testing.T) {
		form := c.parForm(newFlow())
		form.Set("ui_locales", strings.Repeat("en ", 30000))
		post(t, e.url(parPath), form, "").wantError(t, http.StatusBadRequest, "invalid_request")
	})
	t.Run("DPoP header not matching dpop_jkt", func(t *testing.T) {
		a := post(t, e.url(parPath), c.parForm(newFlow()), c.proof(ecKey(t), "POST", e.url(parPath), "", "", nil))
		a.wantError(t, http.StatusBadRequest, "invalid_dpop_proof")
	})
	t.Run("DPoP header with wrong htu", func(t *testing.T) {
		a := post(t, e.url(parPath), c.parForm(newFlow()), c.proof(c.dpop, "POST", e.url(tokenPath), "", "", nil))
		a.wantError(t, http.StatusBadRequest, "invalid_dpop_proof")
	})
	t.Run("GET", func(t *testing.T) {
		if a := get(t, e.url(parPath), nil); a.status != http.StatusMethodNotAllowed {
			t.Fatalf("%d", a.status)
		}
	})
}

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	page := func(t *testing.T, u string) {
		t.Helper()
		a := get(t, u, nil)
		if a.status != http.StatusBadRequest || a.header.Get("Location") != "" || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(a.body), "NOT a real eSignet") {
			t.Fatalf("%s: %d %v %s", u, a.status, a.header, a.body)
		}
	}
	t.Run("without PAR", func(t *testing.T) {
		q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirectURI}, "scope": {"openid"},
			"state": {"s"}, "nonce": {"n"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}}
		page(t, e.url("/authorize")+"?"+q.Encode())
	})
	t.Run("unknown request_uri", func(t *testing.T) {
		page(t, e.url("/authorize")+"?client_id="+clientID+"&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Anope")
	})
	t.Run("another client's request_uri", func(t *testing.T) {
		f := newFlow()
		c.push(f, nil)
		page(t, strings.Replace(f.authorizeURL, "client_id="+clientID, "client_id=someone-else", 1))
	})
	t.Run("used request_uri", func(t *testing.T) {
		f := newFlow()
		c.push(f, nil)
		if a := get(t, f.authorizeURL, nil); a.status != http.StatusOK {
			t.Fatalf("first: %d", a.status)
		}
		page(t, f.authorizeURL)
	})
	t.Run("expired request_uri", func(t *testing.T) {
		f := newFlow()
		c.push(f, nil)
		e.clock.Advance(61 * time.Second)
		page(t, f.authorizeURL)
	})
	t.Run("deny", func(t *testing.T) {
		f := newFlow()
		c.push(f, nil)
		loc, err := sandbox.Consent(context.Background(), http.DefaultClient, f.authorizeURL, "asha", false)
		if err != nil {
			t.Fatal(err)
		}
		q := loc.Query()
		if !strings.HasPrefix(loc.String(), "https://rp.example.test/callback?") || q.Get("error") != "access_denied" ||
			q.Get("error_description") == "" || q.Get("state") != f.state || q.Get("iss") != e.issuer || q.Get("code") != "" {
			t.Fatalf("redirect %s", loc)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		f := newFlow()
		c.push(f, nil)
		if loc, err := sandbox.Consent(context.Background(), nil, f.authorizeURL, "mallory", true); err == nil {
			t.Fatalf("redirected to %s", loc)
		}
	})
	t.Run("consent without transaction", func(t *testing.T) {
		a := post(t, e.url("/authorize/consent"), url.Values{"transaction": {"nope"}, "user": {"asha"}, "decision": {"allow"}}, "")
		if a.status != http.StatusBadRequest || a.header.Get("Location") != "" {
			t.Fatalf("%d %v", a.status, a.header)
		}
	})
}

func TestTokenRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	t.Run("replayed code", func(t *testing.T) {
		f := c.authorize("asha", nil)
		c.redeem(f)
		c.tokenRequest(f, c.tokenNonce(), nil, nil).wantError(t, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("wrong code_verifier", func(t *testing.T) {
		f := c.authorize("asha", nil)
		c.tokenRequest(f, c.tokenNonce(), func(form url.Values) { form.Set("code_verifier", random()+random()) }, nil).
			wantError(t, http.StatusBadRequest, "invalid_grant")
		// The refused request used the code up.
		c.tokenRequest(f, c.tokenNonce(), nil, nil).wantError(t, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("wrong redirect_uri", func(t *testing.T) {
		f := c.authorize("asha", nil)
		c.tokenRequest(f, c.tokenNonce(), func(form url.Values) { form.Set("redirect_uri", "https://rp.example.test/callback") }, nil).
			wantError(t, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("expired code", func(t *testing.T) {
		f := c.authorize("asha", nil)
		e.clock.Advance(61 * time.Second)
		c.tokenRequest(f, c.tokenNonce(), nil, nil).wantError(t, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("another client's code", func(t *testing.T) {
		other := newRP(t, e, "rp-other")
		e.sb.RegisterClient(other.client())
		f := other.authorize("asha", nil)
		c.tokenRequest(f, c.tokenNonce(), nil, nil).wantError(t, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("assertion aud the PAR URL", func(t *testing.T) {
		f := c.authorize("asha", nil)
		c.tokenRequest(f, c.tokenNonce(), func(form url.Values) { form.Set("client_assertion", c.assertion(e.url(parPath), nil)) }, nil).
			wantError(t, http.StatusBadRequest, "invalid_client")
		// The code survives a refused client authentication.
		if a := c.tokenRequest(f, c.tokenNonce(), nil, nil); a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("reused assertion", func(t *testing.T) {
		f := c.authorize("asha", nil)
		form := c.tokenForm(f)
		n := c.tokenNonce()
		if a := post(t, e.url(tokenPath), form, c.proof(c.dpop, "POST", e.url(tokenPath), n, "", nil)); a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
		post(t, e.url(tokenPath), form, c.proof(c.dpop, "POST", e.url(tokenPath), n, "", nil)).wantError(t, http.StatusBadRequest, "invalid_client")
	})
	t.Run("without DPoP", func(t *testing.T) {
		f := c.authorize("asha", nil)
		post(t, e.url(tokenPath), c.tokenForm(f), "").wantError(t, http.StatusBadRequest, "invalid_request")
	})
	for _, tc := range []struct {
		name string
		edit func(h, cl map[string]any)
	}{
		{"wrong htu", func(_, cl map[string]any) { cl["htu"] = e.url(parPath) }},
		{"htu with query", func(_, cl map[string]any) { cl["htu"] = e.url(tokenPath) + "?x=1" }},
		{"wrong htm", func(_, cl map[string]any) { cl["htm"] = "GET" }},
		{"typ JWT", func(h, _ map[string]any) { h["typ"] = "JWT" }},
		{"alg HS256", func(h, _ map[string]any) { h["alg"] = "HS256" }},
		{"no jwk", func(h, _ map[string]any) { delete(h, "jwk") }},
		{"private jwk", func(h, _ map[string]any) { h["jwk"].(map[string]any)["d"] = b64([]byte("secret")) }},
		{"old iat", func(_, cl map[string]any) { cl["iat"] = e.clock.Now().Add(-61 * time.Second).Unix() }},
		{"future iat", func(_, cl map[string]any) { cl["iat"] = e.clock.Now().Add(61 * time.Second).Unix() }},
		{"no jti", func(_, cl map[string]any) { delete(cl, "jti") }},
		{"another key's jwk", func(h, _ map[string]any) { h["jwk"] = publicJWK(ecKey(t)) }},
	} {
		t.Run("DPoP "+tc.name, func(t *testing.T) {
			f := c.authorize("asha", nil)
			c.tokenRequest(f, c.tokenNonce(), nil, tc.edit).wantError(t, http.StatusBadRequest, "invalid_dpop_proof")
		})
	}
	t.Run("DPoP replayed proof", func(t *testing.T) {
		f := c.authorize("asha", nil)
		proof := c.proof(c.dpop, "POST", e.url(tokenPath), c.tokenNonce(), "", nil)
		if a := post(t, e.url(tokenPath), c.tokenForm(f), proof); a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
		post(t, e.url(tokenPath), c.tokenForm(f), proof).wantError(t, http.StatusBadRequest, "invalid_dpop_proof")
	})
	t.Run("proof key not dpop_jkt", func(t *testing.T) {
		f := c.authorize("asha", nil)
		other := ecKey(t)
		n := c.tokenNonce()
		a := post(t, e.url(tokenPath), c.tokenForm(f), c.proof(other, "POST", e.url(tokenPath), n, "", nil))
		a.wantError(t, http.StatusBadRequest, "invalid_dpop_proof")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		f := c.authorize("asha", nil)
		a := c.tokenRequest(f, "made-up", nil, nil)
		a.wantError(t, http.StatusBadRequest, "use_dpop_nonce")
		if a.header.Get("DPoP-Nonce") == "" {
			t.Fatal("no fresh nonce")
		}
		// The challenge left the code alone.
		if a := c.tokenRequest(f, a.header.Get("DPoP-Nonce"), nil, nil); a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
	})
	t.Run("expired nonce", func(t *testing.T) {
		f := c.authorize("asha", nil)
		n := c.tokenNonce()
		e.clock.Advance(16 * time.Second)
		a := c.tokenRequest(f, n, nil, nil)
		a.wantError(t, http.StatusBadRequest, "use_dpop_nonce")
		if fresh := a.header.Get("DPoP-Nonce"); fresh == "" || fresh == n {
			t.Fatalf("nonce %q", fresh)
		}
	})
	t.Run("userinfo nonce at the token endpoint", func(t *testing.T) {
		f := c.authorize("asha", nil)
		at := c.redeem(f)["access_token"].(string)
		g := c.authorize("asha", nil)
		c.tokenRequest(g, c.userinfoNonce(at), nil, nil).wantError(t, http.StatusBadRequest, "use_dpop_nonce")
	})
	t.Run("grant_type", func(t *testing.T) {
		f := c.authorize("asha", nil)
		c.tokenRequest(f, c.tokenNonce(), func(form url.Values) { form.Set("grant_type", "refresh_token") }, nil).
			wantError(t, http.StatusBadRequest, "unsupported_grant_type")
	})
}

func TestUserinfoRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	at := c.redeem(c.authorize("asha", nil))["access_token"].(string)
	n := c.userinfoNonce(at)
	challenge := func(t *testing.T, a answer, code string) {
		t.Helper()
		if a.status != http.StatusUnauthorized || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), `DPoP error="`+code+`"`) {
			t.Fatalf("want 401 %s, got %d %q %s", code, a.status, a.header.Get("WWW-Authenticate"), a.body)
		}
	}
	t.Run("without ath", func(t *testing.T) {
		challenge(t, c.userinfo(at, n, func(_, cl map[string]any) { delete(cl, "ath") }), "invalid_dpop_proof")
	})
	t.Run("wrong ath", func(t *testing.T) {
		challenge(t, c.userinfo(at, n, func(_, cl map[string]any) { cl["ath"] = sha256b64("other") }), "invalid_dpop_proof")
	})
	t.Run("wrong htu", func(t *testing.T) {
		challenge(t, c.userinfo(at, n, func(_, cl map[string]any) { cl["htu"] = e.url(tokenPath) }), "invalid_dpop_proof")
	})
	t.Run("wrong htm", func(t *testing.T) {
		challenge(t, c.userinfo(at, n, func(_, cl map[string]any) { cl["htm"] = "POST" }), "invalid_dpop_proof")
	})
	t.Run("another key", func(t *testing.T) {
		other := ecKey(t)
		a := get(t, e.url(userinfoPath), map[string]string{"Authorization": "DPoP " + at,
			"DPoP": c.proof(other, "GET", e.url(userinfoPath), n, at, nil)})
		challenge(t, a, "invalid_dpop_proof")
	})
	t.Run("no proof", func(t *testing.T) {
		challenge(t, get(t, e.url(userinfoPath), map[string]string{"Authorization": "DPoP " + at}), "invalid_dpop_proof")
	})
	t.Run("Bearer scheme", func(t *testing.T) {
		a := get(t, e.url(userinfoPath), map[string]string{"Authorization": "Bearer " + at,
			"DPoP": c.proof(c.dpop, "GET", e.url(userinfoPath), n, at, nil)})
		challenge(t, a, "invalid_token")
	})
	t.Run("unknown token", func(t *testing.T) {
		challenge(t, c.userinfo(at[:len(at)-2]+"AA", n, nil), "invalid_token")
	})
	t.Run("no token", func(t *testing.T) {
		challenge(t, get(t, e.url(userinfoPath), nil), "invalid_token")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		a := c.userinfo(at, "made-up", nil)
		challenge(t, a, "use_dpop_nonce")
		if a.header.Get("DPoP-Nonce") == "" {
			t.Fatal("no fresh nonce")
		}
	})
	t.Run("expired token", func(t *testing.T) {
		e.clock.Advance(time.Hour + time.Second)
		challenge(t, c.userinfo(at, "", nil), "invalid_token")
	})
}
