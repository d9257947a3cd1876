package extract_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/identity/extract"
)

// TestDefaultConfig checks that the embedded default is valid and has the
// documented doctypes, fields and chains.
func TestDefaultConfig(t *testing.T) {
	cfg := extract.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for code, dt := range cfg.Doctypes {
		if dt.FetchType != extract.FetchXML {
			t.Errorf("%s: fetch_type %q", code, dt.FetchType)
		}
		fields[code] = strings.Join(slices.Sorted(maps.Keys(dt.Fields)), " ")
	}
	want := map[string]string{
		"ADHAR": "care_of country district dob gender house locality name photo pincode state street uid_masked vtc",
		"PANCR": "dob gender name pan status_active",
		"DRVLC": "dob expiry_date gender issue_date issued_at name number relative_name status_active valid_from vehicle_classes",
		"SSCER": "dob exam_month exam_year examination father_name marks_total mother_name name number result school school_code status_active",
		"HSCER": "dob exam_month exam_year examination father_name marks_total mother_name name number result school school_code status_active",
	}
	if d := diffMaps(fields, want); d != "" {
		t.Errorf("default fields differ:\n%s", d)
	}
	chains := map[string]string{}
	for name, pf := range cfg.Profile {
		var s []string
		for _, src := range pf.Fallback {
			s = append(s, src.String())
		}
		chains[name] = strings.Join(s, " ")
	}
	wantChains := map[string]string{
		"name":             "ADHAR.name PANCR.name DRVLC.name HSCER.name SSCER.name",
		"birth_date":       "ADHAR.dob SSCER.dob PANCR.dob DRVLC.dob HSCER.dob",
		"gender":           "ADHAR.gender PANCR.gender DRVLC.gender",
		"pan":              "PANCR.pan",
		"driving_licence":  "DRVLC.number",
		"education":        "HSCER.examination SSCER.examination",
		"class_xii_result": "HSCER.result",
		"class_x_result":   "SSCER.result",
	}
	if d := diffMaps(chains, wantChains); d != "" {
		t.Errorf("default chains differ:\n%s", d)
	}
	// Each call returns a fresh copy.
	cfg.Doctypes["HSCER"].Fields["dob"] = extract.Field{Path: "./x"}
	if got := extract.DefaultConfig().Doctypes["HSCER"].Fields["dob"].Path; got != "./IssuedTo/Person" {
		t.Errorf("DefaultConfig shares state: %q", got)
	}
}

