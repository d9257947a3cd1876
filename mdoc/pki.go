package mdoc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Maximum certificate validity of ISO/IEC 18013-5 Annex B.1.2 and B.1.4.
const (
	MaxIACAValidity = 20 * 365 * 24 * time.Hour
	MaxDSValidity   = 457 * 24 * time.Hour
)

// CertOptions configure a development IACA or document-signer certificate.
type CertOptions struct {
	// CommonName of the subject; required.
	CommonName string
	// Country is the subject's C (ISO 3166-1 alpha-2); default "IN".
	Country string
	// Curve is P-256 (default) or, for an IACA only, P-384.
	Curve elliptic.Curve
	// NotBefore is the start of validity, normally the current time; required.
	NotBefore time.Time
	// Validity defaults to 10 years for an IACA and 365 days for a document
	// signer, and may not exceed MaxIACAValidity / MaxDSValidity.
	Validity time.Duration
}

func (o CertOptions) withDefaults(defValidity, maxValidity time.Duration) (CertOptions, error) {
	if o.CommonName == "" || o.NotBefore.IsZero() {
		return o, fmt.Errorf("%w: CertOptions need CommonName and NotBefore", ErrInvalidInput)
	}
	if o.Country == "" {
		o.Country = "IN"
	}
	if o.Curve == nil {
		o.Curve = elliptic.P256()
	}
	if o.Validity == 0 {
		o.Validity = defValidity
	}
	if o.Validity < 0 || o.Validity > maxValidity {
		return o, fmt.Errorf("%w: validity %s outside (0, %s]", ErrInvalidInput, o.Validity, maxValidity)
	}
	o.NotBefore = o.NotBefore.UTC().Truncate(time.Second)
	return o, nil
}

// NewIACA creates a self-signed IACA root for development and tests (ISO/IEC
// 18013-5 Annex B.1.2 profile: CA, pathlen 0, key usage keyCertSign and
// cRLSign, subject key identifier, country, validity at most 20 years) and
// its private key.
func NewIACA(o CertOptions) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	o, err := o.withDefaults(10*365*24*time.Hour, MaxIACAValidity)
	if err != nil {
		return nil, nil, err
	}
	if o.Curve != elliptic.P256() && o.Curve != elliptic.P384() {
		return nil, nil, fmt.Errorf("%w: IACA curve %s (P-256 or P-384)", ErrUnsupported, o.Curve.Params().Name)
	}
	key, err := ecdsa.GenerateKey(o.Curve, rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("mdoc: IACA key: %w", err)
	}
	tmpl, err := template(o, &key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	tmpl.IsCA = true
	tmpl.MaxPathLen = 0
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	cert, err := create(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// NewDocumentSigner creates a P-256 document signer certificate issued by the
// IACA (Annex B.1.4 profile: EKU 1.0.18013.5.1.2, key usage
// digitalSignature, AKI = IACA SKI, validity at most 457 days and within the
// IACA's, the IACA's country) and its private key.
func NewDocumentSigner(iaca *x509.Certificate, iacaKey crypto.Signer, o CertOptions) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if iaca == nil || iacaKey == nil {
		return nil, nil, fmt.Errorf("%w: NewDocumentSigner needs the IACA certificate and key", ErrInvalidInput)
	}
	if o.Country == "" && len(iaca.Subject.Country) > 0 {
		o.Country = iaca.Subject.Country[0]
	}
	o, err := o.withDefaults(365*24*time.Hour, MaxDSValidity)
	if err != nil {
		return nil, nil, err
	}
	if o.Curve != elliptic.P256() {
		return nil, nil, fmt.Errorf("%w: document signer curve %s (P-256 only)", ErrUnsupported, o.Curve.Params().Name)
	}
	if len(iaca.Subject.Country) != 1 || iaca.Subject.Country[0] != o.Country {
		return nil, nil, fmt.Errorf("%w: document signer country %q differs from the IACA's %v", ErrInvalidInput, o.Country, iaca.Subject.Country)
	}
	key, err := ecdsa.GenerateKey(o.Curve, rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("mdoc: document signer key: %w", err)
	}
	tmpl, err := template(o, &key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.NotBefore.Before(iaca.NotBefore) || tmpl.NotAfter.After(iaca.NotAfter) {
		return nil, nil, fmt.Errorf("%w: document signer validity %s..%s is not within the IACA's", ErrInvalidInput, tmpl.NotBefore.Format(tdateLayout), tmpl.NotAfter.Format(tdateLayout))
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDDocumentSignerEKU}
	tmpl.AuthorityKeyId = iaca.SubjectKeyId
	cert, err := create(tmpl, iaca, &key.PublicKey, iacaKey)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func template(o CertOptions, pub *ecdsa.PublicKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("mdoc: certificate serial: %w", err)
	}
	spki, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("mdoc: public key: %w", err)
	}
	ski := sha256.Sum256(spki) // RFC 7093 §2 method 1: leftmost 160 bits of SHA-256
	return &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: o.CommonName, Country: []string{o.Country}},
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotBefore.Add(o.Validity),
		SubjectKeyId:          ski[:20],
		BasicConstraintsValid: true,
	}, nil
}

func create(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("mdoc: creating certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("mdoc: parsing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return c, nil
}
