package main

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/testvectors"
)

func vectorsDir(t *testing.T) string {
	t.Helper()
	dir, err := testvectors.Locate()
	if errors.Is(err, testvectors.ErrNotFound) && os.Getenv("PRAMAAN_REQUIRE_VECTORS") == "" {
		t.Skipf("conformance vectors not present (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConformancePrintsEverySuiteAndZeroFailures(t *testing.T) {
	dir := vectorsDir(t)
	e, out, errb := testEnv()
	code := run([]string{"conformance", "--vectors", dir}, e)
	if code != 0 {
		t.Fatalf("exit code = %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errb)
	}
	for _, s := range testvectors.Suites() {
		if !strings.Contains(out.String(), s.Name) {
			t.Errorf("no row for suite %q", s.Name)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if m := regexp.MustCompile(`^([1-9][0-9]*) passed, 0 failed$`).FindStringSubmatch(last); m == nil {
		t.Fatalf("closing line = %q, want \"N passed, 0 failed\" with N > 0", last)
	}
}

func TestConformanceFailsOnAnEmptyVectorsFolder(t *testing.T) {
	e, out, _ := testEnv()
	code := run([]string{"conformance", "--vectors", t.TempDir()}, e)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^0 passed, [1-9][0-9]* failed$`).MatchString(out.String()) {
		t.Fatalf("closing line missing or wrong:\n%s", out)
	}
}
