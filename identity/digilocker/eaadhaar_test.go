package digilocker_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
)

// eaNow is the clock of the e-Aadhaar tests: the sandbox's ts, the PKI's
// reference time and the verification time.
var eaNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// The PKIs are generated once per test binary (RSA key generation is the
// slow part): the sandbox's, and another one no verifier trusts.
var (
	eaPKI    = sync.OnceValues(func() (*sandbox.EAadhaarPKI, error) { return sandbox.NewEAadhaarPKI(eaNow) })
	eaOthers = sync.OnceValues(func() (*sandbox.EAadhaarPKI, error) { return sandbox.NewEAadhaarPKI(eaNow) })
)

func pkis(tb testing.TB) (ours, other *sandbox.EAadhaarPKI) {
	tb.Helper()
	ours, err := eaPKI()
	if err != nil {
		tb.Fatal(err)
	}
	other, err = eaOthers()
	if err != nil {
		tb.Fatal(err)
	}
	return ours, other
}

func trusting(roots ...*x509.Certificate) digilocker.EAadhaarOptions {
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	return digilocker.EAadhaarOptions{Roots: pool, Now: func() time.Time { return eaNow }}
}

func citizen(i int) sandbox.Citizen { return sandbox.DefaultCitizens()[i] }

// signedFor is Asha's e-Aadhaar signed by p as how says.
func signedFor(tb testing.TB, p *sandbox.EAadhaarPKI, how sandbox.EAadhaarSigning) []byte {
	tb.Helper()
	c := citizen(0)
	doc, err := sandbox.BuildEAadhaar(&c, p, eaNow, how)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// unsigned is Asha's e-Aadhaar without its Signature.
func unsigned(tb testing.TB, p *sandbox.EAadhaarPKI) string {
	doc := string(signedFor(tb, p, sandbox.EAadhaarSigning{}))
	i, j := strings.Index(doc, "<Signature"), strings.Index(doc, "</Signature>")
	return doc[:i] + doc[j+len("</Signature>"):]
}

// resign signs an edited unsigned document.
func resign(tb testing.TB, p *sandbox.EAadhaarPKI, doc string, how sandbox.EAadhaarSigning) []byte {
	tb.Helper()
	b, err := sandbox.SignEAadhaar([]byte(doc), p, how)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// signatureElement returns the document's Signature element as text.
func signatureElement(doc string) string {
	return doc[strings.Index(doc, "<Signature") : strings.Index(doc, "</Signature>")+len("</Signature>")]
}

var sentinels = []error{digilocker.ErrEAadhaarMalformed, digilocker.ErrEAadhaarSignature, digilocker.ErrEAadhaarUntrusted}

// wantOnly checks that err wraps want and no other sentinel.
func wantOnly(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) != (s == want) {
			t.Fatalf("error %v: want only %v", err, want)
		}
	}
}

// checkAsha compares a verified e-Aadhaar with the sandbox's Asha.
func checkAsha(t *testing.T, e *digilocker.EAadhaar, p *sandbox.EAadhaarPKI) {
	t.Helper()
	a := citizen(0)
	got := []string{e.Name, e.DOB, e.Gender, e.MaskedUID, e.Last4, e.CareOf, e.House, e.Street, e.Landmark, e.Locality, e.VTC,
		e.PostOffice, e.SubDistrict, e.District, e.State, e.Pincode, e.Country, e.LocalName, e.LocalLanguage}
	want := []string{a.Name, "1994-08-14", a.Gender, "xxxxxxxx" + a.AadhaarLast4, a.AadhaarLast4, a.Address.CareOf, a.Address.House,
		a.Address.Street, a.Address.Landmark, a.Address.Locality, a.Address.VTC, a.Address.PostOffice, a.Address.SubDistrict,
		a.Address.District, a.Address.State, a.Address.Pincode, "India", a.Local.Name, "13"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("fields\n got %q\nwant %q", got, want)
	}
	if !e.Timestamp.Equal(eaNow) || !e.TTL.Equal(eaNow.AddDate(1, 0, 0)) || !strings.HasPrefix(e.Txn, "UKC:") {
		t.Fatalf("ts %s ttl %s txn %q", e.Timestamp, e.TTL, e.Txn)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(e.Photo))
	if err != nil || cfg.Width != 160 || cfg.Height != 200 {
		t.Fatalf("photo %dx%d %v", cfg.Width, cfg.Height, err)
	}
	if !e.Signer.Equal(p.Signer) || len(e.Chain) != 4 || !e.Chain[3].Equal(p.Root) {
		t.Fatalf("signer %s, chain of %d", e.Signer.Subject, len(e.Chain))
	}
}

