package extract_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/identity/extract"
)

// minimalPDF is a one-page PDF whose page content is content, with extra
// entries in the stream dictionary; no cross-reference table is needed by
// the extractor.
func minimalPDF(extra, content string) []byte {
	return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"+
		"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"+
		"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"+
		"4 0 obj << %s /Length %d >>\nstream\n%s\nendstream\nendobj\n"+
		"trailer << /Root 1 0 R >>\n%%%%EOF\n", extra, len(content), content)
}

func zlibBytes(p []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// TestPDFText states the exact text and counts for each synthetic PDF.
func TestPDFText(t *testing.T) {
	tests := []struct {
		name string
		pdf  []byte
		text string
		info extract.PDFInfo
	}{
		{
			name: "uncompressed page: Tj, TJ with a wide gap, T*, ' and a WinAnsi octal escape",
			pdf:  testdata(t, "pan_plain.pdf"),
			text: "INCOME TAX DEPARTMENT\nPermanent Account Number: ABCDE1234F\nName: ASHA VERMA\nFather’s Name: RAVI VERMA\nDate of Birth: 05-10-1996",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 129},
		},
		{
			name: "Flate pages in page-tree order, content array, hex string, inline image skipped, form XObject last",
			pdf:  testdata(t, "marksheet_flate.pdf"),
			text: "CENTRAL BOARD OF SECONDARY EDUCATION\nRoll No: 4012345\nResult: PASS\nSubject: MATHEMATICS Marks: 091\nName: ANITA DÉSAI K.\nVerified by DigiLocker",
			info: extract.PDFInfo{Pages: 2, ContentStreams: 4, TextLength: 143},
		},
		{
			name: "page tree inside an object stream with a cross-reference stream",
			pdf:  testdata(t, "licence_objstm.pdf"),
			text: "Licence No: DL0420110012345",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 27},
		},
		{
			name: "encrypted PDF gives no text and Encrypted",
			pdf:  testdata(t, "encrypted.pdf"),
			info: extract.PDFInfo{Encrypted: true},
		},
		{
			name: "a page without text operators gives no text",
			pdf:  minimalPDF("", "0 0 m 100 100 l S"),
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1},
		},
		{
			name: "a stream with an unsupported filter is skipped and counted",
			pdf:  minimalPDF("/Filter /LZWDecode", "not really LZW"),
			info: extract.PDFInfo{Pages: 1, SkippedStreams: 1},
		},
		{
			name: "a Flate stream with a predictor is skipped and counted",
			pdf:  minimalPDF("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", "x"),
			info: extract.PDFInfo{Pages: 1, SkippedStreams: 1},
		},
		{
			name: "raw deflate without a zlib header is read; Tm, TD and \" operators",
			pdf: func() []byte {
				z := zlibBytes([]byte(`BT 1 0 0 1 72 700 Tm (A) Tj 0 -14 TD (B) Tj 0 0 (C) " (D) Tj 5 0 Td (E) Tj ET`))
				raw := z[2 : len(z)-4] // strip the zlib header and checksum
				return minimalPDF("/Filter /FlateDecode", string(raw))
			}(),
			text: "A\nB\nCD E",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 8},
		},
		{
			name: "no /Root: pages are found by /Type /Page; wrong /Length falls back to endstream",
			pdf:  []byte("%PDF-1.7\n3 0 obj << /Type /Page /Contents 4 0 R >> endobj\n4 0 obj << /Length 999 >>\nstream\nBT (Hello) Tj ET\nendstream\nendobj\n%%EOF"),
			text: "Hello",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 5},
		},
		{
			name: "a later definition of an object replaces the earlier one (incremental update)",
			pdf: append(minimalPDF("", "BT (old) Tj ET"),
				[]byte("4 0 obj << /Length 14 >>\nstream\nBT (new) Tj ET\nendstream\nendobj\ntrailer << /Root 1 0 R /Prev 9 >>\n%%EOF\n")...),
			text: "new",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 3},
		},
		{
			name: "text in a page tree cycle is read once",
			pdf: []byte("%PDF-1.4\n1 0 obj << /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [2 0 R 3 0 R 3 0 R] >> endobj\n" +
				"3 0 obj << /Type /Page /Contents [4 0 R 4 0 R] >> endobj\n4 0 obj << /Length 13 >>\nstream\nBT (x) Tj ET\nendstream\nendobj\ntrailer << /Root 1 0 R >>"),
			text: "x",
			info: extract.PDFInfo{Pages: 1, ContentStreams: 1, TextLength: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, info, err := extract.PDFText(tt.pdf)
			if err != nil {
				t.Fatal(err)
			}
			if text != tt.text {
				t.Errorf("text\n got  %q\n want %q", text, tt.text)
			}
			if info != tt.info {
				t.Errorf("info %+v, want %+v", info, tt.info)
			}
		})
	}
}

