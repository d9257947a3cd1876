package tpm_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
)

// BenchmarkES256VerifyFloor is the floor the others are reported against:
// one ECDSA P-256 verification.
func BenchmarkES256VerifyFloor(b *testing.B) {
	k := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	d := sha256.Sum256([]byte("floor"))
	sig := must(ecdsa.SignASN1(rand.Reader, k, d[:]))
	for b.Loop() {
		if !ecdsa.VerifyASN1(&k.PublicKey, d[:], sig) {
			b.Fatal("floor")
		}
	}
}

// BenchmarkVerifyKey is one key certification: decode, scheme and
// attribute checks, go-attestation's Verify (one ECDSA verification) and
// the nonce.
func BenchmarkVerifyKey(b *testing.B) {
	v := uncertifiedVerifier(b)
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	_, pub, err := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags)
	if err != nil {
		b.Fatal(err)
	}
	c := must(ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce}))
	for b.Loop() {
		if _, err := v.VerifyKey(ak.Public, c, nonce); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartEnrollment is one enrollment challenge: the AK checks and
// the credential sealed to an RSA-2048 EK.
func BenchmarkStartEnrollment(b *testing.B) {
	v := uncertifiedVerifier(b)
	ak := must(tpmtest.NewAK(tpmtest.AKFlags))
	p := must(ak.CreationParameters(0))
	ek := must(rsa.GenerateKey(rand.Reader, 2048))
	req := tpm.EnrollRequest{EKPublic: must(x509.MarshalPKIXPublicKey(&ek.PublicKey)), AK: p}
	for b.Loop() {
		if _, _, err := v.StartEnrollment(req); err != nil {
			b.Fatal(err)
		}
	}
}
