package sdjwt

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"sort"
)

// Disclosable marks a claim value (an object property's value or an array
// element) as selectively disclosable. Values inside it may carry their own
// marks (recursive disclosures, RFC 9901 Section 4.2.6).
type Disclosable struct{ Value any }

// SD marks v as selectively disclosable:
//
//	claims := map[string]any{"given_name": sdjwt.SD("Asha"), "nationalities": []any{sdjwt.SD("IN")}}
func SD(v any) Disclosable { return Disclosable{Value: v} }

// Issuer creates SD-JWTs. Signer is required; every other field has a
// sensible zero value. An Issuer is safe for concurrent use if its Signer,
// Rand and Salt are.
type Issuer struct {
	Signer crypto.Signer
	// Alg is the JWS algorithm; empty picks ES256/ES384/ES512 by curve,
	// EdDSA for Ed25519 and PS256 for RSA.
	Alg string
	// Type is the typ header (RFC 9901 Section 9.11); IssueVC defaults it
	// to dc+sd-jwt.
	Type string
	// KeyID and X5C (DER certificates, leaf first) go into the protected
	// header when set.
	KeyID string
	X5C   [][]byte
	// Header holds further protected header parameters; it cannot override
	// alg, typ, kid or x5c.
	Header map[string]any
	// HashAlg is the _sd_alg: sha-256 (default), sha-384 or sha-512.
	HashAlg string
	// MinDecoys and MaxDecoys bound the number of decoy digests added to
	// every _sd array (RFC 9901 Section 4.2.5); the count is random in
	// [MinDecoys, MaxDecoys]. Zero adds none.
	MinDecoys, MaxDecoys int
	// Rand is the source of salts and decoys; nil means crypto/rand.
	// Only tests that reproduce vectors should set it.
	Rand io.Reader
	// Salt, when set, returns the salt of each disclosure in creation
	// order (children before parents, in claim order). Only for reproducing
	// published vectors; production issuance must leave it nil.
	Salt func() (string, error)
}

// saltBytes is the salt entropy: 128 bits (RFC 9901 Section 9.3).
const saltBytes = 16

// Issue creates an SD-JWT from claims: a map[string]any or an [Object]
// whose values may be wrapped with [SD]. Maps are processed in sorted key
// order, Objects in their order.
func (is *Issuer) Issue(claims any) (*SDJWT, error) {
	if is.Signer == nil {
		return nil, fmt.Errorf("%w: Issuer.Signer is nil", ErrConfig)
	}
	alg := is.Alg
	if alg == "" {
		var err error
		if alg, err = algForKey(is.Signer.Public()); err != nil {
			return nil, err
		}
	}
	sdAlg := is.HashAlg
	if sdAlg == "" {
		sdAlg = SHA256
	}
	h, err := newHash(sdAlg)
	if err != nil {
		return nil, fmt.Errorf("%w: Issuer.HashAlg: %w", ErrConfig, err)
	}
	if is.MinDecoys < 0 || is.MaxDecoys < is.MinDecoys {
		return nil, fmt.Errorf("%w: decoy range [%d, %d]", ErrConfig, is.MinDecoys, is.MaxDecoys)
	}
	root, ok := asObject(claims)
	if !ok {
		return nil, fmt.Errorf("%w: claims must be a map[string]any or an Object, not %T", ErrInvalidClaims, claims)
	}
	for _, m := range root {
		if m.Name == "_sd_alg" {
			return nil, fmt.Errorf("%w: claim _sd_alg is set by the issuer", ErrInvalidClaims)
		}
	}
	b := &builder{hash: h, rnd: is.Rand, salt: is.Salt, minDecoys: is.MinDecoys, maxDecoys: is.MaxDecoys}
	if b.rnd == nil {
		b.rnd = rand.Reader
	}
	out, err := b.object(root, nil)
	if err != nil {
		return nil, err
	}
	payloadObj := append(out.(Object), Member{"_sd_alg", sdAlg})

	header := Object{{"alg", alg}}
	if is.Type != "" {
		header = append(header, Member{"typ", is.Type})
	}
	if is.KeyID != "" {
		header = append(header, Member{"kid", is.KeyID})
	}
	if len(is.X5C) > 0 {
		chain := make([]any, len(is.X5C))
		for i, c := range is.X5C {
			chain[i] = base64.StdEncoding.EncodeToString(c)
		}
		header = append(header, Member{"x5c", chain})
	}
	extra := make([]string, 0, len(is.Header))
	for k := range is.Header {
		if slices.Contains([]string{"alg", "typ", "kid", "x5c"}, k) {
			return nil, fmt.Errorf("%w: Issuer.Header cannot set %q", ErrConfig, k)
		}
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		header = append(header, Member{k, is.Header[k]})
	}

	input, err := encodeJWSInput(header, payloadObj, b.scratch)
	if err != nil {
		return nil, err
	}
	jwt, err := signJWS(is.Signer, alg, input)
	if err != nil {
		return nil, err
	}
	hdr, payload, sig, _ := splitJWS(jwt, "issuer-signed JWT")
	return &SDJWT{Payload: payload, Signatures: []Signature{{Protected: hdr, Value: sig}}, Disclosures: b.disclosures}, nil
}

// encodeJWSInput returns base64url(header) "." base64url(payload).
func encodeJWSInput(header, payload any, scratch []byte) ([]byte, error) {
	hj, err := styleCompact.appendJSON(nil, header)
	if err != nil {
		return nil, err
	}
	pj, err := styleCompact.appendJSON(scratch[:0], payload)
	if err != nil {
		return nil, err
	}
	// Room for the signature too, so signJWS can append without copying.
	out := make([]byte, 0, b64.EncodedLen(len(hj))+1+b64.EncodedLen(len(pj))+1+b64.EncodedLen(132))
	out = b64.AppendEncode(out, hj)
	out = append(out, '.')
	return b64.AppendEncode(out, pj), nil
}

