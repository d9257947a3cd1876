package record

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pramaan/pramaan/internal/audit"
)

// Limits.
const (
	MaxObservations = 256
	MaxValueBytes   = 64 << 10
	MaxNameBytes    = 128
	MaxSourceBytes  = 128
	MaxKeyBytes     = 256
)

// SubjectPrefix starts every subject ID.
const SubjectPrefix = "urn:pramaan:subject:"

// Errors.
var (
	ErrUnknownSubject = errors.New("record: unknown subject")
	ErrInvalid        = errors.New("record: invalid observation")
)

// Claim is one claim of a subject.
type Claim struct {
	Name         string
	Value        any
	Source       string
	EvidenceHash string
	Verified     bool
	VerifiedAt   time.Time
	UpdatedAt    time.Time
}

// Observation is a value seen in evidence, to record.
type Observation struct {
	Name   string
	Value  any // a string, a number or a bool
	Source string
	// Evidence is hashed (SHA-256) and not kept; or give EvidenceHash.
	Evidence     []byte
	EvidenceHash string
	Verified     bool
}

// Outcome says what a Record call did, by claim name.
type Outcome struct {
	// Changed were written.
	Changed []string
	// Kept were unverified observations refused because the record holds
	// a verified value.
	Kept []string
	// Unchanged already held the same value from the same source.
	Unchanged []string
}

// StoredClaim is a claim as the store keeps it: the value sealed.
type StoredClaim struct {
	SubjectID    string
	Name         string
	Value        []byte
	Source       string
	EvidenceHash string
	Verified     bool
	VerifiedAt   time.Time
	UpdatedAt    time.Time
}

// Store keeps subjects and claims.
type Store interface {
	// SubjectByKey returns the subject of (kind, key), inserting newID
	// when there is none; of concurrent first calls, one inserts and all
	// return its ID.
	SubjectByKey(ctx context.Context, kind, key, newID string, now time.Time) (id string, created bool, err error)
	// SubjectExists reports whether id is a subject.
	SubjectExists(ctx context.Context, id string) (bool, error)
	// RecordClaims returns the subject's claims, by name order.
	RecordClaims(ctx context.Context, subjectID string) ([]StoredClaim, error)
	// PutRecordClaims inserts or replaces the claims, all or none.
	PutRecordClaims(ctx context.Context, claims []StoredClaim) error
	// DeleteRecordClaims removes the subject's claims named (all of them
	// when names is empty) and returns how many.
	DeleteRecordClaims(ctx context.Context, subjectID string, names ...string) (int, error)
	// WithSubjectLock serialises writers of one subject (across instances).
	WithSubjectLock(ctx context.Context, subjectID string, fn func(context.Context) error) error
}

// Sealer encrypts values (internal/keys.DataKey is one).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Auditor appends audit events.
type Auditor interface {
	Append(ctx context.Context, e audit.Event) (audit.Event, error)
	AppendAll(ctx context.Context, events []audit.Event) ([]audit.Event, error)
}

// Config configures a Service.
type Config struct {
	Store  Store
	Sealer Sealer
	Audit  Auditor
	Now    func() time.Time
}

// Service is the record.
type Service struct {
	cfg Config
}

// New validates cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Sealer == nil || cfg.Audit == nil || cfg.Now == nil {
		return nil, errors.New("record: store, sealer, auditor and clock are required")
	}
	return &Service{cfg: cfg}, nil
}

var (
	namePattern   = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	sourcePattern = regexp.MustCompile(`^[A-Za-z0-9_.:\-]+$`)
)

// Subject returns the subject of the external key (kind, key), creating
// it on first sight.
func (s *Service) Subject(ctx context.Context, kind, key string) (string, bool, error) {
	if kind == "" || key == "" || len(kind) > MaxKeyBytes || len(key) > MaxKeyBytes {
		return "", false, fmt.Errorf("%w: subject key kind and value must be 1 to %d bytes", ErrInvalid, MaxKeyBytes)
	}
	b := make([]byte, 20)
	rand.Read(b)
	newID := SubjectPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	id, created, err := s.cfg.Store.SubjectByKey(ctx, kind, key, newID, s.cfg.Now())
	if err != nil {
		return "", false, fmt.Errorf("record: subject: %w", err)
	}
	if created {
		if _, err := s.cfg.Audit.Append(ctx, audit.Event{Type: "record.subject_created", Subject: id, Actor: "system",
			Data: map[string]string{"key_kind": kind}}); err != nil {
			return "", false, err
		}
	}
	return id, created, nil
}

func aad(subject, name string) []byte {
	return []byte("pramaan record v1\x00" + subject + "\x00" + name)
}

