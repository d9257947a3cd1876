package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/extract"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/issuer"
)

// Store errors.
var (
	ErrNotFound = errors.New("portal: not found, expired or used")
	ErrExists   = errors.New("portal: already exists")
)

// PendingAuth is an authorization started and not yet returned.
type PendingAuth struct {
	StateHash   []byte
	Flow        string
	Verifier    []byte // sealed
	SessionHash []byte // the session that started it, if any
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Session is a citizen's signed-in session.
type Session struct {
	IDHash    []byte
	SubjectID string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store keeps pending authorizations and sessions.
type Store interface {
	CreatePendingAuth(ctx context.Context, p PendingAuth) error
	// ConsumePendingAuth returns and marks used the unexpired, unused
	// pending authorization; else ErrNotFound.
	ConsumePendingAuth(ctx context.Context, stateHash []byte, now time.Time) (PendingAuth, error)
	CreateSession(ctx context.Context, s Session) error
	// Session returns the unexpired session; else ErrNotFound.
	Session(ctx context.Context, idHash []byte, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, idHash []byte) error
}

// Record is what the portal needs of the verified-claims record.
type Record interface {
	Subject(ctx context.Context, kind, key string) (string, bool, error)
	Record(ctx context.Context, subjectID string, obs []record.Observation) (*record.Outcome, error)
	Claims(ctx context.Context, subjectID string) ([]record.Claim, error)
	CredentialClaims(ctx context.Context, subjectID string) (map[string]any, error)
}

// Offers is what the portal needs of the issuer.
type Offers interface {
	NewOffer(ctx context.Context, req *issuer.OfferRequest) (*issuer.OfferResponse, error)
	CheckClaims(configurationID string, claims map[string]any) error
}

// Auditor appends audit events.
type Auditor interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
}

// Sealer encrypts verifiers at rest.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Paths of the flows, for the restart URLs in answers.
const (
	PathLoginStart     = "/auth/digilocker/login/start"
	PathDocumentsStart = "/auth/digilocker/documents/start"
	PathCallback       = "/auth/digilocker/callback"
)

// Config configures a Service.
type Config struct {
	// Client calls DigiLocker with the web redirect URI (PathCallback).
	Client *digilocker.Client
	// MobileClient calls it with the enrollment app's redirect URI; nil
	// turns the mobile flow off.
	MobileClient *digilocker.Client
	Tokens       *digilocker.Tokens
	Extractor    *extract.Extractor
	// EAadhaar verifies DigiLocker's e-Aadhaar signature; no roots turn
	// e-Aadhaar import off.
	EAadhaar digilocker.EAadhaarOptions
	// DocTypes are the req_doctype of the documents flow (empty: any).
	DocTypes []string
	// Configurations are the credential configurations the page offers,
	// in order; each is offered when the subject's verified claims fill it.
	Configurations []string
	Store          Store
	Record         Record
	Offers         Offers
	Audit          Auditor
	Sealer         Sealer
	// Face, when set, enrolls face templates through e-KYC links valid for
	// FaceLinkTTL.
	Face        Face
	FaceLinkTTL time.Duration
	// EKYC, when set, verifies offline e-KYC packages: the page's upload
	// form, and (with Face) e-KYC links; EKYCSandbox links a sample.
	EKYC        *EKYC
	EKYCSandbox bool
	// ESignet, when set, signs citizens in with eSignet too;
	// ESignetSandbox labels it as the simulator.
	ESignet        ESignet
	ESignetSandbox bool
	// Sandbox marks the page and answers as talking to the simulator.
	Sandbox    bool
	SessionTTL time.Duration // default 30 minutes
	PendingTTL time.Duration // default 10 minutes
	Now        func() time.Time
}

// Service is the citizen-facing flows.
type Service struct {
	cfg Config
}

// New validates cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Client == nil || cfg.Tokens == nil || cfg.Extractor == nil || cfg.Store == nil || cfg.Record == nil ||
		cfg.Offers == nil || cfg.Audit == nil || cfg.Sealer == nil || cfg.Now == nil {
		return nil, errors.New("portal: client, tokens, extractor, store, record, offers, audit, sealer and clock are required")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 30 * time.Minute
	}
	if cfg.PendingTTL == 0 {
		cfg.PendingTTL = 10 * time.Minute
	}
	return &Service{cfg: cfg}, nil
}

// Error is an answer for the front end: an HTTP status, a code, a
// description and, where the citizen must sign in again, the URL that
// restarts the right flow.
type Error struct {
	Status      int
	Code        string
	Description string
	RestartURL  string
	Err         error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("portal: %s: %s: %v", e.Code, e.Description, e.Err)
	}
	return fmt.Sprintf("portal: %s: %s", e.Code, e.Description)
}

func (e *Error) Unwrap() error { return e.Err }

func newError(status int, code, desc string, err error) *Error {
	return &Error{Status: status, Code: code, Description: desc, Err: err}
}

// restartURL is the start of the flow that yields a token of flow.
func restartURL(flow digilocker.Flow) string {
	if flow == digilocker.FlowDocuments {
		return PathDocumentsStart
	}
	return PathLoginStart
}

// tokenError maps the token lifecycle's errors to the front end's answers:
// 401 digilocker_not_linked, 402 reauth_required, 403
// digilocker_token_rejected, 503 digilocker_unavailable.
func tokenError(err error, flow digilocker.Flow) error {
	var e *Error
	switch {
	case errors.Is(err, digilocker.ErrNotLinked):
		e = newError(http.StatusUnauthorized, "digilocker_not_linked", "DigiLocker is not linked for this; start the flow", err)
	case errors.Is(err, digilocker.ErrReauthRequired):
		e = newError(http.StatusPaymentRequired, "reauth_required", "the DigiLocker session ended; sign in with DigiLocker again", err)
	case errors.Is(err, digilocker.ErrTokenRejected):
		e = newError(http.StatusForbidden, "digilocker_token_rejected", "DigiLocker refused the token (consent withdrawn or revoked); sign in with DigiLocker again", err)
	case errors.Is(err, digilocker.ErrUnavailable):
		return newError(http.StatusServiceUnavailable, "digilocker_unavailable", "DigiLocker did not answer; try again shortly", err)
	default:
		return err
	}
	e.RestartURL = restartURL(flow)
	return e
}

// hash is SHA-256 of a secret value kept by its hash.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func randomToken() string { return rand.Text() + rand.Text() }
