package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/internal/store/storetest"
)

func open(t *testing.T) storetest.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "pramaan.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

// Two Store values on one file are two instances of pramaan serve sharing
// the embedded database.
func TestRacesAcrossTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pramaan.db")
	opener := func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	storetest.RunRaces(t, opener, opener)
}

func TestMigrateTwiceIsANoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pramaan.db")
	for range 2 {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		s.Close()
	}
}

// The audit log is append-only in the database itself: a statement that
// bypasses pramaan to edit or delete an event is refused.
func TestAuditEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pramaan.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := audit.New(s, time.Now).Append(ctx, audit.Event{Type: "test.event", Subject: "s"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`UPDATE audit_events SET subject = 'x'`, `DELETE FROM audit_events`} {
		if _, err := db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", stmt, err)
		}
	}
	var n int
	db.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE subject = 's'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d events left unchanged, want 1", n)
	}
}
