package face

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// Errors. Each refusal wraps one (test with errors.Is).
var (
	ErrConfig              = errors.New("face: configuration")
	ErrNotFound            = errors.New("face: not found")
	ErrCorrelationConflict = errors.New("face: this Aadhaar is linked to another subject")
	ErrLinkExpired         = errors.New("face: the e-KYC link has expired")
	ErrLinkMismatch        = errors.New("face: the e-KYC does not match the subject's record")
	ErrLinkSubject         = errors.New("face: the e-KYC link is another subject's")
	ErrLinkUsed            = errors.New("face: the e-KYC link was already used")
	ErrEmbedding           = errors.New("face: invalid embedding")
	ErrUnknownModel        = errors.New("face: unknown model")
	ErrConsent             = errors.New("face: consent missing")
	ErrNoTemplate          = errors.New("face: no template for this subject and model")
)

// Limits.
const (
	MaxDimension  = 2048
	maxFieldBytes = 512
)

// Link is an e-KYC link.
type Link struct {
	ID, SubjectID, Source string
	NameMatch, DOBMatch   bool
	BirthYear             int
	Gender, Last4         string
	CorrelationHash       string
	PhotoHash             string
	CreatedAt             time.Time
	UsedAt                time.Time
}

// Consent is what the citizen agreed to, as the app sends it.
type Consent struct {
	Version      string `json:"version"`
	TextURL      string `json:"text_url"`
	SignatureB64 string `json:"signature_b64"`
}

// Template is a stored template: the normalised embedding sealed.
type Template struct {
	ID         string
	SubjectID  string
	Model      string
	Version    int
	Dimension  int
	Sealed     []byte
	FramesUsed int
	LinkID     string
	Consent    Consent
	EnrolledAt time.Time
}

// Duplicate is a flagged pair: a new template scoring at or above the
// duplicate threshold against another subject's.
type Duplicate struct {
	TemplateID, SubjectID           string
	OtherTemplateID, OtherSubjectID string
	Model                           string
	Score                           float64
	FlaggedAt                       time.Time
}

// Model is a face-embedding model the backend accepts.
type Model struct {
	ID        string
	Dimension int
	// MatchThreshold and DuplicateThreshold are cosine similarities.
	MatchThreshold, DuplicateThreshold float64
}

// Store keeps links, correlations, templates and duplicates.
type Store interface {
	// ClaimCorrelation records hash for subject when the hash is new and
	// returns the subject it belongs to.
	ClaimCorrelation(ctx context.Context, hash, subjectID string, now time.Time) (owner string, err error)
	CreateFaceLink(ctx context.Context, l Link) error
	// FaceLink returns the link or ErrNotFound.
	FaceLink(ctx context.Context, id string) (Link, error)
	// UseFaceLink marks the link used once; ErrLinkUsed after.
	UseFaceLink(ctx context.Context, id string, now time.Time) error
	// PutFaceTemplate inserts t; ErrLinkUsed when (subject, model,
	// version) exists (a concurrent enrolment).
	PutFaceTemplate(ctx context.Context, t Template) error
	// CurrentFaceTemplate is the subject's highest version of the model;
	// ErrNotFound when there is none.
	CurrentFaceTemplate(ctx context.Context, subjectID, model string) (Template, error)
	// EachCurrentFaceTemplate calls fn with every subject's current
	// template of the model but exceptSubject's.
	EachCurrentFaceTemplate(ctx context.Context, model, exceptSubject string, fn func(Template) error) error
	AddFaceDuplicates(ctx context.Context, d []Duplicate) error
	FaceDuplicates(ctx context.Context) ([]Duplicate, error)
	// DeleteFaceTemplates removes the subject's templates (ciphertext
	// included) and returns how many.
	DeleteFaceTemplates(ctx context.Context, subjectID string) (int, error)
}

