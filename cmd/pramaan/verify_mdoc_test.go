package main

import (
	"path/filepath"
	"testing"
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
