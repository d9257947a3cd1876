// Package provider is a wallet provider's key attestation service: it
// checks the platform evidence a wallet instance gives for its keys (an
// Android KeyStore attestation chain per key, or a TPM 2.0 certification
// per key by an attestation key enrolled earlier) and, when the evidence
// holds, mints the key-attestation+jwt of OpenID4VCI 1.0 Appendix D that
// issuers verify against the provider's CA (HAIP 1.0 "Key Attestation": x5c
// without the anchor, signing certificate not self-signed).
//
// The Android checks are attestation/android's, under the provider's
// policy (which pins the provider's own wallet app and signing
// certificates). The challenge of the Android chains is a nonce the
// provider handed out; the c_nonce of the issuer goes into the minted JWT.
//
// The TPM checks are attestation/tpm's: enrollment (EK certificate against
// the configured TPM-vendor roots, credential activation of the AK) once
// per installation, then TPM2_Certify of each key with the provider's
// nonce as qualifying data. The EK never reaches an issuer.
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

	"github.com/google/go-attestation/attest"
	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/attestation/tpm"
)

// Levels maps the evidence to Appendix D.2 values.
type Levels struct {
	StrongBox, TEE string
	// TPM is the level of a key certified by an enrolled TPM.
	TPM string
	// UserAuthentication is asserted for keys that require user
	// authentication per use or within a timeout; empty asserts nothing.
	UserAuthentication string
}

// DefaultLevels is StrongBox → iso_18045_high, TEE → iso_18045_moderate,
// TPM → iso_18045_moderate (TPMs are certified against AVA_VAN.4),
// user-authenticated keys → iso_18045_moderate.
func DefaultLevels() Levels {
	return Levels{StrongBox: keyattest.LevelHigh, TEE: keyattest.LevelModerate, TPM: keyattest.LevelModerate, UserAuthentication: keyattest.LevelModerate}
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
	// TPM verifies TPM key certifications; nil refuses TPM evidence.
	TPM *tpm.Verifier
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
	if cfg.TPM != nil && cfg.Levels.TPM == "" {
		return nil, errors.New("provider: TPM evidence needs a TPM level (Levels.TPM)")
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

// TPMRequest is a wallet instance's TPM evidence: one TPM2_Certify per key
// by the attestation key the provider enrolled for this installation.
type TPMRequest struct {
	// AK is the enrolled attestation key's TPMT_PUBLIC, from the
	// provider's own enrollment record (tpm.AK.Public), never from the
	// wallet's request.
	AK []byte
	// Certifications of the keys, in order (attest.Key.CertificationParameters()).
	Certifications []attest.CertificationParameters
	// Challenge is the provider nonce the keys were certified with.
	Challenge []byte
	// Nonce is the issuer's c_nonce to put in the attestation.
	Nonce string
}

// AttestTPM verifies every certification and mints one attestation of all
// the keys, at Levels.TPM.
func (p *Provider) AttestTPM(_ context.Context, r TPMRequest) (string, error) {
	if p.cfg.TPM == nil {
		return "", fmt.Errorf("%w: this provider takes no TPM evidence", ErrEvidence)
	}
	if len(r.Certifications) == 0 || len(r.Certifications) > keyattest.MaxAttestedKeys {
		return "", fmt.Errorf("%w: 1 to %d certifications", ErrEvidence, keyattest.MaxAttestedKeys)
	}
	keys := make([]crypto.PublicKey, 0, len(r.Certifications))
	for i, c := range r.Certifications {
		k, err := p.cfg.TPM.VerifyKey(r.AK, c, r.Challenge)
		if err != nil {
			return "", fmt.Errorf("%w: certification %d: %w", ErrEvidence, i, err)
		}
		for j, prev := range keys {
			if k.PublicKey.Equal(prev) {
				return "", fmt.Errorf("%w: certifications %d and %d are of one key", ErrEvidence, j, i)
			}
		}
		keys = append(keys, k.PublicKey)
	}
	now := p.cfg.Now()
	return keyattest.Mint(p.cfg.Signer, p.cfg.Chain, keyattest.Claims{
		IssuedAt: now, ExpiresAt: now.Add(p.cfg.Lifetime), Keys: keys,
		KeyStorage: []string{p.cfg.Levels.TPM}, Nonce: r.Nonce,
	})
}
