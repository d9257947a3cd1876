package jose_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/internal/jose"
)

// The thumbprint agrees with jwx's RFC 7638 implementation.
func TestThumbprintAgreesWithJWX(t *testing.T) {
	for range 5 {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := jose.Thumbprint(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		jk, err := jwk.Import(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := jk.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if ours != base64.RawURLEncoding.EncodeToString(tp) {
			t.Fatalf("thumbprint %s, jwx %x", ours, tp)
		}
	}
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := jose.Thumbprint(&k384.PublicKey); err == nil {
		t.Fatal("a P-384 key was accepted")
	}
}

// A DPoP proof (RFC 9449 Section 4.2) verifies under its own jwk and carries
// htm, htu without query, iat, jti, nonce and ath.
func TestDPoPProof(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	proof, err := jose.DPoPProof(k, "GET", "https://op.example/userinfo?x=1#f", "n-1", "at-1", now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := jose.ParseCompact(proof, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify("ES256", &k.PublicKey); err != nil {
		t.Fatal(err)
	}
	var h struct {
		Typ string         `json:"typ"`
		Alg string         `json:"alg"`
		JWK map[string]any `json:"jwk"`
	}
	raw, _ := json.Marshal(c.Header)
	json.Unmarshal(raw, &h)
	var cl struct {
		Htm, Htu, Jti, Nonce, Ath string
		Iat                       int64
	}
	json.Unmarshal(c.Payload, &cl)
	ath := sha256.Sum256([]byte("at-1"))
	if h.Typ != "dpop+jwt" || h.Alg != "ES256" || h.JWK["d"] != nil || h.JWK["kty"] != "EC" || cl.Htm != "GET" || cl.Htu != "https://op.example/userinfo" ||
		cl.Iat != now.Unix() || cl.Jti == "" || cl.Nonce != "n-1" || cl.Ath != base64.RawURLEncoding.EncodeToString(ath[:]) {
		t.Fatalf("header %+v claims %+v", h, cl)
	}
}
