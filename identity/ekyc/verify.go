package ekyc

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/pramaan/pramaan/identity/uidai"
	"github.com/pramaan/pramaan/internal/strictxml"
)

// DefaultMaxAge bounds the age of a package when Options.MaxAge is zero.
const DefaultMaxAge = 72 * time.Hour

// maxFutureSkew is how far in the future a referenceId may lie (clock
// skew between UIDAI and us).
const maxFutureSkew = 5 * time.Minute

// IST is the zone of the referenceId timestamp.
var IST = time.FixedZone("IST", 5*3600+1800)

// Options configures Verify.
type Options struct {
	// Pinned are the UIDAI offline e-KYC signing certificates (for
	// production the published uidai_offline_publickey_*.cer files).
	// REQUIRED. A document's own KeyInfo certificate is never trusted: a
	// document verifies only under a pinned certificate that is valid at
	// the document's referenceId time.
	Pinned []*x509.Certificate
	// Now is the verification time. REQUIRED.
	Now func() time.Time
	// MaxAge bounds Now minus the referenceId time; zero means
	// DefaultMaxAge.
	MaxAge time.Duration
	// NameKey is the HMAC-SHA256 key of Masked.NameHash, 16 bytes or
	// more. REQUIRED.
	NameKey []byte
	// MaxBytes bounds the document (DefaultMaxXMLInput); MaxPhotoBytes the
	// decoded photo (DefaultMaxPhotoBytes).
	MaxBytes, MaxPhotoBytes int
}

// Masked is what may be persisted of a verified package: no name, date of
// birth, address, photo, hash of the mobile or e-mail, or share code.
type Masked struct {
	// Last4 is the last four digits of the Aadhaar number.
	Last4 string
	// NameHash is hex HMAC-SHA256(Options.NameKey, normalised name): the
	// name upper-cased with runs of white space folded to one space.
	NameHash string
	// Verified is true for every Result that Verify returns.
	Verified bool
	// VerifiedAt is Options.Now at verification; ReferenceTime the
	// referenceId's timestamp.
	VerifiedAt, ReferenceTime time.Time
	// SignerSHA256 is the hex SHA-256 of the pinned certificate that
	// verified the signature.
	SignerSHA256 string
}

// Address is the Poa element.
type Address struct {
	CareOf, House, Street, Landmark, Locality, VTC string
	PostOffice, SubDistrict, District, State       string
	Pincode, Country                               string
}

// Claims are the verified facts needed for issuance. Hold them only in
// memory, or sealed (encrypted) until the offer is redeemed; never log or
// persist them in the clear.
type Claims struct {
	Name string
	// DOB is YYYY-MM-DD (from DD-MM-YYYY) or YYYY.
	DOB string
	// Gender is M, F or T ("male", "female" and "transgender", seen in
	// pre-production samples, are mapped).
	Gender  string
	Address Address
	// Photo is the decoded JPEG (Pht), nil when absent.
	Photo []byte
	// MobileHash and EmailHash are the m and e attributes (lower-case
	// hex, empty when the resident did not share them); see VerifyMobile.
	MobileHash, EmailHash string
}

// Result is a verified offline e-KYC package.
type Result struct {
	// The masked facts (see Masked).
	Last4, NameHash           string
	Verified                  bool
	VerifiedAt, ReferenceTime time.Time
	SignerSHA256              string

	// ReferenceID is the referenceId (the last four Aadhaar digits and the
	// IST timestamp).
	ReferenceID string
	// Signer is the pinned certificate that verified the signature.
	Signer *x509.Certificate
	// Claims: hold only in memory / sealed until the offer is redeemed.
	Claims Claims
}

// Masked returns what may be persisted.
func (r *Result) Masked() Masked {
	return Masked{Last4: r.Last4, NameHash: r.NameHash, Verified: r.Verified, VerifiedAt: r.VerifiedAt,
		ReferenceTime: r.ReferenceTime, SignerSHA256: r.SignerSHA256}
}

