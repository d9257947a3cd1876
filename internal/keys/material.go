package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/mdoc"
)

// loadECKey reads a private EC key PEM file and checks its curve.
func loadECKey(path string, curves ...elliptic.Curve) (*ecdsa.PrivateKey, error) {
	data, err := readFile(path, private)
	if err != nil {
		return nil, err
	}
	key, err := mdoc.ParsePrivateKeyPEM(data)
	if err != nil {
		// The mdoc error names the PEM problem, never key bytes.
		return nil, fileErr(path, ErrMalformed, "restore it from backup", "%v", err)
	}
	for _, c := range curves {
		if key.Curve == c {
			return key, nil
		}
	}
	return nil, fileErr(path, ErrMalformed, "restore it from backup", "key on curve %s, want %s", key.Curve.Params().Name, curveNames(curves))
}

func curveNames(curves []elliptic.Curve) string {
	s := ""
	for i, c := range curves {
		if i > 0 {
			s += " or "
		}
		s += c.Params().Name
	}
	return s
}

// loadCert reads a PEM file holding exactly one certificate.
func loadCert(path string) (*x509.Certificate, error) {
	data, err := readFile(path, public)
	if err != nil {
		return nil, err
	}
	certs, err := mdoc.ParseCertificatesPEM(data)
	if err != nil {
		return nil, fileErr(path, ErrMalformed, "restore it from backup", "%v", err)
	}
	if len(certs) != 1 {
		return nil, fileErr(path, ErrMalformed, "keep one certificate per file", "%d certificates, want 1", len(certs))
	}
	return certs[0], nil
}

// checkPair verifies that cert certifies key.
func checkPair(certPath, keyPath string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return fileErr(certPath, ErrKeyMismatch,
			fmt.Sprintf("restore the matching pair from backup, or remove %s and %s to create new ones", certPath, keyPath),
			"the certificate's public key is not the key in %s", keyPath)
	}
	return nil
}

// checkIssuedBy verifies cert's signature by the IACA.
func checkIssuedBy(certPath string, cert, iaca *x509.Certificate, fix string) error {
	if err := cert.CheckSignatureFrom(iaca); err != nil {
		return fileErr(certPath, ErrChain, fix, "not signed by the IACA %q: %v", iaca.Subject.CommonName, err)
	}
	return nil
}

// checkValidity refuses a certificate that is not valid at now.
func checkValidity(certPath string, cert *x509.Certificate, now time.Time, fix string) error {
	if now.Before(cert.NotBefore) {
		return fileErr(certPath, ErrValidity, "check the system clock", "not valid before %s (now %s)",
			cert.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(cert.NotAfter) {
		return fileErr(certPath, ErrValidity, fix, "expired at %s (now %s)",
			cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// writeKeyPair writes the private key (0600) then the certificate (0644).
func writeKeyPair(keyPath, certPath string, key *ecdsa.PrivateKey, cert *x509.Certificate) error {
	pemKey, err := mdoc.EncodePrivateKeyPEM(key)
	if err != nil {
		return fileErr(keyPath, ErrMalformed, "", "%v", err)
	}
	if err := writeFile(keyPath, pemKey, private); err != nil {
		return err
	}
	return writeFile(certPath, mdoc.EncodeCertificatePEM(cert), public)
}

// clampValidity shortens validity so that a certificate starting at now
// ends no later than its issuer.
func clampValidity(now time.Time, validity time.Duration, issuer *x509.Certificate) time.Duration {
	start := now.UTC().Truncate(time.Second)
	if limit := issuer.NotAfter.Sub(start); validity > limit {
		return limit
	}
	return validity
}
