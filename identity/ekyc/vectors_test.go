package ekyc_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
	"github.com/pramaan/pramaan/testvectors"
)

func xmldsigDir(t testing.TB) string {
	t.Helper()
	root, err := testvectors.Locate()
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			t.Fatalf("vectors required: %v", err)
		}
		t.Skipf("vectors absent: %v", err)
	}
	return filepath.Join(root, "xmldsig")
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The synthetic Aadhaar-shaped vectors (xml-crypto 6.3.2, see
// PROVENANCE.md). Their signer certificate's validity begins 2026-11-22,
// after the referenceId time 2026-01-01 00:00:00.001 IST, so the valid
// document ends at ErrCertificateNotValid: a verdict Verify reaches only
// after goxmldsig verified the signature and the fields were read from the
// verified element. The tampered copies fail the signature first.
func TestSharedAadhaarShapedVectors(t *testing.T) {
	dir := filepath.Join(xmldsigDir(t), "synthetic-aadhaar-shaped")
	cert := readCert(t, filepath.Join(dir, "synthetic_signer_cert.pem"))
	refTime := time.Date(2026, 1, 1, 0, 0, 0, 1e6, ekyc.IST)
	opts := ekyc.Options{Pinned: []*x509.Certificate{cert}, Now: func() time.Time { return refTime.Add(time.Hour) }, NameKey: nameKey}
	for _, tc := range []struct {
		file string
		want error
	}{
		{"valid_signed.xml", ekyc.ErrCertificateNotValid},
		{"tampered_content.xml", ekyc.ErrSignatureInvalid},
		{"tampered_digest_value.xml", ekyc.ErrSignatureInvalid},
		{"tampered_signature_value.xml", ekyc.ErrSignatureInvalid},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ekyc.Verify(doc, opts)
			wantOnly(t, err, tc.want)
		})
	}
	// Pinning another certificate: the embedded one is not trusted.
	doc, err := os.ReadFile(filepath.Join(dir, "valid_signed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ekyc.Verify(doc, options(getPKI(t).signer.Cert))
	wantOnly(t, err, ekyc.ErrUntrustedSigner)
}

// The generic xml-crypto vectors are not offline e-KYC documents: every one
// is refused, the signature-wrapping ones included.
func TestSharedGenericVectorsAreRefused(t *testing.T) {
	dir := filepath.Join(xmldsigDir(t), "xml-crypto-static")
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	// Their certificate (client_public.pem) has a negative serial number,
	// which crypto/x509 refuses to parse; the verdict does not depend on
	// the pin since none of them has the OfflinePaperlessKyc shape.
	pin := getPKI(t).signer.Cert
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// None has the OfflinePaperlessKyc root: the profile refuses
			// each before any signature processing, so no wrapping of a
			// signed element can reach the signature step.
			_, err = ekyc.Verify(doc, options(pin))
			wantOnly(t, err, ekyc.ErrMalformedXML)
		})
	}
}

// The UIDAI 2021 certificate pinned: a test document is not accepted under
// it, whatever its KeyInfo claims.
func TestUIDAIPinRefusesTestDocuments(t *testing.T) {
	uidai := readCert(t, filepath.Join(xmldsigDir(t), "uidai", "uidai_offline_publickey_26022021.cer"))
	p := getPKI(t)
	person := ekyctest.DefaultPerson()
	body := ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, made))
	for _, tc := range []struct {
		name string
		how  ekyctest.Signing
		want error
	}{
		{"own KeyInfo is ErrUntrustedSigner", ekyctest.Signing{}, ekyc.ErrUntrustedSigner},
		{"KeyInfo naming UIDAI is ErrSignatureInvalid", ekyctest.Signing{KeyInfoCert: uidai}, ekyc.ErrSignatureInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ekyctest.Sign(body, p.signer, tc.how)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ekyc.Verify(doc, options(uidai))
			wantOnly(t, err, tc.want)
		})
	}
}
