package wallet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// ErrHolderKey is wrapped when a holder key cannot be used: holder keys are
// P-256 ECDSA keys, the one curve every issuer of the ecosystem accepts
// (ES256, HAIP 1.0 Section 7).
var ErrHolderKey = errors.New("wallet: holder keys must be P-256 ECDSA keys")

// b64 is base64url without padding (RFC 7515 Section 2).
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sha256b64(s string) string { h := sha256.Sum256([]byte(s)); return b64(h[:]) }

// p256 returns pub as a P-256 ECDSA key or fails with ErrHolderKey.
func p256(pub crypto.PublicKey) (*ecdsa.PublicKey, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: got %T", ErrHolderKey, pub)
	}
	return k, nil
}

// publicJWK returns the public JWK (RFC 7518 Section 6.2.1) of a P-256 key,
// with only kty, crv, x and y: what goes into a jwk header and cnf.
func publicJWK(pub *ecdsa.PublicKey) (map[string]any, error) {
	j, err := jose.PublicJWK(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHolderKey, err)
	}
	return j, nil
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of a P-256 key: the
// required members in lexicographic order, no white space.
func thumbprint(pub *ecdsa.PublicKey) (string, error) {
	t, err := jose.Thumbprint(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrHolderKey, err)
	}
	return t, nil
}

// signES256 writes a compact JWS (RFC 7515 Section 7.1) signed with ES256
// by any crypto.Signer holding a P-256 key (software, Android Keystore,
// Secure Enclave): the ASN.1 signature a Signer returns is turned into the
// 64-byte R || S that RFC 7518 Section 3.4 requires.
func signES256(signer crypto.Signer, header, claims map[string]any) (string, error) {
	if _, err := p256(signer.Public()); err != nil {
		return "", err
	}
	header["alg"] = "ES256"
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(hb) + "." + b64(cb)
	digest := sha256.Sum256([]byte(input))
	der, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("wallet: signing: %w", err)
	}
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return "", errors.New("wallet: signing: the signer did not return an ASN.1 ECDSA signature")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return "", errors.New("wallet: signing: signature out of range")
	}
	raw := make([]byte, 64)
	sig.R.FillBytes(raw[:32])
	sig.S.FillBytes(raw[32:])
	return input + "." + b64(raw), nil
}

// dpopProof is a DPoP proof (RFC 9449 Section 4.2). htu is the target URI
// without query and fragment (Section 4.2); ath binds the proof to an
// access token at a protected resource (Section 7).
func dpopProof(key *ecdsa.PrivateKey, method, target, nonce, accessToken string, now time.Time) (string, error) {
	return jose.DPoPProof(key, method, target, nonce, accessToken, now)
}

// keyProof is a jwt key proof (Appendix F.1): typ openid4vci-proof+jwt,
// the holder's public key as jwk, aud the Credential Issuer Identifier,
// iat, and the c_nonce when the issuer has a Nonce Endpoint. There is no
// iss: the Pre-Authorized Code flow here is anonymous.
func keyProof(signer crypto.Signer, issuer, nonce string, now time.Time) (string, error) {
	return attestedKeyProof(signer, issuer, nonce, "", now)
}

