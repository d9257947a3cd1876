package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Extractor reads configured fields from documents. It is immutable once
// built and safe for concurrent use.
type Extractor struct {
	cfg      *Config
	doctypes map[string]*compiledDoctype
	profile  []compiledProfile // sorted by name
}

type compiledDoctype struct {
	code      string
	fetchType FetchType
	fields    []compiledField // sorted by name
}

type compiledField struct {
	name      string
	path      string
	compiled  etree.Path
	attr      string
	regex     *regexp.Regexp
	transform Transform
}

type compiledProfile struct {
	name  string
	chain []Source
}

// New validates cfg and compiles it into an Extractor. Later changes to cfg
// do not affect the Extractor.
func New(cfg *Config) (*Extractor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.clone()
	e := &Extractor{cfg: cfg, doctypes: make(map[string]*compiledDoctype, len(cfg.Doctypes))}
	for code, dt := range cfg.Doctypes {
		cd := &compiledDoctype{code: code, fetchType: dt.FetchType}
		for _, name := range slices.Sorted(maps.Keys(dt.Fields)) {
			f := dt.Fields[name]
			cf := compiledField{name: name, path: f.Path, attr: f.Attr, transform: f.Transform}
			var err error
			switch dt.FetchType {
			case FetchXML:
				cf.compiled, err = compilePath(f.Path)
			case FetchPDF:
				cf.regex, err = regexp.Compile(f.Regex)
			}
			if err != nil { // Validate has compiled both already
				return nil, fmt.Errorf("extract: compiling doctypes.%s.fields.%s: %w", code, name, err)
			}
			cd.fields = append(cd.fields, cf)
		}
		e.doctypes[code] = cd
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Profile)) {
		e.profile = append(e.profile, compiledProfile{name: name, chain: cfg.Profile[name].Fallback})
	}
	return e, nil
}

// Config returns a copy of the configuration the Extractor was built from.
func (e *Extractor) Config() *Config { return e.cfg.clone() }

// Document reads every configured field of one document of the given
// doctype. Fields that are absent give a not_found FieldResult, not an
// error. The error is for a doctype the configuration does not define
// (ErrUnknownDoctype) and for a document that cannot be read: malformed
// (ErrMalformed), carrying a DTD or entity declaration (ErrDTD), or over a
// limit (ErrLimit).
func (e *Extractor) Document(doctype string, body []byte) (*DocumentResult, error) {
	cd, ok := e.doctypes[doctype]
	if !ok {
		return nil, fmt.Errorf("extract: %w: %q", ErrUnknownDoctype, doctype)
	}
	res, err := cd.extract(body)
	if err != nil {
		return nil, fmt.Errorf("extract: %s document: %w", doctype, err)
	}
	return res, nil
}

// Profile resolves every profile field through its fallback chain over the
// documents the citizen shared: docs maps a doctype to the document's
// bytes, and a doctype absent from docs was not shared. Every configured
// doctype present in docs is read once (the result's Documents), so a
// malformed one is an error even if no chain reaches it; doctypes the
// configuration does not define are ignored. A present but empty document
// is malformed.
func (e *Extractor) Profile(docs map[string][]byte) (*ProfileResult, error) {
	res := &ProfileResult{
		Fields:    make(map[string]*ProfileValue, len(e.profile)),
		Documents: make(map[string]*DocumentResult),
	}
	for _, code := range slices.Sorted(maps.Keys(docs)) {
		if _, ok := e.doctypes[code]; !ok {
			continue
		}
		dr, err := e.Document(code, docs[code])
		if err != nil {
			return nil, err
		}
		res.Documents[code] = dr
	}
	for _, pf := range e.profile {
		v := &ProfileValue{Name: pf.name, Status: StatusNotFound, Matched: -1}
		for _, src := range pf.chain {
			var fr *FieldResult
			if dr, ok := res.Documents[src.Doctype]; ok {
				fr = dr.Fields[src.Field]
			} else {
				fr = notShared(e.doctypes[src.Doctype], src.Field)
			}
			v.Tried = append(v.Tried, fr)
			if fr.Found() {
				v.Status, v.Value, v.Source, v.Matched = StatusFound, fr.Value, fr, len(v.Tried)-1
				break
			}
		}
		if !v.Found() {
			names := make([]string, len(pf.chain))
			for i, src := range pf.chain {
				names[i] = src.String()
			}
			v.Reason = "no candidate found (tried " + strings.Join(names, ", ") + ")"
		}
		res.Fields[pf.name] = v
	}
	return res, nil
}

