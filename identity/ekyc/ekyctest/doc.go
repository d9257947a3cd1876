// Package ekyctest builds offline e-KYC fixtures for tests: a test CA
// standing in for UIDAI (RSA 2048), Aadhaar-shaped XML signed the way UIDAI
// signs (inclusive C14N 1.0, rsa-sha1, SHA-256 digest, Reference URI=""),
// ZipCrypto-encrypted packages under a share code, and tampered variants.
// Nothing here is real data; none of it is for production.
package ekyctest
