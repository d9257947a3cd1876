package ekyc

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Limits of the XML (§2.2: a few kilobytes of attributes and a 160×200
// JPEG).
const (
	// DefaultMaxXMLInput bounds the document when Options.MaxBytes is 0.
	DefaultMaxXMLInput = 1 << 20
	// DefaultMaxPhotoBytes bounds the decoded photo when
	// Options.MaxPhotoBytes is 0.
	DefaultMaxPhotoBytes = 256 << 10

	maxDepth      = 12
	maxElements   = 64
	maxAttrs      = 32
	maxField      = 512
	maxKeyInfoDER = 16 << 10
	maxKeyCerts   = 4
)

// XML-DSig identifiers.
const (
	nsXMLDSig     = "http://www.w3.org/2000/09/xmldsig#"
	algExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algC14N10     = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	algRSASHA1    = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algRSASHA256  = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algSHA256     = "http://www.w3.org/2001/04/xmlenc#sha256"
	nsInclusiveNS = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

// The allow-lists. UIDAI signs with inclusive C14N 1.0, rsa-sha1 and a
// SHA-256 digest (§2.3): rsa-sha1 is accepted over SignedInfo because the
// real files carry it; the content digest, which a collision would have to
// match, is SHA-256 only.
var (
	allowedC14N      = map[string]bool{algC14N10: true, algExcC14N: true}
	allowedSignature = map[string]bool{algRSASHA1: true, algRSASHA256: true}
	allowedDigest    = map[string]bool{algSHA256: true}
)

// hasDTD reports <!DOCTYPE or <!ENTITY anywhere, in any letter case.
func hasDTD(doc []byte) bool {
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

// parseStrict parses doc with etree under the limits and refuses what the
// offline e-KYC never carries and what would make the digest ambiguous:
// declarations, comments (goxmldsig digests an enveloped-only Reference
// with comments kept), CDATA sections, processing instructions other than
// the XML declaration, duplicate attributes, charsets other than UTF-8.
func parseStrict(doc []byte) (*etree.Element, error) {
	d := etree.NewDocument()
	d.ReadSettings = etree.ReadSettings{
		CharsetReader: func(charset string, _ io.Reader) (io.Reader, error) {
			return nil, fmt.Errorf("charset %.20q is not UTF-8", charset)
		},
		PreserveDuplicateAttrs: true,
		PreserveCData:          true,
		MaxDepth:               maxDepth,
	}
	if err := d.ReadFromBytes(bytes.TrimPrefix(doc, []byte{0xEF, 0xBB, 0xBF})); err != nil {
		return nil, errf(ErrMalformedXML, "not well-formed XML: %v", err)
	}
	var root *etree.Element
	for _, t := range d.Child {
		switch t := t.(type) {
		case *etree.Element:
			if root != nil {
				return nil, errf(ErrMalformedXML, "more than one root element")
			}
			root = t
		case *etree.ProcInst:
			if t.Target != "xml" || t.Index() != 0 {
				return nil, errf(ErrMalformedXML, "processing instruction outside the XML declaration")
			}
		case *etree.Directive:
			return nil, errf(ErrDTD, "a <!…> declaration is refused")
		case *etree.Comment:
			return nil, errf(ErrMalformedXML, "comments are refused")
		case *etree.CharData:
			if !t.IsWhitespace() {
				return nil, errf(ErrMalformedXML, "text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errf(ErrMalformedXML, "no root element")
	}
	n := 0
	stack := []*etree.Element{root}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n++; n > maxElements {
			return nil, errf(ErrMalformedXML, "more than %d elements", maxElements)
		}
		if len(e.Attr) > maxAttrs {
			return nil, errf(ErrMalformedXML, "an element has more than %d attributes", maxAttrs)
		}
		for i := range e.Attr {
			for j := range i {
				if e.Attr[i].Space == e.Attr[j].Space && e.Attr[i].Key == e.Attr[j].Key {
					return nil, errf(ErrMalformedXML, "duplicate attribute %.40s on %.40s", e.Attr[i].FullKey(), e.Tag)
				}
			}
		}
		for _, t := range e.Child {
			switch t := t.(type) {
			case *etree.Element:
				stack = append(stack, t)
			case *etree.Directive:
				return nil, errf(ErrDTD, "a <!…> declaration is refused")
			case *etree.ProcInst:
				return nil, errf(ErrMalformedXML, "processing instruction inside the document")
			case *etree.Comment:
				return nil, errf(ErrMalformedXML, "comments are refused")
			case *etree.CharData:
				if t.IsCData() {
					return nil, errf(ErrMalformedXML, "CDATA sections are refused")
				}
			}
		}
	}
	return root, nil
}

// findSignature finds the one Signature of the document: any element named
// Signature counts, so that a second one anywhere is refused.
func findSignature(root *etree.Element) (*etree.Element, error) {
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
		return nil, errf(ErrSignatureShape, "no Signature element")
	case len(found) > 1:
		return nil, errf(ErrSignatureShape, "%d Signature elements, not one", len(found))
	case found[0].Parent() != root:
		return nil, errf(ErrSignatureShape, "the Signature is not a child of the root element")
	case found[0].NamespaceURI() != nsXMLDSig:
		return nil, errf(ErrSignatureShape, "the Signature is not in the XML-DSig namespace")
	}
	return found[0], nil
}

// children returns el's child elements if their local names are exactly
// tags, in order, in the XML-DSig namespace.
func children(el *etree.Element, tags ...string) ([]*etree.Element, error) {
	cs := el.ChildElements()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Tag
	}
	bad := len(cs) != len(tags)
	for i := 0; !bad && i < len(cs); i++ {
		bad = cs[i].Tag != tags[i] || cs[i].NamespaceURI() != nsXMLDSig
	}
	if bad {
		return nil, errf(ErrSignatureShape, "%s has children [%.200s], not [%s] in the XML-DSig namespace", el.Tag, strings.Join(names, " "), strings.Join(tags, " "))
	}
	return cs, nil
}

// soleAttr returns el's unprefixed attribute key if it occurs exactly once.
func soleAttr(el *etree.Element, key string) (string, bool) {
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

func algorithm(el *etree.Element, allowed map[string]bool) (string, error) {
	a, ok := soleAttr(el, "Algorithm")
	if !ok {
		return "", errf(ErrSignatureShape, "%s has no single Algorithm", el.Tag)
	}
	if !allowed[a] {
		return "", errf(ErrSignatureShape, "%s %.100q is not allowed", el.Tag, a)
	}
	if len(el.ChildElements()) > 0 && el.Tag != "Transform" {
		return "", errf(ErrSignatureShape, "%s has parameters", el.Tag)
	}
	return a, nil
}

// checkSignatureShape checks the Signature against the allowed shape and
// algorithms and returns KeyInfo's certificates (none when KeyInfo is
// absent, as in 2019–2020 files).
func checkSignatureShape(sig *etree.Element) ([]*x509.Certificate, error) {
	var parts []*etree.Element
	var err error
	if len(sig.ChildElements()) == 2 {
		parts, err = children(sig, "SignedInfo", "SignatureValue")
	} else {
		parts, err = children(sig, "SignedInfo", "SignatureValue", "KeyInfo")
	}
	if err != nil {
		return nil, err
	}
	si, err := children(parts[0], "CanonicalizationMethod", "SignatureMethod", "Reference")
	if err != nil {
		return nil, err
	}
	if _, err := algorithm(si[0], allowedC14N); err != nil {
		return nil, err
	}
	if _, err := algorithm(si[1], allowedSignature); err != nil {
		return nil, err
	}
	ref := si[2]
	if uri, ok := soleAttr(ref, "URI"); !ok || uri != "" {
		return nil, errf(ErrSignatureShape, `the Reference URI is not "" (the whole document)`)
	}
	if len(ref.Attr) != 1 {
		return nil, errf(ErrSignatureShape, "the Reference has attributes other than URI")
	}
	rc, err := children(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return nil, err
	}
	var ts []*etree.Element
	if len(rc[0].ChildElements()) == 1 {
		ts, err = children(rc[0], "Transform")
	} else {
		ts, err = children(rc[0], "Transform", "Transform")
	}
	if err != nil {
		return nil, err
	}
	if a, ok := soleAttr(ts[0], "Algorithm"); !ok || a != algEnveloped || len(ts[0].ChildElements()) > 0 {
		return nil, errf(ErrSignatureShape, "the first transform is not enveloped-signature")
	}
	if len(ts) == 2 {
		c14n, err := algorithm(ts[1], allowedC14N)
		if err != nil {
			return nil, err
		}
		for _, p := range ts[1].ChildElements() {
			if c14n != algExcC14N || p.Tag != "InclusiveNamespaces" || p.NamespaceURI() != nsInclusiveNS || len(ts[1].ChildElements()) > 1 {
				return nil, errf(ErrSignatureShape, "the canonicalization transform has an unexpected parameter")
			}
		}
	}
	if _, err := algorithm(rc[1], allowedDigest); err != nil {
		return nil, err
	}
	if len(rc[2].ChildElements()) > 0 || len(parts[1].ChildElements()) > 0 {
		return nil, errf(ErrSignatureShape, "DigestValue or SignatureValue has child elements")
	}
	if d, err := base64.StdEncoding.DecodeString(stripSpace(rc[2].Text())); err != nil || len(d) != 32 {
		return nil, errf(ErrSignatureShape, "the DigestValue is not a base64 SHA-256 digest")
	}
	if v, err := base64.StdEncoding.DecodeString(stripSpace(parts[1].Text())); err != nil || len(v) < 256 || len(v) > 1024 {
		return nil, errf(ErrSignatureShape, "the SignatureValue is not base64 of an RSA-2048 or larger signature")
	}
	if len(parts) == 2 {
		return nil, nil
	}
	var certs []*x509.Certificate
	for _, x5 := range parts[2].ChildElements() {
		if x5.Tag != "X509Data" || x5.NamespaceURI() != nsXMLDSig {
			continue
		}
		for _, c := range x5.ChildElements() {
			if c.Tag != "X509Certificate" || c.NamespaceURI() != nsXMLDSig {
				continue
			}
			if len(certs) == maxKeyCerts {
				return nil, errf(ErrSignatureShape, "KeyInfo carries more than %d certificates", maxKeyCerts)
			}
			b64 := stripSpace(c.Text())
			if len(b64) > base64.StdEncoding.EncodedLen(maxKeyInfoDER) {
				return nil, errf(ErrSignatureShape, "a KeyInfo certificate is over %d bytes", maxKeyInfoDER)
			}
			der, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, errf(ErrSignatureShape, "a KeyInfo certificate is not base64")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, errf(ErrSignatureShape, "a KeyInfo certificate does not parse")
			}
			certs = append(certs, cert)
		}
	}
	return certs, nil
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}
