package ekyc_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// wantOnly fails unless err wraps want and none of the other sentinels.
func wantOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	for _, s := range []error{ekyc.ErrConfig, ekyc.ErrNotZip, ekyc.ErrZipLimits, ekyc.ErrZipUnsupported, ekyc.ErrWrongShareCode,
		ekyc.ErrCorruptZip, ekyc.ErrDTD, ekyc.ErrMalformedXML, ekyc.ErrSignatureShape, ekyc.ErrSignatureInvalid,
		ekyc.ErrUntrustedSigner, ekyc.ErrCertificateNotValid, ekyc.ErrStale} {
		if s != want && errors.Is(err, s) {
			t.Fatalf("%v also wraps %v", err, s)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	p := getPKI(t)
	doc := signed(t, p.signer, made, ekyctest.Signing{})
	code := ekyctest.DefaultPerson().ShareCode
	// A compressible XML far over any real package: a ZIP bomb in miniature.
	bomb := append(bytes.Clone(doc[:len(doc)-len("</OfflinePaperlessKyc>")]), bytes.Repeat([]byte(" "), 900<<10)...)
	bomb = append(bomb, "</OfflinePaperlessKyc>"...)
	aes := zipped(t, doc, ekyctest.ZipOptions{AES: true})
	for _, tc := range []struct {
		name string
		zip  []byte
		code string
		lim  ekyc.Limits
		want error
	}{
		{"wrong share code is ErrWrongShareCode", zipped(t, doc, ekyctest.ZipOptions{Header: make([]byte, 11)}), "1234", ekyc.Limits{}, ekyc.ErrWrongShareCode},
		{"wrong share code with a data descriptor is ErrWrongShareCode", zipped(t, doc, ekyctest.ZipOptions{DataDescriptor: true, Header: make([]byte, 11)}), "0000", ekyc.Limits{}, ekyc.ErrWrongShareCode},
		{"empty share code is ErrWrongShareCode", zipped(t, doc, ekyctest.ZipOptions{}), "", ekyc.Limits{}, ekyc.ErrWrongShareCode},
		{"high compression ratio is ErrZipLimits", zipped(t, bomb, ekyctest.ZipOptions{}), code, ekyc.Limits{}, ekyc.ErrZipLimits},
		{"entry over MaxXMLBytes is ErrZipLimits", zipped(t, doc, ekyctest.ZipOptions{}), code, ekyc.Limits{MaxXMLBytes: 1000}, ekyc.ErrZipLimits},
		{"archive over MaxZipBytes is ErrZipLimits", zipped(t, doc, ekyctest.ZipOptions{}), code, ekyc.Limits{MaxZipBytes: 500}, ekyc.ErrZipLimits},
		{"two entries is ErrZipLimits", zipped(t, doc, ekyctest.ZipOptions{Extra: map[string][]byte{"second.xml": []byte("<a/>")}}), code, ekyc.Limits{}, ekyc.ErrZipLimits},
		{"too many entries is ErrZipLimits", zipped(t, doc, ekyctest.ZipOptions{Extra: map[string][]byte{"a/": nil, "b/": nil, "c/": nil, "d/": nil}}), code, ekyc.Limits{}, ekyc.ErrZipLimits},
		{"not a zip is ErrNotZip", doc, code, ekyc.Limits{}, ekyc.ErrNotZip},
		{"empty input is ErrNotZip", nil, code, ekyc.Limits{}, ekyc.ErrNotZip},
		{"truncated zip is ErrNotZip", zipped(t, doc, ekyctest.ZipOptions{})[:200], code, ekyc.Limits{}, ekyc.ErrNotZip},
		{"AES entry is ErrZipUnsupported", aes, code, ekyc.Limits{}, ekyc.ErrZipUnsupported},
		{"unencrypted entry is ErrZipUnsupported", zipped(t, doc, ekyctest.ZipOptions{NoEncryption: true}), code, ekyc.Limits{}, ekyc.ErrZipUnsupported},
		{"entry not .xml is ErrZipUnsupported", zipped(t, doc, ekyctest.ZipOptions{Name: "offlineaadhaar.txt"}), code, ekyc.Limits{}, ekyc.ErrZipUnsupported},
		{"entry in a folder is ErrZipUnsupported", zipped(t, doc, ekyctest.ZipOptions{Name: "../x.xml"}), code, ekyc.Limits{}, ekyc.ErrZipUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xml, err := ekyc.Open(tc.zip, tc.code, tc.lim)
			if xml != nil {
				t.Fatal("XML returned with an error")
			}
			wantOnly(t, err, tc.want)
		})
	}
}

