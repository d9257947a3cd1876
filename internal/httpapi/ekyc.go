package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/pramaan/pramaan/internal/portal"
)

// EKYC verifies offline e-KYC packages and Secure QRs (*portal.EKYC
// implements it).
type EKYC interface {
	Offline(ctx context.Context, req portal.EKYCRequest) (*portal.EKYCResult, error)
	QR(ctx context.Context, req portal.EKYCRequest) (*portal.EKYCResult, error)
}

// Paths of the e-KYC routes.
const (
	PathEKYCOffline = "/ekyc/offline"
	PathEKYCQR      = "/ekyc/qr"
	// EKYCSandboxPrefix is where the e-KYC sandbox is mounted.
	EKYCSandboxPrefix = "/sandbox/ekyc"
	// maxFormField bounds share_code, mobile and email.
	maxFormField = 256
	// maxMultipartParts bounds the parts of an upload.
	maxMultipartParts = 8
)

// ekycRoutes adds POST /ekyc/offline and POST /ekyc/qr, and the sandbox.
func (s *server) ekycRoutes(app *fiber.App, e EKYC, sandbox http.Handler, maxZip int, p Portal) {
	h := &ekycHandlers{e: e, maxZip: maxZip}
	if p != nil {
		h.page = &portalHandlers{s: s, p: p, secure: strings.HasPrefix(s.publicURL, "https://")}
	}
	app.Post(PathEKYCOffline, h.offline)
	app.Post(PathEKYCQR, h.qr)
	if sandbox != nil {
		app.Use(EKYCSandboxPrefix+"/", adaptor.HTTPHandler(detached(http.StripPrefix(EKYCSandboxPrefix, sandbox))))
	}
}

type ekycHandlers struct {
	e      EKYC
	maxZip int
	// page renders answers to the page's upload form (nil: JSON only).
	page *portalHandlers
}

// offline takes multipart/form-data: zip (the package), share_code, and
// optionally mobile and email to check against the package's hashes. The
// body is parsed in memory (no temporary files), part by part under
// limits.
func (h *ekycHandlers) offline(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The page's form (a browser asking for HTML) gets the page back.
	html := h.page != nil && strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
	answerErr := func(err error) error {
		if html {
			return h.page.renderProblem(c, "", err)
		}
		return portalError(c, err)
	}
	req, err := parseEKYCUpload(c, h.maxZip)
	if err != nil {
		return answerErr(err)
	}
	res, err := h.e.Offline(c.UserContext(), req)
	if err != nil {
		return answerErr(err)
	}
	if html {
		page, err := h.page.p.EKYCPage(res)
		if err != nil {
			return err
		}
		return h.page.render(c, http.StatusCreated, page)
	}
	return sendJSON(c, http.StatusCreated, ekycView(res))
}

// parseEKYCUpload reads a multipart/form-data upload: zip (the package),
// share_code, and optionally mobile and email. The body is parsed in
// memory (no temporary files), part by part under limits.
func parseEKYCUpload(c *fiber.Ctx, maxZip int) (portal.EKYCRequest, error) {
	var req portal.EKYCRequest
	bad := func(desc string) error {
		return &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return req, &portal.Error{Status: http.StatusUnsupportedMediaType, Code: "invalid_request",
			Description: "send multipart/form-data with the fields zip and share_code"}
	}
	body := bytes.Clone(c.Request().Body())
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	seen := map[string]bool{}
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return req, bad("the multipart body is malformed")
		}
		if i == maxMultipartParts {
			return req, bad("too many form fields")
		}
		name := part.FormName()
		if seen[name] {
			return req, bad("a form field is repeated")
		}
		seen[name] = true
		limit := maxFormField
		if name == "zip" {
			limit = maxZip
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(limit)+1))
		if err != nil {
			return req, bad("the multipart body is malformed")
		}
		if len(value) > limit {
			if name == "zip" {
				return req, &portal.Error{Status: http.StatusRequestEntityTooLarge, Code: "invalid_package", Description: "the package is over the size limit"}
			}
			return req, bad("a form field is over 256 bytes")
		}
		switch name {
		case "zip":
			req.Zip = value
		case "share_code":
			req.ShareCode = strings.TrimSpace(string(value))
		case "mobile":
			req.Mobile = strings.TrimSpace(string(value))
		case "email":
			req.Email = strings.TrimSpace(string(value))
		default:
			return req, bad("unknown form field (expected zip, share_code, mobile, email)")
		}
	}
	switch {
	case len(req.Zip) == 0:
		return req, bad("the zip field is missing or empty")
	case req.ShareCode == "":
		return req, bad("the share_code field is missing or empty")
	}
	return req, nil
}

// qr takes {"qr": "<decimal Secure QR payload>"}.
func (h *ekycHandlers) qr(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mt != "application/json" {
		return portalError(c, &portal.Error{Status: http.StatusUnsupportedMediaType, Code: "invalid_request",
			Description: `send application/json {"qr": "<decimal payload>"}`})
	}
	var in struct {
		QR string `json:"qr"`
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.Clone(c.Request().Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		return portalError(c, &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: `the body is not {"qr": "<decimal payload>"}`})
	}
	if in.QR == "" {
		return portalError(c, &portal.Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: "qr is missing or empty"})
	}
	res, err := h.e.QR(c.UserContext(), portal.EKYCRequest{QR: in.QR})
	if err != nil {
		return portalError(c, err)
	}
	return sendJSON(c, http.StatusCreated, ekycView(res))
}

type ekycAnswer struct {
	SubjectID   string        `json:"subject_id"`
	Source      string        `json:"source"`
	Verified    ekycMasked    `json:"verified"`
	MobileMatch *bool         `json:"mobile_match,omitempty"`
	EmailMatch  *bool         `json:"email_match,omitempty"`
	Offer       *portal.Offer `json:"offer"`
}

type ekycMasked struct {
	Last4         string `json:"aadhaar_last4"`
	NameHash      string `json:"name_hash"`
	Result        bool   `json:"result"`
	VerifiedAt    string `json:"verified_at"`
	ReferenceTime string `json:"reference_time"`
	SignerSHA256  string `json:"signer_sha256"`
}

func ekycView(r *portal.EKYCResult) ekycAnswer {
	m := r.Masked
	return ekycAnswer{SubjectID: r.SubjectID, Source: r.Source, MobileMatch: r.MobileMatch, EmailMatch: r.EmailMatch, Offer: r.Offer,
		Verified: ekycMasked{Last4: m.Last4, NameHash: m.NameHash, Result: m.Verified, VerifiedAt: m.VerifiedAt.UTC().Format(time.RFC3339),
			ReferenceTime: m.ReferenceTime.UTC().Format(time.RFC3339Nano), SignerSHA256: m.SignerSHA256}}
}
