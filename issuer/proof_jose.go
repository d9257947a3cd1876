package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Signature algorithms a proof checker may be configured to accept. Every
// other value, none and the HS* MACs included, is refused before any key
// is looked at (OpenID4VCI 1.0 Appendix F.1 and F.4, RFC 9449 §4.3 step 5,
// RFC 8725 §3.1).
const (
	AlgES256 = "ES256" // ECDSA P-256 SHA-256; HAIP 1.0 §7 requires it
	AlgES384 = "ES384" // ECDSA P-384 SHA-384
	AlgES512 = "ES512" // ECDSA P-521 SHA-512
	AlgEdDSA = "EdDSA" // Ed25519 (RFC 8037)
	AlgPS256 = "PS256" // RSASSA-PSS SHA-256, keys of 2048 bits or more
)

// proofMinRSABits is the smallest RSA modulus accepted for PS256.
const proofMinRSABits = 2048

// jwaSignatureAlgorithm maps an accepted alg name to jwx's value.
func jwaSignatureAlgorithm(alg string) (jwa.SignatureAlgorithm, bool) {
	switch alg {
	case AlgES256:
		return jwa.ES256(), true
	case AlgES384:
		return jwa.ES384(), true
	case AlgES512:
		return jwa.ES512(), true
	case AlgEdDSA:
		return jwa.EdDSA(), true
	case AlgPS256:
		return jwa.PS256(), true
	}
	return jwa.EmptySignatureAlgorithm(), false
}

// algAllowList is a validated set of accepted algorithms.
type algAllowList map[string]bool

// names returns the allowed algorithms, sorted.
func (l algAllowList) names() []string {
	out := make([]string, 0, len(l))
	for a := range l {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// newAlgAllowList checks a configured list; empty means ES256 only.
func newAlgAllowList(algs []string) (algAllowList, error) {
	if len(algs) == 0 {
		algs = []string{AlgES256}
	}
	l := algAllowList{}
	for _, a := range algs {
		if _, ok := jwaSignatureAlgorithm(a); !ok {
			return nil, fmt.Errorf("%w: algorithm %q is not one of ES256, ES384, ES512, EdDSA, PS256", ErrProofCheckerConfig, a)
		}
		l[a] = true
	}
	return l, nil
}

// checkKeyFitsAlg makes sure the key is of the type and size alg needs
// (RFC 7518 §3.4: each ES* algorithm is bound to one curve; §3.5 and §8:
// RSA keys of 2048 bits or more; RFC 8037 §3.1: EdDSA with Ed25519).
func checkKeyFitsAlg(alg string, pub crypto.PublicKey) error {
	switch alg {
	case AlgES256, AlgES384, AlgES512:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%s needs an EC key", alg)
		}
		want := proofCurveForAlg(alg)
		if k.Curve != want {
			return fmt.Errorf("%s needs an EC key on %s", alg, want.Params().Name)
		}
		// Refuse a point off the curve or at infinity.
		if _, err := k.ECDH(); err != nil {
			return errors.New("EC public key is not a valid curve point")
		}
	case AlgEdDSA:
		if k, ok := pub.(ed25519.PublicKey); !ok || len(k) != ed25519.PublicKeySize {
			return errors.New("EdDSA needs an Ed25519 key")
		}
	case AlgPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errors.New("PS256 needs an RSA key")
		}
		if k.N == nil || k.N.BitLen() < proofMinRSABits {
			return fmt.Errorf("PS256 needs an RSA key of %d bits or more", proofMinRSABits)
		}
	default:
		return fmt.Errorf("algorithm %s is not supported", alg)
	}
	return nil
}

// proofCurveForAlg is the one curve RFC 7518 §3.4 binds to an ES* algorithm.
func proofCurveForAlg(alg string) elliptic.Curve {
	switch alg {
	case AlgES384:
		return elliptic.P384()
	case AlgES512:
		return elliptic.P521()
	default:
		return elliptic.P256()
	}
}

// compactJWS is a JWS in compact serialization (RFC 7515 §7.1) with its
// protected header decoded; the signature is not yet verified.
type compactJWS struct {
	raw     string
	header  joseObject
	payload []byte
}

