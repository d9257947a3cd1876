package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/beevik/etree"
	"gopkg.in/yaml.v3"
)

// MaxConfigSize bounds a configuration document given to ParseConfig.
const MaxConfigSize = 256 << 10

// Limits on configuration values, checked by Config.Validate.
const (
	maxPathLen  = 256
	maxRegexLen = 1024
	maxNameLen  = 64
)

// FetchType says how a doctype is fetched from DigiLocker and therefore how
// its fields are read.
type FetchType string

const (
	// FetchXML: the issued document's Certificate XML; fields are read by
	// etree path and attribute.
	FetchXML FetchType = "xml"
	// FetchPDF: the issued document's PDF; fields are read by a regular
	// expression over the PDF's extracted text.
	FetchPDF FetchType = "pdf"
)

// Config is the extraction configuration: what to read from each doctype,
// and how each profile field falls back from one document to the next.
// It is parsed from YAML by ParseConfig or built in Go; New validates it.
type Config struct {
	// Doctypes maps a DigiLocker doctype (a 5-character code such as
	// "HSCER") to what is read from it.
	Doctypes map[string]Doctype `yaml:"doctypes"`
	// Profile maps a profile field name (such as "education") to its
	// fallback chain.
	Profile map[string]ProfileField `yaml:"profile"`
}

// Doctype is the configuration of one doctype.
type Doctype struct {
	FetchType FetchType        `yaml:"fetch_type"`
	Fields    map[string]Field `yaml:"fields"`
}

// Field says where a field's value is in a document. For an xml doctype,
// Path and Attr are used; for a pdf doctype, Regex. Transform applies to
// either.
type Field struct {
	// Path is an etree path (github.com/beevik/etree Path syntax) evaluated
	// from the root element, e.g. "./IssuedTo/Person" or ".//Performance".
	// Element names match by local name: namespace prefixes and default
	// namespaces in the document are ignored.
	Path string `yaml:"path,omitempty"`
	// Attr is the attribute to read on the first element Path selects; empty
	// reads the element's text. Only unprefixed attributes can be read.
	Attr string `yaml:"attr,omitempty"`
	// Regex is a regular expression (Go RE2 syntax) with exactly one
	// capture group, matched against the text extracted from a PDF; the
	// group of the first match is the value.
	Regex string `yaml:"regex,omitempty"`
	// Transform is applied to the trimmed value; empty keeps it as is.
	Transform Transform `yaml:"transform,omitempty"`
}

// ProfileField is the fallback chain of a profile field: the candidates
// are tried in order and the first one found gives the value.
type ProfileField struct {
	Fallback []Source `yaml:"fallback"`
}

// Source names one field of one doctype.
type Source struct {
	Doctype string `yaml:"doctype"`
	Field   string `yaml:"field"`
}

func (s Source) String() string { return s.Doctype + "." + s.Field }