func TestOpenCorruptDataIsWrongShareCodeOrCorrupt(t *testing.T) {
	p := getPKI(t)
	z := zipped(t, signed(t, p.signer, made, ekyctest.Signing{}), ekyctest.ZipOptions{})
	// Flip a byte of the encrypted payload after the 12-byte header
	// (local header: 30 bytes + name).
	name := len("offlineaadhaar20260101000000000.xml")
	z[30+name+40] ^= 0x55
	_, err := ekyc.Open(z, ekyctest.DefaultPerson().ShareCode, ekyc.Limits{})
	if !errors.Is(err, ekyc.ErrCorruptZip) || !errors.Is(err, ekyc.ErrWrongShareCode) {
		t.Fatalf("got %v, want ErrCorruptZip and ErrWrongShareCode", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	p := getPKI(t)
	doc := signed(t, p.signer, made, ekyctest.Signing{})
	s := string(doc)
	sigStart, sigEnd := strings.Index(s, "<Signature"), strings.Index(s, "</Signature>")+len("</Signature>")
	signature := s[sigStart:sigEnd]
	uid := s[strings.Index(s, "<UidData>") : strings.Index(s, "</UidData>")+len("</UidData>")]
	forged := strings.Replace(uid, "Asha Test Kumari", "Mallory", 1)

	// An unsigned body re-signed after an edit.
	person := ekyctest.DefaultPerson()
	body := ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, made))
	resign := func(b string, sg *ekyctest.Signer, how ekyctest.Signing) []byte {
		d, err := ekyctest.Sign(b, sg, how)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	opts := options(p.signer.Cert)
	for _, tc := range []struct {
		name string
		doc  []byte
		opts ekyc.Options
		want error
	}{
		{"tampered attribute is ErrSignatureInvalid", replaceOnce(t, doc, `pc="560098"`, `pc="560099"`), opts, ekyc.ErrSignatureInvalid},
		{"tampered name is ErrSignatureInvalid", replaceOnce(t, doc, "Asha Test Kumari", "Asha Test Kumary"), opts, ekyc.ErrSignatureInvalid},
		{"tampered photo is ErrSignatureInvalid", replaceOnce(t, doc, "<Pht>/9j/", "<Pht>/9j/AAAA"), opts, ekyc.ErrSignatureInvalid},
		{"added attribute is ErrSignatureInvalid", replaceOnce(t, doc, "<UidData>", `<UidData x="1">`), opts, ekyc.ErrSignatureInvalid},
		{"tampered SignatureValue is ErrSignatureInvalid", []byte(tamperSigValue(s)), opts, ekyc.ErrSignatureInvalid},
		{"signed UidData moved into a wrapper is ErrSignatureInvalid", replaceOnce(t, doc, uid, "<Wrapper>"+uid+"</Wrapper>"+forged), opts, ekyc.ErrSignatureInvalid},
		{"duplicated UidData is ErrSignatureInvalid", replaceOnce(t, doc, uid, uid+forged), opts, ekyc.ErrSignatureInvalid},
		{"signed document inside a forged root is ErrSignatureShape", []byte(`<OfflinePaperlessKyc referenceId="123720260301143000000"><UidData>` + forged[len("<UidData>"):] + `<Object>` + s[strings.Index(s, "<OfflinePaperlessKyc"):] + `</Object></OfflinePaperlessKyc>`), opts, ekyc.ErrSignatureShape},
		{"second Signature is ErrSignatureShape", replaceOnce(t, doc, signature, signature+signature), opts, ekyc.ErrSignatureShape},
		{"Signature inside UidData is ErrSignatureShape", []byte(strings.Replace(strings.Replace(s, signature, "", 1), "</UidData>", signature+"</UidData>", 1)), opts, ekyc.ErrSignatureShape},
		{"no Signature is ErrSignatureShape", []byte(strings.Replace(s, signature, "", 1)), opts, ekyc.ErrSignatureShape},
		{"Reference URI to an id is ErrSignatureShape", replaceOnce(t, doc, `<Reference URI="">`, `<Reference URI="#x">`), opts, ekyc.ErrSignatureShape},
		{"rsa-md5 is ErrSignatureShape", replaceOnce(t, doc, "xmldsig#rsa-sha1", "xmldsig#rsa-md5"), opts, ekyc.ErrSignatureShape},
		{"sha1 digest is ErrSignatureShape", replaceOnce(t, doc, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1"), opts, ekyc.ErrSignatureShape},
		{"signature by an unpinned certificate is ErrUntrustedSigner", resign(body, p.other, ekyctest.Signing{}), opts, ekyc.ErrUntrustedSigner},
		{"unpinned signer claiming the pinned certificate is ErrSignatureInvalid", resign(body, p.other, ekyctest.Signing{KeyInfoCert: p.signer.Cert}), opts, ekyc.ErrSignatureInvalid},
		{"unpinned signer without KeyInfo is ErrSignatureInvalid", resign(body, p.other, ekyctest.Signing{NoKeyInfo: true}), opts, ekyc.ErrSignatureInvalid},
		{"expired pinned certificate is ErrCertificateNotValid", signed(t, p.expired, made, ekyctest.Signing{}), options(p.expired.Cert), ekyc.ErrCertificateNotValid},
		{"stale referenceId is ErrStale", signed(t, p.signer, now.Add(-73*time.Hour), ekyctest.Signing{}), opts, ekyc.ErrStale},
		{"stale under a shorter MaxAge is ErrStale", doc, ekyc.Options{Pinned: opts.Pinned, Now: opts.Now, NameKey: nameKey, MaxAge: 30 * time.Minute}, ekyc.ErrStale},
		{"referenceId in the future is ErrStale", signed(t, p.signer, now.Add(time.Hour), ekyctest.Signing{}), opts, ekyc.ErrStale},
		{"DTD is ErrDTD", []byte(strings.Replace(s, "<OfflinePaperlessKyc", "<!DOCTYPE OfflinePaperlessKyc [<!ENTITY n \"Mallory\">]>\n<OfflinePaperlessKyc", 1)), opts, ekyc.ErrDTD},
		{"lower-case doctype is ErrDTD", []byte(strings.Replace(s, "<OfflinePaperlessKyc", "<!doctype x>\n<OfflinePaperlessKyc", 1)), opts, ekyc.ErrDTD},
		{"comment is ErrMalformedXML", replaceOnce(t, doc, "<UidData>", "<UidData><!-- x -->"), opts, ekyc.ErrMalformedXML},
		{"not XML is ErrMalformedXML", []byte("PK\x03\x04"), opts, ekyc.ErrMalformedXML},
		{"empty is ErrMalformedXML", nil, opts, ekyc.ErrMalformedXML},
		{"other root is ErrMalformedXML", []byte("<KycRes/>"), opts, ekyc.ErrMalformedXML},
		{"over MaxBytes is ErrMalformedXML", doc, ekyc.Options{Pinned: opts.Pinned, Now: opts.Now, NameKey: nameKey, MaxBytes: 100}, ekyc.ErrMalformedXML},
		{"signed but bad referenceId is ErrMalformedXML", resign(strings.Replace(body, ekyctest.ReferenceID(person.Last4, made), "1237", 1), p.signer, ekyctest.Signing{}), opts, ekyc.ErrMalformedXML},
		{"no pinned certificates is ErrConfig", doc, options(), ekyc.ErrConfig},
		{"no clock is ErrConfig", doc, ekyc.Options{Pinned: opts.Pinned, NameKey: nameKey}, ekyc.ErrConfig},
		{"short name key is ErrConfig", doc, ekyc.Options{Pinned: opts.Pinned, Now: opts.Now, NameKey: []byte("k")}, ekyc.ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ekyc.Verify(tc.doc, tc.opts)
			if r != nil {
				t.Fatal("a result with an error")
			}
			wantOnly(t, err, tc.want)
		})
	}
}

// tamperSigValue changes the first base64 character of SignatureValue.
func tamperSigValue(s string) string {
	i := strings.Index(s, "<SignatureValue>") + len("<SignatureValue>")
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// Of two pinned certificates carrying the signer's key, the one valid at
// the referenceId time is the signer, whichever KeyInfo names.
func TestVerifyChoosesThePinValidAtTheReferenceTime(t *testing.T) {
	p := getPKI(t)
	doc := signed(t, p.signer, made, ekyctest.Signing{KeyInfoCert: p.renewedExpired.Cert})
	r, err := ekyc.Verify(doc, options(p.renewedExpired.Cert, p.signer.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Signer.Equal(p.signer.Cert) {
		t.Fatalf("signer %s, want the certificate valid at the referenceId time", r.Signer.SerialNumber)
	}
	_, err = ekyc.Verify(doc, options(p.renewedExpired.Cert))
	wantOnly(t, err, ekyc.ErrCertificateNotValid)
}

func TestMaskedCarriesNoPersonalData(t *testing.T) {
	p := getPKI(t)
	r, err := ekyc.Verify(signed(t, p.signer, made, ekyctest.Signing{}), options(p.signer.Cert))
	if err != nil {
		t.Fatal(err)
	}
	m := r.Masked()
	person := ekyctest.DefaultPerson()
	dump := strings.ToLower(strings.Join([]string{m.Last4, m.NameHash, m.SignerSHA256, m.ReferenceTime.String(), m.VerifiedAt.String()}, "|"))
	for _, secret := range []string{person.Name, "asha", person.PC, person.ShareCode, person.Mobile, person.Street, r.Claims.MobileHash, "1980"} {
		if strings.Contains(dump, strings.ToLower(secret)) {
			t.Fatalf("Masked carries %q", secret)
		}
	}
	if m.Last4 != "1237" || len(m.NameHash) != 64 || !m.Verified {
		t.Fatalf("unexpected %+v", m)
	}
	// The name hash is keyed and normalised.
	r2, _ := ekyc.Verify(signed(t, p.signer, made, ekyctest.Signing{}), ekyc.Options{Pinned: []*x509.Certificate{p.signer.Cert}, Now: func() time.Time { return now }, NameKey: []byte("another key, 16+ bytes")})
	if r2 == nil || r2.NameHash == m.NameHash {
		t.Fatal("the name hash does not depend on the key")
	}
}

func TestHashChecks(t *testing.T) {
	p := getPKI(t)
	person := ekyctest.DefaultPerson()
	person.Email, person.Mobile = "", ""
	doc, err := ekyctest.Sign(ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, made)), p.signer, ekyctest.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ekyc.Verify(doc, options(p.signer.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ekyc.VerifyMobile(r, "9800000001", person.ShareCode); !errors.Is(err, ekyc.ErrNoHash) {
		t.Fatalf("VerifyMobile without m: %v", err)
	}
	if _, err := ekyc.VerifyEmail(r, "a@b", person.ShareCode, ekyc.EmailSalted); !errors.Is(err, ekyc.ErrNoHash) {
		t.Fatalf("VerifyEmail without e: %v", err)
	}
	if _, err := ekyc.VerifyMobile(nil, "9800000001", "1"); !errors.Is(err, ekyc.ErrConfig) {
		t.Fatalf("VerifyMobile(nil): %v", err)
	}
}

func TestSaltedHashIterations(t *testing.T) {
	// Last digit 0 and 1 hash once; 7 hashes seven times; each equals
	// the fixture generator's independent implementation.
	for _, last4 := range []string{"1230", "1231", "1237", "1239"} {
		if got, want := ekyc.SaltedHash("9800000001", "4821", last4), ekyctest.SaltedHash("9800000001", "4821", last4); got != want {
			t.Errorf("last4 %s: %s, want %s", last4, got, want)
		}
	}
	if ekyc.SaltedHash("9800000001", "4821", "1230") != ekyc.SaltedHash("9800000001", "4821", "1231") {
		t.Error("0 and 1 differ")
	}
	// Known values (Python hashlib): once for last digit 1, seven times for 7.
	if got := ekyc.SaltedHash("9800000001", "4821", "0001"); got != "d5b5590179373e29125a5ba8ba6532b910cbc54e50d70fe021c9e39bb8595f33" {
		t.Errorf("once: %s", got)
	}
	if got := ekyc.SaltedHash("9800000001", "4821", "0007"); got != "51ef1bc9906ee971798d0f24ee4710eca3f868ef5a996aa1c679947a7ef8722e" {
		t.Errorf("seven times: %s", got)
	}
}
