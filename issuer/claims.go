package issuer

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/sdjwt"
)

// ErrClaims is wrapped when a subject's claims cannot fill a configuration.
var ErrClaims = errors.New("issuer: claims do not fit the configuration")

// fullDate is an RFC 3339 full-date; mdoc elements named *_date carry one
// as tag 1004 (ISO/IEC 18013-5 Section 7.2.1).
var fullDate = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)

// lookup finds a dotted source name in the subject's claims.
func lookup(claims map[string]any, source string) (any, bool) {
	var cur any = claims
	for _, part := range strings.Split(source, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// pathKey joins a claims path (every member a string, checked by New).
func pathKey(p []any) string {
	parts := make([]string, len(p))
	for i, v := range p {
		parts[i] = v.(string)
	}
	return strings.Join(parts, "\x00")
}

// hasChild reports whether another configured claim lies under c: then c
// is a container, built from its configured members only, so that a
// subject claim with extra members never leaks them.
func hasChild(all []Claim, c Claim) bool {
	prefix := pathKey(c.Path) + "\x00"
	for _, o := range all {
		if len(o.Path) > len(c.Path) && strings.HasPrefix(pathKey(o.Path), prefix) {
			return true
		}
	}
	return false
}

// leafValues returns the value of every configured leaf claim, by path.
// A missing mandatory claim is an error; a missing optional one is left out.
func leafValues(cc CredentialConfiguration, claims map[string]any) (map[string]any, error) {
	out := make(map[string]any)
	for _, c := range cc.Claims {
		if hasChild(cc.Claims, c) {
			continue
		}
		v, ok := lookup(claims, c.Source)
		if !ok {
			if c.Mandatory {
				return nil, fmt.Errorf("%w: mandatory claim %s is missing", ErrClaims, c.Source)
			}
			continue
		}
		switch v.(type) {
		case map[string]any, []any:
			return nil, fmt.Errorf("%w: claim %s must be a single value", ErrClaims, c.Source)
		}
		out[pathKey(c.Path)] = v
	}
	// A mandatory container needs at least one member.
	for _, c := range cc.Claims {
		if c.Mandatory && hasChild(cc.Claims, c) && !anyUnder(out, pathKey(c.Path)) {
			return nil, fmt.Errorf("%w: mandatory claim %s is missing", ErrClaims, c.Source)
		}
	}
	return out, nil
}

func anyUnder(values map[string]any, prefix string) bool {
	for k := range values {
		if strings.HasPrefix(k, prefix+"\x00") {
			return true
		}
	}
	return false
}

// setPath puts v at path p in m, creating objects along the way.
func setPath(m map[string]any, p []any, v any) {
	for _, seg := range p[:len(p)-1] {
		k := seg.(string)
		next, ok := m[k].(map[string]any)
		if !ok {
			next = make(map[string]any)
			m[k] = next
		}
		m = next
	}
	m[p[len(p)-1].(string)] = v
}

// sdJWTClaims returns the credential claims of a dc+sd-jwt configuration
// with the selectively disclosable ones marked (parents before children,
// so an address is a disclosure holding disclosable members: RFC 9901
// Section 4.2.6).
func sdJWTClaims(cc CredentialConfiguration, claims map[string]any) (map[string]any, error) {
	leaves, err := leafValues(cc, claims)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any)
	for _, c := range cc.Claims {
		if v, ok := leaves[pathKey(c.Path)]; ok {
			setPath(out, c.Path, v)
		}
	}
	var paths []sdjwt.Path
	for _, c := range cc.Claims {
		if !c.SelectivelyDisclosable || !present(out, c.Path) {
			continue
		}
		p := make(sdjwt.Path, len(c.Path))
		copy(p, c.Path)
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return out, nil
	}
	marked, err := sdjwt.MarkPaths(out, paths...)
	if err != nil {
		return nil, fmt.Errorf("issuer: mark disclosures: %w", err)
	}
	m, ok := marked.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("issuer: mark disclosures: unexpected %T", marked)
	}
	return m, nil
}

func present(m map[string]any, p []any) bool {
	var cur any = m
	for _, seg := range p {
		mm, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = mm[seg.(string)]; !ok {
			return false
		}
	}
	return true
}

// mdocElements returns the data elements of a mso_mdoc configuration:
// one per configured element (path [namespace, element]); deeper paths
// describe members of a map-valued element.
func mdocElements(cc CredentialConfiguration, claims map[string]any) ([]mdoc.Element, error) {
	leaves, err := leafValues(cc, claims)
	if err != nil {
		return nil, err
	}
	tree := make(map[string]any)
	for _, c := range cc.Claims {
		if v, ok := leaves[pathKey(c.Path)]; ok {
			setPath(tree, c.Path[1:], v)
		}
	}
	var out []mdoc.Element
	seen := make(map[string]bool)
	for _, c := range cc.Claims {
		id := c.Path[1].(string)
		v, ok := tree[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		ev, err := mdocValue(id, v)
		if err != nil {
			return nil, err
		}
		out = append(out, mdoc.Element{Namespace: cc.Namespace, Identifier: id, Value: ev})
	}
	return out, nil
}

// mdocValue converts a JSON value to the CBOR type ISO/IEC 18013-5
// Section 7.2.1 gives the element: full-date for *_date and birth_date,
// bstr for portrait (sent base64 in the offer), integers for whole numbers.
func mdocValue(id string, v any) (any, error) {
	switch {
	case id == "portrait" || strings.HasSuffix(id, "_image"):
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %s must be base64 image bytes", ErrClaims, id)
		}
		b, err := decodeBase64Any(s)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("%w: %s is not base64", ErrClaims, id)
		}
		return b, nil
	case id == "birth_date" || strings.HasSuffix(id, "_date"):
		s, ok := v.(string)
		if !ok || !fullDate.MatchString(s) {
			return nil, fmt.Errorf("%w: %s must be a full-date YYYY-MM-DD", ErrClaims, id)
		}
		return mdoc.FullDate(s), nil
	}
	return cborValue(v), nil
}

// cborValue turns JSON numbers that are whole into int64 so they encode
// as CBOR integers.
func cborValue(v any) any {
	switch t := v.(type) {
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, vv := range t {
			out[k] = cborValue(vv)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, vv := range t {
			out[i] = cborValue(vv)
		}
		return out
	}
	return v
}

func decodeBase64Any(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// checkClaims is the dry run done when an offer is created, so that an
// offer never promises what cannot be issued.
func checkClaims(cc CredentialConfiguration, claims map[string]any) error {
	switch cc.Format {
	case FormatSDJWTVC:
		_, err := sdJWTClaims(cc, claims)
		return err
	case FormatMDoc:
		_, err := mdocElements(cc, claims)
		return err
	}
	return fmt.Errorf("%w: unsupported format %s", ErrClaims, cc.Format)
}
