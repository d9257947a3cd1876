package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// runEKYCCLI runs pramaan ekyc verify with stdin and returns the exit code,
// the verdict printed and stdout.
func runEKYCCLI(t *testing.T, stdin string, args ...string) (int, ekycVerdict, string) {
	t.Helper()
	e, out, _ := liveEnv(context.Background())
	e.stdin = strings.NewReader(stdin)
	code := run(append([]string{"ekyc", "verify"}, args...), e)
	var v ekycVerdict
	if code != 2 {
		if err := json.Unmarshal([]byte(out.String()), &v); err != nil {
			t.Fatalf("exit %d, stdout not JSON: %v\n%s", code, err, out)
		}
	}
	return code, v, out.String()
}

func TestEKYCVerifyCommand(t *testing.T) {
	f := newEKYCFixture(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	made := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	zip := write("offline.zip", f.zip(t, f.doc(t, f.signer, made, ekyctest.Signing{}, nil), ekyctest.ZipOptions{}))
	cer := write("signer.cer", f.signer.Cert.Raw)
	otherCer := write("other.cer", f.other.Cert.Raw)
	qr, _ := f.qr(t, f.signer, made)
	qrFile := write("qr.txt", []byte(qr+"\n"))
	at := made.Add(2 * time.Hour).Format(time.RFC3339)

	code, v, out := runEKYCCLI(t, "", "--zip", zip, "--share-code", f.person.ShareCode, "--cert", otherCer, "--cert", cer,
		"--at", at, "--mobile", f.person.Mobile, "--email", f.person.Email)
	if code != 0 || !v.Verified || v.Last4 != "5093" || v.MobileMatch == nil || !*v.MobileMatch || v.EmailMatch == nil || !*v.EmailMatch ||
		!v.PhotoPresent || v.Source != "ekyc_offline" || v.ReferenceTime != "2026-03-01T14:30:00+05:30" {
		t.Fatalf("exit %d: %s", code, out)
	}
	if found := findNeedles([]byte(out), f.needles()); len(found) > 0 {
		t.Fatalf("the output holds the resident's %v", found)
	}
	// The share code from stdin.
	if code, v, out := runEKYCCLI(t, f.person.ShareCode+"\n", "--zip", zip, "--share-code", "-", "--cert", cer, "--at", at); code != 0 || !v.Verified {
		t.Fatalf("share code from stdin: exit %d: %s", code, out)
	}
	if code, v, out := runEKYCCLI(t, "", "--qr-file", qrFile, "--cert", cer, "--at", at); code != 0 || v.Source != "ekyc_qr" || v.Last4 != "5093" {
		t.Fatalf("QR: exit %d: %s", code, out)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"wrong share code", []string{"--zip", zip, "--share-code", "0000", "--cert", cer, "--at", at}, "wrong_share_code"},
		{"unpinned signer", []string{"--zip", zip, "--share-code", f.person.ShareCode, "--cert", otherCer, "--at", at}, "signer_not_pinned"},
		{"stale at the given time", []string{"--zip", zip, "--share-code", f.person.ShareCode, "--cert", cer, "--at", made.Add(80 * time.Hour).Format(time.RFC3339)}, "ekyc_stale"},
		{"stale under --max-age", []string{"--zip", zip, "--share-code", f.person.ShareCode, "--cert", cer, "--at", at, "--max-age", "1h"}, "ekyc_stale"},
		{"not a package", []string{"--zip", cer, "--share-code", f.person.ShareCode, "--cert", cer, "--at", at}, "invalid_package"},
		{"QR under another pin", []string{"--qr-file", qrFile, "--cert", otherCer, "--at", at}, "signature_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, v, out := runEKYCCLI(t, "", tc.args...)
			if code != 1 || v.Verified || v.Error != tc.want {
				t.Fatalf("exit %d, want 1 with %s: %s", code, tc.want, out)
			}
		})
	}
	for _, args := range [][]string{
		{"--zip", zip, "--cert", cer},                      // no share code
		{"--zip", zip, "--share-code", "1"},                // no cert
		{"--zip", zip, "--qr-file", qrFile, "--cert", cer}, // both inputs
	} {
		if code, _, _ := runEKYCCLI(t, "", args...); code != 2 {
			t.Fatalf("%v: exit %d, want 2", args, code)
		}
	}
}
