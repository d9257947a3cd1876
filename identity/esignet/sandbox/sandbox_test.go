package sandbox_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

// fetchJWKS reads jwks_uri as a relying party would.
func (e *env) fetchJWKS() jwk.Set {
	e.t.Helper()
	a := get(e.t, e.url("/.well-known/jwks.json"), nil)
	set, err := jwk.Parse(a.body)
	if a.status != http.StatusOK || err != nil || set.Len() != 1 {
		e.t.Fatalf("JWKS: %d %v %s", a.status, err, a.body)
	}
	return set
}

// verified checks tok against the JWKS and returns its claims.
func verified(t *testing.T, set jwk.Set, tok string) map[string]any {
	t.Helper()
	payload, err := jws.Verify([]byte(tok), jws.WithKeySet(set))
	if err != nil {
		t.Fatalf("verifying %.40s…: %v", tok, err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// unverified decodes a compact JWS's header and claims.
func unverified(t *testing.T, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d segments", len(parts))
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("segment %d does not decode", i)
		}
	}
	return h, c
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/v1/esignet/oidc/.well-known/openid-configuration"} {
		a := get(t, e.url(path), nil)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d", path, a.status)
		}
		d := a.json(t)
		for k, want := range map[string]any{
			"issuer":                                         e.issuer,
			"authorization_endpoint":                         e.url("/authorize"),
			"pushed_authorization_request_endpoint":          e.url("/v1/esignet/oauth/par"),
			"token_endpoint":                                 e.url("/v1/esignet/oauth/v2/token"),
			"userinfo_endpoint":                              e.url("/v1/esignet/oidc/userinfo"),
			"jwks_uri":                                       e.url("/.well-known/jwks.json"),
			"require_pushed_authorization_requests":          true,
			"claims_parameter_supported":                     true,
			"authorization_response_iss_parameter_supported": true,
		} {
			if d[k] != want {
				t.Errorf("%s: %v, want %v", k, d[k], want)
			}
		}
		for k, want := range map[string]string{
			"token_endpoint_auth_methods_supported":            "private_key_jwt",
			"token_endpoint_auth_signing_alg_values_supported": "RS256 PS256 ES256",
			"subject_types_supported":                          "pairwise",
			"id_token_signing_alg_values_supported":            "RS256 PS256",
			"userinfo_signing_alg_values_supported":            "RS256 PS256",
			"userinfo_encryption_alg_values_supported":         "RSA-OAEP-256",
			"userinfo_encryption_enc_values_supported":         "A256GCM",
			"code_challenge_methods_supported":                 "S256",
			"claims_locales_supported":                         "en hi",
			"acr_values_supported":                             "mosip:idp:acr:generated-code mosip:idp:acr:password mosip:idp:acr:biometrics",
			"dpop_signing_alg_values_supported":                "ES256 RS256 PS256",
			"response_types_supported":                         "code",
			"grant_types_supported":                            "authorization_code",
			"scopes_supported":                                 "openid profile email phone address",
		} {
			var got []string
			l, _ := d[k].([]any)
			for _, v := range l {
				got = append(got, v.(string))
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%s: %v, want %s", k, d[k], want)
			}
		}
	}
	set := e.fetchJWKS()
	k, _ := set.Key(0)
	kid, _ := k.KeyID()
	alg, _ := k.Algorithm()
	use, _ := k.KeyUsage()
	if k.KeyType() != jwa.RSA() || kid == "" || alg != jwa.PS256() || use != "sig" {
		t.Fatalf("JWKS key %v %q %v %q", k.KeyType(), kid, alg, use)
	}
	if private, _ := jwk.IsPrivateKey(k); private {
		t.Fatal("the JWKS holds a private key")
	}
	if e.sb.Requests("discovery") != 2 || e.sb.Requests("jwks") != 1 {
		t.Fatalf("counters %d %d", e.sb.Requests("discovery"), e.sb.Requests("jwks"))
	}
	if a := get(t, e.url("/nowhere"), nil); a.status != http.StatusNotFound || a.json(t)["error"] == nil {
		t.Fatalf("unknown path: %d %s", a.status, a.body)
	}
}

