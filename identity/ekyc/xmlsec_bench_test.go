package ekyc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/ekyctest"
)

// throughputDocs is how many distinct documents the throughput comparison
// verifies.
const throughputDocs = 200

// throughputFiles writes throughputDocs distinct UIDAI-shaped documents
// (inclusive C14N, rsa-sha1, SHA-256 digest, KeyInfo) signed by the pinned
// test signer to a temporary directory: a different name and referenceId
// time each, minutes apart from an hour before the tests' clock, so all
// are fresh. It returns the files and their contents as read back.
func throughputFiles(b *testing.B) (files []string, docs [][]byte) {
	b.Helper()
	p := getPKI(b)
	dir := b.TempDir()
	for i := range throughputDocs {
		person := ekyctest.DefaultPerson()
		person.Name = fmt.Sprintf("Asha Test Kumari %03d", i)
		at := made.Add(-time.Duration(i) * time.Minute)
		doc, err := ekyctest.Sign(ekyctest.Body(person, ekyctest.ReferenceID(person.Last4, at)), p.signer, ekyctest.Signing{})
		if err != nil {
			b.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("offlineaadhaar%03d.xml", i))
		if err := os.WriteFile(f, doc, 0o600); err != nil {
			b.Fatal(err)
		}
		back, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		files, docs = append(files, f), append(docs, back)
	}
	return files, docs
}

// reportPerDoc reports the time per document and documents per second
// for a loop whose every iteration verified docs documents.
func reportPerDoc(b *testing.B, docs int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(docs)
	b.ReportMetric(ns, "ns/doc")
	b.ReportMetric(1e9/ns, "docs/s")
}

// BenchmarkXMLSecThroughput compares Verify with xmlsec1 on the same 200
// files, one document after another on one core each:
//
//   - ours: ekyc.Verify over the 200 documents (one pin, the signer);
//   - xmlsec1: one `xmlsec1 --verify` process over the 200 files per
//     iteration (xmlsec1 takes several files and stops at the first
//     failure; every file must print OK), so that its start-up is paid
//     once per 200 documents; net-ns/doc takes the start-up out:
//     (ns/op - one single-file process) / 199;
//   - xmlsec1-startup: one process verifying one file, the cost of
//     calling xmlsec1 once per document.
//
// BenchmarkFloorRSA2048Verify (bench_test.go) is the floor in the same
// run: go test -run '^$' -bench 'XMLSec|Floor' ./identity/ekyc
func BenchmarkXMLSecThroughput(b *testing.B) {
	xmlsec := needXMLSec(b)
	p := getPKI(b)
	files, docs := throughputFiles(b)
	cert := writeCertPEM(b, b.TempDir(), "signer.pem", p.signer.Cert)

	b.Run("ours", func(b *testing.B) {
		opts := options(p.signer.Cert)
		b.ReportAllocs()
		for b.Loop() {
			for _, doc := range docs {
				if _, err := ekyc.Verify(doc, opts); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportPerDoc(b, len(docs))
	})

	b.Run("xmlsec1", func(b *testing.B) {
		// One single-file process, the best of five: the start-up (and
		// one document) that net-ns/doc subtracts.
		var single time.Duration
		for range 5 {
			start := time.Now()
			if ok, out := xmlsecVerify(b, xmlsec, cert, files[0]); !ok {
				b.Fatalf("xmlsec1 refused %s\n%s", files[0], out)
			}
			if d := time.Since(start); single == 0 || d < single {
				single = d
			}
		}
		for b.Loop() {
			if ok, out := xmlsecVerify(b, xmlsec, cert, files...); !ok {
				b.Fatalf("xmlsec1 refused a document\n%s", out)
			}
		}
		reportPerDoc(b, len(files))
		perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		net := (perOp - float64(single.Nanoseconds())) / float64(len(files)-1)
		b.ReportMetric(net, "net-ns/doc")
		b.ReportMetric(1e9/net, "net-docs/s")
	})

	b.Run("xmlsec1-startup", func(b *testing.B) {
		one := files[:1]
		for b.Loop() {
			if ok, out := xmlsecVerify(b, xmlsec, cert, one...); !ok {
				b.Fatalf("xmlsec1 refused %s\n%s", one[0], out)
			}
		}
		reportPerDoc(b, 1)
	})
}
