package sandbox_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
)

var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

var testPKI = sync.OnceValues(func() (*sandbox.EAadhaarPKI, error) { return sandbox.NewEAadhaarPKI(now) })

func pki(t *testing.T) *sandbox.EAadhaarPKI {
	t.Helper()
	p, err := testPKI()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEAadhaarPKIIsShapedLikeIndiaPKI(t *testing.T) {
	p := pki(t)
	var cns []string
	for _, c := range p.Chain() {
		cns = append(cns, c.Subject.CommonName)
	}
	if got := strings.Join(cns, " < "); got != "DS NATIONAL E-GOVERNANCE DIVISION 1 < SafeScrypt sub-CA for Document Signer 2022 < SafeScrypt CA 2022 < CCA India 2022" {
		t.Fatalf("chain %s", got)
	}
	if p.Signer.IsCA || !p.SubCA.IsCA || !p.CA.IsCA || !p.Root.IsCA || !p.SignerKey.PublicKey.Equal(p.Signer.PublicKey) {
		t.Fatal("CA flags or signer key wrong")
	}
	if p.Signer.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment ||
		len(p.Signer.UnknownExtKeyUsage) != 1 || !p.Signer.UnknownExtKeyUsage[0].Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}) {
		t.Fatalf("signer usages %v %v", p.Signer.KeyUsage, p.Signer.UnknownExtKeyUsage)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(p.Root)
	inter.AddCert(p.CA)
	inter.AddCert(p.SubCA)
	verify := func(at time.Time, usages ...x509.ExtKeyUsage) error {
		_, err := p.Signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: usages})
		return err
	}
	if err := verify(now, x509.ExtKeyUsageAny); err != nil {
		t.Fatal(err)
	}
	if verify(now) == nil {
		t.Fatal("the document signer verified for TLS server authentication")
	}
	if verify(now.AddDate(3, 0, 0), x509.ExtKeyUsageAny) == nil {
		t.Fatal("the signer is valid three years on")
	}
}

func TestSandboxMakesItsEAadhaarPKIOnce(t *testing.T) {
	sb := sandbox.New(sandbox.Config{ClientID: "c", ClientSecret: "s", Now: func() time.Time { return now }})
	root := sb.EAadhaarRoot()
	if root == nil || root != sb.EAadhaarRoot() || !sb.EAadhaarChain()[3].Equal(root) || root.Subject.CommonName != "CCA India 2022" {
		t.Fatal("the sandbox's root is missing or changes")
	}
	if !root.NotBefore.Before(now) || !root.NotAfter.After(now) {
		t.Fatalf("the root is not valid at the sandbox's clock: %s to %s", root.NotBefore, root.NotAfter)
	}
	shared := sandbox.New(sandbox.Config{ClientID: "c", ClientSecret: "s", EAadhaarPKI: pki(t)})
	if shared.EAadhaarRoot() != pki(t).Root {
		t.Fatal("Config.EAadhaarPKI is not used")
	}
}

func TestBuildEAadhaarRefusesACitizenWithoutAadhaarData(t *testing.T) {
	c := sandbox.DefaultCitizens()[0]
	c.AadhaarLast4 = ""
	if _, err := sandbox.BuildEAadhaar(&c, pki(t), now, sandbox.EAadhaarSigning{}); err == nil || !strings.Contains(err.Error(), "last-4") {
		t.Fatalf("%v", err)
	}
	c = sandbox.DefaultCitizens()[0]
	if _, err := sandbox.BuildEAadhaar(&c, pki(t), now, sandbox.EAadhaarSigning{SignatureMethod: "http://www.w3.org/2000/09/xmldsig#dsa-sha1"}); err == nil {
		t.Fatal("signed with an unsupported method")
	}
}

// TestEAadhaarSignatureVerifiesWithXmlsec1 checks the sandbox's signature
// with an independent implementation, xmlsec1 (libxml2 and OpenSSL),
// trusting only the PKI's root, when it is installed.
func TestEAadhaarSignatureVerifiesWithXmlsec1(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_XMLSEC") == "1" {
			t.Fatal("xmlsec1 is required (PRAMAAN_REQUIRE_XMLSEC=1) but not installed")
		}
		t.Skip("xmlsec1 is not installed (apt-get install xmlsec1); PRAMAAN_REQUIRE_XMLSEC=1 makes this fatal")
	}
	p := pki(t)
	dir := t.TempDir()
	rootPEM := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := sandbox.DefaultCitizens()[0]
	for _, tc := range []struct {
		name   string
		how    sandbox.EAadhaarSigning
		tamper bool
		ok     bool
	}{
		{name: "as DigiLocker signs", ok: true},
		{name: "inclusive C14N and rsa-sha256", how: sandbox.EAadhaarSigning{Canonicalization: sandbox.AlgC14N10, SignatureMethod: sandbox.AlgRSASHA256}, ok: true},
		{name: "tampered after signing", tamper: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := sandbox.BuildEAadhaar(&c, p, now, tc.how)
			if err != nil {
				t.Fatal(err)
			}
			if tc.tamper {
				doc = bytes.Replace(doc, []byte(`name="Asha Verma"`), []byte(`name="Asha Varma"`), 1)
			}
			f := filepath.Join(dir, "eaadhaar.xml")
			if err := os.WriteFile(f, doc, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "--verify", "--trusted-pem", rootPEM, "--verification-gmt-time", now.Format("2006-01-02 15:04:05"),
				"--enabled-reference-uris", "empty", f).CombinedOutput()
			if (err == nil) != tc.ok {
				t.Fatalf("xmlsec1 verified: %v, want %v\n%s", err == nil, tc.ok, out)
			}
		})
	}
}
