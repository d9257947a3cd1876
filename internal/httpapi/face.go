package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/internal/portal"
)

// FaceAdmin is the operators' and relying services' side of face
// enrollment (*face.Service implements it).
type FaceAdmin interface {
	Match(ctx context.Context, subjectID, model, embeddingB64 string) (bool, float64, error)
	Duplicates(ctx context.Context) ([]face.Duplicate, error)
	Erase(ctx context.Context, subjectID string) (int, error)
}

// faceRoutes adds the enrollment app's routes (a citizen's session) and
// the admin routes.
func (s *server) faceRoutes(app *fiber.App, p Portal, admin FaceAdmin, maxZip int) {
	h := &faceHandlers{p: p, admin: admin, maxZip: maxZip}
	app.Post("/enrollment/link", h.link)
	if maxZip > 0 {
		app.Post(PathEnrollmentLinkEKYC, h.linkEKYC)
	}
	app.Post("/enrollment/face-template", h.enroll)
	app.Post("/face/match", s.requireAdmin, h.match)
	app.Get("/admin/face/duplicates", s.requireAdmin, h.duplicates)
	app.Delete("/admin/face/templates/:subject", s.requireAdmin, h.erase)
}

type faceHandlers struct {
	p      Portal
	admin  FaceAdmin
	maxZip int
}

// PathEnrollmentLinkEKYC takes an offline e-KYC package for a link.
const PathEnrollmentLinkEKYC = "/enrollment/link/ekyc"

// decodeStrict decodes one JSON object with no unknown member.
func decodeStrict(c *fiber.Ctx, v any) error {
	dec := json.NewDecoder(bytes.NewReader(bytes.Clone(c.Request().Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: "the body is not the expected JSON object"}
	}
	return nil
}

// link makes an e-KYC link from the signed-in citizen's e-Aadhaar and
// answers the photo once.
func (h *faceHandlers) link(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	sub, err := h.p.SessionSubject(c.UserContext(), sessionID(c))
	if err != nil {
		return portalError(c, err)
	}
	var body struct {
		Source string `json:"source"`
	}
	if len(c.Request().Body()) > 0 {
		if err := decodeStrict(c, &body); err != nil {
			return portalError(c, err)
		}
	}
	if body.Source != "" && body.Source != "digilocker" {
		return portalError(c, &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: `source must be "digilocker"`})
	}
	l, err := h.p.NewEnrollmentLink(c.UserContext(), sub)
	if err != nil {
		return portalError(c, err)
	}
	return linkAnswer(c, l)
}

// linkEKYC makes an e-KYC link from an offline e-KYC package (multipart,
// as POST /ekyc/offline) of the signed-in citizen.
func (h *faceHandlers) linkEKYC(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	sub, err := h.p.SessionSubject(c.UserContext(), sessionID(c))
	if err != nil {
		return portalError(c, err)
	}
	req, err := parseEKYCUpload(c, h.maxZip)
	if err != nil {
		return portalError(c, err)
	}
	l, err := h.p.NewEnrollmentLinkFromEKYC(c.UserContext(), sub, req)
	if err != nil {
		return portalError(c, err)
	}
	return linkAnswer(c, l)
}

func linkAnswer(c *fiber.Ctx, l *portal.EnrollmentLink) error {
	return sendJSON(c, http.StatusCreated, map[string]any{
		"link_id": l.Link.ID, "source": l.Link.Source, "name_match": l.Link.NameMatch, "dob_match": l.Link.DOBMatch,
		"birth_year": l.Link.BirthYear, "expires_at": l.ExpiresAt.UTC().Format(time.RFC3339), "photo_b64": base64.StdEncoding.EncodeToString(l.Photo),
	})
}

func (h *faceHandlers) enroll(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	sub, err := h.p.SessionSubject(c.UserContext(), sessionID(c))
	if err != nil {
		return portalError(c, err)
	}
	var req face.EnrollRequest
	if err := decodeStrict(c, &req); err != nil {
		return portalError(c, err)
	}
	en, err := h.p.Enroll(c.UserContext(), sub, req)
	if err != nil {
		return portalError(c, err)
	}
	return sendJSON(c, http.StatusCreated, en)
}

func (h *faceHandlers) match(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var req struct {
		SubjectID string `json:"subject_id"`
		Model     string `json:"model"`
		Embedding string `json:"embedding"`
	}
	if err := decodeStrict(c, &req); err != nil {
		return portalError(c, err)
	}
	ok, score, err := h.admin.Match(c.UserContext(), req.SubjectID, req.Model, req.Embedding)
	if err != nil {
		return portalError(c, portal.FaceError(err))
	}
	return sendJSON(c, http.StatusOK, map[string]any{"match": ok, "score": score})
}

func (h *faceHandlers) duplicates(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ds, err := h.admin.Duplicates(c.UserContext())
	if err != nil {
		return err
	}
	type view struct {
		TemplateID      string  `json:"template_id"`
		SubjectID       string  `json:"subject_id"`
		OtherTemplateID string  `json:"other_template_id"`
		OtherSubjectID  string  `json:"other_subject_id"`
		Model           string  `json:"model"`
		Score           float64 `json:"score"`
		FlaggedAt       string  `json:"flagged_at"`
	}
	out := make([]view, 0, len(ds))
	for _, d := range ds {
		out = append(out, view{d.TemplateID, d.SubjectID, d.OtherTemplateID, d.OtherSubjectID, d.Model, d.Score, d.FlaggedAt.UTC().Format(time.RFC3339)})
	}
	return sendJSON(c, http.StatusOK, map[string]any{"duplicates": out})
}

func (h *faceHandlers) erase(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	n, err := h.admin.Erase(c.UserContext(), c.Params("subject"))
	if err != nil {
		return err
	}
	return sendJSON(c, http.StatusOK, map[string]any{"erased": n})
}
