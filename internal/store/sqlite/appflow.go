package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

// PutAppClient implements issuer.RegistryStore.
func (s *Store) PutAppClient(ctx context.Context, c issuer.AppClient) error {
	ids, err := json.Marshal(c.ConfigurationIDs)
	if err != nil {
		return fmt.Errorf("sqlite: app client %s: %w", c.ID, err)
	}
	_, err = s.exec(ctx, `INSERT INTO app_clients (id, jwks, configuration_ids, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET jwks = excluded.jwks, configuration_ids = excluded.configuration_ids`,
		c.ID, c.JWKS, string(ids), nanos(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: app client %s: %w", c.ID, err)
	}
	return nil
}

const appClientColumns = `id, jwks, configuration_ids, created_at`

func scanAppClient(scan func(...any) error) (issuer.AppClient, error) {
	var (
		c       issuer.AppClient
		ids     string
		created int64
	)
	if err := scan(&c.ID, &c.JWKS, &ids, &created); err != nil {
		return c, err
	}
	c.CreatedAt = fromNanos(created)
	return c, json.Unmarshal([]byte(ids), &c.ConfigurationIDs)
}

// AppClient implements issuer.RegistryStore.
func (s *Store) AppClient(ctx context.Context, id string) (issuer.AppClient, error) {
	c, err := scanAppClient(s.queryRow(ctx, `SELECT `+appClientColumns+` FROM app_clients WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("sqlite: app client %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("sqlite: app client %s: %w", id, err)
	}
	return c, nil
}

// AppClients implements issuer.RegistryStore.
func (s *Store) AppClients(ctx context.Context) ([]issuer.AppClient, error) {
	rows, err := s.query(ctx, `SELECT `+appClientColumns+` FROM app_clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: app clients: %w", err)
	}
	defer rows.Close()
	var out []issuer.AppClient
	for rows.Next() {
		c, err := scanAppClient(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: app clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutWalletBackend implements issuer.RegistryStore.
func (s *Store) PutWalletBackend(ctx context.Context, b issuer.WalletBackend) error {
	ids, err := json.Marshal(b.ConfigurationIDs)
	if err != nil {
		return fmt.Errorf("sqlite: wallet backend %s: %w", b.ID, err)
	}
	_, err = s.exec(ctx, `INSERT INTO wallet_backends (id, callback_url, encryption_jwk, configuration_ids, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET callback_url = excluded.callback_url, encryption_jwk = excluded.encryption_jwk, configuration_ids = excluded.configuration_ids`,
		b.ID, b.CallbackURL, b.EncryptionJWK, string(ids), nanos(b.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: wallet backend %s: %w", b.ID, err)
	}
	return nil
}

const walletBackendColumns = `id, callback_url, encryption_jwk, configuration_ids, created_at`

func scanWalletBackend(scan func(...any) error) (issuer.WalletBackend, error) {
	var (
		b       issuer.WalletBackend
		ids     string
		created int64
	)
	if err := scan(&b.ID, &b.CallbackURL, &b.EncryptionJWK, &ids, &created); err != nil {
		return b, err
	}
	b.CreatedAt = fromNanos(created)
	return b, json.Unmarshal([]byte(ids), &b.ConfigurationIDs)
}

// WalletBackend implements issuer.RegistryStore.
func (s *Store) WalletBackend(ctx context.Context, id string) (issuer.WalletBackend, error) {
	b, err := scanWalletBackend(s.queryRow(ctx, `SELECT `+walletBackendColumns+` FROM wallet_backends WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("sqlite: wallet backend %s: %w", id, issuer.ErrNotFound)
	}
	if err != nil {
		return b, fmt.Errorf("sqlite: wallet backend %s: %w", id, err)
	}
	return b, nil
}

// WalletBackends implements issuer.RegistryStore.
func (s *Store) WalletBackends(ctx context.Context) ([]issuer.WalletBackend, error) {
	rows, err := s.query(ctx, `SELECT `+walletBackendColumns+` FROM wallet_backends ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallet backends: %w", err)
	}
	defer rows.Close()
	var out []issuer.WalletBackend
	for rows.Next() {
		b, err := scanWalletBackend(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: wallet backends: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

const insertMessageSQL = `INSERT INTO outbox (id, destination, url, content_type, body, issuance_id, state, attempts, next_attempt_at, created_at)
	VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`

func (s *Store) insertMessage(ctx context.Context, tx *sql.Tx, m outbox.Message) error {
	st, err := s.txStmt(ctx, tx, insertMessageSQL)
	if err != nil {
		return err
	}
	next := m.NextAttemptAt
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err = st.ExecContext(ctx, m.ID, m.Destination, m.URL, m.ContentType, m.Body, nullString(m.IssuanceID), nanos(next), nanos(m.CreatedAt))
	return err
}

const messageColumns = `id, destination, url, content_type, body, issuance_id, state, attempts, next_attempt_at, lease_until, last_status, last_error, created_at, delivered_at`

func scanMessage(scan func(...any) error) (outbox.Message, error) {
	var (
		m                      outbox.Message
		issuance, lastErr      sql.NullString
		state                  string
		next, created          int64
		lease, delivered, last sql.NullInt64
	)
	if err := scan(&m.ID, &m.Destination, &m.URL, &m.ContentType, &m.Body, &issuance, &state, &m.Attempts, &next, &lease, &last, &lastErr, &created, &delivered); err != nil {
		return m, err
	}
	m.IssuanceID, m.State, m.LastError = issuance.String, outbox.State(state), lastErr.String
	m.NextAttemptAt, m.CreatedAt, m.LastStatus = fromNanos(next), fromNanos(created), int(last.Int64)
	if lease.Valid {
		m.LeaseUntil = fromNanos(lease.Int64)
	}
	if delivered.Valid {
		m.DeliveredAt = fromNanos(delivered.Int64)
	}
	return m, nil
}

// ClaimDue implements outbox.Store. SQLite has one writer, so one UPDATE …
// RETURNING claims atomically.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Message, error) {
	rows, err := s.query(ctx, `UPDATE outbox SET lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY next_attempt_at LIMIT ?)
		RETURNING `+messageColumns, nanos(now.Add(lease)), nanos(now), nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim outbox: %w", err)
	}
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		m, err := scanMessage(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkDelivered implements outbox.Store.
func (s *Store) MarkDelivered(ctx context.Context, id string, now time.Time, status int) error {
	res, err := s.exec(ctx, `UPDATE outbox SET state = 'delivered', delivered_at = COALESCE(delivered_at, ?), lease_until = NULL, last_status = ?, last_error = NULL
		WHERE id = ? AND state IN ('pending', 'delivered')`, nanos(now), status, id)
	return affectedOne(res, err, "mark delivered "+id)
}

// MarkFailed implements outbox.Store.
func (s *Store) MarkFailed(ctx context.Context, id string, f outbox.Failure) error {
	state, next := outbox.StatePending, f.Next
	if f.Dead {
		state, next = outbox.StateDead, f.At
	}
	res, err := s.exec(ctx, `UPDATE outbox SET state = ?, next_attempt_at = ?, lease_until = NULL, last_status = ?, last_error = ?
		WHERE id = ? AND state = 'pending'`, string(state), nanos(next), f.Status, f.Error, id)
	return affectedOne(res, err, "mark failed "+id)
}

// Messages implements outbox.Store.
func (s *Store) Messages(ctx context.Context, state outbox.State, limit int) ([]outbox.Message, error) {
	rows, err := s.query(ctx, `SELECT `+messageColumns+` FROM outbox WHERE (? = '' OR state = ?) ORDER BY created_at DESC LIMIT ?`,
		string(state), string(state), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: outbox: %w", err)
	}
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		m, err := scanMessage(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sqlite: outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Requeue implements outbox.Store.
func (s *Store) Requeue(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL WHERE id = ? AND state = 'dead'`, nanos(now), id)
	return affectedOne(res, err, "requeue "+id)
}

func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("sqlite: outbox %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: outbox %s: %w", what, outbox.ErrNotFound)
	}
	return nil
}
