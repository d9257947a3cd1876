package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// fakeService records the requests it gets and answers with what the
// test sets; it is the issuer seen from the HTTP layer.
type fakeService struct {
	mu     sync.Mutex
	got    []*issuer.Request
	answer func(r *issuer.Request) (*issuer.Response, error)
}

func (f *fakeService) handle(_ context.Context, r *issuer.Request) (*issuer.Response, error) {
	f.mu.Lock()
	f.got = append(f.got, r)
	f.mu.Unlock()
	if f.answer != nil {
		return f.answer(r)
	}
	return &issuer.Response{Status: 200, ContentType: "application/json", Body: []byte(`{"ok":true}`)}, nil
}

func (f *fakeService) last() *issuer.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		return nil
	}
	return f.got[len(f.got)-1]
}

func (f *fakeService) CredentialIssuerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) AuthorizationServerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) JWTVCIssuerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) JWKS(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) CredentialOfferByReference(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) Token(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) Nonce(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) Credential(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) DeferredCredential(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) Notification(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) CreateOffer(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) ListDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}
func (f *fakeService) ApproveDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error) {
	return f.handle(ctx, r)
}

type token string

func (t token) Check(s string) bool { return s == string(t) }

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

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

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type testApp struct {
	svc  *fakeService
	logs *syncBuffer
	do   func(req *http.Request) (*http.Response, string)
}

func newApp(t *testing.T, ready error) *testApp {
	t.Helper()
	svc := &fakeService{}
	logs := &syncBuffer{}
	app, err := httpapi.New(httpapi.Config{
		PublicURL: "https://issuer.example/tenant", Service: svc, Admin: token("admin-secret-token"), Ready: pinger{ready},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), MaxBodyBytes: 1024,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{svc: svc, logs: logs, do: func(req *http.Request) (*http.Response, string) {
		t.Helper()
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}}
}

func TestBindingCopiesTheRequestIntoTheIssuerRequest(t *testing.T) {
	a := newApp(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/credential?ignored=1", strings.NewReader(`{"credential_identifier":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "DPoP abc")
	req.Header.Set("DPoP", "proof")
	resp, body := a.do(req)
	if resp.StatusCode != 200 || body != `{"ok":true}` {
		t.Fatalf("response %d %s", resp.StatusCode, body)
	}
	got := a.svc.last()
	if got.Method != "POST" || got.URL != "https://issuer.example/tenant/credential" || string(got.Body) != `{"credential_identifier":"x"}` {
		t.Fatalf("bound request = %+v", got)
	}
	if got.Header.Get("Authorization") != "DPoP abc" || got.Header.Get("DPoP") != "proof" || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers = %v", got.Header)
	}
	a.do(httptest.NewRequest(http.MethodGet, "/credential-offer/abc123", nil))
	if id := a.svc.last().PathID; id != "abc123" {
		t.Fatalf("PathID = %q", id)
	}
}

func TestAdminRoutesNeedTheAdminToken(t *testing.T) {
	a := newApp(t, nil)
	for name, auth := range map[string]string{"missing": "", "wrong": "Bearer nope", "wrong scheme": "Basic admin-secret-token"} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/admin/offers", strings.NewReader(`{}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, body := a.do(req)
			if resp.StatusCode != 401 || !strings.Contains(body, `"error":"invalid_token"`) || resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatalf("response %d %s %v", resp.StatusCode, body, resp.Header)
			}
		})
	}
	if n := len(a.svc.got); n != 0 {
		t.Fatalf("the service was called %d times without the admin token", n)
	}
	req := httptest.NewRequest(http.MethodPost, "/admin/offers", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer admin-secret-token")
	if resp, _ := a.do(req); resp.StatusCode != 200 {
		t.Fatalf("with the token: %d", resp.StatusCode)
	}
}

