package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

const (
	publicURL  = "https://issuer.example/tenant"
	adminToken = "admin-secret-token-0123456789"
)

// fakeService records every request it gets, with the endpoint's name,
// and answers with what the test sets.
type fakeService struct {
	mu     sync.Mutex
	calls  []call
	answer func(endpoint string, r *issuer.Request) (*issuer.Response, error)
}

type call struct {
	endpoint string
	req      *issuer.Request
}

func (f *fakeService) handle(endpoint string, r *issuer.Request) (*issuer.Response, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{endpoint, r})
	answer := f.answer
	f.mu.Unlock()
	if answer != nil {
		return answer(endpoint, r)
	}
	return &issuer.Response{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"ok":true}`)}, nil
}

func (f *fakeService) setAnswer(a func(endpoint string, r *issuer.Request) (*issuer.Response, error)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fakeService) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeService) last(t *testing.T) call {
	t.Helper()
	calls := f.recorded()
	if len(calls) == 0 {
		t.Fatal("the service was not called")
	}
	return calls[len(calls)-1]
}

func (f *fakeService) CredentialIssuerMetadata(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("CredentialIssuerMetadata", r)
}
func (f *fakeService) AuthorizationServerMetadata(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("AuthorizationServerMetadata", r)
}
func (f *fakeService) JWTVCIssuerMetadata(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("JWTVCIssuerMetadata", r)
}
func (f *fakeService) JWKS(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("JWKS", r)
}
func (f *fakeService) CredentialOfferByReference(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("CredentialOfferByReference", r)
}
func (f *fakeService) Token(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("Token", r)
}
func (f *fakeService) Nonce(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("Nonce", r)
}
func (f *fakeService) Credential(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("Credential", r)
}
func (f *fakeService) DeferredCredential(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("DeferredCredential", r)
}
func (f *fakeService) Notification(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("Notification", r)
}
func (f *fakeService) CreateOffer(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("CreateOffer", r)
}
func (f *fakeService) ApproveDeferred(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle("ApproveDeferred", r)
}

// listingService also implements httpapi.DeferredLister.
type listingService struct{ *fakeService }

func (l listingService) ListDeferred(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	return l.handle("ListDeferred", r)
}

type staticToken string

func (t staticToken) Check(s string) bool { return s == string(t) }

// pinger answers Ping with err and records the deadline it was given.
type pinger struct {
	mu          sync.Mutex
	err         error
	hadDeadline bool
	left        time.Duration
}

func (p *pinger) Ping(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := ctx.Deadline()
	p.hadDeadline, p.left = ok, time.Until(d)
	return p.err
}

// stepClock advances by step on every reading, so that each request
// lasts exactly one step.
type stepClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testApp struct {
	app   *fiber.App
	svc   *fakeService
	ready *pinger
	logs  *syncBuffer
}

type option func(*httpapi.Config)

func newApp(t testing.TB, opts ...option) *testApp {
	t.Helper()
	svc := &fakeService{}
	ready := &pinger{}
	logs := &syncBuffer{}
	clock := &stepClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), step: 3 * time.Millisecond}
	cfg := httpapi.Config{
		PublicURL:    publicURL,
		Service:      svc,
		Admin:        staticToken(adminToken),
		Ready:        ready,
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		MaxBodyBytes: 1024,
		// Each request reads the clock twice: it lasts one 3 ms step.
		Now: clock.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	app, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{app: app, svc: svc, ready: ready, logs: logs}
}

type result struct {
	status int
	header http.Header
	body   string
}

func request(t *testing.T, method, target, body string, header ...string) *http.Request {
	t.Helper()
	var r io.Reader = http.NoBody
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://pramaan.test"+target, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return req
}

func (a *testApp) do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := a.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

func (a *testApp) metrics(t *testing.T) string {
	t.Helper()
	r := a.do(t, request(t, http.MethodGet, "/metrics", ""))
	if r.status != http.StatusOK {
		t.Fatalf("/metrics status = %d", r.status)
	}
	if got := r.header.Get("Content-Type"); got != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("/metrics Content-Type = %q", got)
	}
	return r.body
}

func TestNewRejectsAnIncompleteConfig(t *testing.T) {
	good := httpapi.Config{PublicURL: publicURL, Service: &fakeService{}, Admin: staticToken("x"), Ready: &pinger{}}
	for name, edit := range map[string]func(*httpapi.Config){
		"no service":         func(c *httpapi.Config) { c.Service = nil },
		"no admin auth":      func(c *httpapi.Config) { c.Admin = nil },
		"no pinger":          func(c *httpapi.Config) { c.Ready = nil },
		"no public URL":      func(c *httpapi.Config) { c.PublicURL = "" },
		"ftp public URL":     func(c *httpapi.Config) { c.PublicURL = "ftp://issuer.example" },
		"public URL query":   func(c *httpapi.Config) { c.PublicURL = "https://issuer.example/?a=b" },
		"negative body size": func(c *httpapi.Config) { c.MaxBodyBytes = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := good
			edit(&cfg)
			app, err := httpapi.New(cfg)
			if err == nil || app != nil {
				t.Fatalf("New = %v, %v; want an error", app, err)
			}
		})
	}
	if _, err := httpapi.New(good); err != nil {
		t.Fatalf("New(good config) = %v", err)
	}
}

func TestBindingCopiesEveryValueIntoTheIssuerRequest(t *testing.T) {
	a := newApp(t)
	a.svc.setAnswer(func(string, *issuer.Request) (*issuer.Response, error) {
		return &issuer.Response{
			Status:      http.StatusCreated,
			ContentType: "application/jwt",
			Header:      http.Header{"Cache-Control": {"no-store"}, "X-Extra": {"a", "b"}},
			Body:        []byte("eyJ.jwt.sig"),
		}, nil
	})
	const body = `{"credential_identifier":"x"}`
	r := a.do(t, request(t, http.MethodPost, "/credential?ignored=1", body,
		"Content-Type", "application/json", "Authorization", "DPoP abc", "DPoP", "proof.jwt",
		"Accept-Language", "hi", "Accept-Language", "en"))
	if r.status != http.StatusCreated || r.body != "eyJ.jwt.sig" {
		t.Fatalf("response = %d %q", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/jwt" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) {
		t.Errorf("Cache-Control = %q, want exactly one no-store", got)
	}
	if got := r.header.Values("X-Extra"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("X-Extra = %q", got)
	}

	first := a.svc.last(t)
	if first.endpoint != "Credential" {
		t.Errorf("endpoint = %s", first.endpoint)
	}
	got := first.req
	if got.Method != http.MethodPost {
		t.Errorf("Method = %q", got.Method)
	}
	if got.URL != publicURL+"/credential" {
		t.Errorf("URL = %q", got.URL)
	}
	if string(got.Body) != body {
		t.Errorf("Body = %q", got.Body)
	}
	if got.PathID != "" {
		t.Errorf("PathID = %q", got.PathID)
	}
	for name, want := range map[string][]string{
		"Content-Type":    {"application/json"},
		"Authorization":   {"DPoP abc"},
		"Dpop":            {"proof.jwt"},
		"Accept-Language": {"hi", "en"},
		"Host":            {"pramaan.test"},
	} {
		if v := got.Header.Values(name); !slices.Equal(v, want) {
			t.Errorf("Header[%s] = %q, want %q", name, v, want)
		}
	}

	// Later requests reuse fasthttp's buffers: what was bound stays intact.
	for range 3 {
		a.do(t, request(t, http.MethodPost, "/credential", strings.Repeat("Z", len(body)),
			"Authorization", "DPoP zzz", "DPoP", "zzzzz.zzz"))
	}
	if string(got.Body) != body || got.Header.Get("Authorization") != "DPoP abc" || got.Header.Get("DPoP") != "proof.jwt" || got.URL != publicURL+"/credential" {
		t.Fatalf("the bound request changed after later requests: %+v", got)
	}

	a.do(t, request(t, http.MethodGet, "/credential-offer/abc-123", ""))
	offer := a.svc.last(t)
	if offer.endpoint != "CredentialOfferByReference" || offer.req.Method != http.MethodGet ||
		offer.req.URL != publicURL+"/credential-offer/abc-123" || offer.req.PathID != "abc-123" || len(offer.req.Body) != 0 {
		t.Fatalf("offer by reference bound as %s %+v", offer.endpoint, offer.req)
	}
}

func TestEveryRouteReachesItsEndpoint(t *testing.T) {
	svc := &fakeService{}
	app, err := httpapi.New(httpapi.Config{PublicURL: publicURL + "/", Service: listingService{svc}, Admin: staticToken(adminToken), Ready: &pinger{}})
	if err != nil {
		t.Fatal(err)
	}
	a := &testApp{app: app, svc: svc}
	auth := []string{"Authorization", "Bearer " + adminToken}
	for _, tc := range []struct {
		method, path, endpoint, pathID string
		noStore                        bool
		header                         []string
	}{
		{"GET", "/.well-known/openid-credential-issuer", "CredentialIssuerMetadata", "", false, nil},
		{"GET", "/.well-known/oauth-authorization-server", "AuthorizationServerMetadata", "", false, nil},
		{"GET", "/.well-known/jwt-vc-issuer", "JWTVCIssuerMetadata", "", false, nil},
		{"GET", "/.well-known/jwks.json", "JWKS", "", false, nil},
		{"GET", "/credential-offer/o1", "CredentialOfferByReference", "o1", false, nil},
		{"POST", "/token", "Token", "", true, nil},
		{"POST", "/nonce", "Nonce", "", true, nil},
		{"POST", "/credential", "Credential", "", true, nil},
		{"POST", "/deferred_credential", "DeferredCredential", "", true, nil},
		{"POST", "/notification", "Notification", "", true, nil},
		{"POST", "/admin/offers", "CreateOffer", "", true, auth},
		{"POST", "/admin/deferred/tx-9/approve", "ApproveDeferred", "tx-9", true, auth},
		{"GET", "/admin/deferred", "ListDeferred", "", true, auth},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := a.do(t, request(t, tc.method, tc.path, "", tc.header...))
			if r.status != http.StatusOK || r.body != `{"ok":true}` {
				t.Fatalf("response = %d %s", r.status, r.body)
			}
			c := a.svc.last(t)
			if c.endpoint != tc.endpoint || c.req.PathID != tc.pathID || c.req.URL != publicURL+tc.path || c.req.Method != tc.method {
				t.Fatalf("reached %s with %+v", c.endpoint, c.req)
			}
			wantCache := ""
			if tc.noStore {
				wantCache = "no-store"
			}
			if got := r.header.Get("Cache-Control"); got != wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, wantCache)
			}
		})
	}
}

func TestNoStoreCannotBeOverriddenByTheService(t *testing.T) {
	a := newApp(t)
	a.svc.setAnswer(func(string, *issuer.Request) (*issuer.Response, error) {
		return &issuer.Response{Status: 200, ContentType: "application/json", Body: []byte(`{}`),
			Header: http.Header{"Cache-Control": {"max-age=600"}}}, nil
	})
	if got := a.do(t, request(t, http.MethodPost, "/token", "")).header.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) {
		t.Errorf("token Cache-Control = %q", got)
	}
	// Metadata keeps the service's caching.
	if got := a.do(t, request(t, http.MethodGet, "/.well-known/jwks.json", "")).header.Values("Cache-Control"); !slices.Equal(got, []string{"max-age=600"}) {
		t.Errorf("JWKS Cache-Control = %q", got)
	}
}

func TestAdminRoutesNeedTheAdminToken(t *testing.T) {
	const want401 = `{"error":"invalid_token","error_description":"the admin API needs the admin bearer token"}`
	a := newApp(t)
	for name, auth := range map[string]string{
		"missing":      "",
		"wrong":        "Bearer not-the-token",
		"empty bearer": "Bearer ",
		"wrong scheme": "Basic " + adminToken,
		"no scheme":    adminToken,
	} {
		for _, path := range []string{"/admin/offers", "/admin/deferred/tx-1/approve"} {
			t.Run(name+" "+path, func(t *testing.T) {
				req := request(t, http.MethodPost, path, `{}`)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				r := a.do(t, req)
				if r.status != http.StatusUnauthorized || r.body != want401 {
					t.Errorf("response = %d %s", r.status, r.body)
				}
				if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if got := r.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q", got)
				}
			})
		}
	}
	if n := len(a.svc.recorded()); n != 0 {
		t.Fatalf("the service was called %d times without the admin token", n)
	}
	// ListDeferred is not routed when the service does not implement it.
	if r := a.do(t, request(t, http.MethodGet, "/admin/deferred", "", "Authorization", "Bearer "+adminToken)); r.status != http.StatusNotFound {
		t.Errorf("GET /admin/deferred without a lister = %d", r.status)
	}

	r := a.do(t, request(t, http.MethodPost, "/admin/offers", `{"offer":1}`, "Authorization", "Bearer "+adminToken))
	if r.status != http.StatusOK || r.body != `{"ok":true}` {
		t.Fatalf("with the token: %d %s", r.status, r.body)
	}
	if c := a.svc.last(t); c.endpoint != "CreateOffer" || string(c.req.Body) != `{"offer":1}` {
		t.Fatalf("reached %s with body %q", c.endpoint, c.req.Body)
	}
	r = a.do(t, request(t, http.MethodPost, "/admin/deferred/tx-7/approve", "", "Authorization", "bearer "+adminToken))
	if r.status != http.StatusOK {
		t.Fatalf("approve with a lower-case scheme: %d %s", r.status, r.body)
	}
	if c := a.svc.last(t); c.endpoint != "ApproveDeferred" || c.req.PathID != "tx-7" {
		t.Fatalf("reached %s with PathID %q", c.endpoint, c.req.PathID)
	}
}

func TestErrorsAreMappedToTheirStatusBodyAndHeaders(t *testing.T) {
	for _, tc := range []struct {
		name       string
		method     string
		path       string
		err        error
		status     int
		body       string
		header     map[string][]string
		cacheCtl   string
		notInBody  string
		loggedText string
	}{
		{
			name: "protocol error", method: "POST", path: "/token",
			err:    oid4vci.NewError(oid4vci.CodeInvalidGrant, "code used"),
			status: 400, body: `{"error":"invalid_grant","error_description":"code used"}`, cacheCtl: "no-store",
		},
		{
			name: "protocol error with its own status", method: "POST", path: "/credential",
			err:    oid4vci.NewError(oid4vci.CodeInvalidToken, "expired"),
			status: 401, body: `{"error":"invalid_token","error_description":"expired"}`, cacheCtl: "no-store",
		},
		{
			name: "header error", method: "POST", path: "/credential",
			err: &issuer.HeaderError{
				Err:    oid4vci.NewError(oid4vci.CodeUseDPoPNonce, "send the nonce").WithStatus(401),
				Header: http.Header{"Dpop-Nonce": {"n-1"}, "Www-Authenticate": {`DPoP error="use_dpop_nonce"`}},
			},
			status: 401, body: `{"error":"use_dpop_nonce","error_description":"send the nonce"}`, cacheCtl: "no-store",
			header: map[string][]string{"DPoP-Nonce": {"n-1"}, "WWW-Authenticate": {`DPoP error="use_dpop_nonce"`}},
		},
		{
			name: "wrapped protocol error hides its cause", method: "POST", path: "/nonce",
			err:    fmt.Errorf("nonce: %w", oid4vci.WrapError(oid4vci.CodeInvalidRequest, errors.New("pg: secret-cause"), "bad")),
			status: 400, body: `{"error":"invalid_request","error_description":"bad"}`, cacheCtl: "no-store",
			notInBody: "secret-cause",
		},
		{
			name: "plain error", method: "POST", path: "/deferred_credential",
			err:    errors.New("database password is hunter2"),
			status: 500, body: `{"error":"server_error"}`, cacheCtl: "no-store",
			notInBody: "hunter2", loggedText: "database password is hunter2",
		},
		{
			name: "plain error on a metadata route", method: "GET", path: "/.well-known/jwks.json",
			err:    errors.New("keystore unreadable"),
			status: 500, body: `{"error":"server_error"}`, cacheCtl: "no-store",
			notInBody: "keystore", loggedText: "keystore unreadable",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t)
			a.svc.setAnswer(func(string, *issuer.Request) (*issuer.Response, error) { return nil, tc.err })
			r := a.do(t, request(t, tc.method, tc.path, ""))
			if r.status != tc.status || r.body != tc.body {
				t.Errorf("response = %d %s, want %d %s", r.status, r.body, tc.status, tc.body)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := r.header.Values("Cache-Control"); !slices.Equal(got, []string{tc.cacheCtl}) {
				t.Errorf("Cache-Control = %q, want %q", got, tc.cacheCtl)
			}
			for k, want := range tc.header {
				if got := r.header.Values(k); !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tc.notInBody != "" && strings.Contains(r.body, tc.notInBody) {
				t.Errorf("the body carries %q", tc.notInBody)
			}
			if tc.loggedText != "" && !strings.Contains(a.logs.String(), tc.loggedText) {
				t.Errorf("the error was not logged: %s", a.logs.String())
			}
		})
	}
}

func TestAPanickingHandlerGives500AndTheAppKeepsServing(t *testing.T) {
	a := newApp(t)
	a.svc.setAnswer(func(string, *issuer.Request) (*issuer.Response, error) {
		panic("the handler panicked on purpose")
	})
	r := a.do(t, request(t, http.MethodPost, "/notification", `{}`, "X-Request-Id", "panic-1"))
	if r.status != http.StatusInternalServerError || r.body != `{"error":"server_error"}` {
		t.Fatalf("panic: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := r.header.Get("X-Request-Id"); got != "panic-1" {
		t.Errorf("X-Request-Id = %q", got)
	}
	logs := a.logs.String()
	if !strings.Contains(logs, `"msg":"handler panicked"`) || !strings.Contains(logs, "the handler panicked on purpose") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}

	a.svc.setAnswer(nil)
	if r := a.do(t, request(t, http.MethodPost, "/notification", `{}`)); r.status != http.StatusOK || r.body != `{"ok":true}` {
		t.Fatalf("after a panic the app answers %d %s", r.status, r.body)
	}
	if !strings.Contains(a.metrics(t), `pramaan_errors_total{code="server_error"} 1`+"\n") {
		t.Error("the panic is not counted as a server_error")
	}
}

// serve runs the app on a loopback port, for the limits that Fiber
// enforces while reading a request (app.Test reports them as errors
// instead of returning the response written).
func (a *testApp) serve(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.app.Listener(ln) }()
	t.Cleanup(func() {
		if err := a.app.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// rawExchange writes raw on a new connection and reads one response. The
// request heads sent here are read to their end by the server, so that it
// closes the connection with nothing unread.
func rawExchange(t *testing.T, addr, raw string) result {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

// head is a request head announcing a body of n bytes that is not sent:
// the server refuses it from the Content-Length alone.
func head(path string, n int, extra ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: pramaan.test\r\nContent-Type: application/json\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "Content-Length: " + strconv.Itoa(n) + "\r\n\r\n"
}

func TestBodyOverTheLimitGets413(t *testing.T) {
	a := newApp(t) // MaxBodyBytes: 1024
	addr := a.serve(t)
	r := rawExchange(t, addr, head("/credential", 1025, "X-Request-Id: big-1"))
	if r.status != http.StatusRequestEntityTooLarge || r.body != `{"error":"invalid_request","error_description":"request body too large"}` {
		t.Fatalf("oversized body: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := r.header.Get("X-Request-Id"); got != "big-1" {
		t.Errorf("X-Request-Id = %q", got)
	}
	if n := len(a.svc.recorded()); n != 0 {
		t.Fatalf("an oversized body reached the service %d times", n)
	}
	// Exactly at the limit is accepted.
	if r := a.do(t, request(t, http.MethodPost, "/credential", strings.Repeat("x", 1024))); r.status != http.StatusOK {
		t.Fatalf("body at the limit: %d %s", r.status, r.body)
	}
	m := a.metrics(t)
	for _, want := range []string{
		`pramaan_http_requests_total{route="unmatched",method="POST",status="413"} 1`,
		`pramaan_errors_total{code="invalid_request"} 1`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s:\n%s", want, m)
		}
	}
	var logged struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
		Route     string `json:"route"`
		Status    int    `json:"status"`
	}
	firstLine, _, _ := strings.Cut(a.logs.String(), "\n")
	if err := json.Unmarshal([]byte(firstLine), &logged); err != nil {
		t.Fatalf("log: %v\n%s", err, a.logs.String())
	}
	if logged.Msg != "request" || logged.RequestID != "big-1" || logged.Route != "unmatched" || logged.Status != 413 {
		t.Errorf("log line = %+v", logged)
	}
}

func TestDefaultBodyLimitIs256KiB(t *testing.T) {
	a := newApp(t, func(c *httpapi.Config) { c.MaxBodyBytes = 0 })
	if r := a.do(t, request(t, http.MethodPost, "/token", strings.Repeat("x", 256<<10))); r.status != http.StatusOK {
		t.Fatalf("256 KiB body: %d", r.status)
	}
	if r := rawExchange(t, a.serve(t), head("/token", 256<<10+1)); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("256 KiB + 1 body: %d %s", r.status, r.body)
	}
}

func TestOversizedHeadersGet431(t *testing.T) {
	a := newApp(t)
	// Exactly MaxHeaderBytes of an unfinished head fills the read buffer.
	raw := "POST /token HTTP/1.1\r\nHost: pramaan.test\r\nX-Padding: "
	raw += strings.Repeat("p", httpapi.MaxHeaderBytes-len(raw))
	r := rawExchange(t, a.serve(t), raw)
	if r.status != http.StatusRequestHeaderFieldsTooLarge || r.body != `{"error":"invalid_request","error_description":"request headers too large"}` {
		t.Fatalf("oversized headers: %d %s", r.status, r.body)
	}
	if n := len(a.svc.recorded()); n != 0 {
		t.Fatalf("oversized headers reached the service %d times", n)
	}
}

func TestCompressedBodiesAreRefused(t *testing.T) {
	a := newApp(t)
	r := a.do(t, request(t, http.MethodPost, "/credential", "\x1f\x8b\x08\x00", "Content-Encoding", "gzip"))
	if r.status != http.StatusUnsupportedMediaType || r.body != `{"error":"invalid_request","error_description":"content encoding not supported"}` {
		t.Fatalf("gzip body: %d %s", r.status, r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if n := len(a.svc.recorded()); n != 0 {
		t.Fatalf("a compressed body reached the service %d times", n)
	}
	if r := a.do(t, request(t, http.MethodPost, "/credential", "{}", "Content-Encoding", "identity")); r.status != http.StatusOK {
		t.Fatalf("identity encoding: %d %s", r.status, r.body)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/no/such/route", ""},
		{"POST", "/credential/", ""}, // strict routing: no trailing slash
		{"GET", "/Token", ""},        // case-sensitive
		{"GET", "/admin/unknown", ""},
		{"GET", "/credential-offer/", ""},
	} {
		r := a.do(t, request(t, tc.method, tc.path, tc.body))
		if r.status != http.StatusNotFound || r.body != `{"error":"not_found"}` || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s %q", tc.method, tc.path, r.status, r.body, r.header.Get("Content-Type"))
		}
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/token"},
		{"DELETE", "/credential"},
		{"POST", "/.well-known/jwks.json"},
		{"PUT", "/admin/offers"},
		{"POST", "/healthz"},
	} {
		r := a.do(t, request(t, tc.method, tc.path, ""))
		if r.status != http.StatusMethodNotAllowed || r.body != `{"error":"method_not_allowed"}` {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
		}
	}
	if n := len(a.svc.recorded()); n != 0 {
		t.Fatalf("the service was called %d times", n)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t)
	if r := a.do(t, request(t, http.MethodGet, "/healthz", "")); r.status != http.StatusOK || r.body != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	if r := a.do(t, request(t, http.MethodGet, "/readyz", "")); r.status != http.StatusOK || r.body != `{"status":"ok"}` {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	a.ready.mu.Lock()
	hadDeadline, left := a.ready.hadDeadline, a.ready.left
	a.ready.mu.Unlock()
	if !hadDeadline || left <= 0 || left > httpapi.ReadyTimeout {
		t.Errorf("Ping deadline: set %v, %v left; want at most %v", hadDeadline, left, httpapi.ReadyTimeout)
	}

	const dbErr = "dial tcp 10.0.0.5:5432: connection refused"
	a.ready.mu.Lock()
	a.ready.err = errors.New(dbErr)
	a.ready.mu.Unlock()
	r := a.do(t, request(t, http.MethodGet, "/readyz", ""))
	if r.status != http.StatusServiceUnavailable || r.body != `{"status":"unavailable"}` {
		t.Fatalf("readyz with the database down: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, "10.0.0.5") {
		t.Fatal("readyz leaks the database error")
	}
	// The operator sees why.
	if !strings.Contains(a.logs.String(), dbErr) {
		t.Errorf("the ping error was not logged")
	}
}

func TestMetricsCountRequestsByRoutePatternIssuedCredentialsAndErrors(t *testing.T) {
	a := newApp(t)
	a.svc.setAnswer(func(endpoint string, r *issuer.Request) (*issuer.Response, error) {
		switch endpoint {
		case "Token":
			if string(r.Body) == "bad" {
				return nil, oid4vci.NewError(oid4vci.CodeInvalidGrant, "used")
			}
		case "Credential":
			return &issuer.Response{Status: 200, ContentType: "application/json", Body: []byte(`{}`),
				IssuedFormat: "dc+sd-jwt", IssuedCount: 2}, nil
		case "DeferredCredential":
			return &issuer.Response{Status: 200, ContentType: "application/json", Body: []byte(`{}`),
				IssuedFormat: "mso_mdoc", IssuedCount: 1}, nil
		}
		return &issuer.Response{Status: 200, ContentType: "application/json", Body: []byte(`{}`)}, nil
	})
	for _, req := range []*http.Request{
		request(t, "POST", "/token", "ok"),
		request(t, "POST", "/token", "ok"),
		request(t, "POST", "/token", "bad"),
		request(t, "GET", "/credential-offer/first-id", ""),
		request(t, "GET", "/credential-offer/second-id", ""),
		request(t, "POST", "/credential", "{}"),
		request(t, "POST", "/credential", "{}"),
		request(t, "POST", "/deferred_credential", "{}"),
		request(t, "GET", "/no/such/route", ""),
		request(t, "POST", "/admin/offers", "{}"),
	} {
		a.do(t, req)
	}
	m := a.metrics(t)
	// Every request lasts one 3 ms step of the test clock.
	want := `# HELP pramaan_http_requests_total HTTP requests by route pattern, method and status.
