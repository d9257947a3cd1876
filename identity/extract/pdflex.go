package extract

import (
	"bytes"
	"strconv"
)

// This file is a lexer and object parser for the PDF syntax (ISO 32000-1
// §7.2–7.3), used both on the file itself and on decoded content streams.
// It works on a byte slice already bounded by the caller; nesting is
// bounded by maxPDFNesting.

// maxPDFNesting bounds the nesting of arrays and dictionaries.
const maxPDFNesting = 32

type pdfTokKind uint8

const (
	tokEOF pdfTokKind = iota
	tokNumber
	tokName
	tokString
	tokKeyword
	tokDictOpen
	tokDictClose
	tokArrayOpen
	tokArrayClose
	tokOther // a stray ')', '>', '{' or '}'
)

type pdfToken struct {
	kind  pdfTokKind
	num   float64
	isInt bool
	b     []byte // name (without '/'), keyword, or decoded string bytes
}

// PDF values.
type (
	pdfName   string
	pdfNumber struct {
		v     float64
		isInt bool
	}
	pdfString  []byte
	pdfArray   []any
	pdfDict    map[pdfName]any
	pdfRef     struct{ num, gen int }
	pdfKeyword string
)

type pdfLexer struct {
	b   []byte
	pos int
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isPDFSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

func (l *pdfLexer) next() (pdfToken, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return pdfToken{kind: tokEOF}, nil
	}
	c := l.b[l.pos]
	switch c {
	case '(':
		return l.literal()
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			return pdfToken{kind: tokDictOpen}, nil
		}
		return l.hex()
	case '>':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '>' {
			l.pos += 2
			return pdfToken{kind: tokDictClose}, nil
		}
		l.pos++
		return pdfToken{kind: tokOther}, nil
	case '[':
		l.pos++
		return pdfToken{kind: tokArrayOpen}, nil
	case ']':
		l.pos++
		return pdfToken{kind: tokArrayClose}, nil
	case ')', '{', '}':
		l.pos++
		return pdfToken{kind: tokOther}, nil
	case '/':
		l.pos++
		return pdfToken{kind: tokName, b: l.name()}, nil
	}
	start := l.pos
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		l.pos++
	}
	word := l.b[start:l.pos]
	if isPDFNumber(word) {
		v, err := strconv.ParseFloat(string(word), 64)
		if err == nil {
			return pdfToken{kind: tokNumber, num: v, isInt: bytes.IndexByte(word, '.') < 0}, nil
		}
	}
	return pdfToken{kind: tokKeyword, b: word}, nil
}

// isPDFNumber reports whether w is [+-]?(digits[.digits]|.digits).
func isPDFNumber(w []byte) bool {
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	digits, dots := 0, 0
	for _, c := range w {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1 && len(w) <= 32
}

func (l *pdfLexer) name() []byte {
	var out []byte
	for l.pos < len(l.b) && !isPDFSpace(l.b[l.pos]) && !isPDFDelim(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			if h, ok := unhex2(l.b[l.pos+1], l.b[l.pos+2]); ok {
				out = append(out, h)
				l.pos += 3
				continue
			}
		}
		out = append(out, c)
		l.pos++
	}
	return out
}

func unhexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhexDigit(a)
	y, ok2 := unhexDigit(b)
	return x<<4 | y, ok1 && ok2
}

// literal reads a (string) with balanced parentheses and escapes.
func (l *pdfLexer) literal() (pdfToken, error) {
	start := l.pos
	l.pos++ // '('
	depth := 1
	var out []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return pdfToken{kind: tokString, b: out}, nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				return pdfToken{}, inputError(ErrMalformed, "unterminated string at byte %d", start)
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r': // line continuation
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and unknown escapes
				}
			}
		}
		out = append(out, c)
	}
	return pdfToken{}, inputError(ErrMalformed, "unterminated string at byte %d", start)
}

// hex reads a <hex string>; an odd final digit is followed by 0.
func (l *pdfLexer) hex() (pdfToken, error) {
	start := l.pos
	l.pos++ // '<'
	var out []byte
	var hi byte
	half := false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			if half {
				out = append(out, hi<<4)
			}
			return pdfToken{kind: tokString, b: out}, nil
		}
		if isPDFSpace(c) {
			continue
		}
		d, ok := unhexDigit(c)
		if !ok {
			return pdfToken{}, inputError(ErrMalformed, "bad hex string at byte %d", start)
		}
		if half {
			out = append(out, hi<<4|d)
		} else {
			hi = d
		}
		half = !half
	}
	return pdfToken{}, inputError(ErrMalformed, "unterminated hex string at byte %d", start)
}