// ParseConfig parses and validates a YAML configuration. Unknown keys,
// values of the wrong type, several YAML documents, a document over
// MaxConfigSize and every Validate problem are errors wrapping ErrConfig.
func ParseConfig(data []byte) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("extract: %w: document is %d bytes, over the limit of %d", ErrConfig, len(data), MaxConfigSize)
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("extract: %w: empty document", ErrConfig)
		}
		return nil, fmt.Errorf("extract: %w: %v", ErrConfig, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("extract: %w: more than one YAML document", ErrConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

var (
	doctypeRE = regexp.MustCompile(`^[A-Z0-9]{5}$`)
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	attrRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
)

// Validate reports every problem of the configuration at once, as
// errors.Join of *ConfigError values (each wrapping ErrConfig) in a stable
// order: doctypes by code, fields by name, then profile fields by name.
func (c *Config) Validate() error {
	var p problems
	if c == nil {
		p.add("(root)", "configuration is nil")
		return p.err()
	}
	if len(c.Doctypes) == 0 {
		p.add("doctypes", "at least one doctype is required")
	}
	for _, code := range slices.Sorted(maps.Keys(c.Doctypes)) {
		dt := c.Doctypes[code]
		key := "doctypes." + code
		if !doctypeRE.MatchString(code) {
			p.add(key, "doctype must be a 5-character code of capital letters and digits")
		}
		switch dt.FetchType {
		case FetchXML, FetchPDF:
		case "":
			p.add(key+".fetch_type", "fetch_type is required (xml or pdf)")
		default:
			p.add(key+".fetch_type", "unknown fetch_type %q (known: xml, pdf)", string(dt.FetchType))
		}
		for _, name := range slices.Sorted(maps.Keys(dt.Fields)) {
			validateField(&p, key+".fields."+name, name, dt.FetchType, dt.Fields[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Profile)) {
		key := "profile." + name
		if !validName(name) {
			p.add(key, "profile field name must match [a-z][a-z0-9_]* and have at most %d characters", maxNameLen)
		}
		chain := c.Profile[name].Fallback
		if len(chain) == 0 {
			p.add(key+".fallback", "fallback chain is empty")
		}
		seen := make(map[Source]bool, len(chain))
		for i, src := range chain {
			ikey := fmt.Sprintf("%s.fallback[%d]", key, i)
			if seen[src] {
				p.add(ikey, "%s appears twice in the chain", src)
				continue
			}
			seen[src] = true
			dt, ok := c.Doctypes[src.Doctype]
			switch {
			case src.Doctype == "":
				p.add(ikey+".doctype", "doctype is required")
			case !ok:
				p.add(ikey+".doctype", "doctype %q is not defined under doctypes", src.Doctype)
			case src.Field == "":
				p.add(ikey+".field", "field is required")
			default:
				if _, ok := dt.Fields[src.Field]; !ok {
					p.add(ikey+".field", "field %q is not defined under doctypes.%s.fields", src.Field, src.Doctype)
				}
			}
		}
	}
	return p.err()
}

func validName(name string) bool { return len(name) <= maxNameLen && nameRE.MatchString(name) }

func validateField(p *problems, key, name string, ft FetchType, f Field) {
	if !validName(name) {
		p.add(key, "field name must match [a-z][a-z0-9_]* and have at most %d characters", maxNameLen)
	}
	if _, ok := transforms[f.Transform]; !ok {
		p.add(key+".transform", "unknown transform %q (known: %s)", string(f.Transform), strings.Join(transformNames(), ", "))
	}
	switch ft {
	case FetchXML:
		if f.Regex != "" {
			p.add(key+".regex", "regex applies to pdf doctypes only; use path and attr")
		}
		switch {
		case f.Path == "":
			p.add(key+".path", "path is required")
		case len(f.Path) > maxPathLen:
			p.add(key+".path", "path is longer than %d characters", maxPathLen)
		default:
			if _, err := compilePath(f.Path); err != nil {
				p.add(key+".path", "bad etree path %q: %v", f.Path, err)
			}
		}
		if f.Attr != "" && (len(f.Attr) > maxNameLen || !attrRE.MatchString(f.Attr)) {
			p.add(key+".attr", "attr %q is not an unprefixed XML attribute name", f.Attr)
		}
	case FetchPDF:
		if f.Path != "" || f.Attr != "" {
			p.add(key, "path and attr apply to xml doctypes only; use regex")
		}
		switch {
		case f.Regex == "":
			p.add(key+".regex", "regex is required")
		case len(f.Regex) > maxRegexLen:
			p.add(key+".regex", "regex is longer than %d characters", maxRegexLen)
		default:
			re, err := regexp.Compile(f.Regex)
			if err != nil {
				p.add(key+".regex", "bad regular expression: %v", err)
			} else if n := re.NumSubexp(); n != 1 {
				p.add(key+".regex", "regex must have exactly one capture group, has %d (use (?:...) for grouping)", n)
			}
		}
	}
}

// compilePath compiles an etree path, turning a panic inside etree into an
// error (paths come from configuration, which may be outside input).
func compilePath(path string) (p etree.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("etree path compiler failed: %v", r)
		}
	}()
	return etree.CompilePath(path)
}

// clone returns a deep copy, so that an Extractor is not changed by later
// changes to the Config it was built from.
func (c *Config) clone() *Config {
	out := &Config{Doctypes: make(map[string]Doctype, len(c.Doctypes)), Profile: make(map[string]ProfileField, len(c.Profile))}
	for code, dt := range c.Doctypes {
		out.Doctypes[code] = Doctype{FetchType: dt.FetchType, Fields: maps.Clone(dt.Fields)}
	}
	for name, pf := range c.Profile {
		out.Profile[name] = ProfileField{Fallback: slices.Clone(pf.Fallback)}
	}
	return out
}
