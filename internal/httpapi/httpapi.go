package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// Handler is one issuer endpoint: it takes a request copied out of the
// HTTP framework and returns the answer or an error.
type Handler func(ctx context.Context, r *issuer.Request) (*issuer.Response, error)

// Service is what the HTTP layer serves: the issuer's endpoints
// (*issuer.Service implements it).
type Service interface {
	CredentialIssuerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	AuthorizationServerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	JWTVCIssuerMetadata(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	JWKS(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	CredentialOfferByReference(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	Token(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	Nonce(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	Credential(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	DeferredCredential(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	Notification(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	CreateOffer(ctx context.Context, r *issuer.Request) (*issuer.Response, error)     // admin
	ApproveDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error) // admin
}

// DeferredLister is optional: when the Service also implements it, New
// adds the admin route GET /admin/deferred.
type DeferredLister interface {
	ListDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
}

// AppFlow is optional: when the Service also implements it, New adds the
// app-mediated flow (POST /app/issuer-config, POST /app/credential-request)
// and its admin routes (app clients, wallet backends, callbacks).
type AppFlow interface {
	IssuerConfig(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	AppCredential(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	RegisterAppClient(ctx context.Context, r *issuer.Request) (*issuer.Response, error)     // admin
	AppClients(ctx context.Context, r *issuer.Request) (*issuer.Response, error)            // admin
	RegisterWalletBackend(ctx context.Context, r *issuer.Request) (*issuer.Response, error) // admin
	WalletBackends(ctx context.Context, r *issuer.Request) (*issuer.Response, error)        // admin
	Callbacks(ctx context.Context, r *issuer.Request) (*issuer.Response, error)             // admin
	RetryCallback(ctx context.Context, r *issuer.Request) (*issuer.Response, error)         // admin
}

// AdminAuth checks the admin API's bearer token (*keys.AdminToken
// implements it, in constant time).
type AdminAuth interface{ Check(token string) bool }

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Limits and defaults.
const (
	// DefaultMaxBodyBytes is the request body limit when
	// Config.MaxBodyBytes is zero.
	DefaultMaxBodyBytes = 256 << 10
	// ReadTimeout, WriteTimeout and IdleTimeout bound a connection's
	// request read, response write and keep-alive wait.
	ReadTimeout  = 15 * time.Second
	WriteTimeout = 15 * time.Second
	IdleTimeout  = 60 * time.Second
	// MaxHeaderBytes bounds the request line and headers together; a
	// larger head gets 431.
	MaxHeaderBytes = 16 << 10
	// ReadyTimeout is how long /readyz waits for the database.
	ReadyTimeout = 2 * time.Second

	maxRequestIDLength = 64
	// uploadOverhead is what a multipart upload adds to the package: the
	// boundaries, part headers and the small fields.
	uploadOverhead = 16 << 10
)

// Config configures New.
type Config struct {
	// PublicURL is the issuer's external URL (http or https, no query); a
	// request's URL is PublicURL joined with its path: the htu of DPoP
	// proofs.
	PublicURL string
	// Service answers the protocol and admin endpoints; required.
	Service Service
	// Admin checks the admin bearer token; required.
	Admin AdminAuth
	// Ready is pinged by /readyz; required.
	Ready Pinger
	// Logger gets one line per request; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Now is the clock of request durations; nil means time.Now.
	Now func() time.Time
	// Portal, when set, serves the citizen's page and the DigiLocker
	// routes (/, /auth/digilocker/*, /digilocker/*).
	Portal Portal
	// Sandbox, when set, is the DigiLocker simulator mounted at
	// SandboxPrefix.
	Sandbox http.Handler
	// Status, when set, serves /status/{id} and the admin lifecycle routes.
	Status Status
	// Face, when set with Portal, serves the enrollment app's
	// /enrollment/* routes and the admin face routes.
	Face FaceAdmin
	// ESignetSandbox, when set, is the eSignet simulator mounted at
	// ESignetSandboxPrefix.
	ESignetSandbox http.Handler
	// EKYC, when set, serves POST /ekyc/offline and POST /ekyc/qr;
	// EKYCSandbox is mounted at EKYCSandboxPrefix.
	EKYC        EKYC
	EKYCSandbox http.Handler
	// MaxUploadBytes bounds an e-KYC package (the zip field); the
	// /ekyc/offline body may be this plus 16 KiB while every other route
	// keeps MaxBodyBytes.
	MaxUploadBytes int
}

// server holds what the handlers share; nothing of it is global.
type server struct {
	publicURL string
	svc       Service
	admin     AdminAuth
	ready     Pinger
	log       *slog.Logger
	now       func() time.Time
	metrics   *metrics
}

// Locals keys. The values stored under them are Go strings owned by us,
// never slices of fasthttp buffers.
const (
	localRequestID = "pramaan.request_id"
	localErrorCode = "pramaan.error_code"
)

// New returns the Fiber app serving the issuer's part of DESIGN.md's HTTP
// surface, with its own metrics registry. Serve it with app.Listen or
// app.Listener and stop it with app.Shutdown.
func New(cfg Config) (*fiber.App, error) {
	switch {
	case cfg.Service == nil || cfg.Admin == nil || cfg.Ready == nil:
		return nil, errors.New("httpapi: Config.Service, Config.Admin and Config.Ready are required")
	case !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://"):
		return nil, fmt.Errorf("httpapi: public URL %q is not http(s)", cfg.PublicURL)
	case strings.ContainsAny(cfg.PublicURL, "?#"):
		return nil, fmt.Errorf("httpapi: public URL %q has a query or fragment", cfg.PublicURL)
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("httpapi: MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	bodyLimit := cfg.MaxBodyBytes
	if cfg.EKYC != nil {
		if cfg.MaxUploadBytes <= 0 {
			return nil, errors.New("httpapi: MaxUploadBytes is required with EKYC")
		}
		bodyLimit = max(bodyLimit, cfg.MaxUploadBytes+uploadOverhead)
	}
	s := &server{
		publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		svc:       cfg.Service,
		admin:     cfg.Admin,
		ready:     cfg.Ready,
		log:       cfg.Logger,
		now:       cfg.Now,
		metrics:   newMetrics(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	app := fiber.New(fiber.Config{
		BodyLimit:             bodyLimit,
		ReadTimeout:           ReadTimeout,
		WriteTimeout:          WriteTimeout,
		IdleTimeout:           IdleTimeout,
		ReadBufferSize:        MaxHeaderBytes,
		DisableStartupMessage: true,
		StrictRouting:         true,
		CaseSensitive:         true,
		ErrorHandler:          s.handleError,
		// fasthttp would otherwise parse every multipart body before any
		// handler, spilling large files to temporary files; the e-KYC
		// upload is parsed by its handler, in memory, part by part.
		DisablePreParseMultipartForm: true,
	})
	app.Use(s.observe)
	if bodyLimit > cfg.MaxBodyBytes {
		// Fiber's limit is one for the app: the upload route's is larger,
		// so every other route is held to MaxBodyBytes here.
		app.Use(func(c *fiber.Ctx) error {
			path := string(c.Request().URI().Path())
			if len(c.Request().Body()) > cfg.MaxBodyBytes && path != PathEKYCOffline && path != PathEnrollmentLinkEKYC {
				return fiber.ErrRequestEntityTooLarge
			}
			return c.Next()
		})
	}

	svc := cfg.Service
	app.Get("/.well-known/openid-credential-issuer", s.bind(svc.CredentialIssuerMetadata, false))
	app.Get("/.well-known/oauth-authorization-server", s.bind(svc.AuthorizationServerMetadata, false))
	app.Get("/.well-known/jwt-vc-issuer", s.bind(svc.JWTVCIssuerMetadata, false))
	app.Get("/.well-known/jwks.json", s.bind(svc.JWKS, false))
	app.Get("/credential-offer/:id", s.bind(svc.CredentialOfferByReference, false))
	app.Post("/token", s.bind(svc.Token, true))
	app.Post("/nonce", s.bind(svc.Nonce, true))
	app.Post("/credential", s.bind(svc.Credential, true))
	app.Post("/deferred_credential", s.bind(svc.DeferredCredential, true))
	app.Post("/notification", s.bind(svc.Notification, true))

	app.Post("/admin/offers", s.requireAdmin, s.bind(svc.CreateOffer, true))
	app.Post("/admin/deferred/:id/approve", s.requireAdmin, s.bind(svc.ApproveDeferred, true))
	if l, ok := svc.(DeferredLister); ok {
		app.Get("/admin/deferred", s.requireAdmin, s.bind(l.ListDeferred, true))
	}
	if a, ok := svc.(AppFlow); ok {
		app.Post("/app/issuer-config", s.bind(a.IssuerConfig, true))
		app.Post("/app/credential-request", s.bind(a.AppCredential, true))
		app.Post("/admin/app-clients", s.requireAdmin, s.bind(a.RegisterAppClient, true))
		app.Get("/admin/app-clients", s.requireAdmin, s.bind(a.AppClients, true))
		app.Post("/admin/wallet-backends", s.requireAdmin, s.bind(a.RegisterWalletBackend, true))
		app.Get("/admin/wallet-backends", s.requireAdmin, s.bind(a.WalletBackends, true))
		app.Get("/admin/callbacks", s.requireAdmin, s.bind(a.Callbacks, true))
		app.Post("/admin/callbacks/:id/retry", s.requireAdmin, s.bind(a.RetryCallback, true))
	}

	if cfg.Portal != nil {
		s.portalRoutes(app, cfg.Portal, cfg.Sandbox)
	}
	if cfg.Status != nil {
		s.statusRoutes(app, cfg.Status)
	}
	if cfg.Face != nil && cfg.Portal != nil {
		uploads := 0
		if cfg.EKYC != nil {
			uploads = cfg.MaxUploadBytes
		}
		s.faceRoutes(app, cfg.Portal, cfg.Face, uploads)
	}
	if cfg.ESignetSandbox != nil {
		app.Use(ESignetSandboxPrefix+"/", adaptor.HTTPHandler(detached(http.StripPrefix(ESignetSandboxPrefix, cfg.ESignetSandbox))))
	}
	if cfg.EKYC != nil {
		s.ekycRoutes(app, cfg.EKYC, cfg.EKYCSandbox, cfg.MaxUploadBytes, cfg.Portal)
	}
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return sendJSON(c, http.StatusOK, statusBody{"ok"})
	})
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
		return c.Status(http.StatusOK).SendString(s.metrics.text())
	})
	// No catch-all: an unknown path reaches the error handler as Fiber's
	// 404, and a known path with another method as its 405.
	return app, nil
}

// bind returns the fiber handler of h: it copies the request out of the
// fiber.Ctx (whose buffers fasthttp reuses once the handler returns),
// calls h, and writes its answer. noStore adds Cache-Control: no-store.
func (s *server) bind(h Handler, noStore bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if noStore {
			// Set before the call so that error answers carry it too.
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		// A compressed body would bypass the body limit once inflated,
		// and no endpoint here takes one.
		if ce := c.Get(fiber.HeaderContentEncoding); ce != "" && !strings.EqualFold(strings.TrimSpace(ce), "identity") {
			return oid4vci.NewError(oid4vci.CodeInvalidRequest, "content encoding not supported").WithStatus(http.StatusUnsupportedMediaType)
		}
		r := &issuer.Request{
			Method: strings.Clone(c.Method()),
			URL:    s.publicURL + string(c.Request().URI().Path()),
			Header: make(http.Header),
			// The raw body: c.Body() would inflate a Content-Encoding.
			Body:   append([]byte(nil), c.Request().Body()...),
			PathID: strings.Clone(c.Params("id")),
			Query:  string(c.Request().URI().QueryString()),
		}
		c.Request().Header.VisitAll(func(k, v []byte) {
			r.Header.Add(string(k), string(v))
		})
		resp, err := h(c.UserContext(), r)
		if err != nil {
			return err
		}
		if resp == nil {
			return errors.New("httpapi: the service returned neither a response nor an error")
		}
		return s.write(c, resp, noStore)
	}
}

// write copies an issuer.Response into the fiber response; noStore keeps
// Cache-Control: no-store whatever the service's headers say.
func (s *server) write(c *fiber.Ctx, resp *issuer.Response, noStore bool) error {
	setHeader(c, resp.Header)
	if noStore {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	if resp.IssuedCount > 0 {
		s.metrics.issued(resp.IssuedFormat, resp.IssuedCount)
	}
	c.Status(resp.Status)
	if resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified {
		return nil
	}
	if resp.ContentType != "" {
		c.Set(fiber.HeaderContentType, resp.ContentType)
	}
	// Send copies: the fiber response does not keep resp.Body.
	return c.Send(resp.Body)
}

// setHeader replaces each header named in h with h's values.
func setHeader(c *fiber.Ctx, h http.Header) {
	for k, vs := range h {
		c.Response().Header.Del(k)
		for _, v := range vs {
			c.Response().Header.Add(k, v)
		}
	}
}

// requireAdmin checks the admin bearer token (RFC 6750 Section 2.1).
func (s *server) requireAdmin(c *fiber.Ctx) error {
	scheme, token, _ := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" || !s.admin.Check(token) {
		c.Set(fiber.HeaderWWWAuthenticate, "Bearer")
		return writeError(c, http.StatusUnauthorized, string(oid4vci.CodeInvalidToken), "the admin API needs the admin bearer token")
	}
	return c.Next()
}

// readyz pings the database for at most ReadyTimeout. Its error goes to
// the log, never to the client.
func (s *server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), ReadyTimeout)
	defer cancel()
	if err := s.ready.Ping(ctx); err != nil {
		s.log.Warn("not ready", "request_id", requestID(c), "error", err.Error())
		c.Set(fiber.HeaderCacheControl, "no-store")
		return sendJSON(c, http.StatusServiceUnavailable, statusBody{"unavailable"})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, http.StatusOK, statusBody{"ok"})
}

// handleError is the app's one error handler: a protocol error gets its
// status, headers and body; Fiber's own errors get JSON; anything else
// gets 500 server_error with nothing of its text, which is logged.
//
// Fiber also calls it, without the observe middleware, for errors met
// while reading a request (body too large, headers too large, timeouts);
// it then does observe's bookkeeping itself.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	_, observed := c.Locals(localRequestID).(string)
	var start time.Time
	if !observed {
		start = s.now()
		s.assignRequestID(c)
	}
	werr := s.mapError(c, err)
	if !observed {
		s.record(c, start)
	}
	return werr
}

func (s *server) mapError(c *fiber.Ctx, err error) error {
	if status, header, body, code, ok := issuer.ErrorResponse(err); ok {
		setHeader(c, header)
		c.Locals(localErrorCode, string(code))
		return c.Status(status).Send(body)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case http.StatusNotFound:
			return writeError(c, http.StatusNotFound, "not_found", "")
		case http.StatusMethodNotAllowed:
			return writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "")
		case http.StatusRequestEntityTooLarge:
			return writeError(c, http.StatusRequestEntityTooLarge, string(oid4vci.CodeInvalidRequest), "request body too large")
		case http.StatusRequestHeaderFieldsTooLarge:
			return writeError(c, http.StatusRequestHeaderFieldsTooLarge, string(oid4vci.CodeInvalidRequest), "request headers too large")
		case http.StatusRequestTimeout:
			return writeError(c, http.StatusRequestTimeout, string(oid4vci.CodeInvalidRequest), "request timed out")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			// Fiber's message may quote the request: not sent, not logged.
			return writeError(c, fe.Code, string(oid4vci.CodeInvalidRequest), "malformed request")
		}
	}
	s.log.Error("request failed", "request_id", requestID(c), "route", routeOf(c), "error", err.Error())
	return writeError(c, http.StatusInternalServerError, "server_error", "")
}

// errorBody is {"error": code, "error_description": text}.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type statusBody struct {
	Status string `json:"status"`
}

// writeError answers with an error body and Cache-Control: no-store.
func writeError(c *fiber.Ctx, status int, code, desc string) error {
	c.Locals(localErrorCode, code)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, status, errorBody{Error: code, Description: desc})
}

func sendJSON(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, oid4vci.MediaTypeJSON)
	return c.Status(status).Send(b)
}

// observe gives every request an id, recovers panics, hands errors to the
// error handler, and records the request's log line and metrics. It logs
// no header, body, query string or token.
func (s *server) observe(c *fiber.Ctx) error {
	start := s.now()
	s.assignRequestID(c)
	if err := s.callNext(c); err != nil {
		if herr := s.mapError(c, err); herr != nil {
			c.Status(http.StatusInternalServerError)
		}
	}
	s.record(c, start)
	return nil
}

// callNext runs the rest of the chain, turning a panic into an error.
func (s *server) callNext(c *fiber.Ctx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "request_id", requestID(c), "route", routeOf(c),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			// Headers the handler set before panicking are dropped.
			c.Response().Reset()
			err = errors.New("httpapi: handler panicked")
		}
	}()
	return c.Next()
}

