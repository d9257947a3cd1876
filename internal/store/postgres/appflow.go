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

// PutAppClient implements issuer.RegistryStore.
func (s *Store) PutAppClient(ctx context.Context, c issuer.AppClient) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO app_clients (id, jwks, configuration_ids, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET jwks = excluded.jwks, configuration_ids = excluded.configuration_ids`,
		c.ID, c.JWKS, nonNil(c.ConfigurationIDs), c.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: app client %s: %w", c.ID, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const appClientColumns = `id, jwks, configuration_ids, created_at`

func scanAppClient(row pgx.Row) (issuer.AppClient, error) {
	var c issuer.AppClient
	err := row.Scan(&c.ID, &c.JWKS, &c.ConfigurationIDs, &c.CreatedAt)
	c.CreatedAt = utc(c.CreatedAt)
	return c, err
}

// AppClient implements issuer.RegistryStore.
func (s *Store) AppClient(ctx context.Context, id string) (issuer.AppClient, error) {
	c, err := scanAppClient(s.pool.QueryRow(ctx, `SELECT `+appClientColumns+` FROM app_clients WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("postgres: app client %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("postgres: app client %s: %w", id, err)
	}
	return c, nil
}

// AppClients implements issuer.RegistryStore.
func (s *Store) AppClients(ctx context.Context) ([]issuer.AppClient, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+appClientColumns+` FROM app_clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: app clients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (issuer.AppClient, error) { return scanAppClient(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: app clients: %w", err)
	}
	return out, nil
}

// PutWalletBackend implements issuer.RegistryStore.
func (s *Store) PutWalletBackend(ctx context.Context, b issuer.WalletBackend) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO wallet_backends (id, callback_url, encryption_jwk, configuration_ids, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET callback_url = excluded.callback_url, encryption_jwk = excluded.encryption_jwk, configuration_ids = excluded.configuration_ids`,
		b.ID, b.CallbackURL, b.EncryptionJWK, nonNil(b.ConfigurationIDs), b.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: wallet backend %s: %w", b.ID, err)
	}
	return nil
}

const walletBackendColumns = `id, callback_url, encryption_jwk, configuration_ids, created_at`

func scanWalletBackend(row pgx.Row) (issuer.WalletBackend, error) {
	var b issuer.WalletBackend
	err := row.Scan(&b.ID, &b.CallbackURL, &b.EncryptionJWK, &b.ConfigurationIDs, &b.CreatedAt)
	b.CreatedAt = utc(b.CreatedAt)
	return b, err
}

// WalletBackend implements issuer.RegistryStore.
func (s *Store) WalletBackend(ctx context.Context, id string) (issuer.WalletBackend, error) {
	b, err := scanWalletBackend(s.pool.QueryRow(ctx, `SELECT `+walletBackendColumns+` FROM wallet_backends WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fmt.Errorf("postgres: wallet backend %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("postgres: wallet backend %s: %w", id, err)
	}
	return b, nil
}

// WalletBackends implements issuer.RegistryStore.
func (s *Store) WalletBackends(ctx context.Context) ([]issuer.WalletBackend, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+walletBackendColumns+` FROM wallet_backends ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet backends: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (issuer.WalletBackend, error) { return scanWalletBackend(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: wallet backends: %w", err)
	}
	return out, nil
}

func insertMessage(ctx context.Context, tx pgx.Tx, m outbox.Message) error {
	next := m.NextAttemptAt
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err := tx.Exec(ctx, `INSERT INTO outbox (id, destination, url, content_type, body, issuance_id, state, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)`,
		m.ID, m.Destination, m.URL, m.ContentType, m.Body, nullString(m.IssuanceID), next, m.CreatedAt)
	return err
}

const messageColumns = `id, destination, url, content_type, body, issuance_id, state, attempts, next_attempt_at, lease_until, last_status, last_error, created_at, delivered_at`

func scanMessage(row pgx.Row) (outbox.Message, error) {
	var (
		m                 outbox.Message
		issuance, lastErr *string
		state             string
		lease, delivered  *time.Time
		last              *int32
	)
	if err := row.Scan(&m.ID, &m.Destination, &m.URL, &m.ContentType, &m.Body, &issuance, &state, &m.Attempts, &m.NextAttemptAt, &lease, &last, &lastErr, &m.CreatedAt, &delivered); err != nil {
		return m, err
	}
	m.State = outbox.State(state)
	m.NextAttemptAt, m.CreatedAt = utc(m.NextAttemptAt), utc(m.CreatedAt)
	if issuance != nil {
		m.IssuanceID = *issuance
	}
	if lastErr != nil {
		m.LastError = *lastErr
	}
	if last != nil {
		m.LastStatus = int(*last)
	}
	if lease != nil {
		m.LeaseUntil = utc(*lease)
	}
	if delivered != nil {
		m.DeliveredAt = utc(*delivered)
	}
	return m, nil
}

func collectMessages(rows pgx.Rows, err error) ([]outbox.Message, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (outbox.Message, error) { return scanMessage(r) })
}

// ClaimDue implements outbox.Store: the due rows are locked with FOR
// UPDATE SKIP LOCKED, so concurrent claimers on every instance take
// disjoint sets, and a row claimed and committed by another has a live
// lease and is no longer due.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	out, err := collectMessages(s.pool.Query(ctx, `UPDATE outbox SET lease_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
			ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+messageColumns, now.Add(lease), now, limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim outbox: %w", err)
	}
	return out, nil
}

// MarkDelivered implements outbox.Store.
func (s *Store) MarkDelivered(ctx context.Context, id string, now time.Time, status int) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET state = 'delivered', delivered_at = COALESCE(delivered_at, $1), lease_until = NULL, last_status = $2, last_error = NULL
		WHERE id = $3 AND state IN ('pending', 'delivered')`, now, status, id)
	return affectedOne(tag, err, "mark delivered "+id)
}

// MarkFailed implements outbox.Store.
func (s *Store) MarkFailed(ctx context.Context, id string, f outbox.Failure) error {
	state, next := outbox.StatePending, f.Next
	if f.Dead {
		state, next = outbox.StateDead, f.At
	}
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET state = $1, next_attempt_at = $2, lease_until = NULL, last_status = $3, last_error = $4
		WHERE id = $5 AND state = 'pending'`, string(state), next, f.Status, f.Error, id)
	return affectedOne(tag, err, "mark failed "+id)
}

// Messages implements outbox.Store.
func (s *Store) Messages(ctx context.Context, state outbox.State, limit int) ([]outbox.Message, error) {
	out, err := collectMessages(s.pool.Query(ctx, `SELECT `+messageColumns+` FROM outbox WHERE ($1 = '' OR state = $1) ORDER BY created_at DESC LIMIT $2`,
		string(state), limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: outbox: %w", err)
	}
	return out, nil
}

// Requeue implements outbox.Store.
func (s *Store) Requeue(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL WHERE id = $2 AND state = 'dead'`, now, id)
	return affectedOne(tag, err, "requeue "+id)
}

func affectedOne(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return fmt.Errorf("postgres: outbox %s: %w", what, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: outbox %s: %w", what, outbox.ErrNotFound)
	}
	return nil
}