// Verify verifies an offline e-KYC XML (§2.2, §2.3) and returns its facts.
// The checks, in order:
//
//   - options complete; size within MaxBytes; no DTD or entity
//     declaration (raw bytes, then the parsed tree); strict XML under the
//     package's limits;
//   - root OfflinePaperlessKyc; exactly one Signature in the document, a
//     child of the root, in the XML-DSig namespace, of the allowed shape
//     and algorithms, Reference URI="";
//   - the signature under the pinned certificates (goxmldsig, given a copy
//     without KeyInfo and one pinned certificate at a time);
//   - the fields, read from the element goxmldsig returns as verified;
//     the referenceId time; the pinned certificate valid at that time;
//     the referenceId time within MaxAge before Now (and not in the
//     future).
func Verify(doc []byte, opts Options) (*Result, error) {
	if len(opts.Pinned) == 0 {
		return nil, errf(ErrConfig, "no pinned certificates")
	}
	if opts.Now == nil {
		return nil, errf(ErrConfig, "the clock (Now) is required")
	}
	if len(opts.NameKey) < 16 {
		return nil, errf(ErrConfig, "the name key is shorter than 16 bytes")
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	r, signers, err := verifySignature(doc, opts.Pinned, opts.MaxBytes, opts.MaxPhotoBytes)
	if err != nil {
		return nil, err
	}
	pin, err := validAt(signers, r.ReferenceTime)
	if err != nil {
		return nil, err
	}
	now := opts.Now()
	if err := fresh(r.ReferenceTime, now, maxAge); err != nil {
		return nil, err
	}
	r.seal(pin, now, opts.NameKey)
	return r, nil
}

// seal completes a Result whose signature and time checks passed.
func (r *Result) seal(pin *x509.Certificate, now time.Time, nameKey []byte) {
	fp := sha256.Sum256(pin.Raw)
	r.Signer = pin
	r.SignerSHA256 = hex.EncodeToString(fp[:])
	r.Verified = true
	r.VerifiedAt = now
	r.NameHash = nameHash(nameKey, r.Claims.Name)
}

// validAt returns the first of signers (pinned certificates carrying the
// key that verified the signature) valid at t, the document's referenceId
// time: a signature by a key whose certificate had expired, or was not yet
// valid, when the document was made is refused (§2.3: choose the pinned
// certificate by the referenceId time).
func validAt(signers []*x509.Certificate, t time.Time) (*x509.Certificate, error) {
	for _, pin := range signers {
		if !t.Before(pin.NotBefore) && !t.After(pin.NotAfter) {
			return pin, nil
		}
	}
	pin := signers[0]
	return nil, errf(ErrCertificateNotValid, "the referenceId time %s is outside the pinned certificate's validity %s to %s",
		t.UTC().Format(time.RFC3339), pin.NotBefore.UTC().Format(time.RFC3339), pin.NotAfter.UTC().Format(time.RFC3339))
}

// fresh checks that made lies within maxAge before now, and no more than
// maxFutureSkew after it.
func fresh(made, now time.Time, maxAge time.Duration) error {
	if age := now.Sub(made); age > maxAge {
		return errf(ErrStale, "the referenceId is %s old, over %s", age.Round(time.Second), maxAge)
	} else if age < -maxFutureSkew {
		return errf(ErrStale, "the referenceId lies %s in the future", (-age).Round(time.Second))
	}
	return nil
}

// verifySignature checks everything but time: the document's shape and
// its signature under one of pinned. It returns the fields read from the
// element goxmldsig verified and every pinned certificate carrying the
// key that verified it (a renewed certificate may carry the same key).
func verifySignature(doc []byte, pinned []*x509.Certificate, maxBytes, maxPhoto int) (*Result, []*x509.Certificate, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxXMLInput
	}
	if maxPhoto <= 0 {
		maxPhoto = DefaultMaxPhotoBytes
	}
	if len(doc) == 0 {
		return nil, nil, errf(ErrMalformedXML, "empty document")
	}
	if len(doc) > maxBytes {
		return nil, nil, errf(ErrMalformedXML, "%d bytes, over the limit of %d", len(doc), maxBytes)
	}
	if strictxml.HasDTD(doc) {
		return nil, nil, errf(ErrDTD, "a DTD or entity declaration is refused")
	}
	root, err := strictxml.Parse(doc, xmlLimits)
	if err != nil {
		return nil, nil, fromXML(err)
	}
	if root.Tag != "OfflinePaperlessKyc" || root.Space != "" {
		return nil, nil, errf(ErrMalformedXML, "the root element is not OfflinePaperlessKyc")
	}
	sig, err := strictxml.FindSignature(root)
	if err != nil {
		return nil, nil, fromXML(err)
	}
	embedded, err := checkSignatureShape(sig)
	if err != nil {
		return nil, nil, err
	}

	// goxmldsig gets a copy without KeyInfo (outside what is signed), so
	// that it uses the one pinned certificate it is given.
	bare := root.Copy()
	bareSig := bare.Child[sig.Index()].(*etree.Element)
	for _, c := range bareSig.ChildElements() {
		switch c.Tag {
		case "KeyInfo":
			bareSig.RemoveChild(c)
		case "SignatureValue":
			c.SetText(strictxml.StripSpace(c.Text()))
		}
	}

	// Pinned certificates named by KeyInfo are tried first.
	order := make([]*x509.Certificate, 0, len(pinned))
	for _, p := range pinned {
		if p != nil && pinnedIn(embedded, p) {
			order = append(order, p)
		}
	}
	for _, p := range pinned {
		if p != nil && !pinnedIn(embedded, p) {
			order = append(order, p)
		}
	}
	for _, pin := range order {
		pub, ok := pin.PublicKey.(*rsa.PublicKey)
		if !ok {
			continue
		}
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{pin}})
		// goxmldsig checks its clock against the certificate; validity is
		// decided by the caller at the referenceId time, so its clock is
		// set inside the validity period.
		vc.Clock = dsig.NewFakeClockAt(pin.NotBefore)
		signed, err := vc.Validate(bare)
		if errors.Is(err, rsa.ErrVerification) {
			continue // not this key
		}
		if err != nil {
			// The digest of the content is checked before the signature
			// value and does not depend on the key.
			return nil, nil, errf(ErrSignatureInvalid, "the signed content does not match its digest")
		}
		r, err := readKyc(signed, maxPhoto)
		if err != nil {
			return nil, nil, err
		}
		var signers []*x509.Certificate
		for _, p := range order {
			if p.PublicKey != nil && pub.Equal(p.PublicKey) {
				signers = append(signers, p)
			}
		}
		return r, signers, nil
	}
	for _, c := range embedded {
		if !pinnedIn(pinned, c) {
			return nil, nil, errf(ErrUntrustedSigner, "KeyInfo names a certificate outside the pinned set and no pinned certificate verifies the signature")
		}
	}
	return nil, nil, errf(ErrSignatureInvalid, "no pinned certificate verifies the signature value")
}

