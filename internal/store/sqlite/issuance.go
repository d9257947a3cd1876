package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

// RecordIssuance implements issuer.IssuanceStore; the unique (offer_id,
// configuration_id) makes a second issuance ErrAlreadyExists. The callback,
// if any, is inserted in the same transaction.
func (s *Store) RecordIssuance(ctx context.Context, c issuer.IssuedCredential, callback *outbox.Message) error {
	args := []any{c.ID, c.OfferID, c.Subject, c.ConfigurationID, c.Format, c.Count, nanos(c.IssuedAt)}
	var err error
	if callback == nil {
		_, err = s.exec(ctx, insertIssuance, args...)
	} else {
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			st, err := s.txStmt(ctx, tx, insertIssuance)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
			return s.insertMessage(ctx, tx, *callback)
		})
	}
	if isConstraint(err) {
		return fmt.Errorf("sqlite: record issuance: %w", issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: record issuance: %w", err)
	}
	return nil
}

const insertIssuance = `INSERT INTO issued_credentials (id, offer_id, subject, configuration_id, format, count, issued_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Issuance implements issuer.IssuanceStore.
func (s *Store) Issuance(ctx context.Context, id string) (issuer.IssuedCredential, error) {
	var (
		c           issuer.IssuedCredential
		issued      int64
		event, desc sql.NullString
		eventAt     sql.NullInt64
	)
	err := s.queryRow(ctx, `SELECT id, offer_id, subject, configuration_id, format, count, issued_at, event, event_description, event_at
		FROM issued_credentials WHERE id = ?`, id).Scan(&c.ID, &c.OfferID, &c.Subject, &c.ConfigurationID, &c.Format, &c.Count, &issued, &event, &desc, &eventAt)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.IssuedCredential{}, fmt.Errorf("sqlite: issuance %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return issuer.IssuedCredential{}, fmt.Errorf("sqlite: issuance %s: %w", id, err)
	}
	c.IssuedAt = fromNanos(issued)
	c.Event, c.EventDescription = event.String, desc.String
	if eventAt.Valid {
		c.EventAt = fromNanos(eventAt.Int64)
	}
	return c, nil
}

// RecordNotification implements issuer.IssuanceStore with one conditional
// UPDATE.
func (s *Store) RecordNotification(ctx context.Context, offerID, notificationID, event, description string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE issued_credentials SET event = ?, event_description = ?, event_at = ? WHERE id = ? AND offer_id = ?`,
		event, description, nanos(at), notificationID, offerID)
	if err != nil {
		return fmt.Errorf("sqlite: record notification: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: record notification: %w", issuer.ErrNotFound)
	}
	return nil
}

// SaveReply implements issuer.ReplyStore: the insert replaces only an
// expired reply.
func (s *Store) SaveReply(ctx context.Context, r issuer.Reply, now time.Time) error {
	res, err := s.exec(ctx, `INSERT INTO replies (key, status, content_type, body, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET status = excluded.status, content_type = excluded.content_type, body = excluded.body, expires_at = excluded.expires_at
		WHERE replies.expires_at <= ?`, r.Key, r.Status, r.ContentType, r.Body, nanos(r.ExpiresAt), nanos(now))
	if err != nil {
		return fmt.Errorf("sqlite: save reply: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: save reply: %w", issuer.ErrAlreadyExists)
	}
	return nil
}

// Reply implements issuer.ReplyStore.
func (s *Store) Reply(ctx context.Context, key []byte, now time.Time) (issuer.Reply, error) {
	var (
		r       issuer.Reply
		expires int64
	)
	err := s.queryRow(ctx, `SELECT key, status, content_type, body, expires_at FROM replies WHERE key = ? AND expires_at > ?`,
		key, nanos(now)).Scan(&r.Key, &r.Status, &r.ContentType, &r.Body, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Reply{}, fmt.Errorf("sqlite: reply: %w", issuer.ErrNotFound)
	}
	if err != nil {
		return issuer.Reply{}, fmt.Errorf("sqlite: reply: %w", err)
	}
	r.ExpiresAt = fromNanos(expires)
	return r, nil
}

