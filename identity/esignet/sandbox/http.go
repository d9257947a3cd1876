package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxFormBytes bounds every request body the sandbox reads.
const maxFormBytes = 64 << 10

// apiError is an OAuth error answer: status, error and
// error_description, and for use_dpop_nonce the nonce to send.
type apiError struct {
	status      int
	code, desc  string
	dpopNonce   string
	resourceErr bool // answered as a protected resource: WWW-Authenticate
}

func (e *apiError) Error() string { return e.code + ": " + e.desc }

func badRequest(code, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, desc: fmt.Sprintf(format, a...)}
}

// Handler serves the endpoints. Paths are taken relative to the issuer:
// a request whose path still starts with the issuer's path has it
// removed, so the handler works mounted with or without
// http.StripPrefix.
func (s *Sandbox) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if s.issuerPath != "" {
		if rest, ok := strings.CutPrefix(p, s.issuerPath); ok && strings.HasPrefix(rest, "/") {
			p = rest
		}
	}
	var method string
	var h http.HandlerFunc
	switch p {
	case pathDiscovery, pathESignetDiscovery:
		method, h = http.MethodGet, s.discovery
	case pathJWKS, pathESignetJWKS:
		method, h = http.MethodGet, s.serveJWKS
	case pathPAR:
		method, h = http.MethodPost, s.par
	case pathAuthorize:
		method, h = http.MethodGet, s.authorize
	case pathConsent:
		method, h = http.MethodPost, s.consent
	case pathToken:
		method, h = http.MethodPost, s.token
	case pathUserinfo:
		method, h = http.MethodGet, s.userinfo
	default:
		writeError(w, &apiError{status: http.StatusNotFound, code: "not_found", desc: "no such endpoint in the eSignet sandbox"})
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: "invalid_request", desc: "use " + method})
		return
	}
	h(w, r)
}

// writeJSON answers v as JSON, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers e: JSON {error, error_description}, with a
// DPoP-Nonce when one is handed out and, for a protected resource, the
// WWW-Authenticate challenge of the DPoP scheme (RFC 9449 Section 7.1).
func writeError(w http.ResponseWriter, e *apiError) {
	if e.dpopNonce != "" {
		w.Header().Set("DPoP-Nonce", e.dpopNonce)
	}
	if e.resourceErr {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`DPoP error=%q, error_description=%q, algs="ES256 RS256 PS256"`,
			e.code, quotable(e.desc)))
	}
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.desc})
}

// quotable keeps a description fit for a quoted-string: printable ASCII
// without quote or backslash.
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, s)
}

// readForm reads an application/x-www-form-urlencoded body of at most
// maxFormBytes. A parameter given twice is refused (RFC 6749 Section
// 3.1: "Request and response parameters MUST NOT be included more than
// once").
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errors.New("the body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the form: %w", err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("parsing the form: %w", err)
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, fmt.Errorf("parameter %s is repeated", k)
		}
	}
	return form, nil
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eSignet (sandbox): error</title>
<style>body{font-family:sans-serif;max-width:36em;margin:2em auto}.banner{background:#fde68a;padding:.5em 1em}</style></head>
<body><p class="banner">Sandbox simulator: NOT a real eSignet.</p>
<h1>eSignet <small>(sandbox)</small></h1>
<p>The authorization request cannot be served: {{.}}</p>
<p>Nothing was sent back to the application.</p></body></html>`))

// htmlError is the front channel's error page: never a redirect, since
// the redirect URI cannot be trusted.
func htmlError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	errorPage.Execute(w, msg)
}