// Sealer encrypts templates (internal/keys.DataKey is one).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Record is what enrolment needs of the verified-claims record.
type Record interface {
	Claims(ctx context.Context, subjectID string) ([]record.Claim, error)
	Record(ctx context.Context, subjectID string, obs []record.Observation) (*record.Outcome, error)
}

// Auditor appends audit events.
type Auditor interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
}

// Config configures a Service.
type Config struct {
	Store  Store
	Sealer Sealer
	Record Record
	Audit  Auditor
	Models []Model
	// CorrelationKey keys the Aadhaar-correlation hash (32 bytes from the
	// keystore).
	CorrelationKey []byte
	// LinkTTL is how long a link may be used (default 15 minutes).
	LinkTTL time.Duration
	Now     func() time.Time
}

// Service is face enrollment.
type Service struct {
	cfg    Config
	models map[string]Model
}

// New validates cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Sealer == nil || cfg.Record == nil || cfg.Audit == nil || cfg.Now == nil || len(cfg.CorrelationKey) < 16 {
		return nil, errf(ErrConfig, "store, sealer, record, audit, clock and a correlation key are required")
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = 15 * time.Minute
	}
	s := &Service{cfg: cfg, models: map[string]Model{}}
	for _, m := range cfg.Models {
		switch {
		case m.ID == "" || len(m.ID) > 64:
			return nil, errf(ErrConfig, "a model id is empty or over 64 bytes")
		case m.Dimension < 16 || m.Dimension > MaxDimension:
			return nil, errf(ErrConfig, "model %s: dimension %d is not 16 to %d", m.ID, m.Dimension, MaxDimension)
		case !(m.MatchThreshold > -1 && m.MatchThreshold < 1) || !(m.DuplicateThreshold > -1 && m.DuplicateThreshold < 1):
			return nil, errf(ErrConfig, "model %s: thresholds must be cosine similarities in (-1, 1)", m.ID)
		}
		if _, dup := s.models[m.ID]; dup {
			return nil, errf(ErrConfig, "model %s appears twice", m.ID)
		}
		s.models[m.ID] = m
	}
	return s, nil
}

func errf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

func newID(prefix string) string { return prefix + strings.ToLower(rand.Text()) }

// Evidence is a verified e-KYC as the caller read it: the source
// (digilocker_eaadhaar or ekyc_offline), the name, birth date (YYYY-MM-DD,
// or YYYY), gender, last four Aadhaar digits and photo.
type Evidence struct {
	Source, Name, BirthDate, Gender, Last4 string
	Photo                                  []byte
}

// NewLink records an e-KYC link for subject: the matches against the
// subject's verified name and birth date, and the correlation hash, which
// must be new or the subject's own.
func (s *Service) NewLink(ctx context.Context, subjectID string, ev Evidence) (*Link, error) {
	if ev.Name == "" || len(ev.Name) > maxFieldBytes || len(ev.BirthDate) < 4 || len(ev.Last4) != 4 || len(ev.Photo) == 0 {
		return nil, errf(ErrConfig, "the evidence needs a name, a birth date, the last four digits and a photo")
	}
	claims, err := s.cfg.Record.Claims(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	var name, dob string
	for _, c := range claims {
		if !c.Verified {
			continue
		}
		switch c.Name {
		case "name":
			name, _ = c.Value.(string)
		case "birth_date":
			dob, _ = c.Value.(string)
		}
	}
	now := s.cfg.Now()
	photo := sha256.Sum256(ev.Photo)
	l := Link{
		ID: newID("fl_"), SubjectID: subjectID, Source: ev.Source,
		NameMatch: name != "" && normaliseName(name) == normaliseName(ev.Name),
		DOBMatch:  dob != "" && dob == ev.BirthDate,
		Gender:    ev.Gender, Last4: ev.Last4,
		CorrelationHash: s.correlation(ev), PhotoHash: hex.EncodeToString(photo[:]), CreatedAt: now,
	}
	fmt.Sscanf(ev.BirthDate[:4], "%d", &l.BirthYear)
	owner, err := s.cfg.Store.ClaimCorrelation(ctx, l.CorrelationHash, subjectID, now)
	if err != nil {
		return nil, err
	}
	if owner != subjectID {
		if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "face.correlation_conflict", Subject: subjectID, Actor: "citizen",
			Data: map[string]string{"source": ev.Source}}); err != nil {
			return nil, err
		}
		return nil, errf(ErrCorrelationConflict, "refused and audited")
	}
	if err := s.cfg.Store.CreateFaceLink(ctx, l); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "face.link_created", Subject: subjectID, Actor: "citizen",
		Data: map[string]string{"link_id": l.ID, "source": l.Source, "name_match": fmt.Sprint(l.NameMatch), "dob_match": fmt.Sprint(l.DOBMatch)}}); err != nil {
		return nil, err
	}
	return &l, nil
}

