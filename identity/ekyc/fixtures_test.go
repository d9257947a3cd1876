package ekyc_test

import (
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// now is the tests' clock; the package was made an hour before.
var (
	now     = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	made    = now.Add(-time.Hour)
	nameKey = []byte("0123456789abcdef0123456789abcdef")
)

type pki struct {
	ca                     *ekyctest.CA
	signer, expired, other *ekyctest.Signer
	// renewedExpired carries the signer's key, expired a month before now.
	renewedExpired *ekyctest.Signer
}

var testPKI = sync.OnceValues(func() (*pki, error) {
	ca, err := ekyctest.NewCAWithKey(now, ekyctest.TestKey(0))
	if err != nil {
		return nil, err
	}
	signer, err := ca.IssueWithKey(2, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0), ekyctest.TestKey(1))
	if err != nil {
		return nil, err
	}
	expired, err := ca.IssueWithKey(3, now.AddDate(-3, 0, 0), now.AddDate(0, -1, 0), ekyctest.TestKey(2))
	if err != nil {
		return nil, err
	}
	ca2, err := ekyctest.NewCAWithKey(now, ekyctest.TestKey(3))
	if err != nil {
		return nil, err
	}
	other, err := ca2.IssueWithKey(4, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0), ekyctest.TestKey(4))
	if err != nil {
		return nil, err
	}
	renewedExpired, err := ca.IssueWithKey(5, now.AddDate(-3, 0, 0), now.AddDate(0, -1, 0), ekyctest.TestKey(1))
	if err != nil {
		return nil, err
	}
	return &pki{ca: ca, signer: signer, expired: expired, other: other, renewedExpired: renewedExpired}, nil
})

func getPKI(tb testing.TB) *pki {
	tb.Helper()
	p, err := testPKI()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func options(pinned ...*x509.Certificate) ekyc.Options {
	return ekyc.Options{Pinned: pinned, Now: func() time.Time { return now }, NameKey: nameKey}
}

// signed is the default person's package XML made at t by s.
func signed(tb testing.TB, s *ekyctest.Signer, t time.Time, how ekyctest.Signing) []byte {
	tb.Helper()
	p := ekyctest.DefaultPerson()
	doc, err := ekyctest.Sign(ekyctest.Body(p, ekyctest.ReferenceID(p.Last4, t)), s, how)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func zipped(tb testing.TB, doc []byte, o ekyctest.ZipOptions) []byte {
	tb.Helper()
	z, err := ekyctest.WriteZip(doc, ekyctest.DefaultPerson().ShareCode, o)
	if err != nil {
		tb.Fatal(err)
	}
	return z
}

func replaceOnce(tb testing.TB, doc []byte, old, new string) []byte {
	tb.Helper()
	if strings.Count(string(doc), old) != 1 {
		tb.Fatalf("%q occurs %d times", old, strings.Count(string(doc), old))
	}
	return []byte(strings.Replace(string(doc), old, new, 1))
}
