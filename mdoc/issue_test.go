package mdoc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	doc, err := p.verifier.VerifyIssuerSigned(issued)
	if err != nil {
		t.Fatal(err)
	}
	if doc.DocType != aadhaarDocType || doc.DigestAlgorithm != SHA256 || !doc.DSCertificate.Equal(p.ds) {
		t.Fatalf("docType %q, alg %q, ds %q", doc.DocType, doc.DigestAlgorithm, doc.DSCertificate.Subject.CommonName)
	}
	if !doc.DeviceKey.Equal(&p.holder.PublicKey) {
		t.Fatal("device key differs from the holder key")
	}
	want := Validity{Signed: testNow, ValidFrom: testNow, ValidUntil: testNow.Add(180 * 24 * time.Hour)}
	if !reflect.DeepEqual(doc.Validity, want) {
		t.Fatalf("validity %+v, want %+v", doc.Validity, want)
	}
	got := doc.Claims()[aadhaarDocType]
	if len(got) != 12 {
		t.Fatalf("%d claims, want 12", len(got))
	}
	for _, e := range aadhaarElements() {
		wantV := e.Value
		if u, ok := wantV.(uint64); ok {
			wantV = u
		}
		if !reflect.DeepEqual(got[e.Identifier], wantV) {
			t.Errorf("%s = %#v, want %#v", e.Identifier, got[e.Identifier], wantV)
		}
	}
	// The claims print as the JSON the CLI shows.
	js, err := json.Marshal(doc.Claims())
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"birth_date":"1990-05-17"`, `"age_over_18":true`, `"age_in_years":35`, `"pincode":"560001"`} {
		if !bytes.Contains(js, []byte(frag)) {
			t.Errorf("claims JSON lacks %s", frag)
		}
	}
}

func TestIssueStructure(t *testing.T) {
	p := newTestPKI(t)
	issued := p.issue(t)
	w, mso := parts(t, issued)

	t.Run("ok/issuerAuth first then nameSpaces (core deterministic)", func(t *testing.T) {
		if !bytes.HasPrefix(issued, append([]byte{0xa2, 0x6a}, "issuerAuth"...)) {
			t.Fatalf("IssuerSigned starts % x", issued[:12])
		}
	})
	t.Run("ok/protected header is exactly a10126 and COSE_Sign1 untagged", func(t *testing.T) {
		if w.IssuerAuth[0] != 0x84 {
			t.Fatalf("issuerAuth starts %x, want 84 (untagged array)", w.IssuerAuth[0])
		}
		var m coseMessage
		if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Protected, []byte{0xa1, 0x01, 0x26}) {
			t.Fatalf("protected % x", m.Protected)
		}
		if len(m.Tag) != 64 {
			t.Fatalf("signature %d bytes, want 64 (r||s)", len(m.Tag))
		}
		x5, ok := m.Unprotected[uint64(33)]
		if !ok || len(m.Unprotected) != 1 {
			t.Fatalf("unprotected %v", m.Unprotected)
		}
		var der []byte
		if err := plainDec.Unmarshal(x5, &der); err != nil || !bytes.Equal(der, p.ds.Raw) {
			t.Fatalf("single-certificate x5chain is not the DS bstr: %v", err)
		}
	})
	t.Run("ok/items start d8 18, digests cover them, IDs unique and shuffled", func(t *testing.T) {
		items := w.NameSpaces[aadhaarDocType]
		digests := mso["valueDigests"].(map[any]any)[aadhaarDocType].(map[any]any)
		var ids []uint64
		for _, raw := range items {
			if !bytes.HasPrefix(raw, []byte{0xd8, 0x18}) {
				t.Fatalf("item starts % x", raw[:2])
			}
			it, err := parseItem(raw, "item")
			if err != nil {
				t.Fatal(err)
			}
			d := sha256Sum(raw)
			if !bytes.Equal(digests[it.DigestID].([]byte), d) {
				t.Fatalf("digest of item %d does not cover its tag-24 bytes", it.DigestID)
			}
			ids = append(ids, it.DigestID)
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		for i, id := range sorted {
			if id != uint64(i) {
				t.Fatalf("digest IDs %v are not a permutation of 0..11", ids)
			}
		}
		if slices.IsSorted(ids) {
			t.Fatalf("digest IDs %v follow element order", ids)
		}
	})
	t.Run("ok/validityInfo tdates are tag 0, UTC Z, no fraction", func(t *testing.T) {
		raw := msoRaw(t, w.IssuerAuth)
		want := append([]byte{0xc0, 0x74}, "2026-01-15T10:00:00Z"...) // 0("…Z"), 20 chars
		if bytes.Count(raw, want) != 2 {                              // signed and validFrom
			t.Fatalf("MSO lacks two %x", want)
		}
		if !bytes.Contains(raw, append([]byte{0xc0, 0x74}, "2026-07-14T10:00:00Z"...)) {
			t.Fatal("validUntil is not 0(\"2026-07-14T10:00:00Z\")")
		}
	})
	t.Run("ok/deviceKey is a COSE_Key map with 32-byte coordinates", func(t *testing.T) {
		dk := mso["deviceKeyInfo"].(map[any]any)["deviceKey"].(map[any]any)
		if dk[uint64(1)] != uint64(2) || dk[int64(-1)] != uint64(1) || len(dk[int64(-2)].([]byte)) != 32 || len(dk[int64(-3)].([]byte)) != 32 {
			t.Fatalf("deviceKey %v", dk)
		}
	})
	t.Run("ok/birth_date is tag 1004", func(t *testing.T) {
		want := append([]byte{0xd9, 0x03, 0xec, 0x6a}, "1990-05-17"...)
		found := false
		for _, raw := range w.NameSpaces[aadhaarDocType] {
			found = found || bytes.Contains(raw, want)
		}
		if !found {
			t.Fatal("no 1004(\"1990-05-17\") item")
		}
	})
}

func msoRaw(t *testing.T, issuerAuth []byte) []byte {
	t.Helper()
	var m coseMessage
	if err := plainDec.Unmarshal(issuerAuth, &m); err != nil {
		t.Fatal(err)
	}
	b, err := unwrapEncodedCBOR(m.Payload, "payload")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixedReader yields a repeating byte pattern, to make issuance reproducible.
type fixedReader byte

func (f fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f) + byte(i*7)
	}
	return len(p), nil
}

func TestIssueDeterministicWithFixedRand(t *testing.T) {
	p := newTestPKI(t)
	p.issuer.Rand = fixedReader(1)
	a, b := p.issue(t), p.issue(t)
	wa, _ := parts(t, a)
	wb, _ := parts(t, b)
	if !reflect.DeepEqual(wa.NameSpaces, wb.NameSpaces) {
		t.Fatal("same Rand gave different items")
	}
	p.issuer.Rand = fixedReader(2)
	wc, _ := parts(t, p.issue(t))
	if reflect.DeepEqual(wa.NameSpaces, wc.NameSpaces) {
		t.Fatal("different Rand gave identical items")
	}
}

func TestIssueMultiCertChainIsArray(t *testing.T) {
	p := newTestPKI(t)
	// A chain of two: the DS and an (unusual) intermediate copy of nothing
	// self-signed: a second DS certificate stands in for an intermediate.
	ds2, _, err := NewDocumentSigner(p.iaca, p.iacaKey, CertOptions{CommonName: "other", NotBefore: testNow.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p.issuer.Chain = []*x509.Certificate{p.ds, ds2}
	w, _ := parts(t, p.issue(t))
	var m coseMessage
	if err := plainDec.Unmarshal(w.IssuerAuth, &m); err != nil {
		t.Fatal(err)
	}
	var ders [][]byte
	if err := plainDec.Unmarshal(m.Unprotected[uint64(33)], &ders); err != nil || len(ders) != 2 {
		t.Fatalf("x5chain of two is not an array of two: %v", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	p := newTestPKI(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tests := map[string]struct {
		mutate func(is *Issuer, r *Request)
	}{
		"fail/DS certificate ends before validUntil": {func(is *Issuer, r *Request) { r.ValidUntil = p.ds.NotAfter.Add(time.Hour) }},
		"fail/signed before DS notBefore":            {func(is *Issuer, r *Request) { is.Now = func() time.Time { return p.ds.NotBefore.Add(-time.Minute) } }},
		"fail/validFrom before signed":               {func(is *Issuer, r *Request) { r.ValidFrom = testNow.Add(-time.Minute) }},
		"fail/validUntil not after validFrom":        {func(is *Issuer, r *Request) { r.ValidUntil = testNow }},
		"fail/chain holds the IACA root":             {func(is *Issuer, r *Request) { is.Chain = []*x509.Certificate{p.ds, p.iaca} }},
		"fail/signer does not match DS certificate":  {func(is *Issuer, r *Request) { is.Signer = other }},
		"fail/no elements":                           {func(is *Issuer, r *Request) { r.Elements = nil }},
		"fail/duplicate element":                     {func(is *Issuer, r *Request) { r.Elements = append(r.Elements, r.Elements[0]) }},
		"fail/empty docType":                         {func(is *Issuer, r *Request) { r.DocType = "" }},
		"fail/no device key":                         {func(is *Issuer, r *Request) { r.DeviceKey = nil }},
		"fail/invalid full-date":                     {func(is *Issuer, r *Request) { r.Elements[2].Value = FullDate("17-05-1990") }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			is := *p.issuer
			req := aadhaarRequest(&p.holder.PublicKey)
			tc.mutate(&is, &req)
			_, err := is.Issue(req)
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
		})
	}
	t.Run("fail/unsupported digest algorithm", func(t *testing.T) {
		is := *p.issuer
		is.DigestAlgorithm = "SHA-1"
		if _, err := is.Issue(aadhaarRequest(&p.holder.PublicKey)); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("err = %v, want ErrUnsupported", err)
		}
	})
}

func TestIssueDigestAlgorithms(t *testing.T) {
	p := newTestPKI(t)
	for _, alg := range []string{SHA256, SHA384, SHA512} {
		t.Run("ok/"+alg, func(t *testing.T) {
			is := *p.issuer
			is.DigestAlgorithm = alg
			out, err := is.Issue(aadhaarRequest(&p.holder.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := p.verifier.VerifyIssuerSigned(out)
			if err != nil {
				t.Fatal(err)
			}
			if doc.DigestAlgorithm != alg || len(doc.Elements[0].Digest) != map[string]int{SHA256: 32, SHA384: 48, SHA512: 64}[alg] {
				t.Fatalf("alg %s digest %d bytes", doc.DigestAlgorithm, len(doc.Elements[0].Digest))
			}
		})
	}
}

func TestIssueTimeElementIsTDate(t *testing.T) {
	p := newTestPKI(t)
	req := aadhaarRequest(&p.holder.PublicKey)
	ist := time.FixedZone("IST", 5*3600+1800)
	req.Elements = append(req.Elements, Element{aadhaarDocType, "verified_at", time.Date(2026, 1, 15, 15, 30, 0, 123, ist)})
	out, err := p.issuer.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := parts(t, out)
	want := append([]byte{0xc0, 0x74}, "2026-01-15T10:00:00Z"...)
	found := false
	for _, raw := range w.NameSpaces[aadhaarDocType] {
		found = found || bytes.Contains(raw, want)
	}
	if !found {
		t.Fatal("time element is not 0(\"2026-01-15T10:00:00Z\")")
	}
	doc, err := p.verifier.VerifyIssuerSigned(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Claims()[aadhaarDocType]["verified_at"]; got != time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC) {
		t.Fatalf("verified_at = %v", got)
	}
}
