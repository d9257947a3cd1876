package issuer

import (
	"context"
	"crypto"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// checkOne verifies one proof JWT without touching the NonceStore and
// returns its key and nonce. The checks are those of Appendix F.4, in an
// order where nothing about the key is trusted before the header passes
// and no claim is read before the signature verifies.
func (c *ProofChecker) checkOne(ctx context.Context, clientID, token string, now time.Time) (ProofKey, string, *KeyAttestation, error) {
	jwt, err := parseCompactJWS(token, c.cfg.MaxProofBytes)
	if err != nil {
		return ProofKey{}, "", nil, err
	}
	// Appendix F.1: typ openid4vci-proof+jwt; alg asymmetric, never none
	// or a MAC, and one of proof_signing_alg_values_supported.
	alg, err := jwt.checkCommonHeader(oid4vci.TypProofJWT, c.algs)
	if err != nil {
		return ProofKey{}, "", nil, err
	}
	var ka *KeyAttestation
	if jwt.header.has("key_attestation") {
		token, _, err := jwt.header.str("key_attestation")
		if err != nil || token == "" {
			return ProofKey{}, "", nil, fmt.Errorf("%w: key_attestation must be a key attestation JWT", ErrMalformedJWT)
		}
		if ka, err = c.verifyKeyAttestation(ctx, token, true); err != nil {
			return ProofKey{}, "", nil, err
		}
	}
	var key ProofKey
	if pub, ok := attestedKid(jwt.header, ka); ok {
		k, err := publicKeyInfo(alg, pub)
		if err != nil {
			return ProofKey{}, "", nil, err
		}
		key = ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg}
	} else if key, err = c.headerKey(ctx, jwt.header, alg, now); err != nil {
		return ProofKey{}, "", nil, err
	}
	// Appendix F.1: the proof is signed by one of the attested keys.
	if ka != nil && !containsKey(ka.Keys, key.PublicKey) {
		return ProofKey{}, "", nil, fmt.Errorf("%w: the proof key is not one of the key attestation's attested_keys", ErrKeyNotAccepted)
	}
	// Appendix F.1: the JWT is signed by the key the header identifies.
	if err := jwt.verifySignature(alg, key.PublicKey); err != nil {
		return ProofKey{}, "", nil, err
	}
	nonce, err := c.checkClaims(jwt.payload, clientID, now)
	if err != nil {
		return ProofKey{}, "", nil, err
	}
	// Appendix F.1: with a c_nonce, the key attestation's nonce MUST be set
	// to it; the proof carries the same c_nonce.
	if ka != nil && c.cfg.RequireNonce && ka.Nonce != nonce {
		return ProofKey{}, "", nil, fmt.Errorf("%w: the key attestation's nonce is not the proof's c_nonce", ErrClaimInvalid)
	}
	return key, nonce, ka, nil
}

// attestedKid resolves a kid that indexes the key attestation's
// attested_keys.
func attestedKid(h joseObject, ka *KeyAttestation) (crypto.PublicKey, bool) {
	if ka == nil || !h.has("kid") || h.has("jwk") || h.has("x5c") {
		return nil, false
	}
	kid, _, err := h.str("kid")
	if err != nil {
		return nil, false
	}
	return attestedKeyIndex(kid, ka)
}

// headerKey finds the key of a proof header: exactly one of kid, jwk and
// x5c (Appendix F.1: each MUST NOT be present with another).
func (c *ProofChecker) headerKey(ctx context.Context, h joseObject, alg string, now time.Time) (ProofKey, error) {
	sources := 0
	for _, m := range [...]string{"kid", "jwk", "x5c"} {
		if h.has(m) {
			sources++
		}
	}
	switch {
	case sources == 0:
		return ProofKey{}, fmt.Errorf("%w: header carries none of kid, jwk and x5c", ErrKeyNotAccepted)
	case sources > 1:
		return ProofKey{}, fmt.Errorf("%w: header must carry only one of kid, jwk and x5c", ErrMalformedJWT)
	}
	switch {
	case h.has("jwk"):
		k, err := parsePublicJWK(h["jwk"], alg)
		if err != nil {
			return ProofKey{}, err
		}
		return ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg}, nil
	case h.has("x5c"):
		x5c, _, err := h.strings("x5c", maxX5CCerts)
		if err != nil {
			return ProofKey{}, fmt.Errorf("%w: %v", ErrMalformedJWT, err)
		}
		chain, err := verifyX5C(x5c, c.cfg.TrustRoots, now)
		if err != nil {
			return ProofKey{}, err
		}
		k, err := publicKeyInfo(alg, chain[0].PublicKey)
		if err != nil {
			return ProofKey{}, err
		}
		return ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg, Chain: chain}, nil
	default:
		kid, _, err := h.str("kid")
		if err != nil || kid == "" || len(kid) > maxProofKidBytes {
			return ProofKey{}, fmt.Errorf("%w: kid must be a non-empty string of at most %d bytes", ErrMalformedJWT, maxProofKidBytes)
		}
		if c.cfg.Resolver == nil {
			return ProofKey{}, fmt.Errorf("%w: kid is not accepted by this issuer; send the key in jwk", ErrKeyNotAccepted)
		}
		pub, err := c.cfg.Resolver.ResolveProofKey(ctx, kid)
		if err != nil {
			return ProofKey{}, fmt.Errorf("%w: kid does not resolve: %v", ErrKeyNotAccepted, err)
		}
		k, err := publicKeyInfo(alg, pub)
		if err != nil {
			return ProofKey{}, err
		}
		return ProofKey{PublicKey: k.pub, JWK: k.jwk, Thumbprint: k.thumbprint, Alg: alg, Kid: kid}, nil
	}
}

