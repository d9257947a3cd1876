package oid4vci

import (
	"encoding/json"
	"strings"
)

// ProofJWTHeader is the JOSE header of a key proof JWT (Appendix F.1).
// Signature verification is the issuer's job; CheckHeader checks the rules
// that need no key.
type ProofJWTHeader struct {
	// Alg is an asymmetric signature algorithm, never none or a MAC. REQUIRED.
	Alg string `json:"alg"`
	// Typ is TypProofJWT. REQUIRED.
	Typ string `json:"typ"`
	// Kid is a key ID, e.g. a DID URL; exclusive with JWK and X5C.
	Kid string `json:"kid,omitempty"`
	// JWK is the public key to bind, as raw JSON; exclusive with Kid and X5C.
	JWK json.RawMessage `json:"jwk,omitempty"`
	// X5C is a certificate chain whose first entry holds the key; exclusive
	// with Kid and JWK.
	X5C []string `json:"x5c,omitempty"`
	// KeyAttestation is a key attestation JWT (Appendix D.1). OPTIONAL.
	KeyAttestation string `json:"key_attestation,omitempty"`
	// TrustChain is an OpenID Federation trust chain; requires Kid. OPTIONAL.
	TrustChain []string `json:"trust_chain,omitempty"`
}

// ProofJWTClaims is the payload of a key proof JWT (Appendix F.1).
type ProofJWTClaims struct {
	// Iss is the client_id; omitted after anonymous pre-authorized access. OPTIONAL.
	Iss string `json:"iss,omitempty"`
	// Aud is the Credential Issuer Identifier. REQUIRED.
	Aud string `json:"aud"`
	// Iat is the issue time in seconds since the epoch. REQUIRED.
	Iat int64 `json:"iat"`
	// Nonce is a c_nonce from the Nonce Endpoint; required when the issuer
	// has one.
	Nonce string `json:"nonce,omitempty"`
}

// KeyAttestationClaims is the payload of a key attestation JWT (Appendix D.1).
type KeyAttestationClaims struct {
	Iss                string            `json:"iss,omitempty"`
	Iat                int64             `json:"iat"`
	Exp                int64             `json:"exp,omitempty"`
	AttestedKeys       []json.RawMessage `json:"attested_keys"`
	KeyStorage         []string          `json:"key_storage,omitempty"`
	UserAuthentication []string          `json:"user_authentication,omitempty"`
	Certification      string            `json:"certification,omitempty"`
	Nonce              string            `json:"nonce,omitempty"`
	Status             json.RawMessage   `json:"status,omitempty"`
}

// IsAsymmetricSignatureAlg reports whether alg names an asymmetric JWS
// algorithm from RFC 7518 §3.1, RFC 8037 §3.1 or RFC 9864: not none and not
// a MAC, as Appendix F.1 and F.4 require. Which of them an issuer accepts
// is its proof_signing_alg_values_supported (§12.2.4).
func IsAsymmetricSignatureAlg(alg string) bool {
	switch alg {
	case "ES256", "ES384", "ES512", "ES256K",
		"PS256", "PS384", "PS512", "RS256", "RS384", "RS512",
		"EdDSA", "Ed25519", "Ed448":
		return true
	}
	return false
}

// CheckHeader checks the rules of Appendix F.1 and F.4 that need no key:
// typ is openid4vci-proof+jwt, alg is an asymmetric signature algorithm,
// at most one of kid, jwk and x5c is present and one key source is (a kid
// may point into key_attestation), the jwk carries no private part, and a
// trust_chain comes with a kid. Errors carry invalid_proof (§8.3.1.2).
func (h *ProofJWTHeader) CheckHeader() error {
	if h.Typ != TypProofJWT {
		return Errorf(CodeInvalidProof, "proof typ %s is not %s", printable(h.Typ, 64), TypProofJWT)
	}
	if !IsAsymmetricSignatureAlg(h.Alg) {
		return Errorf(CodeInvalidProof, "proof alg %s is not an asymmetric signature algorithm", printable(h.Alg, 32))
	}
	sources := 0
	if h.Kid != "" {
		sources++
	}
	if len(h.JWK) > 0 {
		sources++
	}
	if len(h.X5C) > 0 {
		sources++
	}
	if sources > 1 {
		return NewError(CodeInvalidProof, "proof header must carry only one of kid, jwk and x5c")
	}
	if sources == 0 {
		return NewError(CodeInvalidProof, "proof header carries none of kid, jwk and x5c")
	}
	if len(h.JWK) > 0 {
		m, err := asObject(h.JWK)
		if err != nil {
			return NewError(CodeInvalidProof, "proof jwk must be a JSON object")
		}
		for _, p := range jwkPrivateMembers {
			if _, ok := m[p]; ok {
				return NewError(CodeInvalidProof, "proof jwk carries a private key")
			}
		}
	}
	if len(h.TrustChain) > 0 && h.Kid == "" {
		return NewError(CodeInvalidProof, "proof trust_chain requires kid")
	}
	return nil
}

// IsDID reports whether the header's kid is a DID URL.
func (h *ProofJWTHeader) IsDID() bool { return strings.HasPrefix(h.Kid, "did:") }
