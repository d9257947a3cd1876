package android

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
)

// Google's hardware attestation roots, as published at
// https://developer.android.com/privacy-and-security/security-key-attestation
// (and https://android.googleapis.com/attestation/root): the RSA-4096 key
// (2022 issue of the certificate; the 2016, 2019 and 2021 issues carry the
// same key) and the ECDSA P-384 "Key Attestation CA1".
//
//go:embed roots/google.pem
var googleRootsPEM []byte

// The AOSP "Android Keystore Software Attestation Root" certificates (EC and
// RSA). Their private keys are in the Android source tree: a chain ending
// here proves nothing about the key.
//
//go:embed roots/aosp_software.pem
var softwareRootsPEM []byte

// RootKind says what a recognised root is.
type RootKind string

// Root kinds.
const (
	RootHardware RootKind = "hardware"      // a pinned hardware attestation root
	RootSoftware RootKind = "aosp-software" // the software attestation root: never trusted
)

// Root is a pinned root: a certificate whose public key (not its validity or
// serial number) is what a chain's last certificate must carry.
type Root struct {
	Name string
	Kind RootKind
	Cert *x509.Certificate
}

// GoogleRoots returns Google's two hardware attestation roots.
func GoogleRoots() []Root {
	return mustRoots(googleRootsPEM, RootHardware, "google")
}

// SoftwareRoots returns the AOSP software attestation roots.
func SoftwareRoots() []Root {
	return mustRoots(softwareRootsPEM, RootSoftware, "aosp-software")
}

// HardwareRoots turns certificates into pinned hardware roots (for a
// private deployment or for tests that build their own chains).
func HardwareRoots(certs []*x509.Certificate) []Root {
	out := make([]Root, 0, len(certs))
	for _, c := range certs {
		out = append(out, Root{Name: rootName(c, "pinned"), Kind: RootHardware, Cert: c})
	}
	return out
}

func mustRoots(data []byte, kind RootKind, prefix string) []Root {
	certs, err := ParsePEMChain(data)
	if err != nil {
		// The embedded files are part of the build; a bad one is a build defect.
		panic(fmt.Sprintf("android: embedded roots: %v", err))
	}
	out := make([]Root, 0, len(certs))
	for _, c := range certs {
		out = append(out, Root{Name: rootName(c, prefix), Kind: kind, Cert: c})
	}
	return out
}

func rootName(c *x509.Certificate, prefix string) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("%s-rsa-%d (%s)", prefix, k.N.BitLen(), c.Subject.String())
	case *ecdsa.PublicKey:
		return fmt.Sprintf("%s-ec-%s (%s)", prefix, k.Curve.Params().Name, c.Subject.String())
	}
	return fmt.Sprintf("%s (%s)", prefix, c.Subject.String())
}

// matchRoot returns the root whose public key the certificate carries.
func matchRoot(c *x509.Certificate, roots []Root) (Root, bool) {
	for _, r := range roots {
		if bytes.Equal(c.RawSubjectPublicKeyInfo, r.Cert.RawSubjectPublicKeyInfo) {
			return r, true
		}
	}
	return Root{}, false
}

// ParsePEMChain reads and parses PEM CERTIFICATE blocks, in order.
func ParsePEMChain(data []byte) ([]*x509.Certificate, error) {
	ders, err := PEMChain(data)
	if err != nil {
		return nil, err
	}
	out := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("android: certificate %d: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// PEMChain returns the DER of the PEM CERTIFICATE blocks in data, in order,
// as Verify takes them. Other block types and more than MaxPEMCertificates
// blocks are refused; text between blocks is ignored.
func PEMChain(data []byte) ([][]byte, error) {
	// Concatenated files often lack the newline between one block's END
	// line and the next BEGIN, which encoding/pem then refuses.
	const end = "-----END CERTIFICATE-----"
	data = bytes.ReplaceAll(data, []byte(end), []byte(end+"\n"))
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("android: PEM block %d is %.40q, not CERTIFICATE", len(out), b.Type)
		}
		if len(out) == MaxPEMCertificates {
			return nil, fmt.Errorf("android: more than %d PEM certificates", MaxPEMCertificates)
		}
		out = append(out, b.Bytes)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("android: no PEM CERTIFICATE block")
	}
	return out, nil
}
