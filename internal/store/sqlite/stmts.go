package sqlite

import (
	"context"
	"database/sql"
)

// The store's statements are prepared once and kept: SQLite compiles a
// statement on every prepare, which was a tenth of an issuance's CPU.
// Queries are constants of this package, so the cache is bounded.

func (s *Store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[q]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepared without holding mu: preparing waits for the connection,
	// which a transaction may hold while it looks up its own statements.
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.stmts[q]; ok {
		st.Close()
		return prev, nil
	}
	s.stmts[q] = st
	return st, nil
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, q)
	if err != nil {
		// The same query on the pool reports the preparation error.
		return s.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// txStmt returns the statement bound to tx. It never prepares through the
// pool: the pool has one connection, which tx holds. Open prepares the
// transaction's statements beforehand (txQueries); any other is prepared
// on tx itself and not kept.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[q]
	s.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

// txQueries are the statements run inside transactions, prepared at Open.
var txQueries = []string{redeemSelect, redeemUpdate, insertIssuance, insertMessageSQL}

func (s *Store) prepareTxQueries(ctx context.Context) error {
	for _, q := range txQueries {
		if _, err := s.prepared(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) closeStmts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
}
