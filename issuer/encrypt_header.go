package issuer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxJWEHeaderDepth bounds JSON nesting in a JWE protected header; the
// deepest standard member, epk, is one object deep.
const maxJWEHeaderDepth = 4

// jweHeader is the protected header of an encrypted Credential Request,
// read strictly before the JOSE library sees the message so that the
// checks below and the decryption act on the same, unambiguous values.
type jweHeader struct {
	Alg  string
	Enc  string
	Zip  string
	Kid  string
	Cty  string
	Crit json.RawMessage // present means the sender marked extensions critical
	Epk  json.RawMessage
}

// errHeaderMember reports a header member of the wrong JSON type.
var errHeaderMember = errors.New("header member has the wrong type")

// parseJWEHeader decodes the protected header (RFC 7516 §4): a JSON object
// in valid UTF-8 with no member repeated at any depth (RFC 7516 §4 allows
// rejecting duplicates; accepting them would let this parser and the JOSE
// library read different values).
func parseJWEHeader(raw []byte) (jweHeader, error) {
	if !utf8.Valid(raw) {
		return jweHeader{}, errors.New("protected header is not valid UTF-8")
	}
	if err := checkUniqueMembers(raw, maxJWEHeaderDepth); err != nil {
		return jweHeader{}, fmt.Errorf("protected header: %w", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return jweHeader{}, errors.New("protected header is not a JSON object")
	}
	var h jweHeader
	for name, dst := range map[string]*string{"alg": &h.Alg, "enc": &h.Enc, "zip": &h.Zip, "kid": &h.Kid, "cty": &h.Cty} {
		v, ok := members[name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return jweHeader{}, fmt.Errorf("protected header %q: %w", name, errHeaderMember)
		}
	}
	h.Crit = members["crit"]
	h.Epk = members["epk"]
	return h, nil
}

// checkUniqueMembers walks one JSON value and fails on a repeated object
// member, nesting deeper than maxDepth, or trailing data.
func checkUniqueMembers(data []byte, maxDepth int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := walkUnique(dec, 0, maxDepth); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func walkUnique(dec *json.Decoder, depth, maxDepth int) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxDepth {
		return fmt.Errorf("JSON nested deeper than %d", maxDepth)
	}
	switch delim {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return fmt.Errorf("malformed JSON: %w", err)
			}
			key, _ := keyTok.(string)
			if seen[key] {
				return fmt.Errorf("member %q appears twice", key)
			}
			seen[key] = true
			if err := walkUnique(dec, depth+1, maxDepth); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := walkUnique(dec, depth+1, maxDepth); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}
