package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
	"github.com/pramaan/pramaan/internal/keys"
)

// citizen is a browser without a browser: it keeps the cookies pramaan
// sets (the state cookie on /auth/digilocker, the session on /) and never
// follows redirects, so each hop is checked.
type citizen struct {
	t      *testing.T
	base   string
	hc     *http.Client
	cookie map[string]string
}

func newCitizen(t *testing.T, base string) *citizen {
	return &citizen{t: t, base: base, cookie: map[string]string{},
		hc: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request with the citizen's cookies and keeps what is set.
func (c *citizen) do(method, target string, body io.Reader, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = c.base + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range c.cookie {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookie, ck.Name)
		} else {
			c.cookie[ck.Name] = ck.Value
		}
	}
	return resp, b
}

// start begins a flow and returns DigiLocker's authorize URL.
func (c *citizen) start(flow string) string {
	c.t.Helper()
	resp, body := c.do(http.MethodGet, "/auth/digilocker/"+flow+"/start", nil)
	if resp.StatusCode != http.StatusFound {
		c.t.Fatalf("%s start: %d %s", flow, resp.StatusCode, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "pramaan_dl_state" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/auth/digilocker") {
			c.t.Fatalf("state cookie %+v: want HttpOnly, SameSite=Lax, Path=/auth/digilocker", ck)
		}
	}
	if c.cookie["pramaan_dl_state"] == "" {
		c.t.Fatal("no state cookie")
	}
	return resp.Header.Get("Location")
}

// consent picks the test citizen on the sandbox's consent page and returns
// the callback URL DigiLocker redirects to.
func (c *citizen) consent(authorize, who string, allow bool) *url.URL {
	c.t.Helper()
	cb, err := sandbox.Consent(context.Background(), authorize, who, allow)
	if err != nil {
		c.t.Fatal(err)
	}
	return cb
}

// callback returns to pramaan with DigiLocker's redirect.
func (c *citizen) callback(cb *url.URL) (*http.Response, []byte) {
	c.t.Helper()
	return c.do(http.MethodGet, c.base+cb.Path+"?"+cb.RawQuery, nil)
}

// signIn runs a whole flow as who and expects to land on / signed in.
func (c *citizen) signIn(flow, who string) {
	c.t.Helper()
	resp, body := c.callback(c.consent(c.start(flow), who, true))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		c.t.Fatalf("%s callback: %d %s", flow, resp.StatusCode, body)
	}
	if c.cookie["pramaan_session"] == "" {
		c.t.Fatal("no session cookie after the callback")
	}
}

type recordedClaim struct {
	Name       string `json:"name"`
	Value      any    `json:"value"`
	Source     string `json:"source"`
	Verified   bool   `json:"verified"`
	VerifiedAt string `json:"verified_at"`
}

func (c *citizen) claims() map[string]recordedClaim {
	c.t.Helper()
	resp, body := c.do(http.MethodGet, "/digilocker/claims", nil)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("claims: %d %s", resp.StatusCode, body)
	}
	var got struct {
		Claims []recordedClaim `json:"claims"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]recordedClaim{}
	for _, cl := range got.Claims {
		out[cl.Name] = cl
	}
	return out
}

// offer asks for an "Add to wallet" offer as JSON.
func (c *citizen) offer() (link string, configurations []string) {
	c.t.Helper()
	resp, body := c.do(http.MethodPost, "/wallet-offer", nil, "Accept", "application/json")
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("wallet-offer: %d %s", resp.StatusCode, body)
	}
	var got struct {
		Link           string   `json:"link"`
		Configurations []string `json:"Configurations"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		c.t.Fatal(err)
	}
	return got.Link, got.Configurations
}