// attestedKeyProof is keyProof with a key_attestation header when
// attestation is not empty (Appendix F.1).
func attestedKeyProof(signer crypto.Signer, issuer, nonce, attestation string, now time.Time) (string, error) {
	pub, err := p256(signer.Public())
	if err != nil {
		return "", err
	}
	j, err := publicJWK(pub)
	if err != nil {
		return "", err
	}
	claims := map[string]any{"aud": issuer, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	header := map[string]any{"typ": oid4vci.TypProofJWT, "jwk": j}
	if attestation != "" {
		header["key_attestation"] = attestation
	}
	return signES256(signer, header, claims)
}

// encPreference is the order in which the wallet picks a content
// encryption algorithm when the caller names none: AES-GCM first.
var encPreference = []string{
	oid4vci.EncA256GCM, oid4vci.EncA128GCM, oid4vci.EncA192GCM,
	oid4vci.EncA256CBCHS512, oid4vci.EncA128CBCHS256, oid4vci.EncA192CBCHS384,
}

// chooseEnc returns want when the issuer supports it, or the first of
// encPreference the issuer supports.
func chooseEnc(want string, supported []string) (string, error) {
	if want != "" {
		if !slices.Contains(supported, want) {
			return "", fmt.Errorf("%w: enc %s is not among the issuer's %v", ErrEncryption, want, supported)
		}
		if _, ok := jwa.LookupContentEncryptionAlgorithm(want); !ok {
			return "", fmt.Errorf("%w: enc %s is unknown", ErrEncryption, want)
		}
		return want, nil
	}
	for _, e := range encPreference {
		if slices.Contains(supported, e) {
			return e, nil
		}
	}
	return "", fmt.Errorf("%w: none of the issuer's enc values %v is supported", ErrEncryption, supported)
}

// ErrEncryption is wrapped when a request cannot be encrypted as the
// issuer asks, or a response is not encrypted as the wallet asked.
var ErrEncryption = errors.New("wallet: credential encryption")

// requestKey picks the issuer's key for request encryption (Section 10):
// an EC key whose alg is ECDH-ES (alg MUST be present), meant for
// encryption, with a kid (Section 12.2.4 requires one on every key).
func requestKey(enc *wellknown.CredentialRequestEncryption) (*wellknown.JWK, error) {
	for i := range enc.JWKS.Keys {
		k := &enc.JWKS.Keys[i]
		if k.Kty == "EC" && k.Alg == oid4vci.AlgECDHES && (k.Use == "" || k.Use == wellknown.UseEnc) && k.Kid != "" {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: credential_request_encryption has no EC key with alg ECDH-ES and a kid", ErrEncryption)
}

// encryptRequest encrypts a Credential or Deferred Credential Request to
// the issuer's request-encryption key (Section 10): alg ECDH-ES (the
// key's alg), kid repeated, enc from enc_values_supported (want when
// given), and DEF compression when zip is asked and the issuer supports it.
func encryptRequest(payload []byte, enc *wellknown.CredentialRequestEncryption, want string, zip bool) ([]byte, error) {
	if enc == nil {
		return nil, fmt.Errorf("%w: the issuer publishes no credential_request_encryption", ErrEncryption)
	}
	key, err := requestKey(enc)
	if err != nil {
		return nil, err
	}
	ce, err := chooseEnc(want, enc.EncValuesSupported)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: request encryption key: %v", ErrEncryption, err)
	}
	hd := jwe.NewHeaders()
	if err := hd.Set(jwe.KeyIDKey, key.Kid); err != nil {
		return nil, err
	}
	contentEnc, _ := jwa.LookupContentEncryptionAlgorithm(ce)
	opts := []jwe.EncryptOption{jwe.WithKey(jwa.ECDH_ES(), pub), jwe.WithContentEncryption(contentEnc), jwe.WithProtectedHeaders(hd), jwe.WithCompact()}
	if zip && slices.Contains(enc.ZipValuesSupported, oid4vci.ZipDeflate) {
		opts = append(opts, jwe.WithCompress(jwa.Deflate()))
	}
	out, err := jwe.Encrypt(payload, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting the request: %v", ErrEncryption, err)
	}
	return out, nil
}

// responseKey is the ephemeral key a wallet asks the issuer to encrypt one
// response to, with what it asked for.
type responseKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	enc  string
	zip  string
	jwk  json.RawMessage
}

// newResponseKey makes a fresh P-256 key for one response: its public JWK
// carries alg ECDH-ES, use enc and a random kid (Section 10).
func newResponseKey(enc, zip string) (*responseKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	m, err := publicJWK(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	kid := make([]byte, 12)
	if _, err := rand.Read(kid); err != nil {
		return nil, err
	}
	m["alg"], m["use"], m["kid"] = oid4vci.AlgECDHES, wellknown.UseEnc, b64(kid)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &responseKey{priv: priv, kid: b64(kid), enc: enc, zip: zip, jwk: raw}, nil
}

// param is the credential_response_encryption object of a request.
func (k *responseKey) param() *oid4vci.ResponseEncryption {
	return &oid4vci.ResponseEncryption{JWK: k.jwk, Enc: k.enc, Zip: k.zip}
}

// maxJWEHeader bounds the protected header of an encrypted response.
const maxJWEHeader = 4 << 10

// decrypt opens an encrypted response (Section 10): a compact JWE whose
// header has alg ECDH-ES, the enc and zip the wallet asked for and the
// kid of its key, decompressing at most maxPlain bytes.
func (k *responseKey) decrypt(body []byte, maxPlain int) ([]byte, error) {
	parts := strings.Split(strings.TrimSpace(string(body)), ".")
	if len(parts) != 5 {
		return nil, fmt.Errorf("%w: the response is not a compact JWE", ErrEncryption)
	}
	if len(parts[0]) > maxJWEHeader {
		return nil, fmt.Errorf("%w: JWE header over %d bytes", ErrEncryption, maxJWEHeader)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: JWE header is not base64url", ErrEncryption)
	}
	var h struct {
		Alg  string   `json:"alg"`
		Enc  string   `json:"enc"`
		Zip  string   `json:"zip"`
		Kid  string   `json:"kid"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: JWE header: %v", ErrEncryption, err)
	}
	switch {
	case h.Alg != oid4vci.AlgECDHES:
		return nil, fmt.Errorf("%w: response alg %q, want ECDH-ES", ErrEncryption, h.Alg)
	case h.Enc != k.enc:
		return nil, fmt.Errorf("%w: response enc %q, asked for %q", ErrEncryption, h.Enc, k.enc)
	case h.Zip != k.zip:
		return nil, fmt.Errorf("%w: response zip %q, asked for %q", ErrEncryption, h.Zip, k.zip)
	case h.Kid != k.kid:
		return nil, fmt.Errorf("%w: response kid %q is not the wallet key's", ErrEncryption, h.Kid)
	case h.Crit != nil:
		return nil, fmt.Errorf("%w: response JWE has crit", ErrEncryption)
	}
	plain, err := jwe.Decrypt([]byte(strings.Join(parts, ".")), jwe.WithKey(jwa.ECDH_ES(), k.priv), jwe.WithMaxDecompressBufferSize(int64(maxPlain)))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decrypt the response: %v", ErrEncryption, err)
	}
	if len(plain) > maxPlain {
		return nil, fmt.Errorf("%w: decrypted response over %d bytes", ErrResponse, maxPlain)
	}
	return plain, nil
}
