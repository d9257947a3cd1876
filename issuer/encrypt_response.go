package issuer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/pramaan/pramaan/oid4vci"
)

// EncryptResponse encrypts a successful Credential or Deferred Credential
// Response body (the JSON claims set, §8.3, §9.2) to the wallet's
// credential_response_encryption (§8.2) as a compact JWE, to be sent with
// media type application/jwt (§10).
//
// Per §10 the JWE alg is the JWK's alg, which must be present, and the JWK's
// kid, when present, is repeated in the JWE header. The policy decides which
// alg (ECDH-ES on P-256, RSA-OAEP-256 of at least 2048 bits), enc and zip
// are accepted. Every refusal is an *oid4vci.Error with code
// invalid_encryption_parameters (§8.3.1.2) wrapping one of
// ErrEncryptionKeyInvalid or ErrEncryptionUnsupported; a failure inside the
// JOSE library wraps ErrEncryptionFailed and is not an *oid4vci.Error.
//
// Error responses are never encrypted (§8.3.1.2): call this only for a
// successful response; ResponseBody does the choice.
func EncryptResponse(payload []byte, enc oid4vci.ResponseEncryption, policy EncryptionPolicy) (string, error) {
	key, err := parseWalletKey(enc.JWK, policy)
	if err != nil {
		return "", err
	}
	contentEnc, err := responseContentEncryption(enc.Enc, policy)
	if err != nil {
		return "", err
	}
	deflate, err := responseDeflate(enc.Zip, policy)
	if err != nil {
		return "", err
	}

	headers := jwe.NewHeaders()
	if key.kid != "" {
		// §10: "If the selected public key contains a kid parameter, the
		// JWE MUST include the same value in the kid JWE Header Parameter."
		if err := headers.Set(jwe.KeyIDKey, key.kid); err != nil {
			return "", fmt.Errorf("%w: setting kid: %w", ErrEncryptionFailed, err)
		}
	}
	opts := []jwe.EncryptOption{
		jwe.WithKey(key.alg, key.key),
		jwe.WithContentEncryption(contentEnc),
		jwe.WithProtectedHeaders(headers),
		jwe.WithCompact(),
	}
	if deflate {
		opts = append(opts, jwe.WithCompress(jwa.Deflate()))
	}
	out, err := jwe.Encrypt(payload, opts...)
	if err != nil {
		return "", fmt.Errorf("%w: %s with %s: %w", ErrEncryptionFailed, key.alg, contentEnc, err)
	}
	return string(out), nil
}

// CheckResponseEncryption applies every check of EncryptResponse to a
// request's credential_response_encryption without encrypting anything,
// so that a request the issuer could not answer is refused before a
// c_nonce is spent or a credential signed. nil (no encryption asked) passes.
func CheckResponseEncryption(enc *oid4vci.ResponseEncryption, policy EncryptionPolicy) error {
	if enc == nil {
		return nil
	}
	if _, err := parseWalletKey(enc.JWK, policy); err != nil {
		return err
	}
	if _, err := responseContentEncryption(enc.Enc, policy); err != nil {
		return err
	}
	_, err := responseDeflate(enc.Zip, policy)
	return err
}

// ResponseBody returns the body and media type of a successful Credential
// or Deferred Credential Response: payload as application/json when enc is
// nil (§8.3: "If the Credential Response is not encrypted, the media type of
// the response MUST be set to application/json"), else the compact JWE as
// application/jwt (§10). Error responses never come here: they are never
// encrypted (§8.3.1.2).
func ResponseBody(payload []byte, enc *oid4vci.ResponseEncryption, policy EncryptionPolicy) (body []byte, mediaType string, err error) {
	if enc == nil {
		return payload, oid4vci.MediaTypeJSON, nil
	}
	compact, err := EncryptResponse(payload, *enc, policy)
	if err != nil {
		return nil, "", err
	}
	return []byte(compact), oid4vci.MediaTypeJWT, nil
}

// responseContentEncryption checks the requested enc against policy (§8.2
// enc REQUIRED; §12.2.4 enc_values_supported).
func responseContentEncryption(enc string, policy EncryptionPolicy) (jwa.ContentEncryptionAlgorithm, error) {
	allowed := policy.ResponseEncs()
	if enc == "" {
		return jwa.ContentEncryptionAlgorithm{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.enc is missing; supported: %s", strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, enc) {
		return jwa.ContentEncryptionAlgorithm{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.enc '%s' is not supported; supported: %s", enc, strings.Join(allowed, ", "))
	}
	alg, ok := jwa.LookupContentEncryptionAlgorithm(enc)
	if !ok {
		return jwa.ContentEncryptionAlgorithm{}, fmt.Errorf("%w: enc %s unknown to the JOSE library", ErrEncryptionFailed, enc)
	}
	return alg, nil
}

// responseDeflate checks zip (§8.2: "If absent then compression MUST not be
// used"; §12.2.4 zip_values_supported).
func responseDeflate(zip string, policy EncryptionPolicy) (bool, error) {
	switch {
	case zip == "":
		return false, nil
	case zip != oid4vci.ZipDeflate:
		return false, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.zip '%s' is not supported", zip)
	case !policy.responseDeflate:
		return false, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.zip 'DEF' is not supported by this issuer")
	}
	return true, nil
}
