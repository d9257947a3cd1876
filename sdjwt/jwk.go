package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// ParseJWK turns a public JWK (RFC 7517; EC P-256/P-384/P-521, OKP Ed25519,
// RSA of at least 2048 bits) into a public key. Private members are ignored.
func ParseJWK(jwk map[string]any) (crypto.PublicKey, error) {
	str := func(name string) (string, error) {
		s, ok := jwk[name].(string)
		if !ok || s == "" {
			return "", fmt.Errorf("%w: JWK member %q missing or not a string", ErrMalformed, name)
		}
		return s, nil
	}
	kty, err := str("kty")
	if err != nil {
		return nil, err
	}
	switch kty {
	case "EC":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		var curve elliptic.Curve
		switch crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("%w: JWK curve %q not supported", ErrMalformed, crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		xs, err := str("x")
		if err != nil {
			return nil, err
		}
		ys, err := str("y")
		if err != nil {
			return nil, err
		}
		x, err := decodeB64(xs, "JWK x")
		if err != nil {
			return nil, err
		}
		y, err := decodeB64(ys, "JWK y")
		if err != nil {
			return nil, err
		}
		if len(x) != size || len(y) != size {
			return nil, fmt.Errorf("%w: JWK %s coordinates must be %d bytes", ErrMalformed, crv, size)
		}
		point := make([]byte, 0, 1+2*size)
		point = append(append(append(point, 4), x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, fmt.Errorf("%w: JWK %s point: %v", ErrMalformed, crv, err)
		}
		return pub, nil
	case "OKP":
		crv, err := str("crv")
		if err != nil {
			return nil, err
		}
		if crv != "Ed25519" {
			return nil, fmt.Errorf("%w: JWK OKP curve %q not supported", ErrMalformed, crv)
		}
		xs, err := str("x")
		if err != nil {
			return nil, err
		}
		x, err := decodeB64(xs, "JWK x")
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: JWK Ed25519 key must be 32 bytes", ErrMalformed)
		}
		return ed25519.PublicKey(x), nil
	case "RSA":
		ns, err := str("n")
		if err != nil {
			return nil, err
		}
		es, err := str("e")
		if err != nil {
			return nil, err
		}
		n, err := decodeB64(ns, "JWK n")
		if err != nil {
			return nil, err
		}
		e, err := decodeB64(es, "JWK e")
		if err != nil {
			return nil, err
		}
		if len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("%w: JWK RSA exponent out of range", ErrMalformed)
		}
		var exp int
		for _, c := range e {
			exp = exp<<8 | int(c)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
		if pub.N.BitLen() < 2048 || exp < 3 || exp%2 == 0 {
			return nil, fmt.Errorf("%w: JWK RSA key must be at least 2048 bits with an odd exponent", ErrMalformed)
		}
		return pub, nil
	default:
		return nil, fmt.Errorf("%w: JWK kty %q not supported", ErrMalformed, kty)
	}
}

// PublicJWK returns the public JWK of a key (ECDSA, Ed25519 or RSA), for
// example for the cnf claim.
func PublicJWK(pub crypto.PublicKey) (map[string]any, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		var crv string
		switch k.Curve {
		case elliptic.P256():
			crv = "P-256"
		case elliptic.P384():
			crv = "P-384"
		case elliptic.P521():
			crv = "P-521"
		default:
			return nil, fmt.Errorf("%w: unsupported curve", ErrConfig)
		}
		raw, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: ECDSA key: %v", ErrConfig, err)
		}
		size := (len(raw) - 1) / 2
		return map[string]any{"kty": "EC", "crv": crv,
			"x": b64.EncodeToString(raw[1 : 1+size]), "y": b64.EncodeToString(raw[1+size:])}, nil
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}, nil
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		return map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(e)}, nil
	default:
		return nil, fmt.Errorf("%w: unsupported public key type %T", ErrConfig, pub)
	}
}

// Cnf returns the confirmation claim {"jwk": ...} that binds an SD-JWT to
// the holder's public key (RFC 9901 Section 4.1.2, RFC 7800 Section 3.2).
func Cnf(holder crypto.PublicKey) (map[string]any, error) {
	jwk, err := PublicJWK(holder)
	if err != nil {
		return nil, err
	}
	return map[string]any{"jwk": jwk}, nil
}
