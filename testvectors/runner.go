package testvectors

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
)

// EnvDir names the environment variable that points at the vectors folder.
const EnvDir = "PRAMAAN_VECTORS"

// Case is the outcome of one vector check.
type Case struct {
	Name string // what was checked, e.g. "5_simple.json: re-issued disclosures byte-exact"
	Err  error  // nil when the vector gave its expected result
}

// Suite is a named group of checks over one folder of the vector set.
type Suite struct {
	Name string                   // the folder, relative to the vectors root
	Run  func(root string) []Case // root is the vectors folder
}

// Suites returns every suite in a stable order.
func Suites() []Suite {
	return []Suite{
		{Name: "sd-jwt/rfc9901-draft22", Run: runRFC9901},
		{Name: "sd-jwt/sd-jwt-python-testcases", Run: runSDJWTPython},
		{Name: "sd-jwt-vc/draft18", Run: runSDJWTVC},
		{Name: "openid4vci/1.0 (sd-jwt vc response)", Run: runOID4VCISDJWT},
		{Name: "mdoc/iso18013-5-annexD", Run: runAnnexD},
		{Name: "mdoc/auth0-mdl-examples", Run: runAuth0MDL},
		{Name: "android-key-attestation", Run: runAndroidChains},
	}
}

// SuiteResult is what one suite reported.
type SuiteResult struct {
	Name  string
	Cases []Case
}

// Failed returns the number of failed cases.
func (s SuiteResult) Failed() int {
	n := 0
	for _, c := range s.Cases {
		if c.Err != nil {
			n++
		}
	}
	return n
}

// Report is the outcome of a run over the whole vector set.
type Report struct {
	Root   string
	Suites []SuiteResult
}

// Passed returns the number of passed cases over all suites.
func (r Report) Passed() int {
	n := 0
	for _, s := range r.Suites {
		n += len(s.Cases) - s.Failed()
	}
	return n
}

// Failed returns the number of failed cases over all suites. A suite that
// reported no case at all counts as one failure: an empty suite proves nothing.
func (r Report) Failed() int {
	n := 0
	for _, s := range r.Suites {
		n += s.Failed()
		if len(s.Cases) == 0 {
			n++
		}
	}
	return n
}

// Run runs every suite over the vectors in root.
func Run(root string) Report {
	rep := Report{Root: root}
	for _, s := range Suites() {
		rep.Suites = append(rep.Suites, SuiteResult{Name: s.Name, Cases: s.Run(root)})
	}
	return rep
}

// Write prints one row per suite, the failures under it, and the closing
// line "N passed, M failed".
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SUITE\tCASES\tPASSED\tFAILED\tRESULT\n")
	for _, s := range r.Suites {
		result := "ok"
		if s.Failed() > 0 || len(s.Cases) == 0 {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, len(s.Cases), len(s.Cases)-s.Failed(), s.Failed(), result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Suites {
		if len(s.Cases) == 0 {
			fmt.Fprintf(w, "FAIL %s: no vector was checked\n", s.Name)
		}
		for _, c := range s.Cases {
			if c.Err != nil {
				fmt.Fprintf(w, "FAIL %s: %s: %v\n", s.Name, c.Name, c.Err)
			}
		}
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", r.Passed(), r.Failed())
	return err
}

// ErrNotFound is returned by Locate when no vectors folder can be found.
var ErrNotFound = errors.New("testvectors: vectors folder not found")

// Locate returns the vectors folder: $PRAMAAN_VECTORS when set, else the
// first "shared/testvectors" found walking up from the working directory
// (the checkout sits beside shared/, so ../shared/testvectors from the
// module root).
func Locate() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%w: $%s=%q is not a directory", ErrNotFound, EnvDir, dir)
		}
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testvectors: working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		cand := filepath.Join(dir, "shared", "testvectors")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w: set $%s or place shared/testvectors beside the checkout", ErrNotFound, EnvDir)
		}
	}
}

// caseErr is a small helper for suites: it names a check and its outcome.
func caseErr(name string, err error) Case { return Case{Name: name, Err: err} }
