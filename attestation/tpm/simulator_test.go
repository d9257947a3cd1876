//go:build cgo

package tpm_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-attestation/attest"

	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
)

// The genuine flow runs against the Microsoft reference TPM 2.0
// (go-tpm-tools' simulator, compiled with cgo), opened with
// go-attestation exactly as a desktop wallet opens its TPM.

// openSimulator opens a fresh simulated TPM, closed with the test.
func openSimulator(t testing.TB) *attest.TPM {
	t.Helper()
	tp, err := tpmtest.OpenSimulator()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Close() })
	return tp
}

// vendorCA stands in for a TPM manufacturer's endorsement CA.
type vendorCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newVendorCA(t testing.TB) *vendorCA {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"Test TPM Vendor"}, CommonName: "Test EK Root CA"},
		NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(20, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key))
	return &vendorCA{cert: must(x509.ParseCertificate(der)), key: key}
}

// ekCertificate issues an EK certificate the way the TCG EK Credential
// Profile shapes it: empty subject, a critical subjectAltName holding only
// a directoryName (manufacturer, model, version), the EK certificate
// extended key usage, keyEncipherment.
func (ca *vendorCA) ekCertificate(t testing.TB, ek crypto.PublicKey, notAfter time.Time) []byte {
	t.Helper()
	dir := must(asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 23, 133, 2, 1}, Value: "id:53494D55"}},
		{{Type: asn1.ObjectIdentifier{2, 23, 133, 2, 2}, Value: "SIMULATOR"}},
		{{Type: asn1.ObjectIdentifier{2, 23, 133, 2, 3}, Value: "id:00020065"}},
	}))
	san := must(asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: dir}}))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: now.AddDate(-1, 0, 0), NotAfter: notAfter,
		KeyUsage:           x509.KeyUsageKeyEncipherment,
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{{2, 23, 133, 8, 1}},
		ExtraExtensions:    []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Critical: true, Value: san}},
	}
	return must(x509.CreateCertificate(rand.Reader, tmpl, ca.cert, ek, ca.key))
}

// device is a wallet installation on a simulated TPM.
type device struct {
	tpm *attest.TPM
	ek  attest.EK
	ak  *attest.AK
}

func newDevice(t testing.TB) *device {
	t.Helper()
	tp := openSimulator(t)
	eks := must(tp.EKs())
	if len(eks) == 0 {
		t.Fatal("the simulator has no EK")
	}
	return &device{tpm: tp, ek: eks[0], ak: must(tp.NewAK(nil))}
}

