package sdjwt

import (
	"fmt"
	"hash"
)

// Disclosure is one disclosure (RFC 9901 Section 4.2): a salt, for an object
// property a claim name, and a claim value.
type Disclosure struct {
	Salt string
	// Name is the claim name of an object-property disclosure
	// (Section 4.2.1); empty for an array element.
	Name string
	// ArrayElement is true for an array-element disclosure (Section 4.2.2).
	ArrayElement bool
	// Value is the claim value as decoded JSON (map[string]any, []any,
	// string, float64, bool or nil) or, after issuance, as given.
	Value any
	// Encoded is the base64url string as it appears in the SD-JWT; its
	// digest is what the issuer-signed JWT embeds (Section 4.2.3).
	Encoded string
}

// Digest returns the digest of the disclosure under the named _sd_alg.
func (d *Disclosure) Digest(sdAlg string) (string, error) {
	h, err := newHash(sdAlg)
	if err != nil {
		return "", err
	}
	return digestOf(h, d.Encoded), nil
}

// label names a disclosure in error messages without printing its value.
func (d *Disclosure) label() string {
	if d.ArrayElement {
		return "array-element disclosure"
	}
	return fmt.Sprintf("disclosure of %q", d.Name)
}

// encodeDisclosure builds the disclosure array [salt, name, value] or
// [salt, value] in the spaced style of the RFC examples and base64url-encodes
// it (Sections 4.2.1 and 4.2.2).
func encodeDisclosure(buf []byte, salt, name string, element bool, value any) ([]byte, error) {
	b := append(buf[:0], '[')
	b = appendString(b, salt)
	b = append(b, ", "...)
	if !element {
		b = appendString(b, name)
		b = append(b, ", "...)
	}
	b, err := styleSpaced.appendJSON(b, value)
	if err != nil {
		return nil, err
	}
	return append(b, ']'), nil
}

// parseDisclosure decodes one disclosure. Any valid JSON array of the right
// shape is accepted, whatever its whitespace.
func parseDisclosure(encoded string, index int, lim Limits) (*Disclosure, error) {
	what := fmt.Sprintf("disclosure %d", index)
	raw, err := decodeB64(encoded, what)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON(raw, lim.MaxDepth, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	arr, ok := v.([]any)
	if !ok || (len(arr) != 2 && len(arr) != 3) {
		return nil, fmt.Errorf("%w: %s is not a JSON array of 2 or 3 elements", ErrMalformed, what)
	}
	salt, ok := arr[0].(string)
	if !ok {
		return nil, fmt.Errorf("%w: %s: salt is not a string", ErrMalformed, what)
	}
	d := &Disclosure{Salt: salt, Encoded: encoded}
	if len(arr) == 2 {
		d.ArrayElement = true
		d.Value = arr[1]
		return d, nil
	}
	name, ok := arr[1].(string)
	if !ok {
		return nil, fmt.Errorf("%w: %s: claim name is not a string", ErrMalformed, what)
	}
	d.Name, d.Value = name, arr[2]
	return d, nil
}

// digestIndex maps digests to disclosures.
func digestIndex(h func() hash.Hash, ds []*Disclosure) (map[string]int, error) {
	idx := make(map[string]int, len(ds))
	for i, d := range ds {
		dg := digestOf(h, d.Encoded)
		if j, dup := idx[dg]; dup {
			return nil, fmt.Errorf("%w: disclosures %d and %d are the same", ErrDisclosureReused, j, i)
		}
		idx[dg] = i
	}
	return idx, nil
}
