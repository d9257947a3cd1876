package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
