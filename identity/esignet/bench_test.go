package esignet_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"

	"github.com/pramaan/pramaan/identity/esignet/sandbox"
)

// BenchmarkSignIn is a whole sign-in against the simulator on loopback:
// discovery and JWKS cached; PAR, consent, token (with the DPoP nonce
// retry), ID token and userinfo. Both sides run in this process, so it
// includes the simulator's three PS256 signatures. Compare with
// BenchmarkFloor, one PS256 signature and one ES256 signature.
func BenchmarkSignIn(b *testing.B) {
	o := newOP(b, false, nil)
	ctx := context.Background()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ReportAllocs()
	for b.Loop() {
		u, p, err := o.rp.Start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		cb, err := sandbox.Consent(ctx, hc, u, "asha", true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := o.rp.Callback(ctx, p, cb.Query()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloor is one RSA-2048 PSS signature (what the provider does per
// token) and one ES256 signature (what the relying party does per request).
func BenchmarkFloor(b *testing.B) {
	rk := decrypter(b)
	o := newOP(b, false, nil)
	digest := sha256.Sum256([]byte("x"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPSS(rand.Reader, rk, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
			b.Fatal(err)
		}
		if _, err := ecdsa.SignASN1(rand.Reader, o.signer, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}
