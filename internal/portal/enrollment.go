package portal

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/face"
)

// Face is the face-enrollment service (*face.Service implements it).
type Face interface {
	NewLink(ctx context.Context, subjectID string, ev face.Evidence) (*face.Link, error)
	Enroll(ctx context.Context, subjectID string, req face.EnrollRequest) (*face.Enrollment, error)
}

// EnrollmentLink is a new e-KYC link and the photo it was made from,
// handed to the enrollment app once and never stored.
type EnrollmentLink struct {
	Link      *face.Link
	ExpiresAt time.Time
	Photo     []byte
}

// NewEnrollmentLink reads and verifies the signed-in citizen's e-Aadhaar
// with the document token (DigiLocker) and records an e-KYC link.
func (s *Service) NewEnrollmentLink(ctx context.Context, subject string) (*EnrollmentLink, error) {
	if s.cfg.Face == nil {
		return nil, newError(http.StatusNotFound, "face_off", "face enrollment is not configured", nil)
	}
	if s.cfg.EAadhaar.Roots == nil {
		return nil, newError(http.StatusConflict, "eaadhaar_off", "e-Aadhaar verification is not configured (digilocker.eaadhaar_roots)", nil)
	}
	access, err := s.cfg.Tokens.AccessToken(ctx, subject, digilocker.FlowDocuments)
	if err != nil {
		return nil, tokenError(err, digilocker.FlowDocuments)
	}
	raw, err := s.cfg.Client.EAadhaarXML(ctx, access)
	if err != nil {
		return nil, s.apiError(ctx, subject, digilocker.FlowDocuments, err)
	}
	ea, err := digilocker.VerifyEAadhaar(raw, s.cfg.EAadhaar)
	if err != nil {
		return nil, newError(http.StatusBadGateway, "eaadhaar_unverified", "the e-Aadhaar from DigiLocker failed signature verification; no link was made", err)
	}
	if len(ea.Photo) == 0 {
		return nil, newError(http.StatusConflict, "no_photo", "the e-Aadhaar carries no photo", nil)
	}
	l, err := s.cfg.Face.NewLink(ctx, subject, face.Evidence{Source: SourceEAadhaar, Name: ea.Name, BirthDate: ea.DOB,
		Gender: ea.Gender, Last4: ea.Last4, Photo: ea.Photo})
	if err != nil {
		return nil, faceError(err)
	}
	return &EnrollmentLink{Link: l, ExpiresAt: l.CreatedAt.Add(s.cfg.FaceLinkTTL), Photo: ea.Photo}, nil
}

// NewEnrollmentLinkFromEKYC verifies an offline e-KYC package the signed-in
// citizen uploads and records an e-KYC link from it; nothing of the
// package but the link's masked facts is kept.
func (s *Service) NewEnrollmentLinkFromEKYC(ctx context.Context, subject string, req EKYCRequest) (*EnrollmentLink, error) {
	if s.cfg.Face == nil || s.cfg.EKYC == nil {
		return nil, newError(http.StatusNotFound, "face_off", "face enrollment from offline e-KYC is not configured", nil)
	}
	r, _, err := s.cfg.EKYC.verify(req)
	if err != nil {
		return nil, err
	}
	if len(r.Claims.Photo) == 0 {
		return nil, newError(http.StatusConflict, "no_photo", "the package carries no photo", nil)
	}
	l, err := s.cfg.Face.NewLink(ctx, subject, face.Evidence{Source: SourceEKYCOffline, Name: r.Claims.Name, BirthDate: r.Claims.DOB,
		Gender: r.Claims.Gender, Last4: r.Last4, Photo: r.Claims.Photo})
	if err != nil {
		return nil, faceError(err)
	}
	return &EnrollmentLink{Link: l, ExpiresAt: l.CreatedAt.Add(s.cfg.FaceLinkTTL), Photo: r.Claims.Photo}, nil
}

// Enroll stores the signed-in citizen's face template.
func (s *Service) Enroll(ctx context.Context, subject string, req face.EnrollRequest) (*face.Enrollment, error) {
	if s.cfg.Face == nil {
		return nil, newError(http.StatusNotFound, "face_off", "face enrollment is not configured", nil)
	}
	en, err := s.cfg.Face.Enroll(ctx, subject, req)
	if err != nil {
		return nil, faceError(err)
	}
	return en, nil
}

// faceError maps face's refusals: 403 for a link that may not be used
// (expired, mismatched, another subject's), 409 for a used link or a
// correlation of another subject, 400 for a bad template, 404 for an
// unknown link.
func faceError(err error) error {
	for _, m := range []struct {
		kind   error
		status int
		code   string
		desc   string
	}{
		{face.ErrLinkExpired, http.StatusForbidden, "link_expired", "the e-KYC link is older than 15 minutes; make a new one"},
		{face.ErrLinkMismatch, http.StatusForbidden, "link_mismatch", "the e-KYC name or birth date does not match the verified record"},
		{face.ErrLinkSubject, http.StatusForbidden, "link_subject_mismatch", "the e-KYC link belongs to another citizen"},
		{face.ErrLinkUsed, http.StatusConflict, "link_used", "the e-KYC link was already used for an enrolment"},
		{face.ErrCorrelationConflict, http.StatusConflict, "aadhaar_linked_elsewhere", "this Aadhaar is already linked to another account; the attempt was recorded"},
		{face.ErrNotFound, http.StatusNotFound, "link_not_found", "no such e-KYC link"},
		{face.ErrEmbedding, http.StatusBadRequest, "invalid_embedding", "the embedding is not base64 of the model's number of finite float32 values"},
		{face.ErrUnknownModel, http.StatusBadRequest, "unknown_model", "the model is not configured"},
		{face.ErrConsent, http.StatusBadRequest, "consent_required", "consent {version, text_url, signature_b64} is required"},
		{face.ErrNoTemplate, http.StatusNotFound, "no_template", "no template for this subject and model"},
	} {
		if errors.Is(err, m.kind) {
			return newError(m.status, m.code, m.desc, err)
		}
	}
	return err
}

// FaceError maps face's refusals for other callers (the admin match).
func FaceError(err error) error { return faceError(err) }
