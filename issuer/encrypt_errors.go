package issuer

import "errors"

// Causes wrapped by the *oid4vci.Error values that EncryptResponse,
// DecryptRequest, RequireEncryptedRequest and RequireEncryptedResponse
// return. errors.Is(err, oid4vci.CodeInvalidEncryptionParameters) tests the
// protocol code; these tell the reasons apart for logs, metrics and the
// HTTP status (ErrEncryptedRequestTooLarge also wraps oid4vci.ErrTooLarge).
var (
	// ErrEncryptionUnsupported: an alg, enc, zip, key type or curve the
	// policy does not allow.
	ErrEncryptionUnsupported = errors.New("issuer: encryption parameters not supported")
	// ErrEncryptionKeyInvalid: the wallet's JWK is malformed, private, too
	// weak, or unusable for encryption.
	ErrEncryptionKeyInvalid = errors.New("issuer: encryption key invalid")
	// ErrEncryptionRequired: a message that must be encrypted was not.
	ErrEncryptionRequired = errors.New("issuer: encryption required")
	// ErrUnknownRequestKey: an encrypted request names a kid that is not
	// the issuer's request key.
	ErrUnknownRequestKey = errors.New("issuer: encrypted request for an unknown key")
	// ErrMalformedJWE: an encrypted request is not a well-formed compact JWE.
	ErrMalformedJWE = errors.New("issuer: malformed JWE")
	// ErrDecryptionFailed: the JWE did not decrypt (wrong key, altered
	// ciphertext or tag, corrupt compressed payload).
	ErrDecryptionFailed = errors.New("issuer: JWE decryption failed")
	// ErrEncryptedRequestTooLarge: the JWE, or its decrypted or decompressed
	// payload, exceeds the policy's limit.
	ErrEncryptedRequestTooLarge = errors.New("issuer: encrypted request too large")
	// ErrEncryptionFailed: encrypting a response failed inside the JOSE
	// library; this is the issuer's fault, not the wallet's.
	ErrEncryptionFailed = errors.New("issuer: response encryption failed")
)
