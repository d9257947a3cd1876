package oid4vci

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// ValidateCredentialIssuer checks a Credential Issuer Identifier: a URL using
// the https scheme with a host and optionally a port and path, but no query
// or fragment (§12.2.1). User information is refused as well, since it
// cannot be part of a scheme, host, port and path.
func ValidateCredentialIssuer(s string) error {
	if s == "" {
		return errors.New("credential issuer identifier is empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("credential issuer identifier %q is not a URL: %w", s, err)
	}
	return validateHTTPSURL(u, s, false)
}

// validateHTTPSURL checks that u is an absolute https URL with a host; a query
// is allowed only when allowQuery is set, a fragment never.
//
// http is accepted for a loopback host (127.0.0.0/8, ::1, localhost), the
// development exception RFC 8252 Section 8.3 makes for native apps: the
// embedded default listens on 127.0.0.1 without TLS, and nothing but the
// same machine can reach such a URL.
func validateHTTPSURL(u *url.URL, s string, allowQuery bool) error {
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopbackHost(u.Hostname())) {
		return fmt.Errorf("%q does not use the https scheme", s)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return fmt.Errorf("%q carries user information", s)
	case u.Opaque != "":
		return fmt.Errorf("%q is not a hierarchical URL", s)
	case !allowQuery && (u.RawQuery != "" || u.ForceQuery):
		return fmt.Errorf("%q has a query component", s)
	case u.Fragment != "" || u.RawFragment != "" || hasFragmentMark(s):
		return fmt.Errorf("%q has a fragment component", s)
	}
	return nil
}

// hasFragmentMark reports whether s has a '#', which url.Parse drops when
// the fragment is empty.
func hasFragmentMark(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			return true
		}
	}
	return false
}

// isLoopbackHost reports whether h names this machine: 127.0.0.0/8, ::1
// or localhost.
func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ValidateEndpointURL checks an endpoint URL given to the issuer (a
// wallet backend's callback URL): absolute https (http only on a loopback
// host), a host, no user information and no fragment; a query is allowed.
func ValidateEndpointURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	return validateHTTPSURL(u, s, true)
}
