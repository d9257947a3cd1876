package provider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/android/androidtest"
	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/wallet/provider"
	"github.com/pramaan/pramaan/wallet/provider/providertest"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

type fixture struct {
	ca       *androidtest.CA
	p        *provider.Provider
	anchor   *x509.Certificate
	verifier *keyattest.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ca, err := androidtest.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	policy := android.StrictPolicy()
	policy.Apps = []android.App{{Package: androidtest.WalletPackage, SigningCertDigests: []string{fmt.Sprintf("%x", androidtest.WalletSigningDigest())}}}
	av, err := android.NewVerifier(android.Config{Roots: ca.Roots(), Policy: policy, Status: android.StaticStatus{List: &android.StatusList{Entries: map[string]android.StatusEntry{}}}})
	if err != nil {
		t.Fatal(err)
	}
	pki, err := providertest.New(now)
	if err != nil {
		t.Fatal(err)
	}
	anchor := pki.Root
	p, err := provider.New(provider.Config{Signer: pki.Signer, Chain: pki.Chain, Android: av, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := keyattest.NewVerifier(keyattest.Config{TrustAnchors: []*x509.Certificate{anchor}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ca: ca, p: p, anchor: anchor, verifier: kv}
}

func (f *fixture) chains(t *testing.T, challenge string, opts ...androidtest.KeyOptions) ([]*ecdsa.PrivateKey, [][][]byte) {
	t.Helper()
	var keys []*ecdsa.PrivateKey
	var chains [][][]byte
	for _, o := range opts {
		o.Challenge, o.Now = []byte(challenge), now
		k, c, err := f.ca.NewKey(o)
		if err != nil {
			t.Fatal(err)
		}
		keys, chains = append(keys, k), append(chains, c)
	}
	return keys, chains
}

func TestAndroidEvidenceBecomesAKeyAttestation(t *testing.T) {
	f := newFixture(t)
	keys, chains := f.chains(t, "provider-nonce", androidtest.KeyOptions{}, androidtest.KeyOptions{})
	tok, err := f.p.AttestAndroid(context.Background(), provider.AndroidRequest{Chains: chains, Challenge: []byte("provider-nonce"), Nonce: "c_nonce-1"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.verifier.Verify(context.Background(), tok, keyattest.Options{Nonce: "c_nonce-1", RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Keys) != 2 || a.Index(&keys[0].PublicKey) != 0 || a.Index(&keys[1].PublicKey) != 1 {
		t.Fatal("the attestation does not attest the two Android keys in order")
	}
	if len(a.KeyStorage) != 1 || a.KeyStorage[0] != keyattest.LevelModerate || len(a.UserAuthentication) != 0 {
		t.Fatalf("levels %v %v; want a TEE key as iso_18045_moderate and no user authentication (noAuthRequired)", a.KeyStorage, a.UserAuthentication)
	}
	strongbox := android.StrongBox
	_, sb := f.chains(t, "n", androidtest.KeyOptions{Level: strongbox})
	tok, err = f.p.AttestAndroid(context.Background(), provider.AndroidRequest{Chains: sb, Challenge: []byte("n"), Nonce: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := f.verifier.Verify(context.Background(), tok, keyattest.Options{}); err != nil || a.KeyStorage[0] != keyattest.LevelHigh {
		t.Fatalf("StrongBox: %v %v", a, err)
	}
}

func TestAndroidEvidenceRefusals(t *testing.T) {
	f := newFixture(t)
	_, good := f.chains(t, "provider-nonce", androidtest.KeyOptions{})
	_, mixed := f.chains(t, "provider-nonce", androidtest.KeyOptions{}, androidtest.KeyOptions{Level: android.StrongBox})
	_, otherApp := f.chains(t, "provider-nonce", androidtest.KeyOptions{Package: "com.example.other"})
	for name, r := range map[string]provider.AndroidRequest{
		"wrong challenge":  {Chains: good, Challenge: []byte("other"), Nonce: "c"},
		"mixed levels":     {Chains: mixed, Challenge: []byte("provider-nonce"), Nonce: "c"},
		"another app":      {Chains: otherApp, Challenge: []byte("provider-nonce"), Nonce: "c"},
		"no chain":         {Challenge: []byte("provider-nonce"), Nonce: "c"},
		"garbage in chain": {Chains: [][][]byte{{[]byte("x"), []byte("y")}}, Challenge: []byte("provider-nonce")},
	} {
		if _, err := f.p.AttestAndroid(context.Background(), r); !errors.Is(err, provider.ErrEvidence) {
			t.Errorf("%s: %v, want ErrEvidence", name, err)
		}
	}
}