// notShared is the result of a field of a document that was not shared.
func notShared(cd *compiledDoctype, field string) *FieldResult {
	fr := &FieldResult{
		Doctype: cd.code, Field: field, Status: StatusNotFound,
		Code: CodeNotShared, Reason: "document " + cd.code + " not shared",
	}
	for _, f := range cd.fields {
		if f.name == field {
			fr.Path, fr.Attr = f.path, f.attr
			if f.regex != nil {
				fr.Regex = f.regex.String()
			}
		}
	}
	return fr
}

func (cd *compiledDoctype) extract(body []byte) (*DocumentResult, error) {
	sum := sha256.Sum256(body)
	res := &DocumentResult{
		Doctype:   cd.code,
		FetchType: cd.fetchType,
		SHA256:    hex.EncodeToString(sum[:]),
		Size:      len(body),
		Fields:    make(map[string]*FieldResult, len(cd.fields)),
	}
	switch cd.fetchType {
	case FetchXML:
		root, err := parseXML(body)
		if err != nil {
			return nil, err
		}
		for i := range cd.fields {
			res.Fields[cd.fields[i].name] = cd.fields[i].fromXML(cd.code, root, res.SHA256)
		}
	case FetchPDF:
		text, info, err := pdfText(body)
		if err != nil {
			return nil, err
		}
		res.PDF = &info
		for i := range cd.fields {
			res.Fields[cd.fields[i].name] = cd.fields[i].fromText(cd.code, text, info, res.SHA256)
		}
	}
	return res, nil
}

func (f *compiledField) result(doctype, evidence string) *FieldResult {
	return &FieldResult{Doctype: doctype, Field: f.name, Path: f.path, Attr: f.attr, EvidenceSHA256: evidence}
}

func (r *FieldResult) notFound(code Code, reason string) *FieldResult {
	r.Status, r.Code, r.Reason = StatusNotFound, code, reason
	return r
}

func (f *compiledField) fromXML(doctype string, root *etree.Element, evidence string) *FieldResult {
	r := f.result(doctype, evidence)
	el := root.FindElementPath(f.compiled)
	if el == nil {
		return r.notFound(CodeNodeMissing, "node "+f.path+" not present")
	}
	var raw, what string
	if f.attr == "" {
		raw, what = el.Text(), "text of "+f.path
	} else {
		a := el.SelectAttr(f.attr)
		if a == nil {
			return r.notFound(CodeAttrMissing, "attribute "+f.attr+" not present on "+f.path)
		}
		raw, what = a.Value, "attribute "+f.attr+" of "+f.path
	}
	return f.finish(r, raw, what)
}

func (f *compiledField) fromText(doctype, text string, info PDFInfo, evidence string) *FieldResult {
	r := f.result(doctype, evidence)
	r.Regex = f.regex.String()
	switch {
	case info.Encrypted:
		return r.notFound(CodeNoText, "PDF is encrypted; its text is not read")
	case strings.TrimSpace(text) == "":
		return r.notFound(CodeNoText, "no text extracted from the PDF")
	}
	m := f.regex.FindStringSubmatch(text)
	if m == nil {
		return r.notFound(CodeNoMatch, "regex does not match the PDF text")
	}
	return f.finish(r, m[1], "regex capture")
}

// finish trims raw, refuses an empty value and applies the transform.
func (f *compiledField) finish(r *FieldResult, raw, what string) *FieldResult {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return r.notFound(CodeEmpty, what+" is empty")
	}
	out, problem, ok := transforms[f.transform](raw)
	if !ok {
		return r.notFound(CodeInvalidValue, what+" "+problem)
	}
	r.Status, r.Raw, r.Value = StatusFound, raw, out
	return r
}
