package extract_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/extract"
)

// TestDocumentXMLDefaultConfig reads every synthetic Certificate with the
// default configuration and states the outcome of every field.
func TestDocumentXMLDefaultConfig(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	tests := []struct {
		name    string
		doctype string
		file    string
		want    map[string]string
	}{
		{
			name: "class XII marksheet gives every field, dates as YYYY-MM-DD", doctype: "HSCER", file: "hscer.xml",
			want: map[string]string{
				"number": "4012345", "name": "ASHA VERMA", "dob": "1996-10-05",
				"mother_name": "SUNITA VERMA", "father_name": "RAVI VERMA",
				"school": "Sarvodaya Vidyalaya, Rohini", "school_code": "41234",
				"examination": "ALL INDIA SENIOR SCHOOL CERTIFICATE EXAMINATION", "exam_month": "MAR", "exam_year": "2014",
				"result": "PASS", "marks_total": "412", "status_active": "true",
			},
		},
		{
			name: "class X marksheet with an empty marksTotal gives it as empty", doctype: "SSCER", file: "sscer.xml",
			want: map[string]string{
				"number": "3012345", "name": "ASHA VERMA", "dob": "1996-10-05",
				"mother_name": "SUNITA VERMA", "father_name": "RAVI VERMA",
				"school": "Sarvodaya Vidyalaya, Rohini", "school_code": "41234",
				"examination": "SECONDARY SCHOOL EXAMINATION", "exam_month": "MAR", "exam_year": "2012",
				"result":        "QUALIFIED FOR ADMISSION TO HIGHER CLASSES",
				"marks_total":   "empty: attribute marksTotal of ./CertificateData/Performance is empty",
				"status_active": "true",
			},
		},
		{
			name: "class XII marksheet without Performance and Examination nodes gives node_missing", doctype: "HSCER", file: "hscer_no_performance.xml",
			want: map[string]string{
				"number": "4099999", "name": "ASHA VERMA", "dob": "1996-10-05",
				"mother_name": "attr_missing: attribute motherName not present on ./IssuedTo/Person",
				"father_name": "attr_missing: attribute swd not present on ./IssuedTo/Person",
				"school":      "Sarvodaya Vidyalaya, Rohini", "school_code": "41234",
				"examination":   "node_missing: node ./CertificateData/Examination not present",
				"exam_month":    "node_missing: node ./CertificateData/Examination not present",
				"exam_year":     "node_missing: node ./CertificateData/Examination not present",
				"result":        "node_missing: node ./CertificateData/Performance not present",
				"marks_total":   "node_missing: node ./CertificateData/Performance not present",
				"status_active": "true",
			},
		},
		{
			name: "driving licence with a default namespace on the root and status Active matches by local name", doctype: "DRVLC", file: "drvlc_ns.xml",
			want: map[string]string{
				"number": "DL0420110012345", "name": "ANAND KUMAR", "dob": "1988-10-01", "gender": "M",
				"relative_name": "PRAMOD KUMAR", "issued_at": "New Delhi", "issue_date": "2011-01-01",
				"valid_from": "2011-01-01", "expiry_date": "2030-12-31", "vehicle_classes": "MCWG,LMV",
				"status_active": "true",
			},
		},
		{
			name: "PAN record upper-cases the PAN and the gender", doctype: "PANCR", file: "pancr.xml",
			want: map[string]string{
				"pan": "ABCDE1234F", "name": "ASHA VERMA", "dob": "1996-10-05", "gender": "F", "status_active": "true",
			},
		},
		{
			name: "Aadhaar XML gives the KycRes fields, an empty landmark-free address and the photo text", doctype: "ADHAR", file: "adhar.xml",
			want: map[string]string{
				"name": "Asha Verma", "dob": "1996-10-05", "gender": "F", "uid_masked": "xxxxxxxx1234",
				"care_of": "D/O Ravi Verma", "house": "12", "street": "Main Road", "locality": "Sector 4",
				"vtc": "Rohini", "district": "North West Delhi", "state": "Delhi", "pincode": "110085", "country": "India",
				"photo": "/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAP//////////",
			},
		},
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
			if res.Doctype != tt.doctype || res.FetchType != extract.FetchXML || res.PDF != nil {
				t.Errorf("doctype %q fetch type %q PDF %v", res.Doctype, res.FetchType, res.PDF)
			}
			if want := sha256Hex(body); res.SHA256 != want || res.Size != len(body) {
				t.Errorf("SHA256 %s size %d, want %s %d", res.SHA256, res.Size, want, len(body))
			}
			for name, f := range res.Fields {
				if f.EvidenceSHA256 != res.SHA256 || f.Doctype != tt.doctype || f.Field != name {
					t.Errorf("%s: evidence %q doctype %q field %q", name, f.EvidenceSHA256, f.Doctype, f.Field)
				}
			}
		})
	}
}

