package issuer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/android/androidtest"
	"github.com/pramaan/pramaan/oid4vci"
)

// androidTestVerifier is the real chain verifier under a test root.
type androidTestVerifier struct{ v *android.Verifier }

func (a androidTestVerifier) VerifyAndroidChain(ctx context.Context, chain [][]byte, at time.Time) (crypto.PublicKey, []byte, error) {
	ch, err := android.ChainChallenge(chain)
	if err != nil {
		return nil, nil, err
	}
	res, err := a.v.Verify(ctx, chain, ch, at)
	if err != nil {
		return nil, nil, err
	}
	return res.PublicKey, ch, nil
}

type androidProofFixture struct {
	ca     *androidtest.CA
	status *android.StatusList
	nonces *proofTestNonceStore
}

func newAndroidProofFixture(t *testing.T, nonces ...string) *androidProofFixture {
	t.Helper()
	ca, err := androidtest.NewCA(proofTestNow)
	if err != nil {
		t.Fatal(err)
	}
	return &androidProofFixture{ca: ca, status: &android.StatusList{Entries: map[string]android.StatusEntry{}}, nonces: newProofTestNonceStore(nonces...)}
}

func (f *androidProofFixture) checker(t *testing.T, types []string, maxProofs int) *ProofChecker {
	t.Helper()
	p := android.StrictPolicy()
	p.Apps = []android.App{{Package: androidtest.WalletPackage, SigningCertDigests: []string{fmt.Sprintf("%x", androidtest.WalletSigningDigest())}}}
	v, err := android.NewVerifier(android.Config{Roots: f.ca.Roots(), Policy: p, Status: android.StaticStatus{List: f.status}})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := NewProofChecker(ProofConfig{
		CredentialIssuer: proofTestIssuer, Now: proofTestClock, RequireNonce: true, Nonces: f.nonces,
		MaxProofs: maxProofs, ProofTypes: types, Android: androidTestVerifier{v},
	})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// chain returns a base64 chain attesting a new key with challenge nonce.
func (f *androidProofFixture) chain(t *testing.T, nonce string, o androidtest.KeyOptions) (*ecdsa.PrivateKey, []string) {
	t.Helper()
	o.Challenge = []byte(nonce)
	o.Now = proofTestNow
	key, ders, err := f.ca.NewKey(o)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ders))
	for i, d := range ders {
		out[i] = base64.StdEncoding.EncodeToString(d)
	}
	return key, out
}

