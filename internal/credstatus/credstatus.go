package credstatus

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/statuslist"
)

// Errors.
var (
	ErrNotFound = errors.New("credstatus: not found")
	// ErrIndexTaken is a store's answer to an allocation of a used index.
	ErrIndexTaken = errors.New("credstatus: index taken")
	// ErrTransition marks a change the lifecycle does not allow (a revoked
	// credential is never reinstated).
	ErrTransition = errors.New("credstatus: transition not allowed")
	ErrConfig     = errors.New("credstatus: configuration")
)

// List is a status list.
type List struct {
	ID        string
	Bits      int
	Size      int
	Allocated int
	Version   int64
	CreatedAt time.Time
}

// Entry is a credential's place in a list.
type Entry struct {
	CredentialID    string
	ListID          string
	Index           int
	Status          statuslist.Status
	Reason          string
	SubjectID       string
	ConfigurationID string
	Format          string
	OfferID         string
	NotificationID  string
	IssuedAt        time.Time
	UpdatedAt       time.Time
}

// Store keeps lists and entries.
type Store interface {
	// CurrentStatusList is the newest list; ErrNotFound when none.
	CurrentStatusList(ctx context.Context) (List, error)
	CreateStatusList(ctx context.Context, l List) error
	StatusList(ctx context.Context, id string) (List, error)
	// AllocateStatus inserts e (VALID) and counts it in its list;
	// ErrIndexTaken when the list has the index already.
	AllocateStatus(ctx context.Context, e Entry) error
	// StatusEntries lists the entries of a list that are not VALID.
	StatusEntries(ctx context.Context, listID string) ([]Entry, error)
	CredentialStatus(ctx context.Context, credentialID string) (Entry, error)
	// SetCredentialStatus sets the status and reason and bumps the list's
	// version, in one transaction, and returns the entry as it was before.
	SetCredentialStatus(ctx context.Context, credentialID string, s statuslist.Status, reason string, now time.Time) (Entry, error)
	CredentialsOfSubject(ctx context.Context, subjectID string) ([]Entry, error)
	// CredentialsOfIssuance lists the credentials of one issuance (a
	// batch), by its notification_id.
	CredentialsOfIssuance(ctx context.Context, notificationID string) ([]Entry, error)
}

// Auditor appends audit events.
type Auditor interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
}

// Config configures a Service.
type Config struct {
	Store Store
	Audit Auditor
	// Signer signs the Status List Tokens (ES256); Chain, its certificate
	// first, goes into x5c; KeyID into kid.
	Signer crypto.Signer
	Chain  []*x509.Certificate
	KeyID  string
	// BaseURL is where lists are served: BaseURL + list id.
	BaseURL string
	// Bits per status (default 2: VALID, INVALID, SUSPENDED); Size of a
	// list (default 131072, at least 1024).
	Bits, Size int
	// TTL is the token's ttl (default 5 minutes); Validity its exp after
	// iat (default 24 hours).
	TTL, Validity time.Duration
	Now           func() time.Time
}

// Service is the credentials' lifecycle.
type Service struct {
	cfg Config

	mu     sync.Mutex
	tokens map[tokenKey]cachedToken
}

type tokenKey struct {
	list string
	cwt  bool
}

type cachedToken struct {
	version int64
	token   []byte
	etag    string
	signed  time.Time
}

// Defaults.
const (
	DefaultSize = 1 << 17
	minSize     = 1 << 10
)

// New validates cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Audit == nil || cfg.Signer == nil || cfg.Now == nil || !strings.HasSuffix(cfg.BaseURL, "/") {
		return nil, fmt.Errorf("%w: store, audit, signer, clock and a base URL ending in / are required", ErrConfig)
	}
	if cfg.Bits == 0 {
		cfg.Bits = 2
	}
	if cfg.Bits != 1 && cfg.Bits != 2 {
		return nil, fmt.Errorf("%w: bits must be 1 or 2", ErrConfig)
	}
	if cfg.Size == 0 {
		cfg.Size = DefaultSize
	}
	if cfg.Size < minSize || cfg.Size > statuslist.MaxListEntries {
		return nil, fmt.Errorf("%w: size must be %d to %d", ErrConfig, minSize, statuslist.MaxListEntries)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.Validity <= 0 {
		cfg.Validity = 24 * time.Hour
	}
	return &Service{cfg: cfg, tokens: map[tokenKey]cachedToken{}}, nil
}

