package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/wellknown"
)

// FuzzParse checks that no document makes Parse or Validate panic, that
// Parse errors wrap ErrSyntax and Validate errors ErrInvalid, and that a
// configuration Validate accepts is accepted by wellknown.NewBuilder too.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, seed := range []string{
		"",
		"limits:\n  batch_size: 0\n",
		"limits:\n  c_nonce_ttl: 5 minutes\n",
		"server:\n  public_ur1: x\n",
		"credential_configurations:\n  a: {format: dc+sd-jwt}\n  a: {format: mso_mdoc}\n",
		"credential_configurations:\n  x: {format: mso_mdoc, claims: [{path: [ns, 1, null, -1, 1.5, {a: b}]}]}\n",
		"languages: [en, hi_IN]\nissuer: {display: {en: x}}\n",
		"a: &a [*a]\n",
		"- a\n",
		"x: 1\n---\ny: 2\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data)
		if err != nil {
			if !errors.Is(err, config.ErrSyntax) {
				t.Fatalf("Parse error %v does not wrap ErrSyntax", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Validate error %v does not wrap ErrInvalid", err)
			}
			return
		}
		wk, err := cfg.WellKnown(requestEncryptionKey(t))
		if err != nil {
			t.Fatalf("WellKnown of a valid configuration: %v", err)
		}
		if _, err := wellknown.NewBuilder(wk); err != nil {
			t.Fatalf("wellknown refuses a configuration Validate accepted: %v", err)
		}
	})
}
