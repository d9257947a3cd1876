package issuer

import (
	"github.com/pramaan/pramaan/oid4vci"
)

// RequireEncryptedRequest is the Credential (and Deferred Credential)
// endpoint's check, after decoding the request, that encryption was used
// where it must be. encrypted tells whether the request arrived as a JWE
// (application/jwt, decrypted by DecryptRequest); enc is the request's
// credential_response_encryption, nil when absent.
//
//   - §8.2: "Credential Request encryption MUST be used if the
//     credential_response_encryption parameter is included, to prevent it
//     being substituted by an attacker."
//   - §8.2, §12.2.4: with credential_request_encryption.encryption_required
//     true the wallet MUST encrypt; §10: "When encryption of a message was
//     required but the received message is unencrypted, it SHOULD be
//     rejected."
//
// Both refusals are invalid_encryption_parameters (§8.3.1.2) wrapping
// ErrEncryptionRequired, and like every error response they are sent
// unencrypted (§8.3.1.2: "Credential Error Responses are never
// encrypted"), even when enc is set.
func RequireEncryptedRequest(encrypted bool, enc *oid4vci.ResponseEncryption, policy EncryptionPolicy) error {
	if encrypted {
		return nil
	}
	if enc != nil {
		return invalidEncryption(ErrEncryptionRequired,
			"credential_response_encryption requires the credential request to be encrypted to credential_request_encryption.jwks")
	}
	if policy.RequestEncryptionRequired() {
		return invalidEncryption(ErrEncryptionRequired,
			"this issuer requires encrypted credential requests (credential_request_encryption.encryption_required)")
	}
	return nil
}

// RequireEncryptedResponse refuses a request without
// credential_response_encryption when the policy publishes
// credential_response_encryption.encryption_required true (§12.2.4: the
// wallet MUST then provide encryption keys; §8.3.1.2: the error is
// invalid_encryption_parameters when they are missing). It wraps
// ErrEncryptionRequired.
func RequireEncryptedResponse(enc *oid4vci.ResponseEncryption, policy EncryptionPolicy) error {
	if enc == nil && policy.ResponseEncryptionRequired() {
		return invalidEncryption(ErrEncryptionRequired,
			"this issuer requires encrypted credential responses: send credential_response_encryption")
	}
	return nil
}
