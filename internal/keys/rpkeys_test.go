package keys_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/keys"
)

func TestRPKeysAreCreatedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	opts := keys.Options{Now: time.Now, LookupEnv: func(string) (string, bool) { return "", false }}
	ks, _, err := keys.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, keys.FileRPKey)); !os.IsNotExist(err) {
		t.Fatalf("the relying-party key exists before first use: %v", err)
	}
	a, err := ks.RPKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{keys.FileRPKey, keys.FileRPEncryptionKey} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != keys.PrivateMode {
			t.Fatalf("%s: %v %v", f, fi, err)
		}
	}
	again, _, err := keys.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := again.RPKeys()
	if err != nil {
		t.Fatal(err)
	}
	if !a.Signer.Equal(b.Signer) || !a.Decrypter.Equal(b.Decrypter) || a.KeyID != b.KeyID || len(a.KeyID) != 43 {
		t.Fatal("a second keystore on the directory has other relying-party keys")
	}
	jwks := a.PublicJWKS()["keys"].([]any)
	sig, enc := jwks[0].(map[string]any), jwks[1].(map[string]any)
	if sig["kty"] != "EC" || sig["use"] != "sig" || sig["alg"] != "ES256" || sig["kid"] != a.KeyID || sig["d"] != nil ||
		enc["kty"] != "RSA" || enc["use"] != "enc" || enc["alg"] != "RSA-OAEP-256" || enc["kid"] != a.EncryptionKeyID || enc["d"] != nil {
		t.Fatalf("JWKS %v", jwks)
	}
}
