package strictxml

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Kinds of refusal.
var (
	// ErrDeclaration marks a DTD, an entity declaration or any other
	// <!…> declaration.
	ErrDeclaration = errors.New("declaration refused")
	// ErrMalformed marks XML that is not well-formed, over a limit, or
	// lacks an element or attribute the caller requires.
	ErrMalformed = errors.New("malformed XML")
	// ErrSignatureShape marks a missing, duplicated or misplaced
	// Signature, or children other than those required.
	ErrSignatureShape = errors.New("signature shape refused")
)

// Error is a refusal: its Kind and what was wrong.
type Error struct {
	Kind   error
	Detail string
}

func (e *Error) Error() string { return e.Detail }
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// XML-DSig identifiers (XML Signature Syntax and Processing 1.1, §6; RFC
// 6931 for rsa-sha256 and the SHA-256 digest).
const (
	NSXMLDSig    = "http://www.w3.org/2000/09/xmldsig#"
	AlgExcC14N   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgC14N10    = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	AlgEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	AlgRSASHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgSHA256    = "http://www.w3.org/2001/04/xmlenc#sha256"
	// NSExcC14N is the namespace of exclusive C14N's InclusiveNamespaces.
	NSExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// HasDTD reports a DOCTYPE or ENTITY declaration anywhere in the bytes, in
// any letter case: checked on the raw bytes before any parser sees them.
func HasDTD(doc []byte) bool {
	for rest := doc; ; {
		i := bytes.Index(rest, []byte("<!"))
		if i < 0 {
			return false
		}
		rest = rest[i+2:]
		for _, kw := range []string{"DOCTYPE", "ENTITY"} {
			if len(rest) >= len(kw) && bytes.EqualFold(rest[:len(kw)], []byte(kw)) {
				return true
			}
		}
	}
}

// Limits bound what Parse accepts.
type Limits struct {
	MaxDepth, MaxElements, MaxAttrs int
	// RefuseComments and RefuseCDATA refuse comments and CDATA sections
	// anywhere (an enveloped-only Reference is digested with comments
	// kept, so a comment can split signed text without breaking it).
	RefuseComments, RefuseCDATA bool
}

// Parse parses doc with etree under lim: strict XML (undeclared entities
// are errors), UTF-8 only (a leading BOM is skipped), bounded depth,
// duplicate attributes kept so that they can be refused; then it walks
// the tree for what the parser lets through: declarations, processing
// instructions other than the XML declaration, text outside the root,
// too many elements or attributes, duplicate attributes, and comments or
// CDATA when refused. It returns the root element.
func Parse(doc []byte, lim Limits) (*etree.Element, error) {
	d := etree.NewDocument()
	d.ReadSettings = etree.ReadSettings{
		CharsetReader: func(charset string, _ io.Reader) (io.Reader, error) {
			// encoding/xml calls this only for a charset other than UTF-8.
			return nil, fmt.Errorf("charset %.20q is not UTF-8", charset)
		},
		PreserveDuplicateAttrs: true,
		PreserveCData:          lim.RefuseCDATA,
		MaxDepth:               lim.MaxDepth,
	}
	if err := d.ReadFromBytes(bytes.TrimPrefix(doc, utf8BOM)); err != nil {
		return nil, fail(ErrMalformed, "not well-formed XML: %v", err)
	}
	var root *etree.Element
	for _, t := range d.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, fail(ErrMalformed, "more than one root element")
			}
			root = t
		case *etree.ProcInst:
			if t.Target != "xml" || t.Index() != 0 {
				return nil, fail(ErrMalformed, "processing instruction outside the XML declaration")
			}
		case *etree.Directive:
			return nil, fail(ErrDeclaration, "a <!…> declaration is refused")
		case *etree.Comment:
			if lim.RefuseComments {
				return nil, fail(ErrMalformed, "comments are refused")
			}
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, fail(ErrMalformed, "text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, fail(ErrMalformed, "no root element")
	}
	elements := 0
	stack := []*etree.Element{root}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if elements++; elements > lim.MaxElements {
			return nil, fail(ErrMalformed, "more than %d elements", lim.MaxElements)
		}
		if len(e.Attr) > lim.MaxAttrs {
			return nil, fail(ErrMalformed, "an element has more than %d attributes", lim.MaxAttrs)
		}
		for i := range e.Attr {
			for j := range i {
				if e.Attr[i].Space == e.Attr[j].Space && e.Attr[i].Key == e.Attr[j].Key {
					return nil, fail(ErrMalformed, "duplicate attribute %.40s on %.40s", e.Attr[i].FullKey(), e.Tag)
				}
			}
		}
		for _, t := range e.Child {
			switch t := t.(type) {
			case *etree.Element:
				stack = append(stack, t)
			case *etree.Directive:
				return nil, fail(ErrDeclaration, "a <!…> declaration is refused")
			case *etree.ProcInst:
				return nil, fail(ErrMalformed, "processing instruction inside the document")
			case *etree.Comment:
				if lim.RefuseComments {
					return nil, fail(ErrMalformed, "comments are refused")
				}
			case *etree.CharData:
				if lim.RefuseCDATA && t.IsCData() {
					return nil, fail(ErrMalformed, "CDATA sections are refused")
				}
			}
		}
	}
	return root, nil
}

