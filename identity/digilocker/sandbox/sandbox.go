// Package sandbox simulates the DigiLocker Authorized Partner API for
// tests and for the embedded default: the paths under /public/oauth2/…,
// PKCE S256 enforced, single-use codes valid 10 minutes, opaque 40-hex
// tokens valid 3600 s, refresh tokens rotated on use, client
// authentication in the form or by Basic, a consent page, the documented
// error bodies and statuses (400 invalid_grant/invalid_client, 401
// invalid_token, 403 insufficient_scope, 404 invalid_uri), and test
// citizens with issued documents and certificate XMLs in DigiLocker's
// schema. Faults can be injected per path.
//
// State lives in memory: one sandbox serves one process, which is what
// tests and the single-instance embedded default need.
package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Sandbox.
type Config struct {
	ClientID, ClientSecret string
	// RedirectURIs are the registered redirect URIs (exact match).
	RedirectURIs []string
	// Citizens; nil means DefaultCitizens.
	Citizens []Citizen
	// TokenLifetime; zero means 3600 s as DigiLocker's.
	TokenLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// EAadhaarPKI signs the e-Aadhaar XML; nil means one generated on
	// first use. Tests share one (NewEAadhaarPKI) to save key generation.
	EAadhaarPKI *EAadhaarPKI
}

// Sandbox is the simulator. Mount Handler at the host root: paths are
// /public/oauth2/….
type Sandbox struct {
	cfg      Config
	citizens map[string]*Citizen

	mu       sync.Mutex
	pending  map[string]authRequest
	codes    map[string]grant
	access   map[string]grant
	refresh  map[string]grant
	faults   map[string][]Fault
	requests map[string]*atomic.Int64
	ea       eaadhaarState
}

type authRequest struct {
	clientID, redirectURI, state, challenge, scope string
	docTypes                                       []string
	expires                                        time.Time
}

type grant struct {
	citizen                string
	scope                  string
	docTypes               []string
	challenge, redirectURI string
	expires                time.Time
}

// Fault is an injected answer: the next request to Path gets Status with
// {"error": Code} (or a non-JSON body when Code is empty), or waits Delay
// first.
type Fault struct {
	Path   string
	Status int
	Code   string
	Delay  time.Duration
}

// New builds a sandbox.
func New(cfg Config) *Sandbox {
	if cfg.Citizens == nil {
		cfg.Citizens = DefaultCitizens()
	}
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sandbox{cfg: cfg, citizens: map[string]*Citizen{}, pending: map[string]authRequest{}, codes: map[string]grant{},
		access: map[string]grant{}, refresh: map[string]grant{}, faults: map[string][]Fault{}, requests: map[string]*atomic.Int64{}}
	for i := range cfg.Citizens {
		s.citizens[cfg.Citizens[i].DigiLockerID] = &cfg.Citizens[i]
	}
	return s
}

// Inject queues faults; each answers one request to its path.
func (s *Sandbox) Inject(fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fs {
		s.faults[f.Path] = append(s.faults[f.Path], f)
	}
}

// Requests counts the requests a path received (e.g.
// "/public/oauth2/1/token" with grant_type=refresh_token counted as
// "refresh").
func (s *Sandbox) Requests(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.requests[path]; ok {
		return c.Load()
	}
	return 0
}

func (s *Sandbox) count(path string) {
	s.mu.Lock()
	c, ok := s.requests[path]
	if !ok {
		c = new(atomic.Int64)
		s.requests[path] = c
	}
	s.mu.Unlock()
	c.Add(1)
}

// ExpireAccessTokens makes every access token expired, as an hour passing
// would.
func (s *Sandbox) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.access {
		g.expires = time.Time{}
		s.access[k] = g
	}
}

