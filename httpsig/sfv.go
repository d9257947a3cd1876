package httpsig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The subset of RFC 8941 structured field values that Signature-Input and
// Signature use: a Dictionary whose members are Inner Lists of Strings
// with parameters (Signature-Input) or Byte Sequences (Signature).

// MaxHeaderBytes bounds the Signature-Input and Signature values parsed.
const MaxHeaderBytes = 8 << 10

// maxMembers bounds dictionary members and inner-list items.
const maxMembers = 32

var errSyntax = errors.New("httpsig: malformed structured field")

// param is one parameter: its value is a string, int64, bool or []byte.
type param struct {
	key   string
	value any
}

// member is one dictionary member.
type member struct {
	key    string
	items  []string // inner list of sf-strings (nil for a byte sequence)
	bytes  []byte   // byte sequence (nil for an inner list)
	inner  bool
	params []param
}

type sfParser struct {
	s   string
	pos int
}

func (p *sfParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errSyntax, what, p.pos)
}

func (p *sfParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *sfParser) skipSP() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *sfParser) skipOWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// parseDictionary parses an RFC 8941 Section 3.2 dictionary.
func parseDictionary(s string) ([]member, error) {
	if len(s) > MaxHeaderBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", errSyntax, MaxHeaderBytes)
	}
	p := &sfParser{s: s}
	p.skipSP()
	var out []member
	seen := map[string]int{}
	for p.pos < len(p.s) {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		m := member{key: key}
		if p.peek() != '=' {
			return nil, p.fail("dictionary member without a value")
		}
		p.pos++
		switch c := p.peek(); {
		case c == '(':
			if m.items, err = p.innerList(); err != nil {
				return nil, err
			}
			m.inner = true
		case c == ':':
			if m.bytes, err = p.byteSequence(); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail("dictionary member is neither an inner list nor a byte sequence")
		}
		if m.params, err = p.parameters(); err != nil {
			return nil, err
		}
		// Section 4.2.2: a later member with the same key overwrites.
		if i, ok := seen[key]; ok {
			out[i] = m
		} else {
			if len(out) == maxMembers {
				return nil, p.fail("too many dictionary members")
			}
			seen[key] = len(out)
			out = append(out, m)
		}
		p.skipOWS()
		if p.pos == len(p.s) {
			break
		}
		if p.peek() != ',' {
			return nil, p.fail("expected a comma")
		}
		p.pos++
		p.skipOWS()
		if p.pos == len(p.s) {
			return nil, p.fail("trailing comma")
		}
	}
	return out, nil
}

func (p *sfParser) key() (string, error) {
	start := p.pos
	c := p.peek()
	if !(c >= 'a' && c <= 'z') && c != '*' {
		return "", p.fail("a key must start with a lower-case letter or *")
	}
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*' {
			p.pos++
			continue
		}
		break
	}
	if p.pos-start > 64 {
		return "", p.fail("key longer than 64 characters")
	}
	return p.s[start:p.pos], nil
}

func (p *sfParser) innerList() ([]string, error) {
	p.pos++ // (
	var items []string
	for {
		p.skipSP()
		if p.peek() == ')' {
			p.pos++
			return items, nil
		}
		if p.pos >= len(p.s) {
			return nil, p.fail("unterminated inner list")
		}
		if p.peek() != '"' {
			return nil, p.fail("covered components must be strings")
		}
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		if p.peek() == ';' {
			return nil, fmt.Errorf("httpsig: component parameters are not supported (component %q)", s)
		}
		if len(items) == maxMembers {
			return nil, p.fail("too many covered components")
		}
		items = append(items, s)
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, p.fail("expected a space or ) in the inner list")
		}
	}
}

func (p *sfParser) str() (string, error) {
	p.pos++ // "
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == '\\':
			if p.pos >= len(p.s) {
				return "", p.fail("unterminated escape")
			}
			n := p.s[p.pos]
			if n != '"' && n != '\\' {
				return "", p.fail("bad escape")
			}
			b.WriteByte(n)
			p.pos++
		case c == '"':
			return b.String(), nil
		case c < 0x20 || c > 0x7e:
			return "", p.fail("string has a non-printable character")
		default:
			b.WriteByte(c)
		}
	}
	return "", p.fail("unterminated string")
}

func (p *sfParser) byteSequence() ([]byte, error) {
	p.pos++ // :
	end := strings.IndexByte(p.s[p.pos:], ':')
	if end < 0 {
		return nil, p.fail("unterminated byte sequence")
	}
	enc := p.s[p.pos : p.pos+end]
	p.pos += end + 1
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: byte sequence is not base64: %w", errSyntax, err)
	}
	return b, nil
}

func (p *sfParser) parameters() ([]param, error) {
	var out []param
	for p.peek() == ';' {
		p.pos++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		var v any = true
		if p.peek() == '=' {
			p.pos++
			if v, err = p.bareItem(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for i := range out {
			if out[i].key == key {
				out[i].value, replaced = v, true
			}
		}
		if !replaced {
			if len(out) == maxMembers {
				return nil, p.fail("too many parameters")
			}
			out = append(out, param{key, v})
		}
	}
	return out, nil
}

func (p *sfParser) bareItem() (any, error) {
	switch c := p.peek(); {
	case c == '"':
		return p.str()
	case c == ':':
		return p.byteSequence()
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		if c == '-' {
			p.pos++
		}
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		if p.peek() == '.' {
			return nil, p.fail("decimals are not used in signature parameters")
		}
		digits := p.s[start:p.pos]
		if len(strings.TrimPrefix(digits, "-")) == 0 || len(strings.TrimPrefix(digits, "-")) > 15 {
			return nil, p.fail("integer must have 1 to 15 digits")
		}
		return strconv.ParseInt(digits, 10, 64)
	case c == '?':
		p.pos++
		switch p.peek() {
		case '0':
			p.pos++
			return false, nil
		case '1':
			p.pos++
			return true, nil
		}
		return nil, p.fail("bad boolean")
	case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*':
		start := p.pos
		for p.pos < len(p.s) && strings.IndexByte(" ;,()=\"", p.s[p.pos]) < 0 {
			p.pos++
		}
		return p.s[start:p.pos], nil
	}
	return nil, p.fail("bad parameter value")
}

// quote serializes an sf-string (RFC 8941 Section 4.1.6).
func quote(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("httpsig: %q cannot be a structured-field string", s)
		}
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String(), nil
}
