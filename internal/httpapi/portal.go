package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/portal"
)

// Portal is the citizen's side (*portal.Service implements it).
type Portal interface {
	StartFlow(ctx context.Context, flow digilocker.Flow, sessionID string) (*portal.Start, error)
	HandleCallback(ctx context.Context, cb portal.Callback) (*portal.SignedIn, error)
	MobileStart(codeChallenge, state string) (string, error)
	MobileExchange(ctx context.Context, code, verifier string) (*portal.SignedIn, error)
	SessionSubject(ctx context.Context, sessionID string) (string, error)
	SignOut(ctx context.Context, sessionID string) error
	Documents(ctx context.Context, subject string) ([]digilocker.Document, error)
	File(ctx context.Context, subject, uri string) (io.ReadCloser, string, error)
	Refresh(ctx context.Context, subject string) (int, error)
	Claims(ctx context.Context, subject string) ([]record.Claim, error)
	NewOffer(ctx context.Context, subject string) (*portal.Offer, error)
	PageFor(ctx context.Context, subject string, offer *portal.Offer) (*portal.Page, error)
	NewEnrollmentLink(ctx context.Context, subject string) (*portal.EnrollmentLink, error)
	NewEnrollmentLinkFromEKYC(ctx context.Context, subject string, req portal.EKYCRequest) (*portal.EnrollmentLink, error)
	Enroll(ctx context.Context, subject string, req face.EnrollRequest) (*face.Enrollment, error)
	EKYCPage(res *portal.EKYCResult) (*portal.Page, error)
	ESignetEnabled() bool
	StartESignet(ctx context.Context, sessionID string) (*portal.Start, error)
	HandleESignetCallback(ctx context.Context, cb portal.Callback, query url.Values) (*portal.SignedIn, error)
}

// Cookie names. The state cookie lives only on the DigiLocker paths.
const (
	cookieState   = "pramaan_dl_state"
	cookieSession = "pramaan_session"
	// SandboxPrefix is where the DigiLocker simulator is mounted.
	SandboxPrefix = "/sandbox/digilocker"
	// ESignetSandboxPrefix is where the eSignet simulator is mounted.
	ESignetSandboxPrefix = "/sandbox/esignet"
)

// portalRoutes adds the citizen's routes.
func (s *server) portalRoutes(app *fiber.App, p Portal, sandbox http.Handler) {
	h := &portalHandlers{s: s, p: p, secure: strings.HasPrefix(s.publicURL, "https://")}
	app.Get("/", h.page)
	app.Post("/wallet-offer", h.offer)
	app.Post("/sign-out", h.signOut)
	app.Get(portal.PathLoginStart, h.start(digilocker.FlowLogin))
	app.Get(portal.PathDocumentsStart, h.start(digilocker.FlowDocuments))
	app.Get(portal.PathCallback, h.callback)
	app.Get("/auth/digilocker/mobile/start", h.mobileStart)
	app.Post("/auth/digilocker/mobile/exchange", h.mobileExchange)
	app.Get("/digilocker/documents", h.documents)
	app.Get("/digilocker/file", h.file)
	app.Post("/digilocker/refresh", h.refresh)
	app.Get("/digilocker/claims", h.claims)
	if p.ESignetEnabled() {
		app.Get(portal.PathESignetStart, h.esignetStart)
		app.Get(portal.PathESignetCallback, h.esignetCallback)
	}
	if sandbox != nil {
		// The simulator serves /public/oauth2/…; it is mounted under its
		// prefix with the prefix stripped.
		app.Use(SandboxPrefix+"/", adaptor.HTTPHandler(detached(http.StripPrefix(SandboxPrefix, sandbox))))
	}
}

type portalHandlers struct {
	s      *server
	p      Portal
	secure bool
}

// sessionID reads the session from the cookie, or from a Bearer header
// (the enrollment app's session token).
func sessionID(c *fiber.Ctx) string {
	if t, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return c.Cookies(cookieSession)
}

func (h *portalHandlers) cookie(name, value, path string, maxAge time.Duration) *fiber.Cookie {
	ck := &fiber.Cookie{Name: name, Value: value, Path: path, HTTPOnly: true, Secure: h.secure,
		// Lax, not Strict: DigiLocker's redirect back is a top-level
		// cross-site navigation, which Strict would strip the cookie from.
		SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	} else {
		ck.MaxAge = -1
		ck.Expires = time.Unix(0, 0)
	}
	return ck
}

// portalError answers a *portal.Error as JSON with its restart URL.
func portalError(c *fiber.Ctx, err error) error {
	var pe *portal.Error
	if !errors.As(err, &pe) {
		return err
	}
	c.Locals(localErrorCode, pe.Code)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, pe.Status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		RestartURL  string `json:"restart_url,omitempty"`
	}{pe.Code, pe.Description, pe.RestartURL})
}