func TestHappyPath(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	f := newFlow()
	a := c.push(f, nil)
	if a.status != http.StatusCreated || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("PAR: %d %v %s", a.status, a.header, a.body)
	}
	par := a.json(t)
	uri, _ := par["request_uri"].(string)
	if rest, ok := strings.CutPrefix(uri, "urn:ietf:params:oauth:request_uri:"); !ok || len(rest) != 25 ||
		strings.Trim(rest, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" || par["expires_in"] != 60.0 {
		t.Fatalf("PAR answer %v", par)
	}

	page := get(t, f.authorizeURL, nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "NOT a real eSignet") ||
		!strings.Contains(string(page.body), "Asha Verma") || !strings.Contains(string(page.body), "Rohan Mehta") {
		t.Fatalf("consent page: %d %s", page.status, page.body)
	}
	// That GET used the request_uri: push again for the consent.
	f = c.authorize("asha", nil)

	nonce := c.tokenNonce()
	if e.sb.Requests("token_use_dpop_nonce") != 1 {
		t.Fatalf("token_use_dpop_nonce %d", e.sb.Requests("token_use_dpop_nonce"))
	}
	a = c.tokenRequest(f, nonce, nil, nil)
	if a.status != http.StatusOK || a.header.Get("Cache-Control") != "no-store" || a.header.Get("Pragma") != "no-cache" {
		t.Fatalf("token: %d %v %s", a.status, a.header, a.body)
	}
	tok := a.json(t)
	if tok["token_type"] != "DPoP" || tok["expires_in"] != 3600.0 {
		t.Fatalf("token answer %v", tok)
	}
	at, idt := tok["access_token"].(string), tok["id_token"].(string)

	set := e.fetchJWKS()
	k, _ := set.Key(0)
	kid, _ := k.KeyID()
	h, _ := unverified(t, idt)
	if h["alg"] != "PS256" || h["kid"] != kid {
		t.Fatalf("ID token header %v", h)
	}
	id := verified(t, set, idt)
	now := e.clock.Now().Unix()
	sum := sha256.Sum256([]byte(at))
	sub := e.sb.Subject("asha", clientID)
	if len(sub) != 43 || sub == e.sb.Subject("rohan", clientID) || sub == e.sb.Subject("asha", "other-client") || sub != e.sb.Subject("asha", clientID) {
		t.Fatalf("pairwise sub %q", sub)
	}
	for k, want := range map[string]any{
		"iss": e.issuer, "sub": sub, "aud": clientID, "nonce": f.nonce, "acr": "mosip:idp:acr:biometrics",
		"at_hash": b64(sum[:16]), "iat": float64(now), "exp": float64(now + 3600), "auth_time": float64(now),
	} {
		if id[k] != want {
			t.Errorf("ID token %s: %v, want %v", k, id[k], want)
		}
	}
	atc := verified(t, set, at)
	if cnf, _ := atc["cnf"].(map[string]any); cnf["jkt"] != jkt(c.dpop) || atc["sub"] != sub || atc["aud"] != clientID ||
		atc["client_id"] != clientID || atc["scope"] != "openid profile" || atc["iss"] != e.issuer {
		t.Fatalf("access token %v", atc)
	}

	unonce := c.userinfoNonce(at)
	a = c.userinfo(at, unonce, nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("userinfo: %d %v %s", a.status, a.header, a.body)
	}
	ui := verified(t, set, string(a.body))
	asha := sandbox.DefaultUsers()[0]
	want := map[string]any{
		"sub": sub, "iss": e.issuer, "aud": clientID, "iat": float64(now),
		"name": "Asha Verma", "gender": "Female", "birthdate": "1994-08-14", "picture": asha.Picture,
		"email": "asha.verma@example.test", "phone_number": "+919800000021",
	}
	if len(ui) != len(want) {
		t.Errorf("userinfo has %d claims, want %d: %v", len(ui), len(want), ui)
	}
	for k, v := range want {
		if ui[k] != v {
			t.Errorf("userinfo %s: %v, want %v", k, ui[k], v)
		}
	}
	if !strings.HasPrefix(asha.Picture, "data:image/") {
		t.Errorf("picture %.30s", asha.Picture)
	}
	// The nonce serves later proofs while it lives, each with a new jti.
	if a := c.userinfo(at, unonce, nil); a.status != http.StatusOK {
		t.Fatalf("second userinfo: %d %s", a.status, a.body)
	}
	for name, want := range map[string]int64{"par": 2, "authorize": 2, "token": 2, "userinfo": 3, "token_use_dpop_nonce": 1} {
		if got := e.sb.Requests(name); got != want {
			t.Errorf("Requests(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestUserinfoLocalesAndAddress(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	f := c.authorize("rohan", func(form url.Values) {
		form.Set("scope", "openid address")
		form.Set("claims", `{"userinfo":{"name":{"essential":true,"purpose":"to greet you"},"individual_id":null}}`)
		form.Set("claims_locales", "en hi fr")
	})
	tok := c.redeem(f)
	at := tok["access_token"].(string)
	a := c.userinfo(at, c.userinfoNonce(at), nil)
	ui := verified(t, e.fetchJWKS(), string(a.body))
	addr, _ := ui["address#en"].(map[string]any)
	if ui["name#en"] != "Rohan Mehta" || ui["individual_id"] != "9800000022" || addr["region"] != "Karnataka" || addr["postal_code"] != "560025" {
		t.Fatalf("userinfo %v", ui)
	}
	for _, absent := range []string{"name", "name#hi", "address", "email", "gender", "gender#en", "birthdate"} {
		if _, ok := ui[absent]; ok {
			t.Errorf("userinfo has %s: %v", absent, ui)
		}
	}
	id := verified(t, e.fetchJWKS(), tok["id_token"].(string))
	if id["sub"] != e.sb.Subject("rohan", clientID) || id["acr"] != "mosip:idp:acr:biometrics" {
		t.Fatalf("ID token %v", id)
	}
}

