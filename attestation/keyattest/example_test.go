package keyattest_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/keyattest"
)

// A wallet provider mints a key attestation for a wallet's key; the issuer
// verifies it against the provider's CA.
func Example() {
	p := newPKI(exampleTB{}, "Provider", testNow.AddDate(1, 0, 0))
	holder := newKey(exampleTB{})
	token, err := keyattest.Mint(p.leafKey, []*x509.Certificate{p.leaf, p.inter}, keyattest.Claims{
		IssuedAt: testNow, ExpiresAt: testNow.Add(time.Hour), Keys: []crypto.PublicKey{&holder.PublicKey},
		KeyStorage: []string{keyattest.LevelHigh}, Nonce: "c_nonce-1",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := keyattest.NewVerifier(keyattest.Config{TrustAnchors: []*x509.Certificate{p.root}, Now: func() time.Time { return testNow }})
	a, err := v.Verify(context.Background(), token, keyattest.Options{Nonce: "c_nonce-1", RequireExp: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(a.Keys), a.KeyStorage, a.Index(&holder.PublicKey))
	// Output: 1 [iso_18045_high] 0
}

// exampleTB lets the example use the test helpers; they only fail on
// broken crypto/rand.
type exampleTB struct{ testing.TB }

func (exampleTB) Helper()           {}
func (exampleTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }
