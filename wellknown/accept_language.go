package wellknown

import (
	"fmt"
	"strings"
)

// Limits of ParseAcceptLanguage.
const (
	MaxAcceptLanguageLength = 4096 // bytes of header value
	MaxLanguageRanges       = 64   // language ranges in one header
)

// LanguageRange is one element of an Accept-Language header: a language
// range (RFC 4647 Section 2.1, lower-cased) and its weight (q-value) in
// thousandths, 0 to 1000.
type LanguageRange struct {
	Range string
	Q     int
}

// ParseAcceptLanguage parses an Accept-Language field value (RFC 9110 Section
// 12.5.4):
//
//	Accept-Language = #( language-range [ weight ] )
//	weight          = OWS ";" OWS "q=" qvalue
//	qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//	language-range  = ( 1*8ALPHA *( "-" 1*8alphanum ) ) / "*"
//
// Empty list elements are skipped (RFC 9110 Section 5.6.1.2) and "q" may be
// upper case (Section 12.4.2). The ranges come back in header order; an empty
// value gives none. Errors wrap ErrAcceptLanguage.
func ParseAcceptLanguage(header string) ([]LanguageRange, error) {
	if len(header) > MaxAcceptLanguageLength {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrAcceptLanguage, len(header), MaxAcceptLanguageLength)
	}
	var out []LanguageRange
	for elem := range strings.SplitSeq(header, ",") {
		elem = strings.Trim(elem, " \t")
		if elem == "" {
			continue
		}
		if len(out) == MaxLanguageRanges {
			return nil, fmt.Errorf("%w: more than %d language ranges", ErrAcceptLanguage, MaxLanguageRanges)
		}
		rng, params, hasParams := strings.Cut(elem, ";")
		rng = strings.TrimRight(rng, " \t")
		if !isLanguageRange(rng) {
			return nil, fmt.Errorf("%w: %.40q is not a language range", ErrAcceptLanguage, rng)
		}
		q := 1000
		if hasParams {
			params = strings.TrimLeft(params, " \t")
			if len(params) < 2 || (params[0] != 'q' && params[0] != 'Q') || params[1] != '=' {
				return nil, fmt.Errorf("%w: %.40q: want a weight \";q=\" after the language range", ErrAcceptLanguage, elem)
			}
			v, err := parseQValue(params[2:])
			if err != nil {
				return nil, fmt.Errorf("%w: %.40q: %v", ErrAcceptLanguage, elem, err)
			}
			q = v
		}
		out = append(out, LanguageRange{Range: strings.ToLower(rng), Q: q})
	}
	return out, nil
}

func isLanguageRange(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			digit := c >= '0' && c <= '9'
			// RFC 4647 extended ranges allow "*" subtags; RFC 9110 uses
			// basic ranges only, so "*" stands alone or not at all.
			if !alpha && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// parseQValue parses a qvalue into thousandths.
func parseQValue(s string) (int, error) {
	if s == "" || len(s) > 5 {
		return 0, fmt.Errorf("q-value %.10q is malformed", s)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole != "0" && whole != "1" {
		return 0, fmt.Errorf("q-value %q must start with 0 or 1", s)
	}
	if hasDot && len(frac) > 3 {
		return 0, fmt.Errorf("q-value %q has more than 3 decimals", s)
	}
	n := 0
	for i := 0; i < 3; i++ {
		n *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("q-value %q is not a number", s)
			}
			n += int(c - '0')
		}
	}
	if whole == "1" {
		if n != 0 {
			return 0, fmt.Errorf("q-value %q exceeds 1", s)
		}
		return 1000, nil
	}
	return n, nil
}

// weight returns the weight the ranges give a language tag: that of the
// most specific range matching it by basic filtering (RFC 4647 Section
// 3.3.1), "*" being the least specific. ok is false when no range matches.
func weight(ranges []LanguageRange, tag string) (q int, ok bool) {
	tag = strings.ToLower(tag)
	best := -1
	for _, r := range ranges {
		spec := -1
		switch {
		case r.Range == "*":
			spec = 0
		case tag == r.Range || strings.HasPrefix(tag, r.Range+"-"):
			spec = len(r.Range)
		}
		if spec > best {
			best, q = spec, r.Q
		}
	}
	return q, best >= 0
}
