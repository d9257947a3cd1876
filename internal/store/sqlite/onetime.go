package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/issuer"
)

// CreateNonce implements issuer.NonceStore.
func (s *Store) CreateNonce(ctx context.Context, nonce string, expiresAt time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)`, nonce, nanos(expiresAt))
	if isConstraint(err) {
		return fmt.Errorf("sqlite: create nonce: %w", issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create nonce: %w", err)
	}
	return nil
}

// ConsumeNonce implements issuer.NonceStore with one conditional UPDATE.
func (s *Store) ConsumeNonce(ctx context.Context, nonce string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND expires_at > ?`,
		nanos(now), nonce, nanos(now))
	if err != nil {
		return fmt.Errorf("sqlite: consume nonce: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: consume nonce: %w", issuer.ErrNotFound)
	}
	return nil
}

// Remember implements issuer.ReplayStore: an insert that replaces only an
// expired entry, so exactly one of concurrent callers changes a row.
func (s *Store) Remember(ctx context.Context, scope, id string, now, expiresAt time.Time) error {
	res, err := s.exec(ctx, `INSERT INTO replay (scope, id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (scope, id) DO UPDATE SET expires_at = excluded.expires_at WHERE replay.expires_at <= ?`,
		scope, id, nanos(expiresAt), nanos(now))
	if err != nil {
		return fmt.Errorf("sqlite: remember %s: %w", scope, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: remember %s: %w", scope, issuer.ErrAlreadyExists)
	}
	return nil
}

// DeleteExpired implements issuer.Sweeper.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, table := range []string{"offers", "nonces", "replay", "replies", "deferred", "digilocker_pending", "web_sessions"} {
		res, err := s.exec(ctx, `DELETE FROM `+table+` WHERE expires_at <= ?`, nanos(now))
		if err != nil {
			return total, fmt.Errorf("sqlite: delete expired %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
