package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/pramaan/pramaan/internal/jose"
)

// DefaultAlgorithms is the default JWS allow-list: asymmetric algorithms
// only (RFC 8725 Section 3.1 and 3.2). none and HMAC algorithms are never
// accepted, whatever a Verifier lists.
var DefaultAlgorithms = []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"}

type jwsAlg struct {
	hash crypto.Hash // 0 for EdDSA
	kind byte        // 'E' ECDSA, 'R' RSA PKCS#1 v1.5, 'P' RSA-PSS, 'D' EdDSA
	crv  elliptic.Curve
}

func algInfo(alg string) (jwsAlg, bool) {
	switch alg {
	case "ES256":
		return jwsAlg{crypto.SHA256, 'E', elliptic.P256()}, true
	case "ES384":
		return jwsAlg{crypto.SHA384, 'E', elliptic.P384()}, true
	case "ES512":
		return jwsAlg{crypto.SHA512, 'E', elliptic.P521()}, true
	case "EdDSA", "Ed25519":
		return jwsAlg{0, 'D', nil}, true
	case "RS256":
		return jwsAlg{crypto.SHA256, 'R', nil}, true
	case "RS384":
		return jwsAlg{crypto.SHA384, 'R', nil}, true
	case "RS512":
		return jwsAlg{crypto.SHA512, 'R', nil}, true
	case "PS256":
		return jwsAlg{crypto.SHA256, 'P', nil}, true
	case "PS384":
		return jwsAlg{crypto.SHA384, 'P', nil}, true
	case "PS512":
		return jwsAlg{crypto.SHA512, 'P', nil}, true
	}
	return jwsAlg{}, false
}

// checkAlg enforces the allow-list: none and MACs always fail (RFC 9901
// Section 7.1 step 2.1, RFC 8725 Section 3.1/3.2).
func checkAlg(alg string, allowed []string) (jwsAlg, error) {
	if strings.EqualFold(alg, "none") || strings.HasPrefix(strings.ToUpper(alg), "HS") {
		return jwsAlg{}, fmt.Errorf("%w: %q is never accepted", ErrAlgorithmNotAllowed, alg)
	}
	if allowed == nil {
		allowed = DefaultAlgorithms
	}
	info, ok := algInfo(alg)
	if !ok || !slices.Contains(allowed, alg) {
		return jwsAlg{}, fmt.Errorf("%w: %q is not on the allow-list", ErrAlgorithmNotAllowed, alg)
	}
	return info, nil
}

// algForKey returns the default algorithm for a public key.
func algForKey(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
	case ed25519.PublicKey:
		return "EdDSA", nil
	case *rsa.PublicKey:
		return "PS256", nil
	}
	return "", fmt.Errorf("%w: no JWS algorithm for key type %T", ErrConfig, pub)
}

// fits reports whether the key is of the kind (and curve) the alg needs.
func (a jwsAlg) fits(pub crypto.PublicKey) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return a.kind == 'E' && k.Curve == a.crv
	case ed25519.PublicKey:
		return a.kind == 'D'
	case *rsa.PublicKey:
		return (a.kind == 'R' || a.kind == 'P') && k.N.BitLen() >= 2048
	}
	return false
}

// signJWS signs header.payload (already base64url) and returns the complete
// compact JWS.
func signJWS(signer crypto.Signer, alg string, signingInput []byte) (string, error) {
	info, ok := algInfo(alg)
	if !ok {
		return "", fmt.Errorf("%w: unknown signing algorithm %q", ErrConfig, alg)
	}
	if !info.fits(signer.Public()) {
		return "", fmt.Errorf("%w: algorithm %s does not fit the signer's %T", ErrConfig, alg, signer.Public())
	}
	var sig []byte
	var err error
	switch info.kind {
	case 'D':
		sig, err = signer.Sign(rand.Reader, signingInput, crypto.Hash(0))
	default:
		h := info.hash.New()
		h.Write(signingInput)
		digest := h.Sum(nil)
		var opts crypto.SignerOpts = info.hash
		if info.kind == 'P' {
			opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: info.hash}
		}
		sig, err = signer.Sign(rand.Reader, digest, opts)
		if err == nil && info.kind == 'E' {
			sig, err = jose.ECDSARaw(sig, (info.crv.Params().BitSize+7)/8)
		}
	}
	if err != nil {
		return "", fmt.Errorf("sdjwt: signing with %s: %w", alg, err)
	}
	out := append(signingInput, '.') // callers leave capacity for the signature
	out = b64.AppendEncode(out, sig)
	return string(out), nil
}