// objStmSameOffset is an object stream whose header points n objects at
// the same large array.
func objStmSameOffset(n int) []byte {
	var head bytes.Buffer
	for i := range n {
		fmt.Fprintf(&head, "%d 0 ", i+10)
	}
	data := append(head.Bytes(), "["+strings.Repeat("0 ", 1<<20)+"]"...)
	z := zlibBytes(data)
	return fmt.Appendf(nil, "%%PDF-1.5\n5 0 obj << /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n",
		n, head.Len(), len(z), z)
}

// TestPDFTextRefused checks the PDFs that are errors, with the sentinel and
// the exact message.
func TestPDFTextRefused(t *testing.T) {
	fiveStreams := func(each int) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.4\n3 0 obj << /Type /Page /Contents [")
		for i := 10; i < 15; i++ {
			fmt.Fprintf(&b, "%d 0 R ", i)
		}
		b.WriteString("] >> endobj\n")
		z := zlibBytes([]byte("BT (" + strings.Repeat("A", each) + ") Tj ET"))
		for i := 10; i < 15; i++ {
			fmt.Fprintf(&b, "%d 0 obj << /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", i, len(z), z)
		}
		return b.Bytes()
	}
	tests := []struct {
		name string
		pdf  []byte
		kind error
		msg  string
	}{
		{"a stream inflating over MaxPDFStreamSize is a decompression bomb", testdata(t, "bomb.pdf"), extract.ErrLimit,
			"extract: PDF: document over a limit: stream of object 4 inflates to more than 4194304 bytes (decompression bomb)"},
		{"streams inflating over MaxPDFDecoded together are a decompression bomb", testdata(t, "bomb_total.pdf"), extract.ErrLimit,
			"extract: PDF: document over a limit: streams inflate to more than 16777216 bytes in total (decompression bomb)"},
		{"text over MaxPDFText is refused", fiveStreams(extract.MaxPDFText/4 - 100), extract.ErrLimit,
			"extract: PDF: content stream of object 14: document over a limit: extracted text is over 1048576 bytes"},
		{"empty input is malformed", nil, extract.ErrMalformed,
			"extract: PDF: malformed document: empty document"},
		{"XML is not a PDF", testdata(t, "hscer.xml"), extract.ErrMalformed,
			"extract: PDF: malformed document: not a PDF: no %PDF- header in the first 1024 bytes"},
		{"size over MaxPDFSize is refused", append([]byte("%PDF-1.4\n"), make([]byte, extract.MaxPDFSize)...), extract.ErrLimit,
			"extract: PDF: document over a limit: PDF is 10485769 bytes, over the limit of 10485760"},
		{"an unterminated string is malformed", []byte("%PDF-1.4\n1 0 obj (abc endobj"), extract.ErrMalformed,
			"extract: PDF: malformed document: unterminated string at byte 17"},
		{"a bad hex string is malformed", []byte("%PDF-1.4\n1 0 obj <12G4> endobj"), extract.ErrMalformed,
			"extract: PDF: malformed document: bad hex string at byte 17"},
		{"a stream without endstream is malformed", []byte("%PDF-1.4\n1 0 obj << /Length 5 >>\nstream\nabcdef"), extract.ErrMalformed,
			"extract: PDF: object 1: malformed document: stream at byte 40 has no endstream"},
		{"a stream outside an object is malformed", []byte("%PDF-1.4\n<< >> stream\nx\nendstream"), extract.ErrMalformed,
			"extract: PDF: malformed document: stream outside an object at byte 15"},
		{"a dictionary key that is not a name is malformed", []byte("%PDF-1.4\n1 0 obj << 5 6 >> endobj"), extract.ErrMalformed,
			"extract: PDF: malformed document: dictionary key is not a name at byte 20"},
		{"nesting over 32 levels is refused", []byte("%PDF-1.4\n1 0 obj " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + " endobj"), extract.ErrLimit,
			"extract: PDF: document over a limit: arrays and dictionaries nested deeper than 32"},
		{"corrupt Flate data is malformed", minimalPDF("/Filter /FlateDecode", "not flate"), extract.ErrMalformed,
			"extract: PDF: malformed document: stream of object 4: bad Flate data: flate: corrupt input before offset 1"},
		{"an inline image without EI is malformed", minimalPDF("", "BI /W 1 ID xyz"), extract.ErrMalformed,
			"extract: PDF: content stream of object 4: malformed document: inline image at byte 2 has no EI"},
		{"an object stream with a bad header is malformed",
			[]byte("%PDF-1.5\n5 0 obj << /Type /ObjStm /N 2 /First 4 /Length 7 >>\nstream\n1 0 <<>>\nendstream\nendobj"), extract.ErrMalformed,
			"extract: PDF: malformed document: object stream 5 has a bad header"},
		{"object stream offsets that do not increase are malformed (one value cannot be parsed many times)", objStmSameOffset(50000), extract.ErrMalformed,
			"extract: PDF: malformed document: object stream 5 has a bad header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, _, err := extract.PDFText(tt.pdf)
			if text != "" || !errors.Is(err, tt.kind) {
				t.Fatalf("got %q, %v; want an error wrapping %v", text, err, tt.kind)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got  %s\n want %s", err, tt.msg)
			}
		})
	}
}