// enroll runs the whole round trip: StartEnrollment, ActivateCredential
// in the TPM, CompleteEnrollment.
func (d *device) enroll(t testing.TB, v *tpm.Verifier, req tpm.EnrollRequest) *tpm.AK {
	t.Helper()
	req.AK = d.ak.AttestationParameters()
	act, challenge, err := v.StartEnrollment(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := d.ak.ActivateCredentialWithEK(d.tpm, *challenge, d.ek)
	if err != nil {
		t.Fatal(err)
	}
	enrolled, err := v.CompleteEnrollment(act, answer)
	if err != nil {
		t.Fatal(err)
	}
	return enrolled
}

// certify has the TPM make a P-256 signing key certified by the AK with
// the nonce as qualifying data, and unloads it (the simulator holds three
// objects at a time).
func (d *device) certify(t testing.TB, n []byte) attest.CertificationParameters {
	t.Helper()
	k := must(d.tpm.NewKey(d.ak, &attest.KeyConfig{Algorithm: attest.ECDSA, Size: 256, QualifyingData: n}))
	defer k.Close()
	return k.CertificationParameters()
}

func TestSimulatedTPMEnrollsWithAnEKCertificateAndCertifiesKeys(t *testing.T) {
	ca := newVendorCA(t)
	v := must(tpm.NewVerifier(tpm.Config{EKRoots: []*x509.Certificate{ca.cert}, Now: func() time.Time { return now }}))
	d := newDevice(t)
	enrolled := d.enroll(t, v, tpm.EnrollRequest{EKCertificate: ca.ekCertificate(t, d.ek.Public, now.AddDate(10, 0, 0))})
	if enrolled.EK.Root == nil || !enrolled.EK.Root.Equal(ca.cert) {
		t.Fatal("the enrolled AK does not name the EK root")
	}

	key := must(d.tpm.NewKey(d.ak, &attest.KeyConfig{Algorithm: attest.ECDSA, Size: 256, QualifyingData: nonce}))
	params := key.CertificationParameters()
	got, err := v.VerifyKey(enrolled.Public, params, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if !got.PublicKey.Equal(key.Public()) {
		t.Fatal("VerifyKey returned another key than the TPM's")
	}
	// The certified key signs for the wallet: its signature verifies
	// under the key VerifyKey returned.
	priv := must(key.Private(key.Public()))
	digest := make([]byte, 32)
	sig := must(priv.(crypto.Signer).Sign(rand.Reader, digest, crypto.SHA256))
	if !ecdsa.VerifyASN1(got.PublicKey, digest, sig) {
		t.Fatal("the TPM key's signature does not verify under the certified key")
	}
	key.Close()

	t.Run("replayed certification under a new nonce", func(t *testing.T) {
		if _, err := v.VerifyKey(enrolled.Public, params, []byte("the-next-provider-nonce")); tpm.ReasonOf(err) != tpm.ReasonNonce {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("RSA key", func(t *testing.T) {
		k := must(d.tpm.NewKey(d.ak, &attest.KeyConfig{Algorithm: attest.RSA, Size: 2048, QualifyingData: nonce}))
		defer k.Close()
		if _, err := v.VerifyKey(enrolled.Public, k.CertificationParameters(), nonce); tpm.ReasonOf(err) != tpm.ReasonKeyProperties {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("another key's public under this certification", func(t *testing.T) {
		other := d.certify(t, nonce)
		mixed := params
		mixed.Public = other.Public
		if _, err := v.VerifyKey(enrolled.Public, mixed, nonce); tpm.ReasonOf(err) != tpm.ReasonCertification {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("key certified by an AK that was not enrolled", func(t *testing.T) {
		// The simulator holds three objects: the enrolled AK makes room.
		if err := d.ak.Close(d.tpm); err != nil {
			t.Fatal(err)
		}
		rogue := must(d.tpm.NewAK(nil))
		k := must(d.tpm.NewKey(rogue, &attest.KeyConfig{Algorithm: attest.ECDSA, Size: 256, QualifyingData: nonce}))
		defer k.Close()
		if _, err := v.VerifyKey(enrolled.Public, k.CertificationParameters(), nonce); tpm.ReasonOf(err) != tpm.ReasonCertification {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSimulatedTPMEnrollmentRefusals(t *testing.T) {
	ca := newVendorCA(t)
	other := newVendorCA(t)
	v := must(tpm.NewVerifier(tpm.Config{EKRoots: []*x509.Certificate{ca.cert}, Now: func() time.Time { return now }}))
	d := newDevice(t)

	start := func(req tpm.EnrollRequest) error {
		req.AK = d.ak.AttestationParameters()
		_, _, err := v.StartEnrollment(req)
		return err
	}
	for _, c := range []struct {
		name   string
		req    tpm.EnrollRequest
		reason tpm.Reason
	}{
		{"EK certificate from an unknown vendor", tpm.EnrollRequest{EKCertificate: other.ekCertificate(t, d.ek.Public, now.AddDate(10, 0, 0))}, tpm.ReasonEKCertificate},
		{"expired EK certificate", tpm.EnrollRequest{EKCertificate: ca.ekCertificate(t, d.ek.Public, now.Add(-time.Hour))}, tpm.ReasonEKCertificate},
		{"bare EK without AllowUncertifiedEK", tpm.EnrollRequest{EKPublic: must(x509.MarshalPKIXPublicKey(d.ek.Public))}, tpm.ReasonEKCertificate},
		{"garbage EK certificate", tpm.EnrollRequest{EKCertificate: []byte("0123456789")}, tpm.ReasonMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := tpm.ReasonOf(start(c.req)); r != c.reason {
				t.Fatalf("reason %q, want %q", r, c.reason)
			}
		})
	}

	t.Run("the EK certificate in its NV index form", func(t *testing.T) {
		der := ca.ekCertificate(t, d.ek.Public, now.AddDate(10, 0, 0))
		nv := append([]byte{0x10, 0x01, 0x00, byte(len(der) >> 8), byte(len(der))}, der...)
		if err := start(tpm.EnrollRequest{EKCertificate: nv}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an AK of another TPM under this EK", func(t *testing.T) {
		// One simulator runs at a time: take another TPM's AK, then
		// come back to d's TPM.
		d.tpm.Close()
		thief := newDevice(t)
		thiefAK := thief.ak.AttestationParameters()
		thief.tpm.Close()
		d = newDevice(t)
		act, challenge, err := v.StartEnrollment(tpm.EnrollRequest{
			EKCertificate: ca.ekCertificate(t, d.ek.Public, now.AddDate(10, 0, 0)),
			AK:            thiefAK,
		})
		if err != nil {
			t.Fatal(err)
		}
		// The challenge is sealed to d's EK and names the thief's AK: d's
		// TPM, which does not hold that AK, cannot open it (and the thief's
		// TPM has not d's EK to try).
		if ans, err := d.ak.ActivateCredentialWithEK(d.tpm, *challenge, d.ek); err == nil && bytes.Equal(ans, act.Secret) {
			t.Fatal("the EK's TPM opened a challenge for an AK it does not hold")
		}
		if _, err := v.CompleteEnrollment(act, make([]byte, len(act.Secret))); tpm.ReasonOf(err) != tpm.ReasonActivation {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSimulatedTPMWithoutEKCertificate(t *testing.T) {
	v := uncertifiedVerifier(t)
	d := newDevice(t)
	enrolled := d.enroll(t, v, tpm.EnrollRequest{EKPublic: must(x509.MarshalPKIXPublicKey(d.ek.Public))})
	if enrolled.EK.Certificate != nil {
		t.Fatal("an uncertified EK has a certificate")
	}
	params := d.certify(t, nonce)
	if _, err := v.VerifyKey(enrolled.Public, params, nonce); err != nil {
		t.Fatal(err)
	}
}
