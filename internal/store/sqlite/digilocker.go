package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/internal/portal"
)

const linkColumns = `subject_id, flow, digilocker_id, tokens, scope, expires_at, version, updated_at`

// DigiLockerLink implements digilocker.LinkStore.
func (s *Store) DigiLockerLink(ctx context.Context, subjectID string, flow digilocker.Flow) (digilocker.Link, error) {
	var l digilocker.Link
	var f string
	var exp, upd int64
	err := s.queryRow(ctx, `SELECT `+linkColumns+` FROM digilocker_links WHERE subject_id = ? AND flow = ?`, subjectID, string(flow)).
		Scan(&l.SubjectID, &f, &l.DigiLockerID, &l.Tokens, &l.Scope, &exp, &l.Version, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("sqlite: digilocker link: %w", digilocker.ErrNoLink)
	}
	if err != nil {
		return l, fmt.Errorf("sqlite: digilocker link: %w", err)
	}
	l.Flow, l.ExpiresAt, l.UpdatedAt = digilocker.Flow(f), fromNanos(exp), fromNanos(upd)
	return l, nil
}

// SaveDigiLockerLink implements digilocker.LinkStore: version 1 inserts,
// a later version replaces only its predecessor.
func (s *Store) SaveDigiLockerLink(ctx context.Context, l digilocker.Link) error {
	var res sql.Result
	var err error
	if l.Version == 1 {
		res, err = s.exec(ctx, `INSERT INTO digilocker_links (`+linkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			l.SubjectID, string(l.Flow), l.DigiLockerID, l.Tokens, l.Scope, nanos(l.ExpiresAt), l.Version, nanos(l.UpdatedAt))
	} else {
		res, err = s.exec(ctx, `UPDATE digilocker_links SET digilocker_id = ?, tokens = ?, scope = ?, expires_at = ?, version = ?, updated_at = ?
			WHERE subject_id = ? AND flow = ? AND version = ?`,
			l.DigiLockerID, l.Tokens, l.Scope, nanos(l.ExpiresAt), l.Version, nanos(l.UpdatedAt), l.SubjectID, string(l.Flow), l.Version-1)
	}
	if err != nil {
		return fmt.Errorf("sqlite: save digilocker link: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: save digilocker link version %d: %w", l.Version, digilocker.ErrStaleLink)
	}
	return nil
}

// DeleteDigiLockerLinks implements digilocker.LinkStore.
func (s *Store) DeleteDigiLockerLinks(ctx context.Context, subjectID string) error {
	if _, err := s.exec(ctx, `DELETE FROM digilocker_links WHERE subject_id = ?`, subjectID); err != nil {
		return fmt.Errorf("sqlite: delete digilocker links: %w", err)
	}
	return nil
}

// WithSubjectLock implements digilocker.LinkStore with an in-process lock:
// a SQLite database has one instance of pramaan serve.
func (s *Store) WithSubjectLock(ctx context.Context, subjectID string, fn func(context.Context) error) error {
	unlock, err := s.locks.lock(ctx, subjectID)
	if err != nil {
		return fmt.Errorf("sqlite: subject lock: %w", err)
	}
	defer unlock()
	return fn(ctx)
}

// CreatePendingAuth implements portal.Store.
func (s *Store) CreatePendingAuth(ctx context.Context, p portal.PendingAuth) error {
	_, err := s.exec(ctx, `INSERT INTO digilocker_pending (state_hash, flow, verifier, session_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.StateHash, p.Flow, p.Verifier, p.SessionHash, nanos(p.CreatedAt), nanos(p.ExpiresAt))
	if isConstraint(err) {
		return fmt.Errorf("sqlite: pending authorization: %w", portal.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: pending authorization: %w", err)
	}
	return nil
}

// ConsumePendingAuth implements portal.Store: the row is marked used in
// the statement that reads it, so a state is consumed once.
func (s *Store) ConsumePendingAuth(ctx context.Context, stateHash []byte, now time.Time) (portal.PendingAuth, error) {
	p := portal.PendingAuth{StateHash: stateHash}
	var created, expires int64
	err := s.queryRow(ctx, `UPDATE digilocker_pending SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING flow, verifier, session_id, created_at, expires_at`, nanos(now), stateHash, nanos(now)).
		Scan(&p.Flow, &p.Verifier, &p.SessionHash, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("sqlite: pending authorization: %w", portal.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("sqlite: pending authorization: %w", err)
	}
	p.CreatedAt, p.ExpiresAt = fromNanos(created), fromNanos(expires)
	return p, nil
}

// CreateSession implements portal.Store.
func (s *Store) CreateSession(ctx context.Context, ss portal.Session) error {
	_, err := s.exec(ctx, `INSERT INTO web_sessions (id_hash, subject_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		ss.IDHash, ss.SubjectID, nanos(ss.CreatedAt), nanos(ss.ExpiresAt))
	if isConstraint(err) {
		return fmt.Errorf("sqlite: session: %w", portal.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: session: %w", err)
	}
	return nil
}

// Session implements portal.Store.
func (s *Store) Session(ctx context.Context, idHash []byte, now time.Time) (portal.Session, error) {
	ss := portal.Session{IDHash: idHash}
	var created, expires int64
	err := s.queryRow(ctx, `SELECT subject_id, created_at, expires_at FROM web_sessions WHERE id_hash = ? AND expires_at > ?`, idHash, nanos(now)).
		Scan(&ss.SubjectID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, fmt.Errorf("sqlite: session: %w", portal.ErrNotFound)
	}
	if err != nil {
		return ss, fmt.Errorf("sqlite: session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt = fromNanos(created), fromNanos(expires)
	return ss, nil
}

// DeleteSession implements portal.Store.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM web_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// keyedLocks is a set of in-process locks by key, each a one-slot
// channel so that waiting respects the context.
type keyedLocks struct {
	mu   sync.Mutex
	held map[string]*keyedLock
}

type keyedLock struct {
	slot chan struct{}
	refs int
}

func (k *keyedLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.held == nil {
		k.held = map[string]*keyedLock{}
	}
	l := k.held[key]
	if l == nil {
		l = &keyedLock{slot: make(chan struct{}, 1)}
		k.held[key] = l
	}
	l.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.held, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.slot <- struct{}{}:
		return func() { <-l.slot; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