// pinnedIn reports whether c is in set.
func pinnedIn(set []*x509.Certificate, c *x509.Certificate) bool {
	for _, p := range set {
		if p != nil && p.Equal(c) {
			return true
		}
	}
	return false
}

// nameHash is hex HMAC-SHA256(key, upper-cased name with white space
// folded).
func nameHash(key []byte, name string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToUpper(strings.Join(strings.Fields(name), " "))))
	return hex.EncodeToString(m.Sum(nil))
}

// one is strictxml.One with the package's errors.
func one(el *etree.Element, tag string, required bool) (*etree.Element, error) {
	c, err := strictxml.One(el, tag, required)
	return c, fromXML(err)
}

// ParseReferenceID splits a referenceId into the last four Aadhaar digits
// and the IST time of its last 17 digits (yyyyMMddHHmmssSSS).
func ParseReferenceID(ref string) (last4 string, t time.Time, err error) {
	if len(ref) != 21 {
		return "", time.Time{}, errf(ErrMalformedXML, "referenceId is not 21 digits")
	}
	for i := range len(ref) {
		if ref[i] < '0' || ref[i] > '9' {
			return "", time.Time{}, errf(ErrMalformedXML, "referenceId is not 21 digits")
		}
	}
	t, err = time.ParseInLocation("20060102150405.000", ref[4:18]+"."+ref[18:], IST)
	if err != nil {
		return "", time.Time{}, errf(ErrMalformedXML, "referenceId has no valid timestamp")
	}
	return ref[:4], t, nil
}

func isHash(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// readKyc reads the fields from the verified element.
func readKyc(root *etree.Element, maxPhoto int) (*Result, error) {
	if root == nil || root.Tag != "OfflinePaperlessKyc" || root.Space != "" {
		return nil, errf(ErrMalformedXML, "the signed root element is not OfflinePaperlessKyc")
	}
	uid, err := one(root, "UidData", true)
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
	pht, err := one(uid, "Pht", false)
	if err != nil {
		return nil, err
	}
	r := &Result{}
	c := &r.Claims
	a := &c.Address
	var dob string
	for _, f := range []struct {
		el *etree.Element
		kv map[string]*string
	}{
		{root, map[string]*string{"referenceId": &r.ReferenceID}},
		{poi, map[string]*string{"name": &c.Name, "dob": &dob, "gender": &c.Gender, "m": &c.MobileHash, "e": &c.EmailHash}},
		{poa, map[string]*string{"careof": &a.CareOf, "house": &a.House, "street": &a.Street, "landmark": &a.Landmark,
			"loc": &a.Locality, "vtc": &a.VTC, "po": &a.PostOffice, "subdist": &a.SubDistrict, "dist": &a.District,
			"state": &a.State, "pc": &a.Pincode, "country": &a.Country}},
	} {
		if err := strictxml.Attrs(f.el, f.kv, maxField); err != nil {
			return nil, fromXML(err)
		}
	}
	if r.Last4, r.ReferenceTime, err = ParseReferenceID(r.ReferenceID); err != nil {
		return nil, err
	}
	if c.Name == "" {
		return nil, errf(ErrMalformedXML, "Poi has no name")
	}
	switch strings.ToLower(c.Gender) {
	case "m", "male":
		c.Gender = "M"
	case "f", "female":
		c.Gender = "F"
	case "t", "transgender":
		c.Gender = "T"
	default:
		return nil, errf(ErrMalformedXML, "Poi gender is not M, F or T")
	}
	if c.DOB, err = uidai.BirthDate(dob); err != nil {
		return nil, errf(ErrMalformedXML, "%v", err)
	}
	c.MobileHash, c.EmailHash = strings.ToLower(c.MobileHash), strings.ToLower(c.EmailHash)
	if !isHash(c.MobileHash) || !isHash(c.EmailHash) {
		return nil, errf(ErrMalformedXML, "Poi m or e is not empty or 64 hex digits")
	}
	if pht != nil {
		if c.Photo, err = uidai.Photo(pht.Text(), maxPhoto); err != nil {
			return nil, errf(ErrMalformedXML, "%v", err)
		}
	}
	return r, nil
}
