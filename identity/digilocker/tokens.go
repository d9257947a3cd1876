package digilocker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// DefaultRefreshBefore is how long before expiry an access token is
// refreshed.
const DefaultRefreshBefore = 5 * time.Minute

// Errors of the token lifecycle; each tells the front end what to do.
var (
	// ErrNotLinked: the subject has no DigiLocker tokens for the flow;
	// start the flow.
	ErrNotLinked = errors.New("digilocker: not linked")
	// ErrReauthRequired: the tokens expired and could not be refreshed
	// (no refresh token, or DigiLocker refused it); sign in again.
	ErrReauthRequired = errors.New("digilocker: re-authentication required")
	// ErrTokenRejected: DigiLocker refused an access token it issued
	// (revoked by the citizen, or consent withdrawn); sign in again.
	ErrTokenRejected = errors.New("digilocker: token rejected by DigiLocker")
	// ErrUnavailable: DigiLocker could not be reached or failed; the
	// tokens are kept, try again later.
	ErrUnavailable = errors.New("digilocker: unavailable")
	// ErrStaleLink is a store's answer when a save lost to a newer one.
	ErrStaleLink = errors.New("digilocker: link changed concurrently")
	// ErrNoLink is a store's answer when there is no link.
	ErrNoLink = errors.New("digilocker: no link stored")
)

// Link is the stored form of a subject's tokens for one flow. Tokens is
// sealed by Tokens; the store never sees a token.
type Link struct {
	SubjectID    string
	Flow         Flow
	DigiLockerID string
	Tokens       []byte
	Scope        string
	ExpiresAt    time.Time
	// Version rises by one with every save; a save of version v replaces
	// only version v-1 (or inserts, for v = 1 after a deletion or none).
	Version   int64
	UpdatedAt time.Time
}

// LinkStore keeps links and the per-subject lock.
type LinkStore interface {
	// DigiLockerLink returns the link of subject and flow, or ErrNoLink.
	DigiLockerLink(ctx context.Context, subjectID string, flow Flow) (Link, error)
	// SaveDigiLockerLink writes l if the stored version is l.Version-1
	// (none counts as 0); otherwise ErrStaleLink and nothing changes.
	SaveDigiLockerLink(ctx context.Context, l Link) error
	// DeleteDigiLockerLinks removes the subject's links of every flow.
	DeleteDigiLockerLinks(ctx context.Context, subjectID string) error
	// WithSubjectLock runs fn while holding a lock on subjectID that
	// every instance sharing the store respects (Postgres: an advisory
	// lock; SQLite: in-process, one instance).
	WithSubjectLock(ctx context.Context, subjectID string, fn func(context.Context) error) error
}

// Sealer encrypts tokens at rest (internal/keys.DataKey is one).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// TokensConfig configures Tokens.
type TokensConfig struct {
	Client *Client
	Store  LinkStore
	Sealer Sealer
	// RefreshBefore; zero means DefaultRefreshBefore.
	RefreshBefore time.Duration
	Now           func() time.Time
}

// Tokens keeps each subject's DigiLocker tokens: sealed at rest, never
// handed out beyond the process, refreshed under the subject's lock when
// they come within RefreshBefore of expiry, the rotated refresh token
// saved with the new access token in one write.
type Tokens struct {
	cfg TokensConfig
}

// NewTokens validates cfg.
func NewTokens(cfg TokensConfig) (*Tokens, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Sealer == nil || cfg.Now == nil {
		return nil, errors.New("digilocker: tokens need a client, a store, a sealer and a clock")
	}
	if cfg.RefreshBefore == 0 {
		cfg.RefreshBefore = DefaultRefreshBefore
	}
	return &Tokens{cfg: cfg}, nil
}

// sealedTokens is the plaintext of Link.Tokens.
type sealedTokens struct {
	Access  string `json:"a"`
	Refresh string `json:"r,omitempty"`
}

func linkAAD(subjectID string, flow Flow, version int64) []byte {
	return []byte("pramaan digilocker tokens v1\x00" + subjectID + "\x00" + string(flow) + "\x00" + strconv.FormatInt(version, 10))
}

// Save stores a token just obtained by code exchange as the subject's
// link for flow, replacing any earlier one.
func (t *Tokens) Save(ctx context.Context, subjectID string, flow Flow, tok *Token) error {
	return t.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		var version int64
		switch old, err := t.cfg.Store.DigiLockerLink(ctx, subjectID, flow); {
		case err == nil:
			version = old.Version
		case !errors.Is(err, ErrNoLink):
			return fmt.Errorf("digilocker: reading link: %w", err)
		}
		return t.write(ctx, subjectID, flow, tok.User.DigiLockerID, tok, version+1)
	})
}

func (t *Tokens) write(ctx context.Context, subjectID string, flow Flow, dlID string, tok *Token, version int64) error {
	plain, err := json.Marshal(sealedTokens{Access: tok.AccessToken, Refresh: tok.RefreshToken})
	if err != nil {
		return err
	}
	sealed, err := t.cfg.Sealer.Seal(plain, linkAAD(subjectID, flow, version))
	if err != nil {
		return fmt.Errorf("digilocker: sealing tokens: %w", err)
	}
	l := Link{
		SubjectID: subjectID, Flow: flow, DigiLockerID: dlID, Tokens: sealed, Scope: tok.Scope,
		ExpiresAt: tok.ExpiresAt, Version: version, UpdatedAt: t.cfg.Now(),
	}
	if err := t.cfg.Store.SaveDigiLockerLink(ctx, l); err != nil {
		return fmt.Errorf("digilocker: saving link: %w", err)
	}
	return nil
}