// URI is where a list is served.
func (s *Service) URI(listID string) string { return s.cfg.BaseURL + listID }

// Ref describes the credential an index is allocated for.
type Ref struct {
	SubjectID, ConfigurationID, Format, OfferID, NotificationID string
}

// Allocation is a credential's new status entry.
type Allocation struct {
	CredentialID string
	URI          string
	Index        int
}

func newID(prefix string) string { return prefix + strings.ToLower(rand.Text()) }

// Allocate gives a new credential a random unused index in the current
// list, opening a new list when the current one has handed out half its
// indices.
func (s *Service) Allocate(ctx context.Context, ref Ref) (*Allocation, error) {
	now := s.cfg.Now()
	l, err := s.cfg.Store.CurrentStatusList(ctx)
	if errors.Is(err, ErrNotFound) || (err == nil && l.Allocated >= l.Size/2) {
		l = List{ID: newID("sl_"), Bits: s.cfg.Bits, Size: s.cfg.Size, CreatedAt: now}
		if err = s.cfg.Store.CreateStatusList(ctx, l); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	e := Entry{CredentialID: newID("cr_"), ListID: l.ID, Status: statuslist.Valid, SubjectID: ref.SubjectID, ConfigurationID: ref.ConfigurationID,
		Format: ref.Format, OfferID: ref.OfferID, NotificationID: ref.NotificationID, IssuedAt: now, UpdatedAt: now}
	// At most half the list is used, so a draw is free with probability
	// one half or better; 64 tries fail with probability 2^-64.
	for range 64 {
		if e.Index, err = statuslist.RandomIndex(l.Size); err != nil {
			return nil, err
		}
		err = s.cfg.Store.AllocateStatus(ctx, e)
		if errors.Is(err, ErrIndexTaken) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &Allocation{CredentialID: e.CredentialID, URI: s.URI(l.ID), Index: e.Index}, nil
	}
	return nil, fmt.Errorf("credstatus: no free index found in list %s", l.ID)
}

// Token returns the list's Status List Token, as a JWT or (cwt) a CWT, and
// its ETag: the token signed for the list's current version, signed again
// when half its validity has passed.
func (s *Service) Token(ctx context.Context, listID string, cwt bool) (token []byte, etag string, ttl time.Duration, err error) {
	l, err := s.cfg.Store.StatusList(ctx, listID)
	if err != nil {
		return nil, "", 0, err
	}
	now := s.cfg.Now()
	key := tokenKey{listID, cwt}
	s.mu.Lock()
	c, ok := s.tokens[key]
	s.mu.Unlock()
	if ok && c.version == l.Version && now.Sub(c.signed) < s.cfg.Validity/2 {
		return c.token, c.etag, s.cfg.TTL, nil
	}
	entries, err := s.cfg.Store.StatusEntries(ctx, listID)
	if err != nil {
		return nil, "", 0, err
	}
	b, err := statuslist.NewBitstring(l.Bits, l.Size)
	if err != nil {
		return nil, "", 0, err
	}
	for _, e := range entries {
		if err := b.Set(e.Index, e.Status); err != nil {
			return nil, "", 0, fmt.Errorf("credstatus: list %s: %w", listID, err)
		}
	}
	claims := statuslist.TokenClaims{Subject: s.URI(listID), IssuedAt: now, ExpiresAt: now.Add(s.cfg.Validity), TTL: s.cfg.TTL}
	if cwt {
		token, err = b.SignCWT(s.cfg.Signer, s.cfg.Chain, claims)
	} else {
		var jwt string
		jwt, err = b.SignJWT(s.cfg.Signer, s.cfg.Chain, s.cfg.KeyID, claims)
		token = []byte(jwt)
	}
	if err != nil {
		return nil, "", 0, err
	}
	sum := sha256.Sum256(token)
	c = cachedToken{version: l.Version, token: token, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, signed: now}
	s.mu.Lock()
	s.tokens[key] = c
	s.mu.Unlock()
	return c.token, c.etag, s.cfg.TTL, nil
}

// Change is a lifecycle action.
type Change string

// The actions of POST /admin/credentials/{id}/{action}.
const (
	Revoke    Change = "revoke"
	Suspend   Change = "suspend"
	Reinstate Change = "reinstate"
)

// Apply revokes, suspends or reinstates a credential: a revoked credential
// stays revoked; only a suspended one is reinstated. The change is an
// audit event (actor, action, reason).
func (s *Service) Apply(ctx context.Context, credentialID string, c Change, reason, actor string) (*Entry, error) {
	if len(reason) > 256 {
		return nil, fmt.Errorf("%w: the reason is over 256 bytes", ErrTransition)
	}
	cur, err := s.cfg.Store.CredentialStatus(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	var to statuslist.Status
	switch c {
	case Revoke:
		to = statuslist.Invalid
	case Suspend:
		to = statuslist.Suspended
		if s.cfg.Bits < 2 {
			return nil, fmt.Errorf("%w: 1-bit lists have no SUSPENDED", ErrTransition)
		}
	case Reinstate:
		to = statuslist.Valid
		if cur.Status != statuslist.Suspended {
			return nil, fmt.Errorf("%w: only a suspended credential is reinstated (it is %s)", ErrTransition, cur.Status)
		}
	default:
		return nil, fmt.Errorf("%w: unknown action %.20q", ErrTransition, c)
	}
	if cur.Status == statuslist.Invalid {
		return nil, fmt.Errorf("%w: the credential is revoked", ErrTransition)
	}
	now := s.cfg.Now()
	if _, err := s.cfg.Store.SetCredentialStatus(ctx, credentialID, to, reason, now); err != nil {
		return nil, err
	}
	event := map[Change]string{Revoke: "credential.revoked", Suspend: "credential.suspended", Reinstate: "credential.reinstated"}[c]
	if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: event, Subject: cur.SubjectID, Actor: actor, Data: map[string]string{
		"credential_id": credentialID, "list_id": cur.ListID, "from": cur.Status.String(), "to": to.String(), "reason": reason,
	}}); err != nil {
		return nil, err
	}
	cur.Status, cur.Reason, cur.UpdatedAt = to, reason, now
	return &cur, nil
}

