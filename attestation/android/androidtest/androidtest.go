// Package androidtest builds Android key attestation chains for tests: a
// private root standing in for Google's, an RKP-shaped chain under it, and
// leaves whose KeyDescription says what the test wants. Pin the root with
// android.Config.Roots = ca.Roots(). Nothing here is for production use.
package androidtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
)

// OIDKeyDescription is the key attestation extension.
var oidKeyDescription = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}

// Default identity of the test wallet app.
const (
	WalletPackage = "in.pramaan.wallet.test"
)

// WalletSigningDigest is the SHA-256 "signing certificate" digest of the
// test wallet app.
func WalletSigningDigest() []byte {
	d := sha256.Sum256([]byte("pramaan test wallet signing certificate"))
	return d[:]
}

// CA is a test attestation PKI: root → "Droid CA2" → "Droid CA3" →
// attestation key certificate → leaves.
type CA struct {
	Root, CA2, CA3, AttestKey *x509.Certificate
	rootKey, ca2Key, ca3Key   *ecdsa.PrivateKey
	attestKey                 *ecdsa.PrivateKey
	serial                    int64
}

// NewCA builds a PKI valid from a day before now for a year (the
// attestation key certificate for 20 days, as RKP issues them).
func NewCA(now time.Time) (*CA, error) {
	ca := &CA{serial: 1000}
	var err error
	if ca.rootKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		return nil, err
	}
	if ca.ca2Key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if ca.ca3Key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if ca.attestKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	from := now.Add(-24 * time.Hour)
	rootTmpl := ca.template(pkix.Name{CommonName: "Pramaan Test Key Attestation Root", Organization: []string{"Pramaan Test"}}, from, from.AddDate(10, 0, 0), true)
	if ca.Root, err = sign(rootTmpl, rootTmpl, &ca.rootKey.PublicKey, ca.rootKey); err != nil {
		return nil, err
	}
	ca2 := ca.template(pkix.Name{CommonName: "Droid CA2", Organization: []string{"Pramaan Test"}}, from, from.AddDate(3, 0, 0), true)
	if ca.CA2, err = sign(ca2, ca.Root, &ca.ca2Key.PublicKey, ca.rootKey); err != nil {
		return nil, err
	}
	ca3 := ca.template(pkix.Name{CommonName: "Droid CA3", Organization: []string{"Pramaan Test"}}, from, from.AddDate(0, 3, 0), true)
	if ca.CA3, err = sign(ca3, ca.CA2, &ca.ca3Key.PublicKey, ca.ca2Key); err != nil {
		return nil, err
	}
	ak := ca.template(pkix.Name{CommonName: "0123456789abcdef0123456789abcdef", Organization: []string{"TEE"}}, from, from.AddDate(0, 0, 20), true)
	if ca.AttestKey, err = sign(ak, ca.CA3, &ca.attestKey.PublicKey, ca.ca3Key); err != nil {
		return nil, err
	}
	return ca, nil
}

// Roots pins the test root, for android.Config.Roots.
func (ca *CA) Roots() []android.Root {
	return android.HardwareRoots([]*x509.Certificate{ca.Root})
}

// Intermediates returns the DER of the certificates above a leaf, leaf's
// parent first, root last.
func (ca *CA) Intermediates() [][]byte {
	return [][]byte{ca.AttestKey.Raw, ca.CA3.Raw, ca.CA2.Raw, ca.Root.Raw}
}

// KeyOptions describes the leaf to attest. The zero value (with a
// Challenge) is a genuine-looking TEE key on a verified, locked device
// patched at the leaf's creation month, generated EC P-256 SIGN key of the
// test wallet app.
type KeyOptions struct {
	Challenge []byte
	// Level is the attestation and KeyMint security level; zero means TEE.
	Level android.SecurityLevel
	// KeyMintLevel, when set, differs from Level.
	KeyMintLevel *android.SecurityLevel
	// Unlocked reports an unlocked device with unverified boot.
	Unlocked bool
	// OSPatchLevel is YYYYMM; zero means the month of Now.
	OSPatchLevel int64
	// Package and SigningDigest name the app; empty means the test wallet.
	Package       string
	SigningDigest []byte
	// Origin is the key origin; nil means GENERATED.
	Origin *int64
	// Key is the leaf's key; nil means a new P-256 key.
	Key *ecdsa.PrivateKey
	// Now is the creation time; zero means time.Now.
	Now time.Time
	// ExtraHardwareTags are added, as [tag] EXPLICIT content DER, after the
	// known tags of the hardware-enforced list.
	ExtraHardwareTags []android.UnknownTag
}

// NewKey returns a leaf key and its chain (DER, leaf first, root last).
func (ca *CA) NewKey(o KeyOptions) (*ecdsa.PrivateKey, [][]byte, error) {
	key := o.Key
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, nil, err
		}
	}
	ext, err := KeyDescriptionDER(o)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := ca.Leaf(&key.PublicKey, ext, ca.AttestKey, ca.attestKey)
	if err != nil {
		return nil, nil, err
	}
	return key, append([][]byte{leaf.Raw}, ca.Intermediates()...), nil
}

// Leaf issues a leaf for pub carrying the extension ext (nil for none),
// signed by issuer's key; the dates are KeyStore's (1970 to 2048).
func (ca *CA) Leaf(pub crypto.PublicKey, ext []byte, issuer *x509.Certificate, issuerKey crypto.Signer) (*x509.Certificate, error) {
	ca.serial++
	t := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Android Keystore Key"},
		NotBefore:    time.Unix(0, 0).UTC(),
		NotAfter:     time.Date(2048, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if ext != nil {
		t.ExtraExtensions = []pkix.Extension{{Id: oidKeyDescription, Value: ext}}
	}
	return sign(t, issuer, pub, issuerKey)
}

// AttestationKey returns the private key of the attestation key
// certificate (what a TEE keeps), to forge with in tests.
func (ca *CA) AttestationKey() *ecdsa.PrivateKey { return ca.attestKey }

func (ca *CA) template(name pkix.Name, from, to time.Time, isCA bool) *x509.Certificate {
	ca.serial++
	return &x509.Certificate{
		SerialNumber:          big.NewInt(ca.serial),
		Subject:               name,
		NotBefore:             from,
		NotAfter:              to,
		IsCA:                  isCA,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("androidtest: %w", err)
	}
	return x509.ParseCertificate(der)
}

// AttestPublicKey returns a chain attesting pub (a key a test keystore made), as
// if the KeyStore had generated it with o.Challenge.
func (ca *CA) AttestPublicKey(pub *ecdsa.PublicKey, o KeyOptions) ([][]byte, error) {
	ext, err := KeyDescriptionDER(o)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Leaf(pub, ext, ca.AttestKey, ca.attestKey)
	if err != nil {
		return nil, err
	}
	return append([][]byte{leaf.Raw}, ca.Intermediates()...), nil
}

// RootPEM is the test root as PEM, for configuration files.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Root.Raw})
}