type eaEnv struct {
	sb     *sandbox.Sandbox
	url    string
	client *digilocker.Client
}

const eaRedirect = "https://pramaan.test/auth/digilocker/callback"

func newEAEnv(t *testing.T) *eaEnv {
	t.Helper()
	p, _ := pkis(t)
	now := func() time.Time { return eaNow }
	sb := sandbox.New(sandbox.Config{ClientID: "pramaan-test", ClientSecret: "secret", RedirectURIs: []string{eaRedirect}, Now: now, EAadhaarPKI: p})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	c, err := digilocker.New(digilocker.Config{BaseURL: srv.URL + "/public", ClientID: "pramaan-test", ClientSecret: "secret",
		RedirectURI: eaRedirect, AuthStyle: digilocker.AuthBasic, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &eaEnv{sb: sb, url: srv.URL, client: c}
}

// token signs citizen in through the consent page with flow.
func (e *eaEnv) token(t *testing.T, citizen string, flow digilocker.Flow) *digilocker.Token {
	t.Helper()
	v := digilocker.NewVerifier()
	u, err := e.client.AuthorizeURL(digilocker.AuthRequest{Flow: flow, State: digilocker.NewState(), CodeChallenge: digilocker.Challenge(v)})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := sandbox.Consent(context.Background(), u, citizen, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.client.Exchange(context.Background(), cb.Query().Get("code"), v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestEAadhaarOverHTTPVerifiesToTheCitizensData(t *testing.T) {
	e := newEAEnv(t)
	p, _ := pkis(t)
	tok := e.token(t, citizen(0).DigiLockerID, digilocker.FlowDocuments)
	if e.sb.EAadhaarRoot() == nil || !e.sb.EAadhaarRoot().Equal(p.Root) || e.sb.EAadhaarRoot().Subject.CommonName != "CCA India 2022" {
		t.Fatal("the sandbox does not expose its configured root")
	}
	// The server trusts the root the sandbox exposes.
	got, err := e.client.EAadhaar(context.Background(), tok.AccessToken, trusting(e.sb.EAadhaarRoot()))
	if err != nil {
		t.Fatal(err)
	}
	checkAsha(t, got, p)
	if n := e.sb.Requests("/public/oauth2/3/xml/eaadhaar"); n != 1 {
		t.Fatalf("%d requests to /oauth2/3/xml/eaadhaar", n)
	}

	// The v8 spec's path answers the same document shape.
	doc, err := e.client.EAadhaarXML(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/public/oauth2/2/xml/eaadhaar", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("/oauth2/2/xml/eaadhaar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// §1.11's shape: declaration, no namespace on the data, co/lm names,
	// the signature's algorithms and the chain of four.
	s := string(doc)
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Certificate><CertificateData><KycRes code="`,
		`ret="Y" ts="2026-03-01T15:30:00.000+05:30" ttl="2027-03-01T15:30:00" txn="UKC:`,
		`uid="xxxxxxxx4821"><Poi dob="14-08-1994" gender="F" name="Asha Verma"/><Poa co="D/O Ramesh Verma" country="India" dist="Pune" house="12" lm="Near Shivaji Nagar Bus Stand" loc="Shivaji Nagar" pc="411005" po="Shivajinagar" state="Maharashtra" street="MG Road" subdist="Pune City" vtc="Pune"/><LData co=`,
		`</CertificateData><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>`,
		`<Pht>/9j/`,
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("the document lacks %s", want)
		}
	}
	if n := strings.Count(s, "<X509Certificate>"); n != 4 {
		t.Fatalf("KeyInfo carries %d certificates", n)
	}
}

func TestEAadhaarAnswers(t *testing.T) {
	ctx := context.Background()
	e := newEAEnv(t)
	p, _ := pkis(t)
	opts := trusting(p.Root)
	asha := e.token(t, citizen(0).DigiLockerID, digilocker.FlowDocuments)

	t.Run("a citizen without e-Aadhaar gets 404 aadhaar_not_linked", func(t *testing.T) {
		meera := e.token(t, citizen(2).DigiLockerID, digilocker.FlowDocuments)
		_, err := e.client.EAadhaar(ctx, meera.AccessToken, opts)
		var ae *digilocker.APIError
		if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "aadhaar_not_linked" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a login token gets 403 insufficient_scope", func(t *testing.T) {
		login := e.token(t, citizen(0).DigiLockerID, digilocker.FlowLogin)
		_, err := e.client.EAadhaar(ctx, login.AccessToken, opts)
		var ae *digilocker.APIError
		if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != "insufficient_scope" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("an injected fault answers instead", func(t *testing.T) {
		e.sb.Inject(sandbox.Fault{Path: "/public/oauth2/3/xml/eaadhaar", Status: 503, Code: "repository_service_inactive"})
		_, err := e.client.EAadhaar(ctx, asha.AccessToken, opts)
		var ae *digilocker.APIError
		if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != "repository_service_inactive" {
			t.Fatalf("%v", err)
		}
		if _, err := e.client.EAadhaar(ctx, asha.AccessToken, opts); err != nil {
			t.Fatalf("after the fault: %v", err)
		}
	})
	t.Run("a tampered answer is refused, the next one verifies", func(t *testing.T) {
		e.sb.TamperNextEAadhaar()
		got, err := e.client.EAadhaar(ctx, asha.AccessToken, opts)
		if got != nil {
			t.Fatal("a tampered document was returned")
		}
		wantOnly(t, err, digilocker.ErrEAadhaarSignature)
		if got, err := e.client.EAadhaar(ctx, asha.AccessToken, opts); err != nil || got.Name != "Asha Verma" {
			t.Fatalf("after the tampered one: %v", err)
		}
	})
	t.Run("an expired token gets 401", func(t *testing.T) {
		e.sb.ExpireAccessTokens()
		if _, err := e.client.EAadhaar(ctx, asha.AccessToken, opts); !digilocker.IsTokenRejected(err) {
			t.Fatalf("%v", err)
		}
	})
}

func TestVerifyEAadhaarRefuses(t *testing.T) {
	p, other := pkis(t)
	good := string(signedFor(t, p, sandbox.EAadhaarSigning{}))
	bare := unsigned(t, p)
	sig := signatureElement(good)
	data := good[strings.Index(good, "<CertificateData>") : strings.Index(good, "</CertificateData>")+len("</CertificateData>")]
	forged := strings.Replace(data, `name="Asha Verma"`, `name="Mallory"`, 1)
	decl := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`
	afterDecl := func(s string) []byte { return []byte(strings.Replace(good, decl, decl+s, 1)) }
	replace := func(old, new string) []byte {
		if !strings.Contains(good, old) {
			t.Fatalf("the document lacks %s", old)
		}
		return []byte(strings.Replace(good, old, new, 1))
	}
	at := func(d time.Time) func(*digilocker.EAadhaarOptions) {
		return func(o *digilocker.EAadhaarOptions) { o.Now = func() time.Time { return d } }
	}
	cases := []struct {
		name string
		// why is what the error says: the check that refused.
		why  string
		doc  []byte
		opts func(*digilocker.EAadhaarOptions)
		want error
	}{
		// The signature.
		{name: "name changed after signing", why: "Signature could not be verified", doc: replace(`name="Asha Verma"`, `name="Asha Varma"`), want: digilocker.ErrEAadhaarSignature},
		{name: "photo changed after signing", why: "Signature could not be verified", doc: replace(`<Pht>/9j/`, `<Pht>/9j/AAAA`), want: digilocker.ErrEAadhaarSignature},
		{name: "SignedInfo changed after signing", why: "crypto/rsa: verification error", doc: replace(`<Reference URI="">`, `<Reference URI="" Id="r">`), want: digilocker.ErrEAadhaarSignature},
		{name: "no signature", why: "no Signature element", doc: []byte(bare), want: digilocker.ErrEAadhaarSignature},
		{name: "two signatures", why: "2 Signature elements", doc: replace(`</Certificate>`, sig+`</Certificate>`), want: digilocker.ErrEAadhaarSignature},
		{name: "signature wrapped under another element with forged data at the root",
			doc:  []byte(decl + `<Certificate>` + forged + `<Wrapper>` + good[len(decl):] + `</Wrapper></Certificate>`),
			want: digilocker.ErrEAadhaarSignature},
		{name: "forged data beside the signed data", why: "Signature could not be verified", doc: replace(`<Certificate>`, `<Certificate>`+forged), want: digilocker.ErrEAadhaarSignature},
		{name: "the signature moved onto forged data", why: "Signature could not be verified", doc: []byte(decl + `<Certificate>` + forged + sig + `</Certificate>`), want: digilocker.ErrEAadhaarSignature},
		{name: "signed data moved into an Object of the signature",
			doc:  []byte(decl + `<Certificate>` + forged + strings.Replace(sig, `</KeyInfo>`, `</KeyInfo><Object>`+data+`</Object>`, 1) + `</Certificate>`),
			want: digilocker.ErrEAadhaarSignature},
		{name: "signature outside the XML-DSig namespace", why: "not in the XML-DSig namespace", doc: replace(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">`, `<Signature xmlns="urn:example">`), want: digilocker.ErrEAadhaarSignature},
		{name: "two references", why: "Reference Reference]", doc: replace(`</Reference>`, `</Reference><Reference URI=""/>`), want: digilocker.ErrEAadhaarSignature},
		{name: "SHA-1 digest", why: "DigestMethod", doc: signedFor(t, p, sandbox.EAadhaarSigning{DigestMethod: sandbox.AlgDigestSHA1}), want: digilocker.ErrEAadhaarSignature},
		{name: "SHA-512 digest", why: "DigestMethod", doc: signedFor(t, p, sandbox.EAadhaarSigning{DigestMethod: sandbox.AlgDigestSHA512}), want: digilocker.ErrEAadhaarSignature},
		{name: "rsa-sha512 signature", why: "SignatureMethod", doc: signedFor(t, p, sandbox.EAadhaarSigning{SignatureMethod: sandbox.AlgRSASHA512}), want: digilocker.ErrEAadhaarSignature},
		{name: "HMAC signature method", why: "SignatureMethod", doc: replace(sandbox.AlgRSASHA1, "http://www.w3.org/2000/09/xmldsig#hmac-sha1"), want: digilocker.ErrEAadhaarSignature},
		{name: "Reference URI not empty", why: "Reference URI", doc: signedFor(t, p, sandbox.EAadhaarSigning{ReferenceURI: "#kyc"}), want: digilocker.ErrEAadhaarSignature},
		{name: "Reference without URI", why: "Reference URI", doc: replace(`<Reference URI="">`, `<Reference>`), want: digilocker.ErrEAadhaarSignature},
		{name: "Reference URI also under a prefix", why: "Reference URI", doc: replace(`<Reference URI="">`, `<Reference xmlns:x="urn:x" URI="" x:URI="#kyc">`), want: digilocker.ErrEAadhaarSignature},
		{name: "DigestMethod Algorithm also under a prefix", why: "no single Algorithm", doc: replace(`<DigestMethod Algorithm="`, `<DigestMethod xmlns:x="urn:x" x:Algorithm="`+sandbox.AlgDigestSHA1+`" Algorithm="`), want: digilocker.ErrEAadhaarSignature},
		{name: "no enveloped-signature transform", why: "Transforms has children", doc: replace(`<Transform Algorithm="`+sandbox.AlgEnveloped+`"/>`, ``), want: digilocker.ErrEAadhaarSignature},
		{name: "no certificate in KeyInfo", why: "no X509Certificate", doc: []byte(strings.Replace(string(signedFor(t, p, sandbox.EAadhaarSigning{Chain: []*x509.Certificate{}})), "<X509Data/>", "<X509Data></X509Data>", 1)), want: digilocker.ErrEAadhaarSignature},
		{name: "a certificate that does not parse", why: "does not parse", doc: replace(`<X509Certificate>`, `<X509Certificate>AAAA`), want: digilocker.ErrEAadhaarSignature},

		// Trust.
		{name: "root not configured", why: "unknown authority", doc: []byte(good), opts: func(o *digilocker.EAadhaarOptions) { *o = trusting(other.Root) }, want: digilocker.ErrEAadhaarUntrusted},
		{name: "signed under another PKI", why: "unknown authority", doc: signedFor(t, other, sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarUntrusted},
		{name: "another PKI's signer presenting our chain", why: "unknown authority", doc: signedFor(t, other, sandbox.EAadhaarSigning{Chain: []*x509.Certificate{other.Signer, p.SubCA, p.CA, p.Root}}), want: digilocker.ErrEAadhaarUntrusted},
		{name: "our signer's certificate on another key's signature", why: "crypto/rsa: verification error", doc: signedFor(t, other, sandbox.EAadhaarSigning{Chain: p.Chain()}), want: digilocker.ErrEAadhaarSignature},
		{name: "signer expired at the verification time", why: "expired", doc: []byte(good), opts: at(p.Signer.NotAfter.Add(time.Second)), want: digilocker.ErrEAadhaarUntrusted},
		{name: "signer not yet valid at the verification time", why: "not yet valid", doc: []byte(good), opts: at(p.Signer.NotBefore.Add(-time.Second)), want: digilocker.ErrEAadhaarUntrusted},
		{name: "no intermediates in KeyInfo", why: "unknown authority", doc: signedFor(t, p, sandbox.EAadhaarSigning{Chain: []*x509.Certificate{p.Signer}}), want: digilocker.ErrEAadhaarUntrusted},
		{name: "only CA certificates in KeyInfo", why: "no end-entity certificate", doc: signedFor(t, p, sandbox.EAadhaarSigning{Chain: []*x509.Certificate{p.SubCA, p.CA, p.Root}}), want: digilocker.ErrEAadhaarUntrusted},

		// Parsing and limits.
		{name: "empty", why: "empty document", doc: nil, want: digilocker.ErrEAadhaarMalformed},
		{name: "truncated", why: "not well-formed", doc: []byte(good[:len(good)/2]), want: digilocker.ErrEAadhaarMalformed},
		{name: "DTD with an internal entity", why: "DTD or entity", doc: []byte(strings.Replace(string(afterDecl(`<!DOCTYPE Certificate [<!ENTITY n "Asha Verma">]>`)), `name="Asha Verma"`, `name="&n;"`, 1)), want: digilocker.ErrEAadhaarMalformed},
		{name: "DTD with an external entity", why: "DTD or entity", doc: afterDecl(`<!DOCTYPE Certificate SYSTEM "file:///etc/passwd">`), want: digilocker.ErrEAadhaarMalformed},
		{name: "lower-case doctype", why: "DTD or entity", doc: afterDecl(`<!doctype Certificate>`), want: digilocker.ErrEAadhaarMalformed},
		{name: "another <! declaration", why: "declaration is refused", doc: afterDecl(`<!ELEMENT Certificate ANY>`), want: digilocker.ErrEAadhaarMalformed},
		{name: "undeclared entity", why: "invalid character entity", doc: replace(`name="Asha Verma"`, `name="&n;"`), want: digilocker.ErrEAadhaarMalformed},
		{name: "declared charset not UTF-8", why: "not UTF-8", doc: replace(`encoding="UTF-8"`, `encoding="ISO-8859-1"`), want: digilocker.ErrEAadhaarMalformed},
		{name: "processing instruction inside", why: "processing instruction", doc: replace(`<CertificateData>`, `<?evil x?><CertificateData>`), want: digilocker.ErrEAadhaarMalformed},
		{name: "duplicate attribute", why: "duplicate attribute", doc: replace(`name="Asha Verma"`, `name="Mallory" name="Asha Verma"`), want: digilocker.ErrEAadhaarMalformed},
		{name: "nested too deep", why: "depth", doc: replace(`<Pht>`, strings.Repeat(`<a>`, 20)+strings.Repeat(`</a>`, 20)+`<Pht>`), want: digilocker.ErrEAadhaarMalformed},
		{name: "too many elements", why: "more than 256 elements", doc: replace(`<Pht>`, strings.Repeat(`<a/>`, 300)+`<Pht>`), want: digilocker.ErrEAadhaarMalformed},
		{name: "over the size limit", why: "over the limit of 4096", doc: []byte(good), opts: func(o *digilocker.EAadhaarOptions) { o.MaxBytes = 4096 }, want: digilocker.ErrEAadhaarMalformed},
		{name: "photo over the limit", why: "photo is over 512 bytes", doc: []byte(good), opts: func(o *digilocker.EAadhaarOptions) { o.MaxPhotoBytes = 512 }, want: digilocker.ErrEAadhaarMalformed},
		{name: "root not Certificate", why: "root element is not Certificate", doc: []byte(strings.NewReplacer("<Certificate>", "<Kyc>", "</Certificate>", "</Kyc>").Replace(good)), want: digilocker.ErrEAadhaarMalformed},

		// Signed, but not an acceptable e-Aadhaar.
		{name: "ret N", why: "ret is not Y", doc: resign(t, p, strings.Replace(bare, `ret="Y"`, `ret="N"`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "an unmasked Aadhaar number", why: "not a masked Aadhaar number", doc: resign(t, p, strings.Replace(bare, `uid="xxxxxxxx4821"`, `uid="999941234821"`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "dob not DD-MM-YYYY", why: "dob is not DD-MM-YYYY", doc: resign(t, p, strings.Replace(bare, `dob="14-08-1994"`, `dob="1994-08-14"`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "gender not M, F or T", why: "gender is not M, F or T", doc: resign(t, p, strings.Replace(bare, `gender="F"`, `gender="female"`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "photo not a JPEG", why: "photo is not a JPEG", doc: resign(t, p, bare[:strings.Index(bare, "<Pht>")+5]+base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n"))+bare[strings.Index(bare, "</Pht>"):], sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "photo not base64", why: "photo is not base64", doc: resign(t, p, strings.Replace(bare, `<Pht>/9j/`, `<Pht>*/9j/`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "no Poi", why: "no Poi in UidData", doc: resign(t, p, strings.Replace(bare, `<Poi `, `<Other `, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "two Poi", why: "more than one Poi", doc: resign(t, p, strings.Replace(bare, `<Poa `, `<Poi name="Mallory" dob="01-01-1990" gender="M"/><Poa `, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
		{name: "no timestamp", why: "ts is not", doc: resign(t, p, strings.Replace(bare, ` ts="`, ` x="`, 1), sandbox.EAadhaarSigning{}), want: digilocker.ErrEAadhaarMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := trusting(p.Root)
			if c.opts != nil {
				c.opts(&opts)
			}
			got, err := digilocker.VerifyEAadhaar(c.doc, opts)
			if got != nil {
				t.Fatalf("accepted, name %q", got.Name)
			}
			wantOnly(t, err, c.want)
			if !strings.Contains(err.Error(), c.why) {
				t.Fatalf("refused for another reason than %q: %v", c.why, err)
			}
			if strings.Contains(err.Error(), "Asha") || strings.Contains(err.Error(), "Mallory") {
				t.Fatalf("the error quotes the document: %v", err)
			}
		})
	}
}

func TestVerifyEAadhaarAccepts(t *testing.T) {
	p, _ := pkis(t)
	good := string(signedFor(t, p, sandbox.EAadhaarSigning{}))
	bare := unsigned(t, p)
	wrap := func(b64 string) string { // line breaks every 64 characters, as many signers write
		var sb strings.Builder
		for len(b64) > 64 {
			sb.WriteString(b64[:64] + "\r\n")
			b64 = b64[64:]
		}
		return sb.String() + b64
	}
	rewrapped := good
	for _, tag := range []string{"SignatureValue", "X509Certificate"} {
		var out strings.Builder
		rest := rewrapped
		for {
			i := strings.Index(rest, "<"+tag+">")
			if i < 0 {
				break
			}
			j := i + strings.Index(rest[i:], "</"+tag+">")
			out.WriteString(rest[:i+len(tag)+2] + "\n" + wrap(rest[i+len(tag)+2:j]) + "\n")
			rest = rest[j:]
		}
		out.WriteString(rest)
		rewrapped = out.String()
	}
	cases := []struct {
		name string
		doc  []byte
		dob  string
	}{
		{name: "as DigiLocker signs", doc: []byte(good)},
		{name: "rsa-sha256", doc: signedFor(t, p, sandbox.EAadhaarSigning{SignatureMethod: sandbox.AlgRSASHA256})},
		{name: "inclusive C14N 1.0", doc: signedFor(t, p, sandbox.EAadhaarSigning{Canonicalization: sandbox.AlgC14N10})},
		{name: "chain root first", doc: signedFor(t, p, sandbox.EAadhaarSigning{Chain: []*x509.Certificate{p.Root, p.CA, p.SubCA, p.Signer}})},
		{name: "base64 broken into lines", doc: []byte(rewrapped)},
		{name: "whitespace between the signature's parts", doc: []byte(strings.NewReplacer("</SignedInfo><", "</SignedInfo>\n  <", "</SignatureValue><", "</SignatureValue>\n  <").Replace(good))},
		{name: "a UTF-8 byte order mark", doc: append([]byte{0xEF, 0xBB, 0xBF}, good...)},
		{name: "a comment inside the signed photo does not truncate it", doc: []byte(strings.Replace(good, `<Pht>/9j/`, `<Pht>/9j/<!-- x -->`, 1))},
		{name: "year-only dob", doc: resign(t, p, strings.Replace(bare, `dob="14-08-1994"`, `dob="1994"`, 1), sandbox.EAadhaarSigning{}), dob: "1994"},
	}
	want, err := digilocker.VerifyEAadhaar([]byte(good), trusting(p.Root))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := digilocker.VerifyEAadhaar(c.doc, trusting(p.Root))
			if err != nil {
				t.Fatal(err)
			}
			if c.dob != "" {
				if got.DOB != c.dob {
					t.Fatalf("dob %q", got.DOB)
				}
				got.DOB = want.DOB
			}
			checkAsha(t, got, p)
			if !bytes.Equal(got.Photo, want.Photo) {
				t.Fatal("the photo differs from the signed one")
			}
		})
	}
}

func TestVerifyEAadhaarNeedsRootsAndClock(t *testing.T) {
	p, _ := pkis(t)
	doc := signedFor(t, p, sandbox.EAadhaarSigning{})
	noRoots := trusting(p.Root)
	noRoots.Roots = nil
	noClock := trusting(p.Root)
	noClock.Now = nil
	for _, o := range []digilocker.EAadhaarOptions{noRoots, noClock} {
		if got, err := digilocker.VerifyEAadhaar(doc, o); got != nil || err == nil {
			t.Fatalf("verified without roots or clock: %v", err)
		}
	}
}

func ExampleVerifyEAadhaar() {
	// The sandbox signs Asha Verma's e-Aadhaar under its test PKI; a
	// server trusts the PKI's root, as it would trust the CCA India root
	// for DigiLocker.
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	pki, err := sandbox.NewEAadhaarPKI(now)
	if err != nil {
		panic(err)
	}
	asha := sandbox.DefaultCitizens()[0]
	doc, err := sandbox.BuildEAadhaar(&asha, pki, now, sandbox.EAadhaarSigning{})
	if err != nil {
		panic(err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(pki.Root)
	e, err := digilocker.VerifyEAadhaar(doc, digilocker.EAadhaarOptions{Roots: roots, Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Name, e.DOB, e.Gender, e.Last4, e.Pincode)
	fmt.Println(e.Signer.Subject.CommonName)

	// Changed after signing: refused.
	_, err = digilocker.VerifyEAadhaar(bytes.Replace(doc, []byte("Asha Verma"), []byte("Asha Varma"), 1),
		digilocker.EAadhaarOptions{Roots: roots, Now: func() time.Time { return now }})
	fmt.Println(errors.Is(err, digilocker.ErrEAadhaarSignature))
	// Output:
	// Asha Verma 1994-08-14 F 4821 411005
	// DS NATIONAL E-GOVERNANCE DIVISION 1
	// true
}

// BenchmarkVerifyEAadhaar verifies the sandbox's e-Aadhaar of Asha
// Verma: parsing, the shape checks, the chain of four (three RSA-2048
// verifications), the XML signature (one more), and reading the fields.
// Compare with BenchmarkRSA2048VerifyFloor.
func BenchmarkVerifyEAadhaar(b *testing.B) {
	p, _ := pkis(b)
	doc := signedFor(b, p, sandbox.EAadhaarSigning{})
	opts := trusting(p.Root)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := digilocker.VerifyEAadhaar(doc, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSA2048VerifyFloor is the floor for BenchmarkVerifyEAadhaar:
// one raw RSA-2048 PKCS#1 v1.5 verification of a SHA-1 hash (the
// e-Aadhaar's rsa-sha1), with the same signer key.
func BenchmarkRSA2048VerifyFloor(b *testing.B) {
	p, _ := pkis(b)
	h := sha1.Sum([]byte("<SignedInfo/>"))
	sig, err := rsa.SignPKCS1v15(nil, p.SignerKey, crypto.SHA1, h[:])
	if err != nil {
		b.Fatal(err)
	}
	pub := &p.SignerKey.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
