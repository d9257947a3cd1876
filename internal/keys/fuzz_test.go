package keys_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/testvectors"
)

// FuzzDataKeyOpen: Open never panics, and accepts nothing but what Seal made
// with the same aad.
func FuzzDataKeyOpen(f *testing.F) {
	k := testDataKey(f)
	aad := []byte("row")
	for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("Asha"), 64)} {
		s, err := k.Seal(pt, aad)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s, aad)
	}
	f.Add([]byte{}, aad)
	f.Add([]byte{0x01}, []byte{})
	// Seeds from the shared vectors: real wire bytes are arbitrary input here.
	if root, err := testvectors.Locate(); err == nil {
		for _, name := range []string{"credential_response_mso_mdoc.txt", "credential_response_sd_jwt_vc.txt", "issuer_jwks.json"} {
			if b, err := os.ReadFile(filepath.Join(root, "openid4vci", "1.0", "examples", name)); err == nil {
				f.Add(b, aad)
				f.Add(append([]byte{0x01}, b...), aad)
			}
		}
	} else if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		pt, err := k.Open(sealed, ad)
		if err == nil {
			// Only an authentic ciphertext opens; re-sealing round-trips.
			again, err := k.Seal(pt, ad)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := k.Open(again, ad); err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("round trip after Open: %v", err)
			}
			return
		}
		if !errors.Is(err, keys.ErrDecrypt) && !errors.Is(err, keys.ErrSealedFormat) && !errors.Is(err, keys.ErrAADRequired) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
	})
}
