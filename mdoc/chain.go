package mdoc

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// OIDDocumentSignerEKU is the extended key usage of an mdoc document signer
// certificate (ISO/IEC 18013-5 Annex B.1.4, Table B.3): 1.0.18013.5.1.2.
var OIDDocumentSignerEKU = asn1.ObjectIdentifier{1, 0, 18013, 5, 1, 2}

// checkWindow reports whether t lies within c's validity.
func checkWindow(c *x509.Certificate, t time.Time, what string) error {
	if t.Before(c.NotBefore) {
		return fmt.Errorf("%w: %s %q valid from %s, verification time %s", ErrNotYetValid, what, c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if t.After(c.NotAfter) {
		return fmt.Errorf("%w: %s %q valid until %s, verification time %s", ErrExpired, what, c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

// verifyChain checks the x5chain (document signer first) against the trusted
// IACA roots at time at, and the document signer's certificate profile.
func (v *Verifier) verifyChain(chain []*x509.Certificate) error {
	ds := chain[0]
	for i, c := range chain {
		what := "document signer certificate"
		if i > 0 {
			what = fmt.Sprintf("x5chain[%d] certificate", i)
		}
		if err := checkWindow(c, v.At, what); err != nil {
			return err
		}
	}
	if v.AllowSelfSignedDS && slices.ContainsFunc(v.Roots, ds.Equal) {
		// The DS certificate is itself a configured anchor: nothing to chain
		// and the Annex B DS profile (which describes an IACA-issued leaf)
		// does not apply. See Verifier.AllowSelfSignedDS.
		return nil
	}
	roots := x509.NewCertPool()
	for _, r := range v.Roots {
		roots.AddCert(r)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	chains, err := ds.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   v.At,
		// The DS EKU is not one crypto/x509 knows; it is checked below.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired { // "expired or not yet valid"
			if inv.Cert != nil && v.At.Before(inv.Cert.NotBefore) {
				return fmt.Errorf("%w: certificate chain: %v", ErrNotYetValid, err)
			}
			return fmt.Errorf("%w: certificate chain: %v", ErrExpired, err)
		}
		return fmt.Errorf("%w: document signer %q: %v", ErrUntrustedChain, ds.Subject.CommonName, err)
	}
	if len(chains[0]) < 2 {
		return fmt.Errorf("%w: document signer %q is itself a trust anchor (see Verifier.AllowSelfSignedDS)", ErrUntrustedChain, ds.Subject.CommonName)
	}
	return checkDSProfile(ds, chains[0][1])
}

// checkDSProfile applies the document signer certificate profile of ISO/IEC
// 18013-5 Annex B.1.4 (Table B.3).
func checkDSProfile(ds, issuer *x509.Certificate) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: document signer %q: %s (ISO 18013-5 Annex B.1.4)", ErrUntrustedChain, ds.Subject.CommonName, fmt.Sprintf(format, a...))
	}
	if ds.IsCA {
		return fail("is a CA certificate")
	}
	if ds.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fail("key usage lacks digitalSignature")
	}
	if !slices.ContainsFunc(ds.UnknownExtKeyUsage, OIDDocumentSignerEKU.Equal) {
		return fail("extended key usage lacks 1.0.18013.5.1.2")
	}
	if len(issuer.SubjectKeyId) > 0 && !bytes.Equal(ds.AuthorityKeyId, issuer.SubjectKeyId) {
		return fail("authority key identifier differs from the IACA subject key identifier")
	}
	if dc, ic := ds.Subject.Country, issuer.Subject.Country; len(ic) > 0 && !slices.Equal(dc, ic) {
		return fail("country %v differs from the IACA's %v", dc, ic)
	}
	return nil
}
