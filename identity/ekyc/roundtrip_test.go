package ekyc_test

import (
	"bytes"
	"testing"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

func TestRoundTripVerifiesToThePersonsData(t *testing.T) {
	p := getPKI(t)
	person := ekyctest.DefaultPerson()
	for name, how := range map[string]ekyctest.Signing{
		"uidai shape (c14n, rsa-sha1)": {},
		"rsa-sha256":                   {SHA256: true},
		"exclusive c14n":               {Exclusive: true},
		"no KeyInfo (2019 files)":      {NoKeyInfo: true},
		"wrapped SignatureValue":       {Wrap76: true},
	} {
		for zname, zo := range map[string]ekyctest.ZipOptions{
			"deflate":         {},
			"stored":          {Stored: true},
			"data descriptor": {DataDescriptor: true},
		} {
			t.Run(name+"/"+zname, func(t *testing.T) {
				doc := signed(t, p.signer, made, how)
				xml, err := ekyc.Open(zipped(t, doc, zo), person.ShareCode, ekyc.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(xml, doc) {
					t.Fatal("Open did not return the XML entry")
				}
				r, err := ekyc.Verify(xml, options(p.expired.Cert, p.signer.Cert))
				if err != nil {
					t.Fatal(err)
				}
				c := r.Claims
				if r.Last4 != "1237" || !r.Verified || !r.VerifiedAt.Equal(now) || !r.ReferenceTime.Equal(made.Truncate(1e6)) ||
					c.Name != person.Name || c.DOB != "1980-12-07" || c.Gender != "F" || c.Address.Pincode != "560098" ||
					c.Address.Landmark != person.Landmark || c.Address.SubDistrict != person.SubDist || !bytes.Equal(c.Photo, person.Photo) ||
					!r.Signer.Equal(p.signer.Cert) {
					t.Fatalf("unexpected result %+v", r.Masked())
				}
				ok, err := ekyc.VerifyMobile(r, person.Mobile, person.ShareCode)
				if err != nil || !ok {
					t.Fatalf("VerifyMobile = %v, %v", ok, err)
				}
				ok, err = ekyc.VerifyMobile(r, "9800000002", person.ShareCode)
				if err != nil || ok {
					t.Fatalf("VerifyMobile(other) = %v, %v", ok, err)
				}
				ok, err = ekyc.VerifyEmail(r, person.Email, person.ShareCode, ekyc.EmailSaltedOrPlain)
				if err != nil || !ok {
					t.Fatalf("VerifyEmail = %v, %v", ok, err)
				}
			})
		}
	}
}
