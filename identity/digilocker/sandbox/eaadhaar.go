package sandbox

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Algorithm identifiers of XML-DSig used by the e-Aadhaar signature and
// the variants tests make with EAadhaarSigning.
const (
	AlgExcC14N       = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgC14N10        = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	AlgEnveloped     = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	AlgRSASHA1       = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgRSASHA256     = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgRSASHA512     = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	AlgDigestSHA1    = "http://www.w3.org/2000/09/xmldsig#sha1"
	AlgDigestSHA256  = "http://www.w3.org/2001/04/xmlenc#sha256"
	AlgDigestSHA512  = "http://www.w3.org/2001/04/xmlenc#sha512"
	xmldsigNamespace = "http://www.w3.org/2000/09/xmldsig#"
)

var signatureHashes = map[string]crypto.Hash{AlgRSASHA1: crypto.SHA1, AlgRSASHA256: crypto.SHA256, AlgRSASHA512: crypto.SHA512}

var digestHashes = map[string]crypto.Hash{AlgDigestSHA1: crypto.SHA1, AlgDigestSHA256: crypto.SHA256, AlgDigestSHA512: crypto.SHA512}

// ist is Indian Standard Time, the zone of the KycRes timestamps.
var ist = time.FixedZone("IST", 5*3600+1800)

// EAadhaarPKI is a test PKI in the shape of India PKI as the e-Aadhaar
// signature shows it (§1.11): the root CN=CCA India 2022, the
// intermediate CN=SafeScrypt CA 2022, the sub-CA CN=SafeScrypt sub-CA for
// Document Signer 2022, and the document signer CN=DS NATIONAL
// E-GOVERNANCE DIVISION 1 (DigiLocker re-signs Aadhaar data with its own
// certificate). All keys are RSA 2048; every subject carries
// OU=Pramaan sandbox so that none passes for a real certificate.
type EAadhaarPKI struct {
	Root, CA, SubCA, Signer *x509.Certificate
	// SignerKey is the document signer's key.
	SignerKey *rsa.PrivateKey
}

// NewEAadhaarPKI generates a PKI valid around now: the root from two years
// before to twenty after, the signer from thirty days before to two years
// after (the real one is valid for about two and a half years). Key
// generation takes a few hundred milliseconds; tests share one PKI
// through Config.EAadhaarPKI.
func NewEAadhaarPKI(now time.Time) (*EAadhaarPKI, error) {
	day := 24 * time.Hour
	type level struct {
		cn, o       string
		from, until time.Duration
		pathLen     int // -1: not a CA
	}
	levels := []level{
		{"CCA India 2022", "India PKI", -2 * 365 * day, 20 * 365 * day, 2},
		{"SafeScrypt CA 2022", "Sify Technologies Limited", -2 * 365 * day, 15 * 365 * day, 1},
		{"SafeScrypt sub-CA for Document Signer 2022", "Sify Technologies Limited", -365 * day, 10 * 365 * day, 0},
		{"DS NATIONAL E-GOVERNANCE DIVISION 1", "NATIONAL E-GOVERNANCE DIVISION", -30 * day, 2 * 365 * day, -1},
	}
	var (
		certs     []*x509.Certificate
		parent    *x509.Certificate
		parentKey *rsa.PrivateKey
		key       *rsa.PrivateKey
	)
	for _, l := range levels {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("sandbox: e-Aadhaar PKI: %w", err)
		}
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
		if err != nil {
			return nil, fmt.Errorf("sandbox: e-Aadhaar PKI: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			Subject:               pkix.Name{CommonName: l.cn, Organization: []string{l.o}, OrganizationalUnit: []string{"Pramaan sandbox"}, Country: []string{"IN"}},
			NotBefore:             now.Add(l.from).Truncate(time.Second),
			NotAfter:              now.Add(l.until).Truncate(time.Second),
			BasicConstraintsValid: true,
		}
		if l.pathLen >= 0 {
			tmpl.IsCA, tmpl.MaxPathLen, tmpl.MaxPathLenZero = true, l.pathLen, l.pathLen == 0
			tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		} else {
			// A document signer: digital signature and non-repudiation,
			// with the document-signing extended key usage
			// (1.3.6.1.4.1.311.10.3.12) rather than any TLS usage.
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}}
		}
		issuer, issuerKey := tmpl, key
		if parent != nil {
			issuer, issuerKey = parent, parentKey
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
		if err != nil {
			return nil, fmt.Errorf("sandbox: e-Aadhaar PKI: %s: %w", l.cn, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("sandbox: e-Aadhaar PKI: %w", err)
		}
		certs = append(certs, cert)
		parent, parentKey = cert, key
	}
	return &EAadhaarPKI{Root: certs[0], CA: certs[1], SubCA: certs[2], Signer: certs[3], SignerKey: key}, nil
}

