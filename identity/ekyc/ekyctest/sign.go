package ekyctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"time"
)

// CA is a test CA standing in for UIDAI's certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// Signer is a document signer: the certificate a verifier pins.
type Signer struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// NewCA makes an RSA-2048 root valid for ten years around now.
func NewCA(now time.Time) (*CA, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return NewCAWithKey(now, key)
}

// NewCAWithKey is NewCA with a given key (TestKey for fast fixtures).
func NewCAWithKey(now time.Time, key *rsa.PrivateKey) (*CA, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "TEST CA - NOT UIDAI", Organization: []string{"Pramaan tests"}},
		NotBefore:             now.AddDate(-5, 0, 0),
		NotAfter:              now.AddDate(5, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Issue makes an RSA-2048 document signer valid from notBefore to notAfter.
func (ca *CA) Issue(serial int64, notBefore, notAfter time.Time) (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return ca.IssueWithKey(serial, notBefore, notAfter, key)
}

// IssueWithKey is Issue with a given key.
func (ca *CA) IssueWithKey(serial int64, notBefore, notAfter time.Time, key *rsa.PrivateKey) (*Signer, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "DS TEST SIGNER - NOT UIDAI", Organization: []string{"Pramaan tests"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Signer{Cert: cert, Key: key}, nil
}

// Person is the content of an offline e-KYC XML.
type Person struct {
	Last4                                                                            string // last four Aadhaar digits
	Name, DOB, Gender                                                                string // DOB as DD-MM-YYYY
	Mobile, Email, ShareCode                                                         string // hashed into m and e when set
	CareOf, Country, Dist, House, Landmark, Loc, PC, PO, State, Street, SubDist, VTC string
	Photo                                                                            []byte // JPEG
}

// DefaultPerson is a synthetic resident.
func DefaultPerson() Person {
	return Person{
		Last4: "1237", Name: "Asha Test Kumari", DOB: "07-12-1980", Gender: "F",
		Mobile: "9800000001", Email: "asha@example.test", ShareCode: "4821",
		CareOf: "D/O: Test Parent", Country: "India", Dist: "Bengaluru Urban", House: "12",
		Landmark: "Near Test Park", Loc: "Test Layout", PC: "560098", PO: "Test PO", State: "Karnataka",
		Street: "1st Main", SubDist: "Test Subdist", VTC: "Test Village",
		Photo: TinyJPEG(),
	}
}

// TinyJPEG is a few bytes that start and end like a JPEG.
func TinyJPEG() []byte {
	return []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}
}

// ReferenceID is last4 followed by t in IST as yyyyMMddHHmmssSSS.
func ReferenceID(last4 string, t time.Time) string {
	t = t.In(time.FixedZone("IST", 5*3600+1800))
	return last4 + t.Format("20060102150405") + t.Format(".000")[1:]
}

// SaltedHash is §2.4's rule, written here apart from the package's.
func SaltedHash(value, shareCode, last4 string) string {
	n := int(last4[len(last4)-1] - '0')
	if n < 1 {
		n = 1
	}
	h := value + shareCode
	for i := 0; i < n; i++ {
		sum := sha256.Sum256([]byte(h))
		h = strings.ToLower(strings.TrimSpace(hexString(sum[:])))
	}
	return h
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// escAttr and escText escape as C14N 1.0 does.
func escAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;").Replace(s)
}

func escText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;").Replace(s)
}

