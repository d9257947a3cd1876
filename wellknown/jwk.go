package wellknown

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// JWK is a public JSON Web Key (RFC 7517 Section 4; members per RFC 7518
// Section 6). It has no private members: the package never writes one.
type JWK struct {
	Kty string   `json:"kty"`
	Kid string   `json:"kid,omitempty"`
	Use string   `json:"use,omitempty"`
	Alg string   `json:"alg,omitempty"`
	Crv string   `json:"crv,omitempty"`
	X   string   `json:"x,omitempty"`
	Y   string   `json:"y,omitempty"`
	N   string   `json:"n,omitempty"`
	E   string   `json:"e,omitempty"`
	X5c []string `json:"x5c,omitempty"` // standard base64 DER, leaf first (RFC 7517 Section 4.7)
}

// JWKSet is a JWK Set document (RFC 7517 Section 5).
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// Key uses (RFC 7517 Section 4.2).
const (
	UseSig = "sig"
	UseEnc = "enc"
)

// MinRSABits is the smallest RSA modulus the package publishes.
const MinRSABits = 2048

// KeySpec describes one public key to publish.
type KeySpec struct {
	// Key is an *ecdsa.PublicKey (P-256, P-384, P-521), *rsa.PublicKey,
	// ed25519.PublicKey or *ecdh.PublicKey (P-256, P-384, P-521). Private
	// keys are refused.
	Key crypto.PublicKey
	// KeyID becomes kid; when empty, the RFC 7638 SHA-256 thumbprint is used.
	KeyID string
	// Use is "sig", "enc" or empty.
	Use string
	// Alg, when set, must suit the key (for example ES256 for P-256,
	// ECDH-ES for an EC key, RSA-OAEP-256 for RSA).
	Alg string
	// Certificates, when set, become x5c (leaf first); the leaf must
	// certify Key.
	Certificates []*x509.Certificate
}

// NewJWK returns the public JWK for spec.
func NewJWK(spec KeySpec) (JWK, error) {
	jwk, err := publicJWK(spec.Key)
	if err != nil {
		return JWK{}, err
	}
	switch spec.Use {
	case "", UseSig, UseEnc:
		jwk.Use = spec.Use
	default:
		return JWK{}, fmt.Errorf("%w: use %q is neither %q nor %q", ErrInvalidKey, spec.Use, UseSig, UseEnc)
	}
	if spec.Alg != "" {
		if err := checkKeyAlg(jwk, spec.Alg, spec.Use); err != nil {
			return JWK{}, err
		}
		jwk.Alg = spec.Alg
	}
	if len(spec.Certificates) > 0 {
		leaf := spec.Certificates[0]
		if leaf == nil {
			return JWK{}, fmt.Errorf("%w: x5c leaf certificate is nil", ErrInvalidKey)
		}
		leafJWK, err := publicJWK(leaf.PublicKey)
		if err != nil {
			return JWK{}, fmt.Errorf("%w: x5c leaf certificate: %v", ErrInvalidKey, err)
		}
		if leafJWK.thumbprintInput() != jwk.thumbprintInput() {
			return JWK{}, fmt.Errorf("%w: x5c leaf certificate %q does not certify the key", ErrInvalidKey, leaf.Subject)
		}
		if jwk.X5c, err = encodeChain(spec.Certificates); err != nil {
			return JWK{}, err
		}
	}
	jwk.Kid = spec.KeyID
	if jwk.Kid == "" {
		jwk.Kid = jwk.Thumbprint()
	}
	return jwk, nil
}

// NewJWKSet returns a JWK Set of the given keys; key IDs must be unique.
func NewJWKSet(specs ...KeySpec) (JWKSet, error) {
	set := JWKSet{Keys: make([]JWK, 0, len(specs))}
	seen := map[string]int{}
	for i, spec := range specs {
		jwk, err := NewJWK(spec)
		if err != nil {
			return JWKSet{}, fmt.Errorf("key %d: %w", i, err)
		}
		if j, dup := seen[jwk.Kid]; dup {
			return JWKSet{}, fmt.Errorf("%w: keys %d and %d share kid %q", ErrInvalidKey, j, i, jwk.Kid)
		}
		seen[jwk.Kid] = i
		set.Keys = append(set.Keys, jwk)
	}
	return set, nil
}

// Thumbprint returns the base64url RFC 7638 SHA-256 thumbprint of the key.
func (k JWK) Thumbprint() string {
	sum := sha256.Sum256([]byte(k.thumbprintInput()))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// thumbprintInput is the RFC 7638 Section 3.2 JSON: the required members in
// lexicographic order, no whitespace. Member values are base64url or fixed
// names, so json.Marshal of a string adds no escapes that would matter.
func (k JWK) thumbprintInput() string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch k.Kty {
	case "EC":
		return `{"crv":` + q(k.Crv) + `,"kty":"EC","x":` + q(k.X) + `,"y":` + q(k.Y) + `}`
	case "OKP":
		return `{"crv":` + q(k.Crv) + `,"kty":"OKP","x":` + q(k.X) + `}`
	case "RSA":
		return `{"e":` + q(k.E) + `,"kty":"RSA","n":` + q(k.N) + `}`
	}
	return `{"kty":` + q(k.Kty) + `}`
}

