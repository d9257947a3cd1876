package extract_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/identity/extract"
)

// tried renders the candidates a profile value tried, each as
// "DOCTYPE.field=value" or "DOCTYPE.field: code: reason".
func tried(v *extract.ProfileValue) string {
	var s []string
	for _, f := range v.Tried {
		if f.Found() {
			s = append(s, f.Doctype+"."+f.Field+"="+f.Value)
		} else {
			s = append(s, f.Doctype+"."+f.Field+": "+string(f.Code)+": "+f.Reason)
		}
	}
	return strings.Join(s, " | ")
}

// TestProfileFallback checks the fallback chains of the default
// configuration: education (HSCER, then SSCER), class_xii_result (HSCER
// only) and class_x_result (SSCER only).
func TestProfileFallback(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	hscer, sscer := testdata(t, "hscer.xml"), testdata(t, "sscer.xml")
	hscerBare := testdata(t, "hscer_no_performance.xml")
	type want struct {
		value   string // "" when not found
		from    string // DOCTYPE of the match
		matched int
		tried   string
		reason  string
	}
	tests := []struct {
		name string
		docs map[string][]byte
		want map[string]want
	}{
		{
			name: "HSCER present: education comes from HSCER, SSCER is not tried",
			docs: map[string][]byte{"HSCER": hscer, "SSCER": sscer},
			want: map[string]want{
				"education":        {value: "ALL INDIA SENIOR SCHOOL CERTIFICATE EXAMINATION", from: "HSCER", matched: 0, tried: "HSCER.examination=ALL INDIA SENIOR SCHOOL CERTIFICATE EXAMINATION"},
				"class_xii_result": {value: "PASS", from: "HSCER", matched: 0, tried: "HSCER.result=PASS"},
				"class_x_result":   {value: "QUALIFIED FOR ADMISSION TO HIGHER CLASSES", from: "SSCER", matched: 0, tried: "SSCER.result=QUALIFIED FOR ADMISSION TO HIGHER CLASSES"},
			},
		},
		{
			name: "HSCER absent: education comes from SSCER after HSCER is not shared",
			docs: map[string][]byte{"SSCER": sscer},
			want: map[string]want{
				"education": {value: "SECONDARY SCHOOL EXAMINATION", from: "SSCER", matched: 1,
					tried: "HSCER.examination: not_shared: document HSCER not shared | SSCER.examination=SECONDARY SCHOOL EXAMINATION"},
				"class_xii_result": {matched: -1, tried: "HSCER.result: not_shared: document HSCER not shared",
					reason: "no candidate found (tried HSCER.result)"},
				"class_x_result": {value: "QUALIFIED FOR ADMISSION TO HIGHER CLASSES", from: "SSCER", matched: 0, tried: "SSCER.result=QUALIFIED FOR ADMISSION TO HIGHER CLASSES"},
			},
		},
		{
			name: "both absent: not found with both candidates tried",
			docs: map[string][]byte{},
			want: map[string]want{
				"education": {matched: -1,
					tried:  "HSCER.examination: not_shared: document HSCER not shared | SSCER.examination: not_shared: document SSCER not shared",
					reason: "no candidate found (tried HSCER.examination, SSCER.examination)"},
				"class_xii_result": {matched: -1, tried: "HSCER.result: not_shared: document HSCER not shared",
					reason: "no candidate found (tried HSCER.result)"},
				"class_x_result": {matched: -1, tried: "SSCER.result: not_shared: document SSCER not shared",
					reason: "no candidate found (tried SSCER.result)"},
			},
		},
		{
			name: "HSCER present but its node missing: education falls through to SSCER",
			docs: map[string][]byte{"HSCER": hscerBare, "SSCER": sscer},
			want: map[string]want{
				"education": {value: "SECONDARY SCHOOL EXAMINATION", from: "SSCER", matched: 1,
					tried: "HSCER.examination: node_missing: node ./CertificateData/Examination not present | SSCER.examination=SECONDARY SCHOOL EXAMINATION"},
				"class_xii_result": {matched: -1, tried: "HSCER.result: node_missing: node ./CertificateData/Performance not present",
					reason: "no candidate found (tried HSCER.result)"},
				"class_x_result": {value: "QUALIFIED FOR ADMISSION TO HIGHER CLASSES", from: "SSCER", matched: 0, tried: "SSCER.result=QUALIFIED FOR ADMISSION TO HIGHER CLASSES"},
			},
		},
		{
			name: "a doctype the configuration does not define is ignored",
			docs: map[string][]byte{"RVCER": []byte("not even XML"), "HSCER": hscer},
			want: map[string]want{
				"education":        {value: "ALL INDIA SENIOR SCHOOL CERTIFICATE EXAMINATION", from: "HSCER", matched: 0, tried: "HSCER.examination=ALL INDIA SENIOR SCHOOL CERTIFICATE EXAMINATION"},
				"class_xii_result": {value: "PASS", from: "HSCER", matched: 0, tried: "HSCER.result=PASS"},
				"class_x_result": {matched: -1, tried: "SSCER.result: not_shared: document SSCER not shared",
					reason: "no candidate found (tried SSCER.result)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Profile(tt.docs)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Fields) != len(extract.DefaultConfig().Profile) {
				t.Errorf("%d profile fields, want every configured one", len(res.Fields))
			}
			for name, w := range tt.want {
				v := res.Fields[name]
				if v == nil || v.Name != name {
					t.Fatalf("%s: %+v", name, v)
				}
				if got := tried(v); got != w.tried {
					t.Errorf("%s: tried\n got  %s\n want %s", name, got, w.tried)
				}
				if v.Matched != w.matched || v.Reason != w.reason {
					t.Errorf("%s: matched %d reason %q, want %d %q", name, v.Matched, v.Reason, w.matched, w.reason)
				}
				if w.value == "" {
					if v.Found() || v.Status != extract.StatusNotFound || v.Value != "" || v.Source != nil {
						t.Errorf("%s: want not found, got %+v", name, v)
					}
					continue
				}
				if !v.Found() || v.Value != w.value || v.Source == nil || v.Source.Doctype != w.from || v.Source != v.Tried[v.Matched] {
					t.Errorf("%s: got %+v, want %q from %s", name, v, w.value, w.from)
					continue
				}
				if v.Source.EvidenceSHA256 != sha256Hex(tt.docs[w.from]) {
					t.Errorf("%s: evidence %s is not the SHA-256 of the %s document", name, v.Source.EvidenceSHA256, w.from)
				}
			}
			for code, body := range tt.docs {
				dr, ok := res.Documents[code]
				if code == "RVCER" {
					if ok {
						t.Errorf("unconfigured RVCER in Documents")
					}
					continue
				}
				if !ok || dr.SHA256 != sha256Hex(body) || dr.Size != len(body) {
					t.Errorf("Documents[%s] = %+v", code, dr)
				}
			}
		})
	}
}

