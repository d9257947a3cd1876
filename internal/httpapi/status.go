package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/credstatus"
)

// Status is the credentials' lifecycle (*credstatus.Service implements it).
type Status interface {
	Token(ctx context.Context, listID string, cwt bool) (token []byte, etag string, ttl time.Duration, err error)
	Apply(ctx context.Context, credentialID string, c credstatus.Change, reason, actor string) (*credstatus.Entry, error)
	Credentials(ctx context.Context, subjectID string) ([]credstatus.Entry, error)
	// Withdraw deletes claims from the record and revokes the credentials
	// that carry them.
	Withdraw(ctx context.Context, subjectID string, names []string, reason string) (int, []string, error)
}

// statusRoutes serves the lists and the lifecycle actions.
func (s *server) statusRoutes(app *fiber.App, st Status) {
	h := &statusHandlers{st: st}
	app.Get("/status/:id", h.list)
	app.Post("/admin/credentials/:id/:action", s.requireAdmin, h.apply)
	app.Get("/admin/credentials", s.requireAdmin, h.credentials)
	app.Post("/admin/subjects/:id/withdraw", s.requireAdmin, h.withdraw)
}

// withdraw takes {"claims": ["name", …], "reason": "…"}.
func (h *statusHandlers) withdraw(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var body struct {
		Claims []string `json:"claims"`
		Reason string   `json:"reason"`
	}
	if err := decodeStrict(c, &body); err != nil {
		return portalError(c, err)
	}
	n, revoked, err := h.st.Withdraw(c.UserContext(), c.Params("id"), body.Claims, body.Reason)
	switch {
	case errors.Is(err, record.ErrUnknownSubject):
		return writeError(c, http.StatusNotFound, "not_found", "no such subject")
	case errors.Is(err, record.ErrInvalid):
		return writeError(c, http.StatusBadRequest, "invalid_request", "claims must be 1 to 256 claim names")
	case err != nil:
		return err
	}
	if revoked == nil {
		revoked = []string{}
	}
	return sendJSON(c, http.StatusOK, map[string]any{"withdrawn": n, "revoked": revoked})
}

type statusHandlers struct{ st Status }

// list serves a Status List Token (draft-ietf-oauth-status-list "Status
// List Request"): application/statuslist+jwt, or application/statuslist+cwt
// when the Accept header asks for it, an ETag and Cache-Control max-age of
// the token's ttl; If-None-Match answers 304.
func (h *statusHandlers) list(c *fiber.Ctx) error {
	cwt := strings.Contains(c.Get(fiber.HeaderAccept), "application/statuslist+cwt")
	tok, etag, ttl, err := h.st.Token(c.UserContext(), c.Params("id"), cwt)
	if errors.Is(err, credstatus.ErrNotFound) {
		return writeError(c, http.StatusNotFound, "not_found", "no such status list")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAccept)
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("public, max-age=%d", int(ttl/time.Second)))
	for _, m := range strings.Split(c.Get(fiber.HeaderIfNoneMatch), ",") {
		if m = strings.TrimSpace(m); m == etag || m == "*" {
			return c.SendStatus(http.StatusNotModified)
		}
	}
	if cwt {
		c.Set(fiber.HeaderContentType, "application/statuslist+cwt")
	} else {
		c.Set(fiber.HeaderContentType, "application/statuslist+jwt")
	}
	return c.Status(http.StatusOK).Send(tok)
}

type entryView struct {
	CredentialID    string `json:"credential_id"`
	Status          string `json:"status"`
	Reason          string `json:"reason,omitempty"`
	ListID          string `json:"list_id"`
	Index           int    `json:"idx"`
	SubjectID       string `json:"subject_id"`
	ConfigurationID string `json:"credential_configuration_id"`
	Format          string `json:"format"`
	IssuedAt        string `json:"issued_at"`
	UpdatedAt       string `json:"updated_at"`
}

func view(e credstatus.Entry) entryView {
	return entryView{e.CredentialID, e.Status.String(), e.Reason, e.ListID, e.Index, e.SubjectID, e.ConfigurationID, e.Format,
		e.IssuedAt.UTC().Format(time.RFC3339), e.UpdatedAt.UTC().Format(time.RFC3339)}
}

// apply revokes, suspends or reinstates: {"reason": "..."} optional.
func (h *statusHandlers) apply(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var body struct {
		Reason string `json:"reason"`
	}
	if len(c.Request().Body()) > 0 {
		if err := decodeStrict(c, &body); err != nil {
			return portalError(c, err)
		}
	}
	e, err := h.st.Apply(c.UserContext(), c.Params("id"), credstatus.Change(c.Params("action")), body.Reason, "admin")
	switch {
	case errors.Is(err, credstatus.ErrNotFound):
		return writeError(c, http.StatusNotFound, "not_found", "no such credential")
	case errors.Is(err, credstatus.ErrTransition):
		return writeError(c, http.StatusConflict, "invalid_transition", err.Error())
	case err != nil:
		return err
	}
	return sendJSON(c, http.StatusOK, view(*e))
}

// credentials lists a subject's credentials: ?subject_id=…
func (h *statusHandlers) credentials(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	sub := c.Query("subject_id")
	if sub == "" {
		return writeError(c, http.StatusBadRequest, "invalid_request", "subject_id is required")
	}
	es, err := h.st.Credentials(c.UserContext(), sub)
	if err != nil {
		return err
	}
	out := make([]entryView, 0, len(es))
	for _, e := range es {
		out = append(out, view(e))
	}
	return sendJSON(c, http.StatusOK, map[string]any{"credentials": out})
}
