package server

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/statuslist"
)

// androidChains adapts android.Verifier to issuer.AndroidAttestationVerifier:
// it verifies a chain against the challenge the chain carries; the issuer
// then requires that challenge to be an unused c_nonce of its own.
type androidChains struct{ v *android.Verifier }

func (a androidChains) VerifyAndroidChain(ctx context.Context, chain [][]byte, at time.Time) (crypto.PublicKey, []byte, error) {
	challenge, err := android.ChainChallenge(chain)
	if err != nil {
		return nil, nil, err
	}
	res, err := a.v.Verify(ctx, chain, challenge, at)
	if err != nil {
		return nil, nil, err
	}
	return res.PublicKey, challenge, nil
}

// usesProofType reports whether any configuration accepts a proof type.
func usesProofType(cfg *config.Config, t string) bool {
	for _, cc := range cfg.CredentialConfigurations {
		types, _ := cc.ProofTypeList()
		for _, have := range types {
			if have == t {
				return true
			}
		}
	}
	return false
}

// resolvePath makes a configured relative path relative to the data
// directory.
func resolvePath(cfg *config.Config, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Server.DataDir, p)
}

// newAndroidVerifier builds the Android chain verifier the configuration
// asks for: Google's roots (plus any configured), the status list (fail
// closed), the policy file or the strict policy.
func newAndroidVerifier(cfg *config.Config, now func() time.Time) (*android.Verifier, error) {
	a := cfg.KeyAttestation.Android
	policy := android.StrictPolicy()
	if a.Policy != "" {
		data, err := os.ReadFile(resolvePath(cfg, a.Policy))
		if err != nil {
			return nil, fmt.Errorf("key_attestation.android.policy: %w", err)
		}
		if policy, err = android.ParsePolicy(data); err != nil {
			return nil, fmt.Errorf("key_attestation.android.policy: %w", err)
		}
	}
	if a.AllowTestDevices {
		policy = policy.AllowTestDevices()
	}
	roots := android.GoogleRoots()
	for _, f := range a.Roots {
		data, err := os.ReadFile(resolvePath(cfg, f))
		if err != nil {
			return nil, fmt.Errorf("key_attestation.android.roots: %w", err)
		}
		certs, err := android.ParsePEMChain(data)
		if err != nil {
			return nil, fmt.Errorf("key_attestation.android.roots %s: %w", f, err)
		}
		roots = append(roots, android.HardwareRoots(certs)...)
	}
	location := a.StatusList
	if location == "" {
		location = android.GoogleStatusURL
	} else if !strings.HasPrefix(location, "https://") && !strings.HasPrefix(location, "http://") {
		location = resolvePath(cfg, location)
	}
	status, err := android.NewStatusSource(location, android.StatusOptions{TTL: a.StatusListTTL, Now: now})
	if err != nil {
		return nil, fmt.Errorf("key_attestation.android.status_list: %w", err)
	}
	return android.NewVerifier(android.Config{Roots: roots, Status: status, Policy: policy})
}

// keyAttestations adapts keyattest.Verifier to issuer.KeyAttestationVerifier.
type keyAttestations struct{ v *keyattest.Verifier }

func (k keyAttestations) VerifyKeyAttestation(ctx context.Context, token string, c issuer.KeyAttestationCheck) (*issuer.KeyAttestation, error) {
	a, err := k.v.Verify(ctx, token, keyattest.Options{RequireExp: c.RequireExp, Algorithms: c.Algorithms})
	if err != nil {
		return nil, err
	}
	out := &issuer.KeyAttestation{KeyStorage: a.KeyStorage, UserAuthentication: a.UserAuthentication, Nonce: a.Nonce}
	for _, key := range a.Keys {
		out.Keys = append(out.Keys, key.PublicKey)
	}
	return out, nil
}

// newKeyAttestationVerifier trusts the configured wallet-provider CAs.
func newKeyAttestationVerifier(cfg *config.Config, now func() time.Time) (*keyattest.Verifier, error) {
	var anchors []*x509.Certificate
	for _, f := range cfg.KeyAttestation.WalletProviders {
		data, err := os.ReadFile(resolvePath(cfg, f))
		if err != nil {
			return nil, fmt.Errorf("key_attestation.wallet_providers: %w", err)
		}
		certs, err := android.ParsePEMChain(data)
		if err != nil {
			return nil, fmt.Errorf("key_attestation.wallet_providers %s: %w", f, err)
		}
		anchors = append(anchors, certs...)
	}
	st := cfg.KeyAttestation.Status
	if st.Skip && st.Require {
		return nil, errors.New("key_attestation.status: skip and require exclude each other")
	}
	kc := keyattest.Config{
		TrustAnchors: anchors, Algorithms: []string{"ES256", "ES384", "ES512", "EdDSA", "PS256"},
		Now: now, ClockSkew: cfg.Limits.ClockSkew, RequireStatus: st.Require,
	}
	// The Status List Tokens an attestation references are signed under
	// the same wallet-provider anchors (HAIP 1.0: x5c, not self-signed).
	var kv *keyattest.Verifier
	if !st.Skip && len(anchors) > 0 {
		lists, err := statuslist.NewClient(statuslist.Config{
			Resolve: func(_ context.Context, h map[string]json.RawMessage) (crypto.PublicKey, error) {
				chain, err := kv.VerifyChain(h["x5c"])
				if err != nil {
					return nil, err
				}
				return chain[0].PublicKey, nil
			},
			AllowHTTP: st.AllowHTTP, Now: now,
		})
		if err != nil {
			return nil, err
		}
		kc.Status = attestationStatus{lists}
	}
	var err error
	kv, err = keyattest.NewVerifier(kc)
	return kv, err
}

// attestationStatus checks a key attestation's status reference: only
// VALID passes.
type attestationStatus struct{ lists *statuslist.Client }

func (a attestationStatus) CheckStatus(ctx context.Context, ref keyattest.StatusReference) error {
	if ref.Index > 1<<40 {
		return fmt.Errorf("status index %d out of range", ref.Index)
	}
	s, err := a.lists.Status(ctx, ref.URI, int(ref.Index))
	if err != nil {
		return err
	}
	if s != statuslist.Valid {
		return fmt.Errorf("the wallet instance's status is %s", s)
	}
	return nil
}
