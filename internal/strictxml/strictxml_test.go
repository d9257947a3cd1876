package strictxml_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/strictxml"
	"github.com/pramaan/pramaan/testvectors"
)

var lim = strictxml.Limits{MaxDepth: 6, MaxElements: 8, MaxAttrs: 3, RefuseComments: true, RefuseCDATA: true}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		lim  strictxml.Limits
		want error // nil: accepted
	}{
		{"plain document", `<?xml version="1.0" encoding="UTF-8"?><a x="1"><b/></a>`, lim, nil},
		{"BOM skipped", "\xEF\xBB\xBF<a/>", lim, nil},
		{"comment allowed when not refused", `<a><!-- c --></a>`, strictxml.Limits{MaxDepth: 6, MaxElements: 8, MaxAttrs: 3}, nil},
		{"CDATA allowed when not refused", `<a><![CDATA[x]]></a>`, strictxml.Limits{MaxDepth: 6, MaxElements: 8, MaxAttrs: 3}, nil},
		{"DOCTYPE", `<!DOCTYPE a><a/>`, lim, strictxml.ErrDeclaration},
		{"comment", `<a><!-- c --></a>`, lim, strictxml.ErrMalformed},
		{"comment before the root", `<!-- c --><a/>`, lim, strictxml.ErrMalformed},
		{"CDATA", `<a><![CDATA[x]]></a>`, lim, strictxml.ErrMalformed},
		{"undeclared entity", `<a>&x;</a>`, lim, strictxml.ErrMalformed},
		{"processing instruction", `<a><?pi x?></a>`, lim, strictxml.ErrMalformed},
		{"second declaration", `<a/><?xml version="1.0"?>`, lim, strictxml.ErrMalformed},
		{"two roots", `<a/><b/>`, lim, strictxml.ErrMalformed},
		{"text outside the root", `<a/>x`, lim, strictxml.ErrMalformed},
		{"no root", ``, lim, strictxml.ErrMalformed},
		{"duplicate attribute", `<a x="1" x="2"/>`, lim, strictxml.ErrMalformed},
		{"too many attributes", `<a w="1" x="1" y="1" z="1"/>`, lim, strictxml.ErrMalformed},
		{"too many elements", `<a>` + strings.Repeat("<b/>", 8) + `</a>`, lim, strictxml.ErrMalformed},
		{"too deep", strings.Repeat("<a>", 8) + strings.Repeat("</a>", 8), lim, strictxml.ErrMalformed},
		{"not UTF-8", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, lim, strictxml.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := strictxml.Parse([]byte(tc.doc), tc.lim)
			if tc.want == nil {
				if err != nil || root == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *strictxml.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) || root != nil {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestHasDTD(t *testing.T) {
	for doc, want := range map[string]bool{
		`<!DOCTYPE a><a/>`: true, `<!doctype a><a/>`: true, `<a><!ENTITY x "y"></a>`: true, `<a><!-- DOCTYPE --></a>`: false, `<a/>`: false, `<!`: false,
	} {
		if got := strictxml.HasDTD([]byte(doc)); got != want {
			t.Errorf("HasDTD(%q) = %v", doc, got)
		}
	}
}

func TestFindSignature(t *testing.T) {
	const sig = `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature>`
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"child of the root", `<a><b/>` + sig + `</a>`, true},
		{"none", `<a><b/></a>`, false},
		{"two", `<a>` + sig + sig + `</a>`, false},
		{"nested", `<a><b>` + sig + `</b></a>`, false},
		{"second one nested", `<a>` + sig + `<b>` + sig + `</b></a>`, false},
		{"other namespace", `<a><Signature xmlns="urn:x"/></a>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := strictxml.Parse([]byte(tc.doc), strictxml.Limits{MaxDepth: 8, MaxElements: 16, MaxAttrs: 4})
			if err != nil {
				t.Fatal(err)
			}
			s, err := strictxml.FindSignature(root)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, strictxml.ErrSignatureShape)) {
				t.Fatalf("got %v", err)
			}
			if tc.ok {
				if _, err := strictxml.Children(s, "SignedInfo"); err != nil {
					t.Fatal(err)
				}
				if _, err := strictxml.Children(s, "SignedInfo", "SignatureValue"); !errors.Is(err, strictxml.ErrSignatureShape) {
					t.Fatalf("Children with a missing element: %v", err)
				}
			}
		})
	}
}

func TestOneAndAttrs(t *testing.T) {
	root, err := strictxml.Parse([]byte(`<a><b x=" 1 " y="long value"/><c/><c/></a>`), strictxml.Limits{MaxDepth: 4, MaxElements: 8, MaxAttrs: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := strictxml.One(root, "b", true)
	if err != nil || b == nil {
		t.Fatal(err)
	}
	if _, err := strictxml.One(root, "c", false); !errors.Is(err, strictxml.ErrMalformed) {
		t.Fatalf("two c: %v", err)
	}
	if d, err := strictxml.One(root, "d", false); d != nil || err != nil {
		t.Fatalf("optional d: %v", err)
	}
	if _, err := strictxml.One(root, "d", true); !errors.Is(err, strictxml.ErrMalformed) {
		t.Fatalf("required d: %v", err)
	}
	var x, z string
	if err := strictxml.Attrs(b, map[string]*string{"x": &x, "z": &z}, 4); err != nil || x != "1" || z != "" {
		t.Fatalf("Attrs: %q %q %v", x, z, err)
	}
	var y string
	if err := strictxml.Attrs(b, map[string]*string{"y": &y}, 4); !errors.Is(err, strictxml.ErrMalformed) {
		t.Fatalf("over the length: %v", err)
	}
}

// FuzzParse: no input makes Parse panic; an accepted document has a root,
// and a refusal is an *Error of one of the kinds. Seeded from the shared
// XML-DSig vectors.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<a x="1"><b/></a>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`))
	if root, err := testvectors.Locate(); err == nil {
		files, _ := filepath.Glob(filepath.Join(root, "xmldsig", "*", "*.xml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		root, err := strictxml.Parse(doc, strictxml.Limits{MaxDepth: 12, MaxElements: 64, MaxAttrs: 32, RefuseComments: true, RefuseCDATA: true})
		if err == nil {
			if root == nil {
				t.Fatal("no root and no error")
			}
			_, _ = strictxml.FindSignature(root)
			return
		}
		var e *strictxml.Error
		if !errors.As(err, &e) || !(errors.Is(err, strictxml.ErrMalformed) || errors.Is(err, strictxml.ErrDeclaration)) {
			t.Fatalf("not a strictxml refusal: %v", err)
		}
	})
}
