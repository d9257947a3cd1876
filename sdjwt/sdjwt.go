package sdjwt

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits bound what a parser accepts from outside. A zero field takes the
// value of DefaultLimits.
type Limits struct {
	MaxSize        int // bytes of a whole serialized SD-JWT (+KB)
	MaxDisclosures int // disclosures in one SD-JWT
	MaxDepth       int // JSON nesting depth (per document and across recursive disclosures)
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxSize: 1 << 20, MaxDisclosures: 1024, MaxDepth: 32}

func (l Limits) orDefault() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	if l.MaxDisclosures <= 0 {
		l.MaxDisclosures = DefaultLimits.MaxDisclosures
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// Signature is one signature over the issuer-signed JWT payload. The compact
// serialization has exactly one; the General JWS JSON serialization may
// carry more (RFC 9901 Section 8.3).
type Signature struct {
	Protected string         // base64url protected header
	Header    map[string]any // unprotected header, without disclosures and kb_jwt
	Value     string         // base64url signature
}

// SDJWT is an SD-JWT or SD-JWT+KB (RFC 9901 Section 4) in parsed form.
type SDJWT struct {
	Payload     string      // base64url payload of the issuer-signed JWT
	Signatures  []Signature // at least one; the first is used for the compact form
	Disclosures []*Disclosure
	KeyBinding  string // compact KB-JWT, empty when none
}

// IssuerJWT returns the issuer-signed JWT in compact form (first signature).
func (s *SDJWT) IssuerJWT() string {
	sig := s.Signatures[0]
	return sig.Protected + "." + s.Payload + "." + sig.Value
}

// sdPart returns <JWT>~<D1>~...~<Dn>~, the input of sd_hash
// (RFC 9901 Section 4.3.1 and, for JSON, Section 8.1).
func (s *SDJWT) sdPart() string {
	var b strings.Builder
	n := len(s.Signatures[0].Protected) + len(s.Payload) + len(s.Signatures[0].Value) + 3
	for _, d := range s.Disclosures {
		n += len(d.Encoded) + 1
	}
	b.Grow(n + len(s.KeyBinding))
	b.WriteString(s.IssuerJWT())
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// String returns the compact serialization
// <Issuer-signed JWT>~<D1>~...~<Dn>~[<KB-JWT>] (RFC 9901 Section 4).
func (s *SDJWT) String() string { return s.sdPart() + s.KeyBinding }

// FlattenedJSON returns the Flattened JWS JSON serialization with
// disclosures (and kb_jwt) in the unprotected header (RFC 9901 Section 8.2).
// Only the first signature is kept.
func (s *SDJWT) FlattenedJSON() ([]byte, error) {
	sig := s.Signatures[0]
	obj := Object{
		{"header", s.unprotected(sig.Header)},
		{"payload", s.Payload},
		{"protected", sig.Protected},
		{"signature", sig.Value},
	}
	return styleCompact.appendJSON(nil, obj)
}

// GeneralJSON returns the General JWS JSON serialization; disclosures and
// kb_jwt go into the first signature's unprotected header only (Section 8.3).
func (s *SDJWT) GeneralJSON() ([]byte, error) {
	sigs := make([]any, len(s.Signatures))
	for i, sig := range s.Signatures {
		h := sig.Header
		if i == 0 {
			h = s.unprotected(h)
		}
		o := Object{}
		if len(h) > 0 {
			o = append(o, Member{"header", h})
		}
		o = append(o, Member{"protected", sig.Protected}, Member{"signature", sig.Value})
		sigs[i] = o
	}
	return styleCompact.appendJSON(nil, Object{{"payload", s.Payload}, {"signatures", sigs}})
}

func (s *SDJWT) unprotected(extra map[string]any) map[string]any {
	h := make(map[string]any, len(extra)+2)
	for k, v := range extra {
		h[k] = v
	}
	ds := make([]any, len(s.Disclosures))
	for i, d := range s.Disclosures {
		ds[i] = d.Encoded
	}
	h["disclosures"] = ds
	if s.KeyBinding != "" {
		h["kb_jwt"] = s.KeyBinding
	}
	return h
}

// Parse parses an SD-JWT or SD-JWT+KB in compact or JWS JSON serialization
// (flattened or general) under DefaultLimits. Signatures are not checked.
func Parse(data []byte) (*SDJWT, error) { return DefaultLimits.Parse(data) }

// Parse parses under these limits.
func (l Limits) Parse(data []byte) (*SDJWT, error) {
	l = l.orDefault()
	if len(data) > l.MaxSize {
		return nil, fmt.Errorf("%w: SD-JWT of %d bytes exceeds %d", ErrTooLarge, len(data), l.MaxSize)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty SD-JWT", ErrMalformed)
	}
	if trimmed[0] == '{' {
		return l.parseJSON(trimmed)
	}
	return l.parseCompact(string(trimmed))
}

func (l Limits) parseCompact(s string) (*SDJWT, error) {
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: no '~' separator: not an SD-JWT", ErrMalformed)
	}
	if len(parts)-2 > l.MaxDisclosures {
		return nil, fmt.Errorf("%w: %d disclosures exceed %d", ErrTooLarge, len(parts)-2, l.MaxDisclosures)
	}
	h, p, sig, err := splitJWS(parts[0], "issuer-signed JWT")
	if err != nil {
		return nil, err
	}
	out := &SDJWT{Payload: p, Signatures: []Signature{{Protected: h, Value: sig}}, KeyBinding: parts[len(parts)-1]}
	for i, enc := range parts[1 : len(parts)-1] {
		if enc == "" {
			return nil, fmt.Errorf("%w: disclosure %d is empty", ErrMalformed, i)
		}
		d, err := parseDisclosure(enc, i, l)
		if err != nil {
			return nil, err
		}
		out.Disclosures = append(out.Disclosures, d)
	}
	if out.KeyBinding != "" {
		if _, _, _, err := splitJWS(out.KeyBinding, "key binding JWT"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l Limits) parseJSON(data []byte) (*SDJWT, error) {
	m, err := decodeObjectJSON(data, l.MaxDepth, "JWS JSON serialization")
	if err != nil {
		return nil, err
	}
	payload, ok := m["payload"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: JWS JSON: payload missing or not a string", ErrMalformed)
	}
	if _, err := decodeB64(payload, "JWS JSON payload"); err != nil {
		return nil, err
	}
	out := &SDJWT{Payload: payload}
	var sigObjs []any
	if raw, general := m["signatures"]; general {
		if _, flat := m["signature"]; flat {
			return nil, fmt.Errorf("%w: JWS JSON: both signature and signatures", ErrMalformed)
		}
		if sigObjs, ok = raw.([]any); !ok || len(sigObjs) == 0 {
			return nil, fmt.Errorf("%w: JWS JSON: signatures is not a non-empty array", ErrMalformed)
		}
	} else {
		sigObjs = []any{m} // flattened: the top level is the signature object (RFC 7515 Section 7.2.2)
	}
	for i, so := range sigObjs {
		sm, ok := so.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: JWS JSON: signature %d is not an object", ErrMalformed, i)
		}
		sig, err := l.parseSignatureObject(sm, i, out)
		if err != nil {
			return nil, err
		}
		out.Signatures = append(out.Signatures, sig)
	}
	return out, nil
}

func (l Limits) parseSignatureObject(sm map[string]any, i int, out *SDJWT) (Signature, error) {
	var sig Signature
	var ok bool
	if sig.Protected, ok = sm["protected"].(string); !ok {
		return sig, fmt.Errorf("%w: JWS JSON: signature %d: protected missing or not a string", ErrMalformed, i)
	}
	if sig.Value, ok = sm["signature"].(string); !ok {
		return sig, fmt.Errorf("%w: JWS JSON: signature %d: signature missing or not a string", ErrMalformed, i)
	}
	for _, part := range []string{sig.Protected, sig.Value} {
		if _, err := decodeB64(part, fmt.Sprintf("JWS JSON signature %d", i)); err != nil {
			return sig, err
		}
	}
	hv, present := sm["header"]
	if !present {
		return sig, nil
	}
	h, ok := hv.(map[string]any)
	if !ok {
		return sig, fmt.Errorf("%w: JWS JSON: signature %d: header is not an object", ErrMalformed, i)
	}
	sig.Header = make(map[string]any, len(h))
	for k, v := range h {
		switch k {
		case "disclosures", "kb_jwt":
			// RFC 9901 Section 8.3: only in the first unprotected header.
			if i != 0 {
				return sig, fmt.Errorf("%w: JWS JSON: %s in signature %d (only the first may carry it)", ErrMalformed, k, i)
			}
		default:
			sig.Header[k] = v
		}
	}
	if dv, present := h["disclosures"]; present {
		arr, ok := dv.([]any)
		if !ok {
			return sig, fmt.Errorf("%w: JWS JSON: disclosures is not an array", ErrMalformed)
		}
		if len(arr) > l.MaxDisclosures {
			return sig, fmt.Errorf("%w: %d disclosures exceed %d", ErrTooLarge, len(arr), l.MaxDisclosures)
		}
		for j, e := range arr {
			enc, ok := e.(string)
			if !ok {
				return sig, fmt.Errorf("%w: JWS JSON: disclosure %d is not a string", ErrMalformed, j)
			}
			d, err := parseDisclosure(enc, j, l)
			if err != nil {
				return sig, err
			}
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	if kv, present := h["kb_jwt"]; present {
		kb, ok := kv.(string)
		if !ok || kb == "" {
			return sig, fmt.Errorf("%w: JWS JSON: kb_jwt is not a non-empty string", ErrMalformed)
		}
		if _, _, _, err := splitJWS(kb, "key binding JWT"); err != nil {
			return sig, err
		}
		out.KeyBinding = kb
	}
	return sig, nil
}