// parseCompactJWS splits and decodes a compact JWS of at most maxBytes.
// It verifies nothing; an empty signature (alg none) is left for the alg
// check to refuse by name.
func parseCompactJWS(token string, maxBytes int) (compactJWS, error) {
	if len(token) > maxBytes {
		return compactJWS{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformedJWT, maxBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return compactJWS{}, fmt.Errorf("%w: not a compact JWS of three parts", ErrMalformedJWT)
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return compactJWS{}, fmt.Errorf("%w: header is not base64url", ErrMalformedJWT)
	}
	header, err := decodeJOSEObject(hb)
	if err != nil {
		return compactJWS{}, fmt.Errorf("%w: header: %v", ErrMalformedJWT, err)
	}
	pb, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return compactJWS{}, fmt.Errorf("%w: payload is not base64url", ErrMalformedJWT)
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(parts[2]); err != nil {
		return compactJWS{}, fmt.Errorf("%w: signature is not base64url", ErrMalformedJWT)
	}
	return compactJWS{raw: token, header: header, payload: pb}, nil
}

// checkCommonHeader applies the header rules that precede any key work:
// typ exactly wantTyp, no crit (RFC 7515 §4.1.11: we understand no
// extension), alg on the allow-list. It returns alg.
func (j compactJWS) checkCommonHeader(wantTyp string, allowed algAllowList) (string, error) {
	typ, _, err := j.header.str("typ")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformedJWT, err)
	}
	if typ != wantTyp {
		return "", fmt.Errorf("%w: typ must be %s", ErrMalformedJWT, wantTyp)
	}
	if j.header.has("crit") {
		return "", fmt.Errorf("%w: crit names extensions this server does not understand", ErrMalformedJWT)
	}
	alg, present, err := j.header.str("alg")
	if err != nil || !present {
		return "", fmt.Errorf("%w: alg is missing or not a string", ErrMalformedJWT)
	}
	if !allowed[alg] {
		return "", fmt.Errorf("%w: alg %.16s", ErrAlgorithmNotAllowed, alg)
	}
	return alg, nil
}

// verifySignature checks the JWS signature, for an alg already on the
// allow-list and a key already fitted to it. ECDSA signatures (RFC 7518
// Section 3.4: R || S, each the size of the curve order) are checked with
// crypto/ecdsa directly: they are on every request's path (proofs, DPoP,
// access tokens), and going through jwx would parse the token a second
// time. Other algorithms go through jwx.
func (j compactJWS) verifySignature(alg string, pub crypto.PublicKey) error {
	if ec, ok := pub.(*ecdsa.PublicKey); ok {
		if h, size, ok := ecdsaParams(alg); ok {
			dot := strings.LastIndexByte(j.raw, '.')
			sig, err := base64.RawURLEncoding.Strict().DecodeString(j.raw[dot+1:])
			if err != nil || len(sig) != 2*size {
				return fmt.Errorf("%w with the key the header names", ErrSignatureInvalid)
			}
			hh := h.New()
			hh.Write([]byte(j.raw[:dot]))
			r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
			if !ecdsa.Verify(ec, hh.Sum(nil), r, s) {
				return fmt.Errorf("%w with the key the header names", ErrSignatureInvalid)
			}
			return nil
		}
	}
	a, ok := jwaSignatureAlgorithm(alg)
	if !ok {
		return fmt.Errorf("%w: alg %.16s", ErrAlgorithmNotAllowed, alg)
	}
	if _, err := jws.Verify([]byte(j.raw), jws.WithKey(a, pub)); err != nil {
		// jwx's reason is of no use to the client and is not passed on.
		return fmt.Errorf("%w with the key the header names", ErrSignatureInvalid)
	}
	return nil
}

// ecdsaParams returns the hash and the size of R and S of an ECDSA JWS
// algorithm (RFC 7518 Section 3.4).
func ecdsaParams(alg string) (crypto.Hash, int, bool) {
	switch alg {
	case "ES256":
		return crypto.SHA256, 32, true
	case "ES384":
		return crypto.SHA384, 48, true
	case "ES512":
		return crypto.SHA512, 66, true
	}
	return 0, 0, false
}

