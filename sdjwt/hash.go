package sdjwt

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
)

// Names of the hash functions for _sd_alg (RFC 9901 Section 4.1.1, IANA
// "Named Information Hash Algorithm" registry).
const (
	SHA256 = "sha-256"
	SHA384 = "sha-384"
	SHA512 = "sha-512"
)

var b64 = base64.RawURLEncoding.Strict()

// newHash returns the hash function named by an _sd_alg value.
func newHash(name string) (func() hash.Hash, error) {
	switch name {
	case SHA256:
		return sha256.New, nil
	case SHA384:
		return sha512.New384, nil
	case SHA512:
		return sha512.New, nil
	default:
		return nil, fmt.Errorf("%w: %q (supported: sha-256, sha-384, sha-512)", ErrUnsupportedHash, name)
	}
}

// digestOf is base64url(hash(ASCII(s))) as RFC 9901 Section 4.2.3 defines
// the digest of a disclosure and Section 4.3.1 the sd_hash.
func digestOf(h func() hash.Hash, s string) string {
	hh := h()
	hh.Write([]byte(s))
	var buf [64]byte
	return b64.EncodeToString(hh.Sum(buf[:0]))
}

// decodeB64 decodes unpadded base64url strictly (RFC 9901 Section 1.2
// and RFC 7515 Section 2: no padding, no whitespace, no other alphabet).
func decodeB64(s, what string) ([]byte, error) {
	out, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64url: %v", ErrMalformed, what, err)
	}
	return out, nil
}

func stdB64Decode(s string) ([]byte, error) {
	return base64.StdEncoding.Strict().DecodeString(s)
}