func (t *Tokens) open(l Link) (sealedTokens, error) {
	var st sealedTokens
	plain, err := t.cfg.Sealer.Open(l.Tokens, linkAAD(l.SubjectID, l.Flow, l.Version))
	if err != nil {
		return st, fmt.Errorf("digilocker: opening tokens: %w", err)
	}
	if err := json.Unmarshal(plain, &st); err != nil {
		return st, fmt.Errorf("digilocker: sealed tokens: %w", err)
	}
	return st, nil
}

// fresh reports whether l's access token is usable without a refresh.
func (t *Tokens) fresh(l Link) bool {
	return l.ExpiresAt.Sub(t.cfg.Now()) > t.cfg.RefreshBefore
}

// AccessToken returns a usable access token of the subject for flow,
// refreshing it first when it is within RefreshBefore of expiry. Of
// concurrent callers, across instances, one refreshes; the others wait on
// the subject's lock and then read the new token. Errors: ErrNotLinked,
// ErrReauthRequired, ErrUnavailable (wrapped with the cause).
func (t *Tokens) AccessToken(ctx context.Context, subjectID string, flow Flow) (string, error) {
	l, err := t.load(ctx, subjectID, flow)
	if err != nil {
		return "", err
	}
	if t.fresh(l) {
		st, err := t.open(l)
		if err != nil {
			return "", err
		}
		if st.Access == "" {
			return "", ErrReauthRequired
		}
		return st.Access, nil
	}
	var access string
	err = t.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		// Another holder of the lock may have refreshed already.
		l, err := t.load(ctx, subjectID, flow)
		if err != nil {
			return err
		}
		st, err := t.open(l)
		if err != nil {
			return err
		}
		if t.fresh(l) && st.Access != "" {
			access = st.Access
			return nil
		}
		if st.Refresh == "" {
			return ErrReauthRequired
		}
		tok, err := t.cfg.Client.Refresh(ctx, st.Refresh)
		switch {
		case err == nil:
		case IsGrantRejected(err) || IsTokenRejected(err):
			// The refresh token is dead: forget the pair, so that the
			// next call answers at once instead of asking DigiLocker.
			if werr := t.write(ctx, subjectID, flow, l.DigiLockerID, &Token{Scope: l.Scope, ExpiresAt: l.ExpiresAt}, l.Version+1); werr != nil {
				return errors.Join(fmt.Errorf("%w: %w", ErrReauthRequired, err), werr)
			}
			return fmt.Errorf("%w: %w", ErrReauthRequired, err)
		default:
			// DigiLocker failed or was not reached: a token not yet
			// expired still serves; otherwise try later.
			if l.ExpiresAt.After(t.cfg.Now()) && st.Access != "" {
				access = st.Access
				return nil
			}
			return fmt.Errorf("%w: refresh: %w", ErrUnavailable, err)
		}
		if tok.RefreshToken == "" {
			// DigiLocker rotates refresh tokens; if one is not
			// returned, the old one stays the only one there is.
			tok.RefreshToken = st.Refresh
		}
		if err := t.write(ctx, subjectID, flow, l.DigiLockerID, tok, l.Version+1); err != nil {
			return err
		}
		access = tok.AccessToken
		return nil
	})
	if err != nil {
		return "", err
	}
	return access, nil
}

func (t *Tokens) load(ctx context.Context, subjectID string, flow Flow) (Link, error) {
	l, err := t.cfg.Store.DigiLockerLink(ctx, subjectID, flow)
	if errors.Is(err, ErrNoLink) {
		return l, ErrNotLinked
	}
	if err != nil {
		return l, fmt.Errorf("digilocker: reading link: %w", err)
	}
	return l, nil
}

// Rejected records that DigiLocker refused the subject's access token of
// flow (HTTP 401 on an API call): the pair is forgotten and
// ErrTokenRejected returned, wrapping cause.
func (t *Tokens) Rejected(ctx context.Context, subjectID string, flow Flow, cause error) error {
	err := t.cfg.Store.WithSubjectLock(ctx, subjectID, func(ctx context.Context) error {
		l, err := t.load(ctx, subjectID, flow)
		if err != nil {
			return err
		}
		return t.write(ctx, subjectID, flow, l.DigiLockerID, &Token{Scope: l.Scope, ExpiresAt: l.ExpiresAt}, l.Version+1)
	})
	if err != nil && !errors.Is(err, ErrNotLinked) {
		return errors.Join(fmt.Errorf("%w: %w", ErrTokenRejected, cause), err)
	}
	return fmt.Errorf("%w: %w", ErrTokenRejected, cause)
}

// Unlink forgets every token of the subject.
func (t *Tokens) Unlink(ctx context.Context, subjectID string) error {
	return t.cfg.Store.DeleteDigiLockerLinks(ctx, subjectID)
}
