package digilocker

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/pramaan/pramaan/identity/uidai"
	"github.com/pramaan/pramaan/internal/strictxml"
)

// Limits on an e-Aadhaar XML (§1.11: a few kilobytes of data and a
// 160×200 photo).
const (
	// DefaultEAadhaarMaxBytes bounds the document when
	// EAadhaarOptions.MaxBytes is zero.
	DefaultEAadhaarMaxBytes = 1 << 20
	// DefaultEAadhaarMaxPhotoBytes bounds the decoded photo when
	// EAadhaarOptions.MaxPhotoBytes is zero.
	DefaultEAadhaarMaxPhotoBytes = 128 << 10
	// MaxEAadhaarCertificates bounds the certificates of KeyInfo (the
	// real chain has four).
	MaxEAadhaarCertificates = 8

	maxEAadhaarDepth    = 16
	maxEAadhaarElements = 256
	maxEAadhaarAttrs    = 64
	maxEAadhaarField    = 512
	maxCertificateBytes = 16 << 10
)

// The sentinel errors of VerifyEAadhaar. Its errors wrap exactly one of
// them and say which check failed; they never quote the citizen's data.
var (
	// ErrEAadhaarMalformed marks a document that is empty, over a limit,
	// not well-formed, carries a DTD or entity declaration, or lacks the
	// e-Aadhaar's shape and fields (including ret other than Y).
	ErrEAadhaarMalformed = errors.New("malformed e-Aadhaar XML")
	// ErrEAadhaarSignature marks a missing, misplaced, duplicated or
	// invalid signature, or one with algorithms outside the allowed sets.
	ErrEAadhaarSignature = errors.New("e-Aadhaar signature refused")
	// ErrEAadhaarUntrusted marks a signer whose certificate does not chain
	// to a configured root at the verification time.
	ErrEAadhaarUntrusted = errors.New("e-Aadhaar signer not trusted")
)

func eaErr(kind error, format string, args ...any) error {
	return fmt.Errorf("digilocker: %w: %s", kind, fmt.Sprintf(format, args...))
}

// The allowed algorithms. DigiLocker signs with exclusive C14N, rsa-sha1
// and a SHA-256 digest (§1.11); rsa-sha1 is accepted for the signature
// because that is what the real documents carry, and the content digest,
// which a collision would have to match, is SHA-256 only.
var (
	allowedC14N      = map[string]bool{strictxml.AlgExcC14N: true, strictxml.AlgC14N10: true}
	allowedSignature = map[string]bool{strictxml.AlgRSASHA1: true, strictxml.AlgRSASHA256: true}
	allowedDigest    = map[string]bool{strictxml.AlgSHA256: true}
)

// EAadhaarOptions configures VerifyEAadhaar.
type EAadhaarOptions struct {
	// Roots are the trusted roots (for production the CCA India root of
	// the signer's chain). REQUIRED: the certificates a document carries
	// are never trusted by themselves.
	Roots *x509.CertPool
	// Now is the verification time. REQUIRED for VerifyEAadhaar;
	// Client.EAadhaar defaults it to the client's clock.
	Now func() time.Time
	// MaxBytes bounds the document; zero means DefaultEAadhaarMaxBytes.
	MaxBytes int
	// MaxPhotoBytes bounds the decoded photo; zero means
	// DefaultEAadhaarMaxPhotoBytes.
	MaxPhotoBytes int
}

