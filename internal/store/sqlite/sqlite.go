package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	sqlitedrv "modernc.org/sqlite"

	"github.com/pramaan/pramaan/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// SQLite result codes for constraint violations (sqlite.org/rescode.html).
const (
	codeConstraintPrimaryKey = 1555
	codeConstraintUnique     = 2067
)

// Store is the SQLite store.
type Store struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	// locks are the per-subject locks of WithSubjectLock.
	locks keyedLocks
}

// Open opens (creating if needed) the database file at path and applies
// the migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Deleted rows are overwritten, not left in free pages: erased face
	// templates and forgotten offer claims leave no ciphertext behind.
	q.Add("_pragma", "secure_delete(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One connection: SQLite admits one writer at a time, and a pool of
	// connections contending for the write lock waits in SQLite's busy
	// handler, which sleeps in steps of milliseconds. Queued on one
	// connection in Go, writes follow each other without sleeping; every
	// statement here is short. (The same process may still run several
	// goroutines; database/sql queues them.)
	db.SetMaxOpenConns(1)
	s := &Store{db: db, stmts: map[string]*sql.Stmt{}}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepareTxQueries(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeStmts()
	return s.db.Close()
}

// Ping reports whether the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Migrate applies the migrations not yet applied, each in its own
// transaction, recording them in schema_migrations.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := store.Migrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m store.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.Version, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	return nil
}

func isConstraint(err error) bool {
	var se *sqlitedrv.Error
	if errors.As(err, &se) {
		return se.Code() == codeConstraintUnique || se.Code() == codeConstraintPrimaryKey
	}
	return false
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