// verifySignature checks a JWS signature with a key that fits the alg.
func verifySignature(info jwsAlg, alg string, pub crypto.PublicKey, signingInput, sig []byte) error {
	if !info.fits(pub) {
		return fmt.Errorf("%w: %s does not fit the key (%T)", ErrAlgorithmNotAllowed, alg, pub)
	}
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, signingInput, sig)
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) == 2*size {
			h := info.hash.New()
			h.Write(signingInput)
			r := new(big.Int).SetBytes(sig[:size])
			s := new(big.Int).SetBytes(sig[size:])
			ok = ecdsa.Verify(k, h.Sum(nil), r, s)
		}
	case *rsa.PublicKey:
		h := info.hash.New()
		h.Write(signingInput)
		if info.kind == 'P' {
			ok = rsa.VerifyPSS(k, info.hash, h.Sum(nil), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(k, info.hash, h.Sum(nil), sig) == nil
		}
	}
	if !ok {
		return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
	}
	return nil
}

// Header is the protected JOSE header of a JWS, with the members this
// package uses decoded and all members kept in Raw.
type Header struct {
	Alg string
	Typ string
	Kid string
	// X5C is the x5c certificate chain (DER, leaf first), if present.
	X5C [][]byte
	Raw map[string]any
}

// parseHeader decodes and checks a protected header (RFC 7515 Section 4.1).
func parseHeader(encoded string, lim Limits, what string) (Header, error) {
	raw, err := decodeB64(encoded, what)
	if err != nil {
		return Header{}, err
	}
	m, err := decodeObjectJSON(raw, lim.MaxDepth, what)
	if err != nil {
		return Header{}, err
	}
	h := Header{Raw: m}
	var ok bool
	if h.Alg, ok = m["alg"].(string); !ok {
		return Header{}, fmt.Errorf("%w: %s: alg missing or not a string", ErrMalformed, what)
	}
	if v, present := m["typ"]; present {
		if h.Typ, ok = v.(string); !ok {
			return Header{}, fmt.Errorf("%w: %s: typ is not a string", ErrMalformed, what)
		}
	}
	if v, present := m["kid"]; present {
		// RFC 7515 Section 4.1.4: the kid value MUST be a string.
		if h.Kid, ok = v.(string); !ok {
			return Header{}, fmt.Errorf("%w: %s: kid is not a string", ErrMalformed, what)
		}
	}
	if v, present := m["x5c"]; present {
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return Header{}, fmt.Errorf("%w: %s: x5c is not a non-empty array", ErrMalformed, what)
		}
		for i, c := range arr {
			s, ok := c.(string)
			if !ok {
				return Header{}, fmt.Errorf("%w: %s: x5c[%d] is not a string", ErrMalformed, what, i)
			}
			// RFC 7515 Section 4.1.6: standard base64, not base64url.
			der, err := stdB64Decode(s)
			if err != nil {
				return Header{}, fmt.Errorf("%w: %s: x5c[%d] is not base64: %v", ErrMalformed, what, i, err)
			}
			h.X5C = append(h.X5C, der)
		}
	}
	// RFC 7515 Section 4.1.11: we understand no extension, so any crit fails.
	if _, present := m["crit"]; present {
		return Header{}, fmt.Errorf("%w: %s: crit extensions are not supported", ErrMalformed, what)
	}
	return h, nil
}

// splitJWS splits a compact JWS into its three parts.
func splitJWS(s, what string) (header, payload, sig string, err error) {
	header, rest, ok1 := strings.Cut(s, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return "", "", "", fmt.Errorf("%w: %s is not a compact JWS of three parts", ErrMalformed, what)
	}
	return header, payload, sig, nil
}
