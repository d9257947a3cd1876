package ekyc

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/testvectors"
)

// The shared synthetic Aadhaar-shaped vectors (xml-crypto 6.3.2, see
// ../shared/testvectors/PROVENANCE.md) with their expected results: the
// valid document verifies under its certificate, as it does in xml-crypto
// and xmldsigjs (independent_check_results.txt), and reads to the
// synthetic person; each tampered copy fails. The signature step is tested
// on its own because the vector's certificate begins (2026-11-22) after
// the document's referenceId time (2026-01-01), which Verify's policy
// refuses (ErrCertificateNotValid, tested in vectors_test.go).
func TestSyntheticVectorsSignatureVerdicts(t *testing.T) {
	root, err := testvectors.Locate()
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			t.Fatalf("vectors required: %v", err)
		}
		t.Skipf("vectors absent: %v", err)
	}
	dir := filepath.Join(root, "xmldsig", "synthetic-aadhaar-shaped")
	certPEM, err := os.ReadFile(filepath.Join(dir, "synthetic_signer_cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil {
		t.Fatal("synthetic_signer_cert.pem is not PEM")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		want error // nil: VALID
	}{
		{"valid_signed.xml", nil},
		{"tampered_content.xml", ErrSignatureInvalid},
		{"tampered_digest_value.xml", ErrSignatureInvalid},
		{"tampered_signature_value.xml", ErrSignatureInvalid},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			r, signers, err := verifySignature(doc, []*x509.Certificate{cert}, 0, 0)
			if tc.want != nil {
				if !errors.Is(err, tc.want) || r != nil {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := r.Claims
			want := time.Date(2026, 1, 1, 0, 0, 0, 1e6, IST)
			if len(signers) != 1 || !signers[0].Equal(cert) || r.Last4 != "0000" || !r.ReferenceTime.Equal(want) ||
				c.Name != "SYNTHETIC TEST PERSON" || c.DOB != "1970-01-01" || c.Gender != "M" || c.Address.Pincode != "000000" ||
				c.Address.Street != "Test Street" || c.Address.VTC != "Testvtc" || c.Photo != nil || c.MobileHash != "" {
				t.Fatalf("unexpected result %+v at %s", c, r.ReferenceTime)
			}
			// Verify's policy then refuses the pin, valid only after the
			// document was made.
			if _, err := validAt(signers, r.ReferenceTime); !errors.Is(err, ErrCertificateNotValid) {
				t.Fatalf("validAt: %v", err)
			}
		})
	}
}