// EAadhaar is a verified DigiLocker e-Aadhaar: the fields of KycRes as
// signed, and the signer. Values are as the document gives them, trimmed
// of surrounding spaces.
type EAadhaar struct {
	Name string
	// DOB is YYYY-MM-DD from the document's DD-MM-YYYY, or YYYY when the
	// document gives only the year.
	DOB string
	// Gender is M, F or T.
	Gender string
	// MaskedUID is the uid as sent (xxxxxxxx1234); Last4 its digits. A
	// document carrying an unmasked number is refused.
	MaskedUID, Last4 string

	// The address (Poa).
	CareOf, House, Street, Landmark, Locality, VTC string
	PostOffice, SubDistrict, District, State       string
	Pincode, Country                               string

	// LocalName and LocalLanguage are LData's name and UIDAI language
	// code, empty without LData.
	LocalName, LocalLanguage string

	// Photo is the decoded JPEG (Pht), nil when absent.
	Photo []byte
	// Timestamp is KycRes ts; TTL is ttl (read in IST, zero if absent).
	Timestamp, TTL time.Time
	// Txn is the UIDAI transaction (txn).
	Txn string

	// Signer is the certificate whose key made the signature, and Chain
	// the verified chain from it to a configured root.
	Signer *x509.Certificate
	Chain  []*x509.Certificate
}

// VerifyEAadhaar verifies a DigiLocker e-Aadhaar XML (§1.11) and returns
// its fields. The checks, in order:
//
//   - size within opts.MaxBytes; no DTD, entity declaration or other <!…>
//     declaration (in the raw bytes and again in the parsed tree); UTF-8
//     only; bounded depth, element and attribute counts; no duplicate
//     attributes;
//   - exactly one Signature element in the document, in the XML-DSig
//     namespace, a direct child of the root <Certificate>;
//   - SignedInfo with CanonicalizationMethod exclusive C14N or C14N 1.0,
//     SignatureMethod rsa-sha1 or rsa-sha256, and exactly one Reference
//     with URI="", transforms enveloped-signature then one of the two
//     canonicalizations, DigestMethod SHA-256;
//   - the signer: an end-entity certificate of KeyInfo/X509Data (at most
//     MaxEAadhaarCertificates) that chains, with the others as
//     intermediates, to opts.Roots at opts.Now and whose key verifies
//     the signature (goxmldsig, with that certificate alone trusted);
//   - the fields are read from the element the signature verification
//     returns — the signed bytes, re-parsed — never from the document as
//     received, so content outside the signature (signature wrapping)
//     cannot be read; ret must be Y.
//
// Errors wrap ErrEAadhaarMalformed, ErrEAadhaarSignature or
// ErrEAadhaarUntrusted.
func VerifyEAadhaar(doc []byte, opts EAadhaarOptions) (*EAadhaar, error) {
	if opts.Roots == nil {
		return nil, errors.New("digilocker: e-Aadhaar: no trusted roots configured")
	}
	if opts.Now == nil {
		return nil, errors.New("digilocker: e-Aadhaar: the clock (Now) is required")
	}
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultEAadhaarMaxBytes
	}
	maxPhoto := opts.MaxPhotoBytes
	if maxPhoto <= 0 {
		maxPhoto = DefaultEAadhaarMaxPhotoBytes
	}
	if len(doc) == 0 {
		return nil, eaErr(ErrEAadhaarMalformed, "empty document")
	}
	if len(doc) > maxBytes {
		return nil, eaErr(ErrEAadhaarMalformed, "%d bytes, over the limit of %d", len(doc), maxBytes)
	}
	root, err := parseStrict(doc)
	if err != nil {
		return nil, err
	}
	if root.Tag != "Certificate" || root.Space != "" {
		return nil, eaErr(ErrEAadhaarMalformed, "the root element is not Certificate")
	}
	sig, err := strictxml.FindSignature(root)
	if err != nil {
		return nil, fromXML(err)
	}
	certs, err := checkSignatureShape(sig)
	if err != nil {
		return nil, err
	}

	now := opts.Now()
	// The copy handed to goxmldsig has no KeyInfo: KeyInfo is outside
	// what is signed (the enveloped transform removes the whole
	// Signature), and without it goxmldsig uses the one certificate we
	// give it, the signer whose chain was verified here. The
	// SignatureValue's base64 is freed of whitespace (also unsigned).
	bare := root.Copy()
	bareSig := bare.Child[sig.Index()].(*etree.Element) // Copy keeps every child in place
	for _, c := range bareSig.ChildElements() {
		switch c.Tag {
		case "KeyInfo":
			bareSig.RemoveChild(c)
		case "SignatureValue":
			c.SetText(strictxml.StripSpace(c.Text()))
		}
	}

	var untrusted, invalid error
	for i, leaf := range certs {
		if leaf.BasicConstraintsValid && leaf.IsCA {
			continue
		}
		chain, err := verifyChain(leaf, certs, i, opts.Roots, now)
		if err != nil {
			untrusted = err
			continue
		}
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{leaf}})
		vc.Clock = dsig.NewFakeClockAt(now)
		signed, err := vc.Validate(bare)
		if err != nil {
			invalid = eaErr(ErrEAadhaarSignature, "the signature does not verify with the signer's key: %v", err)
			continue
		}
		e, err := readEAadhaar(signed, maxPhoto)
		if err != nil {
			return nil, err
		}
		e.Signer, e.Chain = leaf, chain
		return e, nil
	}
	switch {
	case invalid != nil:
		return nil, invalid
	case untrusted != nil:
		return nil, untrusted
	}
	return nil, eaErr(ErrEAadhaarUntrusted, "KeyInfo carries no end-entity certificate")
}

