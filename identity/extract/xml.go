package extract

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Limits on XML documents.
const (
	// MaxXMLSize bounds an XML document (DigiLocker certificates, photo
	// included, are tens of kilobytes).
	MaxXMLSize = 2 << 20
	// MaxXMLDepth bounds the nesting of elements.
	MaxXMLDepth = 64
	// MaxXMLElements bounds the number of elements.
	MaxXMLElements = 20000
	// MaxXMLAttrs bounds the number of attributes of one element.
	MaxXMLAttrs = 256
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseXML reads a document into an etree tree under the package's rules:
// no DTD or other <!...> declaration, bounded size, depth and element count,
// one root element, no duplicate attributes, UTF-8 only, character
// references and the five predefined entities only.
//
// Names are reduced to their local part: element and attribute namespaces
// (a default namespace on the root, or prefixes) are dropped, namespace
// declarations and prefixed attributes are not kept, so that configured
// paths match by local name. Comments and processing instructions are
// skipped.
func parseXML(body []byte) (*etree.Element, error) {
	if len(body) == 0 {
		return nil, inputError(ErrMalformed, "empty document")
	}
	if len(body) > MaxXMLSize {
		return nil, inputError(ErrLimit, "XML document is %d bytes, over the limit of %d", len(body), MaxXMLSize)
	}
	dec := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(body, utf8BOM)))
	dec.Strict = true
	var (
		doc      = etree.NewDocument()
		root     *etree.Element
		stack    []*etree.Element
		elements int
		seen     = make(map[string]struct{}) // attribute names of the current element
	)
	for {
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, inputError(ErrMalformed, "not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, inputError(ErrDTD, "<!%s declaration at byte %d", directiveKeyword(t), offset)
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, inputError(ErrMalformed, "second root element at byte %d", offset)
			}
			if elements++; elements > MaxXMLElements {
				return nil, inputError(ErrLimit, "more than %d elements", MaxXMLElements)
			}
			if len(stack) >= MaxXMLDepth {
				return nil, inputError(ErrLimit, "elements nested deeper than %d", MaxXMLDepth)
			}
			if len(t.Attr) > MaxXMLAttrs {
				return nil, inputError(ErrLimit, "element at byte %d has more than %d attributes", offset, MaxXMLAttrs)
			}
			if strings.Contains(t.Name.Local, ":") {
				return nil, inputError(ErrMalformed, "element name with a misplaced colon at byte %d", offset)
			}
			var e *etree.Element
			if len(stack) == 0 {
				e = doc.CreateElement(t.Name.Local)
				root = e
			} else {
				e = stack[len(stack)-1].CreateElement(t.Name.Local)
			}
			clear(seen)
			for _, a := range t.Attr {
				if a.Name.Space != "" || a.Name.Local == "xmlns" || strings.Contains(a.Name.Local, ":") {
					continue // namespace declarations and prefixed attributes
				}
				if _, dup := seen[a.Name.Local]; dup {
					return nil, inputError(ErrMalformed, "duplicate attribute %s on element at byte %d", a.Name.Local, offset)
				}
				seen[a.Name.Local] = struct{}{}
				// Appended directly: CreateAttr would search the attributes again.
				e.Attr = append(e.Attr, etree.Attr{Key: a.Name.Local, Value: a.Value})
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1] // the decoder has checked the nesting
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, inputError(ErrMalformed, "text outside the root element at byte %d", offset)
				}
				continue
			}
			stack[len(stack)-1].CreateText(string(t))
		case xml.Comment, xml.ProcInst:
			// skipped
		}
	}
	if root == nil {
		return nil, inputError(ErrMalformed, "no root element")
	}
	return root, nil
}

// directiveKeyword returns the keyword of a <!...> declaration (DOCTYPE,
// ENTITY, ...) if it is one, else "...". It quotes markup, not content.
func directiveKeyword(d xml.Directive) string {
	n := 0
	for n < len(d) && n < 16 && (d[n] >= 'A' && d[n] <= 'Z' || d[n] >= 'a' && d[n] <= 'z') {
		n++
	}
	if n == 0 || n == 16 {
		return "..."
	}
	return string(d[:n])
}
