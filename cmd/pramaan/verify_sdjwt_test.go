package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rfcExample writes the RFC 9901 Section 5 SD-JWT+KB to a file and returns
// it with the issuer JWK file.
func rfcExample(t *testing.T) (presentation, jwk string) {
	t.Helper()
	dir := vectorsDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "sd-jwt", "rfc9901-draft22", "5_simple.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		KB string `json:"sd_jwt_kb_presentation"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	presentation = filepath.Join(t.TempDir(), "sd.txt")
	if err := os.WriteFile(presentation, []byte(v.KB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return presentation, filepath.Join(dir, "sd-jwt", "rfc9901-draft22", "issuer_public_jwk.json")
}

func TestVerifySDJWT(t *testing.T) {
	pres, jwk := rfcExample(t)
	const kbTime = "2025-05-29T16:47:23Z" // the example KB-JWT's iat
	tests := []cliCase{
		{
			name:     "ok/kb-jwt with the right nonce and audience",
			args:     []string{pres, "--jwks", jwk, "--nonce", "1234567890", "--aud", "https://verifier.example.org", "--at", kbTime},
			wantOut:  []string{`"verified": true`, `"given_name": "John"`, `"/nationalities/0"`, `"nonce": "1234567890"`},
			wantCode: 0,
		},
		{
			name:     "ok/flags before the file",
			args:     []string{"--jwks", jwk, "--at", kbTime, pres},
			wantOut:  []string{`"family_name": "Doe"`},
			wantCode: 0,
		},
		{
			name:     "fail/kb-jwt for another audience",
			args:     []string{pres, "--jwks", jwk, "--nonce", "1234567890", "--aud", "https://other.example", "--at", kbTime},
			wantCode: 1,
			wantErr:  "wrong audience",
		},
		{
			name:     "fail/kb-jwt with another nonce",
			args:     []string{pres, "--jwks", jwk, "--nonce", "999", "--aud", "https://verifier.example.org", "--at", kbTime},
			wantCode: 1,
			wantErr:  "nonce",
		},
		{
			name:     "fail/kb-jwt too old at the present time",
			args:     []string{pres, "--jwks", jwk, "--nonce", "1234567890", "--aud", "https://verifier.example.org"},
			wantCode: 1,
			wantErr:  "too old",
		},
		{
			name:     "usage/no key source",
			args:     []string{pres},
			wantCode: 2,
			wantErr:  "exactly one of --jwks, --trust or --issuer-metadata",
		},
		{
			name:     "usage/nonce without aud",
			args:     []string{pres, "--jwks", jwk, "--nonce", "1"},
			wantCode: 2,
			wantErr:  "--nonce and --aud go together",
		},
	}
	runCLICases(t, []string{"verify", "sdjwt"}, tests)
}

func TestVerifySDJWTRejectsOneChangedByte(t *testing.T) {
	pres, jwk := rfcExample(t)
	raw, err := os.ReadFile(pres)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i := strings.Index(s, ".") + 20 // inside the issuer-signed payload
	bad := s[:i] + string(rune(s[i]^1)) + s[i+1:]
	if err := os.WriteFile(pres, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if code := run([]string{"verify", "sdjwt", pres, "--jwks", jwk, "--at", "2025-05-29T16:47:23Z"}, e); code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s%s", code, out, errb)
	}
	if !strings.Contains(errb.String(), "pramaan verify sdjwt:") {
		t.Fatalf("stderr = %q", errb)
	}
}
