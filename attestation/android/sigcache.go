package android

import (
	"crypto/sha256"
	"sync"
)

// maxCachedSignatures bounds the signature cache of a Verifier.
const maxCachedSignatures = 4096

// signatureCache remembers certificate signatures that verified: the
// SHA-256 of the certificate's DER with the SHA-256 of the signer's
// SubjectPublicKeyInfo. The fact is deterministic, so a hit is as good as
// verifying again. When full it starts over.
type signatureCache struct {
	mu      sync.Mutex
	entries map[[64]byte]struct{}
	max     int
}

func newSignatureCache(max int) *signatureCache {
	return &signatureCache{entries: make(map[[64]byte]struct{}), max: max}
}

func cacheKey(cert, signerSPKI []byte) [64]byte {
	var k [64]byte
	a, b := sha256.Sum256(cert), sha256.Sum256(signerSPKI)
	copy(k[:32], a[:])
	copy(k[32:], b[:])
	return k
}

func (c *signatureCache) has(cert, signerSPKI []byte) bool {
	k := cacheKey(cert, signerSPKI)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[k]
	return ok
}

func (c *signatureCache) add(cert, signerSPKI []byte) {
	k := cacheKey(cert, signerSPKI)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[k] = struct{}{}
}