// Chain is the certificates as the e-Aadhaar KeyInfo carries them: the
// signer first, then the sub-CA, the SafeScrypt CA and the CCA root.
func (p *EAadhaarPKI) Chain() []*x509.Certificate {
	return []*x509.Certificate{p.Signer, p.SubCA, p.CA, p.Root}
}

// EAadhaarSigning chooses how the e-Aadhaar XML is signed. The zero value
// is what DigiLocker does (§1.11): CanonicalizationMethod exclusive C14N,
// SignatureMethod rsa-sha1, one Reference with URI="" whose transforms are
// enveloped-signature then exclusive C14N, DigestMethod SHA-256, and
// KeyInfo/X509Data with the chain. Other values make the variants a
// verifier must accept or refuse.
type EAadhaarSigning struct {
	// Canonicalization is both the CanonicalizationMethod and the
	// reference's second transform: AlgExcC14N ("" too) or AlgC14N10.
	Canonicalization string
	// SignatureMethod is AlgRSASHA1 ("" too), AlgRSASHA256 or AlgRSASHA512.
	SignatureMethod string
	// DigestMethod is AlgDigestSHA256 ("" too), AlgDigestSHA1 or
	// AlgDigestSHA512.
	DigestMethod string
	// ReferenceURI is the Reference's URI; "" is the whole document, as
	// DigiLocker signs.
	ReferenceURI string
	// Chain is what KeyInfo carries; nil means the PKI's Chain.
	Chain []*x509.Certificate
}

// BuildEAadhaar returns the e-Aadhaar XML of c as DigiLocker serves it
// (§1.11), with ts as the KycRes timestamp, signed by p as how says.
func BuildEAadhaar(c *Citizen, p *EAadhaarPKI, ts time.Time, how EAadhaarSigning) ([]byte, error) {
	doc, err := signedEAadhaar(c, p, ts, how)
	if err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

// SignEAadhaar signs the root element of an XML document (enveloped) as
// BuildEAadhaar does, so that tests can sign documents of any content.
// The document must not carry a Signature already.
func SignEAadhaar(unsigned []byte, p *EAadhaarPKI, how EAadhaarSigning) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(unsigned); err != nil {
		return nil, fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("sandbox: e-Aadhaar: no root element")
	}
	if err := signEnveloped(doc.Root(), p, how); err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

func signedEAadhaar(c *Citizen, p *EAadhaarPKI, ts time.Time, how EAadhaarSigning) (*etree.Document, error) {
	doc, err := eaadhaarDocument(c, ts)
	if err != nil {
		return nil, err
	}
	if err := signEnveloped(doc.Root(), p, how); err != nil {
		return nil, err
	}
	return doc, nil
}

// eaadhaarDocument is the unsigned e-Aadhaar XML: attribute names and
// order as observed (co and lm, not careof and landmark), uid masked to
// the last four digits, a 160×200 JPEG photo.
func eaadhaarDocument(c *Citizen, ts time.Time) (*etree.Document, error) {
	if len(c.DOB) != 8 || len(c.AadhaarLast4) != 4 {
		return nil, fmt.Errorf("sandbox: e-Aadhaar: citizen %s lacks a DDMMYYYY dob or an Aadhaar last-4", c.DigiLockerID)
	}
	photo, err := photoJPEG(c.DigiLockerID)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8" standalone="yes"`)
	kyc := doc.CreateElement("Certificate").CreateElement("CertificateData").CreateElement("KycRes")
	ts = ts.In(ist)
	attrs(kyc, "code", randomHex(16), "ret", "Y", "ts", ts.Format("2006-01-02T15:04:05.000-07:00"),
		"ttl", ts.AddDate(1, 0, 0).Format("2006-01-02T15:04:05"), "txn", "UKC:"+randomHex(16))
	uid := kyc.CreateElement("UidData")
	attrs(uid, "tkn", randomHex(32), "uid", "xxxxxxxx"+c.AadhaarLast4)
	attrs(uid.CreateElement("Poi"), "dob", dmy(c.DOB), "gender", c.Gender, "name", c.Name)
	a := c.Address
	attrs(uid.CreateElement("Poa"), "co", a.CareOf, "country", a.Country, "dist", a.District, "house", a.House, "lm", a.Landmark,
		"loc", a.Locality, "pc", a.Pincode, "po", a.PostOffice, "state", a.State, "street", a.Street, "subdist", a.SubDistrict, "vtc", a.VTC)
	if l := c.Local; l.Lang != "" {
		// The observed file has a single space as the local country.
		attrs(uid.CreateElement("LData"), "co", l.CareOf, "country", " ", "dist", l.District, "lang", l.Lang, "lm", l.Landmark,
			"loc", l.Locality, "name", l.Name, "pc", a.Pincode, "state", l.State, "vtc", l.VTC)
	}
	uid.CreateElement("Pht").SetText(base64.StdEncoding.EncodeToString(photo))
	return doc, nil
}

func attrs(e *etree.Element, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		e.CreateAttr(kv[i], kv[i+1])
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// photoJPEG is a 160×200 JPEG of one colour chosen by the citizen's id,
// the size of the real e-Aadhaar photo.
func photoJPEG(id string) ([]byte, error) {
	h := fnv.New32a()
	h.Write([]byte(id))
	v := h.Sum32()
	img := image.NewRGBA(image.Rect(0, 0, 160, 200))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{R: 96 + uint8(v)%128, G: 96 + uint8(v>>8)%128, B: 96 + uint8(v>>16)%128, A: 255}}, image.Point{}, draw.Src)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		return nil, fmt.Errorf("sandbox: e-Aadhaar photo: %w", err)
	}
	return b.Bytes(), nil
}

