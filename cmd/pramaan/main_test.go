package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func testEnv() (env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return env{stdout: &out, stderr: &errb, now: func() time.Time { return time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) }, client: &http.Client{Timeout: 5 * time.Second}}, &out, &errb
}

func TestRunWithoutCommandPrintsUsageAndExits2(t *testing.T) {
	e, _, errb := testEnv()
	if code := run(nil, e); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), "conformance") {
		t.Fatalf("usage does not list the conformance command:\n%s", errb)
	}
}

func TestRunUnknownCommandExits2(t *testing.T) {
	e, _, errb := testEnv()
	if code := run([]string{"frobnicate"}, e); code != 2 {
		t.Fatalf("exit code = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Fatalf("stderr = %q", errb)
	}
}

// cliCase is one command-line run and what it must print and return.
type cliCase struct {
	name     string
	args     []string
	wantCode int
	wantOut  []string // each must appear on stdout
	wantErr  string   // must appear on stderr
}

// runCLICases runs each case as "pramaan <prefix...> <args...>". A failing
// run must print nothing on stdout: no claims from a rejected credential.
func runCLICases(t *testing.T, prefix []string, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := testEnv()
			code := run(append(append([]string{}, prefix...), tc.args...), e)
			if code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errb)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %s:\n%s", w, out)
				}
			}
			if tc.wantErr != "" && !strings.Contains(errb.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", errb, tc.wantErr)
			}
			if tc.wantCode != 0 && out.Len() != 0 {
				t.Errorf("a failed run printed to stdout: %s", out)
			}
		})
	}
}