// assignRequestID keeps a well-formed incoming X-Request-Id, or makes one,
// and echoes it in the response.
func (s *server) assignRequestID(c *fiber.Ctx) {
	id := c.Get(fiber.HeaderXRequestID)
	if validRequestID(id) {
		id = strings.Clone(id)
	} else {
		id = newRequestID()
	}
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
}

// record writes the request's metrics and its one log line.
func (s *server) record(c *fiber.Ctx, start time.Time) {
	elapsed := s.now().Sub(start)
	status := c.Response().StatusCode()
	// Metric labels outlive the request: route patterns and method labels
	// are the app's own strings, never slices of the request buffer.
	route := routeOf(c)
	method := methodLabel(c.Method())
	code, _ := c.Locals(localErrorCode).(string)
	s.metrics.request(route, method, status, elapsed, code)
	s.log.Info("request", "request_id", requestID(c), "method", method, "route", route,
		"status", status, "duration_ms", float64(elapsed.Microseconds())/1000)
	// X-Request-Id survives c.Response().Reset() after a panic.
	c.Set(fiber.HeaderXRequestID, requestID(c))
}

// methodLabel returns a constant string for the method: nothing of the
// request buffer is kept, and the label set stays bounded.
func methodLabel(m string) string {
	for _, known := range [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace} {
		if m == known {
			return known
		}
	}
	return "other"
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// routeOf is the matched route pattern, never the raw path: no ids in
// labels or logs. Unmatched requests share one label.
func routeOf(c *fiber.Ctx) string {
	// Route() falls back to a made-up route carrying the raw path and no
	// handlers when nothing matched (Fiber's read-error path); the
	// observe middleware's own route is "/".
	if r := c.Route(); r != nil && len(r.Handlers) > 0 && r.Path != "/" {
		return r.Path
	}
	return "unmatched"
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
