package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/issuer"
)

// CreateNonce implements issuer.NonceStore.
func (s *Store) CreateNonce(ctx context.Context, nonce string, expiresAt time.Time) error {
	// Asynchronous commit: a nonce lost in a crash only makes its wallet
	// fetch another; its consumption (ConsumeNonce) is durable.
	_, err := s.execAsync(ctx, `INSERT INTO nonces (nonce, expires_at) VALUES ($1, $2)`, nonce, expiresAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: create nonce: %w", issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create nonce: %w", err)
	}
	return nil
}

// ConsumeNonce implements issuer.NonceStore with one conditional UPDATE.
func (s *Store) ConsumeNonce(ctx context.Context, nonce string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE nonces SET used_at = $1 WHERE nonce = $2 AND used_at IS NULL AND expires_at > $1`, now, nonce)
	if err != nil {
		return fmt.Errorf("postgres: consume nonce: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: consume nonce: %w", issuer.ErrNotFound)
	}
	return nil
}

// Remember implements issuer.ReplayStore: the upsert replaces only an
// expired entry, so exactly one of concurrent callers changes a row.
func (s *Store) Remember(ctx context.Context, scope, id string, now, expiresAt time.Time) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO replay (scope, id, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (scope, id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE replay.expires_at <= $4`,
		scope, id, expiresAt, now)
	if err != nil {
		return fmt.Errorf("postgres: remember %s: %w", scope, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: remember %s: %w", scope, issuer.ErrAlreadyExists)
	}
	return nil
}

// DeleteExpired implements issuer.Sweeper.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, table := range []string{"offers", "nonces", "replay", "replies", "deferred", "digilocker_pending", "web_sessions"} {
		tag, err := s.pool.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at <= $1`, now)
		if err != nil {
			return total, fmt.Errorf("postgres: delete expired %s: %w", table, err)
		}
		total += tag.RowsAffected()
	}
	return total, nil
}