// errorAnswer decodes {error, error_description, restart_url}.
func errorAnswer(t *testing.T, body []byte) (code, restart string) {
	t.Helper()
	var e struct {
		Error      string `json:"error"`
		RestartURL string `json:"restart_url"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error, e.RestartURL
}

var (
	asha  = sandbox.DefaultCitizens()[0]
	rohan = sandbox.DefaultCitizens()[1]
	meera = sandbox.DefaultCitizens()[2]
)

func receive(t *testing.T, link, iaca string) map[string]receivedSummary {
	t.Helper()
	var got struct {
		Credentials []receivedSummary `json:"credentials"`
	}
	out := runOK(t, "wallet", "receive", link, "--trust", iaca, "--out", t.TempDir())
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	byConf := map[string]receivedSummary{}
	for _, c := range got.Credentials {
		byConf[c.ConfigurationID] = c
	}
	return byConf
}

// TestDigiLockerLoginToWalletThenDocumentsToEducation is the Done-when
// journey on the embedded default (SQLite, the sandbox mounted at
// /sandbox/digilocker): sign in, the profile recorded as verified, an
// Aadhaar SD-JWT VC and mdoc received by pramaan wallet receive; then the
// documents flow adds the verified e-Aadhaar and the marksheets, and an
// education credential follows.
func TestDigiLockerLoginToWalletThenDocumentsToEducation(t *testing.T) {
	issuerURL, dataDir := startServe(t)
	iaca := filepath.Join(dataDir, "iaca.pem")
	c := newCitizen(t, issuerURL)

	// The landing page announces the sandbox.
	resp, page := c.do(http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("Sign in with DigiLocker (sandbox)")) || !bytes.Contains(page, []byte("Share documents")) {
		t.Fatalf("landing page %d: %s", resp.StatusCode, page)
	}

	c.signIn("login", asha.DigiLockerID)
	claims := c.claims()
	for name, want := range map[string]string{"name": "Asha Verma", "birth_date": "1994-08-14", "gender": "F"} {
		got := claims[name]
		if got.Value != want || got.Source != "digilocker_profile" || !got.Verified || got.VerifiedAt == "" {
			t.Errorf("claim %s = %+v, want %q verified from digilocker_profile", name, got, want)
		}
	}
	if _, ok := claims["address.city"]; ok {
		t.Error("the login flow recorded an address: it reads no documents")
	}
	link, confs := c.offer()
	if !slices.Equal(confs, []string{"aadhaar_mdoc", "aadhaar_sd_jwt"}) {
		t.Fatalf("offered %v after login, want the two Aadhaar credentials (no education yet)", confs)
	}
	got := receive(t, link, iaca)
	sd, md := got["aadhaar_sd_jwt"], got["aadhaar_mdoc"]
	if sd.Format != "dc+sd-jwt" || !contains(sd.Claims, "name") || !contains(sd.Claims, "birth_date") || !contains(sd.Claims, "gender") {
		t.Fatalf("SD-JWT VC %+v", sd)
	}
	if md.Format != "mso_mdoc" || !contains(md.Claims, "in.gov.uidai.aadhaar.1.name") || !contains(md.Claims, "in.gov.uidai.aadhaar.1.birth_date") {
		t.Fatalf("mdoc %+v", md)
	}
	if out := runOK(t, "verify", "sdjwt", credentialFile(t, sd.File), "--trust", iaca); !strings.Contains(out, "Asha Verma") || !strings.Contains(out, "1994-08-14") {
		t.Errorf("verify sdjwt printed %s", out)
	}

	// Documents: the e-Aadhaar (signature verified) and the marksheets.
	c.signIn("documents", asha.DigiLockerID)
	claims = c.claims()
	for name, source := range map[string]string{
		"address.city": "digilocker_eaadhaar", "address.pincode": "digilocker_eaadhaar", "aadhaar_last4": "digilocker_eaadhaar",
		"education.class_xii.result": "digilocker_document:HSCER", "education.class_x.result": "digilocker_document:SSCER",
		"education.highest": "digilocker_document:HSCER", "name": "digilocker_profile",
	} {
		if cl := claims[name]; cl.Source != source || !cl.Verified {
			t.Errorf("claim %s = %+v, want verified from %s", name, cl, source)
		}
	}
	if _, ok := claims["portrait"]; ok {
		t.Error("the e-Aadhaar photo was stored in the record (a raw e-KYC photo is never stored)")
	}
	link, confs = c.offer()
	if !slices.Equal(confs, []string{"aadhaar_mdoc", "aadhaar_sd_jwt", "education_sd_jwt"}) {
		t.Fatalf("offered %v after sharing documents", confs)
	}
	got = receive(t, link, iaca)
	edu := got["education_sd_jwt"]
	for _, want := range []string{"name", "highest_examination", "class_xii.result", "class_xii.school", "class_x.result"} {
		if !contains(edu.Claims, want) {
			t.Errorf("education credential lacks %s: %v", want, edu.Claims)
		}
	}
	if sd := got["aadhaar_sd_jwt"]; !contains(sd.Claims, "address.city") || !contains(sd.Claims, "aadhaar_last4") || !contains(sd.Claims, "portrait") {
		t.Errorf("Aadhaar SD-JWT VC after documents: %v", sd.Claims)
	}
	if md := got["aadhaar_mdoc"]; !contains(md.Claims, "in.gov.uidai.aadhaar.1.portrait") {
		t.Errorf("mdoc after documents: %v", md.Claims)
	}
	out := runOK(t, "verify", "sdjwt", credentialFile(t, edu.File), "--trust", iaca)
	if !strings.Contains(out, "urn:pramaan:education:1") || !strings.Contains(out, "Asha Verma") {
		t.Errorf("verify sdjwt (education) printed %s", out)
	}

	// The operator's path to the same record: POST /admin/offers with the
	// subject_id instead of literal claims.
	var me struct {
		SubjectID string `json:"subject_id"`
	}
	_, body := c.do(http.MethodGet, "/digilocker/claims", nil)
	json.Unmarshal(body, &me)
	token, err := os.ReadFile(filepath.Join(dataDir, keys.FileAdminToken))
	if err != nil {
		t.Fatal(err)
	}
	admin := newCitizen(t, issuerURL)
	req := fmt.Sprintf(`{"credential_configuration_ids":["education_sd_jwt"],"subject_id":%q}`, me.SubjectID)
	resp, body = admin.do(http.MethodPost, "/admin/offers", strings.NewReader(req), "Authorization", "Bearer "+strings.TrimSpace(string(token)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin offer by subject_id: %d %s", resp.StatusCode, body)
	}
	var adminOffer struct {
		Link string `json:"link"`
	}
	json.Unmarshal(body, &adminOffer)
	if got := receive(t, adminOffer.Link, iaca); !contains(got["education_sd_jwt"].Claims, "class_xii.result") {
		t.Errorf("admin offer credential: %+v", got)
	}
	resp, body = admin.do(http.MethodPost, "/admin/offers", strings.NewReader(`{"credential_configuration_ids":["education_sd_jwt"],"subject_id":"urn:pramaan:subject:nobody"}`),
		"Authorization", "Bearer "+strings.TrimSpace(string(token)), "Content-Type", "application/json")
	if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusBadRequest || code != "invalid_request" {
		t.Errorf("unknown subject_id: %d %s", resp.StatusCode, body)
	}
}

// sandboxed is a DigiLocker sandbox outside pramaan (live mode against it),
// so that tests can inject faults and count refreshes, and pramaan
// instances configured to use it.
type sandboxed struct {
	sb      *sandbox.Sandbox
	cfgFile string
}

// clock is a settable clock shared by the sandbox and the instances.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newSandboxed(t *testing.T, now func() time.Time, extra string, citizens ...sandbox.Citizen) *sandboxed {
	t.Helper()
	var cs []sandbox.Citizen
	if len(citizens) > 0 {
		cs = append(sandbox.DefaultCitizens(), citizens...)
	}
	sb := sandbox.New(sandbox.Config{ClientID: "pramaan-e2e", ClientSecret: "e2e-secret", Now: now, Citizens: cs})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	root := filepath.Join(dir, "eaadhaar-root.pem")
	if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sb.EAadhaarRoot().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`digilocker:
  mode: live
  base_url: %s/public
  client_id: pramaan-e2e
  client_secret: e2e-secret
  auth_style: form
  eaadhaar_roots: [%s]
  session_ttl: 4h
  timeout: 2s
%s`, srv.URL, root, extra)
	file := filepath.Join(dir, "pramaan.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sandboxed{sb: sb, cfgFile: file}
}

// instance starts pramaan serve against the sandbox and registers its
// callback with it.
func (s *sandboxed) instance(t *testing.T, now func() time.Time, args ...string) string {
	t.Helper()
	u, _ := startServeAt(t, now, append([]string{"--config", s.cfgFile}, args...)...)
	s.sb.RegisterRedirectURI(u + "/auth/digilocker/callback")
	return u
}

// TestDigiLockerConcurrentRefreshReachesDigiLockerOnce: 20 concurrent
// requests of one citizen for the documents list, alternating between two
// instances on one Postgres (and on one SQLite instance), first with the
// token four minutes from expiry, then with it expired: each time exactly
// one refresh reaches DigiLocker and every request gets the documents.
func TestDigiLockerConcurrentRefreshReachesDigiLockerOnce(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
			s := newSandboxed(t, clk.now, "")
			var instances []string
			if backend == "sqlite" {
				instances = []string{s.instance(t, clk.now)}
			} else {
				// Two instances share the database and the keys, as behind
				// a load balancer.
				db, shared := postgresSchema(t), filepath.Join(t.TempDir(), "shared-data")
				instances = []string{s.instance(t, clk.now, "--database-url", db, "--data-dir", shared), s.instance(t, clk.now, "--database-url", db, "--data-dir", shared)}
			}
			c := newCitizen(t, instances[0])
			c.signIn("documents", asha.DigiLockerID)
			burst := func() {
				t.Helper()
				var wg sync.WaitGroup
				errs := make(chan string, 20)
				for i := range 20 {
					base := instances[i%len(instances)]
					wg.Go(func() {
						cc := &citizen{t: t, base: base, cookie: map[string]string{"pramaan_session": c.cookie["pramaan_session"]}, hc: c.hc}
						resp, body := cc.do(http.MethodGet, "/digilocker/documents", nil)
						if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"doctype":"HSCER"`)) {
							errs <- fmt.Sprintf("%s: %d %s", base, resp.StatusCode, body)
						}
					})
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Error(e)
				}
			}
			clk.add(56 * time.Minute) // 4 minutes left: within refresh_before
			burst()
			if n := s.sb.Requests("refresh"); n != 1 {
				t.Fatalf("near expiry: %d refreshes reached DigiLocker, want exactly 1", n)
			}
			clk.add(70 * time.Minute) // the refreshed token has expired
			burst()
			if n := s.sb.Requests("refresh"); n != 2 {
				t.Fatalf("expired: %d refreshes reached DigiLocker in all, want exactly 2", n)
			}
		})
	}
}

