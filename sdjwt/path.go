package sdjwt

import (
	"fmt"
	"strconv"
	"strings"
)

// Path names a claim: object member names (string) and array indexes (int),
// from the top of the payload, e.g. Path{"address", "locality"} or
// Path{"nationalities", 0}. Array indexes count the elements of the array as
// issued, undisclosed ones included.
type Path []any

func (p Path) child(step any) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, step)
}

// String renders the path like a JSON array, e.g. ["address","locality"].
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		switch x := s.(type) {
		case string:
			b.Write(appendString(nil, x))
		case int:
			b.WriteString(strconv.Itoa(x))
		default:
			fmt.Fprintf(&b, "%v", x)
		}
	}
	b.WriteByte(']')
	return b.String()
}

func (p Path) equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// MarkPaths returns a copy of claims (a map[string]any or an Object) in
// which the value at each path is marked selectively disclosable, as if it
// had been wrapped with [SD]. Containers along the paths are copied; the
// input is not modified. A path may lead through an already marked value
// (recursive disclosure).
func MarkPaths(claims any, paths ...Path) (any, error) {
	out := claims
	for _, p := range paths {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: the whole payload cannot be selectively disclosable", ErrInvalidClaims)
		}
		var err error
		if out, err = markPath(out, p, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func markPath(v any, p Path, i int) (any, error) {
	if d, ok := v.(Disclosable); ok {
		inner, err := markPath(d.Value, p, i)
		if err != nil {
			return nil, err
		}
		return Disclosable{inner}, nil
	}
	if i == len(p) {
		return Disclosable{v}, nil
	}
	switch x := v.(type) {
	case map[string]any:
		name, ok := p[i].(string)
		child, found := x[name]
		if !ok || !found {
			return nil, fmt.Errorf("%w: %s", ErrUnknownPath, p[:i+1])
		}
		sub, err := markPath(child, p, i+1)
		if err != nil {
			return nil, err
		}
		cp := make(map[string]any, len(x))
		for k, v := range x {
			cp[k] = v
		}
		cp[name] = sub
		return cp, nil
	case Object:
		name, ok := p[i].(string)
		if ok {
			for j, m := range x {
				if m.Name != name {
					continue
				}
				sub, err := markPath(m.Value, p, i+1)
				if err != nil {
					return nil, err
				}
				cp := append(Object(nil), x...)
				cp[j].Value = sub
				return cp, nil
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrUnknownPath, p[:i+1])
	case []any:
		idx, ok := p[i].(int)
		if !ok || idx < 0 || idx >= len(x) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownPath, p[:i+1])
		}
		sub, err := markPath(x[idx], p, i+1)
		if err != nil {
			return nil, err
		}
		cp := append([]any(nil), x...)
		cp[idx] = sub
		return cp, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownPath, p[:i+1])
}
