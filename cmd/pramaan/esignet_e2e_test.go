package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	esignetsandbox "github.com/pramaan/pramaan/identity/esignet/sandbox"
	"github.com/pramaan/pramaan/internal/keys"
)

// esignetSignIn starts the eSignet sign-in, consents on the simulator's
// page as user and returns pramaan's answer to the callback.
func (c *citizen) esignetSignIn(user string, allow bool) (*http.Response, []byte) {
	c.t.Helper()
	return c.esignetSignInAt(c.base+"/sandbox/esignet", user, allow)
}

// esignetSignInAt is esignetSignIn with the provider at issuer.
func (c *citizen) esignetSignInAt(issuer, user string, allow bool) (*http.Response, []byte) {
	c.t.Helper()
	resp, body := c.do(http.MethodGet, "/auth/esignet/start", nil)
	if resp.StatusCode != http.StatusFound {
		c.t.Fatalf("esignet start: %d %s", resp.StatusCode, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "pramaan_dl_state" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/auth/esignet") {
			c.t.Fatalf("state cookie %+v: want HttpOnly, SameSite=Lax, Path=/auth/esignet", ck)
		}
	}
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, issuer+"/authorize?") || !strings.Contains(authorize, "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A") {
		c.t.Fatalf("authorize URL %s is not a pushed request at the simulator", authorize)
	}
	cb, err := esignetsandbox.Consent(context.Background(), c.hc, authorize, user, allow)
	if err != nil {
		c.t.Fatal(err)
	}
	if cb.Query().Get("iss") != issuer {
		c.t.Fatalf("the redirect's iss is %q", cb.Query().Get("iss"))
	}
	return c.do(http.MethodGet, c.base+cb.Path+"?"+cb.RawQuery, nil)
}

// TestESignetSignInToWallet is the Done-when journey on 127.0.0.1 against
// the simulator of the embedded default: sign in with eSignet (PAR, PKCE,
// private_key_jwt, DPoP with the nonce dance, ID token and signed userinfo
// validated), the consented claims recorded as verified under the pairwise
// subject (source esignet), and the Aadhaar credentials received by
// pramaan wallet receive. Then with userinfo encrypted to the relying
// party's key.
func TestESignetSignInToWallet(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		name := "signed userinfo"
		var args []string
		if encrypted {
			name = "encrypted userinfo"
			args = []string{"--config", writeConfig(t, "esignet:\n  encrypted_userinfo: true\n")}
		}
		t.Run(name, func(t *testing.T) {
			base, dataDir := startServe(t, args...)
			c := newCitizen(t, base)
			resp, body := c.esignetSignIn("asha", true)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c.cookie["pramaan_session"] == "" {
				t.Fatalf("callback: %d %s", resp.StatusCode, body)
			}
			claims := c.claims()
			for name, want := range map[string]string{"name": "Asha Verma", "birth_date": "1994-08-14", "gender": "F", "address.pincode": "411005"} {
				got := claims[name]
				if got.Value != want || got.Source != "esignet" || !got.Verified {
					t.Errorf("%s: %+v, want %q from esignet, verified", name, got, want)
				}
			}
			link, confs := c.offer()
			if !contains(confs, "aadhaar_sd_jwt") || !contains(confs, "aadhaar_mdoc") {
				t.Fatalf("offered %v", confs)
			}
			got := receive(t, link, filepath.Join(dataDir, "iaca.pem"))
			if sd := disclosed(t, got["aadhaar_sd_jwt"].File); sd["name"] != "Asha Verma" || sd["birth_date"] != "1994-08-14" {
				t.Fatalf("SD-JWT VC claims %v", sd)
			}
			if got["aadhaar_mdoc"].File == "" {
				t.Fatal("no mdoc")
			}
			// Signing in again reaches the same subject.
			first := c.subjectID()
			c2 := newCitizen(t, base)
			if resp, body := c2.esignetSignIn("asha", true); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("second sign-in: %d %s", resp.StatusCode, body)
			}
			if c2.subjectID() != first {
				t.Fatal("the pairwise subject did not lead to the same record subject")
			}
		})
	}
}

