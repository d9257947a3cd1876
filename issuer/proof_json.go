package issuer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// joseObject is a decoded JSON object of a JWS header or JWT claims set:
// each member's raw value by name.
type joseObject map[string]json.RawMessage

// maxJOSEMembers bounds the members of a header or claims set.
const maxJOSEMembers = 64

// decodeJOSEObject decodes a JSON object and refuses a repeated member
// name. RFC 7515 §4 and RFC 7519 §4 let a recipient reject such input, and
// doing so leaves no room for two parsers (ours and jwx's) to read
// different values from one header.
func decodeJOSEObject(data []byte) (joseObject, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	obj := joseObject{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		if _, dup := obj[name]; dup {
			return nil, fmt.Errorf("member %.32s appears twice", name)
		}
		if len(obj) == maxJOSEMembers {
			return nil, fmt.Errorf("more than %d members", maxJOSEMembers)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		obj[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return obj, nil
}

// has reports whether the member is present (even as null).
func (o joseObject) has(name string) bool {
	_, ok := o[name]
	return ok
}

// str returns a string member; present is false when it is absent. A
// member of another type (null included) is an error.
func (o joseObject) str(name string) (value string, present bool, err error) {
	raw, ok := o[name]
	if !ok {
		return "", false, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("%s must be a string", name)
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, fmt.Errorf("%s must be a string", name)
	}
	return value, true, nil
}

// strings returns an array-of-strings member.
func (o joseObject) strings(name string, maxItems int) (values []string, present bool, err error) {
	raw, ok := o[name]
	if !ok {
		return nil, false, nil
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil, true, fmt.Errorf("%s must be an array of strings", name)
	}
	if err := json.Unmarshal(raw, &values); err != nil {
		return nil, true, fmt.Errorf("%s must be an array of strings", name)
	}
	if len(values) > maxItems {
		return nil, true, fmt.Errorf("%s has more than %d entries", name, maxItems)
	}
	return values, true, nil
}

// maxNumericDate is the year 9999, far beyond any honest clock.
const maxNumericDate = 253402300799

// numericDate returns a NumericDate member (RFC 7519 §2): seconds since
// the epoch as a JSON number, possibly with a fraction.
func (o joseObject) numericDate(name string) (t time.Time, present bool, err error) {
	raw, ok := o[name]
	if !ok {
		return time.Time{}, false, nil
	}
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return time.Time{}, true, fmt.Errorf("%s must be a number", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, true, fmt.Errorf("%s is not a valid NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}
