package issuer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// KeyAttestationVerifier verifies a key attestation JWT (Appendix D.1:
// typ key-attestation+jwt) and returns what it attests. The issuer checks
// the nonce, the requirement levels and the proof key itself;
// attestation/keyattest provides the implementation.
type KeyAttestationVerifier interface {
	VerifyKeyAttestation(ctx context.Context, token string, check KeyAttestationCheck) (*KeyAttestation, error)
}

// KeyAttestationCheck is what the caller asks of a key attestation.
type KeyAttestationCheck struct {
	// RequireExp is set inside a jwt proof (Appendix D.1: exp is REQUIRED
	// when the key attestation is used inside a jwt proof).
	RequireExp bool
	// Algorithms is the proof_signing_alg_values_supported the attestation's
	// alg must be one of (Appendix F.1, F.3).
	Algorithms []string
}

// KeyAttestation is a verified key attestation.
type KeyAttestation struct {
	Keys               []crypto.PublicKey
	KeyStorage         []string
	UserAuthentication []string
	// Nonce is the attestation's nonce claim, "" when absent.
	Nonce string
}

// AndroidAttestationVerifier verifies one Android KeyStore attestation
// chain (DER, leaf first) as of at, against the challenge the chain itself
// carries, and returns the attested key and that challenge. The issuer
// then requires the challenge to be a c_nonce it issued, and consumes it;
// attestation/android provides the implementation.
type AndroidAttestationVerifier interface {
	VerifyAndroidChain(ctx context.Context, chain [][]byte, at time.Time) (key crypto.PublicKey, challenge []byte, err error)
}

// KeyAttestationRequirement is a configuration's key_attestations_required
// (Section 12.2.4): an accepted key attestation must list at least one of
// the KeyStorage values (when any are given) and one of the
// UserAuthentication values (when any are given).
type KeyAttestationRequirement struct {
	KeyStorage         []string
	UserAuthentication []string
}

// satisfiedBy reports whether an attestation meets the requirement.
func (r *KeyAttestationRequirement) satisfiedBy(ka *KeyAttestation) error {
	if len(r.KeyStorage) > 0 && !slices.ContainsFunc(ka.KeyStorage, func(v string) bool { return slices.Contains(r.KeyStorage, v) }) {
		return fmt.Errorf("%w: the key attestation's key_storage %v meets none of %v", ErrKeyNotAccepted, limitList(ka.KeyStorage), r.KeyStorage)
	}
	if len(r.UserAuthentication) > 0 && !slices.ContainsFunc(ka.UserAuthentication, func(v string) bool { return slices.Contains(r.UserAuthentication, v) }) {
		return fmt.Errorf("%w: the key attestation's user_authentication %v meets none of %v", ErrKeyNotAccepted, limitList(ka.UserAuthentication), r.UserAuthentication)
	}
	return nil
}

func limitList(v []string) []string {
	out := make([]string, 0, min(len(v), 4))
	for i, s := range v {
		if i == 4 {
			break
		}
		if len(s) > 64 {
			s = s[:64] + "…"
		}
		out = append(out, s)
	}
	return out
}

// acceptsType reports whether the configuration accepts a proof type.
func (c *ProofChecker) acceptsType(t string) bool {
	if len(c.cfg.ProofTypes) == 0 {
		return t == oid4vci.ProofTypeJWT
	}
	return slices.Contains(c.cfg.ProofTypes, t)
}

// CheckProofs verifies the proofs of a Credential Request of any accepted
// proof type and returns the keys to bind, one credential each:
//   - jwt: one key per proof (Appendix F.1); a proof carrying a
//     key_attestation header is signed by one of its attested keys, and
//     every attested key is returned (Appendix F.1: the issuer SHOULD issue
//     a Credential for each key in attested_keys);
//   - attestation: the one key attestation's attested keys (Appendix F.3);
//   - android_keystore_attestation: one key per chain, each chain's
//     challenge being the same c_nonce.
//
// With a KeyAttestationRequired, a jwt proof without key_attestation is
// refused. The c_nonce is consumed once, after every proof verified.
func (c *ProofChecker) CheckProofs(ctx context.Context, clientID string, p *oid4vci.Proofs) ([]ProofKey, error) {
	if p == nil || p.Len() == 0 {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "proofs is missing or empty")
	}
	t := p.Type()
	if !c.acceptsType(t) {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "proof type %s is not accepted for this credential; accepted: %s", t, strings.Join(c.acceptedTypes(), ", "))
	}
	switch t {
	case oid4vci.ProofTypeJWT:
		return c.CheckClient(ctx, clientID, p.JWT)
	case oid4vci.ProofTypeAttestation:
		return c.checkAttestationProof(ctx, p.Attestation[0])
	case oid4vci.ProofTypeAndroidKeystoreAttestation:
		return c.checkAndroidProofs(ctx, p.AndroidKeystoreAttestation)
	}
	return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "proof type %s is not supported", t)
}

