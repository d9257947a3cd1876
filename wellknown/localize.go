package wellknown

import (
	"slices"
	"sort"
	"strings"
)

// Localize returns a copy of m whose display arrays keep the languages the
// Accept-Language header asks for, by the rule in the package documentation
// (OpenID4VCI 1.0 Section 12.2.2 lets the issuer send a subset of languages
// and name them in Content-Language). It also returns the distinct locales
// left in the copy, in first-seen order, for the Content-Language header; it
// is empty when the copy has no locale at all. An absent or malformed header
// returns an unfiltered copy. m is never changed.
func (m *CredentialIssuerMetadata) Localize(acceptLanguage string) (*CredentialIssuerMetadata, []string) {
	c := m.Clone()
	if c == nil {
		return nil, nil
	}
	ranges, err := ParseAcceptLanguage(acceptLanguage)
	if err == nil && len(ranges) > 0 {
		c.Display = filterDisplay(c.Display, ranges, func(d IssuerDisplay) string { return d.Locale })
		for id, conf := range c.CredentialConfigurations {
			if cm := conf.CredentialMetadata; cm != nil {
				cm.Display = filterDisplay(cm.Display, ranges, func(d CredentialDisplay) string { return d.Locale })
				for i := range cm.Claims {
					cm.Claims[i].Display = filterDisplay(cm.Claims[i].Display, ranges, func(d ClaimDisplay) string { return d.Locale })
				}
			}
			c.CredentialConfigurations[id] = conf
		}
	}
	return c, c.Locales()
}

// Locales returns the distinct locales used by m's display arrays, in
// first-seen order (issuer display, then configurations by identifier).
func (m *CredentialIssuerMetadata) Locales() []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if key := strings.ToLower(l); l != "" && !seen[key] {
			seen[key] = true
			out = append(out, l)
		}
	}
	for _, d := range m.Display {
		add(d.Locale)
	}
	ids := make([]string, 0, len(m.CredentialConfigurations))
	for id := range m.CredentialConfigurations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cm := m.CredentialConfigurations[id].CredentialMetadata
		if cm == nil {
			continue
		}
		for _, d := range cm.Display {
			add(d.Locale)
		}
		for _, cd := range cm.Claims {
			for _, d := range cd.Display {
				add(d.Locale)
			}
		}
	}
	return out
}

// filterDisplay applies the language rule to one display array.
func filterDisplay[T any](entries []T, ranges []LanguageRange, locale func(T) string) []T {
	type scored struct {
		entry T
		q     int
	}
	var matched, neutral []scored
	for _, e := range entries {
		l := locale(e)
		if l == "" {
			neutral = append(neutral, scored{entry: e})
			continue
		}
		if q, ok := weight(ranges, l); ok && q > 0 {
			matched = append(matched, scored{entry: e, q: q})
		}
	}
	if len(matched) == 0 {
		return entries
	}
	slices.SortStableFunc(matched, func(a, b scored) int { return b.q - a.q })
	out := make([]T, 0, len(matched)+len(neutral))
	for _, s := range matched {
		out = append(out, s.entry)
	}
	for _, s := range neutral {
		out = append(out, s.entry)
	}
	return out
}