// correlation is hex HMAC-SHA256 over the last four digits, the
// normalised name, the birth date and the gender.
func (s *Service) correlation(ev Evidence) string {
	mac := hmac.New(sha256.New, s.cfg.CorrelationKey)
	mac.Write([]byte(strings.Join([]string{ev.Last4, normaliseName(ev.Name), ev.BirthDate, strings.ToUpper(ev.Gender)}, "\x00")))
	return hex.EncodeToString(mac.Sum(nil))
}

func normaliseName(n string) string { return strings.ToUpper(strings.Join(strings.Fields(n), " ")) }

// EnrollRequest is POST /enrollment/face-template's body.
type EnrollRequest struct {
	LinkID       string  `json:"link_id"`
	EmbeddingB64 string  `json:"embedding"`
	Model        string  `json:"model"`
	FramesUsed   int     `json:"frames_used"`
	Consent      Consent `json:"consent"`
}

// Enrollment is an accepted template.
type Enrollment struct {
	TemplateID    string        `json:"template_id"`
	Version       int           `json:"version"`
	EnrolledAt    time.Time     `json:"enrolled_at"`
	IdentityProof IdentityProof `json:"identity_proof"`
	// Duplicates is how many other subjects were flagged.
	Duplicates int `json:"-"`
}

// IdentityProof says which e-KYC the template was enrolled against.
type IdentityProof struct {
	Source    string `json:"source"`
	LinkID    string `json:"link_id"`
	NameMatch bool   `json:"name_match"`
	DOBMatch  bool   `json:"dob_match"`
	PhotoHash string `json:"photo_sha256"`
}