func TestAndroidKeystoreAttestationProofsBindOneKeyPerChain(t *testing.T) {
	f := newAndroidProofFixture(t, "nonce-1")
	pc := f.checker(t, []string{oid4vci.ProofTypeAndroidKeystoreAttestation}, 3)
	k1, c1 := f.chain(t, "nonce-1", androidtest.KeyOptions{})
	k2, c2 := f.chain(t, "nonce-1", androidtest.KeyOptions{})
	keys, err := pc.CheckProofs(context.Background(), "", &oid4vci.Proofs{AndroidKeystoreAttestation: [][]string{c1, c2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !keys[0].PublicKey.(*ecdsa.PublicKey).Equal(&k1.PublicKey) || !keys[1].PublicKey.(*ecdsa.PublicKey).Equal(&k2.PublicKey) || keys[0].Alg != "ES256" {
		t.Fatalf("keys %+v are not the two attested keys in order", keys)
	}
	if exists, used := f.nonces.state("nonce-1"); !exists || !used {
		t.Fatal("the c_nonce was not consumed")
	}
	// The same chains again: the c_nonce is spent.
	_, err = pc.CheckProofs(context.Background(), "", &oid4vci.Proofs{AndroidKeystoreAttestation: [][]string{c1}})
	proofTestAssertCode(t, err, oid4vci.CodeInvalidNonce, nil)
}

func TestAndroidKeystoreAttestationProofRefusals(t *testing.T) {
	f := newAndroidProofFixture(t, "nonce-1", "nonce-2")
	ctx := context.Background()
	_, good := f.chain(t, "nonce-1", androidtest.KeyOptions{})
	_, good2 := f.chain(t, "nonce-1", androidtest.KeyOptions{})
	_, otherNonce := f.chain(t, "nonce-2", androidtest.KeyOptions{})
	_, unknownNonce := f.chain(t, "never-issued", androidtest.KeyOptions{})
	_, otherApp := f.chain(t, "nonce-1", androidtest.KeyOptions{Package: "com.example.other"})
	_, unlocked := f.chain(t, "nonce-1", androidtest.KeyOptions{Unlocked: true})
	revoked := append([]string(nil), good...)
	attestCert := f.ca.AttestKey

	cases := []struct {
		name   string
		types  []string
		chains [][]string
		revoke bool
		code   oid4vci.ErrorCode
		desc   string
	}{
		{"refused where the configuration accepts jwt only", nil, [][]string{good}, false, oid4vci.CodeInvalidProof, "proof type android_keystore_attestation is not accepted for this credential; accepted: jwt"},
		{"challenge is not a c_nonce of this issuer", nil, [][]string{unknownNonce}, false, oid4vci.CodeInvalidNonce, "c_nonce is unknown, expired or already used; fetch a new one from the Nonce Endpoint"},
		{"chains with different challenges", nil, [][]string{good, otherNonce}, false, oid4vci.CodeInvalidNonce, "android_keystore_attestation[1] carries a different challenge than chain 0; all chains of a request must use the same c_nonce"},
		{"the same chain twice", nil, [][]string{good, good}, false, oid4vci.CodeInvalidProof, "chains 0 and 1 attest the same key"},
		{"more chains than the batch size", nil, [][]string{good, good2, otherNonce}, false, oid4vci.CodeInvalidProof, "more than 2 proofs (batch_size)"},
		{"another app", nil, [][]string{otherApp}, false, oid4vci.CodeInvalidProof, "android_keystore_attestation[0]: application: certificate 0: the app (com.example.other) is not an accepted wallet app with its signing certificates"},
		{"unlocked device", nil, [][]string{unlocked}, false, oid4vci.CodeInvalidProof, "android_keystore_attestation[0]: verified_boot: certificate 0: verified boot state UNVERIFIED, device locked false; Verified and locked are required"},
		{"revoked attestation key", nil, [][]string{revoked}, true, oid4vci.CodeInvalidProof, fmt.Sprintf("android_keystore_attestation[0]: revoked: certificate 1: serial %s is REVOKED (KEY_COMPROMISE) in the attestation status list", android.SerialKey(attestCert.SerialNumber))},
		{"not base64", nil, [][]string{{"%%%%"}}, false, oid4vci.CodeInvalidProof, "android_keystore_attestation[0][0] is not base64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			types := c.types
			if c.name != "refused where the configuration accepts jwt only" {
				types = []string{oid4vci.ProofTypeJWT, oid4vci.ProofTypeAndroidKeystoreAttestation}
			}
			f.status.Entries = map[string]android.StatusEntry{}
			if c.revoke {
				f.status.Entries[android.SerialKey(attestCert.SerialNumber)] = android.StatusEntry{Status: android.StatusRevoked, Reason: "KEY_COMPROMISE"}
			}
			pc := f.checker(t, types, 2)
			_, err := pc.CheckProofs(ctx, "", &oid4vci.Proofs{AndroidKeystoreAttestation: c.chains})
			var oe *oid4vci.Error
			if !errors.As(err, &oe) || oe.Code != c.code || oe.Description != c.desc {
				t.Fatalf("got %v\nwant %s %q", err, c.code, c.desc)
			}
			if exists, used := f.nonces.state("nonce-1"); exists && used {
				t.Fatal("a refused request consumed the c_nonce")
			}
		})
	}
}

func TestRequiredKeyAttestationRefusesPlainJWTProof(t *testing.T) {
	nonces := newProofTestNonceStore("nonce-1")
	pc, err := NewProofChecker(ProofConfig{
		CredentialIssuer: proofTestIssuer, Now: proofTestClock, RequireNonce: true, Nonces: nonces,
		ProofTypes:             []string{oid4vci.ProofTypeJWT},
		KeyAttestationRequired: &KeyAttestationRequirement{KeyStorage: []string{"iso_18045_high"}},
		KeyAttestations:        refusingKeyAttestations{},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := proofTestECKey(t, elliptic.P256())
	proof := proofTestSign(t, proofTestHeader(t, key), proofTestClaims("nonce-1"), "ES256", key)
	_, err = pc.CheckProofs(context.Background(), "", &oid4vci.Proofs{JWT: []string{proof}})
	proofTestAssertCode(t, err, oid4vci.CodeInvalidProof, ErrKeyNotAccepted)
	if _, used := nonces.state("nonce-1"); used {
		t.Fatal("a refused proof consumed the c_nonce")
	}
}

type refusingKeyAttestations struct{}

func (refusingKeyAttestations) VerifyKeyAttestation(context.Context, string, KeyAttestationCheck) (*KeyAttestation, error) {
	return nil, fmt.Errorf("not reached")
}
