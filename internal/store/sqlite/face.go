package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/identity/face"
)

// ClaimCorrelation implements face.Store.
func (s *Store) ClaimCorrelation(ctx context.Context, hash, subjectID string, now time.Time) (string, error) {
	if _, err := s.exec(ctx, `INSERT INTO face_correlations (hash, subject_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		hash, subjectID, nanos(now)); err != nil {
		return "", fmt.Errorf("sqlite: face correlation: %w", err)
	}
	var owner string
	if err := s.queryRow(ctx, `SELECT subject_id FROM face_correlations WHERE hash = ?`, hash).Scan(&owner); err != nil {
		return "", fmt.Errorf("sqlite: face correlation: %w", err)
	}
	return owner, nil
}

const faceLinkColumns = `id, subject_id, source, name_match, dob_match, birth_year, gender, last4, correlation_hash, photo_hash, created_at, used_at`

// CreateFaceLink implements face.Store.
func (s *Store) CreateFaceLink(ctx context.Context, l face.Link) error {
	_, err := s.exec(ctx, `INSERT INTO face_links (`+faceLinkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		l.ID, l.SubjectID, l.Source, l.NameMatch, l.DOBMatch, l.BirthYear, l.Gender, l.Last4, l.CorrelationHash, l.PhotoHash, nanos(l.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: face link: %w", err)
	}
	return nil
}

// FaceLink implements face.Store.
func (s *Store) FaceLink(ctx context.Context, id string) (face.Link, error) {
	var l face.Link
	var created int64
	var used sql.NullInt64
	err := s.queryRow(ctx, `SELECT `+faceLinkColumns+` FROM face_links WHERE id = ?`, id).Scan(&l.ID, &l.SubjectID, &l.Source, &l.NameMatch,
		&l.DOBMatch, &l.BirthYear, &l.Gender, &l.Last4, &l.CorrelationHash, &l.PhotoHash, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("sqlite: face link: %w", face.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("sqlite: face link: %w", err)
	}
	l.CreatedAt = fromNanos(created)
	if used.Valid {
		l.UsedAt = fromNanos(used.Int64)
	}
	return l, nil
}

// UseFaceLink implements face.Store.
func (s *Store) UseFaceLink(ctx context.Context, id string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE face_links SET used_at = ? WHERE id = ? AND used_at IS NULL`, nanos(now), id)
	if err != nil {
		return fmt.Errorf("sqlite: use face link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("sqlite: use face link: %w", face.ErrLinkUsed)
	}
	return nil
}

const faceTemplateColumns = `id, subject_id, model, version, dimension, sealed, frames_used, link_id, consent, enrolled_at`

// PutFaceTemplate implements face.Store.
func (s *Store) PutFaceTemplate(ctx context.Context, t face.Template) error {
	consent, err := json.Marshal(t.Consent)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO face_templates (`+faceTemplateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.SubjectID, t.Model, t.Version, t.Dimension, t.Sealed, t.FramesUsed, t.LinkID, string(consent), nanos(t.EnrolledAt))
	if isConstraint(err) {
		return fmt.Errorf("sqlite: face template version %d: %w", t.Version, face.ErrLinkUsed)
	}
	if err != nil {
		return fmt.Errorf("sqlite: face template: %w", err)
	}
	return nil
}

func scanFaceTemplate(sc interface{ Scan(...any) error }) (face.Template, error) {
	var t face.Template
	var consent string
	var enrolled int64
	if err := sc.Scan(&t.ID, &t.SubjectID, &t.Model, &t.Version, &t.Dimension, &t.Sealed, &t.FramesUsed, &t.LinkID, &consent, &enrolled); err != nil {
		return t, err
	}
	t.EnrolledAt = fromNanos(enrolled)
	if err := json.Unmarshal([]byte(consent), &t.Consent); err != nil {
		return t, fmt.Errorf("consent: %w", err)
	}
	return t, nil
}

// CurrentFaceTemplate implements face.Store.
func (s *Store) CurrentFaceTemplate(ctx context.Context, subjectID, model string) (face.Template, error) {
	t, err := scanFaceTemplate(s.queryRow(ctx, `SELECT `+faceTemplateColumns+` FROM face_templates WHERE subject_id = ? AND model = ?
		ORDER BY version DESC LIMIT 1`, subjectID, model))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("sqlite: face template: %w", face.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("sqlite: face template: %w", err)
	}
	return t, nil
}

// EachCurrentFaceTemplate implements face.Store.
func (s *Store) EachCurrentFaceTemplate(ctx context.Context, model, exceptSubject string, fn func(face.Template) error) error {
	// SQLite's bare-column rule: with max(), the other columns come from
	// the row holding the maximum, so one pass over the model's index.
	rows, err := s.query(ctx, `SELECT id, subject_id, model, max(version), dimension, sealed, frames_used, link_id, consent, enrolled_at
		FROM face_templates WHERE model = ? AND subject_id <> ? GROUP BY subject_id`, model, exceptSubject)
	if err != nil {
		return fmt.Errorf("sqlite: face templates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanFaceTemplate(rows)
		if err != nil {
			return fmt.Errorf("sqlite: face templates: %w", err)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddFaceDuplicates implements face.Store.
func (s *Store) AddFaceDuplicates(ctx context.Context, ds []face.Duplicate) error {
	for _, d := range ds {
		if _, err := s.exec(ctx, `INSERT INTO face_duplicates (template_id, subject_id, other_template_id, other_subject_id, model, score, flagged_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, d.TemplateID, d.SubjectID, d.OtherTemplateID, d.OtherSubjectID, d.Model, d.Score, nanos(d.FlaggedAt)); err != nil {
			return fmt.Errorf("sqlite: face duplicate: %w", err)
		}
	}
	return nil
}

// FaceDuplicates implements face.Store.
func (s *Store) FaceDuplicates(ctx context.Context) ([]face.Duplicate, error) {
	rows, err := s.query(ctx, `SELECT template_id, subject_id, other_template_id, other_subject_id, model, score, flagged_at
		FROM face_duplicates ORDER BY flagged_at, template_id, other_template_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: face duplicates: %w", err)
	}
	defer rows.Close()
	var out []face.Duplicate
	for rows.Next() {
		var d face.Duplicate
		var at int64
		if err := rows.Scan(&d.TemplateID, &d.SubjectID, &d.OtherTemplateID, &d.OtherSubjectID, &d.Model, &d.Score, &at); err != nil {
			return nil, fmt.Errorf("sqlite: face duplicates: %w", err)
		}
		d.FlaggedAt = fromNanos(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteFaceTemplates implements face.Store.
func (s *Store) DeleteFaceTemplates(ctx context.Context, subjectID string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM face_templates WHERE subject_id = ?`, subjectID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete face templates: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
