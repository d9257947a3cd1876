package issuer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// sameHTU compares a DPoP htu claim with the request URL after dropping
// query and fragment from both and applying the syntax- and scheme-based
// normalisation of RFC 3986 §6.2.2 and §6.2.3, as RFC 9449 §4.3 step 9
// asks.
func sameHTU(htu, requestURL string) (bool, error) {
	got, err := normalizeHTU(htu)
	if err != nil {
		return false, fmt.Errorf("%w: htu: %v", ErrClaimInvalid, err)
	}
	want, err := normalizeHTU(requestURL)
	if err != nil {
		return false, fmt.Errorf("issuer: request URL: %w", err)
	}
	return got == want, nil
}

// normalizeHTU returns scheme://host[:port]/path of an absolute http(s)
// URI: scheme and host in lower case, the default port dropped, an empty
// path as "/", dot segments removed, percent-encodings of unreserved
// characters decoded and the others in upper case.
func normalizeHTU(s string) (string, error) {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URI")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", errors.New("not an absolute http or https URI")
	}
	if u.User != nil {
		return "", errors.New("user information is not allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errors.New("host is missing")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + strings.TrimLeft(port, "0")
	}
	p, err := normalizePercentEncoding(u.EscapedPath())
	if err != nil {
		return "", err
	}
	p = removeDotSegments(p)
	if p == "" {
		p = "/"
	}
	return scheme + "://" + host + p, nil
}

// normalizePercentEncoding decodes %XX of unreserved characters and puts
// the remaining escapes in upper case (RFC 3986 §6.2.2.1, §6.2.2.2).
func normalizePercentEncoding(p string) (string, error) {
	if !strings.Contains(p, "%") {
		return p, nil
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !pctIsHex(p[i+1]) || !pctIsHex(p[i+2]) {
			return "", errors.New("bad percent-encoding")
		}
		c := pctUnhex(p[i+1])<<4 | pctUnhex(p[i+2])
		if pctIsUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(p[i+1:i+3]))
		}
		i += 2
	}
	return b.String(), nil
}

// removeDotSegments is RFC 3986 §5.2.4.
func removeDotSegments(in string) string {
	var out []string
	for len(in) > 0 {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			j := strings.IndexByte(in[1:], '/')
			if j < 0 {
				out = append(out, in)
				in = ""
			} else {
				out = append(out, in[:j+1])
				in = in[j+1:]
			}
		}
	}
	return strings.Join(out, "")
}

func pctIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func pctUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// pctIsUnreserved is RFC 3986 §2.3.
func pctIsUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