func (c *ProofChecker) acceptedTypes() []string {
	if len(c.cfg.ProofTypes) == 0 {
		return []string{oid4vci.ProofTypeJWT}
	}
	return c.cfg.ProofTypes
}

// verifyKeyAttestation verifies a key attestation and the configuration's
// requirement on it.
func (c *ProofChecker) verifyKeyAttestation(ctx context.Context, token string, inJWT bool) (*KeyAttestation, error) {
	if c.cfg.KeyAttestations == nil {
		return nil, fmt.Errorf("%w: key attestations are not accepted by this issuer", ErrKeyNotAccepted)
	}
	ka, err := c.cfg.KeyAttestations.VerifyKeyAttestation(ctx, token, KeyAttestationCheck{RequireExp: inJWT, Algorithms: c.algs.names()})
	if err != nil {
		return nil, fmt.Errorf("%w: key attestation: %w", ErrKeyNotAccepted, err)
	}
	if len(ka.Keys) == 0 {
		return nil, fmt.Errorf("%w: the key attestation attests no key", ErrKeyNotAccepted)
	}
	if r := c.cfg.KeyAttestationRequired; r != nil {
		if err := r.satisfiedBy(ka); err != nil {
			return nil, err
		}
	}
	return ka, nil
}

// attestedKeys turns the keys of a key attestation into ProofKeys.
func attestedKeys(ka *KeyAttestation) ([]ProofKey, error) {
	out := make([]ProofKey, 0, len(ka.Keys))
	for i, pub := range ka.Keys {
		alg, ok := algForKey(pub)
		if !ok {
			return nil, fmt.Errorf("%w: attested key %d is of an unsupported type", ErrKeyNotAccepted, i)
		}
		k, err := publicKeyInfo(alg, pub)
		if err != nil {
			return nil, err
		}
		out = append(out, ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg})
	}
	return out, nil
}

// algForKey names the JWS algorithm a key signs with.
func algForKey(pub crypto.PublicKey) (string, bool) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", true
		case elliptic.P384():
			return "ES384", true
		case elliptic.P521():
			return "ES512", true
		}
	case ed25519.PublicKey:
		return "EdDSA", true
	case *rsa.PublicKey:
		return "PS256", true
	}
	return "", false
}

// attestedKeyIndex resolves the kid of a jwt proof carrying a
// key_attestation: the index of one of its attested_keys (the Appendix D.1
// example's "kid": "0").
func attestedKeyIndex(kid string, ka *KeyAttestation) (crypto.PublicKey, bool) {
	i, err := strconv.Atoi(kid)
	if err != nil || i < 0 || i >= len(ka.Keys) || strconv.Itoa(i) != kid {
		return nil, false
	}
	return ka.Keys[i], true
}

// containsKey reports whether keys holds pub.
func containsKey(keys []crypto.PublicKey, pub crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	for _, k := range keys {
		if e, ok := k.(equaler); ok && e.Equal(pub) {
			return true
		}
	}
	return false
}

// checkAttestationProof verifies the attestation proof type (Appendix
// F.3): no proof of possession; the nonce is the c_nonce.
func (c *ProofChecker) checkAttestationProof(ctx context.Context, token string) ([]ProofKey, error) {
	if len(token) > c.cfg.MaxProofBytes {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "the key attestation exceeds %d bytes", c.cfg.MaxProofBytes)
	}
	ka, err := c.verifyKeyAttestation(ctx, token, false)
	if err != nil {
		return nil, proofError(0, 1, err)
	}
	keys, err := attestedKeys(ka)
	if err != nil {
		return nil, proofError(0, 1, err)
	}
	if len(keys) > c.cfg.MaxProofs {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "the key attestation attests %d keys, more than the batch size of %d", len(keys), c.cfg.MaxProofs)
	}
	// Appendix F.3: with a Nonce Endpoint, the c_nonce MUST be in the key
	// attestation's nonce.
	if err := c.consumeNonce(ctx, ka.Nonce, "the key attestation"); err != nil {
		return nil, err
	}
	return keys, nil
}

