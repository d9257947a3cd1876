package keys

import (
	"github.com/pramaan/pramaan/wellknown"

	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
)

// AlgES256 is the JWS algorithm of every signing key of the keystore
// (RFC 7518 §3.4, HAIP 1.0 §7 "ES256").
const AlgES256 = "ES256"

// SigningKey is a P-256 private key held by the keystore, with its kid
// (RFC 7638 thumbprint) and certificate chain. It is a crypto.Signer; its
// printed and logged forms never contain the key.
type SigningKey struct {
	key   *ecdsa.PrivateKey
	kid   string
	jwk   wellknown.JWK // with kid, use "sig", alg ES256 and x5c
	chain []*x509.Certificate
}

var _ crypto.Signer = (*SigningKey)(nil)

func newSigningKey(key *ecdsa.PrivateKey, chain []*x509.Certificate) (*SigningKey, error) {
	jwk, err := publicJWK(&key.PublicKey, wellknown.UseSig, AlgES256, chain)
	if err != nil {
		return nil, err
	}
	return &SigningKey{key: key, kid: jwk.Kid, jwk: jwk, chain: chain}, nil
}

// Public returns the *ecdsa.PublicKey.
func (k *SigningKey) Public() crypto.PublicKey { return &k.key.PublicKey }

// Sign signs digest with ECDSA, returning an ASN.1 DER signature (as
// *ecdsa.PrivateKey.Sign does).
func (k *SigningKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.key.Sign(rand, digest, opts)
}

// KeyID is the RFC 7638 JWK thumbprint of the public key.
func (k *SigningKey) KeyID() string { return k.kid }

// Algorithm is the JWS algorithm, "ES256".
func (k *SigningKey) Algorithm() string { return AlgES256 }

// Chain returns the certificate chain, leaf first, never the IACA root
// (HAIP 1.0 §6.1.1: the trust anchor is not in x5c; ISO/IEC 18013-5 §9.1.2.4
// for x5chain). The slice is a copy.
func (k *SigningKey) Chain() []*x509.Certificate {
	return append([]*x509.Certificate(nil), k.chain...)
}

// X5C returns the chain's DER certificates, leaf first, as sdjwt.Issuer.X5C
// and a JWS x5c header (RFC 7515 §4.1.6) take them.
func (k *SigningKey) X5C() [][]byte {
	out := make([][]byte, len(k.chain))
	for i, c := range k.chain {
		out[i] = append([]byte(nil), c.Raw...)
	}
	return out
}

// PublicJWK returns the public key as a JWK with kid, use "sig", alg
// "ES256" and x5c.
func (k *SigningKey) PublicJWK() wellknown.JWK {
	j := k.jwk
	j.X5c = append([]string(nil), k.jwk.X5c...)
	return j
}

func (k *SigningKey) attrs() []slog.Attr {
	return []slog.Attr{slog.String("kid", k.kid), slog.String("alg", AlgES256)}
}

// String returns a redacted description.
func (k *SigningKey) String() string { return redactedText("SigningKey", k.attrs()...) }

// GoString returns a redacted description.
func (k *SigningKey) GoString() string { return k.String() }

// Format prints the redacted description for every verb.
func (k *SigningKey) Format(f fmt.State, _ rune) { writeRedacted(f, k.String()) }

// LogValue logs the kid and alg only.
func (k *SigningKey) LogValue() slog.Value { return redactedLogValue(k.attrs()...) }
