package jose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrMalformed is wrapped when a compact JWS cannot be parsed; ErrVerify
// when its signature does not verify.
var (
	ErrMalformed = errors.New("jose: malformed compact JWS")
	ErrVerify    = errors.New("jose: signature does not verify")
)

// Compact is a parsed compact JWS (RFC 7515 Section 7.1), not yet verified.
type Compact struct {
	Header       map[string]json.RawMessage
	Payload      []byte
	SigningInput []byte
	Signature    []byte
}

// ParseCompact splits and decodes a compact JWS of at most maxBytes. The
// header must be a JSON object with no repeated member.
func ParseCompact(token string, maxBytes int) (*Compact, error) {
	if len(token) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrMalformed, maxBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("%w: not three non-empty base64url parts", ErrMalformed)
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	header, err := DecodeObject(hb)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	return &Compact{Header: header, Payload: payload, SigningInput: []byte(parts[0] + "." + parts[1]), Signature: sig}, nil
}

// DecodeObject decodes a JSON object, refusing repeated members (RFC 7515
// Section 5.2 lets a parser reject them; accepting them lets two parsers
// read different values) and trailing data.
func DecodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("member %.40q appears twice", name)
		}
		out[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

// Verify checks the signature with pub under alg: ES256, ES384, ES512
// (RFC 7518 Section 3.4, R || S), EdDSA with Ed25519 (RFC 8037), PS256 or
// RS256 with a key of 2048 bits or more (RFC 7518 Sections 3.5 and 3.3).
func (c *Compact) Verify(alg string, pub crypto.PublicKey) error {
	switch alg {
	case "ES256", "ES384", "ES512":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an EC key", ErrVerify, alg)
		}
		name, hash, size, err := ecdsaAlg(k)
		if err != nil || name != alg {
			return fmt.Errorf("%w: the key's curve does not fit %s", ErrVerify, alg)
		}
		if len(c.Signature) != 2*size {
			return fmt.Errorf("%w: signature length", ErrVerify)
		}
		d := hash.New()
		d.Write(c.SigningInput)
		r := new(big.Int).SetBytes(c.Signature[:size])
		s := new(big.Int).SetBytes(c.Signature[size:])
		if !ecdsa.Verify(k, d.Sum(nil), r, s) {
			return ErrVerify
		}
		return nil
	case "EdDSA":
		k, ok := pub.(ed25519.PublicKey)
		if !ok || !ed25519.Verify(k, c.SigningInput, c.Signature) {
			return ErrVerify
		}
		return nil
	case "PS256", "RS256":
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N.BitLen() < 2048 {
			return fmt.Errorf("%w: %s needs an RSA key of 2048 bits or more", ErrVerify, alg)
		}
		d := crypto.SHA256.New()
		d.Write(c.SigningInput)
		var err error
		if alg == "PS256" {
			err = rsa.VerifyPSS(k, crypto.SHA256, d.Sum(nil), c.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else { // RFC 7518 Section 3.3
			err = rsa.VerifyPKCS1v15(k, crypto.SHA256, d.Sum(nil), c.Signature)
		}
		if err != nil {
			return ErrVerify
		}
		return nil
	}
	return fmt.Errorf("%w: algorithm %.20q is not supported", ErrVerify, alg)
}
