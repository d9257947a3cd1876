// Package jose holds the few JOSE operations several packages share
// without a JOSE library: compact JWS signing through a crypto.Signer (the
// seam where an HSM, a KMS or a phone's keystore plugs in) and the
// conversion of ASN.1 ECDSA signatures to the JWS form.
package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// ErrSignature is wrapped when a signer fails or returns a malformed
// signature.
var ErrSignature = errors.New("jose: signing failed")

// ECDSARaw converts an ASN.1 DER ECDSA signature to R || S, each padded to
// size bytes, the JWS form (RFC 7518 Section 3.4).
func ECDSARaw(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 ||
		rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, fmt.Errorf("%w: malformed ECDSA signature", ErrSignature)
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

// ecdsaAlg returns the JWS algorithm, hash and coordinate size of an
// ECDSA key's curve (RFC 7518 Section 3.4).
func ecdsaAlg(pub *ecdsa.PublicKey) (string, crypto.Hash, int, error) {
	switch pub.Curve {
	case elliptic.P256():
		return "ES256", crypto.SHA256, 32, nil
	case elliptic.P384():
		return "ES384", crypto.SHA384, 48, nil
	case elliptic.P521():
		return "ES512", crypto.SHA512, 66, nil
	}
	return "", 0, 0, fmt.Errorf("%w: unsupported curve", ErrSignature)
}

// SignCompact signs header and claims as a compact JWS with an ECDSA
// signer. The header's alg is set from the key's curve; every other
// member is the caller's.
func SignCompact(signer crypto.Signer, header map[string]any, claims any) (string, error) {
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("%w: the signer is not an ECDSA key", ErrSignature)
	}
	alg, hash, size, err := ecdsaAlg(pub)
	if err != nil {
		return "", err
	}
	h := make(map[string]any, len(header)+1)
	for k, v := range header {
		h[k] = v
	}
	h["alg"] = alg
	hb, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jose: header: %w", err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jose: claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	d := hash.New()
	d.Write([]byte(input))
	der, err := signer.Sign(rand.Reader, d.Sum(nil), hash)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSignature, err)
	}
	raw, err := ECDSARaw(der, size)
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(raw), nil
}
