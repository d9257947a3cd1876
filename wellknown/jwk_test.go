package wellknown_test

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wellknown"
)

// The thumbprint of the key in the specification's issuer_jwks.json example
// is the key's kid there (RFC 7638 / RFC 9278 URN).
func TestThumbprintMatchesSpecExample(t *testing.T) {
	// The example wraps its long kid inside the string; join it.
	data := regexp.MustCompile(`([A-Za-z0-9])\n\s+([A-Za-z0-9])`).ReplaceAll(readVector(t, "issuer_jwks.json"), []byte("$1$2"))
	var doc struct {
		JWKS struct {
			Keys []map[string]any `json:"keys"`
		} `json:"jwks"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	raw := doc.JWKS.Keys[0]
	pub, err := sdjwt.ParseJWK(raw)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := wellknown.NewJWK(wellknown.KeySpec{Key: pub})
	if err != nil {
		t.Fatal(err)
	}
	kid := raw["kid"].(string)
	if want := "urn:ietf:params:oauth:jwk-thumbprint:sha-256:" + jwk.Thumbprint(); kid != want {
		t.Errorf("kid %s, thumbprint URN %s", kid, want)
	}
	if jwk.Kid != jwk.Thumbprint() || jwk.X != raw["x"] || jwk.Y != raw["y"] {
		t.Errorf("jwk = %+v", jwk)
	}
}

func TestNewJWK(t *testing.T) {
	p256 := ecKey(t, elliptic.P256())
	p384 := ecKey(t, elliptic.P384())
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	xdh, _ := ecdh.X25519().GenerateKey(rand.Reader)
	root := newCert(t, "root", ecKey(t, elliptic.P256()), nil, true)
	leaf := newCert(t, "leaf", p256, root, false)

	ok := []struct {
		name string
		spec wellknown.KeySpec
		kty  string
		crv  string
	}{
		{"ok/P-256 signing key with alg and x5c", wellknown.KeySpec{Key: &p256.PublicKey, KeyID: "k1", Use: "sig", Alg: "ES256", Certificates: []*x509.Certificate{leaf.cert}}, "EC", "P-256"},
		{"ok/P-384", wellknown.KeySpec{Key: &p384.PublicKey, Alg: "ES384"}, "EC", "P-384"},
		{"ok/Ed25519", wellknown.KeySpec{Key: edPub, Alg: "EdDSA"}, "OKP", "Ed25519"},
		{"ok/RSA", wellknown.KeySpec{Key: &rsaKey.PublicKey, Alg: "PS256", Use: "sig"}, "RSA", ""},
		{"ok/RSA encryption", wellknown.KeySpec{Key: &rsaKey.PublicKey, Alg: "RSA-OAEP-256", Use: "enc"}, "RSA", ""},
		{"ok/ECDH P-256", wellknown.KeySpec{Key: fixedEncryptionKey(t), Alg: "ECDH-ES", Use: "enc"}, "EC", "P-256"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			jwk, err := wellknown.NewJWK(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if jwk.Kty != tt.kty || jwk.Crv != tt.crv || jwk.Kid == "" {
				t.Errorf("jwk = %+v", jwk)
			}
			// An independent parser in the project reads back the same key.
			raw, _ := json.Marshal(jwk)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, has := m[private]; has {
					t.Fatalf("private member %q published", private)
				}
			}
			back, err := sdjwt.ParseJWK(m)
			if err != nil {
				t.Fatal(err)
			}
			again, err := wellknown.NewJWK(wellknown.KeySpec{Key: back})
			if err != nil || again.Thumbprint() != jwk.Thumbprint() {
				t.Errorf("round trip changed the key: %v", err)
			}
		})
	}

	fail := []struct {
		name string
		spec wellknown.KeySpec
		want string
	}{
		{"fail/ECDSA private key", wellknown.KeySpec{Key: p256}, "*ecdsa.PrivateKey is a private key"},
		{"fail/Ed25519 private key", wellknown.KeySpec{Key: edPriv}, "ed25519.PrivateKey is a private key"},
		{"fail/RSA private key", wellknown.KeySpec{Key: rsaKey}, "*rsa.PrivateKey is a private key"},
		{"fail/small RSA", wellknown.KeySpec{Key: &smallRSA.PublicKey}, "RSA key of 1024 bits, minimum 2048"},
		{"fail/X25519", wellknown.KeySpec{Key: xdh.PublicKey()}, "ECDH curve X25519 is not supported"},
		{"fail/unknown type", wellknown.KeySpec{Key: "key"}, "unsupported key type string"},
		{"fail/alg for other curve", wellknown.KeySpec{Key: &p384.PublicKey, Alg: "ES256"}, "alg ES256 needs a EC/P-256 key, have EC P-384"},
		{"fail/alg HS256", wellknown.KeySpec{Key: &p256.PublicKey, Alg: "HS256"}, `alg "HS256" is not an asymmetric JOSE algorithm`},
		{"fail/signature alg with use enc", wellknown.KeySpec{Key: &p256.PublicKey, Alg: "ES256", Use: "enc"}, "is a signature algorithm but use is \"enc\""},
		{"fail/encryption alg on Ed25519", wellknown.KeySpec{Key: edPub, Alg: "ECDH-ES"}, "alg ECDH-ES needs an EC key, have OKP"},
		{"fail/bad use", wellknown.KeySpec{Key: edPub, Use: "both"}, `use "both" is neither`},
		{"fail/x5c for another key", wellknown.KeySpec{Key: &p384.PublicKey, Certificates: []*x509.Certificate{leaf.cert}}, "does not certify the key"},
	}
	for _, tt := range fail {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wellknown.NewJWK(tt.spec)
			if !errors.Is(err, wellknown.ErrInvalidKey) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInvalidKey containing %q", err, tt.want)
			}
		})
	}
}

func TestNewJWKSetDuplicateKid(t *testing.T) {
	a, b := ecKey(t, elliptic.P256()), ecKey(t, elliptic.P256())
	_, err := wellknown.NewJWKSet(wellknown.KeySpec{Key: &a.PublicKey, KeyID: "x"}, wellknown.KeySpec{Key: &b.PublicKey, KeyID: "x"})
	if !errors.Is(err, wellknown.ErrInvalidKey) || !strings.Contains(err.Error(), `keys 0 and 1 share kid "x"`) {
		t.Errorf("err = %v", err)
	}
}

func TestJWTVCIssuerMetadata(t *testing.T) {
	key := ecKey(t, elliptic.P256())
	set, err := wellknown.NewJWKSet(wellknown.KeySpec{Key: &key.PublicKey, KeyID: "credential-key-1", Use: "sig", Alg: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	b := mustBuilder(t, aadhaarConfig(t))
	md, err := b.JWTVCIssuerMetadata(set)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(md)
	// The project's SD-JWT VC verifier reads it (draft 18 Section 3.2).
	parsed, err := sdjwt.ParseIssuerMetadata(raw)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Issuer != "https://issuer.pramaan.example" || parsed.JWKS == nil || parsed.JWKS.Len() != 1 {
		t.Errorf("parsed = %+v", parsed)
	}

	if _, err := b.JWTVCIssuerMetadata(wellknown.JWKSet{}); !errors.Is(err, wellknown.ErrInvalidKey) {
		t.Errorf("empty set: err = %v", err)
	}
	encSet, _ := wellknown.NewJWKSet(wellknown.KeySpec{Key: fixedEncryptionKey(t), Use: "enc", Alg: "ECDH-ES", KeyID: "e"})
	if _, err := b.JWTVCIssuerMetadata(encSet); !errors.Is(err, wellknown.ErrInvalidKey) || !strings.Contains(err.Error(), "is an encryption key") {
		t.Errorf("encryption key: err = %v", err)
	}
}
