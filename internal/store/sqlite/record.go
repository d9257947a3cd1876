package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// SubjectByKey implements record.Store: INSERT … ON CONFLICT DO NOTHING,
// then read, in one write transaction.
func (s *Store) SubjectByKey(ctx context.Context, kind, key, newID string, now time.Time) (string, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, fmt.Errorf("sqlite: subject: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO subjects (id, kind, key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING`, newID, kind, key, nanos(now))
	if err != nil {
		return "", false, fmt.Errorf("sqlite: subject: %w", err)
	}
	n, _ := res.RowsAffected()
	var id string
	if err := tx.QueryRowContext(ctx, `SELECT id FROM subjects WHERE kind = ? AND key = ?`, kind, key).Scan(&id); err != nil {
		return "", false, fmt.Errorf("sqlite: subject: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", false, fmt.Errorf("sqlite: subject: %w", err)
	}
	return id, n == 1, nil
}

// SubjectExists implements record.Store.
func (s *Store) SubjectExists(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM subjects WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: subject: %w", err)
	}
	return n == 1, nil
}

// RecordClaims implements record.Store.
func (s *Store) RecordClaims(ctx context.Context, subjectID string) ([]record.StoredClaim, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, value, source, evidence_hash, verified, verified_at, updated_at FROM claims WHERE subject_id = ? ORDER BY name`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claims: %w", err)
	}
	defer rows.Close()
	var out []record.StoredClaim
	for rows.Next() {
		c := record.StoredClaim{SubjectID: subjectID}
		var verified int
		var verifiedAt sql.NullInt64
		var updated int64
		if err := rows.Scan(&c.Name, &c.Value, &c.Source, &c.EvidenceHash, &verified, &verifiedAt, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: claims: %w", err)
		}
		c.Verified, c.UpdatedAt = verified == 1, fromNanos(updated)
		if verifiedAt.Valid {
			c.VerifiedAt = fromNanos(verifiedAt.Int64)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutRecordClaims implements record.Store in one transaction.
func (s *Store) PutRecordClaims(ctx context.Context, claims []record.StoredClaim) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put claims: %w", err)
	}
	defer tx.Rollback()
	for _, c := range claims {
		var verifiedAt sql.NullInt64
		if !c.VerifiedAt.IsZero() {
			verifiedAt = sql.NullInt64{Int64: nanos(c.VerifiedAt), Valid: true}
		}
		verified := 0
		if c.Verified {
			verified = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO claims (subject_id, name, value, source, evidence_hash, verified, verified_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (subject_id, name) DO UPDATE SET value = excluded.value, source = excluded.source, evidence_hash = excluded.evidence_hash,
				verified = excluded.verified, verified_at = excluded.verified_at, updated_at = excluded.updated_at`,
			c.SubjectID, c.Name, c.Value, c.Source, c.EvidenceHash, verified, verifiedAt, nanos(c.UpdatedAt)); err != nil {
			return fmt.Errorf("sqlite: put claim %s: %w", c.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put claims: %w", err)
	}
	return nil
}

// DeleteRecordClaims implements record.Store.
func (s *Store) DeleteRecordClaims(ctx context.Context, subjectID string, names ...string) (int, error) {
	q, args := `DELETE FROM claims WHERE subject_id = ?`, []any{subjectID}
	if len(names) > 0 {
		q += ` AND name IN (?` + strings.Repeat(`, ?`, len(names)-1) + `)`
		for _, n := range names {
			args = append(args, n)
		}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete claims: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// AppendAudit implements audit.Store in one write transaction (BEGIN
// IMMEDIATE): appenders take turns.
func (s *Store) AppendAudit(ctx context.Context, build func(last *audit.Event) ([]audit.Event, error)) ([]audit.Event, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	defer tx.Rollback()
	var last *audit.Event
	var l audit.Event
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&l.Seq, &l.Hash)
	switch {
	case err == nil:
		last = &l
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	events, err := build(last)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, time, type, subject, actor, data, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, nanos(e.Time), e.Type, e.Subject, e.Actor, string(data), e.Prev, e.Hash); err != nil {
			return nil, fmt.Errorf("sqlite: audit: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return events, nil
}

// AuditEvents implements audit.Store.
func (s *Store) AuditEvents(ctx context.Context, after int64, limit int) ([]audit.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, time, type, subject, actor, data, prev, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var t int64
		var data string
		if err := rows.Scan(&e.Seq, &t, &e.Type, &e.Subject, &e.Actor, &data, &e.Prev, &e.Hash); err != nil {
			return nil, fmt.Errorf("sqlite: audit events: %w", err)
		}
		e.Time = fromNanos(t)
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return nil, fmt.Errorf("sqlite: audit event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