// publicJWK is a holder's public key read from a jwk header.
type publicJWK struct {
	pub        crypto.PublicKey
	jwk        map[string]any // minimal public members: kty, crv, x, y or n, e
	thumbprint string         // RFC 7638 SHA-256 thumbprint, base64url
}

// parsePublicJWK reads a jwk header member and refuses private or
// symmetric keys (Appendix F.1 and F.4; RFC 9449 §4.3 step 7) and keys
// that do not fit alg.
func parsePublicJWK(raw json.RawMessage, alg string) (publicJWK, error) {
	obj, err := decodeJOSEObject(raw)
	if err != nil {
		return publicJWK{}, fmt.Errorf("%w: jwk: %v", ErrMalformedJWT, err)
	}
	// Members that carry private or symmetric key material (RFC 7518
	// §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
	for _, m := range [...]string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if obj.has(m) {
			return publicJWK{}, fmt.Errorf("%w: jwk carries a private or symmetric key", ErrKeyNotAccepted)
		}
	}
	kty, _, err := obj.str("kty")
	if err != nil {
		return publicJWK{}, fmt.Errorf("%w: jwk: %v", ErrMalformedJWT, err)
	}
	switch kty {
	case "EC", "RSA", "OKP":
	default:
		return publicJWK{}, fmt.Errorf("%w: jwk kty must be EC, RSA or OKP", ErrKeyNotAccepted)
	}
	// RFC 7517 §4.4 and §4.2: a key restricted to another algorithm or
	// use must not sign this proof.
	if kalg, present, err := obj.str("alg"); err != nil || (present && kalg != alg) {
		return publicJWK{}, fmt.Errorf("%w: jwk alg does not match the header alg", ErrKeyNotAccepted)
	}
	if use, present, err := obj.str("use"); err != nil || (present && use != "sig") {
		return publicJWK{}, fmt.Errorf("%w: jwk use is not sig", ErrKeyNotAccepted)
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return publicJWK{}, fmt.Errorf("%w: jwk: %v", ErrMalformedJWT, err)
	}
	if private, err := jwk.IsPrivateKey(key); err != nil || private {
		return publicJWK{}, fmt.Errorf("%w: jwk is not a public key", ErrKeyNotAccepted)
	}
	if err := key.Validate(); err != nil {
		return publicJWK{}, fmt.Errorf("%w: jwk: %v", ErrMalformedJWT, err)
	}
	var pub any
	if err := jwk.Export(key, &pub); err != nil {
		return publicJWK{}, fmt.Errorf("%w: jwk: %v", ErrMalformedJWT, err)
	}
	return publicKeyInfo(alg, pub)
}

// publicKeyInfo checks a public key against alg and derives its minimal
// JWK and RFC 7638 thumbprint.
func publicKeyInfo(alg string, pub any) (publicJWK, error) {
	if p, ok := pub.(*ed25519.PublicKey); ok && p != nil {
		pub = *p
	}
	if err := checkKeyFitsAlg(alg, pub); err != nil {
		return publicJWK{}, fmt.Errorf("%w: %v", ErrKeyNotAccepted, err)
	}
	// Re-import the bare key so the JWK handed on holds only the members
	// RFC 7638 §3.2 names, nothing the wallet added.
	key, err := jwk.Import(pub)
	if err != nil {
		return publicJWK{}, fmt.Errorf("%w: %v", ErrKeyNotAccepted, err)
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return publicJWK{}, fmt.Errorf("%w: thumbprint: %v", ErrKeyNotAccepted, err)
	}
	b, err := json.Marshal(key)
	if err != nil {
		return publicJWK{}, fmt.Errorf("issuer: encode public jwk: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return publicJWK{}, fmt.Errorf("issuer: encode public jwk: %w", err)
	}
	return publicJWK{pub: pub, jwk: m, thumbprint: base64.RawURLEncoding.EncodeToString(tp)}, nil
}
