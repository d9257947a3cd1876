package digilocker

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
	"github.com/pramaan/pramaan/internal/strictxml"
)

// FuzzIssuedList reads arbitrary issued-document lists: mime as string or
// array, size as number or string; never a panic.
func FuzzIssuedList(f *testing.F) {
	f.Add([]byte(`{"items":[{"name":"Aadhaar Card","type":"file","size":"","date":"15-05-2020","parent":"","mime":["application/pdf","application/xml"],"uri":"in.gov.uidai-ADHAR-5ccbc3124cd4a8c6b3120deca8f4b654","doctype":"ADHAR","issuerid":"in.gov.uidai","issuer":"UIDAI"}]}`))
	f.Add([]byte(`{"items":[{"mime":"application/pdf","size":"2048"},{"size":12,"mime":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w struct {
			Items []Document `json:"items"`
		}
		if json.Unmarshal(b, &w) == nil {
			for _, d := range w.Items {
				d.HasXML()
			}
		}
	})
}

// FuzzTokenFields reads token-response numbers in both forms.
func FuzzTokenFields(f *testing.F) {
	f.Add([]byte(`{"expires_in":3600,"consent_valid_till":"1767225599","dob":"31121970"}`))
	f.Add([]byte(`{"expires_in":"3600","consent_valid_till":1767225599}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w struct {
			ExpiresIn        flexInt `json:"expires_in"`
			ConsentValidTill flexInt `json:"consent_valid_till"`
			User
		}
		if json.Unmarshal(b, &w) == nil {
			w.User.BirthDate()
		}
	})
}

// FuzzVerifyEAadhaar verifies arbitrary documents, seeded with the
// sandbox's signed e-Aadhaar and variants of it: never a panic, every
// refusal wraps exactly one of the three sentinels and returns nothing,
// and what verifies has a name and a verified chain.
//
// Each input is verified twice: against the root generated here, and
// trusting the last certificate the input carries. Fuzzing workers are
// separate processes that generate PKIs of their own, so only the second
// lets mutated inputs reach the signature check and the reading of the
// signed fields; it says nothing about trust, which the unit tests cover.
func FuzzVerifyEAadhaar(f *testing.F) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	p, err := sandbox.NewEAadhaarPKI(now)
	if err != nil {
		f.Fatal(err)
	}
	asha := sandbox.DefaultCitizens()[0]
	sign := func(how sandbox.EAadhaarSigning) []byte {
		b, err := sandbox.BuildEAadhaar(&asha, p, now, how)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	good := sign(sandbox.EAadhaarSigning{})
	decl := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`)
	f.Add(good)
	f.Add(sign(sandbox.EAadhaarSigning{Canonicalization: sandbox.AlgC14N10, SignatureMethod: sandbox.AlgRSASHA256}))
	f.Add(sign(sandbox.EAadhaarSigning{DigestMethod: sandbox.AlgDigestSHA1}))
	f.Add(sign(sandbox.EAadhaarSigning{ReferenceURI: "#kyc"}))
	f.Add(bytes.Replace(good, []byte("Asha Verma"), []byte("Asha Varma"), 1))
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, decl, append(append([]byte{}, decl...), `<!DOCTYPE Certificate [<!ENTITY n "x">]>`...), 1))
	f.Add(bytes.Replace(good, []byte("</Certificate>"), []byte("<Certificate><Signature/></Certificate></Certificate>"), 1))
	f.Add([]byte(`<Certificate><CertificateData><KycRes ret="Y"><UidData uid="xxxxxxxx1234"><Poi name="A" dob="1990" gender="M"/></UidData></KycRes></CertificateData>` +
		`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue/><KeyInfo/></Signature></Certificate>`))
	ours := x509.NewCertPool()
	ours.AddCert(p.Root)
	clock := func() time.Time { return now }
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(roots *x509.CertPool) {
			e, err := VerifyEAadhaar(b, EAadhaarOptions{Roots: roots, Now: clock})
			if err != nil {
				n := 0
				for _, s := range []error{ErrEAadhaarMalformed, ErrEAadhaarSignature, ErrEAadhaarUntrusted} {
					if errors.Is(err, s) {
						n++
					}
				}
				if n != 1 || e != nil {
					t.Fatalf("refusal wraps %d sentinels (result %v): %v", n, e != nil, err)
				}
				return
			}
			if e.Name == "" || e.Signer == nil || len(e.Chain) < 2 {
				t.Fatalf("verified without a name or a chain: %+v", e)
			}
		}
		check(ours)
		if root := lastCertificate(b); root != nil {
			pool := x509.NewCertPool()
			pool.AddCert(root)
			check(pool)
		}
	})
}

// lastCertificate parses the last X509Certificate of doc, if it can.
func lastCertificate(doc []byte) *x509.Certificate {
	end := bytes.LastIndex(doc, []byte("</X509Certificate>"))
	if end < 0 {
		return nil
	}
	start := bytes.LastIndex(doc[:end], []byte("<X509Certificate>"))
	if start < 0 {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(strictxml.StripSpace(string(doc[start+len("<X509Certificate>") : end])))
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}

// FuzzReadEAadhaar reads the fields of arbitrary documents as
// VerifyEAadhaar reads a verified one (strict parsing, then the KycRes
// fields): never a panic, and a refusal is ErrEAadhaarMalformed.
func FuzzReadEAadhaar(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Certificate><CertificateData><KycRes code="c" ret="Y" ts="2026-03-01T15:30:00.000+05:30" ttl="2027-03-01T15:30:00" txn="UKC:1"><UidData tkn="t" uid="xxxxxxxx4821"><Poi dob="14-08-1994" gender="F" name="Asha Verma"/><Poa co="D/O Ramesh Verma" country="India" dist="Pune" house="12" lm="Near Bus Stand" loc="Shivaji Nagar" pc="411005" po="Shivajinagar" state="Maharashtra" street="MG Road" subdist="Pune City" vtc="Pune"/><LData lang="13" name="आशा वर्मा"/><Pht>/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U</Pht></UidData></KycRes></CertificateData></Certificate>`))
	f.Add([]byte(`<Certificate><CertificateData><KycRes ret="N" ts="x"><UidData uid="123412341234"><Poi dob="1994" gender="X"/><Poi/></UidData></KycRes></CertificateData></Certificate>`))
	f.Add([]byte(`<!DOCTYPE Certificate [<!ENTITY n "x">]><Certificate>&n;</Certificate>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := parseStrict(b)
		if err == nil {
			_, err = readEAadhaar(root, DefaultEAadhaarMaxPhotoBytes)
		}
		if err != nil && !errors.Is(err, ErrEAadhaarMalformed) {
			t.Fatalf("not ErrEAadhaarMalformed: %v", err)
		}
	})
}
