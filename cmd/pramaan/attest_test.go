package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/attestation/android"
)

func TestAttestVerify(t *testing.T) {
	dir := filepath.Join(vectorsDir(t), "android-key-attestation")
	status := filepath.Join(dir, "status-list", "status_test_google_android-key-attestation.json")
	tegu := filepath.Join(dir, "android-keyattestation", "tegu", "sdk36", "TEE_EC_2026_ROOT.pem")
	akita := filepath.Join(dir, "android-keyattestation", "akita", "sdk34", "TEE_EC_NONE.pem")
	marlin := filepath.Join(dir, "android-keyattestation", "marlin", "sdk29", "TEE_EC_NONE.pem")

	// The same tegu chain as a JSON array of base64 DER, the shape of one
	// chain in an android_keystore_attestation proof.
	data, err := os.ReadFile(tegu)
	if err != nil {
		t.Fatal(err)
	}
	ders, err := android.PEMChain(data)
	if err != nil {
		t.Fatal(err)
	}
	var b64 []string
	for _, d := range ders {
		b64 = append(b64, base64.StdEncoding.EncodeToString(d))
	}
	jsonChain := filepath.Join(t.TempDir(), "chain.json")
	j, _ := json.Marshal(b64)
	if err := os.WriteFile(jsonChain, j, 0o600); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"min_security_level":"STRONG_BOX"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantReason android.Reason // checked in the printed JSON when wantCode is 0 or 1
		wantOut    []string
		wantErr    string
	}{
		{name: "valid/tegu with the 2026 EC root on a locked device", args: []string{"--chain", tegu, "--challenge", "6417f92c-daef-4cc1-8828-5bb39338ffd5", "--at", "2026-02-24T01:00:00Z", "--revocations", status},
			wantOut: []string{`"root": "google-ec-P-384`, `"provisioning": "rkp"`, `"verified_boot_state": "VERIFIED"`, `"os_patch_level": 202602`, `"name": "com.google.android.attestation"`, `"algorithm": "EC_P256"`}},
		{name: "valid/same chain as a JSON array, challenge in hex", args: []string{"--chain", jsonChain, "--challenge", "hex:36343137663932632d646165662d346363312d383832382d356262333933333866666435", "--at", "2026-02-24T01:00:00Z", "--revocations", status}},
		{name: "fail/akita unlocked under the strict policy", args: []string{"--chain", akita, "--challenge", "challenge", "--at", "2024-09-26T23:00:00Z", "--revocations", status}, wantCode: 1, wantReason: android.ReasonVerifiedBoot, wantErr: "verified_boot"},
		{name: "valid/akita with --allow-test-devices", args: []string{"--chain", akita, "--challenge", "challenge", "--at", "2024-09-26T23:00:00Z", "--revocations", status, "--allow-test-devices"}},
		{name: "fail/wrong challenge", args: []string{"--chain", akita, "--challenge", "other", "--at", "2024-09-26T23:00:00Z", "--revocations", status, "--allow-test-devices"}, wantCode: 1, wantReason: android.ReasonChallenge},
		{name: "fail/software root", args: []string{"--chain", marlin, "--challenge", "challenge", "--at", "2019-10-29T01:00:00Z", "--revocations", status, "--allow-test-devices"}, wantCode: 1, wantReason: android.ReasonSecurityLevel},
		{name: "fail/policy requires StrongBox", args: []string{"--chain", tegu, "--challenge", "6417f92c-daef-4cc1-8828-5bb39338ffd5", "--at", "2026-02-24T01:00:00Z", "--revocations", status, "--policy", policy}, wantCode: 1, wantReason: android.ReasonSecurityLevel},
		{name: "fail/status list unavailable fails closed", args: []string{"--chain", tegu, "--challenge", "6417f92c-daef-4cc1-8828-5bb39338ffd5", "--at", "2026-02-24T01:00:00Z", "--revocations", filepath.Join(t.TempDir(), "missing.json")}, wantCode: 1, wantReason: android.ReasonRevocationUnavailable},
		{name: "usage/no challenge", args: []string{"--chain", tegu}, wantCode: 2, wantErr: "--challenge are required"},
		{name: "usage/bad hex challenge", args: []string{"--chain", tegu, "--challenge", "hex:zz"}, wantCode: 1, wantErr: "is not hex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := testEnv()
			code := run(append([]string{"attest", "verify"}, tc.args...), e)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errb)
			}
			if tc.wantErr != "" && !strings.Contains(errb.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errb, tc.wantErr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %s:\n%s", w, out)
				}
			}
			if code == 2 || tc.wantErr == "is not hex" {
				return
			}
			var res android.Result
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("stdout is not the JSON result: %v\n%s", err, out)
			}
			if res.Valid != (code == 0) || res.Reason != tc.wantReason {
				t.Fatalf("printed valid=%t reason=%q, want reason %q", res.Valid, res.Reason, tc.wantReason)
			}
		})
	}
}
