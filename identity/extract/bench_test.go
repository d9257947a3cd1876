package extract_test

import (
	"testing"

	"github.com/pramaan/pramaan/identity/extract"
)

// BenchmarkDocumentMarksheet extracts every default field (13) of a class
// XII marksheet.
func BenchmarkDocumentMarksheet(b *testing.B) {
	e := newExtractor(b, extract.DefaultConfig())
	body := testdata(b, "hscer.xml")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := e.Document("HSCER", body)
		if err != nil || len(res.Fields) != 13 {
			b.Fatal(err)
		}
	}
}

// BenchmarkProfile resolves every default profile field from four
// documents.
func BenchmarkProfile(b *testing.B) {
	e := newExtractor(b, extract.DefaultConfig())
	docs := map[string][]byte{
		"HSCER": testdata(b, "hscer.xml"), "SSCER": testdata(b, "sscer.xml"),
		"PANCR": testdata(b, "pancr.xml"), "DRVLC": testdata(b, "drvlc_ns.xml"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Profile(docs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPDFText extracts the text of the two-page Flate marksheet.
func BenchmarkPDFText(b *testing.B) {
	pdf := testdata(b, "marksheet_flate.pdf")
	b.SetBytes(int64(len(pdf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := extract.PDFText(pdf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefuseBomb measures refusing a stream that inflates to 64 MiB
// (work stops at MaxPDFStreamSize).
func BenchmarkRefuseBomb(b *testing.B) {
	pdf := testdata(b, "bomb.pdf")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := extract.PDFText(pdf); err == nil {
			b.Fatal("bomb accepted")
		}
	}
}
