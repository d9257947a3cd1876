package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
)

func TestKeysExportPrintsPublicMaterialOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if _, _, err := keys.Open(dir, keys.Options{Now: func() time.Time { return testNow }}); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if code := run([]string{"keys", "export", "--data-dir", dir}, e); code != 0 {
		t.Fatalf("exit code = %d\n%s", code, errb)
	}
	var got keysExport
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.JWKS.Keys) != 2 || got.JWKS.Keys[0].Use != "sig" || got.JWKS.Keys[1].Use != "enc" {
		t.Fatalf("jwks = %+v", got.JWKS)
	}
	// The exported IACA is the one on disk, and the document signer chains to it.
	onDisk, err := os.ReadFile(filepath.Join(dir, keys.FileIACACert))
	if err != nil {
		t.Fatal(err)
	}
	if got.IACA != string(onDisk) {
		t.Fatalf("iaca_pem differs from %s", keys.FileIACACert)
	}
	iacaBlock, _ := pem.Decode([]byte(got.IACA))
	dsBlock, _ := pem.Decode([]byte(got.DocumentSigner))
	if iacaBlock == nil || dsBlock == nil {
		t.Fatal("iaca_pem or document_signer_pem holds no PEM block")
	}
	iaca, err := x509.ParseCertificate(iacaBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := x509.ParseCertificate(dsBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.CheckSignatureFrom(iaca); err != nil {
		t.Fatalf("document signer does not chain to the exported IACA: %v", err)
	}
	// No private member or PEM private key anywhere in the output.
	for _, bad := range []string{"PRIVATE KEY", `"d":`} {
		if strings.Contains(out.String(), bad) {
			t.Fatalf("output contains %q", bad)
		}
	}
}

func TestKeysExportNeverCreatesAKeystore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	e, out, errb := testEnv()
	if code := run([]string{"keys", "export", "--data-dir", dir}, e); code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", code, out)
	}
	if !strings.Contains(errb.String(), "no keystore in "+dir) {
		t.Fatalf("stderr = %q", errb)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("export created %s (stat: %v)", dir, err)
	}
}
