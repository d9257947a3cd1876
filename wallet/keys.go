package wallet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// KeyStore holds holder keys. The software implementations here keep P-256
// keys in memory or in files; a hardware-backed store (Android Keystore,
// Secure Enclave, a TPM) implements the same two methods.
type KeyStore interface {
	// NewKey creates a key and returns it with its id.
	NewKey(ctx context.Context) (crypto.Signer, string, error)
	// Key returns the key with this id.
	Key(ctx context.Context, id string) (crypto.Signer, error)
}

// ErrNoKey is returned for an unknown key id.
var ErrNoKey = errors.New("wallet: no such holder key")

// MemoryKeyStore keeps keys in memory.
type MemoryKeyStore struct {
	mu   sync.Mutex
	keys map[string]*ecdsa.PrivateKey
}

// NewMemoryKeyStore returns an empty in-memory key store.
func NewMemoryKeyStore() *MemoryKeyStore {
	return &MemoryKeyStore{keys: map[string]*ecdsa.PrivateKey{}}
}

// NewKey implements KeyStore.
func (m *MemoryKeyStore) NewKey(context.Context) (crypto.Signer, string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	id, err := keyID(&k.PublicKey)
	if err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[id] = k
	return k, id, nil
}

// Key implements KeyStore.
func (m *MemoryKeyStore) Key(_ context.Context, id string) (crypto.Signer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, id)
	}
	return k, nil
}

// FileKeyStore keeps each key as a PKCS#8 PEM file (mode 0600) named by
// its RFC 7638 thumbprint in a directory (mode 0700).
type FileKeyStore struct{ Dir string }

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// NewKey implements KeyStore.
func (f FileKeyStore) NewKey(context.Context) (crypto.Signer, string, error) {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("wallet: key directory: %w", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	id, err := keyID(&k.PublicKey)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(f.Dir, id+".pem")
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("wallet: key file: %w", err)
	}
	defer fh.Close()
	if err := pem.Encode(fh, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, "", fmt.Errorf("wallet: key file: %w", err)
	}
	if err := fh.Sync(); err != nil {
		return nil, "", fmt.Errorf("wallet: key file: %w", err)
	}
	return k, id, nil
}

// Key implements KeyStore.
func (f FileKeyStore) Key(_ context.Context, id string) (crypto.Signer, error) {
	if !keyIDPattern.MatchString(id) {
		return nil, fmt.Errorf("%w: malformed id %q", ErrNoKey, id)
	}
	data, err := os.ReadFile(filepath.Join(f.Dir, id+".pem"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, id)
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: key %s: %w", id, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("wallet: key %s: not a PKCS#8 PEM file", id)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("wallet: key %s: %w", id, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fmt.Errorf("wallet: key %s: not a P-256 ECDSA key", id)
	}
	if got, err := keyID(&ek.PublicKey); err != nil || got != id {
		return nil, fmt.Errorf("wallet: key %s: the file holds another key", id)
	}
	return ek, nil
}

// keyID is the RFC 7638 SHA-256 thumbprint of the public key.
func keyID(pub *ecdsa.PublicKey) (string, error) { return thumbprint(pub) }