// render answers with the page: HTML, never cached.
func (h *portalHandlers) render(c *fiber.Ctx, status int, page *portal.Page) error {
	b, err := page.Render()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Frame-Options", "DENY")
	return c.Status(status).Send(b)
}

// renderProblem shows a portal error on the page (browser routes).
func (h *portalHandlers) renderProblem(c *fiber.Ctx, subject string, err error) error {
	var pe *portal.Error
	if !errors.As(err, &pe) {
		return err
	}
	c.Locals(localErrorCode, pe.Code)
	page, perr := h.p.PageFor(c.UserContext(), subject, nil)
	if perr != nil {
		return perr
	}
	page.Problem = pe
	return h.render(c, pe.Status, page)
}

// subject is the session's subject, or "" when not signed in.
func (h *portalHandlers) subject(c *fiber.Ctx) string {
	sub, err := h.p.SessionSubject(c.UserContext(), sessionID(c))
	if err != nil {
		return ""
	}
	return sub
}

func (h *portalHandlers) page(c *fiber.Ctx) error {
	page, err := h.p.PageFor(c.UserContext(), h.subject(c), nil)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, page)
}

func (h *portalHandlers) start(flow digilocker.Flow) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st, err := h.p.StartFlow(c.UserContext(), flow, c.Cookies(cookieSession))
		if err != nil {
			return err
		}
		c.Cookie(h.cookie(cookieState, st.State, "/auth/digilocker", 10*time.Minute))
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Redirect(st.URL, http.StatusFound)
	}
}

