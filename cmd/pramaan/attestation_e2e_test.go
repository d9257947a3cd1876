package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/android/androidtest"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/provider"
	"github.com/pramaan/pramaan/wallet/provider/providertest"
)

// attestedConfig is a configuration that binds credentials only to
// attested keys, accepting jwt proofs with key_attestation, the
// attestation proof type and Google's android_keystore_attestation.
const attestedConfig = `
key_attestation:
  wallet_providers: [%s]
  android:
    status_list: %s
    roots: [%s]
    policy: %s
credential_configurations:
  aadhaar_attested:
    format: dc+sd-jwt
    vct: urn:pramaan:aadhaar:attested:1
    signing_alg: ES256
    binding: jwk
    proof_types:
      jwt: {signing_algs: [ES256]}
      attestation: {signing_algs: [ES256]}
      android_keystore_attestation: {}
    key_attestations_required:
      key_storage: [iso_18045_moderate, iso_18045_high]
    validity: 8760h
    display:
      en: {name: Aadhaar (attested key)}
      hi: {name: आधार}
    claims:
      - {path: [name], source: name, mandatory: true, selectively_disclosable: true, display: {en: Name, hi: नाम}}
      - {path: [birth_date], source: birth_date, mandatory: true, selectively_disclosable: true, display: {en: Date of birth, hi: जन्म तिथि}}
`

