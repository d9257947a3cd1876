package keys_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
)

func sha256B64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// t0 is the fixed creation time of test keystores.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func clock(at time.Time) func() time.Time { return func() time.Time { return at } }

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// newStore opens a fresh keystore in a new directory at t0.
func newStore(t *testing.T) (*keys.Keystore, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pramaan-data")
	ks, warns, err := keys.Open(dir, keys.Options{Now: clock(t0), IssuerURL: "https://issuer.example.in"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings on a fresh keystore: %v", warns)
	}
	return ks, dir
}

func mustFileError(t *testing.T, err error, sentinel error, path string) *keys.FileError {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v, want %v", err, sentinel)
	}
	var fe *keys.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not a *FileError", err)
	}
	if fe.Path != path {
		t.Fatalf("FileError.Path = %q, want %q", fe.Path, path)
	}
	return fe
}

func writeTestFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
