// Package provider is a wallet provider's key attestation service: it
// checks the platform evidence a wallet instance gives for its keys (an
// Android KeyStore attestation chain per key) and, when the evidence
// holds, mints the key-attestation+jwt of OpenID4VCI 1.0 Appendix D that
// issuers verify against the provider's CA (HAIP 1.0 "Key Attestation": x5c
// without the anchor, signing certificate not self-signed).
//
// The Android checks are attestation/android's, under the provider's
// policy (which pins the provider's own wallet app and signing
// certificates). The challenge of the Android chains is a nonce the
// provider handed out; the c_nonce of the issuer goes into the minted JWT.
//
// Mapping Android security levels to Appendix D.2 attack-potential values
// is a trust-framework decision; Levels holds it, and DefaultLevels maps
// StrongBox to iso_18045_high and a TEE to iso_18045_moderate.
package provider

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/keyattest"
)

// Levels maps the evidence to Appendix D.2 values.
type Levels struct {
	StrongBox, TEE string
	// UserAuthentication is asserted for keys that require user
	// authentication per use or within a timeout; empty asserts nothing.
	UserAuthentication string
}

// DefaultLevels is StrongBox → iso_18045_high, TEE → iso_18045_moderate,
// user-authenticated keys → iso_18045_moderate.
func DefaultLevels() Levels {
	return Levels{StrongBox: keyattest.LevelHigh, TEE: keyattest.LevelModerate, UserAuthentication: keyattest.LevelModerate}
}

// Config configures a Provider.
type Config struct {
	// Signer and Chain sign the attestations: Chain[0] certifies Signer's
	// key, intermediates follow, the anchor is left out. REQUIRED.
	Signer crypto.Signer
	Chain  []*x509.Certificate
	// Android verifies wallet instances' KeyStore chains; nil refuses
	// Android evidence.
	Android *android.Verifier
	// Levels; zero means DefaultLevels.
	Levels Levels
	// Lifetime of a minted attestation; zero means 10 minutes (long enough
	// for one credential request: it travels inside jwt proofs, where exp
	// is required).
	Lifetime time.Duration
	// Now is the clock. REQUIRED.
	Now func() time.Time
}

// Provider mints key attestations. It is safe for concurrent use.
type Provider struct{ cfg Config }

// ErrEvidence wraps every refusal of a wallet instance's evidence.
var ErrEvidence = errors.New("provider: key evidence refused")

// New validates cfg.
func New(cfg Config) (*Provider, error) {
	if cfg.Signer == nil || len(cfg.Chain) == 0 {
		return nil, errors.New("provider: a signer and its certificate chain are required")
	}
	if cfg.Now == nil {
		return nil, errors.New("provider: the clock (Now) is required")
	}
	if cfg.Levels == (Levels{}) {
		cfg.Levels = DefaultLevels()
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 10 * time.Minute
	}
	if k, ok := cfg.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cfg.Signer.Public()) {
		return nil, errors.New("provider: Chain[0] does not certify the signer's key")
	}
	cfg.Chain = slices.Clone(cfg.Chain)
	return &Provider{cfg: cfg}, nil
}

// AndroidRequest is a wallet instance's Android evidence: one KeyStore
// chain (DER, leaf first) per key, each generated with Challenge.
type AndroidRequest struct {
	Chains [][][]byte
	// Challenge is the provider nonce the chains were generated with.
	Challenge []byte
	// Nonce is the issuer's c_nonce to put in the attestation.
	Nonce string
}

// AttestAndroid verifies every chain and mints one attestation of all the
// keys. All keys must be at one security level (Appendix D.1: "attested
// keys from the same key storage component").
func (p *Provider) AttestAndroid(ctx context.Context, r AndroidRequest) (string, error) {
	if p.cfg.Android == nil {
		return "", fmt.Errorf("%w: this provider takes no Android evidence", ErrEvidence)
	}
	if len(r.Chains) == 0 || len(r.Chains) > keyattest.MaxAttestedKeys {
		return "", fmt.Errorf("%w: 1 to %d chains", ErrEvidence, keyattest.MaxAttestedKeys)
	}
	now := p.cfg.Now()
	var keys []crypto.PublicKey
	level := ""
	userAuth := true
	for i, chain := range r.Chains {
		res, err := p.cfg.Android.Verify(ctx, chain, r.Challenge, now)
		if err != nil {
			return "", fmt.Errorf("%w: chain %d: %w", ErrEvidence, i, err)
		}
		l := p.cfg.Levels.TEE
		if res.KeyDescription.KeyMintSecurityLevel == android.StrongBox {
			l = p.cfg.Levels.StrongBox
		}
		if i > 0 && l != level {
			return "", fmt.Errorf("%w: chain %d is at another security level than chain 0", ErrEvidence, i)
		}
		level = l
		hw := res.KeyDescription.HardwareEnforced
		userAuth = userAuth && !hw.NoAuthRequired && hw.UserAuthType != nil
		keys = append(keys, res.PublicKey)
	}
	c := keyattest.Claims{
		IssuedAt: now, ExpiresAt: now.Add(p.cfg.Lifetime), Keys: keys,
		KeyStorage: []string{level}, Nonce: r.Nonce,
	}
	if userAuth && p.cfg.Levels.UserAuthentication != "" {
		c.UserAuthentication = []string{p.cfg.Levels.UserAuthentication}
	}
	return keyattest.Mint(p.cfg.Signer, p.cfg.Chain, c)
}