// value turns tok into a value, reading the rest of an array or
// dictionary. Keywords become pdfKeyword; stray closers and tokOther are
// returned as nil with ok false so that the caller decides.
func (l *pdfLexer) value(tok pdfToken, depth int) (v any, ok bool, err error) {
	switch tok.kind {
	case tokNumber:
		return pdfNumber{tok.num, tok.isInt}, true, nil
	case tokName:
		return pdfName(tok.b), true, nil
	case tokString:
		return pdfString(tok.b), true, nil
	case tokKeyword:
		return pdfKeyword(tok.b), true, nil
	case tokArrayOpen:
		a, err := l.array(depth + 1)
		return a, err == nil, err
	case tokDictOpen:
		d, err := l.dict(depth + 1)
		return d, err == nil, err
	}
	return nil, false, nil
}

func (l *pdfLexer) array(depth int) (pdfArray, error) {
	if depth > maxPDFNesting {
		return nil, inputError(ErrLimit, "arrays and dictionaries nested deeper than %d", maxPDFNesting)
	}
	start := l.pos
	var a pdfArray
	for {
		tok, err := l.next()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokArrayClose:
			return collapseRefs(a), nil
		case tokEOF:
			return nil, inputError(ErrMalformed, "unterminated array at byte %d", start)
		case tokDictClose, tokOther:
			return nil, inputError(ErrMalformed, "unexpected delimiter in array at byte %d", l.pos-1)
		}
		v, _, err := l.value(tok, depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

// collapseRefs replaces each "num gen R" in an array by a pdfRef.
func collapseRefs(a pdfArray) pdfArray {
	out := a[:0]
	for i := 0; i < len(a); i++ {
		if i+2 < len(a) {
			if ref, ok := asRef(a[i], a[i+1], a[i+2]); ok {
				out = append(out, ref)
				i += 2
				continue
			}
		}
		out = append(out, a[i])
	}
	return out
}

func asRef(a, b, c any) (pdfRef, bool) {
	n, ok1 := a.(pdfNumber)
	g, ok2 := b.(pdfNumber)
	k, ok3 := c.(pdfKeyword)
	if !ok1 || !ok2 || !ok3 || k != "R" || !n.isInt || !g.isInt || n.v < 0 || g.v < 0 || n.v > 1e9 || g.v > 65535 {
		return pdfRef{}, false
	}
	return pdfRef{int(n.v), int(g.v)}, true
}

func (l *pdfLexer) dict(depth int) (pdfDict, error) {
	if depth > maxPDFNesting {
		return nil, inputError(ErrLimit, "arrays and dictionaries nested deeper than %d", maxPDFNesting)
	}
	start := l.pos
	d := pdfDict{}
	for {
		tok, err := l.next()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokDictClose:
			return d, nil
		case tokEOF:
			return nil, inputError(ErrMalformed, "unterminated dictionary at byte %d", start)
		case tokName:
		default:
			return nil, inputError(ErrMalformed, "dictionary key is not a name at byte %d", l.pos-1)
		}
		key := pdfName(tok.b)
		vtok, err := l.next()
		if err != nil {
			return nil, err
		}
		v, ok, err := l.value(vtok, depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, inputError(ErrMalformed, "dictionary value missing at byte %d", l.pos-1)
		}
		if n, isNum := v.(pdfNumber); isNum && n.isInt {
			// "num gen R": look ahead, and step back if it is not a reference.
			save := l.pos
			t2, err2 := l.next()
			t3, err3 := l.next()
			if err2 == nil && err3 == nil && t2.kind == tokNumber && t3.kind == tokKeyword {
				if ref, ok := asRef(n, pdfNumber{t2.num, t2.isInt}, pdfKeyword(t3.b)); ok {
					v = ref
					save = l.pos
				}
			}
			l.pos = save
		}
		d[key] = v
	}
}

// Helpers reading dictionary entries.

func (d pdfDict) name(key pdfName) pdfName {
	n, _ := d[key].(pdfName)
	return n
}

func (d pdfDict) int(key pdfName) (int, bool) {
	n, ok := d[key].(pdfNumber)
	if !ok || !n.isInt || n.v < 0 || n.v > 1<<40 {
		return 0, false
	}
	return int(n.v), true
}
