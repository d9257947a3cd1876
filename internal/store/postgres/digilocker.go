package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/internal/portal"
)

const linkColumns = `subject_id, flow, digilocker_id, tokens, scope, expires_at, version, updated_at`

// DigiLockerLink implements digilocker.LinkStore.
func (s *Store) DigiLockerLink(ctx context.Context, subjectID string, flow digilocker.Flow) (digilocker.Link, error) {
	var l digilocker.Link
	var f string
	err := s.pool.QueryRow(ctx, `SELECT `+linkColumns+` FROM digilocker_links WHERE subject_id = $1 AND flow = $2`, subjectID, string(flow)).
		Scan(&l.SubjectID, &f, &l.DigiLockerID, &l.Tokens, &l.Scope, &l.ExpiresAt, &l.Version, &l.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("postgres: digilocker link: %w", digilocker.ErrNoLink)
	}
	if err != nil {
		return l, fmt.Errorf("postgres: digilocker link: %w", err)
	}
	l.Flow, l.ExpiresAt, l.UpdatedAt = digilocker.Flow(f), utc(l.ExpiresAt), utc(l.UpdatedAt)
	return l, nil
}

// SaveDigiLockerLink implements digilocker.LinkStore: version 1 inserts,
// a later version replaces only its predecessor, so a writer that lost a
// race changes nothing.
func (s *Store) SaveDigiLockerLink(ctx context.Context, l digilocker.Link) error {
	var sql string
	args := []any{l.SubjectID, string(l.Flow), l.DigiLockerID, l.Tokens, l.Scope, l.ExpiresAt, l.Version, l.UpdatedAt}
	if l.Version == 1 {
		sql = `INSERT INTO digilocker_links (` + linkColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`
	} else {
		sql = `UPDATE digilocker_links SET digilocker_id = $3, tokens = $4, scope = $5, expires_at = $6, version = $7, updated_at = $8
			WHERE subject_id = $1 AND flow = $2 AND version = $7 - 1`
	}
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("postgres: save digilocker link: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: save digilocker link version %d: %w", l.Version, digilocker.ErrStaleLink)
	}
	return nil
}

// DeleteDigiLockerLinks implements digilocker.LinkStore.
func (s *Store) DeleteDigiLockerLinks(ctx context.Context, subjectID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM digilocker_links WHERE subject_id = $1`, subjectID); err != nil {
		return fmt.Errorf("postgres: delete digilocker links: %w", err)
	}
	return nil
}

// subjectLockKey is the advisory lock key of a subject: the first 8 bytes
// of SHA-256 over a namespaced name, so that it cannot meet the migration
// lock or another kind of lock by accident.
func subjectLockKey(subjectID string) int64 {
	h := sha256.Sum256([]byte("pramaan subject lock\x00" + subjectID))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// WithSubjectLock implements digilocker.LinkStore with a session-level
// advisory lock held on a connection of its own for the duration of fn, so
// that every instance sharing the database takes turns. fn's own queries
// run on other connections of the pool, with no transaction held open
// across DigiLocker's answer.
func (s *Store) WithSubjectLock(ctx context.Context, subjectID string, fn func(context.Context) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: subject lock: %w", err)
	}
	key := subjectLockKey(subjectID)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		// A cancelled wait may leave the connection in any state.
		conn.Conn().Close(context.Background())
		conn.Release()
		return fmt.Errorf("postgres: subject lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// Closing the session releases its locks.
			conn.Conn().Close(uctx)
		}
		conn.Release()
	}()
	return fn(ctx)
}

// CreatePendingAuth implements portal.Store.
func (s *Store) CreatePendingAuth(ctx context.Context, p portal.PendingAuth) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO digilocker_pending (state_hash, flow, verifier, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.StateHash, p.Flow, p.Verifier, p.SessionHash, p.CreatedAt, p.ExpiresAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: pending authorization: %w", portal.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: pending authorization: %w", err)
	}
	return nil
}

// ConsumePendingAuth implements portal.Store in one statement: of
// concurrent callbacks with one state, one gets the row.
func (s *Store) ConsumePendingAuth(ctx context.Context, stateHash []byte, now time.Time) (portal.PendingAuth, error) {
	p := portal.PendingAuth{StateHash: stateHash}
	err := s.pool.QueryRow(ctx, `UPDATE digilocker_pending SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $1
		RETURNING flow, verifier, session_id, created_at, expires_at`, now, stateHash).
		Scan(&p.Flow, &p.Verifier, &p.SessionHash, &p.CreatedAt, &p.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("postgres: pending authorization: %w", portal.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("postgres: pending authorization: %w", err)
	}
	p.CreatedAt, p.ExpiresAt = utc(p.CreatedAt), utc(p.ExpiresAt)
	return p, nil
}

// CreateSession implements portal.Store.
func (s *Store) CreateSession(ctx context.Context, ss portal.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO web_sessions (id_hash, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		ss.IDHash, ss.SubjectID, ss.CreatedAt, ss.ExpiresAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: session: %w", portal.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: session: %w", err)
	}
	return nil
}

// Session implements portal.Store.
func (s *Store) Session(ctx context.Context, idHash []byte, now time.Time) (portal.Session, error) {
	ss := portal.Session{IDHash: idHash}
	err := s.pool.QueryRow(ctx, `SELECT subject_id, created_at, expires_at FROM web_sessions WHERE id_hash = $1 AND expires_at > $2`, idHash, now).
		Scan(&ss.SubjectID, &ss.CreatedAt, &ss.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, fmt.Errorf("postgres: session: %w", portal.ErrNotFound)
	}
	if err != nil {
		return ss, fmt.Errorf("postgres: session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt = utc(ss.CreatedAt), utc(ss.ExpiresAt)
	return ss, nil
}

// DeleteSession implements portal.Store.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}
