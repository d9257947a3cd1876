package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

// RecordIssuance implements issuer.IssuanceStore; the unique (offer_id,
// configuration_id) makes a second issuance ErrAlreadyExists. The callback,
// if any, is inserted in the same transaction.
func (s *Store) RecordIssuance(ctx context.Context, c issuer.IssuedCredential, callback *outbox.Message) error {
	insert := func(ctx context.Context, q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}) error {
		_, err := q.Exec(ctx, `INSERT INTO issued_credentials (id, offer_id, subject, configuration_id, format, count, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.OfferID, c.Subject, c.ConfigurationID, c.Format, c.Count, c.IssuedAt)
		return err
	}
	var err error
	if callback == nil {
		err = insert(ctx, s.pool)
	} else {
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			if err := insert(ctx, tx); err != nil {
				return err
			}
			return insertMessage(ctx, tx, *callback)
		})
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: record issuance: %w", issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: record issuance: %w", err)
	}
	return nil
}

// Issuance implements issuer.IssuanceStore.
func (s *Store) Issuance(ctx context.Context, id string) (issuer.IssuedCredential, error) {
	var (
		c           issuer.IssuedCredential
		event, desc *string
		eventAt     *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT id, offer_id, subject, configuration_id, format, count, issued_at, event, event_description, event_at
		FROM issued_credentials WHERE id = $1`, id).Scan(&c.ID, &c.OfferID, &c.Subject, &c.ConfigurationID, &c.Format, &c.Count, &c.IssuedAt, &event, &desc, &eventAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.IssuedCredential{}, fmt.Errorf("postgres: issuance %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return issuer.IssuedCredential{}, fmt.Errorf("postgres: issuance %s: %w", id, err)
	}
	c.IssuedAt = utc(c.IssuedAt)
	if event != nil {
		c.Event = *event
	}
	if desc != nil {
		c.EventDescription = *desc
	}
	if eventAt != nil {
		c.EventAt = utc(*eventAt)
	}
	return c, nil
}

// RecordNotification implements issuer.IssuanceStore with one conditional
// UPDATE.
func (s *Store) RecordNotification(ctx context.Context, offerID, notificationID, event, description string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE issued_credentials SET event = $1, event_description = $2, event_at = $3 WHERE id = $4 AND offer_id = $5`,
		event, description, at, notificationID, offerID)
	if err != nil {
		return fmt.Errorf("postgres: record notification: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: record notification: %w", issuer.ErrNotFound)
	}
	return nil
}

// SaveReply implements issuer.ReplyStore: the insert replaces only an
// expired reply.
func (s *Store) SaveReply(ctx context.Context, r issuer.Reply, now time.Time) error {
	// Asynchronous commit: a reply lost in a crash only costs the wallet's
	// identical retry its idempotency; the issuance record is durable.
	tag, err := s.execAsync(ctx, `INSERT INTO replies (key, status, content_type, body, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (key) DO UPDATE SET status = excluded.status, content_type = excluded.content_type, body = excluded.body, expires_at = excluded.expires_at
		WHERE replies.expires_at <= $6`, r.Key, r.Status, r.ContentType, r.Body, r.ExpiresAt, now)
	if err != nil {
		return fmt.Errorf("postgres: save reply: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: save reply: %w", issuer.ErrAlreadyExists)
	}
	return nil
}

// Reply implements issuer.ReplyStore.
func (s *Store) Reply(ctx context.Context, key []byte, now time.Time) (issuer.Reply, error) {
	var r issuer.Reply
	err := s.pool.QueryRow(ctx, `SELECT key, status, content_type, body, expires_at FROM replies WHERE key = $1 AND expires_at > $2`,
		key, now).Scan(&r.Key, &r.Status, &r.ContentType, &r.Body, &r.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Reply{}, fmt.Errorf("postgres: reply: %w", issuer.ErrNotFound)
	}
	if err != nil {
		return issuer.Reply{}, fmt.Errorf("postgres: reply: %w", err)
	}
	r.ExpiresAt = utc(r.ExpiresAt)
	return r, nil
}

const deferredColumns = `id, transaction_hash, offer_id, configuration_id, holder_keys, created_at, expires_at, approved_at, issued_at`

// CreateDeferred implements issuer.DeferredStore.
func (s *Store) CreateDeferred(ctx context.Context, d issuer.Deferred) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO deferred (`+deferredColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)`,
		d.ID, d.TransactionHash, d.OfferID, d.ConfigurationID, d.HolderKeys, d.CreatedAt, d.ExpiresAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: create deferred %s: %w", d.ID, issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create deferred %s: %w", d.ID, err)
	}
	return nil
}

func scanDeferred(row pgx.Row) (issuer.Deferred, error) {
	var (
		d                issuer.Deferred
		approved, issued *time.Time
	)
	err := row.Scan(&d.ID, &d.TransactionHash, &d.OfferID, &d.ConfigurationID, &d.HolderKeys, &d.CreatedAt, &d.ExpiresAt, &approved, &issued)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Deferred{}, issuer.ErrNotFound
	}
	if err != nil {
		return issuer.Deferred{}, err
	}
	d.CreatedAt, d.ExpiresAt = utc(d.CreatedAt), utc(d.ExpiresAt)
	if approved != nil {
		d.ApprovedAt = utc(*approved)
	}
	if issued != nil {
		d.IssuedAt = utc(*issued)
	}
	return d, nil
}

// DeferredByTransaction implements issuer.DeferredStore.
func (s *Store) DeferredByTransaction(ctx context.Context, txHash []byte, now time.Time) (issuer.Deferred, error) {
	d, err := scanDeferred(s.pool.QueryRow(ctx, `SELECT `+deferredColumns+` FROM deferred
		WHERE transaction_hash = $1 AND issued_at IS NULL AND expires_at > $2`, txHash, now))
	if err != nil {
		return issuer.Deferred{}, fmt.Errorf("postgres: deferred: %w", err)
	}
	return d, nil
}

// ApproveDeferred implements issuer.DeferredStore.
func (s *Store) ApproveDeferred(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE deferred SET approved_at = $1
		WHERE id = $2 AND approved_at IS NULL AND issued_at IS NULL AND expires_at > $1`, now, id)
	if err != nil {
		return fmt.Errorf("postgres: approve deferred %s: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: approve deferred %s: %w", id, issuer.ErrNotFound)
	}
	return nil
}

// ListDeferred implements issuer.DeferredStore.
func (s *Store) ListDeferred(ctx context.Context, now time.Time, limit int) ([]issuer.Deferred, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deferredColumns+` FROM deferred
		WHERE issued_at IS NULL AND expires_at > $1 ORDER BY created_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list deferred: %w", err)
	}
	defer rows.Close()
	var out []issuer.Deferred
	for rows.Next() {
		d, err := scanDeferred(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list deferred: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list deferred: %w", err)
	}
	return out, nil
}

// CollectDeferred implements issuer.DeferredStore with one conditional
// UPDATE … RETURNING: of concurrent collectors on any instance one
// changes the row.
func (s *Store) CollectDeferred(ctx context.Context, txHash []byte, now time.Time) (issuer.Deferred, error) {
	d, err := scanDeferred(s.pool.QueryRow(ctx, `UPDATE deferred SET issued_at = $1
		WHERE transaction_hash = $2 AND approved_at IS NOT NULL AND issued_at IS NULL AND expires_at > $1
		RETURNING `+deferredColumns, now, txHash))
	if err != nil {
		return issuer.Deferred{}, fmt.Errorf("postgres: collect deferred: %w", err)
	}
	return d, nil
}
