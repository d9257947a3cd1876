package ekyc_test

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// A package as UIDAI would hand it out: decrypt it with the share code,
// verify it against the pinned certificate, persist only the masked facts.
func Example() {
	ca, _ := ekyctest.NewCAWithKey(now, ekyctest.TestKey(0))
	signer, _ := ca.IssueWithKey(2, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0), ekyctest.TestKey(1))
	person := ekyctest.DefaultPerson()
	doc, _ := ekyctest.Sign(ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, made)), signer, ekyctest.Signing{})
	zipBytes, _ := ekyctest.WriteZip(doc, person.ShareCode, ekyctest.ZipOptions{})

	xml, err := ekyc.Open(zipBytes, person.ShareCode, ekyc.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := ekyc.Verify(xml, ekyc.Options{
		Pinned:  []*x509.Certificate{signer.Cert},
		Now:     func() time.Time { return now },
		NameKey: []byte("a key from the keystore, 32 byte"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, _ := ekyc.VerifyMobile(r, person.Mobile, person.ShareCode)
	m := r.Masked()
	fmt.Println(m.Last4, m.Verified, m.ReferenceTime.In(ekyc.IST).Format(time.DateTime), ok)
	// Output: 1237 true 2026-03-01 14:30:00 true
}

func ExampleOpen_wrongShareCode() {
	person := ekyctest.DefaultPerson()
	zipBytes, _ := ekyctest.WriteZip([]byte("<x/>"), person.ShareCode, ekyctest.ZipOptions{Header: make([]byte, 11)})
	_, err := ekyc.Open(zipBytes, "1111", ekyc.Limits{})
	fmt.Println(err)
	// Output: ekyc: wrong share code: the check byte does not match
}
