package sandbox

import (
	"fmt"
	"hash/fnv"
	"html"
	"strings"
)

// Citizen is a test citizen with a DigiLocker account and issued
// documents. All values are synthetic.
type Citizen struct {
	DigiLockerID string
	Name         string
	// DOB is DDMMYYYY, as DigiLocker sends it.
	DOB      string
	Gender   string
	EAadhaar bool
	Mobile   string
	// Documents are the issued documents, keyed by URI.
	Documents []Document
	// AadhaarLast4 is the last four digits of the Aadhaar number: the
	// e-Aadhaar uid is xxxxxxxx followed by them.
	AadhaarLast4 string
	// Address is the e-Aadhaar address (Poa).
	Address Address
	// Local is the name and address in a local language (LData); none
	// when Lang is empty.
	Local LocalData
}

// Address is an Aadhaar address with the e-Aadhaar's fields (Poa: co,
// house, street, lm, loc, vtc, po, subdist, dist, state, pc, country).
type Address struct {
	CareOf, House, Street, Landmark, Locality, VTC string
	PostOffice, SubDistrict, District, State       string
	Pincode, Country                               string
}

// LocalData is the local-language part of the e-Aadhaar (LData); Lang is
// UIDAI's language code (13 Marathi, 16 Tamil, …).
type LocalData struct {
	Lang, Name, CareOf, Landmark, Locality, VTC, District, State string
}

// Document is an issued document with its certificate XML and a PDF.
type Document struct {
	URI, DocType, Name, IssuerID, Issuer, Date string
	XML                                        []byte
	PDF                                        []byte
}

// DefaultCitizens are the embedded default's test citizens: one with every
// document type the reference names (Aadhaar, PAN, driving licence, class
// X and XII marksheets), one with only a class X marksheet, one without
// e-Aadhaar.
func DefaultCitizens() []Citizen {
	cs := []Citizen{
		newCitizen("9a1c5e0e-0000-4000-8000-000000000001", "Asha Verma", "14081994", "F", true, "98XXXXXX21",
			"ADHAR", "PANCR", "DRVLC", "SSCER", "HSCER"),
		newCitizen("9a1c5e0e-0000-4000-8000-000000000002", "Rohan Iyer", "02012006", "M", true, "97XXXXXX43", "ADHAR", "SSCER"),
		newCitizen("9a1c5e0e-0000-4000-8000-000000000003", "Meera Das", "30111988", "F", false, "99XXXXXX65", "PANCR"),
	}
	cs[0].AadhaarLast4 = "4821"
	cs[0].Address = Address{CareOf: "D/O Ramesh Verma", House: "12", Street: "MG Road", Landmark: "Near Shivaji Nagar Bus Stand",
		Locality: "Shivaji Nagar", VTC: "Pune", PostOffice: "Shivajinagar", SubDistrict: "Pune City", District: "Pune",
		State: "Maharashtra", Pincode: "411005", Country: "India"}
	cs[0].Local = LocalData{Lang: "13", Name: "आशा वर्मा", CareOf: "रमेश वर्मा यांची मुलगी", Landmark: "शिवाजी नगर बस स्थानकाजवळ",
		Locality: "शिवाजी नगर", VTC: "पुणे", District: "पुणे", State: "महाराष्ट्र"}
	cs[1].AadhaarLast4 = "7305"
	cs[1].Address = Address{CareOf: "S/O Venkat Iyer", House: "4/22", Street: "TTK Road", Locality: "Alwarpet", VTC: "Chennai",
		PostOffice: "Alwarpet", SubDistrict: "Mylapore", District: "Chennai", State: "Tamil Nadu", Pincode: "600018", Country: "India"}
	cs[2].AadhaarLast4 = "1190"
	return cs
}

func newCitizen(id, name, dob, gender string, eaadhaar bool, mobile string, doctypes ...string) Citizen {
	c := Citizen{DigiLockerID: id, Name: name, DOB: dob, Gender: gender, EAadhaar: eaadhaar, Mobile: mobile}
	short := strings.ReplaceAll(id[len(id)-6:], "-", "")
	for i, dt := range doctypes {
		c.Documents = append(c.Documents, document(c, dt, fmt.Sprintf("%s%02d", short, i)))
	}
	return c
}

// dmy turns DDMMYYYY into DD-MM-YYYY, the certificate XML's date form.
func dmy(d string) string { return d[:2] + "-" + d[2:4] + "-" + d[4:] }

