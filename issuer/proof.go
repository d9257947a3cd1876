package issuer

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// Defaults of ProofConfig.
const (
	DefaultProofMaxAge    = 5 * time.Minute
	DefaultProofClockSkew = 60 * time.Second
	DefaultMaxProofBytes  = 16 << 10 // room for an x5c chain
	maxProofNonceBytes    = 512
	maxProofKidBytes      = 1024
)

// KeyResolver turns the kid of a key proof header (for example a DID URL)
// into the public key it names. Without one, proofs with kid are refused.
type KeyResolver interface {
	ResolveProofKey(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// ProofConfig configures a ProofChecker.
type ProofConfig struct {
	// CredentialIssuer is the Credential Issuer Identifier, the value the
	// aud claim must carry (Appendix F.1). REQUIRED.
	CredentialIssuer string
	// Algorithms is the allow-list of proof signing algorithms, the
	// proof_signing_alg_values_supported of the metadata (§12.2.4). Empty
	// means ES256 only. Allowed: ES256, ES384, ES512, EdDSA, PS256.
	Algorithms []string
	// Now is the clock. REQUIRED.
	Now func() time.Time
	// MaxAge is how old a proof's iat may be; zero means DefaultProofMaxAge.
	MaxAge time.Duration
	// ClockSkew is the tolerance for wallet clocks, both ways; zero means
	// DefaultProofClockSkew (§13.5 allows iat slightly in the future).
	ClockSkew time.Duration
	// RequireNonce is true when the issuer has a Nonce Endpoint: every
	// proof must then carry a c_nonce (Appendix F.1, §8.2).
	RequireNonce bool
	// Nonces consumes c_nonces; REQUIRED with RequireNonce.
	Nonces NonceStore
	// TrustRoots anchors x5c chains; nil refuses proofs with x5c.
	TrustRoots *x509.CertPool
	// Resolver resolves kid; nil refuses proofs with kid.
	Resolver KeyResolver
	// MaxProofs is the batch_size of batch_credential_issuance (§12.2.4);
	// zero means 1.
	MaxProofs int
	// MaxProofBytes bounds one proof JWT; zero means DefaultMaxProofBytes.
	MaxProofBytes int
	// ProofTypes are the accepted proof types (jwt, attestation,
	// android_keystore_attestation); empty means jwt only.
	ProofTypes []string
	// KeyAttestationRequired, when set, refuses keys without a key
	// attestation meeting it (key_attestations_required, Section 12.2.4):
	// a jwt proof must then carry key_attestation.
	KeyAttestationRequired *KeyAttestationRequirement
	// KeyAttestations verifies key attestation JWTs; nil refuses the
	// attestation proof type and key_attestation headers.
	KeyAttestations KeyAttestationVerifier
	// Android verifies android_keystore_attestation chains; nil refuses them.
	Android AndroidAttestationVerifier
}

// ProofKey is the holder key a verified proof binds a credential to.
type ProofKey struct {
	// PublicKey is *ecdsa.PublicKey, ed25519.PublicKey or *rsa.PublicKey;
	// an mdoc deviceKey takes the *ecdsa.PublicKey.
	PublicKey crypto.PublicKey
	// JWK is the public key with only its RFC 7638 members (kty, crv, x, y
	// or kty, n, e), ready for an SD-JWT VC cnf.jwk.
	JWK map[string]any
	// Thumbprint is the RFC 7638 SHA-256 JWK thumbprint, base64url.
	Thumbprint string
	// Alg is the algorithm the proof was signed with.
	Alg string
	// Kid is the header kid, when the key came from the resolver.
	Kid string
	// Chain is the x5c chain, leaf first, when the key came from x5c.
	Chain []*x509.Certificate
}

// ProofChecker verifies the jwt key proofs of a Credential Request
// (§8.2, Appendix F.1 and F.4). It is safe for concurrent use.
type ProofChecker struct {
	cfg  ProofConfig
	algs algAllowList
}

// NewProofChecker validates cfg and fills in its defaults.
func NewProofChecker(cfg ProofConfig) (*ProofChecker, error) {
	if err := oid4vci.ValidateCredentialIssuer(cfg.CredentialIssuer); err != nil {
		return nil, fmt.Errorf("%w: credential issuer: %w", ErrProofCheckerConfig, err)
	}
	algs, err := newAlgAllowList(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		return nil, fmt.Errorf("%w: Now (the clock) is required", ErrProofCheckerConfig)
	}
	if cfg.RequireNonce && cfg.Nonces == nil {
		return nil, fmt.Errorf("%w: RequireNonce needs a NonceStore", ErrProofCheckerConfig)
	}
	if cfg.MaxAge < 0 || cfg.ClockSkew < 0 || cfg.MaxProofs < 0 || cfg.MaxProofBytes < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrProofCheckerConfig)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultProofMaxAge
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultProofClockSkew
	}
	if cfg.MaxProofs == 0 {
		cfg.MaxProofs = 1
	}
	if cfg.MaxProofBytes == 0 {
		cfg.MaxProofBytes = DefaultMaxProofBytes
	}
	for _, t := range cfg.ProofTypes {
		switch t {
		case oid4vci.ProofTypeJWT:
		case oid4vci.ProofTypeAttestation:
			if cfg.KeyAttestations == nil {
				return nil, fmt.Errorf("%w: the attestation proof type needs a KeyAttestationVerifier", ErrProofCheckerConfig)
			}
		case oid4vci.ProofTypeAndroidKeystoreAttestation:
			if cfg.Android == nil {
				return nil, fmt.Errorf("%w: the android_keystore_attestation proof type needs an AndroidAttestationVerifier", ErrProofCheckerConfig)
			}
		default:
			return nil, fmt.Errorf("%w: proof type %q is not supported", ErrProofCheckerConfig, t)
		}
	}
	if cfg.KeyAttestationRequired != nil && cfg.KeyAttestations == nil && slices.Contains(cfg.ProofTypes, oid4vci.ProofTypeJWT) {
		return nil, fmt.Errorf("%w: requiring key attestations on jwt proofs needs a KeyAttestationVerifier", ErrProofCheckerConfig)
	}
	cfg.ProofTypes = slices.Clone(cfg.ProofTypes)
	return &ProofChecker{cfg: cfg, algs: algs}, nil
}

