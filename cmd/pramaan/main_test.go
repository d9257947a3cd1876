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
