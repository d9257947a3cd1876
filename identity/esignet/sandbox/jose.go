package sandbox

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// b64 is base64url without padding (RFC 7515 Section 2).
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sha256b64(s string) string { h := sha256.Sum256([]byte(s)); return b64(h[:]) }

// randomB64 is n random bytes, base64url.
func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return b64(b)
}

// alphanumeric is n random characters of [0-9A-Za-z], without bias.
func alphanumeric(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			if c < 248 && len(out) < n { // 248 = 4 × 62
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// publicJWKS is the JWKS of the signing key: kid its RFC 7638
// thumbprint, alg PS256, use sig.
func publicJWKS(pub *rsa.PublicKey) (string, jwk.Set, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return "", nil, err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", nil, err
	}
	kid := b64(tp)
	for name, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.PS256(), jwk.KeyUsageKey: "sig"} {
		if err := k.Set(name, v); err != nil {
			return "", nil, fmt.Errorf("setting %s: %w", name, err)
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(k); err != nil {
		return "", nil, err
	}
	return kid, set, nil
}

// signPS256 signs claims as a compact JWS (PS256, kid, typ) with key.
func signPS256(key *rsa.PrivateKey, kid, typ string, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding the claims: %w", err)
	}
	h := jws.NewHeaders()
	if err := h.Set(jws.KeyIDKey, kid); err != nil {
		return "", err
	}
	if err := h.Set(jws.TypeKey, typ); err != nil {
		return "", err
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.PS256(), key, jws.WithProtectedHeaders(h)))
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return string(out), nil
}

// header is the protected header members the sandbox reads.
type header struct {
	Alg string          `json:"alg"`
	Kid string          `json:"kid"`
	Typ string          `json:"typ"`
	JWK json.RawMessage `json:"jwk"`
}

// splitJWS decodes the protected header of a compact JWS of at most max
// bytes.
func splitJWS(tok string, max int) (header, error) {
	if len(tok) > max {
		return header{}, fmt.Errorf("over %d bytes", max)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return header{}, errors.New("not a compact JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return header{}, fmt.Errorf("header: %w", err)
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return header{}, fmt.Errorf("header: %w", err)
	}
	return h, nil
}

// verifyWith checks tok's signature by alg and key (a raw public key) and
// returns its claims, which must be a JSON object.
func verifyWith(tok, alg string, key any) (claims, error) {
	a, ok := jwa.LookupSignatureAlgorithm(alg)
	if !ok {
		return nil, fmt.Errorf("unknown alg %q", alg)
	}
	payload, err := jws.VerifyCompactFast(key, []byte(tok), a)
	if err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	return parseClaims(payload)
}

// claims is a JWT claims set, numbers kept as json.Number.
type claims map[string]any

func parseClaims(b []byte) (claims, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var c claims
	if err := d.Decode(&c); err != nil || c == nil {
		return nil, errors.New("the claims are not a JSON object")
	}
	if d.More() {
		return nil, errors.New("trailing data after the claims")
	}
	return c, nil
}

func (c claims) str(name string) string {
	v, _ := c[name].(string)
	return v
}

// time reads a NumericDate (RFC 7519 Section 2).
func (c claims) time(name string) (time.Time, bool) {
	n, ok := c[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// audience reads aud as a string or an array of strings.
func (c claims) audience() []string {
	switch v := c["aud"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// signingKey returns the raw public key of k for alg when k may verify
// alg: an RSA key of at least 2048 bits for RS256 and PS256, a P-256 key
// for ES256, and k's own alg and use, when present, agreeing.
func signingKey(k jwk.Key, alg string) (any, bool) {
	if a, ok := k.Algorithm(); ok && a.String() != alg {
		return nil, false
	}
	if use, ok := k.KeyUsage(); ok && use != "sig" {
		return nil, false
	}
	pk, err := k.PublicKey()
	if err != nil {
		return nil, false
	}
	var raw any
	if err := jwk.Export(pk, &raw); err != nil {
		return nil, false
	}
	switch p := raw.(type) {
	case *rsa.PublicKey:
		return p, (alg == "RS256" || alg == "PS256") && p.N.BitLen() >= 2048
	case *ecdsa.PublicKey:
		return p, alg == "ES256" && p.Curve == elliptic.P256()
	}
	return nil, false
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of k, base64url.
func thumbprint(k jwk.Key) (string, error) {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("thumbprint: %w", err)
	}
	return b64(tp), nil
}

// unverifiedClaims reads the claims of a compact JWS without checking
// its signature: only to find which key should check it.
func unverifiedClaims(tok string) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return parseClaims(b)
}
