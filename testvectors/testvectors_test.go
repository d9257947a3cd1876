package testvectors

import (
	"errors"
	"os"
	"testing"
)

// vectorsDir returns the vectors folder, skipping the test only when it is
// absent and PRAMAAN_REQUIRE_VECTORS is unset (CI sets it).
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir, err := Locate()
	if errors.Is(err, ErrNotFound) && os.Getenv("PRAMAAN_REQUIRE_VECTORS") == "" {
		t.Skipf("conformance vectors not present (%v); set PRAMAAN_REQUIRE_VECTORS=1 to make this fatal", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSuitesPassOnSharedVectors(t *testing.T) {
	root := vectorsDir(t)
	for _, s := range Suites() {
		t.Run(s.Name, func(t *testing.T) {
			cases := s.Run(root)
			if len(cases) == 0 {
				t.Fatal("suite checked no vector")
			}
			for _, c := range cases {
				if c.Err != nil {
					t.Errorf("%s: %v", c.Name, c.Err)
				}
			}
		})
	}
}