func TestDefaultACR(t *testing.T) {
	e := newEnv(t)
	f := e.rp.authorize("asha", func(form url.Values) { form.Set("acr_values", "mosip:idp:acr:static-code urn:other") })
	id := verified(t, e.fetchJWKS(), e.rp.redeem(f)["id_token"].(string))
	if id["acr"] != "mosip:idp:acr:generated-code" {
		t.Fatalf("acr %v", id["acr"])
	}
}

func TestUserinfoEncrypted(t *testing.T) {
	e := newEnv(t)
	enc := testRSAKey(t)
	pub, err := jwk.Import(&enc.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub.Set(jwk.KeyIDKey, "rp-enc-1")
	// A second client registered at run time, with an encryption key.
	c2 := newRP(t, e, "rp-encrypting")
	reg := c2.client()
	reg.UserinfoEncryptionKey = pub
	e.sb.RegisterClient(reg)

	f := c2.authorize("asha", func(form url.Values) { form.Set("scope", "openid email phone") })
	at := c2.redeem(f)["access_token"].(string)
	a := c2.userinfo(at, c2.userinfoNonce(at), nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/jwt" || strings.Count(string(a.body), ".") != 4 {
		t.Fatalf("userinfo: %d %v %.80s", a.status, a.header, a.body)
	}
	msg, err := jwe.Parse(a.body)
	if err != nil {
		t.Fatal(err)
	}
	ph := msg.ProtectedHeaders()
	alg, _ := ph.Algorithm()
	encAlg, _ := ph.ContentEncryption()
	cty, _ := ph.ContentType()
	kid, _ := ph.KeyID()
	if alg != jwa.RSA_OAEP_256() || encAlg != jwa.A256GCM() || cty != "JWT" || kid != "rp-enc-1" {
		t.Fatalf("JWE header alg %v enc %v cty %q kid %q", alg, encAlg, cty, kid)
	}
	inner, err := jwe.Decrypt(a.body, jwe.WithKey(jwa.RSA_OAEP_256(), enc))
	if err != nil {
		t.Fatal(err)
	}
	ui := verified(t, e.fetchJWKS(), string(inner))
	if ui["sub"] != e.sb.Subject("asha", "rp-encrypting") || ui["aud"] != "rp-encrypting" || ui["email"] != "asha.verma@example.test" ||
		ui["phone_number"] != "+919800000021" || ui["name"] != nil {
		t.Fatalf("userinfo %v", ui)
	}
	if ui["sub"] == e.sb.Subject("asha", clientID) {
		t.Fatal("the sub is not pairwise")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	c := newRP(t, nil, "x").client()
	now := func() time.Time { return time.Unix(0, 0) }
	for name, cfg := range map[string]sandbox.Config{
		"no clock":         {Issuer: "http://127.0.0.1/sandbox/esignet"},
		"trailing slash":   {Issuer: "http://127.0.0.1/sandbox/esignet/", Now: now},
		"relative issuer":  {Issuer: "/sandbox/esignet", Now: now},
		"issuer query":     {Issuer: "http://127.0.0.1/x?y=1", Now: now},
		"no users":         {Issuer: "http://127.0.0.1", Now: now, Users: []sandbox.User{}},
		"repeated user":    {Issuer: "http://127.0.0.1", Now: now, Users: []sandbox.User{{ID: "a"}, {ID: "a"}}},
		"repeated client":  {Issuer: "http://127.0.0.1", Now: now, Clients: []sandbox.Client{c, c}},
		"client sans keys": {Issuer: "http://127.0.0.1", Now: now, Clients: []sandbox.Client{{ID: "y"}}},
		"relative redirect": {Issuer: "http://127.0.0.1", Now: now,
			Clients: []sandbox.Client{{ID: c.ID, JWKS: c.JWKS, RedirectURIs: []string{"/cb"}}}},
	} {
		if _, err := sandbox.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	users := sandbox.DefaultUsers()
	if len(users) != 2 || users[0].ID != "asha" || users[1].ID != "rohan" || users[1].Birthdate != "1990-03-02" ||
		users[0].Address["region"] != "Maharashtra" || users[0].Address["postal_code"] != "411005" || users[0].Address["country"] != "IN" ||
		!slices.Contains([]string{"Male"}, users[1].Gender) {
		t.Fatalf("DefaultUsers %+v", users)
	}
}
