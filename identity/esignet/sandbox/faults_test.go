package sandbox_test

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

func TestIDTokenFaults(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	set := e.fetchJWKS()
	k, _ := set.Key(0)
	kid, _ := k.KeyID()
	for _, tc := range []struct {
		name  string
		fault sandbox.Fault
		check func(t *testing.T, idt, at string, f *flow)
	}{
		{"unknown key", sandbox.FaultIDTokenUnknownKey, func(t *testing.T, idt, _ string, _ *flow) {
			if h, _ := unverified(t, idt); h["kid"] != kid || h["alg"] != "PS256" {
				t.Fatalf("header %v", h)
			}
			if _, err := jws.Verify([]byte(idt), jws.WithKeySet(set)); err == nil {
				t.Fatal("verified by the JWKS")
			}
		}},
		{"alg none", sandbox.FaultIDTokenAlgNone, func(t *testing.T, idt, _ string, _ *flow) {
			if h, _ := unverified(t, idt); h["alg"] != "none" || !strings.HasSuffix(idt, ".") {
				t.Fatalf("header %v, token %.20s…", h, idt)
			}
		}},
		{"expired", sandbox.FaultIDTokenExpired, func(t *testing.T, idt, _ string, _ *flow) {
			id := verified(t, set, idt)
			now := float64(e.clock.Now().Unix())
			if id["exp"].(float64) >= now || id["iat"].(float64) >= id["exp"].(float64) {
				t.Fatalf("iat %v exp %v now %v", id["iat"], id["exp"], now)
			}
		}},
		{"bad at_hash", sandbox.FaultIDTokenBadAtHash, func(t *testing.T, idt, at string, _ *flow) {
			sum := sha256.Sum256([]byte(at))
			if id := verified(t, set, idt); id["at_hash"] == b64(sum[:16]) || id["at_hash"] == nil {
				t.Fatalf("at_hash %v", id["at_hash"])
			}
		}},
		{"wrong nonce", sandbox.FaultIDTokenWrongNonce, func(t *testing.T, idt, _ string, f *flow) {
			if id := verified(t, set, idt); id["nonce"] == f.nonce || id["nonce"] == nil {
				t.Fatalf("nonce %v", id["nonce"])
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.Inject(tc.fault)
			f := c.authorize("asha", nil)
			tok := c.redeem(f) // the use_dpop_nonce answer does not consume the fault
			tc.check(t, tok["id_token"].(string), tok["access_token"].(string), f)
			// One shot: the next ID token is sound.
			f = c.authorize("asha", nil)
			tok = c.redeem(f)
			id := verified(t, set, tok["id_token"].(string))
			sum := sha256.Sum256([]byte(tok["access_token"].(string)))
			if id["nonce"] != f.nonce || id["at_hash"] != b64(sum[:16]) || id["exp"].(float64) <= float64(e.clock.Now().Unix()) {
				t.Fatalf("the fault outlived its request: %v", id)
			}
		})
	}
}

func TestFaultsAreConsumedInOrder(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	set := e.fetchJWKS()
	e.sb.Inject(sandbox.FaultIDTokenWrongNonce, sandbox.FaultTokenInvalidClient, sandbox.FaultIDTokenExpired)
	f := c.authorize("asha", nil)
	// FaultTokenInvalidClient applies at the start of a token request,
	// before the nonce challenge, and leaves the code usable.
	c.tokenRequest(f, "", nil, nil).wantError(t, http.StatusBadRequest, "invalid_client")
	id := verified(t, set, c.redeem(f)["id_token"].(string))
	if id["nonce"] == f.nonce {
		t.Fatal("the first ID token fault was not applied first")
	}
	f = c.authorize("asha", nil)
	if id := verified(t, set, c.redeem(f)["id_token"].(string)); id["nonce"] != f.nonce || id["exp"].(float64) > float64(e.clock.Now().Unix()) {
		t.Fatalf("second ID token %v", id)
	}
}

func TestUserinfoFaults(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	set := e.fetchJWKS()
	at := c.redeem(c.authorize("asha", nil))["access_token"].(string)
	n := c.userinfoNonce(at)

	e.sb.Inject(sandbox.FaultUserinfoBadSignature)
	a := c.userinfo(at, n, nil)
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if _, err := jws.Verify(a.body, jws.WithKeySet(set)); err == nil {
		t.Fatal("the corrupted userinfo verified")
	}
	if _, claims := unverified(t, string(a.body)); claims["sub"] != e.sb.Subject("asha", clientID) {
		t.Fatalf("claims %v", claims)
	}

	e.sb.Inject(sandbox.FaultUserinfoOtherSub)
	ui := verified(t, set, string(c.userinfo(at, n, nil).body))
	if ui["sub"] != e.sb.Subject("rohan", clientID) || ui["name"] != "Rohan Mehta" {
		t.Fatalf("userinfo %v", ui)
	}

	if ui := verified(t, set, string(c.userinfo(at, n, nil).body)); ui["sub"] != e.sb.Subject("asha", clientID) {
		t.Fatalf("the fault outlived its request: %v", ui)
	}
}

func TestTokenAndDiscoveryFaults(t *testing.T) {
	e := newEnv(t)
	c := e.rp
	e.sb.Inject(sandbox.FaultTokenInvalidClient)
	f := c.authorize("asha", nil)
	// The next token request, whatever it carries, is refused.
	c.tokenRequest(f, "", nil, nil).wantError(t, http.StatusBadRequest, "invalid_client")
	c.redeem(f)

	e.sb.Inject(sandbox.FaultDiscoveryUnavailable)
	if a := get(t, e.url("/.well-known/openid-configuration"), nil); a.status != http.StatusServiceUnavailable {
		t.Fatalf("discovery: %d", a.status)
	}
	if a := get(t, e.url("/.well-known/openid-configuration"), nil); a.status != http.StatusOK {
		t.Fatalf("discovery after the fault: %d", a.status)
	}
}