// validate checks an observation and returns its value's JSON and the
// evidence hash.
func validate(o Observation) ([]byte, string, error) {
	if len(o.Name) > MaxNameBytes || !namePattern.MatchString(o.Name) {
		return nil, "", fmt.Errorf("%w: claim name %.40q (lowercase letters, digits, _ in dot-separated segments, at most %d bytes)", ErrInvalid, o.Name, MaxNameBytes)
	}
	if o.Source == "" || len(o.Source) > MaxSourceBytes || !sourcePattern.MatchString(o.Source) {
		return nil, "", fmt.Errorf("%w: claim %s: source %.40q", ErrInvalid, o.Name, o.Source)
	}
	switch v := o.Value.(type) {
	case string:
		// JSON would replace invalid bytes: what is read back would not
		// be what the evidence said.
		if !utf8.ValidString(v) {
			return nil, "", fmt.Errorf("%w: claim %s: the value is not valid UTF-8", ErrInvalid, o.Name)
		}
	case bool, int, int64, float64, json.Number:
	default:
		return nil, "", fmt.Errorf("%w: claim %s: the value must be a string, a number or a bool, not %T", ErrInvalid, o.Name, o.Value)
	}
	v, err := json.Marshal(o.Value)
	if err != nil {
		return nil, "", fmt.Errorf("%w: claim %s: %v", ErrInvalid, o.Name, err)
	}
	if len(v) > MaxValueBytes {
		return nil, "", fmt.Errorf("%w: claim %s: value over %d bytes", ErrInvalid, o.Name, MaxValueBytes)
	}
	eh := o.EvidenceHash
	if o.Evidence != nil {
		h := sha256.Sum256(o.Evidence)
		eh = hex.EncodeToString(h[:])
	}
	if eh != "" {
		if b, err := hex.DecodeString(eh); err != nil || len(b) != sha256.Size {
			return nil, "", fmt.Errorf("%w: claim %s: evidence hash is not hex SHA-256", ErrInvalid, o.Name)
		}
	}
	return v, eh, nil
}

// conflicts reports a name that is a prefix segment of another (a leaf
// cannot also be an object).
func conflicts(names []string) error {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if strings.HasPrefix(sorted[i], sorted[i-1]+".") {
			return fmt.Errorf("%w: claim %s is a value and %s lies under it", ErrInvalid, sorted[i-1], sorted[i])
		}
	}
	// Prefixes may be separated by names sorting between them.
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	for _, n := range names {
		for i := strings.IndexByte(n, '.'); i >= 0; {
			if set[n[:i]] {
				return fmt.Errorf("%w: claim %s is a value and %s lies under it", ErrInvalid, n[:i], n)
			}
			j := strings.IndexByte(n[i+1:], '.')
			if j < 0 {
				break
			}
			i += j + 1
		}
	}
	return nil
}

// Record applies observations to the subject under its lock: an
// unverified value never replaces a verified one (Kept); the same value
// from the same source with the same status is Unchanged; anything else
// is written (Changed). Every change and every kept observation is an
// audit event, appended after the claims are written.
func (s *Service) Record(ctx context.Context, subjectID string, obs []Observation) (*Outcome, error) {
	if len(obs) == 0 || len(obs) > MaxObservations {
		return nil, fmt.Errorf("%w: %d observations (1 to %d)", ErrInvalid, len(obs), MaxObservations)
	}
	type prepared struct {
		o     Observation
		value []byte
		eh    string
	}
	var in []prepared
	seen := map[string]bool{}
	for _, o := range obs {
		v, eh, err := validate(o)
		if err != nil {
			return nil, err
		}
		if seen[o.Name] {
			return nil, fmt.Errorf("%w: claim %s observed twice", ErrInvalid, o.Name)
		}
		seen[o.Name] = true
		in = append(in, prepared{o, v, eh})
	}
	ok, err := s.cfg.Store.SubjectExists(ctx, subjectID)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %.80q", ErrUnknownSubject, subjectID)
	}
	out := &Outcome{}
	var events []audit.Event
	err = s.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		stored, err := s.cfg.Store.RecordClaims(ctx, subjectID)
		if err != nil {
			return fmt.Errorf("record: %w", err)
		}
		current := map[string]StoredClaim{}
		names := []string{}
		for _, c := range stored {
			current[c.Name] = c
			names = append(names, c.Name)
		}
		for _, p := range in {
			if _, ok := current[p.o.Name]; !ok {
				names = append(names, p.o.Name)
			}
		}
		if err := conflicts(names); err != nil {
			return err
		}
		now := s.cfg.Now().UTC().Truncate(time.Microsecond)
		var puts []StoredClaim
		for _, p := range in {
			o := p.o
			if cur, ok := current[o.Name]; ok {
				if cur.Verified && !o.Verified {
					out.Kept = append(out.Kept, o.Name)
					events = append(events, audit.Event{Type: "record.claim_kept", Subject: subjectID, Actor: "system",
						Data: map[string]string{"name": o.Name, "source": o.Source, "reason": "verified value not overwritten by an unverified one"}})
					continue
				}
				if cur.Source == o.Source && cur.Verified == o.Verified && cur.EvidenceHash == p.eh {
					plain, err := s.cfg.Sealer.Open(cur.Value, aad(subjectID, o.Name))
					if err != nil {
						return fmt.Errorf("record: opening %s: %w", o.Name, err)
					}
					if bytes.Equal(plain, p.value) {
						out.Unchanged = append(out.Unchanged, o.Name)
						continue
					}
				}
			}
			sealed, err := s.cfg.Sealer.Seal(p.value, aad(subjectID, o.Name))
			if err != nil {
				return fmt.Errorf("record: sealing %s: %w", o.Name, err)
			}
			sc := StoredClaim{SubjectID: subjectID, Name: o.Name, Value: sealed, Source: o.Source, EvidenceHash: p.eh, Verified: o.Verified, UpdatedAt: now}
			if o.Verified {
				sc.VerifiedAt = now
			}
			puts = append(puts, sc)
			out.Changed = append(out.Changed, o.Name)
			events = append(events, audit.Event{Type: "record.claim_set", Subject: subjectID, Actor: "system",
				Data: map[string]string{"name": o.Name, "source": o.Source, "evidence_hash": p.eh, "verified": fmt.Sprint(o.Verified)}})
		}
		if len(puts) == 0 {
			return nil
		}
		if err := s.cfg.Store.PutRecordClaims(ctx, puts); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The claims are written first: a crash between leaves a change
	// without its event, which the next Record of the same value does not
	// repeat; the reverse would leave an event for a change never made.
	if _, err := s.cfg.Audit.AppendAll(ctx, events); err != nil {
		return out, err
	}
	return out, nil
}

