package ekyc

import (
	"crypto/x509"
	"encoding/base64"
	"errors"

	"github.com/beevik/etree"

	"github.com/pramaan/pramaan/internal/strictxml"
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

// The allow-lists. UIDAI signs with inclusive C14N 1.0, rsa-sha1 and a
// SHA-256 digest (§2.3): rsa-sha1 is accepted over SignedInfo because the
// real files carry it; the content digest, which a collision would have to
// match, is SHA-256 only.
var (
	allowedC14N      = map[string]bool{strictxml.AlgC14N10: true, strictxml.AlgExcC14N: true}
	allowedSignature = map[string]bool{strictxml.AlgRSASHA1: true, strictxml.AlgRSASHA256: true}
	allowedDigest    = map[string]bool{strictxml.AlgSHA256: true}
)

// fromXML maps a strictxml refusal to the package's sentinels.
func fromXML(err error) error {
	var e *strictxml.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case strictxml.ErrDeclaration:
		return errf(ErrDTD, "%s", e.Detail)
	case strictxml.ErrSignatureShape:
		return errf(ErrSignatureShape, "%s", e.Detail)
	}
	return errf(ErrMalformedXML, "%s", e.Detail)
}

// xmlLimits are the strict parse's limits: an offline e-KYC never carries
// comments or CDATA.
var xmlLimits = strictxml.Limits{MaxDepth: maxDepth, MaxElements: maxElements, MaxAttrs: maxAttrs, RefuseComments: true, RefuseCDATA: true}

// algorithm returns el's allowed Algorithm; only a Transform may carry
// parameters.
func algorithm(el *etree.Element, allowed map[string]bool) (string, error) {
	a, err := strictxml.Algorithm(el, allowed)
	if err != nil {
		return "", fromXML(err)
	}
	if len(el.ChildElements()) > 0 && el.Tag != "Transform" {
		return "", errf(ErrSignatureShape, "%s has parameters", el.Tag)
	}
	return a, nil
}

// children is strictxml.Children with the package's errors.
func children(el *etree.Element, tags ...string) ([]*etree.Element, error) {
	cs, err := strictxml.Children(el, tags...)
	return cs, fromXML(err)
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
	if uri, ok := strictxml.SoleAttr(ref, "URI"); !ok || uri != "" {
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
	if a, ok := strictxml.SoleAttr(ts[0], "Algorithm"); !ok || a != strictxml.AlgEnveloped || len(ts[0].ChildElements()) > 0 {
		return nil, errf(ErrSignatureShape, "the first transform is not enveloped-signature")
	}
	if len(ts) == 2 {
		c14n, err := algorithm(ts[1], allowedC14N)
		if err != nil {
			return nil, err
		}
		for _, p := range ts[1].ChildElements() {
			if c14n != strictxml.AlgExcC14N || p.Tag != "InclusiveNamespaces" || p.NamespaceURI() != strictxml.NSExcC14N || len(ts[1].ChildElements()) > 1 {
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
	if d, err := base64.StdEncoding.DecodeString(strictxml.StripSpace(rc[2].Text())); err != nil || len(d) != 32 {
		return nil, errf(ErrSignatureShape, "the DigestValue is not a base64 SHA-256 digest")
	}
	if v, err := base64.StdEncoding.DecodeString(strictxml.StripSpace(parts[1].Text())); err != nil || len(v) < 256 || len(v) > 1024 {
		return nil, errf(ErrSignatureShape, "the SignatureValue is not base64 of an RSA-2048 or larger signature")
	}
	if len(parts) == 2 {
		return nil, nil
	}
	certs, err := strictxml.KeyInfoCertificates(parts[2], maxKeyCerts, maxKeyInfoDER)
	return certs, fromXML(err)
}
