package keys

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/pramaan/pramaan/wellknown"
)

// publicJWK returns the public JWK of a key as the keystore publishes it:
// kid the RFC 7638 thumbprint (wellknown.NewJWK's default), with use, alg
// and the certificate chain as x5c when given.
func publicJWK(pub crypto.PublicKey, use, alg string, chain []*x509.Certificate) (wellknown.JWK, error) {
	j, err := wellknown.NewJWK(wellknown.KeySpec{Key: pub, Use: use, Alg: alg, Certificates: chain})
	if err != nil {
		return wellknown.JWK{}, fmt.Errorf("keys: JWK: %w", err)
	}
	return j, nil
}