// Enroll accepts a template through a link (see the package
// documentation for the rules).
func (s *Service) Enroll(ctx context.Context, subjectID string, req EnrollRequest) (*Enrollment, error) {
	m, ok := s.models[req.Model]
	if !ok {
		return nil, errf(ErrUnknownModel, "%.64q", req.Model)
	}
	if req.Consent.Version == "" || req.Consent.TextURL == "" || req.Consent.SignatureB64 == "" ||
		len(req.Consent.Version) > maxFieldBytes || len(req.Consent.TextURL) > maxFieldBytes || len(req.Consent.SignatureB64) > 4*maxFieldBytes {
		return nil, errf(ErrConsent, "version, text_url and signature_b64 are required (bounded)")
	}
	if _, err := base64.StdEncoding.DecodeString(req.Consent.SignatureB64); err != nil {
		return nil, errf(ErrConsent, "signature_b64 is not base64")
	}
	if req.FramesUsed < 1 || req.FramesUsed > 1000 {
		return nil, errf(ErrEmbedding, "frames_used must be 1 to 1000")
	}
	vec, err := DecodeEmbedding(req.EmbeddingB64, m.Dimension)
	if err != nil {
		return nil, err
	}
	l, err := s.cfg.Store.FaceLink(ctx, req.LinkID)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	switch {
	case l.SubjectID != subjectID:
		return nil, errf(ErrLinkSubject, "the link is not this subject's")
	case now.Sub(l.CreatedAt) > s.cfg.LinkTTL:
		return nil, errf(ErrLinkExpired, "the link is %s old, over %s", now.Sub(l.CreatedAt).Round(time.Second), s.cfg.LinkTTL)
	case !l.NameMatch || !l.DOBMatch:
		return nil, errf(ErrLinkMismatch, "name_match %v, dob_match %v", l.NameMatch, l.DOBMatch)
	}
	if err := s.cfg.Store.UseFaceLink(ctx, l.ID, now); err != nil {
		return nil, err
	}
	version := 1
	if cur, err := s.cfg.Store.CurrentFaceTemplate(ctx, subjectID, m.ID); err == nil {
		version = cur.Version + 1
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	t := Template{ID: newID("ft_"), SubjectID: subjectID, Model: m.ID, Version: version, Dimension: m.Dimension,
		FramesUsed: req.FramesUsed, LinkID: l.ID, Consent: req.Consent, EnrolledAt: now}
	if t.Sealed, err = s.cfg.Sealer.Seal(EncodeEmbedding(vec), templateAAD(t)); err != nil {
		return nil, fmt.Errorf("face: sealing: %w", err)
	}
	if err := s.cfg.Store.PutFaceTemplate(ctx, t); err != nil {
		return nil, err
	}
	dups, err := s.duplicates(ctx, t, vec, m)
	if err != nil {
		return nil, err
	}
	if len(dups) > 0 {
		if err := s.cfg.Store.AddFaceDuplicates(ctx, dups); err != nil {
			return nil, err
		}
	}
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "face.enrolled", Subject: subjectID, Actor: "citizen", Data: map[string]string{
		"template_id": t.ID, "version": fmt.Sprint(version), "model": m.ID, "link_id": l.ID, "consent_version": req.Consent.Version,
		"duplicates_flagged": fmt.Sprint(len(dups)),
	}}); err != nil {
		return nil, err
	}
	evidence := sha256.Sum256([]byte(t.ID))
	obs := []record.Observation{
		{Name: "face.enrolled", Value: true},
		{Name: "face.model", Value: m.ID},
		{Name: "face.enrolled_on", Value: now.UTC().Format(time.DateOnly)},
	}
	for i := range obs {
		obs[i].Source, obs[i].EvidenceHash, obs[i].Verified = "face_enrollment", hex.EncodeToString(evidence[:]), true
	}
	if _, err := s.cfg.Record.Record(ctx, subjectID, obs); err != nil {
		return nil, err
	}
	return &Enrollment{TemplateID: t.ID, Version: version, EnrolledAt: now, Duplicates: len(dups),
		IdentityProof: IdentityProof{Source: l.Source, LinkID: l.ID, NameMatch: l.NameMatch, DOBMatch: l.DOBMatch, PhotoHash: l.PhotoHash}}, nil
}

// templateAAD binds a sealed template to its subject, id and version.
func templateAAD(t Template) []byte {
	return fmt.Appendf(nil, "pramaan face template v1\x00%s\x00%s\x00%d", t.SubjectID, t.ID, t.Version)
}

// Open opens a stored template's embedding.
func (s *Service) Open(t Template) ([]float32, error) {
	plain, err := s.cfg.Sealer.Open(t.Sealed, templateAAD(t))
	if err != nil {
		return nil, fmt.Errorf("face: opening template %s: %w", t.ID, err)
	}
	return decodeRaw(plain, t.Dimension)
}

// duplicates compares t with every other subject's current template.
func (s *Service) duplicates(ctx context.Context, t Template, vec []float32, m Model) ([]Duplicate, error) {
	var out []Duplicate
	err := s.cfg.Store.EachCurrentFaceTemplate(ctx, m.ID, t.SubjectID, func(o Template) error {
		other, err := s.Open(o)
		if err != nil {
			return err
		}
		if score := Cosine(vec, other); score >= m.DuplicateThreshold {
			out = append(out, Duplicate{TemplateID: t.ID, SubjectID: t.SubjectID, OtherTemplateID: o.ID, OtherSubjectID: o.SubjectID,
				Model: m.ID, Score: score, FlaggedAt: t.EnrolledAt})
		}
		return nil
	})
	return out, err
}

