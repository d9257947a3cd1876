//go:build cgo

package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-attestation/attest"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/tpm"
	"github.com/pramaan/pramaan/attestation/tpm/tpmtest"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/provider"
	"github.com/pramaan/pramaan/wallet/provider/providertest"
)

const tpmAttestedConfig = `
key_attestation:
  wallet_providers: [%s]
credential_configurations:
  aadhaar_attested:
    format: dc+sd-jwt
    vct: urn:pramaan:aadhaar:attested:1
    signing_alg: ES256
    binding: jwk
    proof_types:
      jwt: {signing_algs: [ES256]}
      attestation: {signing_algs: [ES256]}
    key_attestations_required:
      key_storage: [iso_18045_moderate]
    validity: 8760h
    display:
      en: {name: Aadhaar (attested key)}
      hi: {name: आधार}
    claims:
      - {path: [name], source: name, mandatory: true, selectively_disclosable: true, display: {en: Name, hi: नाम}}
`

// tpmKeys is a desktop wallet's key store on a TPM: each new key is made
// in the TPM and certified by the enrolled AK with the provider's nonce.
type tpmKeys struct {
	tpm   *attest.TPM
	ak    *attest.AK
	nonce []byte

	mu     sync.Mutex
	loaded []*attest.Key
	certs  []attest.CertificationParameters
	pubs   []crypto.PublicKey
}

func (k *tpmKeys) NewKey(context.Context) (crypto.Signer, string, error) {
	key, err := k.tpm.NewKey(k.ak, &attest.KeyConfig{Algorithm: attest.ECDSA, Size: 256, QualifyingData: k.nonce})
	if err != nil {
		return nil, "", err
	}
	priv, err := key.Private(key.Public())
	if err != nil {
		return nil, "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.loaded = append(k.loaded, key)
	k.certs = append(k.certs, key.CertificationParameters())
	k.pubs = append(k.pubs, key.Public())
	return priv.(crypto.Signer), fmt.Sprint(len(k.pubs)), nil
}

// close unloads the keys (the simulator holds three objects).
func (k *tpmKeys) close() {
	for _, key := range k.loaded {
		key.Close()
	}
}

func (k *tpmKeys) Key(context.Context, string) (crypto.Signer, error) {
	return nil, fmt.Errorf("not kept")
}

// certifications returns the certifications of keys, in their order.
func (k *tpmKeys) certifications(keys []crypto.PublicKey) ([]attest.CertificationParameters, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []attest.CertificationParameters
	for _, want := range keys {
		found := false
		for i, p := range k.pubs {
			if p.(interface{ Equal(crypto.PublicKey) bool }).Equal(want) {
				out, found = append(out, k.certs[i]), true
			}
		}
		if !found {
			return nil, fmt.Errorf("no certification of a key")
		}
	}
	return out, nil
}

// TestTPMWalletReceivesACredentialRequiringKeyAttestation runs a desktop
// wallet on a simulated TPM: it enrolls with the wallet provider
// (credential activation), its holder key lives in the TPM and is
// certified with the provider's nonce, the provider mints the
// key-attestation+jwt, and the issuer, which requires attested keys,
// issues over real HTTP with a jwt proof the TPM signed and with the
// attestation proof type.
func TestTPMWalletReceivesACredentialRequiringKeyAttestation(t *testing.T) {
	dir := t.TempDir()
	pki, err := providertest.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rootPath := filepath.Join(dir, "provider-root.pem")
	if err := os.WriteFile(rootPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.Root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "pramaan.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(tpmAttestedConfig, rootPath)), 0o600); err != nil {
		t.Fatal(err)
	}
	issuerURL, dataDir := startServe(t, "--config", cfgPath)

	tv, err := tpm.NewVerifier(tpm.Config{AllowUncertifiedEK: true, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := provider.New(provider.Config{Signer: pki.Signer, Chain: pki.Chain, TPM: tv, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}

	// Enrollment: the wallet's TPM proves its AK shares the TPM with its EK.
	dev, err := tpmtest.OpenSimulator()
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	eks, err := dev.EKs()
	if err != nil || len(eks) == 0 {
		t.Fatalf("EKs: %v", err)
	}
	ak, err := dev.NewAK(nil)
	if err != nil {
		t.Fatal(err)
	}
	ekPub, err := x509.MarshalPKIXPublicKey(eks[0].Public)
	if err != nil {
		t.Fatal(err)
	}
	act, challenge, err := tv.StartEnrollment(tpm.EnrollRequest{EKPublic: ekPub, AK: ak.AttestationParameters()})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := ak.ActivateCredentialWithEK(dev, *challenge, eks[0])
	if err != nil {
		t.Fatal(err)
	}
	enrolled, err := tv.CompleteEnrollment(act, answer)
	if err != nil {
		t.Fatal(err)
	}

	iaca, err := os.ReadFile(filepath.Join(dataDir, "iaca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots, err := android.ParsePEMChain(iaca)
	if err != nil {
		t.Fatal(err)
	}
	client := &wallet.Client{Roots: roots}
	for _, proofType := range []string{oid4vci.ProofTypeJWT, oid4vci.ProofTypeAttestation} {
		t.Run(proofType, func(t *testing.T) {
			providerNonce := []byte("provider-nonce-" + proofType + "-0123456789")
			keys := &tpmKeys{tpm: dev, ak: ak, nonce: providerNonce}
			defer keys.close()
			got, err := client.Receive(context.Background(), newOfferLink(t, issuerURL, dataDir, "aadhaar_attested"), wallet.ReceiveOptions{
				ProofType: proofType, Keys: keys,
				KeyAttestation: func(ctx context.Context, cNonce string, pubs []crypto.PublicKey) (string, error) {
					certs, err := keys.certifications(pubs)
					if err != nil {
						return "", err
					}
					return prov.AttestTPM(ctx, provider.TPMRequest{AK: enrolled.Public, Certifications: certs, Challenge: providerNonce, Nonce: cNonce})
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Claims["name"] == nil {
				t.Fatalf("received %+v", got)
			}
			// The credential is bound to the TPM's key.
			cnf, _ := got[0].Claims["cnf"].(map[string]any)
			jwk, _ := cnf["jwk"].(map[string]any)
			tpmKey := keys.pubs[0].(*ecdsa.PublicKey)
			if jwk["x"] != base64.RawURLEncoding.EncodeToString(tpmKey.X.FillBytes(make([]byte, 32))) {
				t.Fatalf("cnf %v is not the TPM key", cnf)
			}
		})
	}
}
