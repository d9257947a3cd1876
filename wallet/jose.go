package wallet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// publicJWK returns the RFC 7638 members of a P-256 public key.
func publicJWK(pub *ecdsa.PublicKey) (map[string]any, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return nil, fmt.Errorf("wallet: jwk: %w", err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// dpopProof is a DPoP proof (RFC 9449 Section 4.2): ath binds it to an
// access token at a protected resource.
func dpopProof(key *ecdsa.PrivateKey, method, target, nonce, accessToken string, now time.Time) (string, error) {
	j, err := publicJWK(&key.PublicKey)
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims := map[string]any{"htm": method, "htu": target, "iat": now.Unix(), "jti": b64(jti)}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		claims["ath"] = sha256b64(accessToken)
	}
	return jose.SignCompact(key, map[string]any{"typ": "dpop+jwt", "jwk": j}, claims)
}

// keyProof is a jwt key proof (Appendix F.1) of the holder key.
func keyProof(signer crypto.Signer, issuer, nonce string, now time.Time) (string, error) {
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", errors.New("wallet: holder keys must be P-256 ECDSA keys")
	}
	j, err := publicJWK(pub)
	if err != nil {
		return "", err
	}
	claims := map[string]any{"aud": issuer, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return jose.SignCompact(signer, map[string]any{"typ": oid4vci.TypProofJWT, "jwk": j}, claims)
}

// encryptRequest encrypts a request to the issuer's request-encryption key
// (Section 10): ECDH-ES, the first enc the issuer supports that we do.
func encryptRequest(payload []byte, enc *wellknown.CredentialRequestEncryption) ([]byte, error) {
	var key *wellknown.JWK
	for i := range enc.JWKS.Keys {
		k := &enc.JWKS.Keys[i]
		if k.Kty == "EC" && (k.Alg == "" || k.Alg == "ECDH-ES") {
			key = k
			break
		}
	}
	if key == nil {
		return nil, fmt.Errorf("%w: credential_request_encryption has no ECDH-ES key", ErrResponse)
	}
	ce := ""
	for _, e := range []string{"A128GCM", "A256GCM"} {
		for _, s := range enc.EncValuesSupported {
			if s == e && ce == "" {
				ce = e
			}
		}
	}
	if ce == "" {
		return nil, fmt.Errorf("%w: no supported enc in %v", ErrResponse, enc.EncValuesSupported)
	}
	raw, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("wallet: request encryption key: %w", err)
	}
	hd := jwe.NewHeaders()
	if key.Kid != "" {
		if err := hd.Set(jwe.KeyIDKey, key.Kid); err != nil {
			return nil, err
		}
	}
	contentEnc, _ := jwa.LookupContentEncryptionAlgorithm(ce)
	out, err := jwe.Encrypt(payload, jwe.WithKey(jwa.ECDH_ES(), pub), jwe.WithContentEncryption(contentEnc), jwe.WithProtectedHeaders(hd), jwe.WithCompact())
	if err != nil {
		return nil, fmt.Errorf("wallet: encrypt request: %w", err)
	}
	return out, nil
}

// responseKey is the ephemeral key a wallet asks the issuer to encrypt
// its response to.
type responseKey struct {
	priv *ecdsa.PrivateKey
	jwk  json.RawMessage
}

func newResponseKey() (*responseKey, error) {
	priv, err := ecdsa.GenerateKey(ecdsaCurve, rand.Reader)
	if err != nil {
		return nil, err
	}
	m, err := publicJWK(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	m["alg"], m["use"], m["kid"] = "ECDH-ES", "enc", "wallet-response-1"
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &responseKey{priv: priv, jwk: raw}, nil
}

// decrypt opens an encrypted response with the ephemeral key.
func (k *responseKey) decrypt(body []byte) ([]byte, error) {
	plain, err := jwe.Decrypt(body, jwe.WithKey(jwa.ECDH_ES(), k.priv))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decrypt the response: %v", ErrResponse, err)
	}
	return plain, nil
}
