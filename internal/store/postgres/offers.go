package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pramaan/pramaan/issuer"
)

const offerColumns = `id, code_hash, tx_code_hash, tx_code_attempts, configuration_ids, subject, claims, offer_json, created_at, expires_at, redeemed_at, client_id, wallet_backend, forget_claims`

// CreateOffer implements issuer.OfferStore.
func (s *Store) CreateOffer(ctx context.Context, o issuer.Offer) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO offers (`+offerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13)`,
		o.ID, o.CodeHash, o.TxCodeHash, o.TxCodeAttempts, o.ConfigurationIDs, o.Subject, o.Claims, o.OfferJSON, o.CreatedAt, o.ExpiresAt, nullString(o.ClientID), nullString(o.WalletBackend), o.ForgetClaims)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: create offer %s: %w", o.ID, issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("postgres: create offer %s: %w", o.ID, err)
	}
	return nil
}

// OfferByID implements issuer.OfferStore.
func (s *Store) OfferByID(ctx context.Context, id string, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.pool.QueryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = $1`, id))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("postgres: offer %s: %w", id, err)
	}
	if !o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("postgres: offer %s: %w", id, issuer.ErrNotFound)
	}
	return o, nil
}

// checkError carries a RedeemCheck's own error out of the rolled-back
// transaction, so RedeemCode returns it unwrapped, as the contract says.
type checkError struct{ err error }

func (e checkError) Error() string { return e.err.Error() }

// RedeemCode implements issuer.OfferStore: the offer row is locked with
// SELECT … FOR UPDATE, so of concurrent redeemers on any instance one sees
// it unredeemed and the others, after it commits, see it redeemed.
func (s *Store) RedeemCode(ctx context.Context, codeHash []byte, now time.Time, maxAttempts int, retainUntil time.Time, check issuer.RedeemCheck) (issuer.Offer, error) {
	var out issuer.Offer
	var outcome error // an error to report after a committed transaction
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		outcome = nil
		o, err := scanOffer(tx.QueryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE code_hash = $1 FOR UPDATE`, codeHash))
		if err != nil {
			return err
		}
		if !o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
			return fmt.Errorf("offer %s: %w", o.ID, issuer.ErrNotFound)
		}
		if o.TxCodeAttempts >= maxAttempts {
			return fmt.Errorf("offer %s: %w", o.ID, issuer.ErrTxCodeLocked)
		}
		switch cerr := check(o); {
		case errors.Is(cerr, issuer.ErrWrongTxCode):
			if _, err := tx.Exec(ctx, `UPDATE offers SET tx_code_attempts = tx_code_attempts + 1 WHERE id = $1`, o.ID); err != nil {
				return fmt.Errorf("offer %s: counting attempt: %w", o.ID, err)
			}
			outcome = fmt.Errorf("offer %s: %w", o.ID, issuer.ErrWrongTxCode)
			if o.TxCodeAttempts+1 >= maxAttempts {
				outcome = fmt.Errorf("offer %s: %w", o.ID, issuer.ErrTxCodeLocked)
			}
			return nil // commit the counted attempt
		case cerr != nil:
			return checkError{cerr} // roll back; hand the check's error back as is
		}
		if _, err := tx.Exec(ctx, `UPDATE offers SET redeemed_at = $1, expires_at = $2 WHERE id = $3`, now, retainUntil, o.ID); err != nil {
			return fmt.Errorf("offer %s: %w", o.ID, err)
		}
		o.RedeemedAt, o.ExpiresAt = now, retainUntil
		out = o
		return nil
	})
	var ce checkError
	switch {
	case errors.As(err, &ce):
		return issuer.Offer{}, ce.err
	case err != nil:
		return issuer.Offer{}, fmt.Errorf("postgres: redeem: %w", err)
	case outcome != nil:
		return issuer.Offer{}, fmt.Errorf("postgres: redeem: %w", outcome)
	}
	return out, nil
}

// RedeemedOffer implements issuer.OfferStore.
func (s *Store) RedeemedOffer(ctx context.Context, id string, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.pool.QueryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = $1`, id))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("postgres: redeemed offer %s: %w", id, err)
	}
	if o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("postgres: redeemed offer %s: %w", id, issuer.ErrNotFound)
	}
	return o, nil
}

// RedeemedOfferByCode implements issuer.OfferStore.
func (s *Store) RedeemedOfferByCode(ctx context.Context, codeHash []byte, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.pool.QueryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE code_hash = $1`, codeHash))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("postgres: redeemed offer by code: %w", err)
	}
	if o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("postgres: redeemed offer %s: %w", o.ID, issuer.ErrNotFound)
	}
	return o, nil
}

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func scanOffer(row pgx.Row) (issuer.Offer, error) {
	var (
		o               issuer.Offer
		redeemed        *time.Time
		client, backend *string
	)
	err := row.Scan(&o.ID, &o.CodeHash, &o.TxCodeHash, &o.TxCodeAttempts, &o.ConfigurationIDs, &o.Subject, &o.Claims, &o.OfferJSON, &o.CreatedAt, &o.ExpiresAt, &redeemed, &client, &backend, &o.ForgetClaims)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Offer{}, issuer.ErrNotFound
	}
	if err != nil {
		return issuer.Offer{}, err
	}
	o.CreatedAt, o.ExpiresAt = utc(o.CreatedAt), utc(o.ExpiresAt)
	if redeemed != nil {
		o.RedeemedAt = utc(*redeemed)
	}
	if client != nil {
		o.ClientID = *client
	}
	if backend != nil {
		o.WalletBackend = *backend
	}
	return o, nil
}

// ForgetOfferClaims implements issuer.OfferStore.
func (s *Store) ForgetOfferClaims(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE offers SET claims = ''::bytea WHERE id = $1 AND forget_claims AND length(claims) > 0
		AND (SELECT count(DISTINCT configuration_id) FROM issued_credentials WHERE offer_id = $1) >= cardinality(configuration_ids)`, id)
	if err != nil {
		return false, fmt.Errorf("postgres: forget offer claims %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}
