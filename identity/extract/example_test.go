package extract_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/pramaan/pramaan/identity/extract"
)

// Resolve profile fields from the documents a citizen shared: the class XII
// marksheet was not shared, so education falls back to the class X one.
func ExampleExtractor_Profile() {
	e, err := extract.New(extract.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	sscer, err := os.ReadFile("testdata/sscer.xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := e.Profile(map[string][]byte{"SSCER": sscer}) // HSCER absent: not shared
	if err != nil {
		fmt.Println(err)
		return
	}
	edu := res.Fields["education"]
	fmt.Println(edu.Status, edu.Value)
	fmt.Println("from", edu.Source.Doctype, edu.Source.Path, "@"+edu.Source.Attr)
	for _, c := range edu.Tried {
		fmt.Println(strings.TrimSpace(fmt.Sprintln("tried", c.Doctype+"."+c.Field, c.Status, c.Reason)))
	}
	fmt.Println("evidence", edu.Source.EvidenceSHA256 == res.Documents["SSCER"].SHA256)
	xii := res.Fields["class_xii_result"]
	fmt.Println(xii.Status, xii.Reason)
	// Output:
	// found SECONDARY SCHOOL EXAMINATION
	// from SSCER ./CertificateData/Examination @name
	// tried HSCER.examination not_found document HSCER not shared
	// tried SSCER.examination found
	// evidence true
	// not_found no candidate found (tried HSCER.result)
}

// Read the fields of one document with a configuration given as YAML.
func ExampleExtractor_Document() {
	cfg, err := extract.ParseConfig([]byte(`
doctypes:
  HSCER:
    fetch_type: xml
    fields:
      dob:    {path: ./IssuedTo/Person, attr: dob, transform: date_dmy}
      maths:  {path: ".//Subject[@code='041']", attr: marksTotal}
      rank:   {path: ./CertificateData/Performance, attr: rank}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := extract.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, err := os.ReadFile("testdata/hscer.xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := e.Document("HSCER", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"dob", "maths", "rank"} {
		f := res.Fields[name]
		if f.Found() {
			fmt.Println(name, f.Value)
		} else {
			fmt.Println(name, f.Status+":", f.Reason)
		}
	}
	// Output:
	// dob 1996-10-05
	// maths 91
	// rank not_found: attribute rank not present on ./CertificateData/Performance
}

// Configuration errors name the offending key.
func ExampleParseConfig() {
	_, err := extract.ParseConfig([]byte(`
doctypes:
  HSCER:
    fetch_type: xml
    fields:
      dob: {path: ./IssuedTo/Person, attr: dob, transform: date_ymd}
profile:
  education:
    fallback: [{doctype: HSCER, field: exam}]
`))
	fmt.Println(err)
	// Output:
	// extract: config doctypes.HSCER.fields.dob.transform: unknown transform "date_ymd" (known: active, date_dmy, lower, upper)
	// extract: config profile.education.fallback[0].field: field "exam" is not defined under doctypes.HSCER.fields
}

// Extract the text of a PDF to write a regex field against it.
func ExamplePDFText() {
	pdf, err := os.ReadFile("testdata/pan_plain.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, info, err := extract.PDFText(pdf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(text)
	fmt.Printf("%d page, %d content stream\n", info.Pages, info.ContentStreams)
	// Output:
	// INCOME TAX DEPARTMENT
	// Permanent Account Number: ABCDE1234F
	// Name: ASHA VERMA
	// Father’s Name: RAVI VERMA
	// Date of Birth: 05-10-1996
	// 1 page, 1 content stream
}
