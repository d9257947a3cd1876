package tpm_test

import (
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"github.com/google/go-attestation/attest"

	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
)

// FuzzVerifyKey feeds arbitrary TPM structures to VerifyKey: it must
// answer with a *Failure or a key, never panic (go-attestation reads the
// signature's RSA or ECC half by the AK's type; our scheme check runs
// first).
func FuzzVerifyKey(f *testing.F) {
	v := uncertifiedVerifier(f)
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	_, pub, err := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags)
	if err != nil {
		f.Fatal(err)
	}
	c := must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce}))
	f.Add(ak.Public, c.Public, c.CreateAttestation, c.CreateSignature, nonce)
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	f.Add(ak.Public, c.Public, c.CreateAttestation, must(tpmtest.RSASignature(rsaKey.N.Bytes())), nonce)
	f.Add(c.Public, ak.Public, c.CreateAttestation, c.CreateSignature, nonce)
	f.Fuzz(func(t *testing.T, akPub, pub, att, sig, n []byte) {
		got, err := v.VerifyKey(akPub, attest.CertificationParameters{Public: pub, CreateAttestation: att, CreateSignature: sig}, n)
		if err == nil && got.PublicKey == nil {
			t.Fatal("accepted without a key")
		}
		if err != nil && tpm.ReasonOf(err) == "" {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}

// FuzzStartEnrollment feeds arbitrary AK parameters and EKs.
func FuzzStartEnrollment(f *testing.F) {
	v := uncertifiedVerifier(f)
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	p := must(ak.CreationParameters(0))
	ek := must(rsa.GenerateKey(rand.Reader, 2048))
	ekPub := must(x509.MarshalPKIXPublicKey(&ek.PublicKey))
	f.Add(ekPub, []byte(nil), p.Public, p.CreateData, p.CreateAttestation, p.CreateSignature)
	f.Add([]byte(nil), []byte{0x10, 0x01, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00}, p.Public, p.CreateData, p.CreateAttestation, p.CreateSignature)
	f.Fuzz(func(t *testing.T, ekPub, ekCert, akPub, data, att, sig []byte) {
		act, ch, err := v.StartEnrollment(tpm.EnrollRequest{EKPublic: ekPub, EKCertificate: ekCert,
			AK: attest.AttestationParameters{Public: akPub, CreateData: data, CreateAttestation: att, CreateSignature: sig}})
		if err == nil && (act == nil || ch == nil) {
			t.Fatal("accepted without an activation")
		}
		if err != nil && tpm.ReasonOf(err) == "" {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}