// signEnveloped appends an enveloped XML-DSig Signature to root. It builds
// SignedInfo itself because the signature method (rsa-sha1) and the
// digest method (SHA-256) use different hashes, which goxmldsig's signing
// context cannot express; canonicalization is goxmldsig's, the same code
// the verifier runs.
func signEnveloped(root *etree.Element, p *EAadhaarPKI, how EAadhaarSigning) error {
	c14n := or(how.Canonicalization, AlgExcC14N)
	sigMethod := or(how.SignatureMethod, AlgRSASHA1)
	digestMethod := or(how.DigestMethod, AlgDigestSHA256)
	sigHash, ok := signatureHashes[sigMethod]
	if !ok {
		return fmt.Errorf("sandbox: e-Aadhaar: signature method %s not supported", sigMethod)
	}
	digestHash, ok := digestHashes[digestMethod]
	if !ok {
		return fmt.Errorf("sandbox: e-Aadhaar: digest method %s not supported", digestMethod)
	}
	canon := func(el *etree.Element) ([]byte, error) {
		switch c14n {
		case AlgExcC14N:
			return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(el)
		case AlgC14N10:
			return dsig.MakeC14N10RecCanonicalizer().Canonicalize(el)
		}
		return nil, fmt.Errorf("sandbox: e-Aadhaar: canonicalization %s not supported", c14n)
	}

	// The reference: the root without the signature (which is not there
	// yet), canonicalized; the exclusive canonicalizer works in place, so
	// on a copy.
	content, err := canon(root.Copy())
	if err != nil {
		return fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	dh := digestHash.New()
	dh.Write(content)

	sig := root.CreateElement("Signature")
	sig.CreateAttr("xmlns", xmldsigNamespace)
	si := sig.CreateElement("SignedInfo")
	si.CreateElement("CanonicalizationMethod").CreateAttr("Algorithm", c14n)
	si.CreateElement("SignatureMethod").CreateAttr("Algorithm", sigMethod)
	ref := si.CreateElement("Reference")
	ref.CreateAttr("URI", how.ReferenceURI)
	tr := ref.CreateElement("Transforms")
	tr.CreateElement("Transform").CreateAttr("Algorithm", AlgEnveloped)
	tr.CreateElement("Transform").CreateAttr("Algorithm", c14n)
	ref.CreateElement("DigestMethod").CreateAttr("Algorithm", digestMethod)
	ref.CreateElement("DigestValue").SetText(base64.StdEncoding.EncodeToString(dh.Sum(nil)))

	// SignedInfo canonicalized in its context (the namespace declared on
	// Signature), as a verifier sees it.
	nsCtx, err := etreeutils.NSBuildParentContext(si)
	if err != nil {
		return fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	detached, err := etreeutils.NSDetatch(nsCtx, si)
	if err != nil {
		return fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	signedInfo, err := canon(detached)
	if err != nil {
		return fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	sh := sigHash.New()
	sh.Write(signedInfo)
	value, err := rsa.SignPKCS1v15(rand.Reader, p.SignerKey, sigHash, sh.Sum(nil))
	if err != nil {
		return fmt.Errorf("sandbox: e-Aadhaar: %w", err)
	}
	sig.CreateElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	x5 := sig.CreateElement("KeyInfo").CreateElement("X509Data")
	chain := how.Chain
	if chain == nil {
		chain = p.Chain()
	}
	for _, c := range chain {
		x5.CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
	return nil
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// eaadhaarState is the sandbox's e-Aadhaar signer, made on first use
// unless Config.EAadhaarPKI gives one, and the pending tamperings.
type eaadhaarState struct {
	once   sync.Once
	pki    *EAadhaarPKI
	err    error
	tamper atomic.Int64
}

func (s *Sandbox) eaadhaarPKI() (*EAadhaarPKI, error) {
	s.ea.once.Do(func() {
		if s.cfg.EAadhaarPKI != nil {
			s.ea.pki = s.cfg.EAadhaarPKI
			return
		}
		s.ea.pki, s.ea.err = NewEAadhaarPKI(s.cfg.Now())
	})
	return s.ea.pki, s.ea.err
}

// EAadhaarRoot is the root certificate (CN=CCA India 2022) of the PKI
// that signs this sandbox's e-Aadhaar XML: what a verifier configured for
// the sandbox trusts. It is nil only if the PKI could not be generated.
func (s *Sandbox) EAadhaarRoot() *x509.Certificate {
	p, err := s.eaadhaarPKI()
	if err != nil {
		return nil
	}
	return p.Root
}

// EAadhaarChain is the chain the e-Aadhaar KeyInfo carries (signer first,
// root last), nil only if the PKI could not be generated.
func (s *Sandbox) EAadhaarChain() []*x509.Certificate {
	p, err := s.eaadhaarPKI()
	if err != nil {
		return nil
	}
	return p.Chain()
}

// TamperNextEAadhaar makes the next e-Aadhaar answer (of any citizen) carry
// a changed name after signing, so that its signature no longer verifies.
// Each call tampers with one answer.
func (s *Sandbox) TamperNextEAadhaar() { s.ea.tamper.Add(1) }

func (s *Sandbox) takeTamper() bool {
	for {
		n := s.ea.tamper.Load()
		if n <= 0 {
			return false
		}
		if s.ea.tamper.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// eaadhaarXML serves GET /oauth2/{2,3}/xml/eaadhaar: the same token rules
// and scope as /xml/{uri}, 404 aadhaar_not_linked for a citizen without
// e-Aadhaar, else the signed XML.
func (s *Sandbox) eaadhaarXML(w http.ResponseWriter, r *http.Request) {
	g, c, ok := s.bearer(w, r)
	if !ok {
		return
	}
	if _, ok := s.documents(w, g, c); !ok {
		return
	}
	if !c.EAadhaar {
		apiError(w, http.StatusNotFound, "aadhaar_not_linked", "Aadhaar is not linked to this DigiLocker account")
		return
	}
	p, err := s.eaadhaarPKI()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "unexpected_error", "the sandbox has no e-Aadhaar signer")
		return
	}
	doc, err := signedEAadhaar(c, p, s.cfg.Now(), EAadhaarSigning{})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "unexpected_error", "the e-Aadhaar XML could not be made")
		return
	}
	if s.takeTamper() {
		if poi := doc.FindElement("/Certificate/CertificateData/KycRes/UidData/Poi"); poi != nil {
			poi.CreateAttr("name", poi.SelectAttrValue("name", "")+" Tampered")
		}
	}
	b, err := doc.WriteToBytes()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "unexpected_error", "the e-Aadhaar XML could not be written")
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write(b)
}