// Check verifies the proofs of a request whose access token came from
// anonymous pre-authorized access: no proof may carry iss (Appendix F.1).
// See CheckClient for the rest.
func (c *ProofChecker) Check(ctx context.Context, proofs []string) ([]ProofKey, error) {
	return c.CheckClient(ctx, "", proofs)
}

// CheckClient verifies the proofs of one Credential Request made by the
// client clientID ("" for anonymous access) and returns one key per proof,
// in order. Every proof is verified in full before the shared c_nonce is
// consumed, once, so a forged or stale proof never uses up a nonce.
//
// Errors are *oid4vci.Error values: invalid_proof for a malformed or
// unverifiable proof or a missing nonce, invalid_nonce for an unknown,
// used or expired c_nonce or for proofs carrying different nonces
// (§8.3.1.2). A NonceStore failure is returned as a plain wrapped error.
func (c *ProofChecker) CheckClient(ctx context.Context, clientID string, proofs []string) ([]ProofKey, error) {
	if len(proofs) == 0 {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "proofs is missing or empty")
	}
	if len(proofs) > c.cfg.MaxProofs {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "more than %d proofs (batch_size)", c.cfg.MaxProofs)
	}
	now := c.cfg.Now()
	keys := make([]ProofKey, 0, len(proofs))
	seen := make(map[string]int, len(proofs))
	nonce := ""
	for i, p := range proofs {
		key, n, ka, err := c.checkOne(ctx, clientID, p, now)
		if err != nil {
			return nil, proofError(i, len(proofs), err)
		}
		if ka == nil && c.cfg.KeyAttestationRequired != nil {
			return nil, oid4vci.WrapError(oid4vci.CodeInvalidProof, ErrKeyNotAccepted,
				fmt.Sprintf("proof %d: this credential requires an attested key: add a key_attestation header or use the attestation proof type", i))
		}
		bound := []ProofKey{key}
		if ka != nil {
			if bound, err = attestedKeys(ka); err != nil {
				return nil, proofError(i, len(proofs), err)
			}
		}
		for _, k := range bound {
			if j, dup := seen[k.Thumbprint]; dup {
				if ka != nil && j != i {
					// Proofs signed by keys of one attestation each
					// carry it: its keys are bound once.
					continue
				}
				return nil, oid4vci.WrapError(oid4vci.CodeInvalidProof, ErrDuplicateKey,
					fmt.Sprintf("proofs %d and %d name the same key", j, i))
			}
			seen[k.Thumbprint] = i
			keys = append(keys, k)
		}
		if len(keys) > c.cfg.MaxProofs {
			return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "the proofs bind %d keys, more than the batch size of %d", len(keys), c.cfg.MaxProofs)
		}
		// One request redeems one c_nonce (§7, §8.2): a batch whose
		// proofs carry different nonces cannot be matched to it.
		if c.cfg.RequireNonce {
			if i == 0 {
				nonce = n
			} else if n != nonce {
				return nil, oid4vci.WrapError(oid4vci.CodeInvalidNonce, ErrClaimInvalid,
					fmt.Sprintf("proof %d carries a different nonce than proof 0; all proofs of a request must use the same c_nonce", i))
			}
		}
	}
	if c.cfg.RequireNonce {
		if err := c.cfg.Nonces.ConsumeNonce(ctx, nonce, now); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, oid4vci.WrapError(oid4vci.CodeInvalidNonce, err,
					"c_nonce is unknown, expired or already used; fetch a new one from the Nonce Endpoint")
			}
			return nil, fmt.Errorf("issuer: consume c_nonce: %w", err)
		}
	}
	return keys, nil
}

// proofError turns a check failure into the protocol error, naming the
// proof when the request has several.
func proofError(i, n int, err error) error {
	var oe *oid4vci.Error
	if errors.As(err, &oe) {
		return err
	}
	desc := strings.TrimPrefix(err.Error(), "issuer: ")
	if n > 1 {
		desc = fmt.Sprintf("proof %d: %s", i, desc)
	}
	return oid4vci.WrapError(oid4vci.CodeInvalidProof, err, desc)
}
