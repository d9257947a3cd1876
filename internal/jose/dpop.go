package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// PublicJWK is the public JWK (RFC 7518 Section 6.2.1) of a P-256 key with
// only kty, crv, x and y: what goes into a jwk header and a cnf.
func PublicJWK(pub *ecdsa.PublicKey) (map[string]any, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: not a P-256 key", ErrSignature)
	}
	ek, err := pub.ECDH()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	pt := ek.Bytes() // 0x04 || X || Y (SEC 1 Section 2.3.3)
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "EC", "crv": "P-256", "x": enc(pt[1:33]), "y": enc(pt[33:])}, nil
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a P-256 key: the
// required members in lexicographic order, no white space.
func Thumbprint(pub *ecdsa.PublicKey) (string, error) {
	j, err := PublicJWK(pub)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(fmt.Appendf(nil, `{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, j["x"], j["y"]))
	return base64.RawURLEncoding.EncodeToString(h[:]), nil
}

// DPoPProof is a DPoP proof (RFC 9449 Section 4.2) signed ES256 by a P-256
// signer: typ dpop+jwt, the public key as jwk; htm, htu (the target without
// query and fragment), iat, a random jti, the server's nonce when it gave
// one (Section 8), and ath, the hash of the access token, at a protected
// resource (Section 7).
func DPoPProof(signer crypto.Signer, method, target, nonce, accessToken string, now time.Time) (string, error) {
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("%w: DPoP keys are P-256", ErrSignature)
	}
	j, err := PublicJWK(pub)
	if err != nil {
		return "", err
	}
	htu, _, _ := strings.Cut(target, "?")
	htu, _, _ = strings.Cut(htu, "#")
	claims := map[string]any{"htm": method, "htu": htu, "iat": now.Unix(), "jti": rand.Text()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		h := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(h[:])
	}
	return SignCompact(signer, map[string]any{"typ": "dpop+jwt", "jwk": j}, claims)
}
