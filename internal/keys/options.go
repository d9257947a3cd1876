package keys

import (
	"fmt"
	"net/url"
	"time"
)

// Defaults of Options.
const (
	DefaultRotationWindow     = 30 * 24 * time.Hour
	DefaultIACARotationWindow = 180 * 24 * time.Hour
	DefaultIACAValidity       = 10 * 365 * 24 * time.Hour
	DefaultDSValidity         = 365 * 24 * time.Hour
	DefaultCredentialValidity = 365 * 24 * time.Hour
	DefaultCountry            = "IN"
	DefaultIACACommonName     = "Pramaan development IACA"
	DefaultDSCommonName       = "Pramaan document signer"
	DefaultCredentialName     = "Pramaan credential issuer"
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Now is the clock (certificate validity, expiry warnings); nil means
	// time.Now.
	Now func() time.Time
	// LookupEnv reads the environment (pass os.LookupEnv in production);
	// nil means an empty environment. Only AdminTokenEnv is read.
	LookupEnv func(key string) (string, bool)
	// IssuerURL is the credential_issuer identifier (OpenID4VCI 1.0 §12.2.1).
	// When set, a new credential certificate names it as URI subject
	// alternative name (and its host as DNS or IP name), as SD-JWT VC x5c
	// key resolution requires, and a loaded one that does not is reported
	// as a warning.
	IssuerURL string
	// RotationWindow: a document-signer or credential certificate that
	// expires within it is reported; default 30 days.
	RotationWindow time.Duration
	// IACARotationWindow: an IACA that expires within it is reported;
	// default 180 days, since every verifier must install the new root.
	IACARotationWindow time.Duration
	// Validity of newly created certificates; defaults 10 years (IACA),
	// 365 days (document signer, credential). Never beyond the IACA's.
	IACAValidity, DSValidity, CredentialValidity time.Duration
	// Country (ISO 3166-1 alpha-2) of new certificates; default "IN".
	Country string
	// Common names of new certificates.
	IACACommonName, DSCommonName, CredentialCommonName string
}

func (o Options) withDefaults() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LookupEnv == nil {
		o.LookupEnv = func(string) (string, bool) { return "", false }
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"RotationWindow", &o.RotationWindow, DefaultRotationWindow},
		{"IACARotationWindow", &o.IACARotationWindow, DefaultIACARotationWindow},
		{"IACAValidity", &o.IACAValidity, DefaultIACAValidity},
		{"DSValidity", &o.DSValidity, DefaultDSValidity},
		{"CredentialValidity", &o.CredentialValidity, DefaultCredentialValidity},
	}
	for _, d := range durations {
		if *d.v < 0 {
			return o, fmt.Errorf("%w: %s is negative", ErrOptions, d.name)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if o.Country == "" {
		o.Country = DefaultCountry
	}
	if o.IACACommonName == "" {
		o.IACACommonName = DefaultIACACommonName
	}
	if o.DSCommonName == "" {
		o.DSCommonName = DefaultDSCommonName
	}
	if o.CredentialCommonName == "" {
		o.CredentialCommonName = DefaultCredentialName
	}
	if o.IssuerURL != "" {
		u, err := url.Parse(o.IssuerURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			// OpenID4VCI 1.0 §12.2.1: a URL without query or fragment.
			return o, fmt.Errorf("%w: IssuerURL %q is not an http(s) URL without query or fragment", ErrOptions, o.IssuerURL)
		}
	}
	return o, nil
}
