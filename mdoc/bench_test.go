package mdoc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"slices"
	"testing"
)

// The floor: one raw ES256 signature and verification (P-256 over a SHA-256
// digest) through the same crypto.Signer path the issuer uses. Issuing and
// verifying are reported as multiples of these.
func BenchmarkFloorES256Sign(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	var signer crypto.Signer = key
	msg := make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if _, err := signer.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloorES256Verify(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 512)
	d := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, key, d[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(&key.PublicKey, d[:], sig) {
			b.Fatal("floor signature does not verify")
		}
	}
}

// BenchmarkIssueMDoc12Elements issues the 12-element Aadhaar-like document
// (with an 8 KiB portrait) per iteration.
func BenchmarkIssueMDoc12Elements(b *testing.B) {
	p := newTestPKI(b)
	req := aadhaarRequest(&p.holder.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.issuer.Issue(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueMDocNoPortrait is the same document without its portrait:
// the fixed cost of issuance apart from the bytes of one large element.
func BenchmarkIssueMDocNoPortrait(b *testing.B) {
	p := newTestPKI(b)
	req := aadhaarRequest(&p.holder.PublicKey)
	req.Elements = slices.DeleteFunc(slices.Clone(req.Elements), func(e Element) bool { return e.Identifier == "portrait" })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.issuer.Issue(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyIssuerSigned12 verifies that document (signature, chain,
// 12 digests, value decoding) per iteration.
func BenchmarkVerifyIssuerSigned12(b *testing.B) {
	p := newTestPKI(b)
	issued := p.issue(b)
	b.SetBytes(int64(len(issued)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.verifier.VerifyIssuerSigned(issued); err != nil {
			b.Fatal(err)
		}
	}
}
