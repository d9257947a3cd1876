package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pramaan/pramaan/identity/face"
)

// ClaimCorrelation implements face.Store.
func (s *Store) ClaimCorrelation(ctx context.Context, hash, subjectID string, now time.Time) (string, error) {
	// A concurrent first claim of the same hash commits between this
	// statement's snapshot and its conflict check: neither part returns a
	// row then, and the second try sees the committed owner.
	for try := 0; ; try++ {
		var owner string
		err := s.pool.QueryRow(ctx, `WITH ins AS (
				INSERT INTO face_correlations (hash, subject_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING subject_id)
			SELECT subject_id FROM ins UNION ALL SELECT subject_id FROM face_correlations WHERE hash = $1 LIMIT 1`, hash, subjectID, now).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) && try == 0 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("postgres: face correlation: %w", err)
		}
		return owner, nil
	}
}

const faceLinkColumns = `id, subject_id, source, name_match, dob_match, birth_year, gender, last4, correlation_hash, photo_hash, created_at, used_at`

// CreateFaceLink implements face.Store.
func (s *Store) CreateFaceLink(ctx context.Context, l face.Link) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO face_links (`+faceLinkColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)`,
		l.ID, l.SubjectID, l.Source, l.NameMatch, l.DOBMatch, l.BirthYear, l.Gender, l.Last4, l.CorrelationHash, l.PhotoHash, l.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: face link: %w", err)
	}
	return nil
}

// FaceLink implements face.Store.
func (s *Store) FaceLink(ctx context.Context, id string) (face.Link, error) {
	var l face.Link
	var used *time.Time
	err := s.pool.QueryRow(ctx, `SELECT `+faceLinkColumns+` FROM face_links WHERE id = $1`, id).Scan(&l.ID, &l.SubjectID, &l.Source, &l.NameMatch,
		&l.DOBMatch, &l.BirthYear, &l.Gender, &l.Last4, &l.CorrelationHash, &l.PhotoHash, &l.CreatedAt, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("postgres: face link: %w", face.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("postgres: face link: %w", err)
	}
	l.CreatedAt = utc(l.CreatedAt)
	if used != nil {
		l.UsedAt = utc(*used)
	}
	return l, nil
}

// UseFaceLink implements face.Store.
func (s *Store) UseFaceLink(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE face_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now, id)
	if err != nil {
		return fmt.Errorf("postgres: use face link: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: use face link: %w", face.ErrLinkUsed)
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
	_, err = s.pool.Exec(ctx, `INSERT INTO face_templates (`+faceTemplateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		t.ID, t.SubjectID, t.Model, t.Version, t.Dimension, t.Sealed, t.FramesUsed, t.LinkID, string(consent), t.EnrolledAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("postgres: face template version %d: %w", t.Version, face.ErrLinkUsed)
	}
	if err != nil {
		return fmt.Errorf("postgres: face template: %w", err)
	}
	return nil
}

func scanFaceTemplate(row pgx.Row) (face.Template, error) {
	var t face.Template
	var consent string
	if err := row.Scan(&t.ID, &t.SubjectID, &t.Model, &t.Version, &t.Dimension, &t.Sealed, &t.FramesUsed, &t.LinkID, &consent, &t.EnrolledAt); err != nil {
		return t, err
	}
	t.EnrolledAt = utc(t.EnrolledAt)
	if err := json.Unmarshal([]byte(consent), &t.Consent); err != nil {
		return t, fmt.Errorf("consent: %w", err)
	}
	return t, nil
}

// CurrentFaceTemplate implements face.Store.
func (s *Store) CurrentFaceTemplate(ctx context.Context, subjectID, model string) (face.Template, error) {
	t, err := scanFaceTemplate(s.pool.QueryRow(ctx, `SELECT `+faceTemplateColumns+` FROM face_templates WHERE subject_id = $1 AND model = $2
		ORDER BY version DESC LIMIT 1`, subjectID, model))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("postgres: face template: %w", face.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("postgres: face template: %w", err)
	}
	return t, nil
}

// EachCurrentFaceTemplate implements face.Store.
func (s *Store) EachCurrentFaceTemplate(ctx context.Context, model, exceptSubject string, fn func(face.Template) error) error {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (subject_id) `+faceTemplateColumns+` FROM face_templates
		WHERE model = $1 AND subject_id <> $2 ORDER BY subject_id, version DESC`, model, exceptSubject)
	if err != nil {
		return fmt.Errorf("postgres: face templates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanFaceTemplate(rows)
		if err != nil {
			return fmt.Errorf("postgres: face templates: %w", err)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddFaceDuplicates implements face.Store.
func (s *Store) AddFaceDuplicates(ctx context.Context, ds []face.Duplicate) error {
	batch := &pgx.Batch{}
	for _, d := range ds {
		batch.Queue(`INSERT INTO face_duplicates (template_id, subject_id, other_template_id, other_subject_id, model, score, flagged_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, d.TemplateID, d.SubjectID, d.OtherTemplateID, d.OtherSubjectID, d.Model, d.Score, d.FlaggedAt)
	}
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("postgres: face duplicates: %w", err)
	}
	return nil
}

// FaceDuplicates implements face.Store.
func (s *Store) FaceDuplicates(ctx context.Context) ([]face.Duplicate, error) {
	rows, err := s.pool.Query(ctx, `SELECT template_id, subject_id, other_template_id, other_subject_id, model, score, flagged_at
		FROM face_duplicates ORDER BY flagged_at, template_id, other_template_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: face duplicates: %w", err)
	}
	defer rows.Close()
	var out []face.Duplicate
	for rows.Next() {
		var d face.Duplicate
		if err := rows.Scan(&d.TemplateID, &d.SubjectID, &d.OtherTemplateID, &d.OtherSubjectID, &d.Model, &d.Score, &d.FlaggedAt); err != nil {
			return nil, fmt.Errorf("postgres: face duplicates: %w", err)
		}
		d.FlaggedAt = utc(d.FlaggedAt)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteFaceTemplates implements face.Store.
func (s *Store) DeleteFaceTemplates(ctx context.Context, subjectID string) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM face_templates WHERE subject_id = $1`, subjectID)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete face templates: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