// EAadhaar fetches the citizen's e-Aadhaar XML (EAadhaarXML, GET
// /oauth2/3/xml/eaadhaar) and verifies it with VerifyEAadhaar; opts.Now
// defaults to the client's clock. A citizen without Aadhaar linked gets
// an *APIError with Status 404 and Code aadhaar_not_linked. Callers that
// need the raw document call EAadhaarXML and VerifyEAadhaar themselves.
func (c *Client) EAadhaar(ctx context.Context, accessToken string, opts EAadhaarOptions) (*EAadhaar, error) {
	if opts.Roots == nil {
		return nil, errors.New("digilocker: e-Aadhaar: no trusted roots configured")
	}
	doc, err := c.EAadhaarXML(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = c.cfg.Now
	}
	return VerifyEAadhaar(doc, opts)
}

// parseStrict refuses a DTD in the raw bytes, then parses under the
// package's limits (strictxml).
func parseStrict(doc []byte) (*etree.Element, error) {
	if strictxml.HasDTD(doc) {
		return nil, eaErr(ErrEAadhaarMalformed, "a DTD or entity declaration is refused")
	}
	root, err := strictxml.Parse(doc, strictxml.Limits{MaxDepth: maxEAadhaarDepth, MaxElements: maxEAadhaarElements, MaxAttrs: maxEAadhaarAttrs})
	return root, fromXML(err)
}

// fromXML maps a strictxml refusal to the package's sentinels.
func fromXML(err error) error {
	var e *strictxml.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Kind == strictxml.ErrSignatureShape {
		return eaErr(ErrEAadhaarSignature, "%s", e.Detail)
	}
	return eaErr(ErrEAadhaarMalformed, "%s", e.Detail)
}

// children is strictxml.Children with the package's errors.
func children(el *etree.Element, tags ...string) ([]*etree.Element, error) {
	cs, err := strictxml.Children(el, tags...)
	return cs, fromXML(err)
}

// algorithm is strictxml.Algorithm with the package's errors.
func algorithm(el *etree.Element, allowed map[string]bool) (string, error) {
	a, err := strictxml.Algorithm(el, allowed)
	return a, fromXML(err)
}