func publicJWK(key crypto.PublicKey) (JWK, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey, *ecdh.PrivateKey:
		return JWK{}, fmt.Errorf("%w: %T is a private key; pass its public half", ErrInvalidKey, key)
	case *ecdsa.PublicKey:
		if k == nil {
			return JWK{}, fmt.Errorf("%w: nil ECDSA key", ErrInvalidKey)
		}
		pk, err := k.ECDH()
		if err != nil {
			return JWK{}, fmt.Errorf("%w: ECDSA key: %v", ErrInvalidKey, err)
		}
		return ecJWK(k.Curve, pk.Bytes())
	case *ecdh.PublicKey:
		if k == nil {
			return JWK{}, fmt.Errorf("%w: nil ECDH key", ErrInvalidKey)
		}
		var curve elliptic.Curve
		switch k.Curve() {
		case ecdh.P256():
			curve = elliptic.P256()
		case ecdh.P384():
			curve = elliptic.P384()
		case ecdh.P521():
			curve = elliptic.P521()
		default:
			return JWK{}, fmt.Errorf("%w: ECDH curve %v is not supported", ErrInvalidKey, k.Curve())
		}
		return ecJWK(curve, k.Bytes())
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return JWK{}, fmt.Errorf("%w: Ed25519 key has %d bytes", ErrInvalidKey, len(k))
		}
		return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k)}, nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return JWK{}, fmt.Errorf("%w: nil RSA key", ErrInvalidKey)
		}
		if k.N.BitLen() < MinRSABits {
			return JWK{}, fmt.Errorf("%w: RSA key of %d bits, minimum %d", ErrInvalidKey, k.N.BitLen(), MinRSABits)
		}
		return JWK{
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		}, nil
	default:
		return JWK{}, fmt.Errorf("%w: unsupported key type %T", ErrInvalidKey, key)
	}
}

// ecJWK encodes an uncompressed point (0x04 || X || Y) with coordinates
// padded to the field size (RFC 7518 Section 6.2.1.2).
func ecJWK(curve elliptic.Curve, point []byte) (JWK, error) {
	var crv string
	switch curve {
	case elliptic.P256():
		crv = "P-256"
	case elliptic.P384():
		crv = "P-384"
	case elliptic.P521():
		crv = "P-521"
	default:
		return JWK{}, fmt.Errorf("%w: curve %s is not supported", ErrInvalidKey, curve.Params().Name)
	}
	size := (curve.Params().BitSize + 7) / 8
	if len(point) != 1+2*size || point[0] != 4 {
		return JWK{}, fmt.Errorf("%w: malformed %s point", ErrInvalidKey, crv)
	}
	return JWK{
		Kty: "EC",
		Crv: crv,
		X:   base64.RawURLEncoding.EncodeToString(point[1 : 1+size]),
		Y:   base64.RawURLEncoding.EncodeToString(point[1+size:]),
	}, nil
}

// signatureAlgKey maps the JWS algorithms we publish or sign with to the
// key they need (RFC 7518 Section 3, RFC 8037, RFC 9864).
var signatureAlgKey = map[string]string{
	"ES256": "EC/P-256", "ES384": "EC/P-384", "ES512": "EC/P-521",
	"ESP256": "EC/P-256", "ESP384": "EC/P-384", "ESP512": "EC/P-521",
	"EdDSA": "OKP/Ed25519", "Ed25519": "OKP/Ed25519",
	"RS256": "RSA", "RS384": "RSA", "RS512": "RSA",
	"PS256": "RSA", "PS384": "RSA", "PS512": "RSA",
}

// keyAgreementAlgKey maps JWE key-management algorithms to key types
// (RFC 7518 Section 4).
var keyAgreementAlgKey = map[string]string{
	"ECDH-ES": "EC", "ECDH-ES+A128KW": "EC", "ECDH-ES+A192KW": "EC", "ECDH-ES+A256KW": "EC",
	"RSA-OAEP-256": "RSA",
}

func checkKeyAlg(jwk JWK, alg, use string) error {
	if want, ok := signatureAlgKey[alg]; ok {
		if use == UseEnc {
			return fmt.Errorf("%w: alg %s is a signature algorithm but use is %q", ErrInvalidKey, alg, use)
		}
		if want != jwk.Kty && want != jwk.Kty+"/"+jwk.Crv {
			return fmt.Errorf("%w: alg %s needs a %s key, have %s %s", ErrInvalidKey, alg, want, jwk.Kty, jwk.Crv)
		}
		return nil
	}
	if want, ok := keyAgreementAlgKey[alg]; ok {
		if use == UseSig {
			return fmt.Errorf("%w: alg %s is an encryption algorithm but use is %q", ErrInvalidKey, alg, use)
		}
		if want != jwk.Kty {
			return fmt.Errorf("%w: alg %s needs an %s key, have %s", ErrInvalidKey, alg, want, jwk.Kty)
		}
		return nil
	}
	return fmt.Errorf("%w: alg %q is not an asymmetric JOSE algorithm this package knows", ErrInvalidKey, alg)
}

// encodeChain encodes certificates for x5c: standard base64 (not base64url)
// of the DER, leaf first (RFC 7515 Section 4.1.6, RFC 7517 Section 4.7).
func encodeChain(chain []*x509.Certificate) ([]string, error) {
	out := make([]string, len(chain))
	for i, c := range chain {
		if c == nil || len(c.Raw) == 0 {
			return nil, fmt.Errorf("%w: certificate %d of the chain is empty", ErrInvalidKey, i)
		}
		out[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return out, nil
}