// TestDigiLockerRefusals: each bad input or DigiLocker failure has its
// exact answer, and nothing is recorded from it.
func TestDigiLockerRefusals(t *testing.T) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	// A citizen whose class XII marksheet arrives with a DTD (an
	// entity-expansion attempt).
	dtd := sandbox.DefaultCitizens()[1]
	dtd.DigiLockerID, dtd.Name = "9a1c5e0e-0000-4000-8000-00000000d7d0", "Dee Tee Dee"
	for i := range dtd.Documents {
		if dtd.Documents[i].XML != nil {
			dtd.Documents[i].XML = append([]byte(`<?xml version="1.0"?><!DOCTYPE Certificate [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>`), dtd.Documents[i].XML...)
		}
	}
	s := newSandboxed(t, clk.now, "  mobile_redirect_uri: pramaan-enroll://digilocker\n", dtd)
	base := s.instance(t, clk.now)
	s.sb.RegisterRedirectURI("pramaan-enroll://digilocker")

	t.Run("state/cookie does not match the returned state", func(t *testing.T) {
		c := newCitizen(t, base)
		cb := c.consent(c.start("login"), asha.DigiLockerID, true)
		c.cookie["pramaan_dl_state"] = "another-browsers-state"
		resp, body := c.callback(cb)
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("invalid_state")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if c.cookie["pramaan_session"] != "" {
			t.Fatal("a session was opened")
		}
	})
	t.Run("state/no state cookie (another browser)", func(t *testing.T) {
		c := newCitizen(t, base)
		cb := c.consent(c.start("login"), asha.DigiLockerID, true)
		other := newCitizen(t, base)
		if resp, body := other.callback(cb); resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("invalid_state")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("state/replayed callback", func(t *testing.T) {
		c := newCitizen(t, base)
		authorize := c.start("login")
		state := c.cookie["pramaan_dl_state"]
		cb := c.consent(authorize, asha.DigiLockerID, true)
		if resp, body := c.callback(cb); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("first callback: %d %s", resp.StatusCode, body)
		}
		c.cookie["pramaan_dl_state"] = state // an attacker replays both
		resp, body := c.callback(cb)
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("already completed or has expired")) {
			t.Fatalf("replay: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("documents/another account's documents into this session", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", asha.DigiLockerID)
		resp, body := c.callback(c.consent(c.start("documents"), meera.DigiLockerID, true))
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("subject_mismatch")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if _, ok := c.claims()["pan.number"]; ok {
			t.Fatal("the other account's PAN reached this citizen's record")
		}
	})
	t.Run("ok/a login as another citizen replaces the session", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", asha.DigiLockerID)
		first := c.cookie["pramaan_session"]
		c.signIn("login", meera.DigiLockerID)
		if c.cookie["pramaan_session"] == first || c.claims()["name"].Value != "Meera Das" {
			t.Fatalf("session %q (was %q), claims %+v", c.cookie["pramaan_session"], first, c.claims()["name"])
		}
		old := newCitizen(t, base)
		old.cookie["pramaan_session"] = first
		if resp, body := old.do(http.MethodGet, "/digilocker/claims", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the replaced session still works: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("ok/sign out ends the session", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", meera.DigiLockerID)
		session := c.cookie["pramaan_session"]
		if resp, _ := c.do(http.MethodPost, "/sign-out", nil); resp.StatusCode != http.StatusSeeOther || c.cookie["pramaan_session"] != "" {
			t.Fatalf("sign-out %d, cookie %q", resp.StatusCode, c.cookie["pramaan_session"])
		}
		c.cookie["pramaan_session"] = session
		if resp, _ := c.do(http.MethodGet, "/digilocker/claims", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the signed-out session still works: %d", resp.StatusCode)
		}
	})
	t.Run("consent/denied", func(t *testing.T) {
		c := newCitizen(t, base)
		resp, body := c.callback(c.consent(c.start("login"), asha.DigiLockerID, false))
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("access_denied")) || !bytes.Contains(body, []byte("/auth/digilocker/login/start")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("exchange/DigiLocker 5xx on the token endpoint", func(t *testing.T) {
		c := newCitizen(t, base)
		cb := c.consent(c.start("login"), asha.DigiLockerID, true)
		s.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: http.StatusInternalServerError, Code: "unexpected_error"})
		if resp, body := c.callback(cb); resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("digilocker_unavailable")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("exchange/DigiLocker times out", func(t *testing.T) {
		c := newCitizen(t, base)
		cb := c.consent(c.start("login"), asha.DigiLockerID, true)
		s.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Delay: 5 * time.Second})
		start := time.Now()
		resp, body := c.callback(cb)
		if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("digilocker_unavailable")) || time.Since(start) > 4*time.Second {
			t.Fatalf("%d after %s: %s", resp.StatusCode, time.Since(start), body)
		}
	})
	t.Run("mobile/wrong code_verifier", func(t *testing.T) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		verifier := strings.Repeat("v", 43)
		challenge := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" // of another verifier
		resp, err := hc.Get(base + "/auth/digilocker/mobile/start?state=app-state-0123456789&code_challenge=" + challenge)
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("mobile start: %v %v", resp, err)
		}
		cb, err := sandbox.Consent(context.Background(), resp.Header.Get("Location"), asha.DigiLockerID, true)
		if err != nil || cb.Scheme != "pramaan-enroll" {
			t.Fatalf("mobile consent: %v %v", cb, err)
		}
		body := fmt.Sprintf(`{"code":%q,"code_verifier":%q}`, cb.Query().Get("code"), verifier)
		resp, err = http.Post(base+"/auth/digilocker/mobile/exchange", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if code, restart := errorAnswer(t, b); resp.StatusCode != http.StatusBadRequest || code != "invalid_grant" || restart == "" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
	t.Run("ok/mobile: the app's challenge and state, its exchange, a bearer session", func(t *testing.T) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		verifier := strings.Repeat("m", 50)
		q := url.Values{"state": {"app-state-0123456789"}, "code_challenge": {digilocker.Challenge(verifier)}}
		resp, err := hc.Get(base + "/auth/digilocker/mobile/start?" + q.Encode())
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("mobile start: %v %v", resp, err)
		}
		cb, err := sandbox.Consent(context.Background(), resp.Header.Get("Location"), meera.DigiLockerID, true)
		if err != nil || cb.String() == "" || cb.Query().Get("state") != "app-state-0123456789" {
			t.Fatalf("mobile consent: %v %v", cb, err)
		}
		body := fmt.Sprintf(`{"code":%q,"code_verifier":%q}`, cb.Query().Get("code"), verifier)
		resp, err = http.Post(base+"/auth/digilocker/mobile/exchange", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			SessionToken string `json:"session_token"`
			SubjectID    string `json:"subject_id"`
		}
		json.Unmarshal(b, &got)
		if resp.StatusCode != http.StatusOK || got.SessionToken == "" || bytes.Contains(b, []byte("access_token")) || bytes.Contains(b, []byte("e2e-secret")) {
			t.Fatalf("exchange: %d %s", resp.StatusCode, b)
		}
		app := newCitizen(t, base)
		resp, b = app.do(http.MethodGet, "/digilocker/claims", nil, "Authorization", "Bearer "+got.SessionToken)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"Meera Das"`)) || !bytes.Contains(b, []byte(got.SubjectID)) {
			t.Fatalf("claims with the app session: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("mobile/malformed start and exchange", func(t *testing.T) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, _ := hc.Get(base + "/auth/digilocker/mobile/start?state=app-state-0123456789&code_challenge=plain")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("short challenge: %d", resp.StatusCode)
		}
		for _, body := range []string{`{"code":"x","code_verifier":"short"}`, `{"code":"","code_verifier":"` + strings.Repeat("v", 43) + `"}`, `{"code":"x","code_verifier":"` + strings.Repeat("v", 43) + `","client_secret":"x"}`, `not json`} {
			resp, err := http.Post(base+"/auth/digilocker/mobile/exchange", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if code, _ := errorAnswer(t, b); resp.StatusCode != http.StatusBadRequest || code != "invalid_request" {
				t.Errorf("%s: %d %s", body, resp.StatusCode, b)
			}
		}
	})
	t.Run("documents/not linked", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", meera.DigiLockerID)
		resp, body := c.do(http.MethodGet, "/digilocker/documents", nil)
		if code, restart := errorAnswer(t, body); resp.StatusCode != http.StatusUnauthorized || code != "digilocker_not_linked" || restart != "/auth/digilocker/documents/start" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("documents/not signed in", func(t *testing.T) {
		resp, body := newCitizen(t, base).do(http.MethodGet, "/digilocker/documents", nil)
		if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusUnauthorized || code != "not_signed_in" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("documents/DigiLocker refuses the access token", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("documents", asha.DigiLockerID)
		s.sb.Inject(sandbox.Fault{Path: "/public/oauth2/2/files/issued", Status: http.StatusUnauthorized, Code: "invalid_token"})
		resp, body := c.do(http.MethodGet, "/digilocker/documents", nil)
		if code, restart := errorAnswer(t, body); resp.StatusCode != http.StatusForbidden || code != "digilocker_token_rejected" || restart != "/auth/digilocker/documents/start" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		// The pair is forgotten: the next call asks for a new sign-in.
		resp, body = c.do(http.MethodGet, "/digilocker/documents", nil)
		if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusPaymentRequired || code != "reauth_required" {
			t.Fatalf("after rejection: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("documents/DigiLocker 403 insufficient_scope", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("documents", asha.DigiLockerID)
		s.sb.Inject(sandbox.Fault{Path: "/public/oauth2/2/files/issued", Status: http.StatusForbidden, Code: "insufficient_scope"})
		resp, body := c.do(http.MethodGet, "/digilocker/documents", nil)
		if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusBadGateway || code != "digilocker_error" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		// The tokens were not the problem: the next call succeeds.
		if resp, body := c.do(http.MethodGet, "/digilocker/documents", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("after the fault: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("documents/refresh refused", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("documents", asha.DigiLockerID)
		clk.add(58 * time.Minute)
		defer clk.add(-58 * time.Minute)
		s.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: http.StatusBadRequest, Code: "invalid_grant"})
		resp, body := c.do(http.MethodGet, "/digilocker/documents", nil)
		if code, restart := errorAnswer(t, body); resp.StatusCode != http.StatusPaymentRequired || code != "reauth_required" || restart != "/auth/digilocker/documents/start" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("eaadhaar/broken signature: refused, nothing recorded from it", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", rohan.DigiLockerID) // no document shared before
		s.sb.TamperNextEAadhaar()
		resp, body := c.callback(c.consent(c.start("documents"), rohan.DigiLockerID, true))
		if resp.StatusCode != http.StatusBadGateway || !bytes.Contains(body, []byte("eaadhaar_unverified")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for name := range c.claims() {
			if strings.HasPrefix(name, "address.") || name == "aadhaar_last4" || name == "portrait" || strings.HasPrefix(name, "education.") {
				t.Errorf("claim %s recorded from a refused sharing", name)
			}
		}
	})
	t.Run("document/XML with a DTD: refused, nothing recorded from it", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("login", dtd.DigiLockerID)
		resp, body := c.callback(c.consent(c.start("documents"), dtd.DigiLockerID, true))
		if resp.StatusCode != http.StatusBadGateway || !bytes.Contains(body, []byte("document_unreadable")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for name := range c.claims() {
			if strings.HasPrefix(name, "education.") {
				t.Errorf("claim %s recorded from a document with a DTD", name)
			}
		}
	})
	t.Run("file/another citizen's document", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("documents", meera.DigiLockerID)
		var other string
		for _, d := range asha.Documents {
			other = d.URI
		}
		resp, body := c.do(http.MethodGet, "/digilocker/file?uri="+url.QueryEscape(other), nil)
		if code, _ := errorAnswer(t, body); resp.StatusCode != http.StatusNotFound || code != "document_not_found" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := s.sb.Requests("/public/oauth2/1/file/" + other); n != 0 {
			t.Fatalf("the other citizen's URI reached DigiLocker %d times", n)
		}
	})
	t.Run("file/own document streamed", func(t *testing.T) {
		c := newCitizen(t, base)
		c.signIn("documents", asha.DigiLockerID)
		uri := asha.Documents[0].URI
		resp, body := c.do(http.MethodGet, "/digilocker/file?uri="+url.QueryEscape(uri), nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
			t.Fatalf("%d %s %.40q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
}

// TestDigiLockerPDFDocumentExtracted: an extraction configuration that
// reads the driving licence from its PDF; the claim's evidence hash is the
// SHA-256 of the exact PDF DigiLocker served.
func TestDigiLockerPDFDocumentExtracted(t *testing.T) {
	dir := t.TempDir()
	extraction := filepath.Join(dir, "extraction.yaml")
	os.WriteFile(extraction, []byte(`doctypes:
  DRVLC:
    fetch_type: pdf
    fields:
      number: {regex: 'Licence No:\s*(\S+)'}
      holder_line: {regex: '(Driving License of [A-Za-z ]+)'}
profile:
  driving_licence:
    fallback:
      - {doctype: DRVLC, field: number}
`), 0o600)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	s := newSandboxed(t, clk.now, "  extraction: "+extraction+"\n")
	base := s.instance(t, clk.now)
	c := newCitizen(t, base)
	c.signIn("documents", asha.DigiLockerID)
	var pdf []byte
	for _, d := range asha.Documents {
		if d.DocType == "DRVLC" {
			pdf = d.PDF
		}
	}
	sum := sha256.Sum256(pdf)
	got := c.claims()["driving_licence.holder_line"]
	if got.Value != "Driving License of Asha Verma" || got.Source != "digilocker_document:DRVLC" || !got.Verified {
		t.Fatalf("claim %+v", got)
	}
	var raw struct {
		Claims []struct {
			Name         string `json:"name"`
			EvidenceHash string `json:"evidence_hash"`
		} `json:"claims"`
	}
	_, body := c.do(http.MethodGet, "/digilocker/claims", nil)
	json.Unmarshal(body, &raw)
	for _, cl := range raw.Claims {
		if cl.Name == "driving_licence.holder_line" && cl.EvidenceHash != hex.EncodeToString(sum[:]) {
			t.Fatalf("evidence hash %s, want the PDF's %x", cl.EvidenceHash, sum)
		}
	}
	if _, ok := c.claims()["driving_licence.number"]; ok {
		t.Fatal("a field the PDF does not have was recorded")
	}
}