// checkAndroidProofs verifies android_keystore_attestation chains: each
// genuine, each one key, all with the same challenge, which must be an
// unused c_nonce.
func (c *ProofChecker) checkAndroidProofs(ctx context.Context, chains [][]string) ([]ProofKey, error) {
	if c.cfg.Android == nil {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidProof, "android_keystore_attestation is not accepted by this issuer")
	}
	if len(chains) > c.cfg.MaxProofs {
		return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "more than %d proofs (batch_size)", c.cfg.MaxProofs)
	}
	now := c.cfg.Now()
	keys := make([]ProofKey, 0, len(chains))
	seen := make(map[string]int, len(chains))
	var nonce []byte
	for i, b64 := range chains {
		total := 0
		chain := make([][]byte, 0, len(b64))
		for j, s := range b64 {
			total += len(s)
			if total > c.cfg.MaxProofBytes {
				return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "android_keystore_attestation[%d] exceeds %d bytes", i, c.cfg.MaxProofBytes)
			}
			der, err := base64.StdEncoding.Strict().DecodeString(s)
			if err != nil {
				return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "android_keystore_attestation[%d][%d] is not base64", i, j)
			}
			chain = append(chain, der)
		}
		pub, challenge, err := c.cfg.Android.VerifyAndroidChain(ctx, chain, now)
		if err != nil {
			return nil, oid4vci.WrapError(oid4vci.CodeInvalidProof, fmt.Errorf("%w: %w", ErrKeyNotAccepted, err),
				fmt.Sprintf("android_keystore_attestation[%d]: %s", i, strings.TrimPrefix(err.Error(), "android: ")))
		}
		if i == 0 {
			nonce = challenge
		} else if string(challenge) != string(nonce) {
			return nil, oid4vci.Errorf(oid4vci.CodeInvalidNonce, "android_keystore_attestation[%d] carries a different challenge than chain 0; all chains of a request must use the same c_nonce", i)
		}
		alg, ok := algForKey(pub)
		if !ok {
			return nil, oid4vci.Errorf(oid4vci.CodeInvalidProof, "android_keystore_attestation[%d]: the attested key is of an unsupported type", i)
		}
		k, err := publicKeyInfo(alg, pub)
		if err != nil {
			return nil, proofError(i, len(chains), err)
		}
		if j, dup := seen[k.thumbprint]; dup {
			return nil, oid4vci.WrapError(oid4vci.CodeInvalidProof, ErrDuplicateKey, fmt.Sprintf("chains %d and %d attest the same key", j, i))
		}
		seen[k.thumbprint] = i
		keys = append(keys, ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg})
	}
	// The attestation challenge is the c_nonce (Google: "Verify that the
	// attestationChallenge field in the extension matches the c_nonce").
	if err := c.consumeNonce(ctx, string(nonce), "the attestation challenge"); err != nil {
		return nil, err
	}
	return keys, nil
}

// consumeNonce redeems the c_nonce an attestation carries.
func (c *ProofChecker) consumeNonce(ctx context.Context, nonce, where string) error {
	if !c.cfg.RequireNonce {
		return nil
	}
	if nonce == "" {
		return oid4vci.Errorf(oid4vci.CodeInvalidProof, "%s carries no nonce; fetch a c_nonce from the Nonce Endpoint", where)
	}
	if len(nonce) > maxProofNonceBytes {
		return oid4vci.Errorf(oid4vci.CodeInvalidNonce, "%s does not carry a c_nonce of this issuer", where)
	}
	if err := c.cfg.Nonces.ConsumeNonce(ctx, nonce, c.cfg.Now()); err != nil {
		if errors.Is(err, ErrNotFound) {
			return oid4vci.WrapError(oid4vci.CodeInvalidNonce, err, "c_nonce is unknown, expired or already used; fetch a new one from the Nonce Endpoint")
		}
		return fmt.Errorf("issuer: consume c_nonce: %w", err)
	}
	return nil
}
