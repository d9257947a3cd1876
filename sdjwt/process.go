package sdjwt

import (
	"fmt"
	"hash"
	"sort"
)

// process runs RFC 9901 Section 7.1 step 3 to 5 over the payload and the
// disclosures: it returns the raw payload, the processed payload and the
// disclosures used with their paths (parents before children).
func (s *SDJWT) process(lim Limits) (raw, processed map[string]any, used []DisclosedClaim, err error) {
	lim = lim.orDefault()
	if len(s.Disclosures) > lim.MaxDisclosures {
		return nil, nil, nil, fmt.Errorf("%w: %d disclosures exceed %d", ErrTooLarge, len(s.Disclosures), lim.MaxDisclosures)
	}
	raw, err = s.payloadClaims(lim)
	if err != nil {
		return nil, nil, nil, err
	}
	processed, used, err = s.processRaw(raw, lim)
	return raw, processed, used, err
}

// processRaw processes an already decoded payload.
func (s *SDJWT) processRaw(raw map[string]any, lim Limits) (map[string]any, []DisclosedClaim, error) {
	lim = lim.orDefault()
	sdAlg, err := sdAlgOf(raw) // Section 7.1 step 2.4
	if err != nil {
		return nil, nil, err
	}
	h, _ := newHash(sdAlg)
	byDigest, err := digestIndex(h, s.Disclosures)
	if err != nil {
		return nil, nil, err
	}
	p := &processor{hash: h, lim: lim, disclosures: s.Disclosures, byDigest: byDigest,
		used: make([]bool, len(s.Disclosures)), seen: make(map[string]struct{}, len(byDigest))}
	out, err := p.object(raw, nil, 0, true)
	if err != nil {
		return nil, nil, err
	}
	for i, u := range p.used {
		if !u { // Section 7.1 step 5
			return nil, nil, fmt.Errorf("%w: disclosure %d (%s) matches no digest", ErrDisclosureUnreferenced, i, s.Disclosures[i].label())
		}
	}
	return out, p.out, nil
}

type processor struct {
	hash        func() hash.Hash
	lim         Limits
	disclosures []*Disclosure
	byDigest    map[string]int
	used        []bool
	seen        map[string]struct{}
	out         []DisclosedClaim
}

func (p *processor) value(v any, path Path, depth int) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return p.object(x, path, depth+1, false)
	case Object: // a disclosure value from Issue, before any serialization
		m := make(map[string]any, len(x))
		for _, mem := range x {
			m[mem.Name] = mem.Value
		}
		return p.object(m, path, depth+1, false)
	case []any:
		return p.array(x, path, depth+1)
	}
	return v, nil
}

// claim records that digest dg was met at path and returns its disclosure,
// or nil when no disclosure has that digest (a decoy or an undisclosed
// claim: Section 7.1 step 3.3.1 says to ignore it).
func (p *processor) claim(dg string, path Path) (*Disclosure, int, error) {
	if _, dup := p.seen[dg]; dup { // Section 7.1 step 4
		return nil, 0, fmt.Errorf("%w: digest %s at %s appeared before", ErrDigestNotUnique, dg, path)
	}
	p.seen[dg] = struct{}{}
	i, ok := p.byDigest[dg]
	if !ok {
		return nil, 0, nil
	}
	if p.used[i] {
		return nil, 0, fmt.Errorf("%w: disclosure %d at %s", ErrDisclosureReused, i, path)
	}
	p.used[i] = true
	return p.disclosures[i], i, nil
}

func (p *processor) object(m map[string]any, path Path, depth int, root bool) (map[string]any, error) {
	if depth > p.lim.MaxDepth {
		return nil, fmt.Errorf("%w: claims at %s nested deeper than %d", ErrTooLarge, path, p.lim.MaxDepth)
	}
	out := make(map[string]any, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		if k == "_sd" || (root && k == "_sd_alg") { // Section 7.1 steps 3.5 and 3.6
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := p.value(m[k], path.child(k), depth)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	sdv, ok := m["_sd"]
	if !ok {
		return out, nil
	}
	arr, ok := sdv.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: _sd at %s is not an array", ErrMalformed, path)
	}
	for _, e := range arr {
		dg, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: _sd at %s holds a non-string", ErrMalformed, path)
		}
		d, i, err := p.claim(dg, path)
		if err != nil || d == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if d.ArrayElement { // Section 7.1 step 3.3.2.1
			return nil, fmt.Errorf("%w: array-element disclosure %d referenced from _sd at %s", ErrDisclosureMismatch, i, path)
		}
		if d.Name == "_sd" || d.Name == "..." { // step 3.3.2.2
			return nil, fmt.Errorf("%w: disclosure %d at %s uses %q", ErrReservedName, i, path, d.Name)
		}
		_, exists := out[d.Name]
		if _, inRaw := m[d.Name]; exists || inRaw { // step 3.3.2.3
			return nil, fmt.Errorf("%w: disclosure %d: %s", ErrClaimExists, i, path.child(d.Name))
		}
		cp := path.child(d.Name)
		p.out = append(p.out, DisclosedClaim{Path: cp, Disclosure: d})
		v, err := p.value(d.Value, cp, depth)
		if err != nil {
			return nil, err
		}
		out[d.Name] = v
	}
	return out, nil
}

func (p *processor) array(a []any, path Path, depth int) ([]any, error) {
	if depth > p.lim.MaxDepth {
		return nil, fmt.Errorf("%w: claims at %s nested deeper than %d", ErrTooLarge, path, p.lim.MaxDepth)
	}
	out := make([]any, 0, len(a))
	for idx, e := range a {
		cp := path.child(idx)
		dg, isDigest := arrayDigest(e)
		if !isDigest {
			v, err := p.value(e, cp, depth)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		d, i, err := p.claim(dg, cp)
		if err != nil {
			return nil, err
		}
		if d == nil {
			continue // Section 7.1 step 3.4: remove undisclosed elements
		}
		if !d.ArrayElement { // step 3.3.3.1
			return nil, fmt.Errorf("%w: disclosure %d (%s) referenced from array element %s", ErrDisclosureMismatch, i, d.label(), cp)
		}
		p.out = append(p.out, DisclosedClaim{Path: cp, Disclosure: d})
		v, err := p.value(d.Value, cp, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// arrayDigest recognises {"...": "<digest>"} (Section 7.1 step 3.2.2).
func arrayDigest(e any) (string, bool) {
	if o, ok := e.(Object); ok && len(o) == 1 && o[0].Name == "..." {
		dg, ok := o[0].Value.(string)
		return dg, ok
	}
	m, ok := e.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	dg, ok := m["..."].(string)
	return dg, ok
}
