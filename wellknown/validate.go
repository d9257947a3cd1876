package wellknown

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxURLLength bounds identifiers and URLs accepted in a Config.
const maxURLLength = 2048

// checkIdentifier checks an issuer identifier: a case-sensitive https URL with
// a host, optional port and path, and no query or fragment (OpenID4VCI 1.0
// Section 12.2.1, RFC 8414 Section 2, SD-JWT VC draft 18 Section 3). A
// trailing slash is refused because identifiers compare as plain strings.
func checkIdentifier(raw string, allowLoopback bool) error {
	if raw == "" {
		return fmt.Errorf("is empty")
	}
	if len(raw) > maxURLLength {
		return fmt.Errorf("is longer than %d bytes", maxURLLength)
	}
	if strings.ContainsAny(raw, "?#") {
		return fmt.Errorf("%q has a query or fragment component", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries user information", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowLoopback && isLoopback(u.Hostname()):
	default:
		return fmt.Errorf("%q does not use the https scheme", raw)
	}
	if strings.HasSuffix(u.Path, "/") {
		return fmt.Errorf("%q ends with a slash", raw)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%q has a dot segment in its path", raw)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkImageURI checks a logo or background image URI: https or data
// (OpenID4VCI 1.0 Section 12.2.4; HAIP 1.0 Section 4.1 names both schemes).
func checkImageURI(raw string) error {
	if raw == "" {
		return fmt.Errorf("uri is empty")
	}
	if len(raw) > 64*1024 {
		return fmt.Errorf("uri is longer than 64 KiB")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("uri %.60q is not a URL: %v", raw, err)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("uri %.60q has no host", raw)
		}
	case "data":
	default:
		return fmt.Errorf("uri %.60q uses neither https nor data", raw)
	}
	return nil
}

// isLanguageTag reports whether s has the shape of a BCP 47 tag (RFC 5646
// Section 2.1): subtags of 1 to 8 letters or digits joined by '-', the first
// letters only. It does not check the subtag registry.
func isLanguageTag(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, r := range sub {
			alpha := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
			digit := r >= '0' && r <= '9'
			if !alpha && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// checkLocales checks that every locale is a tag and that each language has
// at most one entry ("There MUST be only one object for each language
// identifier", Section 12.2.4 and Appendix B.2). Tags compare
// case-insensitively (RFC 5646 Section 2.1.1). An entry without a locale
// counts as one language of its own.
func checkLocales(locales []string) error {
	seen := make(map[string]int, len(locales))
	for i, l := range locales {
		if l != "" && !isLanguageTag(l) {
			return fmt.Errorf("[%d]: locale %q is not a BCP 47 language tag", i, l)
		}
		key := strings.ToLower(l)
		if j, dup := seen[key]; dup {
			return fmt.Errorf("[%d]: locale %q repeats entry %d", i, l, j)
		}
		seen[key] = i
	}
	return nil
}

// checkAllowed checks a non-empty list of unique values from an allow-list.
func checkAllowed(values []string, allowed map[string]bool, what string) error {
	if len(values) == 0 {
		return fmt.Errorf("no %s given (the array must be non-empty)", what)
	}
	seen := map[string]bool{}
	for _, v := range values {
		if !allowed[v] {
			return fmt.Errorf("%s %q is not supported", what, v)
		}
		if seen[v] {
			return fmt.Errorf("%s %q is listed twice", what, v)
		}
		seen[v] = true
	}
	return nil
}

func setOf(values ...string) map[string]bool {
	m := make(map[string]bool, len(values))
	for _, v := range values {
		m[v] = true
	}
	return m
}

var (
	// jwsAlgs are the asymmetric JWS algorithms accepted for credential and
	// proof signing: never "none", never a MAC (Appendix F.1).
	jwsAlgs = setOf("ES256", "ES384", "ES512", "ESP256", "ESP384", "ESP512",
		"EdDSA", "Ed25519", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512")
	// coseAlgs are COSE signature algorithms for mso_mdoc IssuerAuth
	// (Appendix A.2.2; RFC 9053, RFC 9864): ES256, ES384, ES512, EdDSA, and
	// the fully specified ESP256, ESP384, ESP512, Ed25519.
	coseAlgs = map[int64]bool{-7: true, -35: true, -36: true, -8: true, -9: true, -51: true, -52: true, -19: true}
	// jweEncs are content encryption algorithms (RFC 7518 Section 5.1).
	jweEncs = setOf("A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512")
	// jweZips are compression algorithms (RFC 7516 Section 4.1.3).
	jweZips = setOf("DEF")
	// jweAlgs are key management algorithms for response encryption
	// (RFC 7518 Section 4.1); RSA1_5 and RSA-OAEP (SHA-1) are left out.
	jweAlgs = setOf("ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW", "RSA-OAEP-256")
	// apValues are the attack potential values of Appendix D.2.
	apValues = setOf(ISO18045High, ISO18045Moderate, ISO18045EnhancedBasic, ISO18045Basic)
)
