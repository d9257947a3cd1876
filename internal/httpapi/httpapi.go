package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
)

// Service is what the HTTP layer serves: the issuer's endpoints, each
// taking a request copied out of the framework.
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
	CreateOffer(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	ListDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
	ApproveDeferred(ctx context.Context, r *issuer.Request) (*issuer.Response, error)
}

// AdminAuth checks the admin API's bearer token (keys.AdminToken).
type AdminAuth interface{ Check(token string) bool }

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Defaults of Config.
const (
	DefaultMaxBodyBytes = 256 << 10
	readyTimeout        = 2 * time.Second
	maxRequestIDLength  = 64
)

// Config configures New.
type Config struct {
	// PublicURL is the issuer's external URL; a request's URL is PublicURL
	// joined with its path (the htu of DPoP proofs).
	PublicURL string
	Service   Service
	Admin     AdminAuth
	Ready     Pinger
	Logger    *slog.Logger
	// MaxBodyBytes bounds request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Now is the clock of the request log; nil means time.Now.
	Now func() time.Time
}

type handler func(ctx context.Context, r *issuer.Request) (*issuer.Response, error)

// server holds what the handlers share; nothing of it is global.
type server struct {
	cfg     Config
	metrics *Metrics
	now     func() time.Time
}

// New returns the Fiber app serving every route of DESIGN.md's HTTP
// surface that the issuer has.
func New(cfg Config) (*fiber.App, error) {
	switch {
	case cfg.Service == nil || cfg.Admin == nil || cfg.Ready == nil:
		return nil, errors.New("httpapi: Service, Admin and Ready are required")
	case !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://"):
		return nil, fmt.Errorf("httpapi: public URL %q is not http(s)", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{cfg: cfg, metrics: NewMetrics(), now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	app := fiber.New(fiber.Config{
		BodyLimit:             cfg.MaxBodyBytes,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           60 * time.Second,
		ReadBufferSize:        16 << 10, // bounds the request line and headers
		DisableStartupMessage: true,
		StrictRouting:         true,
		CaseSensitive:         true,
		ErrorHandler:          s.fiberError,
	})
	app.Use(s.observe)
	svc := cfg.Service
	app.Get("/.well-known/openid-credential-issuer", s.bind(svc.CredentialIssuerMetadata))
	app.Get("/.well-known/oauth-authorization-server", s.bind(svc.AuthorizationServerMetadata))
	app.Get("/.well-known/jwt-vc-issuer", s.bind(svc.JWTVCIssuerMetadata))
	app.Get("/.well-known/jwks.json", s.bind(svc.JWKS))
	app.Get("/credential-offer/:id", s.bind(svc.CredentialOfferByReference))
	app.Post("/token", s.bind(svc.Token))
	app.Post("/nonce", s.bind(svc.Nonce))
	app.Post("/credential", s.bind(svc.Credential))
	app.Post("/deferred_credential", s.bind(svc.DeferredCredential))
	app.Post("/notification", s.bind(svc.Notification))
	admin := app.Group("/admin", s.requireAdmin)
	admin.Post("/offers", s.bind(svc.CreateOffer))
	admin.Get("/deferred", s.bind(svc.ListDeferred))
	admin.Post("/deferred/:id/approve", s.bind(svc.ApproveDeferred))
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.Status(http.StatusOK).JSON(fiber.Map{"status": "ok"})
	})
	app.Get("/readyz", s.ready)
	app.Get("/metrics", func(c *fiber.Ctx) error {
		c.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		return c.Status(http.StatusOK).SendString(s.metrics.Text())
	})
	app.Use(func(c *fiber.Ctx) error {
		return writeError(c, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return app, nil
}

// bind copies the request out of the fiber.Ctx (whose buffers fasthttp
// reuses once the handler returns), calls h, and writes its answer.
func (s *server) bind(h handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r := &issuer.Request{
			Method: strings.Clone(c.Method()),
			URL:    s.cfg.PublicURL + string(c.Request().URI().Path()),
			Header: http.Header{},
			Body:   append([]byte(nil), c.Body()...),
			PathID: strings.Clone(c.Params("id")),
		}
		c.Request().Header.VisitAll(func(k, v []byte) {
			r.Header.Add(string(k), string(v))
		})
		resp, err := h(c.UserContext(), r)
		if err != nil {
			return err
		}
		for k, vs := range resp.Header {
			for _, v := range vs {
				c.Response().Header.Add(k, v)
			}
		}
		if resp.IssuedCount > 0 {
			s.metrics.Issued(resp.IssuedFormat, resp.IssuedCount)
		}
		c.Status(resp.Status)
		if resp.Status == http.StatusNoContent {
			return nil
		}
		if resp.ContentType != "" {
			c.Set("Content-Type", resp.ContentType)
		}
		return c.Send(resp.Body)
	}
}

// requireAdmin checks the admin bearer token (RFC 6750 Section 2.1).
func (s *server) requireAdmin(c *fiber.Ctx) error {
	scheme, token, _ := strings.Cut(c.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" || !s.cfg.Admin.Check(strings.TrimSpace(token)) {
		c.Set("WWW-Authenticate", `Bearer realm="pramaan-admin"`)
		return writeError(c, http.StatusUnauthorized, string(oid4vci.CodeInvalidToken), "the admin API needs the admin bearer token")
	}
	return c.Next()
}

func (s *server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	if err := s.cfg.Ready.Ping(ctx); err != nil {
		s.cfg.Logger.Error("readyz", "request_id", c.Locals(requestIDKey), "error", err.Error())
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.Status(http.StatusOK).JSON(fiber.Map{"status": "ok"})
}

// fiberError is the one error handler: protocol errors with their code,
// status and headers; Fiber's own errors as JSON; anything else 500
// server_error with nothing of the cause.
func (s *server) fiberError(c *fiber.Ctx, err error) error {
	if status, header, body, code, ok := issuer.ErrorResponse(err); ok {
		for k, vs := range header {
			for _, v := range vs {
				c.Response().Header.Set(k, v)
			}
		}
		c.Locals(errorCodeKey, string(code))
		return c.Status(status).Send(body)
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case http.StatusRequestEntityTooLarge:
			return writeError(c, fe.Code, string(oid4vci.CodeInvalidRequest), "request body too large")
		case http.StatusMethodNotAllowed:
			return writeError(c, fe.Code, "method_not_allowed", "method not allowed on this endpoint")
		case http.StatusNotFound:
			return writeError(c, fe.Code, "not_found", "no such endpoint")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return writeError(c, fe.Code, string(oid4vci.CodeInvalidRequest), "malformed request")
		}
	}
	s.cfg.Logger.Error("request failed", "request_id", c.Locals(requestIDKey), "route", routeOf(c), "error", err.Error())
	return writeError(c, http.StatusInternalServerError, "server_error", "")
}

func writeError(c *fiber.Ctx, status int, code, desc string) error {
	c.Locals(errorCodeKey, code)
	c.Set("Cache-Control", "no-store")
	body := fiber.Map{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	return c.Status(status).JSON(body)
}

type ctxKey string

const (
	requestIDKey ctxKey = "request_id"
	errorCodeKey ctxKey = "error_code"
)

// observe gives every request an id, recovers panics, and records the
// request log line and metrics. It logs no header, body, query or token.
func (s *server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	// Strings from fiber.Ctx alias fasthttp's reused buffers: everything
	// kept past the request (log fields, metric labels) is cloned.
	id := strings.Clone(c.Get("X-Request-Id"))
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Locals(requestIDKey, id)
	c.Set("X-Request-Id", id)
	func() {
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("panic", "request_id", id, "route", routeOf(c), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				err = errors.New("httpapi: handler panicked")
			}
		}()
		err = c.Next()
	}()
	if err != nil {
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			c.Status(http.StatusInternalServerError)
		}
		err = nil
	}
	status := c.Response().StatusCode()
	route := strings.Clone(routeOf(c))
	method := strings.Clone(c.Method())
	elapsed := time.Since(start)
	code, _ := c.Locals(errorCodeKey).(string)
	s.metrics.Request(route, method, status, elapsed, code)
	s.cfg.Logger.Info("request", "request_id", id, "method", method, "route", route, "status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000)
	return nil
}

// routeOf is the route pattern, never the raw path: no ids in labels.
func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	return "unmatched"
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
