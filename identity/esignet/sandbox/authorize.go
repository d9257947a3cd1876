package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"time"
)

// transaction is an authorization request between the consent page and
// the user's answer.
type transaction struct {
	req     authzRequest
	expires time.Time
}

// codeGrant is what an authorization code stands for.
type codeGrant struct {
	req      authzRequest
	userID   string
	authTime time.Time
	expires  time.Time
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eSignet (sandbox): sign in</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}.banner{background:#fde68a;padding:.5em 1em}fieldset{margin:1em 0}</style></head>
<body><p class="banner">Sandbox simulator: NOT a real eSignet. The people below are synthetic.</p>
<h1>Sign in with eSignet <small>(sandbox)</small></h1>
<p>The application <code>{{.ClientID}}</code> asks to sign you in{{if .Claims}} and to receive: {{range $i, $c := .Claims}}{{if $i}}, {{end}}{{$c}}{{end}}{{end}}.</p>
<p>Authentication: <code>{{.ACR}}</code> (simulated).</p>
<form method="post" action="authorize/consent">
<input type="hidden" name="transaction" value="{{.Transaction}}">
<fieldset><legend>Sign in as a synthetic person</legend>
{{range $i, $u := .Users}}<label><input type="radio" name="user" value="{{$u.ID}}"{{if eq $i 0}} checked{{end}}> {{$u.Name}}</label><br>
{{end}}</fieldset>
<button name="decision" value="allow" id="allow">Allow</button>
<button name="decision" value="deny" id="deny">Deny</button>
</form></body></html>`))

// authorize serves the front channel: only pushed requests (eSignet's
// require_pushed_authorization_requests), named by request_uri and
// client_id. A request that cannot be served gets an error page, never a
// redirect.
func (s *Sandbox) authorize(w http.ResponseWriter, r *http.Request) {
	s.count("authorize")
	q := r.URL.Query()
	uri := q.Get("request_uri")
	if uri == "" {
		htmlError(w, http.StatusBadRequest, "eSignet accepts only pushed authorization requests: request_uri is missing.")
		return
	}
	s.mu.Lock()
	now := s.now()
	p, ok := s.pars[uri]
	delete(s.pars, uri) // single use, even when refused
	s.mu.Unlock()
	switch {
	case !ok || now.After(p.expires):
		htmlError(w, http.StatusBadRequest, "the request_uri is unknown, used or expired.")
		return
	case q.Get("client_id") != p.req.clientID:
		htmlError(w, http.StatusBadRequest, "the request_uri was not pushed by this client_id.")
		return
	}
	id := randomB64(24)
	s.mu.Lock()
	s.prune(now)
	s.txns[id] = transaction{req: p.req, expires: now.Add(transactionLifetime)}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	consentPage.Execute(w, map[string]any{
		"ClientID": p.req.clientID, "Claims": consentedClaims(p.req), "ACR": p.req.acr,
		"Transaction": id, "Users": s.users,
	})
}

// consent takes the user's answer: a redirect to the client with code,
// state and iss, or error=access_denied.
func (s *Sandbox) consent(w http.ResponseWriter, r *http.Request) {
	form, err := readForm(w, r)
	if err != nil {
		htmlError(w, http.StatusBadRequest, err.Error())
		return
	}
	id := form.Get("transaction")
	s.mu.Lock()
	now := s.now()
	t, ok := s.txns[id]
	delete(s.txns, id)
	s.mu.Unlock()
	if !ok || now.After(t.expires) {
		htmlError(w, http.StatusBadRequest, "the sign-in transaction is unknown, used or expired.")
		return
	}
	u, err := url.Parse(t.req.redirectURI)
	if err != nil {
		htmlError(w, http.StatusInternalServerError, "the registered redirect_uri does not parse.")
		return
	}
	v := u.Query()
	switch form.Get("decision") {
	case "deny":
		v.Set("error", "access_denied")
		v.Set("error_description", "the user declined the sign-in")
	case "allow":
		if _, ok := s.user(form.Get("user")); !ok {
			htmlError(w, http.StatusBadRequest, "no such synthetic user.")
			return
		}
		code := randomB64(32)
		s.mu.Lock()
		s.prune(now)
		s.codes[code] = codeGrant{req: t.req, userID: form.Get("user"), authTime: now, expires: now.Add(codeLifetime)}
		s.mu.Unlock()
		v.Set("code", code)
	default:
		htmlError(w, http.StatusBadRequest, "the decision must be allow or deny.")
		return
	}
	v.Set("state", t.req.state)
	v.Set("iss", s.issuer) // RFC 9207
	u.RawQuery = v.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}
