package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// AdminTokenEnv is the environment variable whose value, when set and not
// empty, is the admin token (it is then never written to disk).
const AdminTokenEnv = "PRAMAAN_ADMIN_TOKEN"

// Admin token length limits, in characters. A generated token is 43
// characters (32 random bytes, base64url).
const (
	MinAdminTokenLength = 32
	MaxAdminTokenLength = 512
)

// Where an admin token came from.
const (
	SourceEnvironment = "environment"
	SourceFile        = "file"
)

// AdminToken is the bearer token of the admin API. Check compares in
// constant time; its printed and logged forms never contain the token.
type AdminToken struct {
	digest [sha256.Size]byte
	value  string
	source string
	path   string
}

func newAdminToken(value, source, path string) (*AdminToken, error) {
	if err := validateAdminToken(value); err != nil {
		return nil, err
	}
	return &AdminToken{digest: sha256.Sum256([]byte(value)), value: value, source: source, path: path}, nil
}

// Check reports whether token is the admin token. It compares SHA-256
// digests with subtle.ConstantTimeCompare, so neither the content nor the
// length of the token leaks through timing.
func (t *AdminToken) Check(token string) bool {
	d := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(d[:], t.digest[:]) == 1
}

// Source is SourceEnvironment or SourceFile.
func (t *AdminToken) Source() string { return t.source }

// Path is the admin-token file, or "" when the token came from the
// environment.
func (t *AdminToken) Path() string { return t.path }

// Value returns the token, for a local client that calls the admin API. It
// is secret: never print or log it.
func (t *AdminToken) Value() string { return t.value }

func (t *AdminToken) attrs() []slog.Attr {
	return []slog.Attr{slog.String("source", t.source)}
}

// String returns a redacted description.
func (t *AdminToken) String() string { return redactedText("AdminToken", t.attrs()...) }

// GoString returns a redacted description.
func (t *AdminToken) GoString() string { return t.String() }

// Format prints the redacted description for every verb.
func (t *AdminToken) Format(f fmt.State, _ rune) { writeRedacted(f, t.String()) }

// LogValue logs the source only.
func (t *AdminToken) LogValue() slog.Value { return redactedLogValue(t.attrs()...) }

// validateAdminToken checks the length limits and the RFC 6750 §2.1
// b64token syntax (1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
// *"="), so that the token travels unchanged in an Authorization header.
// Errors never quote the token; callers wrap them with ErrAdminToken.
func validateAdminToken(tok string) error {
	if len(tok) < MinAdminTokenLength || len(tok) > MaxAdminTokenLength {
		return fmt.Errorf("%d characters, want %d to %d", len(tok), MinAdminTokenLength, MaxAdminTokenLength)
	}
	body := strings.TrimRight(tok, "=")
	if body == "" {
		return fmt.Errorf("only padding")
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
		if !ok {
			return fmt.Errorf("character %d is not allowed in an RFC 6750 b64token", i+1)
		}
	}
	return nil
}

// generateAdminToken returns 32 random bytes as unpadded base64url.
func generateAdminToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("keys: admin token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// parseAdminTokenFile takes the token line; one trailing newline is
// allowed.
func parseAdminTokenFile(data []byte) (string, error) {
	tok := strings.TrimSuffix(string(data), "\n")
	return tok, validateAdminToken(tok)
}
