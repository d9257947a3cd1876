package keys

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// PublicJWK is a public JSON Web Key (RFC 7517) as the keystore publishes
// it. Only public members exist in this type, so it cannot leak a private
// key.
type PublicJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	// X5C is the certificate chain, leaf first, each standard base64 DER
	// (RFC 7517 §4.7, not base64url).
	X5C []string `json:"x5c,omitempty"`
}

// JWKS is a JWK Set (RFC 7517 §5).
type JWKS struct {
	Keys []PublicJWK `json:"keys"`
}

// JWKFromPublicKey returns the JWK members of an ECDSA (P-256, P-384,
// P-521), ECDH (P-256, P-384, P-521) or RSA public key, without kid, use or
// alg.
func JWKFromPublicKey(pub crypto.PublicKey) (PublicJWK, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecJWK(k.Curve, func() ([]byte, error) { return k.Bytes() })
	case *ecdh.PublicKey:
		var c elliptic.Curve
		switch k.Curve() {
		case ecdh.P256():
			c = elliptic.P256()
		case ecdh.P384():
			c = elliptic.P384()
		case ecdh.P521():
			c = elliptic.P521()
		default:
			return PublicJWK{}, fmt.Errorf("keys: JWK of ECDH curve %v is not supported", k.Curve())
		}
		return ecJWK(c, func() ([]byte, error) { return k.Bytes(), nil })
	case *rsa.PublicKey:
		return PublicJWK{Kty: "RSA", N: b64(k.N.Bytes()), E: b64(big.NewInt(int64(k.E)).Bytes())}, nil
	default:
		return PublicJWK{}, fmt.Errorf("keys: JWK of %T is not supported", pub)
	}
}

// ecJWK splits an uncompressed point 04||X||Y into the RFC 7518 §6.2.1
// members; X and Y have the full field length (§6.2.1.2, §6.2.1.3).
func ecJWK(c elliptic.Curve, point func() ([]byte, error)) (PublicJWK, error) {
	var crv string
	switch c {
	case elliptic.P256():
		crv = "P-256"
	case elliptic.P384():
		crv = "P-384"
	case elliptic.P521():
		crv = "P-521"
	default:
		return PublicJWK{}, fmt.Errorf("keys: JWK of curve %s is not supported", c.Params().Name)
	}
	p, err := point()
	if err != nil {
		return PublicJWK{}, fmt.Errorf("keys: encoding %s public key: %w", crv, err)
	}
	size := (c.Params().BitSize + 7) / 8
	if len(p) != 1+2*size || p[0] != 4 {
		return PublicJWK{}, fmt.Errorf("keys: %s public key is not an uncompressed point", crv)
	}
	return PublicJWK{Kty: "EC", Crv: crv, X: b64(p[1 : 1+size]), Y: b64(p[1+size:])}, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of j, base64url without
// padding: SHA-256 over the JSON object of the key type's required members
// (§3.2: EC crv, kty, x, y; RSA e, kty, n; OKP crv, kty, x), in
// lexicographic order, with no white space (§3.3).
func Thumbprint(j PublicJWK) (string, error) {
	var members [][2]string
	switch j.Kty {
	case "EC":
		members = [][2]string{{"crv", j.Crv}, {"kty", j.Kty}, {"x", j.X}, {"y", j.Y}}
	case "RSA":
		members = [][2]string{{"e", j.E}, {"kty", j.Kty}, {"n", j.N}}
	case "OKP":
		members = [][2]string{{"crv", j.Crv}, {"kty", j.Kty}, {"x", j.X}}
	default:
		return "", fmt.Errorf("keys: thumbprint of kty %q is not supported", j.Kty)
	}
	buf := []byte{'{'}
	for i, m := range members {
		if m[1] == "" {
			return "", fmt.Errorf("keys: thumbprint needs JWK member %q of kty %s", m[0], j.Kty)
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		name, _ := json.Marshal(m[0])
		value, err := json.Marshal(m[1])
		if err != nil {
			return "", fmt.Errorf("keys: thumbprint member %q: %w", m[0], err)
		}
		buf = append(buf, name...)
		buf = append(buf, ':')
		buf = append(buf, value...)
	}
	buf = append(buf, '}')
	sum := sha256.Sum256(buf)
	return b64(sum[:]), nil
}

// publicKeyThumbprint is the kid of a public key.
func publicKeyThumbprint(pub crypto.PublicKey) (PublicJWK, string, error) {
	j, err := JWKFromPublicKey(pub)
	if err != nil {
		return PublicJWK{}, "", err
	}
	kid, err := Thumbprint(j)
	if err != nil {
		return PublicJWK{}, "", err
	}
	return j, kid, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
