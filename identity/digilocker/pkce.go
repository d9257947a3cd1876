package digilocker

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
)

// NewVerifier returns a PKCE code_verifier (RFC 7636 §4.1): 32 random
// bytes as 43 base64url characters.
func NewVerifier() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewState returns an unguessable state value.
func NewState() string { return rand.Text() }

// Challenge is the S256 code_challenge of verifier (RFC 7636 §4.2):
// BASE64URL-no-pad(SHA256(ASCII(verifier))).
func Challenge(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CheckVerifier checks verifier's form (RFC 7636 §4.1: 43 to 128
// characters of [A-Z] [a-z] [0-9] "-" "." "_" "~").
func CheckVerifier(verifier string) error {
	if len(verifier) < 43 || len(verifier) > 128 {
		return fmt.Errorf("digilocker: code_verifier must be 43 to 128 characters, not %d", len(verifier))
	}
	for _, c := range []byte(verifier) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return fmt.Errorf("digilocker: code_verifier has a character outside RFC 7636's set")
		}
	}
	return nil
}

// ChallengeMatches compares in constant time.
func ChallengeMatches(verifier, challenge string) bool {
	return subtle.ConstantTimeCompare([]byte(Challenge(verifier)), []byte(challenge)) == 1
}