// Credentials lists a subject's credentials with their status.
func (s *Service) Credentials(ctx context.Context, subjectID string) ([]Entry, error) {
	return s.cfg.Store.CredentialsOfSubject(ctx, subjectID)
}

// RevokeIssuance revokes every credential of one issuance (the batch a
// notification_id names) that is not revoked yet, and returns their ids.
func (s *Service) RevokeIssuance(ctx context.Context, notificationID, reason, actor string) ([]string, error) {
	es, err := s.cfg.Store.CredentialsOfIssuance(ctx, notificationID)
	if err != nil {
		return nil, err
	}
	return s.revokeAll(ctx, es, nil, reason, actor)
}

// RevokeSubject revokes a subject's credentials of the given
// configurations (all of them when configurations is nil) that are not
// revoked yet, and returns their ids.
func (s *Service) RevokeSubject(ctx context.Context, subjectID string, configurations []string, reason, actor string) ([]string, error) {
	es, err := s.cfg.Store.CredentialsOfSubject(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	return s.revokeAll(ctx, es, configurations, reason, actor)
}

func (s *Service) revokeAll(ctx context.Context, es []Entry, configurations []string, reason, actor string) ([]string, error) {
	var out []string
	for _, e := range es {
		if e.Status == statuslist.Invalid || (configurations != nil && !slices.Contains(configurations, e.ConfigurationID)) {
			continue
		}
		if _, err := s.Apply(ctx, e.CredentialID, Revoke, reason, actor); err != nil {
			return out, err
		}
		out = append(out, e.CredentialID)
	}
	return out, nil
}
