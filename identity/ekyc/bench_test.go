package ekyc_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"testing"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// BenchmarkVerify verifies a UIDAI-shaped document (inclusive C14N,
// rsa-sha1, SHA-256 digest, KeyInfo) under two pinned certificates, the
// signer named by KeyInfo. Compare with BenchmarkFloorRSA2048Verify, the
// one RSA-2048 verification that any verifier must do.
func BenchmarkVerify(b *testing.B) {
	p := getPKI(b)
	doc := signed(b, p.signer, made, ekyctest.Signing{})
	opts := options(p.expired.Cert, p.signer.Cert)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ekyc.Verify(doc, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenVerify adds ZipCrypto decryption and inflation.
func BenchmarkOpenVerify(b *testing.B) {
	p := getPKI(b)
	z := zipped(b, signed(b, p.signer, made, ekyctest.Signing{}), ekyctest.ZipOptions{})
	opts := options(p.signer.Cert)
	code := ekyctest.DefaultPerson().ShareCode
	b.ReportAllocs()
	for b.Loop() {
		xml, err := ekyc.Open(z, code, ekyc.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ekyc.Verify(xml, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorRSA2048Verify is the floor: one RSA-2048 PKCS#1 v1.5
// SHA-1 verification of a SignedInfo-sized message.
func BenchmarkFloorRSA2048Verify(b *testing.B) {
	p := getPKI(b)
	msg := make([]byte, 700)
	h := sha1.Sum(msg)
	sig, err := rsa.SignPKCS1v15(nil, p.signer.Key, crypto.SHA1, h[:])
	if err != nil {
		b.Fatal(err)
	}
	pub := &p.signer.Key.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		h := sha1.Sum(msg)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