// TestDocumentPDF reads regex fields from the synthetic PDFs with
// testdata/config_pdf.yaml.
func TestDocumentPDF(t *testing.T) {
	cfg, err := extract.ParseConfig(testdata(t, "config_pdf.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e := newExtractor(t, cfg)
	tests := []struct {
		name    string
		doctype string
		file    string
		want    map[string]string
	}{
		{"PAN PDF gives pan, name and dob; a field absent from the text is no_match", "PANCR", "pan_plain.pdf", map[string]string{
			"pan": "ABCDE1234F", "name": "ASHA VERMA", "dob": "1996-10-05",
			"aadhaar": "no_match: regex does not match the PDF text",
		}},
		{"Flate marksheet gives roll number, lower-cased result and marks", "HSCER", "marksheet_flate.pdf", map[string]string{
			"roll_no": "4012345", "result": "pass", "maths": "091",
		}},
		{"licence PDF with object streams gives the number", "DRVLC", "licence_objstm.pdf", map[string]string{
			"number": "DL0420110012345",
		}},
		{"encrypted PDF gives no_text for every field", "PANCR", "encrypted.pdf", map[string]string{
			"pan":     "no_text: PDF is encrypted; its text is not read",
			"name":    "no_text: PDF is encrypted; its text is not read",
			"dob":     "no_text: PDF is encrypted; its text is not read",
			"aadhaar": "no_text: PDF is encrypted; its text is not read",
		}},
		{"a pdf doctype without fields keeps only the hash and size", "HPCER", "marksheet_flate.pdf", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := testdata(t, tt.file)
			res, err := e.Document(tt.doctype, body)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffMaps(summary(res.Fields), tt.want); d != "" {
				t.Errorf("fields differ:\n%s", d)
			}
			if res.FetchType != extract.FetchPDF || res.PDF == nil || res.SHA256 != sha256Hex(body) || res.Size != len(body) {
				t.Errorf("fetch type %q PDF %v SHA256 %s size %d", res.FetchType, res.PDF, res.SHA256, res.Size)
			}
		})
	}

	body := testdata(t, "pan_plain.pdf")
	res, err := e.Document("PANCR", body)
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Fields["pan"]
	want := extract.FieldResult{
		Doctype: "PANCR", Field: "pan", Status: extract.StatusFound, Value: "ABCDE1234F", Raw: "ABCDE1234F",
		Regex: `Permanent Account Number:\s*([A-Z]{5}[0-9]{4}[A-Z])`, EvidenceSHA256: sha256Hex(body),
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	if _, err := e.Document("PANCR", testdata(t, "bomb.pdf")); !errors.Is(err, extract.ErrLimit) ||
		err.Error() != "extract: PANCR document: document over a limit: stream of object 4 inflates to more than 4194304 bytes (decompression bomb)" {
		t.Errorf("bomb: %v", err)
	}
}
