package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bounds Validate enforces.
const (
	MinBatchSize         = 1
	MaxBatchSize         = 100
	MaxTxCodeAttempts    = 10
	MinMaxBodyBytes      = 1 << 10
	MaxMaxBodyBytes      = 16 << 20
	MaxLanguages         = 32
	MaxConfigurations    = 256  // as wellknown.MaxConfigurations
	MaxClaims            = 1024 // as wellknown.MaxClaimsPerConfig
	MaxClaimPathLength   = 32   // as wellknown.MaxClaimPathLength
	maxStringLength      = 2048
	maxConfigurationID   = 128
	maxDisplayNameLength = 256
)

var (
	// languageTag is the shape of a BCP 47 tag (RFC 5646 Section 2.1): a
	// primary language subtag of letters, then subtags of 1 to 8
	// alphanumerics. The registry is not consulted.
	languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
	// identifier is the shape of configuration ids and scopes.
	identifier = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	// sourceName is a record claim name, dotted for nested members.
	sourceName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
	// color is a CSS hex colour (Section 12.2.4 asks for CSS colour values).
	color = regexp.MustCompile(`^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)
)

// Validate checks c and returns every problem found, joined with
// errors.Join; each is a *FieldError wrapping ErrInvalid. It returns nil for
// a valid configuration.
func (c *Config) Validate() error {
	var p problems
	c.Server.validate(&p)
	c.Limits.validate(&p)
	languages := validateLanguages(&p, c.Languages)
	c.Issuer.validate(&p, languages)
	validateConfigurations(&p, c.CredentialConfigurations, languages)
	c.Encryption.validate(&p)
	c.Callbacks.validate(&p)
	c.validateKeyAttestation(&p)
	c.validateDigiLocker(&p)
	c.validateEKYC(&p)
	c.validateESignet(&p)
	c.validateFace(&p)
	c.validateStatus(&p)
	return p.err()
}

// validateKeyAttestation requires wallet-provider anchors where a
// configuration accepts key attestation JWTs.
func (c *Config) validateKeyAttestation(p *problems) {
	ka := c.KeyAttestation
	for _, id := range sortedKeys(c.CredentialConfigurations) {
		cc := c.CredentialConfigurations[id]
		needsJWT := cc.ProofTypes.Attestation != nil || (cc.KeyAttestationsRequired != nil && cc.ProofTypes.JWT != nil)
		if needsJWT && len(ka.WalletProviders) == 0 {
			p.add("key_attestation.wallet_providers", "is empty, but credential_configurations.%s accepts key attestation JWTs", id)
		}
	}
	a := ka.Android
	if a.StatusListTTL < 0 {
		p.add("key_attestation.android.status_list_ttl", "is negative")
	}
	if a.StatusList != "" && !strings.HasPrefix(a.StatusList, "https://") && !strings.HasPrefix(a.StatusList, "/") && strings.Contains(a.StatusList, "://") {
		p.add("key_attestation.android.status_list", "%q is neither an https URL nor a file", a.StatusList)
	}
}

func (c Callbacks) validate(p *problems) {
	if c.MaxAttempts < 0 || c.MaxAttempts > 100 {
		p.add("callbacks.max_attempts", "must be 1 to 100 (0: the default)")
	}
	for name, d := range map[string]time.Duration{"base_delay": c.BaseDelay, "max_delay": c.MaxDelay, "timeout": c.Timeout, "lease": c.Lease, "poll": c.Poll} {
		if d < 0 {
			p.add("callbacks."+name, "is negative")
		}
	}
	if c.Lease > 0 && c.Timeout > 0 && c.Lease <= c.Timeout {
		p.add("callbacks.lease", "must be longer than callbacks.timeout, or a slow attempt would be taken over while it runs")
	}
}

func (s Server) validate(p *problems) {
	if _, port, err := net.SplitHostPort(s.Addr); err != nil {
		p.add("server.addr", "%q is not host:port", s.Addr)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		p.add("server.addr", "port %q is not a number from 0 to 65535", port)
	}
	if reason := checkPublicURL(s.PublicURL); reason != "" {
		p.add("server.public_url", "%s", reason)
	}
	if strings.TrimSpace(s.DataDir) == "" {
		p.add("server.data_dir", "is empty")
	}
	if s.DatabaseURL != "" {
		// The URL may carry a password: never echo it.
		u, err := url.Parse(s.DatabaseURL)
		switch {
		case err != nil:
			p.add("server.database_url", "is not a URL")
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			p.add("server.database_url", "must be empty (SQLite in data_dir) or a postgres:// URL")
		case u.Host == "" && u.Query().Get("host") == "":
			p.add("server.database_url", "names no host")
		}
	}
}

// checkPublicURL applies OpenID4VCI 1.0 Section 12.2.1 to the Credential
// Issuer Identifier: https, a host, no query or fragment. A trailing slash is
// refused because identifiers are compared as strings. http is accepted only
// for a loopback host (the development default); it returns "" when raw is
// acceptable.
func checkPublicURL(raw string) string {
	if raw == "" {
		return "is empty"
	}
	if len(raw) > maxStringLength {
		return fmt.Sprintf("is longer than %d bytes", maxStringLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%q is not a URL", raw)
	}
	switch {
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return fmt.Sprintf("%q must not have a query or fragment (OpenID4VCI 1.0 Section 12.2.1)", raw)
	case u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("%q has no host", raw)
	case u.User != nil:
		return fmt.Sprintf("%q must not carry user information", raw)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return fmt.Sprintf("%q must use https (http only on a loopback host, for development)", raw)
	}
	if strings.HasSuffix(u.Path, "/") {
		return fmt.Sprintf("%q must not end with a slash", raw)
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l Limits) validate(p *problems) {
	if l.MaxBodyBytes < MinMaxBodyBytes || l.MaxBodyBytes > MaxMaxBodyBytes {
		p.add("limits.max_body_bytes", "%d is outside %d..%d", l.MaxBodyBytes, MinMaxBodyBytes, MaxMaxBodyBytes)
	}
	for _, d := range []struct {
		path     string
		value    time.Duration
		min, max time.Duration
	}{
		{"limits.pre_authorized_code_ttl", l.PreAuthorizedCodeTTL, 30 * time.Second, 24 * time.Hour},
		{"limits.offer_ttl", l.OfferTTL, 30 * time.Second, 24 * time.Hour},
		{"limits.c_nonce_ttl", l.CNonceTTL, 10 * time.Second, time.Hour},
		{"limits.access_token_ttl", l.AccessTokenTTL, 30 * time.Second, 24 * time.Hour},
		{"limits.proof_max_age", l.ProofMaxAge, 10 * time.Second, time.Hour},
		{"limits.clock_skew", l.ClockSkew, 0, 5 * time.Minute},
		{"limits.idempotency_window", l.IdempotencyWindow, time.Second, time.Hour},
	} {
		checkDuration(p, d.path, d.value, d.min, d.max)
	}
	if l.OfferTTL > l.PreAuthorizedCodeTTL && l.PreAuthorizedCodeTTL > 0 {
		p.add("limits.offer_ttl", "%v outlives pre_authorized_code_ttl %v", l.OfferTTL, l.PreAuthorizedCodeTTL)
	}
	if l.TxCodeMaxAttempts < 1 || l.TxCodeMaxAttempts > MaxTxCodeAttempts {
		p.add("limits.tx_code_max_attempts", "%d is outside 1..%d", l.TxCodeMaxAttempts, MaxTxCodeAttempts)
	}
	if l.BatchSize < MinBatchSize || l.BatchSize > MaxBatchSize {
		p.add("limits.batch_size", "%d is outside %d..%d", l.BatchSize, MinBatchSize, MaxBatchSize)
	}
}

// checkDuration requires min <= d <= max, and d > 0 unless min is 0.
func checkDuration(p *problems, path string, d, min, max time.Duration) {
	switch {
	case d < 0 || (d == 0 && min > 0):
		p.add(path, "must be positive, got %v", d)
	case d < min || d > max:
		p.add(path, "%v is outside %v..%v", d, min, max)
	}
}

// validateLanguages checks the language list and returns the valid tags,
// lower-cased, in order.
func validateLanguages(p *problems, tags []string) []string {
	if len(tags) == 0 {
		p.add("languages", "lists no language")
		return nil
	}
	if len(tags) > MaxLanguages {
		p.add("languages", "lists %d languages, over the limit of %d", len(tags), MaxLanguages)
	}
	var valid []string
	for i, tag := range tags {
		path := fmt.Sprintf("languages[%d]", i)
		switch lower := strings.ToLower(tag); {
		case len(tag) > 35 || !languageTag.MatchString(tag):
			p.add(path, "%q is not a BCP 47 language tag", tag)
		case slices.Contains(valid, lower):
			p.add(path, "%q is listed twice", tag)
		default:
			valid = append(valid, lower)
		}
	}
	return valid
}

// checkDisplayLocales requires names for exactly the configured languages.
func checkDisplayLocales[V any](p *problems, path string, display map[string]V, languages []string) {
	for _, lang := range languages {
		if _, ok := lookupLocale(display, lang); !ok {
			p.add(path, "has no entry for language %q", lang)
		}
	}
	for _, locale := range sortedKeys(display) {
		if !slices.Contains(languages, strings.ToLower(locale)) {
			p.add(path+"."+locale, "language %q is not in languages", locale)
		}
	}
}

// lookupLocale finds the entry of lang, case-insensitively (RFC 5646
// Section 2.1.1).
func lookupLocale[V any](display map[string]V, lang string) (V, bool) {
	for k, v := range display {
		if strings.EqualFold(k, lang) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func (iss Issuer) validate(p *problems, languages []string) {
	checkDisplayLocales(p, "issuer.display", iss.Display, languages)
	for _, locale := range sortedKeys(iss.Display) {
		checkDisplayName(p, "issuer.display."+locale, iss.Display[locale])
	}
	if iss.LogoURI != "" {
		u, err := url.Parse(iss.LogoURI)
		if err != nil || !(u.Scheme == "https" && u.Host != "" || u.Scheme == "data") || len(iss.LogoURI) > 64<<10 {
			p.add("issuer.logo_uri", "must be an https or data: URI (Section 12.2.4) of at most 64 KiB")
		}
	}
}

func checkDisplayName(p *problems, path, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		p.add(path, "name is empty")
	case len(name) > maxDisplayNameLength:
		p.add(path, "name is longer than %d bytes", maxDisplayNameLength)
	}
}

func (e Encryption) validate(p *problems) {
	r := e.Request
	if r.Enabled {
		checkValues(p, "encryption.request.enc", r.Enc, true, "A128GCM", "A256GCM")
		checkValues(p, "encryption.request.zip", r.Zip, false, "DEF")
	} else if r.Required {
		p.add("encryption.request.required", "is true but request encryption is not enabled")
	}
	s := e.Response
	if s.Enabled {
		checkValues(p, "encryption.response.alg", s.Alg, true, "ECDH-ES", "RSA-OAEP-256")
		checkValues(p, "encryption.response.enc", s.Enc, true, "A128GCM", "A256GCM")
		checkValues(p, "encryption.response.zip", s.Zip, false, "DEF")
		// Section 8.2: a request asking for an encrypted response must
		// itself be encrypted, so response encryption needs request
		// encryption.
		if !r.Enabled {
			p.add("encryption.response.enabled", "needs encryption.request.enabled (OpenID4VCI 1.0 Section 8.2)")
		}
	} else if s.Required {
		p.add("encryption.response.required", "is true but response encryption is not enabled")
	}
}

// checkValues requires values to be distinct members of allowed, and
// non-empty when required.
func checkValues(p *problems, path string, values []string, required bool, allowed ...string) {
	if required && len(values) == 0 {
		p.add(path, "lists no value (supported: %s)", strings.Join(allowed, ", "))
	}
	for i, v := range values {
		switch {
		case !slices.Contains(allowed, v):
			p.add(fmt.Sprintf("%s[%d]", path, i), "%q is not supported (supported: %s)", v, strings.Join(allowed, ", "))
		case slices.Contains(values[:i], v):
			p.add(fmt.Sprintf("%s[%d]", path, i), "%q is listed twice", v)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
