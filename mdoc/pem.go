package mdoc

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParseCertificatesPEM returns every CERTIFICATE block of a PEM file, in order.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PEM certificate %d: %v", ErrMalformed, len(out), err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no CERTIFICATE block in PEM", ErrMalformed)
	}
	return out, nil
}

// EncodeCertificatePEM returns c as a PEM CERTIFICATE block.
func EncodeCertificatePEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// ParsePrivateKeyPEM reads an ECDSA private key from a PEM "PRIVATE KEY"
// (PKCS #8) or "EC PRIVATE KEY" (SEC 1) block.
func ParsePrivateKeyPEM(data []byte) (*ecdsa.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("%w: no PRIVATE KEY block in PEM", ErrMalformed)
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: PKCS #8 key: %v", ErrMalformed, err)
			}
			ec, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: PKCS #8 key is %T, want ECDSA", ErrUnsupported, k)
			}
			return ec, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: EC key: %v", ErrMalformed, err)
			}
			return k, nil
		}
	}
}

// EncodePrivateKeyPEM returns k as a PKCS #8 "PRIVATE KEY" PEM block. The
// result is secret: store it with restrictive permissions, never log it.
func EncodePrivateKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("mdoc: encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