// TestParseConfigRefused checks each configuration problem, with the exact
// message naming the offending key.
func TestParseConfigRefused(t *testing.T) {
	const head = "doctypes:\n  HSCER:\n    fetch_type: xml\n    fields:\n"
	tests := []struct {
		name string
		yaml string
		msg  string
	}{
		{"unknown fetch_type", "doctypes:\n  HSCER: {fetch_type: json}\n",
			`extract: config doctypes.HSCER.fetch_type: unknown fetch_type "json" (known: xml, pdf)`},
		{"missing fetch_type", "doctypes:\n  HSCER: {fields: {}}\n",
			`extract: config doctypes.HSCER.fetch_type: fetch_type is required (xml or pdf)`},
		{"empty path", head + "      dob: {attr: dob}\n",
			`extract: config doctypes.HSCER.fields.dob.path: path is required`},
		{"bad etree path", head + "      dob: {path: \"./IssuedTo/Person[@dob\", attr: dob}\n",
			`extract: config doctypes.HSCER.fields.dob.path: bad etree path "./IssuedTo/Person[@dob": etree: path has invalid filter [brackets].`},
		{"path too long", head + "      dob: {path: ./" + strings.Repeat("a/", 130) + "b}\n",
			`extract: config doctypes.HSCER.fields.dob.path: path is longer than 256 characters`},
		{"unknown transform", head + "      dob: {path: ./IssuedTo/Person, attr: dob, transform: date_ymd}\n",
			`extract: config doctypes.HSCER.fields.dob.transform: unknown transform "date_ymd" (known: active, date_dmy, lower, upper)`},
		{"prefixed attribute", head + "      dob: {path: ./IssuedTo/Person, attr: \"x:dob\"}\n",
			`extract: config doctypes.HSCER.fields.dob.attr: attr "x:dob" is not an unprefixed XML attribute name`},
		{"regex on an xml doctype", head + "      dob: {path: ., attr: dob, regex: '(x)'}\n",
			`extract: config doctypes.HSCER.fields.dob.regex: regex applies to pdf doctypes only; use path and attr`},
		{"path on a pdf doctype", "doctypes:\n  HSCER:\n    fetch_type: pdf\n    fields:\n      dob: {path: ., regex: '(x)'}\n",
			`extract: config doctypes.HSCER.fields.dob: path and attr apply to xml doctypes only; use regex`},
		{"pdf field without regex", "doctypes:\n  HSCER:\n    fetch_type: pdf\n    fields:\n      dob: {transform: date_dmy}\n",
			`extract: config doctypes.HSCER.fields.dob.regex: regex is required`},
		{"regex without a capture group", "doctypes:\n  HSCER:\n    fetch_type: pdf\n    fields:\n      dob: {regex: 'DOB: \\d+'}\n",
			`extract: config doctypes.HSCER.fields.dob.regex: regex must have exactly one capture group, has 0 (use (?:...) for grouping)`},
		{"regex with two capture groups", "doctypes:\n  HSCER:\n    fetch_type: pdf\n    fields:\n      dob: {regex: '(a)(b)'}\n",
			`extract: config doctypes.HSCER.fields.dob.regex: regex must have exactly one capture group, has 2 (use (?:...) for grouping)`},
		{"bad regex", "doctypes:\n  HSCER:\n    fetch_type: pdf\n    fields:\n      dob: {regex: '(a'}\n",
			"extract: config doctypes.HSCER.fields.dob.regex: bad regular expression: error parsing regexp: missing closing ): `(a`"},
		{"doctype not a 5-character code", "doctypes:\n  hscer: {fetch_type: xml}\n",
			`extract: config doctypes.hscer: doctype must be a 5-character code of capital letters and digits`},
		{"field name not lower snake case", head + "      Dob: {path: ., attr: dob}\n",
			`extract: config doctypes.HSCER.fields.Dob: field name must match [a-z][a-z0-9_]* and have at most 64 characters`},
		{"fallback naming an undefined doctype", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date:\n    fallback:\n      - {doctype: SSCER, field: dob}\n",
			`extract: config profile.birth_date.fallback[0].doctype: doctype "SSCER" is not defined under doctypes`},
		{"fallback naming an undefined field", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date:\n    fallback:\n      - {doctype: HSCER, field: dob}\n      - {doctype: HSCER, field: birth}\n",
			`extract: config profile.birth_date.fallback[1].field: field "birth" is not defined under doctypes.HSCER.fields`},
		{"fallback entry without a doctype", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date:\n    fallback:\n      - {field: dob}\n",
			`extract: config profile.birth_date.fallback[0].doctype: doctype is required`},
		{"fallback entry without a field", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date:\n    fallback:\n      - {doctype: HSCER}\n",
			`extract: config profile.birth_date.fallback[0].field: field is required`},
		{"empty fallback chain", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date: {fallback: []}\n",
			`extract: config profile.birth_date.fallback: fallback chain is empty`},
		{"a candidate twice in a chain", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth_date:\n    fallback: [{doctype: HSCER, field: dob}, {doctype: HSCER, field: dob}]\n",
			`extract: config profile.birth_date.fallback[1]: HSCER.dob appears twice in the chain`},
		{"bad profile field name", head + "      dob: {path: ., attr: dob}\nprofile:\n  birth-date:\n    fallback: [{doctype: HSCER, field: dob}]\n",
			`extract: config profile.birth-date: profile field name must match [a-z][a-z0-9_]* and have at most 64 characters`},
		{"no doctypes", "profile: {}\n",
			`extract: config doctypes: at least one doctype is required`},
		{"unknown key", "doctypes:\n  HSCER: {fetch_type: xml, feilds: {}}\n",
			"extract: invalid configuration: yaml: unmarshal errors:\n  line 2: field feilds not found in type extract.Doctype"},
		{"wrong type", "doctypes: [HSCER]\n",
			"extract: invalid configuration: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]extract.Doctype"},
		{"YAML syntax error", "doctypes: {HSCER: \n",
			"extract: invalid configuration: yaml: line 1: did not find expected node content"},
		{"two YAML documents", "doctypes: {HSCER: {fetch_type: xml}}\n---\ndoctypes: {}\n",
			"extract: invalid configuration: more than one YAML document"},
		{"empty document", "# nothing\n",
			"extract: invalid configuration: empty document"},
		{"document over MaxConfigSize", "#" + strings.Repeat(" ", extract.MaxConfigSize),
			"extract: invalid configuration: document is 262145 bytes, over the limit of 262144"},
		{"every problem is reported, in key order",
			"doctypes:\n  SSCER: {fetch_type: xml, fields: {a: {path: ''}}}\n  HSCER: {fetch_type: csv}\nprofile:\n  z: {fallback: [{doctype: X, field: y}]}\n  a: {fallback: []}\n",
			"extract: config doctypes.HSCER.fetch_type: unknown fetch_type \"csv\" (known: xml, pdf)\n" +
				"extract: config doctypes.SSCER.fields.a.path: path is required\n" +
				"extract: config profile.a.fallback: fallback chain is empty\n" +
				"extract: config profile.z.fallback[0].doctype: doctype \"X\" is not defined under doctypes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := extract.ParseConfig([]byte(tt.yaml))
			if cfg != nil || !errors.Is(err, extract.ErrConfig) {
				t.Fatalf("got %v, %v; want an error wrapping ErrConfig", cfg, err)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got  %s\n want %s", err, tt.msg)
			}
		})
	}
}

