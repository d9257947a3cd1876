package extract

// Status says whether a field was found.
type Status string

const (
	StatusFound    Status = "found"
	StatusNotFound Status = "not_found"
)

// Code says, for a field not found, why; it is empty for a found field.
type Code string

const (
	// CodeNotShared: the citizen did not share the document.
	CodeNotShared Code = "not_shared"
	// CodeNodeMissing: the path selects no element.
	CodeNodeMissing Code = "node_missing"
	// CodeAttrMissing: the element has no such attribute.
	CodeAttrMissing Code = "attr_missing"
	// CodeEmpty: the attribute or text is empty or only white space.
	CodeEmpty Code = "empty"
	// CodeInvalidValue: the value is present but its transform refused it
	// (for example a date that is not DD-MM-YYYY).
	CodeInvalidValue Code = "invalid_value"
	// CodeNoMatch: the regular expression does not match the PDF's text.
	CodeNoMatch Code = "no_match"
	// CodeNoText: no text could be extracted from the PDF (it is encrypted,
	// or has no text in a form this package reads).
	CodeNoText Code = "no_text"
)

// FieldResult is the outcome of reading one field of one document.
// Reason never quotes document content, so it may be logged; Value and Raw
// are claims and must not be.
type FieldResult struct {
	Doctype string
	Field   string
	Status  Status
	// Value is the transformed value when found.
	Value string
	// Raw is the value as read (trimmed), before the transform.
	Raw string
	// Path and Attr are the XML location used (xml doctypes); Regex the
	// expression used (pdf doctypes).
	Path  string
	Attr  string
	Regex string
	// Code and Reason explain a field not found, e.g. CodeNotShared and
	// "document HSCER not shared", or CodeNodeMissing and
	// "node ./CertificateData/Performance not present".
	Code   Code
	Reason string
	// EvidenceSHA256 is the hex SHA-256 of the exact document bytes the
	// field was read from; empty when the document was not shared.
	EvidenceSHA256 string
}

// Found reports whether the field was found.
func (r *FieldResult) Found() bool { return r != nil && r.Status == StatusFound }

// DocumentResult is the outcome of reading every configured field of one
// document.
type DocumentResult struct {
	Doctype   string
	FetchType FetchType
	// SHA256 (hex) and Size describe the exact bytes given, so that the
	// caller can record provenance and keep the original file.
	SHA256 string
	Size   int
	// Fields holds one result per configured field, found or not.
	Fields map[string]*FieldResult
	// PDF describes the text extraction of a pdf doctype; nil for xml.
	PDF *PDFInfo
}

// Value returns the value of a found field.
func (r *DocumentResult) Value(field string) (string, bool) {
	f := r.Fields[field]
	if !f.Found() {
		return "", false
	}
	return f.Value, true
}

// ProfileValue is a profile field resolved through its fallback chain.
type ProfileValue struct {
	Name   string
	Status Status
	// Value is the value of the matching candidate when found.
	Value string
	// Source is the matching candidate's result (doctype, field, path,
	// evidence hash); nil when no candidate was found.
	Source *FieldResult
	// Matched is the index in Tried of the matching candidate, -1 when none.
	Matched int
	// Tried holds the result of every candidate tried, in chain order, up
	// to and including the match.
	Tried []*FieldResult
	// Reason explains a field not found, e.g.
	// "no candidate found (tried HSCER.result, SSCER.result)".
	Reason string
}

// Found reports whether the profile field was found.
func (v *ProfileValue) Found() bool { return v != nil && v.Status == StatusFound }

// ProfileResult is the outcome of Extractor.Profile.
type ProfileResult struct {
	// Fields holds one value per configured profile field.
	Fields map[string]*ProfileValue
	// Documents holds the result of every configured doctype that was
	// shared, with its hash and size.
	Documents map[string]*DocumentResult
}

// Value returns the value of a found profile field.
func (r *ProfileResult) Value(name string) (string, bool) {
	v := r.Fields[name]
	if !v.Found() {
		return "", false
	}
	return v.Value, true
}
