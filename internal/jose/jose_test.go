package jose_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/jose"
)

func TestSignCompactVerifiesWithTheKey(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok, err := jose.SignCompact(k, map[string]any{"typ": "at+jwt", "alg": "none"}, map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(hdr) != `{"alg":"ES256","typ":"at+jwt"}` {
		t.Fatalf("header = %s (alg must come from the key, not the caller)", hdr)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(&k.PublicKey, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("signature does not verify")
	}
}

func TestSignCompactRefusesNonECDSAKeys(t *testing.T) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := jose.SignCompact(k, nil, map[string]any{}); !errors.Is(err, jose.ErrSignature) {
		t.Fatalf("err = %v", err)
	}
}

func TestECDSARawRefusesMalformedSignatures(t *testing.T) {
	for name, der := range map[string][]byte{"empty": nil, "garbage": {0x30, 0x01, 0x00}, "trailing": {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}} {
		if _, err := jose.ECDSARaw(der, 32); !errors.Is(err, jose.ErrSignature) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	raw, err := jose.ECDSARaw([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, 32)
	if err != nil || len(raw) != 64 || raw[31] != 1 || raw[63] != 2 {
		t.Fatalf("raw = %x, %v", raw, err)
	}
}
