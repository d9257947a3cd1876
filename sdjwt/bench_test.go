package sdjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/pramaan/pramaan/sdjwt"
)

// The floor: one raw ES256 signature and verification (P-256 over the
// SHA-256 digest of a 512-byte message, as in the mdoc package's floor).
// Issue and verify figures are read as ratios to these, measured in the
// same run.
var floorInput = make([]byte, 512)

func BenchmarkFloorES256Sign(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(floorInput)
		if _, err := ecdsa.SignASN1(rand.Reader, testIssuerKey, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloorES256Verify(b *testing.B) {
	h := sha256.Sum256(floorInput)
	sig, err := ecdsa.SignASN1(rand.Reader, testIssuerKey, h[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(floorInput)
		if !ecdsa.VerifyASN1(&testIssuerKey.PublicKey, h[:], sig) {
			b.Fatal("floor verify failed")
		}
	}
}

// BenchmarkIssueSDJWTVC12Claims issues the 12-claim Aadhaar-shaped SD-JWT VC
// of aadhaarClaims: 11 disclosures (a recursive address of 4), an ~8 KiB
// portrait, ES256, sha-256, no decoys.
func BenchmarkIssueSDJWTVC12Claims(b *testing.B) {
	is := &sdjwt.Issuer{Signer: testIssuerKey, KeyID: "k1"}
	claims := aadhaarClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := is.IssueVC(claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueSDJWTVCNoPortrait is the same credential without its
// portrait: the fixed cost of issuance, apart from the bytes of one large
// claim that must be escaped, base64url-encoded and hashed.
func BenchmarkIssueSDJWTVCNoPortrait(b *testing.B) {
	is := &sdjwt.Issuer{Signer: testIssuerKey, KeyID: "k1"}
	claims := aadhaarClaims()
	delete(claims, "portrait")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := is.IssueVC(claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySDJWTVCWithKB verifies a presentation of that credential
// revealing name, birth_date and the address locality, with a KB-JWT:
// issuer signature, disclosures, KB signature and sd_hash.
func BenchmarkVerifySDJWTVCWithKB(b *testing.B) {
	pres, err := issueVC(b).Present(holderKB(), sdjwt.Path{"name"}, sdjwt.Path{"birth_date"}, sdjwt.Path{"address", "locality"})
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(pres.String())
	v := testVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyVC(context.Background(), data); err != nil {
			b.Fatal(err)
		}
	}
}