// Claims returns the subject's claims with their values, by name.
func (s *Service) Claims(ctx context.Context, subjectID string) ([]Claim, error) {
	ok, err := s.cfg.Store.SubjectExists(ctx, subjectID)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %.80q", ErrUnknownSubject, subjectID)
	}
	stored, err := s.cfg.Store.RecordClaims(ctx, subjectID)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	out := make([]Claim, 0, len(stored))
	for _, c := range stored {
		plain, err := s.cfg.Sealer.Open(c.Value, aad(subjectID, c.Name))
		if err != nil {
			return nil, fmt.Errorf("record: opening %s: %w", c.Name, err)
		}
		var v any
		if err := json.Unmarshal(plain, &v); err != nil {
			return nil, fmt.Errorf("record: %s: %w", c.Name, err)
		}
		out = append(out, Claim{Name: c.Name, Value: v, Source: c.Source, EvidenceHash: c.EvidenceHash,
			Verified: c.Verified, VerifiedAt: c.VerifiedAt, UpdatedAt: c.UpdatedAt})
	}
	slices.SortFunc(out, func(a, b Claim) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// CredentialClaims returns the subject's verified claims as nested
// objects: "address.city" becomes {"address": {"city": …}}.
func (s *Service) CredentialClaims(ctx context.Context, subjectID string) (map[string]any, error) {
	claims, err := s.Claims(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, c := range claims {
		if !c.Verified {
			continue
		}
		parts := strings.Split(c.Name, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = c.Value
	}
	return out, nil
}

// Erase deletes the subject's claims, leaving an audit event that says
// how many (no values).
func (s *Service) Erase(ctx context.Context, subjectID string) (int, error) {
	ok, err := s.cfg.Store.SubjectExists(ctx, subjectID)
	if err != nil {
		return 0, fmt.Errorf("record: %w", err)
	}
	if !ok {
		return 0, fmt.Errorf("%w: %.80q", ErrUnknownSubject, subjectID)
	}
	var n int
	err = s.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		var err error
		n, err = s.cfg.Store.DeleteRecordClaims(ctx, subjectID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record: erase: %w", err)
	}
	_, err = s.cfg.Audit.Append(ctx, audit.Event{Type: "record.erased", Subject: subjectID, Actor: "operator", Data: map[string]string{"claims": fmt.Sprint(n)}})
	return n, err
}

// Withdraw deletes the named claims of a subject (a document withdrawn, a
// value found wrong) and leaves an audit event naming the claims and the
// reason (never their values); it returns how many were deleted.
func (s *Service) Withdraw(ctx context.Context, subjectID string, names []string, reason string) (int, error) {
	if len(names) == 0 || len(names) > MaxObservations {
		return 0, fmt.Errorf("%w: 1 to %d claim names", ErrInvalid, MaxObservations)
	}
	for _, n := range names {
		if n == "" || len(n) > MaxNameBytes {
			return 0, fmt.Errorf("%w: claim name %.40q", ErrInvalid, n)
		}
	}
	ok, err := s.cfg.Store.SubjectExists(ctx, subjectID)
	if err != nil {
		return 0, fmt.Errorf("record: %w", err)
	}
	if !ok {
		return 0, fmt.Errorf("%w: %.80q", ErrUnknownSubject, subjectID)
	}
	var n int
	err = s.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		var err error
		n, err = s.cfg.Store.DeleteRecordClaims(ctx, subjectID, names...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record: withdraw: %w", err)
	}
	_, err = s.cfg.Audit.Append(ctx, audit.Event{Type: "record.claims_withdrawn", Subject: subjectID, Actor: "operator",
		Data: map[string]string{"claims": strings.Join(names, ","), "deleted": fmt.Sprint(n), "reason": reason}})
	return n, err
}
