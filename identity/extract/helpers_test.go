package extract_test

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/identity/extract"
)

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func newExtractor(t testing.TB, cfg *extract.Config) *extract.Extractor {
	t.Helper()
	e, err := extract.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// summary renders each field result as "value" when found or
// "code: reason" when not, so that a table can state every outcome exactly.
func summary(fields map[string]*extract.FieldResult) map[string]string {
	out := make(map[string]string, len(fields))
	for name, f := range fields {
		if f.Found() {
			out[name] = f.Value
		} else {
			out[name] = string(f.Code) + ": " + f.Reason
		}
	}
	return out
}

// diffMaps reports the keys where got and want differ, one per line.
func diffMaps(got, want map[string]string) string {
	var b strings.Builder
	keys := slices.Sorted(maps.Keys(want))
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		if g != w || gok != wok {
			b.WriteString("  " + k + ":\n    got  " + show(g, gok) + "\n    want " + show(w, wok) + "\n")
		}
	}
	return b.String()
}

func show(s string, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return "\"" + s + "\""
}
