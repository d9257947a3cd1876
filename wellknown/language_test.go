package wellknown_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/wellknown"
)

func TestParseAcceptLanguage(t *testing.T) {
	type lr = wellknown.LanguageRange
	tests := []struct {
		name   string
		header string
		want   []lr
		err    string
	}{
		{"ok/empty", "", nil, ""},
		{"ok/spec example (Section 12.2.2)", "fr-ch, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5",
			[]lr{{"fr-ch", 1000}, {"fr", 900}, {"en", 800}, {"de", 700}, {"*", 500}}, ""},
		{"ok/upper Q and tabs", "hi-IN\t;\tQ=0.25,EN", []lr{{"hi-in", 250}, {"en", 1000}}, ""},
		{"ok/empty elements", " , hi ,, en;q=0", []lr{{"hi", 1000}, {"en", 0}}, ""},
		{"ok/q boundaries", "a;q=1.000, b;q=0., c;q=0.001", []lr{{"a", 1000}, {"b", 0}, {"c", 1}}, ""},
		{"fail/q above 1", "en;q=1.5", nil, `q-value "1.5" exceeds 1`},
		{"fail/q four decimals", "en;q=0.1234", nil, "q-value \"0.1234\" is malformed"},
		{"fail/q not a number", "en;q=0.x", nil, `q-value "0.x" is not a number`},
		{"fail/q missing", "en;q=", nil, "is malformed"},
		{"fail/other parameter", "en;level=1", nil, `want a weight ";q="`},
		{"fail/bad range", "en_US", nil, `"en_US" is not a language range`},
		{"fail/digit first", "1en", nil, "is not a language range"},
		{"fail/subtag too long", "en-abcdefghi", nil, "is not a language range"},
		{"fail/too many ranges", strings.Repeat("en,", 65), nil, "more than 64 language ranges"},
		{"fail/too long", strings.Repeat("a", 4097), nil, "4097 bytes, limit 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wellknown.ParseAcceptLanguage(tt.header)
			if tt.err != "" {
				if !errors.Is(err, wellknown.ErrAcceptLanguage) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want ErrAcceptLanguage containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// displayLocales lists the locales of the issuer display, the sd-jwt credential
// display and its first claim's display, as "issuer|credential|claim".
func displayLocales(m *wellknown.CredentialIssuerMetadata) string {
	var parts []string
	var s []string
	for _, d := range m.Display {
		s = append(s, d.Locale)
	}
	parts = append(parts, strings.Join(s, ","))
	cm := m.CredentialConfigurations["aadhaar_sd_jwt"].CredentialMetadata
	s = nil
	for _, d := range cm.Display {
		s = append(s, d.Locale)
	}
	parts = append(parts, strings.Join(s, ","))
	s = nil
	for _, d := range cm.Claims[0].Display {
		s = append(s, d.Locale+"="+d.Name)
	}
	parts = append(parts, strings.Join(s, ","))
	return strings.Join(parts, "|")
}

func TestLocalize(t *testing.T) {
	cfg := aadhaarConfig(t)
	// A language-neutral claim display and an extra Tamil credential name.
	cfg.Configurations[0].Claims[0].Display = append(cfg.Configurations[0].Claims[0].Display, wellknown.ClaimDisplay{Name: "NAME"})
	cfg.Configurations[0].Display = append(cfg.Configurations[0].Display, wellknown.CredentialDisplay{Name: "ஆதார்", Locale: "ta-IN"})
	b := mustBuilder(t, cfg)
	md := b.CredentialIssuerMetadata()
	all := "en,hi|en,hi,ta-IN|en=Name,hi=नाम,=NAME"
	tests := []struct {
		name, header, want string
		content            []string
	}{
		{"ok/absent header keeps all", "", all, []string{"en", "hi", "ta-IN"}},
		{"ok/malformed header keeps all", "en;q=2", all, []string{"en", "hi", "ta-IN"}},
		{"ok/hindi only", "hi", "hi|hi|hi=नाम,=NAME", []string{"hi"}},
		{"ok/regional range does not match bare tag", "hi-IN", all, []string{"en", "hi", "ta-IN"}},
		{"ok/prefix range matches region", "ta", "en,hi|ta-IN|en=Name,hi=नाम,=NAME", []string{"en", "hi", "ta-IN"}},
		{"ok/order by weight", "en;q=0.5, hi", "hi,en|hi,en|hi=नाम,en=Name,=NAME", []string{"hi", "en"}},
		{"ok/equal weights keep document order", "hi, en", "en,hi|en,hi|en=Name,hi=नाम,=NAME", []string{"en", "hi"}},
		{"ok/star with exclusion", "*;q=0.5, hi;q=0", "en|en,ta-IN|en=Name,=NAME", []string{"en", "ta-IN"}},
		{"ok/nothing matches keeps all", "fr, de;q=0.8", all, []string{"en", "hi", "ta-IN"}},
		{"ok/case-insensitive", "HI", "hi|hi|hi=नाम,=NAME", []string{"hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, content := md.Localize(tt.header)
			if s := displayLocales(got); s != tt.want {
				t.Errorf("locales = %q, want %q", s, tt.want)
			}
			if !reflect.DeepEqual(content, tt.content) {
				t.Errorf("Content-Language = %q, want %q", content, tt.content)
			}
			if s := displayLocales(md); s != all {
				t.Fatalf("Localize changed its receiver: %q", s)
			}
		})
	}
}
