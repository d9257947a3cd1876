package keyattest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/testvectors"
)

// specExampleClaims returns the key attestation payloads among the spec's
// inline examples, when the vectors are present.
func specExampleClaims() [][]byte {
	root, err := testvectors.Locate()
	if err != nil {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(root, "openid4vci", "1.0", "inline_examples_from_spec_md.json"))
	if err != nil {
		return nil
	}
	var out [][]byte
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["attested_keys"]; ok {
				b, _ := json.Marshal(x)
				out = append(out, b)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case string:
			// A decoded JWT is printed as "header\n.\npayload".
			for _, part := range strings.Split(x, "\n.\n") {
				var inner any
				if json.Unmarshal([]byte(part), &inner) == nil {
					walk(inner)
				}
			}
		}
	}
	var doc any
	if json.Unmarshal(data, &doc) == nil {
		walk(doc)
	}
	return out
}

func FuzzVerify(f *testing.F) {
	p := newPKI(f, "Provider", testNow.AddDate(1, 0, 0))
	v := verifier(f, p, nil)
	f.Add(mint(f, p, claims(&newKey(f).PublicKey)))
	header := map[string]any{"typ": keyattest.Typ, "x5c": x5c(p.leaf, p.inter)}
	for _, c := range specExampleClaims() {
		var m map[string]any
		_ = json.Unmarshal(c, &m)
		f.Add(resign(f, p.leafKey, header, m))
	}
	f.Add("e30.e30.e30")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		a, err := v.Verify(context.Background(), token, keyattest.Options{})
		if err == nil && (len(a.Keys) == 0 || len(a.Chain) == 0) {
			t.Fatal("a verified attestation without keys or chain")
		}
	})
}

func TestSpecExamplesAmongVectorsAreFound(t *testing.T) {
	if _, err := testvectors.Locate(); errors.Is(err, testvectors.ErrNotFound) && os.Getenv("PRAMAAN_REQUIRE_VECTORS") == "" {
		t.Skip("vectors not present")
	}
	if len(specExampleClaims()) == 0 {
		t.Fatal("no key attestation example found among the spec's inline examples")
	}
}

// BenchmarkFloorES256Verify is the floor: one raw P-256 verification.
func BenchmarkFloorES256Verify(b *testing.B) {
	key := newKey(b)
	d := sha256.Sum256([]byte("floor"))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, d[:])
	for b.Loop() {
		if !ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
			b.Fatal("verify")
		}
	}
}

// BenchmarkVerify verifies a key attestation of one key: the x5c chain
// (two certificate signatures), the JWT signature and the claims.
func BenchmarkVerify(b *testing.B) {
	p := newPKI(b, "Provider", testNow.AddDate(1, 0, 0))
	v := verifier(b, p, nil)
	tok := mint(b, p, claims(&newKey(b).PublicKey))
	for b.Loop() {
		if _, err := v.Verify(context.Background(), tok, keyattest.Options{Nonce: "c_nonce-1"}); err != nil {
			b.Fatal(err)
		}
	}
}
