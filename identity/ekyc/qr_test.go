package ekyc_test

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

func qrFor(t testing.TB, s *ekyctest.Signer, ref string, edit func([]byte) []byte) string {
	t.Helper()
	person := ekyctest.DefaultPerson()
	person.Name = "Asha Tëst" // ë is one ISO-8859-1 byte
	data := ekyctest.QRSigned(person, ref, ekyctest.JPEG2000Stub())
	if edit != nil {
		data = edit(data)
	}
	q, err := ekyctest.QR(data, s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestVerifyQRAcceptsV2(t *testing.T) {
	p := getPKI(t)
	ref := ekyctest.ReferenceID("1237", made)
	r, info, err := ekyc.VerifyQR(qrFor(t, p.signer, ref, nil), options(p.expired.Cert, p.signer.Cert))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Claims
	if r.Last4 != "1237" || c.Name != "Asha Tëst" || c.DOB != "1980-12-07" || c.Gender != "F" || c.Address.Pincode != "560098" ||
		c.Address.VTC != "Test Village" || !bytes.Equal(c.Photo, ekyctest.JPEG2000Stub()) || info.Indicator != 3 || info.MobileLast4 != "0001" ||
		!r.Signer.Equal(p.signer.Cert) || !r.Verified {
		t.Fatalf("unexpected %+v %+v", r.Masked(), info)
	}
	// An old QR (a printed card) is refused by default and accepted
	// under the longer MaxAge of a deployment that takes printed cards.
	old := qrFor(t, p.signer, ekyctest.ReferenceID("1237", now.AddDate(0, -6, 0)), nil)
	if _, _, err := ekyc.VerifyQR(old, options(p.signer.Cert)); !errors.Is(err, ekyc.ErrStale) {
		t.Fatalf("old QR under the default MaxAge: %v", err)
	}
	cards := options(p.signer.Cert)
	cards.MaxAge = 365 * 24 * time.Hour
	if _, _, err := ekyc.VerifyQR(old, cards); err != nil {
		t.Fatal(err)
	}
	// Of two pinned certificates with the signer's key, the one valid at
	// the referenceId time is the signer.
	r, _, err = ekyc.VerifyQR(qrFor(t, p.signer, ref, nil), options(p.renewedExpired.Cert, p.signer.Cert))
	if err != nil || !r.Signer.Equal(p.signer.Cert) {
		t.Fatalf("same key, two certificates: %v", err)
	}
}

func TestVerifyQRRefuses(t *testing.T) {
	p := getPKI(t)
	ref := ekyctest.ReferenceID("1237", made)
	good := qrFor(t, p.signer, ref, nil)
	unsignedGzip, _ := ekyctest.Gzip([]byte("V2\xffjunk"))
	strict := options(p.signer.Cert)
	strict.MaxAge = 30 * time.Minute
	for _, tc := range []struct {
		name    string
		payload string
		opts    ekyc.Options
		want    error
	}{
		{"tampered payload is ErrSignatureInvalid", tamperQR(t, p.signer, ref), options(p.signer.Cert), ekyc.ErrSignatureInvalid},
		{"unpinned signer is ErrSignatureInvalid", qrFor(t, p.other, ref, nil), options(p.signer.Cert), ekyc.ErrSignatureInvalid},
		{"expired pinned certificate is ErrCertificateNotValid", qrFor(t, p.expired, ref, nil), options(p.expired.Cert), ekyc.ErrCertificateNotValid},
		{"old QR is ErrStale", qrFor(t, p.signer, ekyctest.ReferenceID("1237", now.AddDate(0, -6, 0)), nil), options(p.signer.Cert), ekyc.ErrStale},
		{"QR over a shorter MaxAge is ErrStale", good, strict, ekyc.ErrStale},
		{"not digits is ErrQR", "12ab", options(p.signer.Cert), ekyc.ErrQR},
		{"too many digits is ErrQR", strings.Repeat("9", 9000), options(p.signer.Cert), ekyc.ErrQR},
		{"not gzip is ErrQR", "123456789", options(p.signer.Cert), ekyc.ErrQR},
		{"short payload is ErrQR", unsignedGzip, options(p.signer.Cert), ekyc.ErrQR},
		{"missing fields is ErrQR", qrFor(t, p.signer, ref, func(b []byte) []byte { return []byte("V2\xff3\xff" + ref + "\xffname") }), options(p.signer.Cert), ekyc.ErrQR},
		{"QR from the future is ErrStale", qrFor(t, p.signer, ekyctest.ReferenceID("1237", now.Add(time.Hour)), nil), options(p.signer.Cert), ekyc.ErrStale},
		{"truncated payload is ErrQR", truncatedQR(t, good), options(p.signer.Cert), ekyc.ErrQR},
		{"no pinned certificates is ErrConfig", good, options(), ekyc.ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, err := ekyc.VerifyQR(tc.payload, tc.opts)
			if r != nil {
				t.Fatal("a result with an error")
			}
			wantOnly(t, err, tc.want)
		})
	}
}

// tamperQR packs a payload with one byte of the name changed and the
// signature of the original.
func tamperQR(t testing.TB, s *ekyctest.Signer, ref string) string {
	t.Helper()
	data := ekyctest.QRSigned(ekyctest.DefaultPerson(), ref, ekyctest.JPEG2000Stub())
	q, err := ekyctest.QRWithSignature(bytes.Replace(data, []byte("Asha"), []byte("Asho"), 1), data, s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func FuzzVerifyQR(f *testing.F) {
	p := getPKI(f)
	f.Add(qrFor(f, p.signer, ekyctest.ReferenceID("1237", made), nil))
	f.Add("123456789")
	opts := options(p.signer.Cert)
	f.Fuzz(func(t *testing.T, s string) {
		r, _, err := ekyc.VerifyQR(s, opts)
		if err == nil && !r.Signer.Equal(p.signer.Cert) {
			t.Fatal("accepted under another certificate")
		}
	})
}

// truncatedQR drops the last 40 bytes of the compressed payload, as a
// partly read QR code would.
func truncatedQR(t testing.TB, payload string) string {
	t.Helper()
	n, ok := new(big.Int).SetString(payload, 10)
	if !ok {
		t.Fatal("not decimal")
	}
	b := n.Bytes()
	return new(big.Int).SetBytes(b[:len(b)-40]).String()
}
