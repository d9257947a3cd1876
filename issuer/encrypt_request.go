package issuer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/oid4vci"
)

// DecryptRequest decrypts an encrypted Credential or Deferred Credential
// Request (§8.2, §9.1, §10): a compact JWE sent with media type
// application/jwt, encrypted with ECDH-ES to the issuer's request key
// (credential_request_encryption.jwks, §12.2.4). It returns the plaintext,
// the JSON claims set of the request, for oid4vci.ParseCredentialRequest.
//
// Checks, in order, before any key agreement: the size limit; the compact
// serialization (five base64url parts, an empty encrypted key as ECDH-ES
// direct requires, RFC 7518 §4.6); a strict protected header; no crit
// (RFC 7516 §4.1.13: no extension is understood here); alg ECDH-ES (§10:
// the JWE alg equals the JWK's alg); kid, when present, the request key's
// (§10); enc and zip as the policy publishes (§12.2.4); epk an EC P-256
// public key. Decompression of a DEF payload stops at the policy's
// plaintext limit.
//
// Error codes. OpenID4VCI 1.0 names no code for an undecryptable request, so
// the two §8.3.1.2 codes are split by what went wrong:
//   - invalid_encryption_parameters when the request's encryption choices
//     are not the ones the issuer publishes (alg, enc, zip, kid, crit,
//     epk curve): the wallet should re-read credential_request_encryption;
//   - invalid_credential_request ("otherwise malformed") when the bytes
//     are not a compact JWE, do not decrypt, or exceed a size limit.
//
// The cause (ErrMalformedJWE, ErrDecryptionFailed, ErrUnknownRequestKey,
// ErrEncryptionUnsupported, ErrEncryptedRequestTooLarge) is wrapped for
// errors.Is; size errors also wrap oid4vci.ErrTooLarge.
func DecryptRequest(compactJWE []byte, key *keys.RequestKey, policy EncryptionPolicy) ([]byte, error) {
	if key == nil {
		return nil, errors.New("issuer: DecryptRequest: no request key")
	}
	if limit := policy.MaxRequestJWE(); len(compactJWE) > limit {
		return nil, requestTooLarge("encrypted request is %d bytes; the limit is %d", len(compactJWE), limit)
	}
	compactJWE = bytes.TrimRight(compactJWE, " \t\r\n")
	header, parts, err := checkCompactJWE(compactJWE)
	if err != nil {
		return nil, err
	}
	if err := checkRequestHeader(header, key, policy); err != nil {
		return nil, err
	}
	if err := checkDirectAgreementParts(parts); err != nil {
		return nil, err
	}

	maxPlain := policy.MaxRequestPlaintext()
	plain, err := jwe.Decrypt(compactJWE,
		jwe.WithKey(jwa.ECDH_ES(), key.PrivateKey()),
		jwe.WithMaxDecompressBufferSize(int64(maxPlain)),
		jwe.WithCritValidation(true),
	)
	if err != nil {
		if header.Zip == oid4vci.ZipDeflate && strings.Contains(err.Error(), "WithMaxDecompressBufferSize") {
			return nil, requestTooLarge("decompressed request exceeds the limit of %d bytes", maxPlain)
		}
		return nil, oid4vci.WrapError(oid4vci.CodeInvalidCredentialRequest,
			fmt.Errorf("%w: %w", ErrDecryptionFailed, err),
			"the encrypted request could not be decrypted with the request key")
	}
	if len(plain) > maxPlain {
		return nil, requestTooLarge("decrypted request is %d bytes; the limit is %d", len(plain), maxPlain)
	}
	return plain, nil
}

// compactParts names the decoded parts of a compact JWE (RFC 7516 §7.1).
type compactParts struct {
	encryptedKey, iv, ciphertext, tag []byte
}

// checkCompactJWE checks the JWE Compact Serialization (RFC 7516 §7.1) and
// returns the parsed protected header and the decoded parts. The JSON
// serialization is refused: §10 asks for a JWT, which uses the compact
// form (RFC 7519 §1).
func checkCompactJWE(data []byte) (jweHeader, compactParts, error) {
	if len(data) == 0 {
		return jweHeader{}, compactParts{}, malformedJWE("the encrypted request is empty")
	}
	if data[0] == '{' {
		return jweHeader{}, compactParts{}, malformedJWE("JWE JSON serialization is not accepted; send the compact serialization")
	}
	parts := bytes.Split(data, []byte("."))
	if len(parts) != 5 {
		return jweHeader{}, compactParts{}, malformedJWE("not a compact JWE: %d parts, want 5", len(parts))
	}
	names := [5]string{"protected header", "encrypted key", "initialization vector", "ciphertext", "authentication tag"}
	var decoded [5][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(string(p))
		if err != nil || !isBase64URL(p) {
			return jweHeader{}, compactParts{}, malformedJWE("the JWE %s is not base64url without padding", names[i])
		}
		decoded[i] = b
	}
	if len(decoded[0]) == 0 {
		return jweHeader{}, compactParts{}, malformedJWE("the JWE protected header is empty")
	}
	h, err := parseJWEHeader(decoded[0])
	if err != nil {
		return jweHeader{}, compactParts{}, oid4vci.WrapError(oid4vci.CodeInvalidCredentialRequest,
			fmt.Errorf("%w: %w", ErrMalformedJWE, err), "the JWE protected header is malformed")
	}
	return h, compactParts{encryptedKey: decoded[1], iv: decoded[2], ciphertext: decoded[3], tag: decoded[4]}, nil
}