// TestDocumentXMLFieldResult checks the provenance carried by one result.
func TestDocumentXMLFieldResult(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	body := testdata(t, "hscer.xml")
	res, err := e.Document("HSCER", body)
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Fields["dob"]
	want := extract.FieldResult{
		Doctype: "HSCER", Field: "dob", Status: extract.StatusFound,
		Value: "1996-10-05", Raw: "05-10-1996", Path: "./IssuedTo/Person", Attr: "dob",
		EvidenceSHA256: sha256Hex(body),
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if v, ok := res.Value("dob"); !ok || v != "1996-10-05" {
		t.Errorf("Value(dob) = %q, %v", v, ok)
	}
	if v, ok := res.Value("no_such_field"); ok || v != "" {
		t.Errorf("Value(no_such_field) = %q, %v", v, ok)
	}
}

// TestDocumentXMLPaths covers path forms, text values, transforms and
// XML details with a configuration made for the purpose.
func TestDocumentXMLPaths(t *testing.T) {
	cfg := &extract.Config{Doctypes: map[string]extract.Doctype{
		"HSCER": {FetchType: extract.FetchXML, Fields: map[string]extract.Field{
			"first_subject":   {Path: ".//Subject", Attr: "name"},
			"maths_total":     {Path: ".//Subject[@code='041']", Attr: "marksTotal"},
			"no_such_subject": {Path: ".//Subject[@code='999']", Attr: "marksTotal"},
			"photo":           {Path: "./IssuedTo/Person/Photo"},
			"photo_format":    {Path: "./IssuedTo/Person/Photo", Attr: "format", Transform: extract.TransformUpper},
			"school_text":     {Path: "./CertificateData/School"},
			"expiry":          {Path: ".", Attr: "expiryDate", Transform: extract.TransformDateDMY},
			"issue_lower":     {Path: "/Certificate", Attr: "issuedAt", Transform: extract.TransformLower},
			"signature":       {Path: "./Signature/SignatureValue"},
		}},
	}}
	e := newExtractor(t, cfg)
	res, err := e.Document("HSCER", testdata(t, "hscer.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"first_subject":   "ENGLISH CORE",
		"maths_total":     "91",
		"no_such_subject": "node_missing: node .//Subject[@code='999'] not present",
		"photo":           "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////",
		"photo_format":    "JPG",
		"school_text":     "empty: text of ./CertificateData/School is empty",
		"expiry":          "empty: attribute expiryDate of . is empty",
		"issue_lower":     "delhi",
		"signature":       "c3ludGhldGljLW5vdC1hLXNpZ25hdHVyZQ==",
	}
	if d := diffMaps(summary(res.Fields), want); d != "" {
		t.Errorf("fields differ:\n%s", d)
	}
}

// TestDocumentXMLVariants covers values and XML forms on small inline
// documents.
func TestDocumentXMLVariants(t *testing.T) {
	cfg := &extract.Config{Doctypes: map[string]extract.Doctype{
		"DRVLC": {FetchType: extract.FetchXML, Fields: map[string]extract.Field{
			"name":   {Path: "./IssuedTo/Person", Attr: "name"},
			"dob":    {Path: "./IssuedTo/Person", Attr: "dob", Transform: extract.TransformDateDMY},
			"active": {Path: ".", Attr: "status", Transform: extract.TransformActive},
			"text":   {Path: "./Note"},
		}},
	}}
	e := newExtractor(t, cfg)
	tests := []struct {
		name string
		xml  string
		want map[string]string
	}{
		{
			name: "status A is active, entities and character references are decoded, values trimmed",
			xml:  `<Certificate status="A"><IssuedTo><Person name="  RAM &amp; SHYAM &#x41;&#66; " dob="29-02-2000"/></IssuedTo><Note> a<![CDATA[<b>]]>c </Note></Certificate>`,
			want: map[string]string{"name": "RAM & SHYAM AB", "dob": "2000-02-29", "active": "true", "text": "a<b>c"},
		},
		{
			name: "status active in lower case is active; a date that does not exist is invalid",
			xml:  `<Certificate status="active"><IssuedTo><Person name="X" dob="29-02-2001"/></IssuedTo></Certificate>`,
			want: map[string]string{
				"name": "X", "dob": "invalid_value: attribute dob of ./IssuedTo/Person is not a DD-MM-YYYY date",
				"active": "true", "text": "node_missing: node ./Note not present",
			},
		},
		{
			name: "status I is not active; a date in another layout is invalid",
			xml:  `<Certificate status="I"><IssuedTo><Person name="X" dob="1996-10-05"/></IssuedTo><Note>  </Note></Certificate>`,
			want: map[string]string{
				"name": "X", "dob": "invalid_value: attribute dob of ./IssuedTo/Person is not a DD-MM-YYYY date",
				"active": "false", "text": "empty: text of ./Note is empty",
			},
		},
		{
			name: "single-digit day is invalid; a missing status attribute is attr_missing",
			xml:  `<Certificate><IssuedTo><Person name="X" dob="5-10-1996"/></IssuedTo><Note>n</Note></Certificate>`,
			want: map[string]string{
				"name": "X", "dob": "invalid_value: attribute dob of ./IssuedTo/Person is not a DD-MM-YYYY date",
				"active": "attr_missing: attribute status not present on .", "text": "n",
			},
		},
		{
			name: "prefixed root and children match by local name; prefixed attributes are not read",
			xml:  `<dl:Certificate xmlns:dl="urn:x" xmlns:o="urn:o" status="A"><dl:IssuedTo><dl:Person o:name="OTHER" name="P" dob="01-01-1990"/></dl:IssuedTo></dl:Certificate>`,
			want: map[string]string{"name": "P", "dob": "1990-01-01", "active": "true", "text": "node_missing: node ./Note not present"},
		},
		{
			name: "only a prefixed attribute is attr_missing",
			xml:  `<Certificate xmlns:o="urn:o" status="A"><IssuedTo><Person o:name="OTHER" dob="01-01-1990"/></IssuedTo></Certificate>`,
			want: map[string]string{
				"name": "attr_missing: attribute name not present on ./IssuedTo/Person", "dob": "1990-01-01",
				"active": "true", "text": "node_missing: node ./Note not present",
			},
		},
		{
			name: "UTF-8 byte order mark, comments and processing instructions are accepted",
			xml:  "\xEF\xBB\xBF<?xml version=\"1.0\"?><!-- c --><?pi x?><Certificate status=\"A\"><IssuedTo><Person name=\"आशा\" dob=\"01-01-1990\"/></IssuedTo></Certificate>\n<!-- trailing -->\n",
			want: map[string]string{"name": "आशा", "dob": "1990-01-01", "active": "true", "text": "node_missing: node ./Note not present"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Document("DRVLC", []byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffMaps(summary(res.Fields), tt.want); d != "" {
				t.Errorf("fields differ:\n%s", d)
			}
		})
	}
}

// TestDocumentXMLRefused checks the documents that are errors, with the
// sentinel and the exact message.
func TestDocumentXMLRefused(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	deep := strings.Repeat("<a>", extract.MaxXMLDepth+1) + strings.Repeat("</a>", extract.MaxXMLDepth+1)
	many := "<r>" + strings.Repeat("<a/>", extract.MaxXMLElements) + "</r>"
	big := "<r>" + strings.Repeat(" ", extract.MaxXMLSize) + "</r>"
	var attrs strings.Builder
	for i := range extract.MaxXMLAttrs + 1 {
		attrs.WriteString(" a" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `=""`)
	}
	tests := []struct {
		name    string
		doctype string
		body    []byte
		kind    error
		msg     string
	}{
		{"DOCTYPE with an internal entity is refused before it is read", "HSCER", testdata(t, "doctype_entity.xml"), extract.ErrDTD,
			"extract: HSCER document: DTDs and entity declarations are refused: <!DOCTYPE declaration at byte 39"},
		{"billion laughs is refused without expansion", "HSCER", testdata(t, "billion_laughs.xml"), extract.ErrDTD,
			"extract: HSCER document: DTDs and entity declarations are refused: <!DOCTYPE declaration at byte 22"},
		{"external entity DOCTYPE is refused", "PANCR", []byte(`<!DOCTYPE c SYSTEM "file:///etc/passwd"><Certificate/>`), extract.ErrDTD,
			"extract: PANCR document: DTDs and entity declarations are refused: <!DOCTYPE declaration at byte 0"},
		{"ENTITY declaration after the root is refused", "PANCR", []byte(`<Certificate/><!ENTITY x "y">`), extract.ErrDTD,
			"extract: PANCR document: DTDs and entity declarations are refused: <!ENTITY declaration at byte 14"},
		{"undeclared entity reference is malformed", "PANCR", []byte(`<Certificate a="&lol;"/>`), extract.ErrMalformed,
			"extract: PANCR document: malformed document: not well-formed XML: XML syntax error on line 1: invalid character entity &lol;"},
		{"empty document is malformed", "PANCR", nil, extract.ErrMalformed,
			"extract: PANCR document: malformed document: empty document"},
		{"comment only has no root element", "PANCR", []byte("<!-- nothing -->"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: no root element"},
		{"a second root element is malformed", "PANCR", []byte("<Certificate/><Certificate/>"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: second root element at byte 14"},
		{"text outside the root is malformed", "PANCR", []byte("<Certificate/>junk"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: text outside the root element at byte 14"},
		{"duplicate attribute is malformed", "PANCR", []byte(`<Certificate status="A" status="I"/>`), extract.ErrMalformed,
			"extract: PANCR document: malformed document: duplicate attribute status on element at byte 0"},
		{"unclosed element is malformed", "PANCR", []byte("<Certificate><IssuedTo>"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: not well-formed XML: XML syntax error on line 1: unexpected EOF"},
		{"mismatched end tag is malformed", "PANCR", []byte("<Certificate></IssuedTo>"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: not well-formed XML: XML syntax error on line 1: element <Certificate> closed by </IssuedTo>"},
		{"an element name with a misplaced colon is malformed", "PANCR", []byte("<Certificate:/>"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: element name with a misplaced colon at byte 0"},
		{"an encoding other than UTF-8 is malformed", "PANCR", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><Certificate/>`), extract.ErrMalformed,
			`extract: PANCR document: malformed document: not well-formed XML: xml: encoding "ISO-8859-1" declared but Decoder.CharsetReader is nil`},
		{"a PDF given for an xml doctype is malformed", "PANCR", testdata(t, "pan_plain.pdf"), extract.ErrMalformed,
			"extract: PANCR document: malformed document: not well-formed XML: XML syntax error on line 4: invalid UTF-8"},
		{"depth over MaxXMLDepth is refused", "PANCR", []byte(deep), extract.ErrLimit,
			"extract: PANCR document: document over a limit: elements nested deeper than 64"},
		{"element count over MaxXMLElements is refused", "PANCR", []byte(many), extract.ErrLimit,
			"extract: PANCR document: document over a limit: more than 20000 elements"},
		{"attributes over MaxXMLAttrs on one element are refused", "PANCR", []byte("<r" + attrs.String() + "/>"), extract.ErrLimit,
			"extract: PANCR document: document over a limit: element at byte 0 has more than 256 attributes"},
		{"size over MaxXMLSize is refused", "PANCR", []byte(big), extract.ErrLimit,
			"extract: PANCR document: document over a limit: XML document is 2097159 bytes, over the limit of 2097152"},
		{"a doctype the configuration does not define is an error", "RVCER", testdata(t, "hscer.xml"), extract.ErrUnknownDoctype,
			`extract: doctype not configured: "RVCER"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Document(tt.doctype, tt.body)
			if res != nil || !errors.Is(err, tt.kind) {
				t.Fatalf("got %v, %v; want an error wrapping %v", res, err, tt.kind)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got  %s\n want %s", err, tt.msg)
			}
		})
	}
}

// TestDocumentXMLBillionLaughsIsFast checks that refusal does not depend on
// the size of the would-be expansion.
func TestDocumentXMLBillionLaughsIsFast(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	body := testdata(t, "billion_laughs.xml")
	start := time.Now()
	for range 100 {
		if _, err := e.Document("HSCER", body); !errors.Is(err, extract.ErrDTD) {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100 refusals took %v", d)
	}
}

// TestDocumentXMLAtLimits checks that documents exactly at the limits are
// accepted.
func TestDocumentXMLAtLimits(t *testing.T) {
	cfg := &extract.Config{Doctypes: map[string]extract.Doctype{
		"PANCR": {FetchType: extract.FetchXML, Fields: map[string]extract.Field{"x": {Path: ".//a[@x]", Attr: "x"}}},
	}}
	e := newExtractor(t, cfg)
	deep := strings.Repeat("<a>", extract.MaxXMLDepth-1) + `<a x="deep"/>` + strings.Repeat("</a>", extract.MaxXMLDepth-1)
	many := "<r>" + strings.Repeat("<a/>", extract.MaxXMLElements-2) + `<a x="last"/></r>`
	var padded bytes.Buffer
	padded.WriteString(`<r><a x="big"/>`)
	padded.WriteString(strings.Repeat(" ", extract.MaxXMLSize-padded.Len()-len("</r>")))
	padded.WriteString("</r>")
	for name, tc := range map[string]struct{ body, want string }{
		"depth":    {deep, "deep"},
		"elements": {many, "last"},
		"size":     {padded.String(), "big"},
	} {
		res, err := e.Document("PANCR", []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v, _ := res.Value("x"); v != tc.want {
			t.Errorf("%s: x = %q, want %q", name, v, tc.want)
		}
	}
}
