package issuer

import "errors"

// Causes wrapped by the *oid4vci.Error values that ProofChecker and
// DPoPChecker return. The protocol code (invalid_proof, invalid_nonce,
// invalid_dpop_proof, use_dpop_nonce) is what a client sees; these let a
// caller or a log tell the kinds of failure apart with errors.Is.
var (
	// ErrMalformedJWT: not a compact JWS of three base64url parts with JSON
	// objects for header and payload, over the size limit, or a member of
	// the wrong type.
	ErrMalformedJWT = errors.New("issuer: malformed JWT")
	// ErrAlgorithmNotAllowed: alg is none, a MAC, or not on the allow-list.
	ErrAlgorithmNotAllowed = errors.New("issuer: signature algorithm not allowed")
	// ErrKeyNotAccepted: the header names no usable public key (a private
	// or symmetric JWK, a key that does not fit alg, a certificate chain
	// that does not reach a trust root, a kid without a resolver).
	ErrKeyNotAccepted = errors.New("issuer: proof key not accepted")
	// ErrSignatureInvalid: the signature does not verify with the key the
	// header names.
	ErrSignatureInvalid = errors.New("issuer: signature does not verify")
	// ErrClaimInvalid: a claim is missing or has the wrong value (aud,
	// iat, iss, htm, htu, ath, jti, nonce).
	ErrClaimInvalid = errors.New("issuer: claim invalid")
	// ErrDuplicateKey: two proofs of one batch name the same key.
	ErrDuplicateKey = errors.New("issuer: same key in two proofs")
)

// ErrProofCheckerConfig is wrapped by the errors of NewProofChecker and
// NewDPoPChecker for an unusable configuration.
var ErrProofCheckerConfig = errors.New("issuer: invalid proof checker configuration")