// asObject views a map or Object as an Object (maps in sorted key order).
func asObject(v any) (Object, bool) {
	switch x := v.(type) {
	case Object:
		return x, true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(Object, len(keys))
		for i, k := range keys {
			o[i] = Member{k, x[k]}
		}
		return o, true
	}
	return nil, false
}

type builder struct {
	hash                 func() hash.Hash
	rnd                  io.Reader
	salt                 func() (string, error)
	minDecoys, maxDecoys int
	disclosures          []*Disclosure
	scratch, encoded     []byte // reused buffers for disclosure JSON and base64
}

// maxIssueDepth bounds recursion over caller-supplied claims.
const maxIssueDepth = 64

func (b *builder) value(v any, path Path) (any, error) {
	if len(path) > maxIssueDepth {
		return nil, fmt.Errorf("%w: claims nested deeper than %d at %s", ErrInvalidClaims, maxIssueDepth, path)
	}
	switch x := v.(type) {
	case Disclosable:
		return nil, fmt.Errorf("%w: %s: SD() inside SD() marks nothing", ErrInvalidClaims, path)
	case Object, map[string]any:
		return b.object(x, path)
	case []any:
		return b.array(x, path)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	default:
		return v, nil
	}
}

func (b *builder) object(v any, path Path) (any, error) {
	obj, _ := asObject(v)
	out := make(Object, 1, len(obj)+1) // slot 0 for _sd
	var digests []string
	for _, m := range obj {
		if m.Name == "_sd" || m.Name == "..." {
			// RFC 9901 Section 4.2.1: these names are reserved.
			return nil, fmt.Errorf("%w: %s: claim name %q is reserved", ErrInvalidClaims, path.child(m.Name), m.Name)
		}
		if d, ok := m.Value.(Disclosable); ok {
			sub, err := b.value(d.Value, path.child(m.Name))
			if err != nil {
				return nil, err
			}
			dg, err := b.disclose(m.Name, false, sub)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path.child(m.Name), err)
			}
			digests = append(digests, dg)
			continue
		}
		sub, err := b.value(m.Value, path.child(m.Name))
		if err != nil {
			return nil, err
		}
		out = append(out, Member{m.Name, sub})
	}
	if len(digests) == 0 {
		return out[1:], nil
	}
	decoys, err := b.decoys()
	if err != nil {
		return nil, err
	}
	digests = append(digests, decoys...)
	// RFC 9901 Section 4.2.4.1: the order must not reveal the claim order.
	sort.Strings(digests)
	sd := make([]any, len(digests))
	for i, d := range digests {
		sd[i] = d
	}
	out[0] = Member{"_sd", sd}
	return out, nil
}

func (b *builder) array(arr []any, path Path) (any, error) {
	out := make([]any, len(arr))
	for i, e := range arr {
		if d, ok := e.(Disclosable); ok {
			sub, err := b.value(d.Value, path.child(i))
			if err != nil {
				return nil, err
			}
			dg, err := b.disclose("", true, sub)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path.child(i), err)
			}
			// RFC 9901 Section 4.2.4.2.
			out[i] = Object{{"...", dg}}
			continue
		}
		sub, err := b.value(e, path.child(i))
		if err != nil {
			return nil, err
		}
		out[i] = sub
	}
	return out, nil
}

func (b *builder) newSalt() (string, error) {
	if b.salt != nil {
		return b.salt()
	}
	var raw [saltBytes]byte
	if _, err := io.ReadFull(b.rnd, raw[:]); err != nil {
		return "", fmt.Errorf("sdjwt: reading salt: %w", err)
	}
	return b64.EncodeToString(raw[:]), nil
}

func (b *builder) disclose(name string, element bool, value any) (string, error) {
	salt, err := b.newSalt()
	if err != nil {
		return "", err
	}
	raw, err := encodeDisclosure(b.scratch, salt, name, element, value)
	if err != nil {
		return "", err
	}
	b.scratch = raw
	b.encoded = b64.AppendEncode(b.encoded[:0], raw)
	hh := b.hash()
	hh.Write(b.encoded)
	var sum [64]byte
	digest := b64.EncodeToString(hh.Sum(sum[:0])) // Section 4.2.3
	b.disclosures = append(b.disclosures, &Disclosure{Salt: salt, Name: name, ArrayElement: element, Value: value, Encoded: string(b.encoded)})
	return digest, nil
}

// decoys returns decoy digests: hashes over fresh random values
// (RFC 9901 Section 4.2.5).
func (b *builder) decoys() ([]string, error) {
	n := b.minDecoys
	if span := b.maxDecoys - b.minDecoys; span > 0 {
		r, err := rand.Int(b.rnd, big.NewInt(int64(span+1)))
		if err != nil {
			return nil, fmt.Errorf("sdjwt: choosing decoy count: %w", err)
		}
		n += int(r.Int64())
	}
	out := make([]string, n)
	for i := range out {
		var raw [saltBytes]byte
		if _, err := io.ReadFull(b.rnd, raw[:]); err != nil {
			return nil, fmt.Errorf("sdjwt: reading decoy: %w", err)
		}
		out[i] = digestOf(b.hash, b64.EncodeToString(raw[:]))
	}
	return out, nil
}
