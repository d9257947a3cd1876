package android_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"testing"

	"github.com/pramaan/pramaan/attestation/android"
)

// BenchmarkFloorES256Verify is the floor the chain benchmarks are reported
// against: one raw P-256 ECDSA verification.
func BenchmarkFloorES256Verify(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("floor"))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	b.ResetTimer()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkVerifyChain verifies real chains end to end: parsing, the four
// signatures, validity, the status list lookup, the KeyDescription and the
// policy.
func BenchmarkVerifyChain(b *testing.B) {
	dir := vectorsDir(b)
	status := sampleStatus(b, dir)
	v := newVerifier(b, genuinePolicy(), status)
	for _, name := range []string{
		"android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem", // RKP, EC P-384 root
		"android-keyattestation/caiman/sdk36/TEE_EC_RKP.pem",     // RKP, RSA-4096 root
		"android-keyattestation/blueline/sdk28/TEE_EC_NONE.pem",  // factory, RSA-4096 root
	} {
		at, challenge := caseInputs(b, dir, vectorCase{File: name})
		chain := readChain(b, filepath.Join(dir, name))
		label := filepath.Base(filepath.Dir(filepath.Dir(name))) + "/" + filepath.Base(name)
		// cold: the first chain a verifier sees, every signature checked.
		b.Run("cold/"+label, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fresh := newVerifier(b, genuinePolicy(), status)
				b.StartTimer()
				if _, err := fresh.Verify(context.Background(), chain, challenge, at); err != nil {
					b.Fatal(err)
				}
			}
		})
		// warm: intermediates already seen (the same device family), only
		// the leaf's signature checked.
		b.Run("warm/"+label, func(b *testing.B) {
			for b.Loop() {
				if _, err := v.Verify(context.Background(), chain, challenge, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseKeyDescription measures the extension parser alone.
func BenchmarkParseKeyDescription(b *testing.B) {
	dir := vectorsDir(b)
	certs, err := android.ParsePEMChain(mustRead(b, filepath.Join(dir, "android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem")))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := android.LeafKeyDescription(certs[0]); err != nil {
			b.Fatal(err)
		}
	}
}
