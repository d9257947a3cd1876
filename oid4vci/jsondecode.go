package oid4vci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// jsonFrame is one open object or array during checkJSON.
type jsonFrame struct {
	object  bool
	keys    map[string]struct{}
	items   int
	wantKey bool // object only: the next token is a member name
}

// checkJSON checks that data is one well-formed JSON value within the size,
// depth and item limits, with valid UTF-8 and no object holding the same
// member name twice. encoding/json alone keeps the last of duplicate members;
// the strict pre-pass closes that parser-differential gap.
func checkJSON(data []byte, l Limits) error {
	if len(data) > l.MaxBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), l.MaxBytes)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*jsonFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		var top *jsonFrame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		if top != nil && top.object && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
			} else {
				key, _ := tok.(string)
				if _, dup := top.keys[key]; dup {
					return fmt.Errorf("%w: member %q appears twice", ErrDuplicate, key)
				}
				if len(top.keys) >= l.MaxItems {
					return fmt.Errorf("%w: an object has more than %d members", ErrTooMany, l.MaxItems)
				}
				top.keys[key] = struct{}{}
				top.wantKey = false
				continue
			}
		} else if d, ok := tok.(json.Delim); ok && d == ']' {
			stack = stack[:len(stack)-1]
		} else {
			if top != nil && !top.object {
				top.items++
				if top.items > l.MaxItems {
					return fmt.Errorf("%w: an array has more than %d items", ErrTooMany, l.MaxItems)
				}
			}
			if d, ok := tok.(json.Delim); ok {
				if len(stack) >= l.MaxDepth {
					return fmt.Errorf("%w: deeper than %d levels", ErrTooDeep, l.MaxDepth)
				}
				f := &jsonFrame{object: d == '{', wantKey: d == '{'}
				if f.object {
					f.keys = make(map[string]struct{})
				}
				stack = append(stack, f)
				continue
			}
		}
		// A value (scalar or closed container) is complete.
		if len(stack) == 0 {
			break
		}
		if p := stack[len(stack)-1]; p.object {
			p.wantKey = true
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	return nil
}

// members is a checked JSON object, keyed by exact member name.
type members map[string]json.RawMessage

// errNotObject is returned when a body is JSON but not an object.
var errNotObject = fmt.Errorf("%w: not a JSON object", ErrMalformed)

// decodeObject checks data against l and returns its members.
func decodeObject(data []byte, l Limits) (members, error) {
	l = l.withDefaults()
	if err := checkJSON(data, l); err != nil {
		return nil, err
	}
	return asObject(data)
}

// asObject returns the members of an already checked JSON value.
func asObject(raw json.RawMessage) (members, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errNotObject
	}
	var m members
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return m, nil
}

// present reports whether name is present and not null. Null counts as
// absent: a wallet that writes "zip": null means no compression.
func (m members) present(name string) bool {
	v, ok := m[name]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str decodes member name into dst when present; it must be a JSON string.
func (m members) str(name string, dst *string) error {
	if !m.present(name) {
		return nil
	}
	if err := json.Unmarshal(m[name], dst); err != nil {
		return fmt.Errorf("%w: %s must be a string", ErrMalformed, name)
	}
	return nil
}

// strs decodes member name into dst when present; it must be an array of strings.
func (m members) strs(name string, dst *[]string) error {
	if !m.present(name) {
		return nil
	}
	if err := json.Unmarshal(m[name], dst); err != nil {
		return fmt.Errorf("%w: %s must be an array of strings", ErrMalformed, name)
	}
	return nil
}

// integer decodes member name into dst when present; it must be an integer
// in the int64 range (a JSON number without fraction or exponent beyond it).
func (m members) integer(name string, dst *int64) error {
	if !m.present(name) {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(m[name], &n); err != nil {
		return fmt.Errorf("%w: %s must be a number", ErrMalformed, name)
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || f > math.MaxInt64 || f < math.MinInt64 {
			return fmt.Errorf("%w: %s must be an integer", ErrMalformed, name)
		}
		i = int64(f)
	}
	*dst = i
	return nil
}

// object returns the members of member name, or nil when absent.
func (m members) object(name string) (members, error) {
	if !m.present(name) {
		return nil, nil
	}
	o, err := asObject(m[name])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return o, nil
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