# TYPE pramaan_http_requests_total counter
pramaan_http_requests_total{route="/admin/offers",method="POST",status="401"} 1
pramaan_http_requests_total{route="/credential",method="POST",status="200"} 2
pramaan_http_requests_total{route="/credential-offer/:id",method="GET",status="200"} 2
pramaan_http_requests_total{route="/deferred_credential",method="POST",status="200"} 1
pramaan_http_requests_total{route="/token",method="POST",status="200"} 2
pramaan_http_requests_total{route="/token",method="POST",status="400"} 1
pramaan_http_requests_total{route="unmatched",method="GET",status="404"} 1
`
	if !strings.HasPrefix(m, want) {
		t.Errorf("request counters:\n%s\nwant prefix:\n%s", m, want)
	}
	tokenHistogram := `pramaan_http_request_duration_seconds_bucket{route="/token",le="0.001"} 0
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.0025"} 0
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.005"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.01"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.025"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.05"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.1"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.25"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="0.5"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="1"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="2.5"} 3
pramaan_http_request_duration_seconds_bucket{route="/token",le="+Inf"} 3
pramaan_http_request_duration_seconds_sum{route="/token"} 0.009
pramaan_http_request_duration_seconds_count{route="/token"} 3
`
	if !strings.Contains(m, "# TYPE pramaan_http_request_duration_seconds histogram\n") || !strings.Contains(m, tokenHistogram) {
		t.Errorf("token histogram missing:\n%s", m)
	}
	tail := `# HELP pramaan_credentials_issued_total Credentials issued by format.