// TestProfileNotSharedCarriesPath checks that a candidate from a document
// not shared still names the path it would have used, and no evidence.
func TestProfileNotSharedCarriesPath(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	res, err := e.Profile(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Fields["pan"].Tried[0]
	want := extract.FieldResult{
		Doctype: "PANCR", Field: "pan", Status: extract.StatusNotFound, Path: "./CertificateData/PAN", Attr: "num",
		Code: extract.CodeNotShared, Reason: "document PANCR not shared",
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if v, ok := res.Value("pan"); ok || v != "" {
		t.Errorf("Value(pan) = %q, %v", v, ok)
	}
}

// TestProfileAcrossDocuments resolves the identity fields of the default
// configuration from several documents at once.
func TestProfileAcrossDocuments(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	res, err := e.Profile(map[string][]byte{
		"PANCR": testdata(t, "pancr.xml"),
		"DRVLC": testdata(t, "drvlc_ns.xml"),
		"SSCER": testdata(t, "sscer.xml"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for name, v := range res.Fields {
		if v.Found() {
			got[name] = v.Value + " <- " + v.Source.Doctype + "." + v.Source.Field
		} else {
			got[name] = v.Reason
		}
	}
	want := map[string]string{
		"name":             "ASHA VERMA <- PANCR.name",
		"birth_date":       "1996-10-05 <- SSCER.dob",
		"gender":           "F <- PANCR.gender",
		"pan":              "ABCDE1234F <- PANCR.pan",
		"driving_licence":  "DL0420110012345 <- DRVLC.number",
		"education":        "SECONDARY SCHOOL EXAMINATION <- SSCER.examination",
		"class_xii_result": "no candidate found (tried HSCER.result)",
		"class_x_result":   "QUALIFIED FOR ADMISSION TO HIGHER CLASSES <- SSCER.result",
	}
	if d := diffMaps(got, want); d != "" {
		t.Errorf("profile differs:\n%s", d)
	}
}

// TestProfileRefused checks that a shared document that cannot be read is
// an error naming its doctype, even when no chain needs it.
func TestProfileRefused(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	tests := []struct {
		name string
		docs map[string][]byte
		kind error
		msg  string
	}{
		{"a DOCTYPE in a shared document", map[string][]byte{"SSCER": testdata(t, "sscer.xml"), "HSCER": testdata(t, "doctype_entity.xml")}, extract.ErrDTD,
			"extract: HSCER document: DTDs and entity declarations are refused: <!DOCTYPE declaration at byte 39"},
		{"a present but empty document", map[string][]byte{"PANCR": {}}, extract.ErrMalformed,
			"extract: PANCR document: malformed document: empty document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Profile(tt.docs)
			if res != nil || !errors.Is(err, tt.kind) || err.Error() != tt.msg {
				t.Errorf("got %v, %v\nwant %s", res, err, tt.msg)
			}
		})
	}
}

// TestExtractorConcurrent uses one Extractor from several goroutines (run
// with -race).
func TestExtractorConcurrent(t *testing.T) {
	e := newExtractor(t, extract.DefaultConfig())
	docs := map[string][]byte{"HSCER": testdata(t, "hscer.xml"), "SSCER": testdata(t, "sscer.xml")}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				res, err := e.Profile(docs)
				if err == nil {
					if v, _ := res.Value("class_xii_result"); v != "PASS" {
						err = errors.New("class_xii_result = " + v)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
