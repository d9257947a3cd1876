package mdoc

import (
	"bytes"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestNewIACAProfile(t *testing.T) {
	for name, curve := range map[string]elliptic.Curve{"ok/P-256": elliptic.P256(), "ok/P-384": elliptic.P384()} {
		t.Run(name, func(t *testing.T) {
			c, key, err := NewIACA(CertOptions{CommonName: "IACA", Curve: curve, NotBefore: testNow})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !c.IsCA || c.MaxPathLen != 0 || !c.MaxPathLenZero:
				t.Fatal("not a CA with pathlen 0")
			case c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign:
				t.Fatalf("key usage %v", c.KeyUsage)
			case len(c.SubjectKeyId) != 20:
				t.Fatal("no 160-bit SKI")
			case !slices.Equal(c.Subject.Country, []string{"IN"}):
				t.Fatalf("country %v", c.Subject.Country)
			case c.NotAfter.Sub(c.NotBefore) > MaxIACAValidity:
				t.Fatal("validity over 20 years")
			case c.CheckSignatureFrom(c) != nil:
				t.Fatal("not self-signed")
			case !key.PublicKey.Equal(c.PublicKey):
				t.Fatal("key does not match")
			}
		})
	}
}

func TestNewDocumentSignerProfile(t *testing.T) {
	p := newTestPKI(t)
	c := p.ds
	switch {
	case c.IsCA:
		t.Fatal("DS is a CA")
	case c.KeyUsage != x509.KeyUsageDigitalSignature:
		t.Fatalf("key usage %v", c.KeyUsage)
	case !slices.ContainsFunc(c.UnknownExtKeyUsage, OIDDocumentSignerEKU.Equal):
		t.Fatal("no DS EKU")
	case !bytes.Equal(c.AuthorityKeyId, p.iaca.SubjectKeyId):
		t.Fatal("AKI differs from IACA SKI")
	case c.NotAfter.Sub(c.NotBefore) > MaxDSValidity:
		t.Fatal("validity over 457 days")
	case !slices.Equal(c.Subject.Country, p.iaca.Subject.Country):
		t.Fatal("country differs")
	case c.CheckSignatureFrom(p.iaca) != nil:
		t.Fatal("not signed by the IACA")
	}
	if err := checkDSProfile(c, p.iaca); err != nil {
		t.Fatalf("our own DS fails our profile check: %v", err)
	}
}

func TestCertOptionsRefused(t *testing.T) {
	p := newTestPKI(t)
	tests := map[string]struct {
		opts CertOptions
		ds   bool // NewDocumentSigner under the test IACA instead of NewIACA
		want error
	}{
		"fail/IACA over 20 years":       {opts: CertOptions{CommonName: "x", NotBefore: testNow, Validity: MaxIACAValidity + time.Hour}, want: ErrInvalidInput},
		"fail/IACA on P-521":            {opts: CertOptions{CommonName: "x", NotBefore: testNow, Curve: elliptic.P521()}, want: ErrUnsupported},
		"fail/no NotBefore":             {opts: CertOptions{CommonName: "x"}, want: ErrInvalidInput},
		"fail/DS over 457 days":         {opts: CertOptions{CommonName: "x", NotBefore: testNow, Validity: MaxDSValidity + time.Hour}, ds: true, want: ErrInvalidInput},
		"fail/DS on P-384":              {opts: CertOptions{CommonName: "x", NotBefore: testNow, Curve: elliptic.P384()}, ds: true, want: ErrUnsupported},
		"fail/DS other country":         {opts: CertOptions{CommonName: "x", NotBefore: testNow, Country: "US"}, ds: true, want: ErrInvalidInput},
		"fail/DS outside IACA validity": {opts: CertOptions{CommonName: "x", NotBefore: testNow.Add(-48 * time.Hour)}, ds: true, want: ErrInvalidInput},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.ds {
				_, _, err = NewDocumentSigner(p.iaca, p.iacaKey, tc.opts)
			} else {
				_, _, err = NewIACA(tc.opts)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPEMRoundTrip(t *testing.T) {
	p := newTestPKI(t)
	certs, err := ParseCertificatesPEM(append(EncodeCertificatePEM(p.ds), EncodeCertificatePEM(p.iaca)...))
	if err != nil || len(certs) != 2 || !certs[0].Equal(p.ds) || !certs[1].Equal(p.iaca) {
		t.Fatalf("ok/two certificates: %v", err)
	}
	pemKey, err := EncodePrivateKeyPEM(p.dsKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateKeyPEM(pemKey)
	if err != nil || !k.Equal(p.dsKey) {
		t.Fatalf("ok/PKCS #8 key: %v", err)
	}
	if _, err := ParseCertificatesPEM([]byte("not pem")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("fail/no PEM: %v", err)
	}
	if _, err := ParsePrivateKeyPEM(EncodeCertificatePEM(p.ds)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("fail/no key block: %v", err)
	}
}