// TestAttestationRequiredConfigurationRefusesPlainJWTAndIssuesWithEachProofType
// runs the issuer with a configuration requiring key attestation and asks
// it for a credential four ways over real HTTP: a plain jwt proof
// (refused), a jwt proof carrying a wallet provider's key attestation, the
// attestation proof type, and android_keystore_attestation chains.
func TestAttestationRequiredConfigurationRefusesPlainJWTAndIssuesWithEachProofType(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	device, err := androidtest.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	pki, err := providertest.New(now)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"android-root.pem":  device.RootPEM(),
		"provider-root.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.Root.Raw}),
		"status.json":       []byte(`{"entries":{}}`),
		"policy.json":       []byte(fmt.Sprintf(`{"apps":[{"package":%q,"signing_cert_digests":["%x"]}]}`, androidtest.WalletPackage, androidtest.WalletSigningDigest())),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	cfgPath := p("pramaan.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(attestedConfig, p("provider-root.pem"), p("status.json"), p("android-root.pem"), p("policy.json"))), 0o600); err != nil {
		t.Fatal(err)
	}
	issuerURL, dataDir := startServe(t, "--config", cfgPath)

	// The wallet provider checks the device's chains with its own policy
	// (its wallet app) and mints the key attestation.
	policy := android.StrictPolicy()
	policy.Apps = []android.App{{Package: androidtest.WalletPackage, SigningCertDigests: []string{fmt.Sprintf("%x", androidtest.WalletSigningDigest())}}}
	av, err := android.NewVerifier(android.Config{Roots: device.Roots(), Policy: policy, Status: android.StaticStatus{List: &android.StatusList{Entries: map[string]android.StatusEntry{}}}})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := provider.New(provider.Config{Signer: pki.Signer, Chain: pki.Chain, Android: av, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	deviceChains := func(challenge string, keys []crypto.PublicKey) ([][][]byte, error) {
		var out [][][]byte
		for _, k := range keys {
			c, err := device.AttestPublicKey(k.(*ecdsa.PublicKey), androidtest.KeyOptions{Challenge: []byte(challenge), Now: time.Now()})
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	providerAttestation := func(ctx context.Context, nonce string, keys []crypto.PublicKey) (string, error) {
		chains, err := deviceChains("provider-nonce-1", keys)
		if err != nil {
			return "", err
		}
		return prov.AttestAndroid(ctx, provider.AndroidRequest{Chains: chains, Challenge: []byte("provider-nonce-1"), Nonce: nonce})
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
	newOffer := func(t *testing.T) string { return newOfferLink(t, issuerURL, dataDir, "aadhaar_attested") }

	t.Run("metadata advertises what is enforced", func(t *testing.T) {
		iss, err := client.Discover(context.Background(), issuerURL)
		if err != nil {
			t.Fatal(err)
		}
		pts := iss.Metadata.CredentialConfigurations["aadhaar_attested"].ProofTypesSupported
		got, _ := json.Marshal(pts)
		want := `{"android_keystore_attestation":{"proof_signing_alg_values_supported":["ES256"],"key_attestations_required":{}},` +
			`"attestation":{"proof_signing_alg_values_supported":["ES256"],"key_attestations_required":{"key_storage":["iso_18045_moderate","iso_18045_high"]}},` +
			`"jwt":{"proof_signing_alg_values_supported":["ES256"],"key_attestations_required":{"key_storage":["iso_18045_moderate","iso_18045_high"]}}}`
		if string(got) != want {
			t.Fatalf("proof_types_supported\n got %s\nwant %s", got, want)
		}
	})

	t.Run("plain jwt proof is refused", func(t *testing.T) {
		// A KeyAttestation source that has nothing to give: the proof goes
		// out without key_attestation.
		_, err := client.Receive(context.Background(), newOffer(t), wallet.ReceiveOptions{
			KeyAttestation: func(context.Context, string, []crypto.PublicKey) (string, error) { return "", nil },
		})
		var ie *wallet.IssuerError
		if !errors.As(err, &ie) || ie.Err.Code != oid4vci.CodeInvalidProof || ie.Status != 400 {
			t.Fatalf("got %v, want a 400 invalid_proof", err)
		}
		if ie.Err.Description != "proof 0: this credential requires an attested key: add a key_attestation header or use the attestation proof type" {
			t.Fatalf("description %q", ie.Err.Description)
		}
	})

	for _, tc := range []struct {
		name string
		opts wallet.ReceiveOptions
	}{
		{"jwt proof with key_attestation", wallet.ReceiveOptions{KeyAttestation: providerAttestation}},
		{"attestation proof type", wallet.ReceiveOptions{ProofType: oid4vci.ProofTypeAttestation, KeyAttestation: providerAttestation}},
		{"android_keystore_attestation", wallet.ReceiveOptions{ProofType: oid4vci.ProofTypeAndroidKeystoreAttestation,
			AndroidAttestation: func(_ context.Context, nonce string, keys []crypto.PublicKey) ([][][]byte, error) {
				return deviceChains(nonce, keys)
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.Receive(context.Background(), newOffer(t), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ConfigurationID != "aadhaar_attested" || got[0].Claims["name"] == nil || got[0].NotifyError != nil {
				t.Fatalf("received %+v", got)
			}
		})
	}

	t.Run("android chain from an unlocked device is refused", func(t *testing.T) {
		_, err := client.Receive(context.Background(), newOffer(t), wallet.ReceiveOptions{ProofType: oid4vci.ProofTypeAndroidKeystoreAttestation,
			AndroidAttestation: func(_ context.Context, nonce string, keys []crypto.PublicKey) ([][][]byte, error) {
				c, err := device.AttestPublicKey(keys[0].(*ecdsa.PublicKey), androidtest.KeyOptions{Challenge: []byte(nonce), Now: time.Now(), Unlocked: true})
				return [][][]byte{c}, err
			}})
		var ie *wallet.IssuerError
		if !errors.As(err, &ie) || ie.Err.Code != oid4vci.CodeInvalidProof {
			t.Fatalf("got %v, want invalid_proof", err)
		}
	})
}

// newOfferLink creates an offer of configuration with the CLI and returns
// its link.
func newOfferLink(t *testing.T, issuerURL, dataDir, configuration string) string {
	t.Helper()
	var offer struct {
		Link string `json:"link"`
	}
	if err := json.Unmarshal([]byte(runOK(t, "offer", "create", "--issuer", issuerURL, "--data-dir", dataDir, "--credentials", configuration, "--json")), &offer); err != nil {
		t.Fatal(err)
	}
	return offer.Link
}
