package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestVerifyMDoc(t *testing.T) {
	dir := vectorsDir(t)
	annexD := filepath.Join(dir, "mdoc", "iso18013-5-annexD")
	auth0 := filepath.Join(dir, "mdoc", "auth0-mdl-examples")
	tests := []cliCase{
		{
			name:     "ok/annex D at 2021-09-30",
			args:     []string{filepath.Join(annexD, "issuer_signed.hex"), "--trust", filepath.Join(annexD, "iaca_root_utopia_iaca.pem"), "--at", "2021-09-30T00:00:00Z"},
			wantOut:  []string{`"verified": true`, `"doc_type": "org.iso.18013.5.1.mDL"`, `"family_name": "Doe"`, `"document_signer": "CN=utopia ds,C=US"`},
			wantCode: 0,
		},
		{
			name:     "fail/annex D expired now",
			args:     []string{filepath.Join(annexD, "issuer_signed.hex"), "--trust", filepath.Join(annexD, "iaca_root_utopia_iaca.pem")},
			wantCode: 1,
			wantErr:  "expired",
		},
		{
			name:     "fail/annex D under another root",
			args:     []string{filepath.Join(annexD, "issuer_signed.hex"), "--trust", filepath.Join(auth0, "issuer_ny_dmv.pem"), "--at", "2021-09-30T00:00:00Z"},
			wantCode: 1,
			wantErr:  "untrusted certificate chain",
		},
		{
			name:     "ok/auth0 example 1 with its self-signed test issuer",
			args:     []string{filepath.Join(auth0, "example1.issuerSigned.hex"), "--trust", filepath.Join(auth0, "issuer_ny_dmv.pem"), "--allow-self-signed-ds"},
			wantOut:  []string{`"verified": true`},
			wantCode: 0,
		},
		{
			name:     "fail/auth0 example 3 tampered family_name",
			args:     []string{filepath.Join(auth0, "example3.issuerSigned.hex"), "--trust", filepath.Join(auth0, "issuer_ny_dmv.pem"), "--allow-self-signed-ds"},
			wantCode: 1,
			wantErr:  "digest mismatch: org.iso.18013.5.1/family_name",
		},
		{
			name:     "usage/no trust anchors",
			args:     []string{filepath.Join(annexD, "issuer_signed.hex")},
			wantCode: 2,
			wantErr:  "--trust is required",
		},
	}
	runCLICases(t, []string{"verify", "mdoc"}, tests)
}

// TestVerifyMDocOutputIsExact checks the printed JSON field by field against
// the Annex D vector: validity, the document signer's fingerprint (the DS
// certificate published with the vector) and the six disclosed elements.
func TestVerifyMDocOutputIsExact(t *testing.T) {
	annexD := filepath.Join(vectorsDir(t), "mdoc", "iso18013-5-annexD")
	e, out, errb := testEnv()
	code := run([]string{"verify", "mdoc", filepath.Join(annexD, "issuer_signed.hex"),
		"--trust", filepath.Join(annexD, "iaca_root_utopia_iaca.pem"), "--at", "2021-09-30T00:00:00Z"}, e)
	if code != 0 {
		t.Fatalf("exit code = %d\n%s", code, errb)
	}
	var got mdocOutput
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	dsPEM, err := os.ReadFile(filepath.Join(annexD, "ds_cert_utopia_ds.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(dsPEM)
	if block == nil {
		t.Fatal("ds_cert_utopia_ds.pem holds no PEM block")
	}
	fp := sha256.Sum256(block.Bytes)
	if got.DSFingerprint != hex.EncodeToString(fp[:]) {
		t.Errorf("document_signer_sha256 = %s, want %x", got.DSFingerprint, fp)
	}
	if want := time.Date(2021, 10, 1, 13, 30, 2, 0, time.UTC); !got.Validity.ValidUntil.Equal(want) {
		t.Errorf("validUntil = %s, want %s", got.Validity.ValidUntil, want)
	}
	var names []string
	for name := range got.Claims["org.iso.18013.5.1"] {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"document_number", "driving_privileges", "expiry_date", "family_name", "issue_date", "portrait"}
	if !slices.Equal(names, want) {
		t.Errorf("elements = %v, want %v", names, want)
	}
}