func document(c Citizen, doctype, serial string) Document {
	person := fmt.Sprintf(`<IssuedTo><Person uid="" title="" name=%q dob=%q swd="" swdIndicator="" motherName="" gender=%q phone="" email=""><Address type="permanent" line1="12 MG Road" line2="" house="" landmark="" locality="Shivaji Nagar" vtc="Pune" district="Pune" pin="411005" state="Maharashtra" country="IN"/></Person></IssuedTo>`,
		html.EscapeString(c.Name), dmy(c.DOB), c.Gender)
	var d Document
	switch doctype {
	case "ADHAR":
		d = Document{DocType: doctype, Name: "Aadhaar Card", IssuerID: "in.gov.uidai", Issuer: "Unique Identification Authority of India",
			URI: "in.gov.uidai-ADHAR-" + fmt.Sprintf("%032s", serial)}
	case "PANCR":
		h := fnv.New32a()
		h.Write([]byte(c.DigiLockerID))
		pan := "ABCP" + c.Name[:1] + fmt.Sprintf("%04d", h.Sum32()%10000) + "K"
		d = Document{DocType: doctype, Name: "PAN Verification Record", IssuerID: "in.gov.pan", Issuer: "Income Tax Department", URI: "in.gov.pan-PANCR-" + pan}
		d.XML = fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?><Certificate language="99" name="PAN Verification Record" type="PANCR" number=%q issuedAt="New Delhi" issueDate="05-06-2015" status="A"><IssuedBy><Organization name="Income Tax Department" code="ITD" type="CG"/></IssuedBy>%s<CertificateData><PAN num=%q/></CertificateData></Certificate>`, pan, person, pan)
	case "DRVLC":
		dl := "MH12 2014" + serial
		d = Document{DocType: doctype, Name: "Driving License", IssuerID: "in.gov.transport", Issuer: "Ministry of Road Transport and Highways", URI: "in.gov.transport-DRVLC-" + strings.ReplaceAll(dl, " ", "")}
		d.XML = fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?><Certificate xmlns="http://tempuri.org/" language="99" name="Driving License" type="DRVLC" number=%q prevNumber="" issuedAt="Pune" issueDate="10-03-2014" validFromDate="10-03-2014" expiryDate="09-03-2034" status="Active"><IssuedBy><Organization name="RTO Pune" code="MH12" type="SG"/></IssuedBy>%s<CertificateData><DrivingLicense code="NT" abbreviation="MCWG,LMV" description="Motor cycle with gear, light motor vehicle" issueDate="10-03-2014" endorseDate=""/></CertificateData></Certificate>`, dl, person)
	case "SSCER", "HSCER":
		exam, name, roll := "SECONDARY SCHOOL EXAMINATION", "Class X Marksheet", "2010"
		subjects := `<Subject name="ENGLISH" code="184" marksTheory="88" marksMax="100"/><Subject name="MATHEMATICS" code="041" marksTheory="91" marksMax="100"/><Subject name="SCIENCE" code="086" marksTheory="85" marksMax="100"/>`
		result, total, year := "PASS", "264", "2010"
		if doctype == "HSCER" {
			exam, name, roll = "SENIOR SCHOOL CERTIFICATE EXAMINATION", "Class XII Marksheet", "2012"
			subjects = `<Subject name="ENGLISH CORE" code="301" marksTheory="82" marksMax="100"/><Subject name="PHYSICS" code="042" marksTheory="79" marksMax="100"/><Subject name="CHEMISTRY" code="043" marksTheory="84" marksMax="100"/>`
			total, year = "245", "2012"
		}
		if c.DOB[4:] == "2006" { // the younger citizen sat in 2022
			year = "2022"
		}
		rollNo := roll + serial
		d = Document{DocType: doctype, Name: name, IssuerID: "in.cbse", Issuer: "Central Board of Secondary Education", URI: "in.cbse-" + doctype + "-" + rollNo}
		d.XML = fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?><Certificate language="99" name=%q type=%q number=%q issuedAt="Delhi" issueDate="28-05-%s" status="A"><IssuedBy><Organization name="Central Board of Secondary Education" code="CBSE" type="CG"/></IssuedBy>%s<CertificateData><School name="Kendriya Vidyalaya Pune" code="1132"/><Examination name=%q month="MAR" year=%q/><Performance result=%q marksTotal=%q marksMax="300"><Subjects>%s</Subjects></Performance></CertificateData></Certificate>`,
			name, doctype, rollNo, year, person, exam, year, result, total, subjects)
	default:
		panic("sandbox: unknown doctype " + doctype)
	}
	d.Date = "15-05-2020"
	d.PDF = minimalPDF(d.Name + " of " + c.Name)
	return d
}

// minimalPDF is a one-page PDF showing text: what /file/{uri} serves.
func minimalPDF(text string) []byte {
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}