# TYPE pramaan_credentials_issued_total counter
pramaan_credentials_issued_total{format="dc+sd-jwt"} 4
pramaan_credentials_issued_total{format="mso_mdoc"} 1
# HELP pramaan_errors_total Error responses by error code.
# TYPE pramaan_errors_total counter
pramaan_errors_total{code="invalid_grant"} 1
pramaan_errors_total{code="invalid_token"} 1
pramaan_errors_total{code="not_found"} 1
`
	if !strings.HasSuffix(m, tail) {
		t.Errorf("issued and error counters:\n%s\nwant suffix:\n%s", m, tail)
	}
	for _, leak := range []string{"first-id", "second-id", "/no/such/route"} {
		if strings.Contains(m, leak) {
			t.Errorf("metrics carry the raw path part %q", leak)
		}
	}
	// The /metrics request itself shows up in the next scrape.
	if m2 := a.metrics(t); !strings.Contains(m2, `pramaan_http_requests_total{route="/metrics",method="GET",status="200"} 1`+"\n") {
		t.Errorf("the scrape was not counted:\n%s", m2)
	}
}

func TestMetricsAreSafeForConcurrentRequests(t *testing.T) {
	a := newApp(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://pramaan.test/credential-offer/w%d-%d", w, i), http.NoBody)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := a.app.Test(req, -1)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	m := a.metrics(t)
	for _, want := range []string{
		fmt.Sprintf(`pramaan_http_requests_total{route="/credential-offer/:id",method="GET",status="200"} %d`, workers*each),
		fmt.Sprintf(`pramaan_http_request_duration_seconds_count{route="/credential-offer/:id"} %d`, workers*each),
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := len(a.svc.recorded()); n != workers*each {
		t.Errorf("service calls = %d, want %d", n, workers*each)
	}
}

func TestRequestIDs(t *testing.T) {
	a := newApp(t)
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	long64 := strings.Repeat("a", 64)
	for _, tc := range []struct {
		name, incoming string
		kept           bool
	}{
		{"well-formed", "wallet-req.1_A", true},
		{"64 characters", long64, true},
		{"65 characters", long64 + "a", false},
		{"spaces", "bad id", false},
		{"slash", "a/b", false},
		{"non-ASCII", "ïd", false},
		{"absent", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request(t, http.MethodGet, "/healthz", "")
			if tc.incoming != "" {
				req.Header.Set("X-Request-Id", tc.incoming)
			}
			got := a.do(t, req).header.Get("X-Request-Id")
			if tc.kept {
				if got != tc.incoming {
					t.Errorf("X-Request-Id = %q, want %q echoed", got, tc.incoming)
				}
				return
			}
			if !generated.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want 32 lower-case hex digits", got)
			}
		})
	}
	first := a.do(t, request(t, http.MethodGet, "/healthz", "")).header.Get("X-Request-Id")
	second := a.do(t, request(t, http.MethodGet, "/healthz", "")).header.Get("X-Request-Id")
	if first == second {
		t.Errorf("two generated ids are equal: %s", first)
	}
	if got := a.do(t, request(t, http.MethodGet, "/nope", "", "X-Request-Id", "nf-1")).header.Get("X-Request-Id"); got != "nf-1" {
		t.Errorf("404 X-Request-Id = %q", got)
	}
}

func TestLogsCarryOneLinePerRequestAndNoSecrets(t *testing.T) {
	a := newApp(t)
	a.svc.setAnswer(func(endpoint string, r *issuer.Request) (*issuer.Response, error) {
		if endpoint == "Credential" {
			return nil, errors.New("failed")
		}
		return &issuer.Response{Status: 200, ContentType: "application/json",
			Body: []byte(`{"access_token":"secret-issued-token","given_name":"secret-claim-Asha"}`)}, nil
	})
	a.do(t, request(t, http.MethodPost, "/token?code=secret-query", "pre-authorized_code=secret-code&tx_code=secret-tx",
		"X-Request-Id", "wallet-req.1", "Authorization", "Bearer secret-access-token", "DPoP", "secret-dpop-proof",
		"Cookie", "session=secret-cookie"))
	a.do(t, request(t, http.MethodPost, "/admin/offers", `{"claims":{"name":"secret-admin-claim"}}`,
		"X-Request-Id", "admin-1", "Authorization", "Bearer "+adminToken))
	a.do(t, request(t, http.MethodPost, "/credential", `{"proof":"secret-proof"}`,
		"X-Request-Id", "cred-1", "Authorization", "DPoP secret-access-token-2"))
	rawExchange(t, a.serve(t), head("/credential", 2000, "X-Request-Id: big-1", "Authorization: Bearer secret-big-token"))

	logs := a.logs.String()
	for _, secret := range []string{"secret-query", "secret-code", "secret-tx", "secret-access-token", "secret-dpop-proof",
		"secret-cookie", "secret-issued-token", "secret-claim", "secret-admin-claim", adminToken, "secret-proof", "secret-big-token"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs carry %s", secret)
		}
	}

	type line struct {
		Msg        string  `json:"msg"`
		RequestID  string  `json:"request_id"`
		Method     string  `json:"method"`
		Route      string  `json:"route"`
		Status     int     `json:"status"`
		DurationMS float64 `json:"duration_ms"`
	}
	var requests []line
	for _, raw := range strings.Split(strings.TrimSpace(logs), "\n") {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		if l.Msg == "request" {
			requests = append(requests, l)
		}
	}
	want := []line{
		{"request", "wallet-req.1", "POST", "/token", 200, 3},
		{"request", "admin-1", "POST", "/admin/offers", 200, 3},
		{"request", "cred-1", "POST", "/credential", 500, 3},
		{"request", "big-1", "POST", "unmatched", 413, 3},
	}
	if !slices.Equal(requests, want) {
		t.Errorf("request log lines = %+v\nwant %+v", requests, want)
	}
}