// checkSignatureShape checks the Signature element against the allowed
// shape and algorithms and returns KeyInfo's certificates.
func checkSignatureShape(sig *etree.Element) ([]*x509.Certificate, error) {
	parts, err := children(sig, "SignedInfo", "SignatureValue", "KeyInfo")
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
	if len(si[0].ChildElements()) > 0 || len(si[1].ChildElements()) > 0 {
		return nil, eaErr(ErrEAadhaarSignature, "CanonicalizationMethod or SignatureMethod has parameters")
	}
	ref := si[2]
	if uri, ok := strictxml.SoleAttr(ref, "URI"); !ok || uri != "" {
		return nil, eaErr(ErrEAadhaarSignature, `the Reference URI is not "" (the whole document)`)
	}
	rc, err := children(ref, "Transforms", "DigestMethod", "DigestValue")
	if err != nil {
		return nil, err
	}
	ts, err := children(rc[0], "Transform", "Transform")
	if err != nil {
		return nil, err
	}
	if a, ok := strictxml.SoleAttr(ts[0], "Algorithm"); !ok || a != strictxml.AlgEnveloped || len(ts[0].ChildElements()) > 0 {
		return nil, eaErr(ErrEAadhaarSignature, "the first transform is not enveloped-signature")
	}
	c14n, err := algorithm(ts[1], allowedC14N)
	if err != nil {
		return nil, err
	}
	for _, p := range ts[1].ChildElements() {
		if c14n != strictxml.AlgExcC14N || p.Tag != "InclusiveNamespaces" || p.NamespaceURI() != strictxml.NSExcC14N {
			return nil, eaErr(ErrEAadhaarSignature, "the canonicalization transform has an unexpected parameter")
		}
	}
	if _, err := algorithm(rc[1], allowedDigest); err != nil {
		return nil, err
	}
	if len(rc[1].ChildElements()) > 0 || len(rc[2].ChildElements()) > 0 || len(parts[1].ChildElements()) > 0 {
		return nil, eaErr(ErrEAadhaarSignature, "DigestMethod, DigestValue or SignatureValue has child elements")
	}
	if d, err := base64.StdEncoding.DecodeString(strictxml.StripSpace(rc[2].Text())); err != nil || len(d) != 32 {
		return nil, eaErr(ErrEAadhaarSignature, "the DigestValue is not a base64 SHA-256 digest")
	}
	if v, err := base64.StdEncoding.DecodeString(strictxml.StripSpace(parts[1].Text())); err != nil || len(v) == 0 || len(v) > 1024 {
		return nil, eaErr(ErrEAadhaarSignature, "the SignatureValue is not base64 of a plausible RSA signature")
	}

	certs, err := strictxml.KeyInfoCertificates(parts[2], MaxEAadhaarCertificates, maxCertificateBytes)
	if err != nil {
		return nil, fromXML(err)
	}
	if len(certs) == 0 {
		return nil, eaErr(ErrEAadhaarSignature, "KeyInfo carries no X509Certificate")
	}
	return certs, nil
}

