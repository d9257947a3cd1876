package sdjwt

import "errors"

// Sentinel errors. Every error returned by this package wraps one (or more)
// of these, with context naming the claim, disclosure or header at fault.
var (
	// ErrMalformed: the input is not well-formed (base64url, JSON, structure).
	ErrMalformed = errors.New("sdjwt: malformed input")
	// ErrTooLarge: a size, count or nesting-depth limit was exceeded.
	ErrTooLarge = errors.New("sdjwt: input exceeds a limit")
	// ErrAlgorithmNotAllowed: the JWS alg is none, a MAC, not on the
	// allow-list, or does not fit the key.
	ErrAlgorithmNotAllowed = errors.New("sdjwt: signature algorithm not allowed")
	// ErrSignature: a JWS signature did not verify.
	ErrSignature = errors.New("sdjwt: invalid signature")
	// ErrUntrustedKey: no trusted key could be found for the issuer.
	ErrUntrustedKey = errors.New("sdjwt: issuer key not trusted")
	// ErrIssuerMismatch: the issuer named by metadata or certificate is not
	// the iss of the SD-JWT.
	ErrIssuerMismatch = errors.New("sdjwt: issuer mismatch")
	// ErrUnsupportedHash: _sd_alg names a hash function that is not supported.
	ErrUnsupportedHash = errors.New("sdjwt: unsupported _sd_alg")
	// ErrDigestNotUnique: a digest appears more than once (RFC 9901 Section 7.1 step 4).
	ErrDigestNotUnique = errors.New("sdjwt: digest not unique")
	// ErrDisclosureUnreferenced: a disclosure is referenced by no digest (Section 7.1 step 5).
	ErrDisclosureUnreferenced = errors.New("sdjwt: disclosure not referenced")
	// ErrDisclosureReused: the same disclosure is presented more than once.
	ErrDisclosureReused = errors.New("sdjwt: disclosure presented more than once")
	// ErrDisclosureMismatch: an object-property disclosure was referenced from
	// an array element or an array-element disclosure from an _sd array.
	ErrDisclosureMismatch = errors.New("sdjwt: disclosure kind does not fit its position")
	// ErrReservedName: a disclosure uses the claim name _sd or "...".
	ErrReservedName = errors.New("sdjwt: reserved claim name in disclosure")
	// ErrClaimExists: a disclosed claim name already exists in its object.
	ErrClaimExists = errors.New("sdjwt: disclosed claim already exists")
	// ErrKeyBinding: the key binding JWT is missing, of the wrong type, or
	// cannot be checked (no cnf key).
	ErrKeyBinding = errors.New("sdjwt: key binding failed")
	// ErrAudience: the KB-JWT aud is not the expected audience.
	ErrAudience = errors.New("sdjwt: wrong audience")
	// ErrNonce: the KB-JWT nonce is not the expected nonce.
	ErrNonce = errors.New("sdjwt: wrong nonce")
	// ErrSDHash: the KB-JWT sd_hash does not match the presentation.
	ErrSDHash = errors.New("sdjwt: sd_hash mismatch")
	// ErrStale: the KB-JWT iat is older than the allowed age.
	ErrStale = errors.New("sdjwt: key binding JWT too old")
	// ErrExpired: exp is in the past.
	ErrExpired = errors.New("sdjwt: expired")
	// ErrNotYetValid: nbf or iat is in the future.
	ErrNotYetValid = errors.New("sdjwt: not yet valid")
	// ErrType: the typ header is not the one required.
	ErrType = errors.New("sdjwt: wrong typ header")
	// ErrMissingClaim: a required claim is absent or of the wrong type.
	ErrMissingClaim = errors.New("sdjwt: required claim missing")
	// ErrNotDisclosable: a claim that must not be selectively disclosable is
	// (SD-JWT VC draft 18 Section 2.2.2.3), or a frame asks for it.
	ErrNotDisclosable = errors.New("sdjwt: claim must not be selectively disclosable")
	// ErrInvalidClaims: the claims or frame given to the issuer are unusable.
	ErrInvalidClaims = errors.New("sdjwt: invalid claims for issuance")
	// ErrUnknownPath: a presentation path names no claim of the SD-JWT.
	ErrUnknownPath = errors.New("sdjwt: no claim at path")
	// ErrConfig: the Issuer or Verifier is misconfigured.
	ErrConfig = errors.New("sdjwt: invalid configuration")
)
