package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"

	"github.com/pramaan/pramaan/internal/jose"
)

// Files of the relying-party keys (eSignet), created on first use.
const (
	FileRPKey           = "rp-key.pem"
	FileRPEncryptionKey = "rp-encryption-key.pem"
)

// RPKeys are the keys Pramaan holds as an OpenID Connect relying party: a
// P-256 key signing its private_key_jwt client assertions (ES256) and an
// RSA-2048 key opening userinfo sent encrypted (RSA-OAEP-256). Their
// public halves are what a provider registers (PublicJWKS).
type RPKeys struct {
	Signer    *ecdsa.PrivateKey
	Decrypter *rsa.PrivateKey
	// KeyID and EncryptionKeyID are the RFC 7638 thumbprints.
	KeyID, EncryptionKeyID string
}

// RPKeys loads the relying-party keys, creating them on first use (an
// issuer that signs no one in elsewhere never has them).
func (ks *Keystore) RPKeys() (*RPKeys, error) {
	ks.rpMu.Lock()
	defer ks.rpMu.Unlock()
	if ks.rp != nil {
		return ks.rp, nil
	}
	signer, err := ks.rpSigningKey()
	if err != nil {
		return nil, err
	}
	dec, err := ks.rpEncryptionKey()
	if err != nil {
		return nil, err
	}
	kid, err := jose.Thumbprint(&signer.PublicKey)
	if err != nil {
		return nil, err
	}
	ks.rp = &RPKeys{Signer: signer, Decrypter: dec, KeyID: kid, EncryptionKeyID: rsaThumbprint(&dec.PublicKey)}
	return ks.rp, nil
}

// rpSigningKey loads or creates rp-key.pem (P-256, PKCS #8).
func (ks *Keystore) rpSigningKey() (*ecdsa.PrivateKey, error) {
	path := filepath.Join(ks.dir, FileRPKey)
	return loadOrCreate(path, func() (*ecdsa.PrivateKey, error) { return loadECKey(path, elliptic.P256()) },
		func() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
}

// rpEncryptionKey loads or creates rp-encryption-key.pem (RSA-2048, PKCS #8).
func (ks *Keystore) rpEncryptionKey() (*rsa.PrivateKey, error) {
	path := filepath.Join(ks.dir, FileRPEncryptionKey)
	load := func() (*rsa.PrivateKey, error) {
		data, err := readFile(path, private)
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(data)
		if blk == nil || blk.Type != "PRIVATE KEY" {
			return nil, fileErr(path, ErrMalformed, "restore it from backup", "not a PEM PRIVATE KEY")
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fileErr(path, ErrMalformed, "restore it from backup", "%v", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok || rk.N.BitLen() < 2048 {
			return nil, fileErr(path, ErrMalformed, "restore it from backup", "not an RSA key of 2048 bits or more")
		}
		return rk, nil
	}
	return loadOrCreate(path, load, func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })
}

// loadOrCreate loads the key at path, or generates and writes one; when
// another process wrote it first, that one is loaded.
func loadOrCreate[K any](path string, load func() (K, error), generate func() (K, error)) (K, error) {
	var zero K
	ok, err := exists(path)
	if err != nil {
		return zero, err
	}
	if ok {
		return load()
	}
	key, err := generate()
	if err != nil {
		return zero, fmt.Errorf("keys: generating %s: %w", filepath.Base(path), err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return zero, fileErr(path, ErrMalformed, "", "%v", err)
	}
	err = writeFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), private)
	if errors.Is(err, ErrExists) {
		return load()
	}
	if err != nil {
		return zero, err
	}
	return key, nil
}

// PublicJWKS is the JWK Set a provider registers for this relying party:
// the signing key (use sig, ES256) and the encryption key (use enc,
// RSA-OAEP-256), each with its kid.
func (k *RPKeys) PublicJWKS() map[string]any {
	sig, _ := jose.PublicJWK(&k.Signer.PublicKey) // a P-256 key, checked on load
	sig["use"], sig["alg"], sig["kid"] = "sig", "ES256", k.KeyID
	enc := rsaJWK(&k.Decrypter.PublicKey)
	enc["use"], enc["alg"], enc["kid"] = "enc", "RSA-OAEP-256", k.EncryptionKeyID
	return map[string]any{"keys": []any{sig, enc}}
}

func rsaJWK(pub *rsa.PublicKey) map[string]any {
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "RSA", "n": enc(pub.N.Bytes()), "e": enc(big.NewInt(int64(pub.E)).Bytes())}
}

// rsaThumbprint is the RFC 7638 SHA-256 thumbprint of an RSA key.
func rsaThumbprint(pub *rsa.PublicKey) string {
	j := rsaJWK(pub)
	h := sha256.Sum256(fmt.Appendf(nil, `{"e":%q,"kty":"RSA","n":%q}`, j["e"], j["n"]))
	return base64.RawURLEncoding.EncodeToString(h[:])
}