// checkDirectAgreementParts checks the parts ECDH-ES in Direct Key
// Agreement mode produces.
func checkDirectAgreementParts(p compactParts) error {
	if len(p.encryptedKey) != 0 {
		// RFC 7518 §4.6: "the JWE Encrypted Key MUST be the empty octet
		// sequence".
		return malformedJWE("the JWE encrypted key must be empty for ECDH-ES")
	}
	if len(p.iv) == 0 || len(p.tag) == 0 {
		return malformedJWE("the JWE initialization vector and authentication tag are required")
	}
	return nil
}

// isBase64URL reports whether p holds only the base64url alphabet (RFC 4648
// §5), without padding; the stdlib decoder would silently skip CR and LF.
func isBase64URL(p []byte) bool {
	for _, c := range p {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// checkRequestHeader applies §10, §12.2.4 and RFC 7516 §4.1.13 to the header.
func checkRequestHeader(h jweHeader, key *keys.RequestKey, policy EncryptionPolicy) error {
	if h.Crit != nil {
		return invalidEncryption(ErrEncryptionUnsupported, "JWE crit is not accepted: no header extension is understood")
	}
	if h.Alg != key.Algorithm() {
		if h.Alg == "" {
			return invalidEncryption(ErrEncryptionUnsupported, "JWE alg is missing; use %s with the key in credential_request_encryption.jwks", key.Algorithm())
		}
		return invalidEncryption(ErrEncryptionUnsupported, "JWE alg '%s' is not accepted; use %s with the key in credential_request_encryption.jwks", h.Alg, key.Algorithm())
	}
	if h.Kid != "" && h.Kid != key.KeyID() {
		return invalidEncryption(ErrUnknownRequestKey, "JWE kid '%s' is not a key in credential_request_encryption.jwks", h.Kid)
	}
	if allowed := policy.RequestEncs(); !slices.Contains(allowed, h.Enc) {
		if h.Enc == "" {
			return invalidEncryption(ErrEncryptionUnsupported, "JWE enc is missing; supported: %s", strings.Join(allowed, ", "))
		}
		return invalidEncryption(ErrEncryptionUnsupported, "JWE enc '%s' is not supported; supported: %s", h.Enc, strings.Join(allowed, ", "))
	}
	switch {
	case h.Zip == "":
	case h.Zip != oid4vci.ZipDeflate:
		return invalidEncryption(ErrEncryptionUnsupported, "JWE zip '%s' is not supported", h.Zip)
	case !policy.requestDeflate:
		return invalidEncryption(ErrEncryptionUnsupported, "JWE zip 'DEF' is not supported for requests by this issuer")
	}
	if strings.EqualFold(h.Cty, "JWT") {
		return oid4vci.WrapError(oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE,
			"nested JWTs are not accepted: the JWE plaintext must be the request's claims")
	}
	return checkEphemeralKey(h.Epk)
}

// checkEphemeralKey checks that epk (RFC 7518 §4.6.1.1) is a public EC
// P-256 JWK, the request key's curve.
func checkEphemeralKey(raw json.RawMessage) error {
	if raw == nil {
		return malformedJWE("the JWE header has no epk, which ECDH-ES requires")
	}
	var epk struct {
		Kty string          `json:"kty"`
		Crv string          `json:"crv"`
		D   json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(raw, &epk); err != nil {
		return malformedJWE("the JWE epk is not a JWK object")
	}
	if epk.D != nil {
		return malformedJWE("the JWE epk carries a private key")
	}
	if epk.Kty != "EC" || epk.Crv != "P-256" {
		return invalidEncryption(ErrEncryptionUnsupported, "the JWE epk must be an EC P-256 key, not kty '%s' crv '%s'", epk.Kty, epk.Crv)
	}
	return nil
}

// malformedJWE returns invalid_credential_request (§8.3.1.2: "otherwise
// malformed") wrapping ErrMalformedJWE.
func malformedJWE(format string, args ...any) *oid4vci.Error {
	return oid4vci.WrapError(oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, fmt.Sprintf(format, args...))
}

// requestTooLarge returns invalid_credential_request wrapping
// ErrEncryptedRequestTooLarge and oid4vci.ErrTooLarge (so the HTTP layer
// may answer 413 as it does for a plain body over the limit).
func requestTooLarge(format string, args ...any) *oid4vci.Error {
	return oid4vci.WrapError(oid4vci.CodeInvalidCredentialRequest,
		fmt.Errorf("%w: %w", ErrEncryptedRequestTooLarge, oid4vci.ErrTooLarge), fmt.Sprintf(format, args...))
}
