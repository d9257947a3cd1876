package issuer

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/oid4vci"
)

// maxWalletJWKBytes bounds the wallet's response-encryption JWK; an RSA
// 8192-bit public JWK is under 1.5 KiB.
const maxWalletJWKBytes = 16 << 10

// jwkPrivateMembers are the JWK members only a private or symmetric key
// carries (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
var jwkPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// walletKey is a wallet's response-encryption key, checked against policy.
type walletKey struct {
	alg jwa.KeyEncryptionAlgorithm
	kid string
	key any // *ecdh.PublicKey (ECDH-ES) or *rsa.PublicKey (RSA-OAEP-256)
}

// parseWalletKey reads credential_response_encryption.jwk (§8.2) and checks
// it against §10 (alg present; the JWE alg is the JWK's alg) and policy.
func parseWalletKey(raw json.RawMessage, policy EncryptionPolicy) (walletKey, error) {
	if len(raw) == 0 {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk is missing")
	}
	if len(raw) > maxWalletJWKBytes {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk is larger than %d bytes", maxWalletJWKBytes)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk is not a JSON object")
	}
	for _, name := range jwkPrivateMembers {
		if _, ok := members[name]; ok {
			return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk must be a public key but carries private member '%s'", name)
		}
	}
	// The JOSE library refuses a short RSA modulus as merely invalid; say
	// precisely why first.
	if err := checkRSAModulusSize(members, policy.MinRSABits()); err != nil {
		return walletKey{}, err
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return walletKey{}, invalidEncryptionWrap(ErrEncryptionKeyInvalid, err, "credential_response_encryption.jwk is not a valid JWK")
	}
	// §10: "The alg parameter MUST be present. The JWE alg algorithm used
	// MUST be equal to the alg value of the chosen JWK."
	alg, ok := key.Algorithm()
	if !ok || alg.String() == "" {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk has no alg (OpenID4VCI 1.0 section 10 requires it)")
	}
	algName := alg.String()
	allowed := policy.ResponseAlgs()
	if !slices.Contains(allowed, algName) {
		return walletKey{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.jwk alg '%s' is not supported; supported: %s", algName, strings.Join(allowed, ", "))
	}
	// RFC 7517 §4.2: a key marked for signatures must not encrypt.
	if use, ok := key.KeyUsage(); ok && use != "" && use != jwk.ForEncryption.String() {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk has use '%s', not 'enc'", use)
	}
	kid, _ := key.KeyID()

	var exported any
	if err := jwk.Export(key, &exported); err != nil {
		return walletKey{}, invalidEncryptionWrap(ErrEncryptionKeyInvalid, err, "credential_response_encryption.jwk is not a usable key")
	}
	switch pub := exported.(type) {
	case *ecdsa.PublicKey:
		return ecWalletKey(pub, algName, kid)
	case *rsa.PublicKey:
		return rsaWalletKey(pub, algName, kid, policy.MinRSABits())
	case *ecdsa.PrivateKey, *rsa.PrivateKey, *ecdh.PrivateKey:
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk must be a public key")
	default:
		kty := key.KeyType().String()
		return walletKey{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.jwk kty '%s' is not supported; use EC P-256 with ECDH-ES or RSA with RSA-OAEP-256", kty)
	}
}

// ecWalletKey checks an EC key for ECDH-ES on P-256 (HAIP 1.0 §5; RFC 7518
// §4.6) and that the point is on the curve.
func ecWalletKey(pub *ecdsa.PublicKey, alg, kid string) (walletKey, error) {
	if alg != oid4vci.AlgECDHES {
		return walletKey{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.jwk is an EC key but its alg is '%s'; EC keys need ECDH-ES", alg)
	}
	if pub.Curve != elliptic.P256() {
		return walletKey{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.jwk curve '%s' is not supported; ECDH-ES needs P-256", pub.Curve.Params().Name)
	}
	agreement, err := pub.ECDH()
	if err != nil {
		return walletKey{}, invalidEncryptionWrap(ErrEncryptionKeyInvalid, err, "credential_response_encryption.jwk is not a valid P-256 public key")
	}
	return walletKey{alg: jwa.ECDH_ES(), kid: kid, key: agreement}, nil
}

// rsaWalletKey checks an RSA key for RSA-OAEP-256 (RFC 7518 §4.3) of at
// least minBits (HAIP 1.0 §10.2 key sizes).
func rsaWalletKey(pub *rsa.PublicKey, alg, kid string, minBits int) (walletKey, error) {
	if alg != oid4vci.AlgRSAOAEP256 {
		return walletKey{}, invalidEncryption(ErrEncryptionUnsupported, "credential_response_encryption.jwk is an RSA key but its alg is '%s'; RSA keys need RSA-OAEP-256", alg)
	}
	if bits := pub.N.BitLen(); bits < minBits {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk RSA modulus has %d bits; at least %d are required", bits, minBits)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return walletKey{}, invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk RSA exponent %d is not valid", pub.E)
	}
	return walletKey{alg: jwa.RSA_OAEP_256(), kid: kid, key: pub}, nil
}

// checkRSAModulusSize refuses an RSA JWK whose n (RFC 7518 §6.3.1.1) is
// shorter than minBits (HAIP 1.0 §10.2 key sizes).
func checkRSAModulusSize(members map[string]json.RawMessage, minBits int) error {
	var kty, n string
	if json.Unmarshal(members["kty"], &kty) != nil || kty != "RSA" {
		return nil
	}
	if json.Unmarshal(members["n"], &n) != nil {
		return invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk RSA key has no modulus n")
	}
	modulus, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk RSA modulus n is not base64url")
	}
	if bits := new(big.Int).SetBytes(modulus).BitLen(); bits < minBits {
		return invalidEncryption(ErrEncryptionKeyInvalid, "credential_response_encryption.jwk RSA modulus has %d bits; at least %d are required", bits, minBits)
	}
	return nil
}

// invalidEncryption returns invalid_encryption_parameters (§8.3.1.2)
// wrapping cause, with a formatted description.
func invalidEncryption(cause error, format string, args ...any) *oid4vci.Error {
	return oid4vci.WrapError(oid4vci.CodeInvalidEncryptionParameters, cause, fmt.Sprintf(format, args...))
}

// invalidEncryptionWrap is invalidEncryption keeping a library error as
// part of the cause (for logs; it is never sent to the wallet).
func invalidEncryptionWrap(cause, libErr error, desc string) *oid4vci.Error {
	return oid4vci.WrapError(oid4vci.CodeInvalidEncryptionParameters, fmt.Errorf("%w: %w", cause, libErr), desc)
}
