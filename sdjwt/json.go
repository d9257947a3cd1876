package sdjwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Object is a JSON object whose members keep their order. Use it instead of
// map[string]any when the order of members matters (to reproduce the bytes
// of another implementation's disclosures); maps are encoded with sorted keys.
type Object []Member

// Member is one name/value pair of an [Object].
type Member struct {
	Name  string
	Value any
}

// jsonStyle selects separators: spaced is Python json.dumps' default
// (", " and ": "), which the RFC 9901 examples use for disclosures.
type jsonStyle struct{ spaced bool }

var (
	styleSpaced  = jsonStyle{spaced: true}
	styleCompact = jsonStyle{}
)

// appendJSON appends the JSON encoding of v. Non-ASCII characters are
// escaped as \uXXXX (surrogate pairs above the BMP), like Python's
// ensure_ascii, so the encoding is pure ASCII.
func (s jsonStyle) appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x), nil
	case json.Number:
		if !isJSONNumber(string(x)) {
			return nil, fmt.Errorf("%w: %q is not a JSON number", ErrInvalidClaims, x)
		}
		return append(b, x...), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float32:
		return appendFloat(b, float64(x))
	case float64:
		return appendFloat(b, x)
	case Object:
		b = append(b, '{')
		for i, m := range x {
			if i > 0 {
				b = s.comma(b)
			}
			b = appendString(b, m.Name)
			b = s.colon(b)
			var err error
			if b, err = s.appendJSON(b, m.Value); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = s.comma(b)
			}
			b = appendString(b, k)
			b = s.colon(b)
			var err error
			if b, err = s.appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = s.comma(b)
			}
			var err error
			if b, err = s.appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = s.comma(b)
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	case json.RawMessage:
		// Re-encode so the output keeps this package's escaping rules.
		val, err := decodeJSON(x, DefaultLimits.MaxDepth, false)
		if err != nil {
			return nil, fmt.Errorf("%w: raw JSON value: %w", ErrInvalidClaims, err)
		}
		return s.appendJSON(b, val)
	default:
		return nil, fmt.Errorf("%w: cannot encode a %T as JSON (use map[string]any, Object, []any, string, bool, numbers or nil)", ErrInvalidClaims, v)
	}
}

func (s jsonStyle) comma(b []byte) []byte {
	if s.spaced {
		return append(b, ", "...)
	}
	return append(b, ',')
}

func (s jsonStyle) colon(b []byte) []byte {
	if s.spaced {
		return append(b, ": "...)
	}
	return append(b, ':')
}

func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %v is not a JSON number", ErrInvalidClaims, f)
	}
	// Like encoding/json (ECMAScript rules): plain digits for
	// 1e-6 <= |f| < 1e21, exponent form otherwise.
	if abs := math.Abs(f); abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	return strconv.AppendFloat(b, f, 'e', -1, 64), nil
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the bytes that appendString copies unescaped: printable
// ASCII except '"' and '\\' (RFC 8259 Section 7; DEL is escaped as Python's
// json.dumps does). A table keeps the hot loop to one load per byte.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func appendString(b []byte, s string) []byte {
	b = slices.Grow(b, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); {
		// Copy the longest run of bytes that need no escaping in one go.
		j := i
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			if i = j; i == len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = appendU(b, r1)
			b = appendU(b, r2)
			continue
		}
		b = appendU(b, r) // invalid UTF-8 arrives here as U+FFFD
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func isJSONNumber(s string) bool {
	var f float64
	return s != "" && json.Unmarshal([]byte(s), &f) == nil && s[0] != ' '
}

// DecodeOrderedJSON decodes one JSON value, keeping the member order of
// objects: objects become [Object], arrays []any, numbers json.Number.
// It rejects duplicate member names and nesting deeper than
// DefaultLimits.MaxDepth. It exists so that callers (and the conformance
// suites) can issue from JSON claims and reproduce other implementations'
// disclosure bytes.
func DecodeOrderedJSON(data []byte) (any, error) {
	return decodeJSON(data, DefaultLimits.MaxDepth, true)
}

// decodeJSON decodes exactly one JSON value strictly: duplicate member
// names, trailing data and nesting deeper than maxDepth are errors (RFC 8259
// Section 4 leaves duplicates undefined; RFC 7515 Section 5.2 lets us
// reject them). Unordered objects become map[string]any and numbers float64.
func decodeJSON(data []byte, maxDepth int, ordered bool) (any, error) {
	if err := checkDepth(data, maxDepth); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if ordered {
		dec.UseNumber()
	}
	v, err := decodeValue(dec, ordered)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	return v, nil
}

// checkDepth rejects nesting deeper than max before any allocation-heavy
// decoding happens.
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return fmt.Errorf("%w: JSON nested deeper than %d", ErrTooLarge, max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

func decodeValue(dec *json.Decoder, ordered bool) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return decodeObject(dec, ordered)
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, ordered)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
			}
			return arr, nil
		default:
			return nil, fmt.Errorf("%w: JSON: unexpected %q", ErrMalformed, t)
		}
	default:
		return t, nil
	}
}

func decodeObject(dec *json.Decoder, ordered bool) (any, error) {
	var obj Object
	m := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%w: JSON: object member name expected", ErrMalformed)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("%w: JSON: duplicate member %q", ErrMalformed, name)
		}
		v, err := decodeValue(dec, ordered)
		if err != nil {
			return nil, err
		}
		m[name] = v
		if ordered {
			obj = append(obj, Member{Name: name, Value: v})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
	}
	if ordered {
		if obj == nil {
			obj = Object{}
		}
		return obj, nil
	}
	return m, nil
}

// decodeObjectJSON decodes a JSON object into a map.
func decodeObjectJSON(data []byte, maxDepth int, what string) (map[string]any, error) {
	v, err := decodeJSON(data, maxDepth, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, what)
	}
	return m, nil
}
