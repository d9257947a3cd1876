package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/issuer"
)

const offerColumns = `id, code_hash, tx_code_hash, tx_code_attempts, configuration_ids, subject, claims, offer_json, created_at, expires_at, redeemed_at, client_id, wallet_backend, forget_claims`

// The statements of RedeemCode's transaction.
const (
	redeemSelect = `SELECT ` + offerColumns + ` FROM offers WHERE code_hash = ?`
	redeemUpdate = `UPDATE offers SET redeemed_at = ?, expires_at = ? WHERE id = ?`
)

// CreateOffer implements issuer.OfferStore.
func (s *Store) CreateOffer(ctx context.Context, o issuer.Offer) error {
	ids, err := json.Marshal(o.ConfigurationIDs)
	if err != nil {
		return fmt.Errorf("sqlite: create offer: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO offers (`+offerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
		o.ID, o.CodeHash, o.TxCodeHash, o.TxCodeAttempts, string(ids), o.Subject, o.Claims, o.OfferJSON, nanos(o.CreatedAt), nanos(o.ExpiresAt), nullString(o.ClientID), nullString(o.WalletBackend), o.ForgetClaims)
	if isConstraint(err) {
		return fmt.Errorf("sqlite: create offer %s: %w", o.ID, issuer.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create offer %s: %w", o.ID, err)
	}
	return nil
}

// OfferByID implements issuer.OfferStore.
func (s *Store) OfferByID(ctx context.Context, id string, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.queryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = ?`, id))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: offer %s: %w", id, err)
	}
	if !o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("sqlite: offer %s: %w", id, issuer.ErrNotFound)
	}
	return o, nil
}

// RedeemCode implements issuer.OfferStore in one BEGIN IMMEDIATE
// transaction: concurrent redeemers of the same code wait for the write
// lock and then find it redeemed.
func (s *Store) RedeemCode(ctx context.Context, codeHash []byte, now time.Time, maxAttempts int, retainUntil time.Time, check issuer.RedeemCheck) (issuer.Offer, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem: %w", err)
	}
	defer tx.Rollback()
	sel, err := s.txStmt(ctx, tx, redeemSelect)
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem: %w", err)
	}
	o, err := scanOffer(sel.QueryRowContext(ctx, codeHash))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem: %w", err)
	}
	if !o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, issuer.ErrNotFound)
	}
	if o.TxCodeAttempts >= maxAttempts {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, issuer.ErrTxCodeLocked)
	}
	switch cerr := check(o); {
	case errors.Is(cerr, issuer.ErrWrongTxCode):
		if _, err := tx.ExecContext(ctx, `UPDATE offers SET tx_code_attempts = tx_code_attempts + 1 WHERE id = ?`, o.ID); err != nil {
			return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: counting attempt: %w", o.ID, err)
		}
		if err := tx.Commit(); err != nil {
			return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: counting attempt: %w", o.ID, err)
		}
		if o.TxCodeAttempts+1 >= maxAttempts {
			return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, issuer.ErrTxCodeLocked)
		}
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, issuer.ErrWrongTxCode)
	case cerr != nil:
		return issuer.Offer{}, cerr
	}
	upd, err := s.txStmt(ctx, tx, redeemUpdate)
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, err)
	}
	if _, err := upd.ExecContext(ctx, nanos(now), nanos(retainUntil), o.ID); err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeem offer %s: %w", o.ID, err)
	}
	o.RedeemedAt, o.ExpiresAt = now, retainUntil
	return o, nil
}

// RedeemedOffer implements issuer.OfferStore.
func (s *Store) RedeemedOffer(ctx context.Context, id string, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.queryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = ?`, id))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeemed offer %s: %w", id, err)
	}
	if o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeemed offer %s: %w", id, issuer.ErrNotFound)
	}
	return o, nil
}

// RedeemedOfferByCode implements issuer.OfferStore.
func (s *Store) RedeemedOfferByCode(ctx context.Context, codeHash []byte, now time.Time) (issuer.Offer, error) {
	o, err := scanOffer(s.queryRow(ctx, redeemSelect, codeHash))
	if err != nil {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeemed offer by code: %w", err)
	}
	if o.RedeemedAt.IsZero() || !now.Before(o.ExpiresAt) {
		return issuer.Offer{}, fmt.Errorf("sqlite: redeemed offer %s: %w", o.ID, issuer.ErrNotFound)
	}
	return o, nil
}

// nullString stores "" as NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func scanOffer(row *sql.Row) (issuer.Offer, error) {
	var (
		o                issuer.Offer
		ids              string
		created, expires int64
		redeemed         sql.NullInt64
		client, backend  sql.NullString
	)
	err := row.Scan(&o.ID, &o.CodeHash, &o.TxCodeHash, &o.TxCodeAttempts, &ids, &o.Subject, &o.Claims, &o.OfferJSON, &created, &expires, &redeemed, &client, &backend, &o.ForgetClaims)
	if errors.Is(err, sql.ErrNoRows) {
		return issuer.Offer{}, issuer.ErrNotFound
	}
	if err != nil {
		return issuer.Offer{}, err
	}
	if err := json.Unmarshal([]byte(ids), &o.ConfigurationIDs); err != nil {
		return issuer.Offer{}, fmt.Errorf("configuration_ids: %w", err)
	}
	o.CreatedAt, o.ExpiresAt = fromNanos(created), fromNanos(expires)
	if redeemed.Valid {
		o.RedeemedAt = fromNanos(redeemed.Int64)
	}
	o.ClientID, o.WalletBackend = client.String, backend.String
	return o, nil
}

// ForgetOfferClaims implements issuer.OfferStore.
func (s *Store) ForgetOfferClaims(ctx context.Context, id string) (bool, error) {
	res, err := s.exec(ctx, `UPDATE offers SET claims = x'' WHERE id = ? AND forget_claims = 1 AND length(claims) > 0
		AND (SELECT count(DISTINCT configuration_id) FROM issued_credentials WHERE offer_id = ?) >= json_array_length(configuration_ids)`, id, id)
	if err != nil {
		return false, fmt.Errorf("sqlite: forget offer claims %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
