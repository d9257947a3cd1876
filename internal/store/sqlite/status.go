package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/statuslist"
)

const statusListColumns = `id, bits, size, allocated, version, created_at`

func scanStatusList(row *sql.Row) (credstatus.List, error) {
	var l credstatus.List
	var created int64
	err := row.Scan(&l.ID, &l.Bits, &l.Size, &l.Allocated, &l.Version, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return l, credstatus.ErrNotFound
	}
	l.CreatedAt = fromNanos(created)
	return l, err
}

// CurrentStatusList implements credstatus.Store.
func (s *Store) CurrentStatusList(ctx context.Context) (credstatus.List, error) {
	l, err := scanStatusList(s.queryRow(ctx, `SELECT `+statusListColumns+` FROM status_lists ORDER BY seq DESC LIMIT 1`))
	if err != nil {
		return l, fmt.Errorf("sqlite: current status list: %w", err)
	}
	return l, nil
}

// CreateStatusList implements credstatus.Store.
func (s *Store) CreateStatusList(ctx context.Context, l credstatus.List) error {
	if _, err := s.exec(ctx, `INSERT INTO status_lists (`+statusListColumns+`, seq)
		VALUES (?, ?, ?, 0, 0, ?, (SELECT coalesce(max(seq), 0) + 1 FROM status_lists))`, l.ID, l.Bits, l.Size, nanos(l.CreatedAt)); err != nil {
		return fmt.Errorf("sqlite: create status list: %w", err)
	}
	return nil
}

// StatusList implements credstatus.Store.
func (s *Store) StatusList(ctx context.Context, id string) (credstatus.List, error) {
	l, err := scanStatusList(s.queryRow(ctx, `SELECT `+statusListColumns+` FROM status_lists WHERE id = ?`, id))
	if err != nil {
		return l, fmt.Errorf("sqlite: status list: %w", err)
	}
	return l, nil
}

const credentialStatusColumns = `credential_id, list_id, idx, status, reason, subject_id, configuration_id, format, offer_id, notification_id, issued_at, updated_at`

// AllocateStatus implements credstatus.Store.
func (s *Store) AllocateStatus(ctx context.Context, e credstatus.Entry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO credential_status (`+credentialStatusColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.CredentialID, e.ListID, e.Index, int(e.Status), e.Reason, e.SubjectID, e.ConfigurationID, e.Format, e.OfferID, e.NotificationID,
			nanos(e.IssuedAt), nanos(e.UpdatedAt))
		if isConstraint(err) {
			return credstatus.ErrIndexTaken
		}
		if err != nil {
			return fmt.Errorf("sqlite: allocate status: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE status_lists SET allocated = allocated + 1 WHERE id = ?`, e.ListID); err != nil {
			return fmt.Errorf("sqlite: allocate status: %w", err)
		}
		return nil
	})
}

func scanEntry(sc interface{ Scan(...any) error }) (credstatus.Entry, error) {
	var e credstatus.Entry
	var st int
	var issued, updated int64
	err := sc.Scan(&e.CredentialID, &e.ListID, &e.Index, &st, &e.Reason, &e.SubjectID, &e.ConfigurationID, &e.Format, &e.OfferID,
		&e.NotificationID, &issued, &updated)
	e.Status, e.IssuedAt, e.UpdatedAt = statuslist.Status(st), fromNanos(issued), fromNanos(updated)
	return e, err
}

func (s *Store) entries(ctx context.Context, where string, arg any) ([]credstatus.Entry, error) {
	rows, err := s.query(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE `+where+` ORDER BY issued_at, credential_id`, arg)
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
	out, err := s.entries(ctx, `list_id = ? AND status <> 0`, listID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: status entries: %w", err)
	}
	return out, nil
}

// CredentialsOfSubject implements credstatus.Store.
func (s *Store) CredentialsOfSubject(ctx context.Context, subjectID string) ([]credstatus.Entry, error) {
	out, err := s.entries(ctx, `subject_id = ?`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: credentials of subject: %w", err)
	}
	return out, nil
}

// CredentialStatus implements credstatus.Store.
func (s *Store) CredentialStatus(ctx context.Context, credentialID string) (credstatus.Entry, error) {
	e, err := scanEntry(s.queryRow(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE credential_id = ?`, credentialID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("sqlite: credential status: %w", credstatus.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("sqlite: credential status: %w", err)
	}
	return e, nil
}

// SetCredentialStatus implements credstatus.Store.
func (s *Store) SetCredentialStatus(ctx context.Context, credentialID string, st statuslist.Status, reason string, now time.Time) (credstatus.Entry, error) {
	var before credstatus.Entry
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		before, err = scanEntry(tx.QueryRowContext(ctx, `SELECT `+credentialStatusColumns+` FROM credential_status WHERE credential_id = ?`, credentialID))
		if errors.Is(err, sql.ErrNoRows) {
			return credstatus.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credential_status SET status = ?, reason = ?, updated_at = ? WHERE credential_id = ?`,
			int(st), reason, nanos(now), credentialID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE status_lists SET version = version + 1 WHERE id = ?`, before.ListID)
		return err
	})
	if err != nil {
		return before, fmt.Errorf("sqlite: set credential status: %w", err)
	}
	return before, nil
}

// CredentialsOfIssuance implements credstatus.Store.
func (s *Store) CredentialsOfIssuance(ctx context.Context, notificationID string) ([]credstatus.Entry, error) {
	out, err := s.entries(ctx, `notification_id = ?`, notificationID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: credentials of issuance: %w", err)
	}
	return out, nil
}
