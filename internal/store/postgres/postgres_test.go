package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/store/postgres"
	"github.com/pramaan/pramaan/internal/store/storetest"
)

const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDatabase returns the test database URL and a fresh schema in it,
// dropped when the test ends. Without a reachable Postgres the test is
// skipped, unless PRAMAAN_REQUIRE_POSTGRES is set (CI sets it).
func testDatabase(t *testing.T) (url, schema string) {
	t.Helper()
	url = os.Getenv("PRAMAAN_TEST_DATABASE_URL")
	if url == "" {
		url = defaultTestURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_POSTGRES") != "" {
			t.Fatalf("Postgres is required (PRAMAAN_REQUIRE_POSTGRES is set) but unreachable at %s: %v", url, err)
		}
		t.Skipf("Postgres unreachable at %s (%v); set PRAMAAN_REQUIRE_POSTGRES=1 to make this fatal", url, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema = "pramaan_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return url, schema
}

// openIn opens a store (one "instance") whose connections use schema.
func openIn(t *testing.T, url, schema string) storetest.Store {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 20
	s, err := postgres.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		url, schema := testDatabase(t)
		return openIn(t, url, schema)
	})
}

// Two pools on one schema are two instances of pramaan serve on one
// database: each one-time value still has exactly one winner.
func TestRacesAcrossTwoInstances(t *testing.T) {
	url, schema := testDatabase(t)
	opener := func(t *testing.T) storetest.Store { return openIn(t, url, schema) }
	storetest.RunRaces(t, opener, opener)
}

// Two instances take turns on one subject's lock (the advisory lock).
func TestSubjectLockAcrossTwoInstances(t *testing.T) {
	url, schema := testDatabase(t)
	opener := func(t *testing.T) storetest.Store { return openIn(t, url, schema) }
	storetest.RunSubjectLock(t, opener, opener)
}

// Two instances appending at once make one audit chain.
func TestAuditChainAcrossTwoInstances(t *testing.T) {
	url, schema := testDatabase(t)
	opener := func(t *testing.T) storetest.Store { return openIn(t, url, schema) }
	storetest.RunAuditChain(t, opener, opener)
}

// Instances starting together migrate once, under the advisory lock.
func TestConcurrentMigrations(t *testing.T) {
	url, schema := testDatabase(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			cfg, err := pgxpool.ParseConfig(url)
			if err != nil {
				errs <- err
				return
			}
			cfg.ConnConfig.RuntimeParams["search_path"] = schema
			s, err := postgres.OpenConfig(context.Background(), cfg)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// Each migration applied once: versions 1..n, one row each.
	var n, distinct, maxVersion int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT version), max(version) FROM `+schema+`.schema_migrations`).Scan(&n, &distinct, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if n < 2 || n != distinct || n != maxVersion {
		t.Fatalf("schema_migrations: %d rows, %d distinct versions, max %d; want each migration exactly once", n, distinct, maxVersion)
	}
}

// The audit log is append-only in the database itself: UPDATE, DELETE and
// TRUNCATE that bypass pramaan are refused.
func TestAuditEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	url, schema := testDatabase(t)
	s := openIn(t, url, schema)
	defer s.Close()
	if _, err := audit.New(s, time.Now).Append(ctx, audit.Event{Type: "test.event", Subject: "s"}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path = `+schema); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_events SET subject = 'x'`, `DELETE FROM audit_events`, `TRUNCATE audit_events`} {
		if _, err := conn.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", stmt, err)
		}
	}
	var n int
	conn.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE subject = 's'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d events left unchanged, want 1", n)
	}
}