func (h *portalHandlers) callback(c *fiber.Ctx) error {
	cb := portal.Callback{
		State: c.Query("state"), Code: c.Query("code"), Error: c.Query("error"), ErrorDescription: c.Query("error_description"),
		CookieState: c.Cookies(cookieState), SessionID: c.Cookies(cookieSession),
	}
	// The state cookie is spent whatever the outcome.
	c.Cookie(h.cookie(cookieState, "", "/auth/digilocker", 0))
	res, err := h.p.HandleCallback(c.UserContext(), cb)
	if err != nil {
		return h.renderProblem(c, h.subject(c), err)
	}
	if res.SessionID != "" {
		c.Cookie(h.cookie(cookieSession, res.SessionID, "/", time.Until(res.SessionExpiresAt)))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect("/", http.StatusSeeOther)
}

// esignetStart pushes the authorization request and sends the browser to
// eSignet, the state in a cookie on the eSignet paths.
func (h *portalHandlers) esignetStart(c *fiber.Ctx) error {
	st, err := h.p.StartESignet(c.UserContext(), c.Cookies(cookieSession))
	if err != nil {
		return h.renderProblem(c, h.subject(c), err)
	}
	c.Cookie(h.cookie(cookieState, st.State, "/auth/esignet", 10*time.Minute))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(st.URL, http.StatusFound)
}

func (h *portalHandlers) esignetCallback(c *fiber.Ctx) error {
	query, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return h.renderProblem(c, h.subject(c), &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: "the callback's query is malformed"})
	}
	cb := portal.Callback{State: query.Get("state"), CookieState: c.Cookies(cookieState), SessionID: c.Cookies(cookieSession)}
	// The state cookie is spent whatever the outcome.
	c.Cookie(h.cookie(cookieState, "", "/auth/esignet", 0))
	res, err := h.p.HandleESignetCallback(c.UserContext(), cb, query)
	if err != nil {
		return h.renderProblem(c, h.subject(c), err)
	}
	c.Cookie(h.cookie(cookieSession, res.SessionID, "/", time.Until(res.SessionExpiresAt)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect("/", http.StatusSeeOther)
}

func (h *portalHandlers) mobileStart(c *fiber.Ctx) error {
	u, err := h.p.MobileStart(c.Query("code_challenge"), c.Query("state"))
	if err != nil {
		return portalError(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(u, http.StatusFound)
}

func (h *portalHandlers) mobileExchange(c *fiber.Ctx) error {
	var body struct {
		Code         string `json:"code"`
		CodeVerifier string `json:"code_verifier"`
	}
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return portalError(c, &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: "the body must be {code, code_verifier}"})
	}
	res, err := h.p.MobileExchange(c.UserContext(), body.Code, body.CodeVerifier)
	if err != nil {
		return portalError(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, http.StatusOK, map[string]any{
		"session_token": res.SessionID, "token_type": "Bearer", "subject_id": res.SubjectID,
		"expires_at": res.SessionExpiresAt.UTC().Format(time.RFC3339), "claims_recorded": res.Recorded,
	})
}

// signedIn returns the caller's subject or answers 401.
func (h *portalHandlers) signedIn(c *fiber.Ctx) (string, error) {
	return h.p.SessionSubject(c.UserContext(), sessionID(c))
}

func (h *portalHandlers) documents(c *fiber.Ctx) error {
	sub, err := h.signedIn(c)
	if err != nil {
		return portalError(c, err)
	}
	docs, err := h.p.Documents(c.UserContext(), sub)
	if err != nil {
		return portalError(c, err)
	}
	type item struct {
		Name     string   `json:"name"`
		DocType  string   `json:"doctype"`
		URI      string   `json:"uri"`
		Issuer   string   `json:"issuer"`
		IssuerID string   `json:"issuerid"`
		Date     string   `json:"date"`
		MIME     []string `json:"mime"`
	}
	items := make([]item, 0, len(docs))
	for _, d := range docs {
		items = append(items, item{d.Name, d.DocType, d.URI, d.Issuer, d.IssuerID, d.Date, d.MIME})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, http.StatusOK, map[string]any{"items": items})
}

func (h *portalHandlers) file(c *fiber.Ctx) error {
	sub, err := h.signedIn(c)
	if err != nil {
		return portalError(c, err)
	}
	uri := c.Query("uri")
	if uri == "" || len(uri) > 512 {
		return portalError(c, &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: "uri is required (at most 512 characters)"})
	}
	body, ct, err := h.p.File(c.UserContext(), sub, uri)
	if err != nil {
		return portalError(c, err)
	}
	switch ct {
	case "application/pdf", "image/jpeg", "image/jpg", "image/png":
	default:
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, "attachment")
	// Streamed: fasthttp reads body until EOF and closes it.
	return c.SendStream(body)
}

func (h *portalHandlers) refresh(c *fiber.Ctx) error {
	sub, err := h.signedIn(c)
	if err != nil {
		return portalError(c, err)
	}
	n, err := h.p.Refresh(c.UserContext(), sub)
	if err != nil {
		return portalError(c, err)
	}
	return sendJSON(c, http.StatusOK, map[string]int{"claims_recorded": n})
}

func (h *portalHandlers) claims(c *fiber.Ctx) error {
	sub, err := h.signedIn(c)
	if err != nil {
		return portalError(c, err)
	}
	claims, err := h.p.Claims(c.UserContext(), sub)
	if err != nil {
		return err
	}
	type view struct {
		Name         string `json:"name"`
		Value        any    `json:"value"`
		Source       string `json:"source"`
		EvidenceHash string `json:"evidence_hash,omitempty"`
		Verified     bool   `json:"verified"`
		VerifiedAt   string `json:"verified_at,omitempty"`
	}
	out := make([]view, 0, len(claims))
	for _, cl := range claims {
		v := view{Name: cl.Name, Value: cl.Value, Source: cl.Source, EvidenceHash: cl.EvidenceHash, Verified: cl.Verified}
		if !cl.VerifiedAt.IsZero() {
			v.VerifiedAt = cl.VerifiedAt.UTC().Format(time.RFC3339)
		}
		out = append(out, v)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, http.StatusOK, map[string]any{"subject_id": sub, "claims": out})
}

func (h *portalHandlers) offer(c *fiber.Ctx) error {
	sub, err := h.signedIn(c)
	if err != nil {
		if strings.Contains(c.Get(fiber.HeaderAccept), "application/json") {
			return portalError(c, err)
		}
		return h.renderProblem(c, "", err)
	}
	off, err := h.p.NewOffer(c.UserContext(), sub)
	if err != nil {
		if strings.Contains(c.Get(fiber.HeaderAccept), "application/json") {
			return portalError(c, err)
		}
		return h.renderProblem(c, sub, err)
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), "application/json") {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return sendJSON(c, http.StatusCreated, off)
	}
	page, err := h.p.PageFor(c.UserContext(), sub, off)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, page)
}

func (h *portalHandlers) signOut(c *fiber.Ctx) error {
	if err := h.p.SignOut(c.UserContext(), c.Cookies(cookieSession)); err != nil {
		return err
	}
	c.Cookie(h.cookie(cookieSession, "", "/", 0))
	return c.Redirect("/", http.StatusSeeOther)
}

// detached copies the strings of a request the adaptor made from
// fasthttp's buffers, which fasthttp reuses for the next request: a
// handler that keeps a query value (the simulator keeps code_challenge
// until the code is redeemed) would otherwise see it overwritten.
func detached(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		u := *r.URL
		u.Path, u.RawPath, u.RawQuery = strings.Clone(u.Path), strings.Clone(u.RawPath), strings.Clone(u.RawQuery)
		r2.URL = &u
		r2.Host, r2.RequestURI, r2.RemoteAddr = strings.Clone(r.Host), strings.Clone(r.RequestURI), strings.Clone(r.RemoteAddr)
		hdr := make(http.Header, len(r.Header))
		for k, vs := range r.Header {
			cp := make([]string, len(vs))
			for i, v := range vs {
				cp[i] = strings.Clone(v)
			}
			hdr[strings.Clone(k)] = cp
		}
		r2.Header = hdr
		h.ServeHTTP(w, r2)
	})
}