// subjectID is the signed-in citizen's record subject.
func (c *citizen) subjectID() string {
	c.t.Helper()
	resp, body := c.do(http.MethodGet, "/digilocker/claims", nil)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("claims: %d %s", resp.StatusCode, body)
	}
	i := strings.Index(string(body), `"subject_id":"`)
	if i < 0 {
		c.t.Fatalf("no subject_id in %s", body)
	}
	rest := string(body)[i+len(`"subject_id":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// writeConfig writes a configuration file for serve.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "pramaan.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// esignetOP is the simulator on its own port, with the relying-party keys
// of a data directory registered as a live eSignet would have them.
type esignetOP struct {
	sb      *esignetsandbox.Sandbox
	dataDir string
	cfgFile string
	jwks    jwk.Set
	issuer  string
}

func newESignetOP(t *testing.T) *esignetOP {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "pramaan-data")
	ks, _, err := keys.Open(dataDir, keys.Options{Now: time.Now, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	rpKeys, err := ks.RPKeys()
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	raw, _ := json.Marshal(rpKeys.PublicJWKS())
	set, err := jwk.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := jwk.NewSet()
	k0, _ := set.Key(0)
	sig.AddKey(k0)
	op := &esignetOP{dataDir: dataDir, jwks: sig, issuer: srv.URL}
	op.sb, err = esignetsandbox.New(esignetsandbox.Config{Issuer: srv.URL, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	h = op.sb.Handler()
	op.cfgFile = writeConfig(t, fmt.Sprintf("esignet:\n  mode: live\n  issuer: %s\n  client_id: pramaan-e2e\n  timeout: 2s\n", srv.URL))
	return op
}

// start runs pramaan serve on the data directory, configured for this
// provider, and registers its redirect URI.
func (op *esignetOP) start(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	base, _, log := startServeLogged(t, nil, "--config", op.cfgFile, "--data-dir", op.dataDir)
	op.sb.RegisterClient(esignetsandbox.Client{ID: "pramaan-e2e", JWKS: op.jwks, RedirectURIs: []string{base + "/auth/esignet/callback"}})
	return base, log
}

// TestESignetRefusals: each bad answer of eSignet, or bad callback, has
// its exact outcome, and nothing is recorded (no subject, claim or audit
// event; no session).
func TestESignetRefusals(t *testing.T) {
	op := newESignetOP(t)
	base, _ := op.start(t)
	counts := func() map[string]int {
		_, c := dbDump(t, op.dataDir, "")
		return c
	}
	problem := func(t *testing.T, resp *http.Response, body []byte, status int, code string) {
		t.Helper()
		if resp.StatusCode != status || !strings.Contains(string(body), "<strong>"+code+"</strong>") {
			t.Fatalf("got %d, want %d %s:\n%.600s", resp.StatusCode, status, code, body)
		}
	}
	// Discovery unreachable, first: the document is cached once fetched.
	t.Run("discovery unreachable", func(t *testing.T) {
		op.sb.Inject(esignetsandbox.FaultDiscoveryUnavailable)
		c := newCitizen(t, base)
		resp, body := c.do(http.MethodGet, "/auth/esignet/start", nil)
		problem(t, resp, body, http.StatusServiceUnavailable, "esignet_unavailable")
	})
	for _, tc := range []struct {
		name   string
		fault  esignetsandbox.Fault
		deny   bool
		status int
		code   string
	}{
		{"ID token signed by an unknown key", esignetsandbox.FaultIDTokenUnknownKey, false, http.StatusBadGateway, "esignet_id_token_invalid"},
		{"ID token with alg none", esignetsandbox.FaultIDTokenAlgNone, false, http.StatusBadGateway, "esignet_id_token_invalid"},
		{"expired ID token", esignetsandbox.FaultIDTokenExpired, false, http.StatusBadGateway, "esignet_id_token_invalid"},
		{"at_hash mismatch", esignetsandbox.FaultIDTokenBadAtHash, false, http.StatusBadGateway, "esignet_id_token_invalid"},
		{"wrong nonce", esignetsandbox.FaultIDTokenWrongNonce, false, http.StatusBadGateway, "esignet_id_token_invalid"},
		{"userinfo with a bad signature", esignetsandbox.FaultUserinfoBadSignature, false, http.StatusBadGateway, "esignet_userinfo_invalid"},
		{"userinfo for another sub", esignetsandbox.FaultUserinfoOtherSub, false, http.StatusBadGateway, "esignet_userinfo_invalid"},
		{"invalid_client", esignetsandbox.FaultTokenInvalidClient, false, http.StatusBadGateway, "esignet_client_refused"},
		{"access_denied", 0, true, http.StatusForbidden, "access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := counts()
			if tc.fault != 0 {
				op.sb.Inject(tc.fault)
			}
			c := newCitizen(t, base)
			resp, body := c.esignetSignInAt(op.issuer, "asha", !tc.deny)
			problem(t, resp, body, tc.status, tc.code)
			if !strings.Contains(string(body), `href="/auth/esignet/start"`) {
				t.Error("no restart link")
			}
			if c.cookie["pramaan_session"] != "" {
				t.Fatal("a session was opened")
			}
			after := counts()
			for _, table := range []string{"subjects", "claims", "audit_events", "web_sessions"} {
				if before[table] != after[table] {
					t.Fatalf("%s: %d rows before, %d after", table, before[table], after[table])
				}
			}
		})
	}
	t.Run("state of another browser", func(t *testing.T) {
		c := newCitizen(t, base)
		resp, body := c.do(http.MethodGet, "/auth/esignet/start", nil)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		cb, err := esignetsandbox.Consent(context.Background(), c.hc, resp.Header.Get("Location"), "asha", true)
		if err != nil {
			t.Fatal(err)
		}
		other := newCitizen(t, base)
		resp, body = other.do(http.MethodGet, base+cb.Path+"?"+cb.RawQuery, nil)
		problem(t, resp, body, http.StatusBadRequest, "invalid_state")
		// The right browser still completes: the pending sign-in was not spent.
		resp, body = c.do(http.MethodGet, base+cb.Path+"?"+cb.RawQuery, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the right browser: %d %.300s", resp.StatusCode, body)
		}
		// A replayed callback is refused.
		resp, body = c.do(http.MethodGet, base+cb.Path+"?"+cb.RawQuery, nil)
		problem(t, resp, body, http.StatusBadRequest, "invalid_state")
	})
}
