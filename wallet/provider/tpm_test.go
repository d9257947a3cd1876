package provider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/google/go-attestation/attest"

	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
	"github.com/pramaan/pramaan/wallet/provider"
	"github.com/pramaan/pramaan/wallet/provider/providertest"
)

var providerNonce = []byte("provider-nonce-for-tpm-keys")

type tpmFixture struct {
	p        *provider.Provider
	verifier *keyattest.Verifier
	ak       *tpmtest.AK
}

// newTPMFixture is a provider taking TPM evidence, with a software AK
// standing in for one it enrolled (the genuine TPM flow runs against the
// simulator in attestation/tpm and cmd/pramaan).
func newTPMFixture(t *testing.T) *tpmFixture {
	t.Helper()
	tv, err := tpm.NewVerifier(tpm.Config{AllowUncertifiedEK: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	pki, err := providertest.New(now)
	if err != nil {
		t.Fatal(err)
	}
	p, err := provider.New(provider.Config{Signer: pki.Signer, Chain: pki.Chain, TPM: tv, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := keyattest.NewVerifier(keyattest.Config{TrustAnchors: []*x509.Certificate{pki.Root}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ak, err := tpmtest.NewAK(tpmtest.AKFlags)
	if err != nil {
		t.Fatal(err)
	}
	return &tpmFixture{p: p, verifier: kv, ak: ak}
}

func (f *tpmFixture) certify(t *testing.T, nonce []byte) (*ecdsa.PrivateKey, attest.CertificationParameters) {
	t.Helper()
	k, pub, err := tpmtest.NewKey(elliptic.P256(), tpmtest.KeyFlags)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.ak.Certify(tpmtest.Certification{Public: pub, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	return k, c
}

func TestTPMEvidenceBecomesAKeyAttestation(t *testing.T) {
	f := newTPMFixture(t)
	k1, c1 := f.certify(t, providerNonce)
	k2, c2 := f.certify(t, providerNonce)
	tok, err := f.p.AttestTPM(context.Background(), provider.TPMRequest{AK: f.ak.Public, Certifications: []attest.CertificationParameters{c1, c2}, Challenge: providerNonce, Nonce: "c_nonce-tpm"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.verifier.Verify(context.Background(), tok, keyattest.Options{Nonce: "c_nonce-tpm", RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Keys) != 2 || a.Index(&k1.PublicKey) != 0 || a.Index(&k2.PublicKey) != 1 {
		t.Fatal("the attestation does not attest the two TPM keys in order")
	}
	if len(a.KeyStorage) != 1 || a.KeyStorage[0] != keyattest.LevelModerate || len(a.UserAuthentication) != 0 {
		t.Fatalf("levels %v %v", a.KeyStorage, a.UserAuthentication)
	}
}

func TestTPMEvidenceRefusals(t *testing.T) {
	f := newTPMFixture(t)
	_, good := f.certify(t, providerNonce)
	_, stale := f.certify(t, []byte("an-earlier-provider-nonce"))
	other, err := tpmtest.NewAK(tpmtest.AKFlags)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]provider.TPMRequest{
		"certified under another nonce": {AK: f.ak.Public, Certifications: []attest.CertificationParameters{stale}, Challenge: providerNonce},
		"another AK":                    {AK: other.Public, Certifications: []attest.CertificationParameters{good}, Challenge: providerNonce},
		"one key twice":                 {AK: f.ak.Public, Certifications: []attest.CertificationParameters{good, good}, Challenge: providerNonce},
		"no certification":              {AK: f.ak.Public, Challenge: providerNonce},
		"garbage":                       {AK: f.ak.Public, Certifications: []attest.CertificationParameters{{Public: []byte("x")}}, Challenge: providerNonce},
	} {
		if _, err := f.p.AttestTPM(context.Background(), r); !errors.Is(err, provider.ErrEvidence) {
			t.Errorf("%s: %v, want ErrEvidence", name, err)
		}
	}
	androidOnly := newFixture(t)
	if _, err := androidOnly.p.AttestTPM(context.Background(), provider.TPMRequest{AK: f.ak.Public, Certifications: []attest.CertificationParameters{good}, Challenge: providerNonce}); !errors.Is(err, provider.ErrEvidence) {
		t.Errorf("a provider without a TPM verifier: %v", err)
	}
}
