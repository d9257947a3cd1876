package sdjwt

import (
	"crypto"
	"fmt"
	"time"
)

// DisclosedClaim is a disclosure together with the path of the claim it
// discloses.
type DisclosedClaim struct {
	Path       Path
	Disclosure *Disclosure
}

// Claims lists every disclosure of the SD-JWT with the path of its claim,
// parents before children. It checks the structure as verification does
// (RFC 9901 Section 7.1 step 3) but not the signature.
func (s *SDJWT) Claims() ([]DisclosedClaim, error) {
	_, _, used, err := s.process(DefaultLimits)
	return used, err
}

// Select returns a copy of the SD-JWT keeping only the disclosures needed
// to reveal the claims at paths: the disclosure of each claim and those of
// its selectively disclosable parents (RFC 9901 Section 7.2, step 2). A path
// to an always-visible claim selects nothing; a path to no claim fails with
// ErrUnknownPath. The copy carries no key binding.
func (s *SDJWT) Select(paths ...Path) (*SDJWT, error) {
	payload, _, all, err := s.process(DefaultLimits)
	if err != nil {
		return nil, err
	}
	keep := make(map[*Disclosure]bool)
	for _, p := range paths {
		found := false
		for _, dc := range all {
			if len(dc.Path) <= len(p) && dc.Path.equal(p[:len(dc.Path)]) {
				keep[dc.Disclosure] = true
				found = found || len(dc.Path) == len(p)
			}
		}
		if !found && !plainPathExists(payload, p, all) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownPath, p)
		}
	}
	out := &SDJWT{Payload: s.Payload, Signatures: s.Signatures}
	for _, d := range s.Disclosures { // keep the issuer's order
		if keep[d] {
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	return out, nil
}

// plainPathExists reports whether p names a claim that is visible without
// a disclosure of its own, under a parent that is either plain or disclosed.
func plainPathExists(payload map[string]any, p Path, all []DisclosedClaim) bool {
	// Find the deepest disclosed ancestor and walk from its value.
	var cur any = payload
	start := 0
	for _, dc := range all {
		if len(dc.Path) < len(p) && len(dc.Path) > start && dc.Path.equal(p[:len(dc.Path)]) {
			cur, start = dc.Disclosure.Value, len(dc.Path)
		}
	}
	for _, step := range p[start:] {
		if o, ok := cur.(Object); ok {
			m := make(map[string]any, len(o))
			for _, mem := range o {
				m[mem.Name] = mem.Value
			}
			cur = m
		}
		switch x := cur.(type) {
		case map[string]any:
			name, ok := step.(string)
			if !ok || name == "_sd" {
				return false
			}
			if cur, ok = x[name]; !ok {
				return false
			}
		case []any:
			i, ok := step.(int)
			if !ok || i < 0 || i >= len(x) {
				return false
			}
			cur = x[i]
		default:
			return false
		}
	}
	return true
}

// KeyBinding is what the holder needs to create a KB-JWT (RFC 9901
// Section 4.3).
type KeyBinding struct {
	Signer   crypto.Signer // the holder key named by cnf
	Alg      string        // empty: derived from the key (ES256 for P-256)
	Audience string        // aud: the verifier
	Nonce    string        // nonce: from the verifier
	IssuedAt time.Time     // iat
}

// AddKeyBinding signs a KB-JWT over the SD-JWT as it stands (issuer-signed
// JWT and the selected disclosures) and attaches it, replacing any earlier
// one.
func (s *SDJWT) AddKeyBinding(kb KeyBinding) error {
	if kb.Signer == nil || kb.Audience == "" || kb.Nonce == "" || kb.IssuedAt.IsZero() {
		return fmt.Errorf("%w: KeyBinding needs Signer, Audience, Nonce and IssuedAt", ErrConfig)
	}
	alg := kb.Alg
	if alg == "" {
		var err error
		if alg, err = algForKey(kb.Signer.Public()); err != nil {
			return err
		}
	}
	sdAlg, err := s.sdAlg()
	if err != nil {
		return err
	}
	h, err := newHash(sdAlg)
	if err != nil {
		return err
	}
	s.KeyBinding = ""
	header := Object{{"alg", alg}, {"typ", "kb+jwt"}}
	payload := Object{
		{"nonce", kb.Nonce},
		{"aud", kb.Audience},
		{"iat", kb.IssuedAt.Unix()},
		{"sd_hash", digestOf(h, s.sdPart())}, // Section 4.3.1
	}
	input, err := encodeJWSInput(header, payload, nil)
	if err != nil {
		return err
	}
	jwt, err := signJWS(kb.Signer, alg, input)
	if err != nil {
		return err
	}
	s.KeyBinding = jwt
	return nil
}

// Present is Select followed by AddKeyBinding when kb is not nil.
func (s *SDJWT) Present(kb *KeyBinding, paths ...Path) (*SDJWT, error) {
	out, err := s.Select(paths...)
	if err != nil {
		return nil, err
	}
	if kb != nil {
		if err := out.AddKeyBinding(*kb); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sdAlg reads _sd_alg from the payload (default sha-256, RFC 9901 Section 4.1.1).
func (s *SDJWT) sdAlg() (string, error) {
	payload, err := s.payloadClaims(DefaultLimits)
	if err != nil {
		return "", err
	}
	return sdAlgOf(payload)
}

func sdAlgOf(payload map[string]any) (string, error) {
	v, ok := payload["_sd_alg"]
	if !ok {
		return SHA256, nil
	}
	name, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: _sd_alg is not a string", ErrMalformed)
	}
	if _, err := newHash(name); err != nil {
		return "", err
	}
	return name, nil
}

func (s *SDJWT) payloadClaims(lim Limits) (map[string]any, error) {
	if len(s.Signatures) == 0 {
		return nil, fmt.Errorf("%w: no signature", ErrMalformed)
	}
	raw, err := decodeB64(s.Payload, "issuer-signed JWT payload")
	if err != nil {
		return nil, err
	}
	return decodeObjectJSON(raw, lim.MaxDepth, "issuer-signed JWT payload")
}

// AddSignature signs the issuer-signed JWT payload with one more key, for
// the General JWS JSON serialization (RFC 9901 Section 8.3). The new
// signature's protected header carries alg (and the first signature's typ);
// kid, when set, goes into its unprotected header. The compact form keeps
// using the first signature.
func (s *SDJWT) AddSignature(signer crypto.Signer, alg, kid string) error {
	if signer == nil || len(s.Signatures) == 0 {
		return fmt.Errorf("%w: AddSignature needs a signer and an issued SD-JWT", ErrConfig)
	}
	if alg == "" {
		var err error
		if alg, err = algForKey(signer.Public()); err != nil {
			return err
		}
	}
	first, err := parseHeader(s.Signatures[0].Protected, DefaultLimits, "issuer-signed JWT header")
	if err != nil {
		return err
	}
	header := Object{{"alg", alg}}
	if first.Typ != "" {
		header = append(header, Member{"typ", first.Typ})
	}
	hj, err := styleCompact.appendJSON(nil, header)
	if err != nil {
		return err
	}
	protected := b64.EncodeToString(hj)
	jws, err := signJWS(signer, alg, []byte(protected+"."+s.Payload))
	if err != nil {
		return err
	}
	_, _, sig, _ := splitJWS(jws, "signature")
	var unprotected map[string]any
	if kid != "" {
		unprotected = map[string]any{"kid": kid}
	}
	s.Signatures = append(s.Signatures, Signature{Protected: protected, Header: unprotected, Value: sig})
	return nil
}