// Handler serves the API.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public/oauth2/{v}/authorize", s.authorize)
	mux.HandleFunc("POST /public/oauth2/{v}/authorize", s.consent)
	mux.HandleFunc("POST /public/oauth2/1/token", s.token)
	mux.HandleFunc("POST /public/oauth2/1/revoke", s.revoke)
	mux.HandleFunc("GET /public/oauth2/{v}/user", s.user)
	mux.HandleFunc("GET /public/oauth2/{v}/files/issued", s.issued)
	mux.HandleFunc("GET /public/oauth2/1/file/{uri}", s.file)
	mux.HandleFunc("GET /public/oauth2/1/xml/{uri}", s.xml)
	mux.HandleFunc("GET /public/oauth2/2/xml/eaadhaar", s.eaadhaarXML)
	mux.HandleFunc("GET /public/oauth2/3/xml/eaadhaar", s.eaadhaarXML)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count(r.URL.Path)
		s.mu.Lock()
		var f *Fault
		if q := s.faults[r.URL.Path]; len(q) > 0 {
			f, s.faults[r.URL.Path] = &q[0], q[1:]
		}
		s.mu.Unlock()
		if f != nil {
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Status != 0 {
				if f.Code == "" {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(f.Status)
					fmt.Fprint(w, "<html><body>Service Unavailable</body></html>")
					return
				}
				apiError(w, f.Status, f.Code, "injected fault")
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func apiError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func opaque() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Sandbox) registered(redirectURI string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.cfg.RedirectURIs {
		if u == redirectURI {
			return true
		}
	}
	return false
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DigiLocker (sandbox): consent</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}fieldset{margin:1em 0}</style></head>
<body><h1>DigiLocker <small>(sandbox)</small></h1>
<p>A partner asks to {{if eq .Scope "openid"}}sign you in{{else}}read your issued documents{{if .DocTypes}} ({{range $i, $d := .DocTypes}}{{if $i}}, {{end}}{{$d}}{{end}}){{end}}{{end}}.</p>
<form method="post">
<input type="hidden" name="request" value="{{.Request}}">
<fieldset><legend>Sign in as a test citizen</legend>
{{range $i, $c := .Citizens}}<label><input type="radio" name="citizen" value="{{$c.DigiLockerID}}"{{if eq $i 0}} checked{{end}}> {{$c.Name}}</label><br>{{end}}
</fieldset>
<button name="decision" value="allow" id="allow">Allow</button>
<button name="decision" value="deny" id="deny">Deny</button>
</form></body></html>`))

// authorize checks the request and shows the consent page.
func (s *Sandbox) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirectURI := q.Get("redirect_uri")
	if q.Get("client_id") != s.cfg.ClientID || !s.registered(redirectURI) {
		// Never redirect to an unregistered URI.
		apiError(w, http.StatusBadRequest, "invalid_client", "unknown client_id or redirect_uri")
		return
	}
	fail := func(code, desc string) {
		u, _ := url.Parse(redirectURI)
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case q.Get("state") == "":
		fail("invalid_request", "state is required")
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		fail("invalid_request", "PKCE with code_challenge_method S256 is required")
		return
	}
	scope := q.Get("scope")
	if scope == "" {
		scope = "openid"
	}
	var docTypes []string
	if d := q.Get("req_doctype"); d != "" {
		docTypes = strings.Split(d, ",")
	}
	id := opaque()
	s.mu.Lock()
	s.pending[id] = authRequest{clientID: s.cfg.ClientID, redirectURI: redirectURI, state: q.Get("state"), challenge: q.Get("code_challenge"),
		scope: scope, docTypes: docTypes, expires: s.cfg.Now().Add(10 * time.Minute)}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	consentPage.Execute(w, map[string]any{"Request": id, "Scope": scope, "DocTypes": docTypes, "Citizens": s.cfg.Citizens})
}

// consent takes the citizen's decision and redirects with a code or
// error=access_denied.
func (s *Sandbox) consent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request", "form")
		return
	}
	s.mu.Lock()
	req, ok := s.pending[r.PostForm.Get("request")]
	delete(s.pending, r.PostForm.Get("request"))
	s.mu.Unlock()
	if !ok || s.cfg.Now().After(req.expires) {
		apiError(w, http.StatusBadRequest, "invalid_request", "unknown or expired authorization request")
		return
	}
	u, _ := url.Parse(req.redirectURI)
	v := u.Query()
	v.Set("state", req.state)
	citizen := r.PostForm.Get("citizen")
	if r.PostForm.Get("decision") != "allow" || s.citizens[citizen] == nil {
		v.Set("error", "access_denied")
		v.Set("error_description", "the user denied the request")
	} else {
		code := opaque()
		s.mu.Lock()
		s.codes[code] = grant{citizen: citizen, scope: req.scope, docTypes: req.docTypes, challenge: req.challenge, redirectURI: req.redirectURI,
			expires: s.cfg.Now().Add(10 * time.Minute)}
		s.mu.Unlock()
		v.Set("code", code)
	}
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Sandbox) clientAuth(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
}

func (s *Sandbox) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request", "form")
		return
	}
	if !s.clientAuth(r) {
		apiError(w, http.StatusBadRequest, "invalid_client", "client authentication failed")
		return
	}
	now := s.cfg.Now()
	var g grant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.mu.Lock()
		c, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code")) // single use, even when refused
		s.mu.Unlock()
		if !ok || now.After(c.expires) || c.redirectURI != r.PostForm.Get("redirect_uri") {
			apiError(w, http.StatusBadRequest, "invalid_grant", "invalid, used or expired code")
			return
		}
		h := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(h[:])), []byte(c.challenge)) != 1 {
			apiError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
			return
		}
		g = c
	case "refresh_token":
		s.count("refresh")
		s.mu.Lock()
		old, ok := s.refresh[r.PostForm.Get("refresh_token")]
		delete(s.refresh, r.PostForm.Get("refresh_token")) // rotated
		s.mu.Unlock()
		if !ok {
			apiError(w, http.StatusBadRequest, "invalid_grant", "invalid refresh token")
			return
		}
		g = old
	default:
		apiError(w, http.StatusBadRequest, "invalid_grant_type", "grant_type must be authorization_code or refresh_token")
		return
	}
	access, refresh := opaque(), opaque()
	g.expires = now.Add(s.cfg.TokenLifetime)
	s.mu.Lock()
	s.access[access] = g
	s.refresh[refresh] = g
	s.mu.Unlock()
	c := s.citizens[g.citizen]
	eaadhaar := "N"
	if c.EAadhaar {
		eaadhaar = "Y"
	}
	resp := map[string]any{
		"access_token": access, "refresh_token": refresh, "expires_in": int(s.cfg.TokenLifetime / time.Second), "token_type": "Bearer",
		"scope": g.scope, "digilockerid": c.DigiLockerID, "name": c.Name, "dob": c.DOB, "gender": c.Gender, "eaadhaar": eaadhaar,
		"reference_key": opaque()[:32], "mobile": c.Mobile, "new_account": "N",
		// consent_valid_till arrives as a string, as production sees it.
		"consent_valid_till": fmt.Sprint(now.Add(90 * 24 * time.Hour).Unix()),
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(resp)
}

func (s *Sandbox) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !s.clientAuth(r) {
		apiError(w, http.StatusBadRequest, "invalid_client", "client authentication failed")
		return
	}
	t := r.PostForm.Get("token")
	s.mu.Lock()
	_, a := s.access[t]
	_, f := s.refresh[t]
	delete(s.access, t)
	delete(s.refresh, t)
	s.mu.Unlock()
	if !a && !f {
		apiError(w, http.StatusBadRequest, "invalid_token", "unknown token")
	}
}

// bearer finds the access token's grant, or answers 401 invalid_token.
func (s *Sandbox) bearer(w http.ResponseWriter, r *http.Request) (grant, *Citizen, bool) {
	t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g, found := s.access[t]
	s.mu.Unlock()
	if !ok || !found || !s.cfg.Now().Before(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		apiError(w, http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
		return grant{}, nil, false
	}
	return g, s.citizens[g.citizen], true
}

func (s *Sandbox) user(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.bearer(w, r)
	if !ok {
		return
	}
	eaadhaar := "N"
	if c.EAadhaar {
		eaadhaar = "Y"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"digilockerid": c.DigiLockerID, "name": c.Name, "dob": c.DOB, "gender": c.Gender, "eaadhaar": eaadhaar})
}

// documents returns the documents the grant may read: a documents-flow
// token only (403 insufficient_scope otherwise), limited to req_doctype.
func (s *Sandbox) documents(w http.ResponseWriter, g grant, c *Citizen) ([]Document, bool) {
	if !strings.Contains(" "+g.scope+" ", " files.issueddocs ") {
		apiError(w, http.StatusForbidden, "insufficient_scope", "the token was not granted files.issueddocs")
		return nil, false
	}
	var out []Document
	for _, d := range c.Documents {
		if len(g.docTypes) == 0 || contains(g.docTypes, d.DocType) {
			out = append(out, d)
		}
	}
	return out, true
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Sandbox) issued(w http.ResponseWriter, r *http.Request) {
	g, c, ok := s.bearer(w, r)
	if !ok {
		return
	}
	docs, ok := s.documents(w, g, c)
	if !ok {
		return
	}
	items := []map[string]any{}
	for _, d := range docs {
		mimes := []string{"application/pdf"}
		if d.XML != nil {
			mimes = append(mimes, "application/xml")
		}
		items = append(items, map[string]any{"name": d.Name, "type": "file", "size": "", "date": d.Date, "parent": "", "mime": mimes,
			"uri": d.URI, "doctype": d.DocType, "description": d.Name, "issuerid": d.IssuerID, "issuer": d.Issuer})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"items": items, "resource": "issued"})
}

func (s *Sandbox) find(w http.ResponseWriter, r *http.Request) (*Document, bool) {
	g, c, ok := s.bearer(w, r)
	if !ok {
		return nil, false
	}
	docs, ok := s.documents(w, g, c)
	if !ok {
		return nil, false
	}
	uri := r.PathValue("uri")
	for i := range docs {
		if docs[i].URI == uri {
			return &docs[i], true
		}
	}
	// Another citizen's document, or none: the same answer.
	apiError(w, http.StatusNotFound, "invalid_uri", "No file found for given URI")
	return nil, false
}

func (s *Sandbox) file(w http.ResponseWriter, r *http.Request) {
	d, ok := s.find(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Write(d.PDF)
}

func (s *Sandbox) xml(w http.ResponseWriter, r *http.Request) {
	d, ok := s.find(w, r)
	if !ok {
		return
	}
	if d.XML == nil {
		apiError(w, http.StatusNotFound, "invalid_uri", "No XML for given URI")
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write(d.XML)
}
