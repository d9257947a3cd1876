package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// DataKeySize is the size of the AES-256 data key.
const DataKeySize = 32

// Sealed format, version 1:
//
//	0x01 || nonce (12 bytes, random) || AES-256-GCM ciphertext || tag (16 bytes)
//
// The GCM associated data is the version byte followed by the caller's
// associated data, so the version is authenticated too.
const (
	sealedV1    byte = 0x01
	nonceSize        = 12
	tagSize          = 16
	sealedV1Min      = 1 + nonceSize + tagSize
)

// MaxSealedSize bounds the sealed input Open accepts (and so the plaintext
// Seal produces): personal data rows, portraits included, are far smaller.
const MaxSealedSize = 16 << 20

// DataKey encrypts personal data at rest with AES-256-GCM (NIST SP 800-38D)
// under a random 96-bit nonce per message. Associated data is mandatory: it
// binds the ciphertext to its row (table, column, primary key) so that a
// ciphertext copied to another row does not decrypt. With random nonces one
// key must seal fewer than 2^32 messages (SP 800-38D §8.3). It is safe for
// concurrent use; its printed and logged forms never contain the key.
type DataKey struct {
	aead cipher.AEAD
	// derive is an HKDF-SHA256 pseudorandom key extracted from the data
	// key, from which DeriveKey expands per-purpose keys.
	derive []byte
}

// NewDataKey returns a DataKey for a 32-byte key. The key is copied into
// the cipher; the caller may wipe its slice.
func NewDataKey(key []byte) (*DataKey, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrDataKey, len(key), DataKeySize)
	}
	prk, err := hkdf.Extract(sha256.New, key, []byte("pramaan data-key derive v1"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDataKey, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDataKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDataKey, err)
	}
	return &DataKey{aead: aead, derive: prk}, nil
}

// Seal encrypts plaintext bound to aad (required, non-empty) and returns
// the version-1 sealed form.
func (k *DataKey) Seal(plaintext, aad []byte) ([]byte, error) {
	if len(aad) == 0 {
		return nil, ErrAADRequired
	}
	if len(plaintext) > MaxSealedSize-sealedV1Min {
		return nil, fmt.Errorf("%w: plaintext of %d bytes exceeds %d", ErrSealedFormat, len(plaintext), MaxSealedSize-sealedV1Min)
	}
	out := make([]byte, 1+nonceSize, sealedV1Min+len(plaintext))
	out[0] = sealedV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:], plaintext, versionedAAD(sealedV1, aad)), nil
}

// Open authenticates and decrypts sealed bytes made by Seal with the same
// aad. It never panics, whatever the input.
func (k *DataKey) Open(sealed, aad []byte) ([]byte, error) {
	if len(aad) == 0 {
		return nil, ErrAADRequired
	}
	if len(sealed) > MaxSealedSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrSealedFormat, len(sealed), MaxSealedSize)
	}
	if len(sealed) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrSealedFormat)
	}
	if sealed[0] != sealedV1 {
		return nil, fmt.Errorf("%w: unknown version 0x%02x", ErrSealedFormat, sealed[0])
	}
	if len(sealed) < sealedV1Min {
		return nil, fmt.Errorf("%w: %d bytes, version 1 needs at least %d", ErrSealedFormat, len(sealed), sealedV1Min)
	}
	nonce, ct := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	pt, err := k.aead.Open(nil, nonce, ct, versionedAAD(sealedV1, aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func versionedAAD(version byte, aad []byte) []byte {
	out := make([]byte, 0, 1+len(aad))
	out = append(out, version)
	return append(out, aad...)
}

// String returns a redacted description.
func (k *DataKey) String() string {
	return redactedText("DataKey", slog.String("alg", "A256GCM"))
}

// GoString returns a redacted description.
func (k *DataKey) GoString() string { return k.String() }

// Format prints the redacted description for every verb.
func (k *DataKey) Format(f fmt.State, _ rune) { writeRedacted(f, k.String()) }

// LogValue logs the algorithm only.
func (k *DataKey) LogValue() slog.Value { return redactedLogValue(slog.String("alg", "A256GCM")) }

// encodeDataKeyFile is the data-key file: the key in standard base64 and a
// newline.
func encodeDataKeyFile(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
}

// parseDataKeyFile reads the data-key file strictly: one line of standard
// padded base64 of exactly 32 bytes. The returned error never quotes the
// content.
func parseDataKeyFile(data []byte) ([]byte, error) {
	line := strings.TrimSuffix(string(data), "\n")
	if strings.ContainsAny(line, "\r\n\t ") {
		return nil, fmt.Errorf("not a single line of base64")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(line)
	if err != nil {
		return nil, fmt.Errorf("not standard base64")
	}
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(key), DataKeySize)
	}
	return key, nil
}

// DeriveKey returns a 32-byte key for one purpose, expanded from the data
// key with HKDF-SHA256 (RFC 5869) and the purpose as info. Every instance
// that shares the data key derives the same key, so a value keyed with it
// (a stateless DPoP nonce, say) is accepted by all of them; distinct
// purposes give independent keys.
func (k *DataKey) DeriveKey(purpose string) ([]byte, error) {
	if purpose == "" {
		return nil, fmt.Errorf("%w: a purpose is required", ErrDataKey)
	}
	out, err := hkdf.Expand(sha256.New, k.derive, purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: derive: %v", ErrDataKey, err)
	}
	return out, nil
}
