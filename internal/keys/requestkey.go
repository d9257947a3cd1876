package keys

import (
	"github.com/pramaan/pramaan/wellknown"

	"crypto/ecdh"
	"fmt"
	"log/slog"
)

// AlgECDHES is the JWE key management algorithm of the request-encryption
// key (RFC 7518 §4.6; OpenID4VCI 1.0 §10 and §12.2.4
// credential_request_encryption).
const AlgECDHES = "ECDH-ES"

// RequestKey is the P-256 key with which the issuer decrypts JWE-encrypted
// credential requests. Its printed and logged forms never contain the key.
type RequestKey struct {
	key *ecdh.PrivateKey
	kid string
	jwk wellknown.JWK // with kid, use "enc" and alg ECDH-ES
}

func newRequestKey(key *ecdh.PrivateKey) (*RequestKey, error) {
	if key.Curve() != ecdh.P256() {
		return nil, fmt.Errorf("keys: request-encryption key must be P-256")
	}
	jwk, err := publicJWK(key.PublicKey(), wellknown.UseEnc, AlgECDHES, nil)
	if err != nil {
		return nil, err
	}
	return &RequestKey{key: key, kid: jwk.Kid, jwk: jwk}, nil
}

// KeyID is the RFC 7638 JWK thumbprint of the public key. OpenID4VCI 1.0
// §12.2.4 requires a kid on every credential_request_encryption JWK.
func (k *RequestKey) KeyID() string { return k.kid }

// Algorithm is "ECDH-ES".
func (k *RequestKey) Algorithm() string { return AlgECDHES }

// PublicKey returns the public key.
func (k *RequestKey) PublicKey() *ecdh.PublicKey { return k.key.PublicKey() }

// PrivateKey returns the private key for the JWE library that decrypts
// requests. It is secret: never print, log or store it.
func (k *RequestKey) PrivateKey() *ecdh.PrivateKey { return k.key }

// ECDH returns the shared secret Z with a sender's ephemeral public key
// (the "epk" of RFC 7518 §4.6.2); the key derivation (Concat KDF) is the
// JWE library's.
func (k *RequestKey) ECDH(epk *ecdh.PublicKey) ([]byte, error) {
	if epk == nil || epk.Curve() != ecdh.P256() {
		return nil, fmt.Errorf("keys: ephemeral key is not a P-256 key")
	}
	z, err := k.key.ECDH(epk)
	if err != nil {
		return nil, fmt.Errorf("keys: ECDH: %w", err)
	}
	return z, nil
}

// PublicJWK returns the public key as a JWK with kid, use "enc" and alg
// "ECDH-ES", the form credential_request_encryption.jwks lists
// (OpenID4VCI 1.0 §12.2.4).
func (k *RequestKey) PublicJWK() wellknown.JWK { return k.jwk }

func (k *RequestKey) attrs() []slog.Attr {
	return []slog.Attr{slog.String("kid", k.kid), slog.String("alg", AlgECDHES)}
}

// String returns a redacted description.
func (k *RequestKey) String() string { return redactedText("RequestKey", k.attrs()...) }

// GoString returns a redacted description.
func (k *RequestKey) GoString() string { return k.String() }

// Format prints the redacted description for every verb.
func (k *RequestKey) Format(f fmt.State, _ rune) { writeRedacted(f, k.String()) }

// LogValue logs the kid and alg only.
func (k *RequestKey) LogValue() slog.Value { return redactedLogValue(k.attrs()...) }
