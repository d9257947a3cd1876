package issuer

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// maxX5CCerts bounds the certificates of an x5c header.
const maxX5CCerts = 8

// verifyX5C decodes an x5c header (RFC 7515 §4.1.6: standard base64 DER,
// the key's certificate first) and verifies the chain to roots at now.
// The leaf must allow digital signatures when it restricts key usage.
func verifyX5C(x5c []string, roots *x509.CertPool, now time.Time) ([]*x509.Certificate, error) {
	if len(x5c) == 0 {
		return nil, fmt.Errorf("%w: x5c is empty", ErrMalformedJWT)
	}
	if len(x5c) > maxX5CCerts {
		return nil, fmt.Errorf("%w: x5c has more than %d certificates", ErrMalformedJWT, maxX5CCerts)
	}
	if roots == nil {
		return nil, fmt.Errorf("%w: x5c is not accepted: no trust roots are configured", ErrKeyNotAccepted)
	}
	chain := make([]*x509.Certificate, 0, len(x5c))
	for i, s := range x5c {
		der, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not base64", ErrMalformedJWT, i)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d] is not a certificate", ErrMalformedJWT, i)
		}
		chain = append(chain, cert)
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	leaf := chain[0]
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: x5c leaf certificate does not allow digital signatures", ErrKeyNotAccepted)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			return nil, fmt.Errorf("%w: x5c does not chain to a trusted root", ErrKeyNotAccepted)
		}
		return nil, fmt.Errorf("%w: x5c chain: %v", ErrKeyNotAccepted, err)
	}
	return chain, nil
}