// Body is the canonical (C14N 1.0, inclusive or exclusive: the same here)
// form of the OfflinePaperlessKyc element without its Signature; Sign
// inserts the Signature before the closing tag.
func Body(p Person, referenceID string) string {
	m, e := "", ""
	if p.Mobile != "" {
		m = SaltedHash(p.Mobile, p.ShareCode, p.Last4)
	}
	if p.Email != "" {
		e = SaltedHash(p.Email, p.ShareCode, p.Last4)
	}
	attr := func(kv ...string) string {
		var b strings.Builder
		for i := 0; i < len(kv); i += 2 {
			b.WriteString(" " + kv[i] + `="` + escAttr(kv[i+1]) + `"`)
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(`<OfflinePaperlessKyc referenceId="` + escAttr(referenceID) + `"><UidData>`)
	// Attributes in lexicographic order, as C14N orders them.
	b.WriteString("<Poi" + attr("dob", p.DOB, "e", e, "gender", p.Gender, "m", m, "name", p.Name) + "></Poi>")
	b.WriteString("<Poa" + attr("careof", p.CareOf, "country", p.Country, "dist", p.Dist, "house", p.House,
		"landmark", p.Landmark, "loc", p.Loc, "pc", p.PC, "po", p.PO, "state", p.State, "street", p.Street,
		"subdist", p.SubDist, "vtc", p.VTC) + "></Poa>")
	b.WriteString("<Pht>" + escText(base64.StdEncoding.EncodeToString(p.Photo)) + "</Pht>")
	b.WriteString("</UidData></OfflinePaperlessKyc>")
	return b.String()
}

// Signing says how Sign signs.
type Signing struct {
	// SHA256 signs with rsa-sha256 instead of UIDAI's rsa-sha1.
	SHA256 bool
	// Exclusive uses exclusive C14N (SignedInfo and a second transform)
	// instead of UIDAI's inclusive C14N with the enveloped transform only.
	Exclusive bool
	// NoKeyInfo leaves KeyInfo out (2019–2020 files).
	NoKeyInfo bool
	// KeyInfoCert is the certificate KeyInfo carries (default: the
	// signer's).
	KeyInfoCert *x509.Certificate
	// Wrap76 breaks SignatureValue into 76-column lines.
	Wrap76 bool
}

const (
	algC14N   = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algExc    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algSHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
)

// Sign signs body (canonical, as Body returns) as an enveloped XML-DSig
// with Reference URI="", assembling SignedInfo itself (goxmldsig's signer
// ties the digest and signature hashes together) and returns the document
// with an XML declaration.
func Sign(body string, s *Signer, how Signing) ([]byte, error) {
	digest := sha256.Sum256([]byte(body))
	c14n, sigAlg := algC14N, algSHA1
	if how.Exclusive {
		c14n = algExc
	}
	if how.SHA256 {
		sigAlg = algSHA256
	}
	transforms := `<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></Transform>`
	if how.Exclusive {
		transforms += `<Transform Algorithm="` + algExc + `"></Transform>`
	}
	// SignedInfo as canonicalised in its context: the default namespace
	// declared on Signature is in scope (and visibly used).
	inner := `<CanonicalizationMethod Algorithm="` + c14n + `"></CanonicalizationMethod>` +
		`<SignatureMethod Algorithm="` + sigAlg + `"></SignatureMethod>` +
		`<Reference URI=""><Transforms>` + transforms + `</Transforms>` +
		`<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod>` +
		`<DigestValue>` + base64.StdEncoding.EncodeToString(digest[:]) + `</DigestValue></Reference>`
	canonical := `<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">` + inner + `</SignedInfo>`
	var sig []byte
	var err error
	if how.SHA256 {
		h := sha256.Sum256([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA256, h[:])
	} else {
		h := sha1.Sum([]byte(canonical))
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.Key, crypto.SHA1, h[:])
	}
	if err != nil {
		return nil, err
	}
	sv := base64.StdEncoding.EncodeToString(sig)
	if how.Wrap76 {
		var b strings.Builder
		for len(sv) > 76 {
			b.WriteString(sv[:76] + "\n")
			sv = sv[76:]
		}
		b.WriteString(sv)
		sv = b.String()
	}
	keyInfo := ""
	if !how.NoKeyInfo {
		c := how.KeyInfoCert
		if c == nil {
			c = s.Cert
		}
		keyInfo = `<KeyInfo><X509Data><X509SubjectName>` + escText(c.Subject.String()) + `</X509SubjectName><X509Certificate>` +
			base64.StdEncoding.EncodeToString(c.Raw) + `</X509Certificate></X509Data></KeyInfo>`
	}
	signature := `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>` + inner + `</SignedInfo>` +
		`<SignatureValue>` + sv + `</SignatureValue>` + keyInfo + `</Signature>`
	end := strings.LastIndex(body, "</OfflinePaperlessKyc>")
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n" + body[:end] + signature + body[end:]), nil
}