const deferredColumns = `id, transaction_hash, offer_id, configuration_id, holder_keys, created_at, expires_at, approved_at, issued_at`

// CreateDeferred implements issuer.DeferredStore.
func (s *Store) CreateDeferred(ctx context.Context, d issuer.Deferred) error {
	_, err := s.exec(ctx, `INSERT INTO deferred (`+deferredColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
		d.ID, d.TransactionHash, d.OfferID, d.ConfigurationID, d.HolderKeys, nanos(d.CreatedAt), nanos(d.ExpiresAt))
	if isConstraint(err) {
		return fmt.Errorf("sqlite: create deferred %s: %w", d.ID, issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create deferred %s: %w", d.ID, err)
	}
	return nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanDeferred(row rowScanner) (issuer.Deferred, error) {
	var (
		d                issuer.Deferred
		created, expires int64
		approved, issued sql.NullInt64
	)
	err := row.Scan(&d.ID, &d.TransactionHash, &d.OfferID, &d.ConfigurationID, &d.HolderKeys, &created, &expires, &approved, &issued)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Deferred{}, issuer.ErrNotFound
	}
	if err != nil {
		return issuer.Deferred{}, err
	}
	d.CreatedAt, d.ExpiresAt = fromNanos(created), fromNanos(expires)
	if approved.Valid {
		d.ApprovedAt = fromNanos(approved.Int64)
	}
	if issued.Valid {
		d.IssuedAt = fromNanos(issued.Int64)
	}
	return d, nil
}

// DeferredByTransaction implements issuer.DeferredStore.
func (s *Store) DeferredByTransaction(ctx context.Context, txHash []byte, now time.Time) (issuer.Deferred, error) {
	d, err := scanDeferred(s.queryRow(ctx, `SELECT `+deferredColumns+` FROM deferred
		WHERE transaction_hash = ? AND issued_at IS NULL AND expires_at > ?`, txHash, nanos(now)))
	if err != nil {
		return issuer.Deferred{}, fmt.Errorf("sqlite: deferred: %w", err)
	}
	return d, nil
}

// ApproveDeferred implements issuer.DeferredStore.
func (s *Store) ApproveDeferred(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE deferred SET approved_at = ?
		WHERE id = ? AND approved_at IS NULL AND issued_at IS NULL AND expires_at > ?`, nanos(now), id, nanos(now))
	if err != nil {
		return fmt.Errorf("sqlite: approve deferred %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: approve deferred %s: %w", id, issuer.ErrNotFound)
	}
	return nil
}

// ListDeferred implements issuer.DeferredStore.
func (s *Store) ListDeferred(ctx context.Context, now time.Time, limit int) ([]issuer.Deferred, error) {
	rows, err := s.query(ctx, `SELECT `+deferredColumns+` FROM deferred
		WHERE issued_at IS NULL AND expires_at > ? ORDER BY created_at, id LIMIT ?`, nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list deferred: %w", err)
	}
	defer rows.Close()
	var out []issuer.Deferred
	for rows.Next() {
		d, err := scanDeferred(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list deferred: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list deferred: %w", err)
	}
	return out, nil
}

// CollectDeferred implements issuer.DeferredStore with one conditional
// UPDATE … RETURNING: of concurrent collectors one changes the row.
func (s *Store) CollectDeferred(ctx context.Context, txHash []byte, now time.Time) (issuer.Deferred, error) {
	d, err := scanDeferred(s.queryRow(ctx, `UPDATE deferred SET issued_at = ?
		WHERE transaction_hash = ? AND approved_at IS NOT NULL AND issued_at IS NULL AND expires_at > ?
		RETURNING `+deferredColumns, nanos(now), txHash, nanos(now)))
	if err != nil {
		return issuer.Deferred{}, fmt.Errorf("sqlite: collect deferred: %w", err)
	}
	return d, nil
}
