package extract_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pramaan/pramaan/identity/extract"
)

// FuzzDocumentXML checks that no input makes Document panic, that errors
// wrap ErrMalformed, ErrDTD or ErrLimit, that a DOCTYPE is never accepted,
// and that a result has every configured field with a consistent status.
func FuzzDocumentXML(f *testing.F) {
	for _, name := range []string{"hscer.xml", "sscer.xml", "hscer_no_performance.xml", "pancr.xml", "drvlc_ns.xml",
		"adhar.xml", "doctype_entity.xml", "billion_laughs.xml"} {
		f.Add(testdata(f, name))
	}
	for _, seed := range []string{
		"", "<Certificate/>", `<c:Certificate xmlns:c="u"><c:IssuedTo/></c:Certificate>`,
		`<Certificate status="A" status="B"/>`, "<a>&amp;&#0;&#x10FFFF;</a>", "\xEF\xBB\xBF<a/>", "<a:/>",
	} {
		f.Add([]byte(seed))
	}
	e := newExtractor(f, extract.DefaultConfig())
	want := len(extract.DefaultConfig().Doctypes["HSCER"].Fields)
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := e.Document("HSCER", body)
		if err != nil {
			if !errors.Is(err, extract.ErrMalformed) && !errors.Is(err, extract.ErrDTD) && !errors.Is(err, extract.ErrLimit) {
				t.Fatalf("error %v wraps no input sentinel", err)
			}
			return
		}
		if strings.Contains(string(body), "<!DOCTYPE") && !strings.Contains(string(body), "<![CDATA[") && !strings.Contains(string(body), "<!--") {
			t.Fatalf("a document with a DOCTYPE was accepted")
		}
		checkFields(t, res.Fields, want, res.SHA256)
	})
}

// FuzzPDFText checks that no input makes PDFText or Document panic, that
// errors wrap ErrMalformed or ErrLimit, and that text is valid UTF-8 within
// MaxPDFText.
func FuzzPDFText(f *testing.F) {
	for _, name := range []string{"pan_plain.pdf", "marksheet_flate.pdf", "licence_objstm.pdf", "encrypted.pdf"} {
		f.Add(testdata(f, name))
	}
	for _, seed := range []string{
		"%PDF-1.4\n1 0 obj (a\\101\\\n) endobj",
		"%PDF-1.4\n3 0 obj << /Type /Page /Contents 4 0 R >> endobj 4 0 obj << /Length 2 >>\nstream\nBT [(a) -300 (b)] TJ ET BI ID x EI\nendstream",
		"%PDF-1.5\n5 0 obj << /Type /ObjStm /N 1 /First 4 /Length 9 >>\nstream\n1 0 <<>>\nendstream",
		"%PDF-<</A#20B[1 2 R]>>trailer<</Root 1 0 R/Encrypt<<>>>>",
	} {
		f.Add([]byte(seed))
	}
	cfg, err := extract.ParseConfig(testdata(f, "config_pdf.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	e := newExtractor(f, cfg)
	want := len(cfg.Doctypes["PANCR"].Fields)
	f.Fuzz(func(t *testing.T, pdf []byte) {
		text, info, err := extract.PDFText(pdf)
		if err != nil {
			if !errors.Is(err, extract.ErrMalformed) && !errors.Is(err, extract.ErrLimit) {
				t.Fatalf("error %v wraps no input sentinel", err)
			}
			if text != "" {
				t.Fatalf("text with an error")
			}
			return
		}
		if !utf8.ValidString(text) || len(text) > extract.MaxPDFText || info.TextLength != len(text) {
			t.Fatalf("text of %d bytes, valid UTF-8 %v, info %+v", len(text), utf8.ValidString(text), info)
		}
		if info.Encrypted && text != "" {
			t.Fatalf("text from an encrypted PDF")
		}
		res, err := e.Document("PANCR", pdf)
		if err != nil {
			t.Fatalf("Document fails where PDFText succeeded: %v", err)
		}
		checkFields(t, res.Fields, want, res.SHA256)
	})
}

// FuzzParseConfig checks that no document makes ParseConfig panic, that
// errors wrap ErrConfig, and that a configuration it accepts gives an
// Extractor.
func FuzzParseConfig(f *testing.F) {
	f.Add(testdata(f, "../default.yaml"))
	f.Add(testdata(f, "config_pdf.yaml"))
	for _, seed := range []string{
		"", "doctypes: {HSCER: {fetch_type: json}}",
		"doctypes: {HSCER: {fetch_type: xml, fields: {a: {path: './x[@y', attr: b}}}}",
		"doctypes: {HSCER: {fetch_type: pdf, fields: {a: {regex: '(a)(b)'}}}}",
		"doctypes: {HSCER: {fetch_type: xml, fields: {a: {path: .}}}}\nprofile: {p: {fallback: [{doctype: HSCER, field: a}, {doctype: X, field: a}]}}",
		"a: &a [*a, *a]", "x: 1\n---\ny: 2\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := extract.ParseConfig(data)
		if err != nil {
			if !errors.Is(err, extract.ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		e, err := extract.New(cfg)
		if err != nil {
			t.Fatalf("New refuses a configuration ParseConfig accepted: %v", err)
		}
		for code := range cfg.Doctypes {
			// Any document, of either kind, gives a result or an input error.
			for _, body := range [][]byte{[]byte("<Certificate/>"), []byte("%PDF-1.4\n")} {
				if _, err := e.Document(code, body); err != nil && !errors.Is(err, extract.ErrMalformed) {
					t.Fatalf("%s: %v", code, err)
				}
			}
		}
	})
}

func checkFields(t *testing.T, fields map[string]*extract.FieldResult, want int, sha string) {
	t.Helper()
	if len(fields) != want {
		t.Fatalf("%d fields, want %d", len(fields), want)
	}
	for name, fr := range fields {
		switch {
		case fr.EvidenceSHA256 != sha:
			t.Fatalf("%s: evidence %s, document %s", name, fr.EvidenceSHA256, sha)
		case fr.Status == extract.StatusFound && (fr.Value == "" || fr.Code != "" || fr.Reason != ""):
			t.Fatalf("%s: found with %+v", name, fr)
		case fr.Status == extract.StatusNotFound && (fr.Value != "" || fr.Code == "" || fr.Reason == ""):
			t.Fatalf("%s: not found with %+v", name, fr)
		case fr.Status != extract.StatusFound && fr.Status != extract.StatusNotFound:
			t.Fatalf("%s: status %q", name, fr.Status)
		}
	}
}