// checkClaims checks the claims of a verified proof (Appendix F.1) and
// returns its nonce.
func (c *ProofChecker) checkClaims(payload []byte, clientID string, now time.Time) (string, error) {
	claims, err := decodeJOSEObject(payload)
	if err != nil {
		return "", fmt.Errorf("%w: claims: %v", ErrMalformedJWT, err)
	}
	// aud: REQUIRED (string), the Credential Issuer Identifier. The
	// specification types it as a string, so an array is refused.
	aud, present, err := claims.str("aud")
	if err != nil {
		return "", fmt.Errorf("%w: aud must be a single string, the Credential Issuer Identifier", ErrClaimInvalid)
	}
	if !present || aud != c.cfg.CredentialIssuer {
		return "", fmt.Errorf("%w: aud must be the Credential Issuer Identifier %s", ErrClaimInvalid, c.cfg.CredentialIssuer)
	}
	// iat: REQUIRED; §13.5 allows a little future skew.
	iat, present, err := claims.numericDate("iat")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrClaimInvalid, err)
	}
	if !present {
		return "", fmt.Errorf("%w: iat is missing", ErrClaimInvalid)
	}
	if err := checkIssuedAt(iat, now, c.cfg.MaxAge, c.cfg.ClockSkew); err != nil {
		return "", err
	}
	// RFC 7519 §4.1.4: never accept a JWT after its exp.
	if exp, present, err := claims.numericDate("exp"); err != nil {
		return "", fmt.Errorf("%w: %v", ErrClaimInvalid, err)
	} else if present && !now.Before(exp.Add(c.cfg.ClockSkew)) {
		return "", fmt.Errorf("%w: the proof has expired (exp)", ErrClaimInvalid)
	}
	// iss: the client_id; omitted after anonymous pre-authorized access.
	iss, present, err := claims.str("iss")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrClaimInvalid, err)
	}
	switch {
	case clientID == "" && present:
		return "", fmt.Errorf("%w: iss must be omitted after anonymous pre-authorized access", ErrClaimInvalid)
	case clientID != "" && present && iss != clientID:
		return "", fmt.Errorf("%w: iss is not the client_id of the access token", ErrClaimInvalid)
	}
	nonce, present, err := claims.str("nonce")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrClaimInvalid, err)
	}
	if c.cfg.RequireNonce {
		// §8.3.1.2 invalid_proof case (3): a proof without a c_nonce.
		if !present || nonce == "" {
			return "", fmt.Errorf("%w: nonce is missing; fetch a c_nonce from the Nonce Endpoint", ErrClaimInvalid)
		}
		if len(nonce) > maxProofNonceBytes {
			return "", oid4vci.WrapError(oid4vci.CodeInvalidNonce, ErrClaimInvalid, "nonce is not a c_nonce of this issuer")
		}
	}
	return nonce, nil
}

// checkIssuedAt accepts iat in [now - maxAge - skew, now + skew].
func checkIssuedAt(iat, now time.Time, maxAge, skew time.Duration) error {
	if iat.After(now.Add(skew)) {
		return fmt.Errorf("%w: iat is in the future", ErrClaimInvalid)
	}
	if iat.Before(now.Add(-maxAge - skew)) {
		return fmt.Errorf("%w: iat is older than %s", ErrClaimInvalid, maxAge)
	}
	return nil
}