// FindSignature finds the one Signature of the document: any element named
// Signature counts, so that a second one anywhere (a wrapping attempt) is
// refused; it must be a child of the root in the XML-DSig namespace.
func FindSignature(root *etree.Element) (*etree.Element, error) {
	var found []*etree.Element
	stack := []*etree.Element{root}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e.Tag == "Signature" {
			found = append(found, e)
		}
		stack = append(stack, e.ChildElements()...)
	}
	switch {
	case len(found) == 0:
		return nil, fail(ErrSignatureShape, "no Signature element")
	case len(found) > 1:
		return nil, fail(ErrSignatureShape, "%d Signature elements, not one", len(found))
	case found[0].Parent() != root:
		return nil, fail(ErrSignatureShape, "the Signature is not a child of the root element")
	case found[0].NamespaceURI() != NSXMLDSig:
		return nil, fail(ErrSignatureShape, "the Signature is not in the XML-DSig namespace")
	}
	return found[0], nil
}

// Children returns el's child elements if their local names are exactly
// tags, in that order, all in the XML-DSig namespace.
func Children(el *etree.Element, tags ...string) ([]*etree.Element, error) {
	cs := el.ChildElements()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Tag
	}
	bad := len(cs) != len(tags)
	for i := 0; !bad && i < len(cs); i++ {
		bad = cs[i].Tag != tags[i] || cs[i].NamespaceURI() != NSXMLDSig
	}
	if bad {
		return nil, fail(ErrSignatureShape, "%s has children [%.200s], not [%s] in the XML-DSig namespace", el.Tag, strings.Join(names, " "), strings.Join(tags, " "))
	}
	return cs, nil
}

// SoleAttr returns el's unprefixed attribute key if el has exactly one
// attribute of that local name: etree's lookup takes the first and
// encoding/xml (which goxmldsig reads SignedInfo with) the last of
// several, so several are refused rather than read two ways.
func SoleAttr(el *etree.Element, key string) (string, bool) {
	v, n := "", 0
	for _, a := range el.Attr {
		if a.Key == key {
			if a.Space != "" {
				return "", false
			}
			v, n = a.Value, n+1
		}
	}
	return v, n == 1
}

// Algorithm returns el's Algorithm if allowed has it.
func Algorithm(el *etree.Element, allowed map[string]bool) (string, error) {
	a, ok := SoleAttr(el, "Algorithm")
	if !ok {
		return "", fail(ErrSignatureShape, "%s has no single Algorithm", el.Tag)
	}
	if !allowed[a] {
		return "", fail(ErrSignatureShape, "%s %.100q is not allowed", el.Tag, a)
	}
	return a, nil
}

// StripSpace removes XML white space (base64 values may be wrapped).
func StripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

// One returns the only unprefixed child element of el named tag; required
// says whether none is an error.
func One(el *etree.Element, tag string, required bool) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.Space == "" {
			if found != nil {
				return nil, fail(ErrMalformed, "more than one %s in %s", tag, el.Tag)
			}
			found = c
		}
	}
	if found == nil && required {
		return nil, fail(ErrMalformed, "no %s in %s", tag, el.Tag)
	}
	return found, nil
}

// Attrs reads el's unprefixed attributes into the pointers, trimmed and at
// most maxLen bytes each; a missing one reads as "", and a nil el leaves
// the pointers alone.
func Attrs(el *etree.Element, kv map[string]*string, maxLen int) error {
	if el == nil {
		return nil
	}
	for k, p := range kv {
		v := ""
		for _, a := range el.Attr {
			if a.Space == "" && a.Key == k { // unprefixed only; duplicates were refused
				v = strings.TrimSpace(a.Value)
			}
		}
		if len(v) > maxLen {
			return fail(ErrMalformed, "%s %s over %d bytes", el.Tag, k, maxLen)
		}
		*p = v
	}
	return nil
}

// KeyInfoCertificates parses the X509Certificate elements of a KeyInfo's
// X509Data (XML Signature 1.1 §4.5.4): at most maxCerts, each at most
// maxDER bytes. Other KeyInfo content is ignored; the caller decides
// whether a certificate may be trusted (it never is by itself).
func KeyInfoCertificates(keyInfo *etree.Element, maxCerts, maxDER int) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, x5 := range keyInfo.ChildElements() {
		if x5.Tag != "X509Data" || x5.NamespaceURI() != NSXMLDSig {
			continue
		}
		for _, c := range x5.ChildElements() {
			if c.Tag != "X509Certificate" || c.NamespaceURI() != NSXMLDSig {
				continue
			}
			if len(certs) == maxCerts {
				return nil, fail(ErrSignatureShape, "KeyInfo carries more than %d certificates", maxCerts)
			}
			b64 := StripSpace(c.Text())
			if len(b64) > base64.StdEncoding.EncodedLen(maxDER) {
				return nil, fail(ErrSignatureShape, "a KeyInfo certificate is over %d bytes", maxDER)
			}
			der, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, fail(ErrSignatureShape, "a KeyInfo certificate is not base64")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fail(ErrSignatureShape, "a KeyInfo certificate does not parse: %v", err)
			}
			certs = append(certs, cert)
		}
	}
	return certs, nil
}