// verifyChain verifies leaf (certs[i]) against roots at now, with the
// other certificates as intermediates.
func verifyChain(leaf *x509.Certificate, certs []*x509.Certificate, i int, roots *x509.CertPool, now time.Time) ([]*x509.Certificate, error) {
	pub, ok := leaf.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 2048 {
		return nil, eaErr(ErrEAadhaarUntrusted, "the signer's key is not RSA of 2048 bits or more")
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, eaErr(ErrEAadhaarUntrusted, "the signer's certificate does not allow digital signatures")
	}
	inter := x509.NewCertPool()
	for j, c := range certs {
		if j != i {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		// Any extended key usage: document signer certificates under
		// India PKI carry document-signing EKUs (not the TLS server auth
		// that Verify checks by default), and what they may sign is
		// decided here by the configured roots, not by an EKU.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, eaErr(ErrEAadhaarUntrusted, "%v", err)
	}
	return chains[0], nil
}

// one is strictxml.One with the package's errors.
func one(el *etree.Element, tag string, required bool) (*etree.Element, error) {
	c, err := strictxml.One(el, tag, required)
	return c, fromXML(err)
}

var ist = time.FixedZone("IST", 5*3600+1800)

// readEAadhaar reads the fields from the verified element.
func readEAadhaar(root *etree.Element, maxPhoto int) (*EAadhaar, error) {
	if root == nil || root.Tag != "Certificate" {
		return nil, eaErr(ErrEAadhaarMalformed, "the signed root element is not Certificate")
	}
	cd, err := one(root, "CertificateData", true)
	if err != nil {
		return nil, err
	}
	kyc, err := one(cd, "KycRes", true)
	if err != nil {
		return nil, err
	}
	uid, err := one(kyc, "UidData", true)
	if err != nil {
		return nil, err
	}
	poi, err := one(uid, "Poi", true)
	if err != nil {
		return nil, err
	}
	poa, err := one(uid, "Poa", false)
	if err != nil {
		return nil, err
	}
	ldata, err := one(uid, "LData", false)
	if err != nil {
		return nil, err
	}
	pht, err := one(uid, "Pht", false)
	if err != nil {
		return nil, err
	}
	var e EAadhaar
	var ret, ts, ttl, dob string
	for _, f := range []struct {
		el *etree.Element
		kv map[string]*string
	}{
		{kyc, map[string]*string{"ret": &ret, "ts": &ts, "ttl": &ttl, "txn": &e.Txn}},
		{uid, map[string]*string{"uid": &e.MaskedUID}},
		{poi, map[string]*string{"name": &e.Name, "dob": &dob, "gender": &e.Gender}},
		{poa, map[string]*string{"co": &e.CareOf, "house": &e.House, "street": &e.Street, "lm": &e.Landmark, "loc": &e.Locality,
			"vtc": &e.VTC, "po": &e.PostOffice, "subdist": &e.SubDistrict, "dist": &e.District, "state": &e.State, "pc": &e.Pincode,
			"country": &e.Country}},
		{ldata, map[string]*string{"name": &e.LocalName, "lang": &e.LocalLanguage}},
	} {
		if err := strictxml.Attrs(f.el, f.kv, maxEAadhaarField); err != nil {
			return nil, fromXML(err)
		}
	}
	if ret != "Y" {
		return nil, eaErr(ErrEAadhaarMalformed, "KycRes ret is not Y")
	}
	if e.Timestamp, err = time.Parse(time.RFC3339, ts); err != nil {
		return nil, eaErr(ErrEAadhaarMalformed, "KycRes ts is not an RFC 3339 time")
	}
	if ttl != "" {
		if e.TTL, err = time.ParseInLocation("2006-01-02T15:04:05", ttl, ist); err != nil {
			return nil, eaErr(ErrEAadhaarMalformed, "KycRes ttl is not a local date and time")
		}
	}
	if e.Name == "" {
		return nil, eaErr(ErrEAadhaarMalformed, "Poi has no name")
	}
	switch e.Gender {
	case "M", "F", "T":
	default:
		return nil, eaErr(ErrEAadhaarMalformed, "Poi gender is not M, F or T")
	}
	if e.DOB, err = uidai.BirthDate(dob); err != nil {
		return nil, eaErr(ErrEAadhaarMalformed, "%v", err)
	}
	if e.Last4, err = last4(e.MaskedUID); err != nil {
		return nil, err
	}
	if pht != nil {
		if e.Photo, err = uidai.Photo(pht.Text(), maxPhoto); err != nil {
			return nil, eaErr(ErrEAadhaarMalformed, "%v", err)
		}
	}
	return &e, nil
}

// last4 checks a masked uid (eight x, then four digits) and returns the
// digits.
func last4(uid string) (string, error) {
	if len(uid) != 12 {
		return "", eaErr(ErrEAadhaarMalformed, "uid is not a masked Aadhaar number")
	}
	for i := range 12 {
		c := uid[i]
		if (i < 8 && c != 'x' && c != 'X') || (i >= 8 && (c < '0' || c > '9')) {
			return "", eaErr(ErrEAadhaarMalformed, "uid is not a masked Aadhaar number")
		}
	}
	return uid[8:], nil
}