func TestErrorsAreMappedToTheirStatusBodyAndHeaders(t *testing.T) {
	a := newApp(t, nil)
	a.svc.answer = func(r *issuer.Request) (*issuer.Response, error) {
		switch r.URL {
		case "https://issuer.example/tenant/token":
			return nil, oid4vci.NewError(oid4vci.CodeInvalidGrant, "code used")
		case "https://issuer.example/tenant/credential":
			return nil, &issuer.HeaderError{Err: oid4vci.NewError(oid4vci.CodeUseDPoPNonce, "nonce").WithStatus(401),
				Header: http.Header{"Dpop-Nonce": {"n-1"}, "Www-Authenticate": {`DPoP error="use_dpop_nonce"`}}}
		case "https://issuer.example/tenant/nonce":
			return nil, errors.New("database password is hunter2")
		}
		panic("the handler panicked on purpose")
	}
	resp, body := a.do(httptest.NewRequest(http.MethodPost, "/token", nil))
	if resp.StatusCode != 400 || body != `{"error":"invalid_grant","error_description":"code used"}` || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("protocol error: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = a.do(httptest.NewRequest(http.MethodPost, "/credential", nil))
	if resp.StatusCode != 401 || resp.Header.Get("DPoP-Nonce") != "n-1" || !strings.Contains(body, "use_dpop_nonce") {
		t.Fatalf("header error: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = a.do(httptest.NewRequest(http.MethodPost, "/nonce", nil))
	if resp.StatusCode != 500 || body != `{"error":"server_error"}` {
		t.Fatalf("internal error: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(a.logs.String(), "hunter2") {
		t.Fatal("the internal error was not logged for the operator")
	}
	resp, body = a.do(httptest.NewRequest(http.MethodPost, "/notification", nil))
	if resp.StatusCode != 500 || body != `{"error":"server_error"}` {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	a.svc.answer = nil
	if resp, _ := a.do(httptest.NewRequest(http.MethodPost, "/notification", nil)); resp.StatusCode != 200 {
		t.Fatalf("after a panic the app answers %d", resp.StatusCode)
	}
	metrics := a.metrics(t)
	for _, want := range []string{`pramaan_errors_total{code="invalid_grant"} 1`, `pramaan_errors_total{code="use_dpop_nonce"} 1`, `pramaan_errors_total{code="server_error"} 2`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
}

func (a *testApp) metrics(t *testing.T) string {
	t.Helper()
	resp, body := a.do(httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return body
}

func TestOversizedBodyIsRefusedOverARealConnection(t *testing.T) {
	svc := &fakeService{}
	app, err := httpapi.New(httpapi.Config{PublicURL: "http://127.0.0.1", Service: svc, Admin: token("x"), Ready: pinger{}, MaxBodyBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	resp, err := http.Post("http://"+ln.Addr().String()+"/credential", "application/json", strings.NewReader(strings.Repeat("x", 4096)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), `"error":"invalid_request"`) {
		t.Fatalf("oversized body: %d %s", resp.StatusCode, body)
	}
	if len(svc.got) != 0 {
		t.Fatal("an oversized body reached the service")
	}
}

func TestUnknownRoutes(t *testing.T) {
	a := newApp(t, nil)
	resp, body := a.do(httptest.NewRequest(http.MethodGet, "/no/such/route", nil))
	if resp.StatusCode != 404 || body != `{"error":"not_found","error_description":"no such endpoint"}` {
		t.Fatalf("unknown route: %d %s", resp.StatusCode, body)
	}
	// A known path with the wrong method is not found either: the routes
	// are registered per method, and nothing answers GET /token.
	resp, body = a.do(httptest.NewRequest(http.MethodGet, "/token", nil))
	if resp.StatusCode != 404 || !strings.Contains(body, "not_found") || len(a.svc.got) != 0 {
		t.Fatalf("GET /token: %d %s", resp.StatusCode, body)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t, nil)
	if resp, body := a.do(httptest.NewRequest(http.MethodGet, "/healthz", nil)); resp.StatusCode != 200 || body != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, body := a.do(httptest.NewRequest(http.MethodGet, "/readyz", nil)); resp.StatusCode != 200 || body != `{"status":"ok"}` {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	down := newApp(t, errors.New("dial tcp 10.0.0.5:5432: connection refused"))
	resp, body := down.do(httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if resp.StatusCode != 503 || body != `{"status":"unavailable"}` {
		t.Fatalf("readyz with the database down: %d %s", resp.StatusCode, body)
	}
}

func TestRequestIDsAndLogsWithoutSecrets(t *testing.T) {
	a := newApp(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/token?code=secret-query", strings.NewReader("pre-authorized_code=secret-code"))
	req.Header.Set("X-Request-Id", "wallet-req.1")
	req.Header.Set("Authorization", "Bearer secret-access-token")
	resp, _ := a.do(req)
	if resp.Header.Get("X-Request-Id") != "wallet-req.1" {
		t.Fatalf("request id = %q", resp.Header.Get("X-Request-Id"))
	}
	bad := httptest.NewRequest(http.MethodPost, "/token", nil)
	bad.Header.Set("X-Request-Id", "bad id with spaces")
	resp, _ = a.do(bad)
	if id := resp.Header.Get("X-Request-Id"); id == "bad id with spaces" || len(id) != 32 {
		t.Fatalf("a malformed incoming id was kept or no new one made: %q", id)
	}
	logs := a.logs.String()
	for _, secret := range []string{"secret-query", "secret-code", "secret-access-token"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs carry %s:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"request_id":"wallet-req.1"`) || !strings.Contains(logs, `"route":"/token"`) {
		t.Fatalf("log line lacks request id or route:\n%s", logs)
	}
}
