package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/statuslist"
)

const statusListColumns = `id, bits, size, allocated, version, created_at`

func scanStatusList(row pgx.Row) (credstatus.List, error) {
	var l credstatus.List
	err := row.Scan(&l.ID, &l.Bits, &l.Size, &l.Allocated, &l.Version, &l.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, credstatus.ErrNotFound
	}
	l.CreatedAt = utc(l.CreatedAt)
	return l, err
}

// CurrentStatusList implements credstatus.Store.
func (s *Store) CurrentStatusList(ctx context.Context) (credstatus.List, error) {
	l, err := scanStatusList(s.pool.QueryRow(ctx, `SELECT `+statusListColumns+` FROM status_lists ORDER BY seq DESC LIMIT 1`))
	if err != nil {
		return l, fmt.Errorf("postgres: current status list: %w", err)
	}
	return l, nil
}

// CreateStatusList implements credstatus.Store.
func (s *Store) CreateStatusList(ctx context.Context, l credstatus.List) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO status_lists (`+statusListColumns+`) VALUES ($1, $2, $3, 0, 0, $4)`, l.ID, l.Bits, l.Size, l.CreatedAt); err != nil {
		return fmt.Errorf("postgres: create status list: %w", err)
	}
	return nil
}

// StatusList implements credstatus.Store.
func (s *Store) StatusList(ctx context.Context, id string) (credstatus.List, error) {
	l, err := scanStatusList(s.pool.QueryRow(ctx, `SELECT `+statusListColumns+` FROM status_lists WHERE id = $1`, id))
	if err != nil {
		return l, fmt.Errorf("postgres: status list: %w", err)
	}
	return l, nil
}

const credentialStatusColumns = `credential_id, list_id, idx, status, reason, subject_id, configuration_id, format, offer_id, notification_id, issued_at, updated_at`

// AllocateStatus implements credstatus.Store.
func (s *Store) AllocateStatus(ctx context.Context, e credstatus.Entry) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO credential_status (`+credentialStatusColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (list_id, idx) DO NOTHING`,
			e.CredentialID, e.ListID, e.Index, int16(e.Status), e.Reason, e.SubjectID, e.ConfigurationID, e.Format, e.OfferID, e.NotificationID,
			e.IssuedAt, e.UpdatedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return credstatus.ErrIndexTaken
		}
		_, err = tx.Exec(ctx, `UPDATE status_lists SET allocated = allocated + 1 WHERE id = $1`, e.ListID)
		return err
	})
	if err != nil && !errors.Is(err, credstatus.ErrIndexTaken) {
		return fmt.Errorf("postgres: allocate status: %w", err)
	}
	return err
}

func scanEntry(row pgx.Row) (credstatus.Entry, error) {
	var e credstatus.Entry
	var st int16
	err := row.Scan(&e.CredentialID, &e.ListID, &e.Index, &st, &e.Reason, &e.SubjectID, &e.ConfigurationID, &e.Format, &e.OfferID,
		&e.NotificationID, &e.IssuedAt, &e.UpdatedAt)
	e.Status, e.IssuedAt, e.UpdatedAt = statuslist.Status(st), utc(e.IssuedAt), utc(e.UpdatedAt)
	return e, err
}

func (s *Store) entries(ctx context.Context, where string, arg any) ([]credstatus.Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE `+where+` ORDER BY issued_at, credential_id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credstatus.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// StatusEntries implements credstatus.Store.
func (s *Store) StatusEntries(ctx context.Context, listID string) ([]credstatus.Entry, error) {
	out, err := s.entries(ctx, `list_id = $1 AND status <> 0`, listID)
	if err != nil {
		return nil, fmt.Errorf("postgres: status entries: %w", err)
	}
	return out, nil
}

// CredentialsOfSubject implements credstatus.Store.
func (s *Store) CredentialsOfSubject(ctx context.Context, subjectID string) ([]credstatus.Entry, error) {
	out, err := s.entries(ctx, `subject_id = $1`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("postgres: credentials of subject: %w", err)
	}
	return out, nil
}

// CredentialStatus implements credstatus.Store.
func (s *Store) CredentialStatus(ctx context.Context, credentialID string) (credstatus.Entry, error) {
	e, err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE credential_id = $1`, credentialID))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("postgres: credential status: %w", credstatus.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("postgres: credential status: %w", err)
	}
	return e, nil
}

// SetCredentialStatus implements credstatus.Store.
func (s *Store) SetCredentialStatus(ctx context.Context, credentialID string, st statuslist.Status, reason string, now time.Time) (credstatus.Entry, error) {
	var before credstatus.Entry
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		before, err = scanEntry(tx.QueryRow(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE credential_id = $1 FOR UPDATE`, credentialID))
		if errors.Is(err, pgx.ErrNoRows) {
			return credstatus.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE credential_status SET status = $1, reason = $2, updated_at = $3 WHERE credential_id = $4`,
			int16(st), reason, now, credentialID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE status_lists SET version = version + 1 WHERE id = $1`, before.ListID)
		return err
	})
	if err != nil {
		return before, fmt.Errorf("postgres: set credential status: %w", err)
	}
	return before, nil
}

// CredentialsOfIssuance implements credstatus.Store.
func (s *Store) CredentialsOfIssuance(ctx context.Context, notificationID string) ([]credstatus.Entry, error) {
	out, err := s.entries(ctx, `notification_id = $1`, notificationID)
	if err != nil {
		return nil, fmt.Errorf("postgres: credentials of issuance: %w", err)
	}
	return out, nil
}
