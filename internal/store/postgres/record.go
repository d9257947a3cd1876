package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// auditLock is the advisory transaction lock appenders of the audit
// chain take ("audit" in ASCII).
const auditLock int64 = 0x6175646974

// SubjectByKey implements record.Store: the unique (kind, key) makes one
// of concurrent first inserts win; the others read its ID.
func (s *Store) SubjectByKey(ctx context.Context, kind, key, newID string, now time.Time) (string, bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO subjects (id, kind, key, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, key) DO NOTHING`, newID, kind, key, now)
	if err != nil {
		return "", false, fmt.Errorf("postgres: subject: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return newID, true, nil
	}
	var id string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM subjects WHERE kind = $1 AND key = $2`, kind, key).Scan(&id); err != nil {
		return "", false, fmt.Errorf("postgres: subject: %w", err)
	}
	return id, false, nil
}

// SubjectExists implements record.Store.
func (s *Store) SubjectExists(ctx context.Context, id string) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subjects WHERE id = $1)`, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres: subject: %w", err)
	}
	return ok, nil
}

// RecordClaims implements record.Store.
func (s *Store) RecordClaims(ctx context.Context, subjectID string) ([]record.StoredClaim, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, value, source, evidence_hash, verified, verified_at, updated_at FROM claims WHERE subject_id = $1 ORDER BY name`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("postgres: claims: %w", err)
	}
	defer rows.Close()
	var out []record.StoredClaim
	for rows.Next() {
		c := record.StoredClaim{SubjectID: subjectID}
		var verifiedAt *time.Time
		if err := rows.Scan(&c.Name, &c.Value, &c.Source, &c.EvidenceHash, &c.Verified, &verifiedAt, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("postgres: claims: %w", err)
		}
		c.UpdatedAt = utc(c.UpdatedAt)
		if verifiedAt != nil {
			c.VerifiedAt = utc(*verifiedAt)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutRecordClaims implements record.Store in one transaction.
func (s *Store) PutRecordClaims(ctx context.Context, claims []record.StoredClaim) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, c := range claims {
			var verifiedAt *time.Time
			if !c.VerifiedAt.IsZero() {
				verifiedAt = &c.VerifiedAt
			}
			if _, err := tx.Exec(ctx, `INSERT INTO claims (subject_id, name, value, source, evidence_hash, verified, verified_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (subject_id, name) DO UPDATE SET value = excluded.value, source = excluded.source, evidence_hash = excluded.evidence_hash,
					verified = excluded.verified, verified_at = excluded.verified_at, updated_at = excluded.updated_at`,
				c.SubjectID, c.Name, c.Value, c.Source, c.EvidenceHash, c.Verified, verifiedAt, c.UpdatedAt); err != nil {
				return fmt.Errorf("postgres: put claim %s: %w", c.Name, err)
			}
		}
		return nil
	})
}

// DeleteRecordClaims implements record.Store.
func (s *Store) DeleteRecordClaims(ctx context.Context, subjectID string, names ...string) (int, error) {
	q, args := `DELETE FROM claims WHERE subject_id = $1`, []any{subjectID}
	if len(names) > 0 {
		q, args = q+` AND name = ANY($2)`, append(args, names)
	}
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete claims: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// AppendAudit implements audit.Store: the transaction takes the audit
// advisory lock first, so appenders on every instance take turns and the
// chain stays one line.
func (s *Store) AppendAudit(ctx context.Context, build func(last *audit.Event) ([]audit.Event, error)) ([]audit.Event, error) {
	var out []audit.Event
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLock); err != nil {
			return err
		}
		var last *audit.Event
		var l audit.Event
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&l.Seq, &l.Hash)
		switch {
		case err == nil:
			last = &l
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		events, err := build(last)
		if err != nil {
			return err
		}
		for _, e := range events {
			data, err := json.Marshal(e.Data)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_events (seq, time, type, subject, actor, data, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				e.Seq, e.Time, e.Type, e.Subject, e.Actor, string(data), e.Prev, e.Hash); err != nil {
				return err
			}
		}
		out = events
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: audit: %w", err)
	}
	return out, nil
}

// AuditEvents implements audit.Store.
func (s *Store) AuditEvents(ctx context.Context, after int64, limit int) ([]audit.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, time, type, subject, actor, data, prev, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var data string
		if err := rows.Scan(&e.Seq, &e.Time, &e.Type, &e.Subject, &e.Actor, &data, &e.Prev, &e.Hash); err != nil {
			return nil, fmt.Errorf("postgres: audit events: %w", err)
		}
		e.Time = utc(e.Time)
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return nil, fmt.Errorf("postgres: audit event %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