// TestConfigErrorKey checks that validation problems are *ConfigError
// values naming the key.
func TestConfigErrorKey(t *testing.T) {
	_, err := extract.ParseConfig([]byte("doctypes:\n  HSCER: {fetch_type: json}\n"))
	var ce *extract.ConfigError
	if !errors.As(err, &ce) || ce.Key != "doctypes.HSCER.fetch_type" || ce.Reason != `unknown fetch_type "json" (known: xml, pdf)` {
		t.Errorf("got %#v", ce)
	}
}

// TestNewWithGoConfig builds a configuration in Go and checks that New
// validates it, copies it, and refuses nil.
func TestNewWithGoConfig(t *testing.T) {
	cfg := &extract.Config{
		Doctypes: map[string]extract.Doctype{
			"PANCR": {FetchType: extract.FetchXML, Fields: map[string]extract.Field{
				"pan": {Path: "./CertificateData/PAN", Attr: "num", Transform: extract.TransformUpper},
			}},
		},
		Profile: map[string]extract.ProfileField{
			"pan": {Fallback: []extract.Source{{Doctype: "PANCR", Field: "pan"}}},
		},
	}
	e, err := extract.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Doctypes["PANCR"].Fields["pan"] = extract.Field{Path: "./Nowhere", Attr: "num"}
	cfg.Profile["pan"].Fallback[0].Field = "other"
	res, err := e.Profile(map[string][]byte{"PANCR": testdata(t, "pancr.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := res.Value("pan"); !ok || v != "ABCDE1234F" {
		t.Errorf("pan = %q, %v after changing the Config given to New", v, ok)
	}
	if got := e.Config().Doctypes["PANCR"].Fields["pan"].Path; got != "./CertificateData/PAN" {
		t.Errorf("Config() path %q", got)
	}

	if _, err := extract.New(nil); !errors.Is(err, extract.ErrConfig) || err.Error() != "extract: config (root): configuration is nil" {
		t.Errorf("New(nil): %v", err)
	}
	bad := &extract.Config{Doctypes: map[string]extract.Doctype{"PANCR": {FetchType: "xml", Fields: map[string]extract.Field{"pan": {Path: "["}}}}}
	if _, err := extract.New(bad); !errors.Is(err, extract.ErrConfig) {
		t.Errorf("New(bad path): %v", err)
	}
}