// Match compares an embedding with the subject's current template of the
// model; an empty model means the model of the subject's most recent
// enrolment.
func (s *Service) Match(ctx context.Context, subjectID, model, embeddingB64 string) (bool, float64, error) {
	if model == "" {
		var latest time.Time
		for id := range s.models {
			t, err := s.cfg.Store.CurrentFaceTemplate(ctx, subjectID, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return false, 0, err
			}
			if t.EnrolledAt.After(latest) {
				latest, model = t.EnrolledAt, id
			}
		}
		if model == "" {
			return false, 0, errf(ErrNoTemplate, "no enrolment")
		}
	}
	m, ok := s.models[model]
	if !ok {
		return false, 0, errf(ErrUnknownModel, "%.64q", model)
	}
	vec, err := DecodeEmbedding(embeddingB64, m.Dimension)
	if err != nil {
		return false, 0, err
	}
	t, err := s.cfg.Store.CurrentFaceTemplate(ctx, subjectID, m.ID)
	if errors.Is(err, ErrNotFound) {
		return false, 0, errf(ErrNoTemplate, "%s", m.ID)
	}
	if err != nil {
		return false, 0, err
	}
	stored, err := s.Open(t)
	if err != nil {
		return false, 0, err
	}
	score := Cosine(vec, stored)
	return score >= m.MatchThreshold, score, nil
}

// Erase deletes the subject's templates and leaves an audit tombstone
// (the count, no ciphertext).
func (s *Service) Erase(ctx context.Context, subjectID string) (int, error) {
	n, err := s.cfg.Store.DeleteFaceTemplates(ctx, subjectID)
	if err != nil {
		return 0, err
	}
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "face.templates_erased", Subject: subjectID, Actor: "admin",
		Data: map[string]string{"count": fmt.Sprint(n)}}); err != nil {
		return n, err
	}
	return n, nil
}

// Duplicates lists the flagged pairs for review.
func (s *Service) Duplicates(ctx context.Context) ([]Duplicate, error) {
	return s.cfg.Store.FaceDuplicates(ctx)
}

// DecodeEmbedding reads base64 of little-endian float32s: exactly dim
// values, each finite, not all zero; returned normalised to unit length.
func DecodeEmbedding(b64 string, dim int) ([]float32, error) {
	if len(b64) > base64.StdEncoding.EncodedLen(4*MaxDimension) {
		return nil, errf(ErrEmbedding, "over %d values", MaxDimension)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errf(ErrEmbedding, "not base64")
	}
	vec, err := decodeRaw(raw, dim)
	if err != nil {
		return nil, err
	}
	var norm float64
	for _, v := range vec {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, errf(ErrEmbedding, "a value is not finite")
		}
		norm += float64(v) * float64(v)
	}
	if norm == 0 || math.IsInf(norm, 0) {
		return nil, errf(ErrEmbedding, "the vector has no length")
	}
	n := math.Sqrt(norm)
	for i := range vec {
		vec[i] = float32(float64(vec[i]) / n)
	}
	return vec, nil
}

func decodeRaw(raw []byte, dim int) ([]float32, error) {
	if len(raw) != 4*dim {
		return nil, errf(ErrEmbedding, "%d bytes, not %d float32 values", len(raw), dim)
	}
	vec := make([]float32, dim)
	for i := range vec {
		vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return vec, nil
}

// EncodeEmbedding is the little-endian float32 bytes of vec.
func EncodeEmbedding(vec []float32) []byte {
	out := make([]byte, 4*len(vec))
	for i, v := range vec {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
	return out
}

// Cosine is the cosine similarity of two unit vectors: their dot product.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return -1
	}
	var dot float32
	for i := range a {
		dot += a[i] * b[i]
	}
	return float64(dot)
}
