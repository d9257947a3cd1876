package keyattest

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/sdjwt"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// Claims are what a wallet provider attests.
type Claims struct {
	IssuedAt           time.Time
	ExpiresAt          time.Time // zero: no exp (not for use inside jwt proofs)
	Keys               []crypto.PublicKey
	KeyStorage         []string
	UserAuthentication []string
	Certification      string
	Nonce              string
	Status             *StatusReference
}

// Mint signs a key attestation JWT with signer (an ECDSA key: the alg
// follows its curve) and puts chain (the signing certificate first, its
// intermediates after, the anchor left out) in x5c.
func Mint(signer crypto.Signer, chain []*x509.Certificate, c Claims) (string, error) {
	if len(chain) == 0 {
		return "", errors.New("keyattest: mint: the signing certificate is required")
	}
	if len(c.Keys) == 0 || len(c.Keys) > MaxAttestedKeys {
		return "", fmt.Errorf("keyattest: mint: 1 to %d keys", MaxAttestedKeys)
	}
	x5c := make([]string, len(chain))
	for i, cert := range chain {
		x5c[i] = base64.StdEncoding.EncodeToString(cert.Raw)
	}
	keys := make([]map[string]any, len(c.Keys))
	for i, k := range c.Keys {
		j, err := sdjwt.PublicJWK(k)
		if err != nil {
			return "", fmt.Errorf("keyattest: mint: key %d: %w", i, err)
		}
		keys[i] = j
	}
	claims := map[string]any{"iat": c.IssuedAt.Unix(), "attested_keys": keys}
	if !c.ExpiresAt.IsZero() {
		claims["exp"] = c.ExpiresAt.Unix()
	}
	if len(c.KeyStorage) > 0 {
		claims["key_storage"] = c.KeyStorage
	}
	if len(c.UserAuthentication) > 0 {
		claims["user_authentication"] = c.UserAuthentication
	}
	if c.Certification != "" {
		claims["certification"] = c.Certification
	}
	if c.Nonce != "" {
		claims["nonce"] = c.Nonce
	}
	if c.Status != nil {
		claims["status"] = map[string]any{"status_list": c.Status}
	}
	return jose.SignCompact(signer, map[string]any{"typ": Typ, "x5c": x5c}, claims)
}
