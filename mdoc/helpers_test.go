package mdoc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

const aadhaarDocType = "in.gov.uidai.aadhaar.1"

type testPKI struct {
	iaca     *x509.Certificate
	iacaKey  *ecdsa.PrivateKey
	ds       *x509.Certificate
	dsKey    *ecdsa.PrivateKey
	holder   *ecdsa.PrivateKey
	issuer   *Issuer
	verifier *Verifier
}

func newTestPKI(tb testing.TB) *testPKI {
	tb.Helper()
	iaca, iacaKey, err := NewIACA(CertOptions{CommonName: "Pramaan Test IACA", NotBefore: testNow.Add(-time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	ds, dsKey, err := NewDocumentSigner(iaca, iacaKey, CertOptions{CommonName: "Pramaan Test DS", NotBefore: testNow.Add(-time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	holder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return &testPKI{
		iaca: iaca, iacaKey: iacaKey, ds: ds, dsKey: dsKey, holder: holder,
		issuer:   &Issuer{Signer: dsKey, Chain: []*x509.Certificate{ds}, Now: func() time.Time { return testNow }},
		verifier: &Verifier{Roots: []*x509.Certificate{iaca}, At: testNow.Add(time.Hour)},
	}
}

// testPortrait is an ~8 KiB JPEG-like byte string.
func testPortrait() []byte {
	p := make([]byte, 8*1024)
	copy(p, []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F'})
	for i := 10; i < len(p)-2; i++ {
		p[i] = byte(i * 31)
	}
	p[len(p)-2], p[len(p)-1] = 0xff, 0xd9
	return p
}

// aadhaarElements are 12 Aadhaar-like elements (synthetic person).
func aadhaarElements() []Element {
	ns := aadhaarDocType
	return []Element{
		{ns, "given_name", "Asha"},
		{ns, "family_name", "Verma"},
		{ns, "birth_date", FullDate("1990-05-17")},
		{ns, "gender", "F"},
		{ns, "address", map[string]any{"house": "12", "street": "MG Road", "district": "Bengaluru Urban", "state": "Karnataka", "pincode": "560001", "country": "IN"}},
		{ns, "portrait", testPortrait()},
		{ns, "masked_aadhaar", "XXXX-XXXX-1234"},
		{ns, "age_over_18", true},
		{ns, "age_in_years", uint64(35)},
		{ns, "issue_date", FullDate("2026-01-15")},
		{ns, "issuing_country", "IN"},
		{ns, "issuing_authority", "UIDAI"},
	}
}

func aadhaarRequest(holder *ecdsa.PublicKey) Request {
	return Request{DocType: aadhaarDocType, Elements: aadhaarElements(), DeviceKey: holder, ValidUntil: testNow.Add(180 * 24 * time.Hour)}
}

func (p *testPKI) issue(tb testing.TB) []byte {
	tb.Helper()
	out, err := p.issuer.Issue(aadhaarRequest(&p.holder.PublicKey))
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// findVectors returns the mdoc folder of the shared vectors: under
// $PRAMAAN_VECTORS, else the first shared/testvectors found walking up from
// the working directory (the checkout sits beside shared/). This package's
// tests cannot import testvectors (it imports mdoc), so the walk is repeated
// here. ok is false when the folder is absent.
func findVectors(tb testing.TB) (dir string, ok bool) {
	tb.Helper()
	if env := os.Getenv("PRAMAAN_VECTORS"); env != "" {
		return filepath.Join(env, "mdoc"), true
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "testvectors", "mdoc")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// vectorsDir returns the mdoc vectors folder. Without it the test is
// skipped, unless PRAMAAN_REQUIRE_VECTORS is set (CI sets it).
func vectorsDir(tb testing.TB) string {
	tb.Helper()
	dir, ok := findVectors(tb)
	if !ok {
		if os.Getenv("PRAMAAN_REQUIRE_VECTORS") != "" {
			tb.Fatal("shared test vectors not found (PRAMAAN_REQUIRE_VECTORS is set; set PRAMAAN_VECTORS or place shared/testvectors beside the checkout)")
		}
		tb.Skip("shared test vectors not found; set PRAMAAN_REQUIRE_VECTORS=1 to make this fatal")
	}
	return dir
}

func readVector(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	if strings.HasSuffix(rel, ".hex") {
		b, err = hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			tb.Fatalf("%s: %v", rel, err)
		}
	}
	return b
}

func readRoots(tb testing.TB, rel string) []*x509.Certificate {
	tb.Helper()
	c, err := ParseCertificatesPEM(readVector(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// plainDec decodes without our checks, to take structures apart in tests.
var plainDec, _ = cbor.DecOptions{DefaultMapType: nil}.DecMode()

// parts splits issued IssuerSigned bytes into its namespaces and the MSO map.
func parts(tb testing.TB, issued []byte) (issuerSignedWire, map[any]any) {
	tb.Helper()
	var w issuerSignedWire
	if err := plainDec.Unmarshal(issued, &w); err != nil {
		tb.Fatal(err)
	}
	var m coseMessage
	if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
		tb.Fatal(err)
	}
	var t cbor.Tag
	if err := plainDec.Unmarshal(m.Payload, &t); err != nil {
		tb.Fatal(err)
	}
	var mso map[any]any
	if err := plainDec.Unmarshal(t.Content.([]byte), &mso); err != nil {
		tb.Fatal(err)
	}
	return w, mso
}

// resign re-signs msoBytes (the MSO content, not yet tag-24 wrapped) with the
// test document signer and reassembles IssuerSigned with the namespaces, so a
// test can present a validly signed but otherwise broken structure.
func (p *testPKI) resign(tb testing.TB, nss map[string][]cbor.RawMessage, msoPayload []byte) []byte {
	tb.Helper()
	auth, err := signIssuerAuth(p.dsKey, []*x509.Certificate{p.ds}, msoPayload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := encMode.Marshal(issuerSignedOut{NameSpaces: nss, IssuerAuth: auth})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustEncode(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// replaceOnce replaces exactly one occurrence of old in b.
func replaceOnce(tb testing.TB, b, old, new []byte) []byte {
	tb.Helper()
	if bytes.Count(b, old) != 1 {
		tb.Fatalf("pattern %x occurs %d times", old, bytes.Count(b, old))
	}
	return bytes.Replace(b, old, new, 1)
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// itemOut and issuerSignedOut are the generic (reflection) encodings that the
// hand-written encoders must reproduce byte for byte.
type itemOut struct {
	DigestID          uint64 `cbor:"digestID"`
	Random            []byte `cbor:"random"`
	ElementIdentifier string `cbor:"elementIdentifier"`
	ElementValue      any    `cbor:"elementValue"`
}

type issuerSignedOut struct {
	NameSpaces map[string][]cbor.RawMessage `cbor:"nameSpaces"`
	IssuerAuth cbor.RawMessage              `cbor:"issuerAuth"`
}

type msoOut struct {
	Status          *msoStatusOut                `cbor:"status,omitempty"`
	Version         string                       `cbor:"version"`
	DigestAlgorithm string                       `cbor:"digestAlgorithm"`
	ValueDigests    map[string]map[uint64][]byte `cbor:"valueDigests"`
	DeviceKeyInfo   struct {
		DeviceKey coseKeyEC2 `cbor:"deviceKey"`
	} `cbor:"deviceKeyInfo"`
	DocType      string `cbor:"docType"`
	ValidityInfo struct {
		Signed         tdate  `cbor:"signed"`
		ValidFrom      tdate  `cbor:"validFrom"`
		ValidUntil     tdate  `cbor:"validUntil"`
		ExpectedUpdate *tdate `cbor:"expectedUpdate,omitempty"`
	} `cbor:"validityInfo"`
}

type msoStatusOut struct {
	StatusList struct {
		Idx uint64 `cbor:"idx"`
		URI string `cbor:"uri"`
	} `cbor:"status_list"`
}
