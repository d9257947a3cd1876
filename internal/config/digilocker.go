package config

import (
	"slices"
	"strings"
	"time"
)

// DigiLocker modes.
const (
	// DigiLockerSandbox mounts the simulator at /sandbox/digilocker and
	// signs citizens in there (test citizens; the embedded default).
	DigiLockerSandbox = "sandbox"
	// DigiLockerLive talks to base_url with the partner's registration.
	DigiLockerLive = "live"
	// DigiLockerOff turns the DigiLocker routes and the page off.
	DigiLockerOff = "off"
)

// EnvDigiLockerClientSecret overrides digilocker.client_secret.
const EnvDigiLockerClientSecret = "PRAMAAN_DIGILOCKER_CLIENT_SECRET"

// DigiLocker configures sign-in with DigiLocker / Meri Pehchaan and the
// citizen's page.
type DigiLocker struct {
	// Mode is sandbox, live or off.
	Mode string `yaml:"mode"`
	// BaseURL is the API's <host>/public (live), e.g.
	// https://digilocker.meripehchaan.gov.in/public.
	BaseURL string `yaml:"base_url"`
	// ClientID and ClientSecret are the partner registration (live).
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// AuthStyle is how the token endpoint is authenticated: form (API
	// spec v1) or basic (v2.4).
	AuthStyle string `yaml:"auth_style"`
	// MobileRedirectURI is the enrollment app's registered redirect URI;
	// empty turns the mobile flow off (in sandbox mode it defaults to
	// pramaan-enroll://digilocker).
	MobileRedirectURI string `yaml:"mobile_redirect_uri"`
	// EAadhaarRoots are PEM files of the roots the e-Aadhaar signature
	// must chain to (CCA India's root in production). Empty: the
	// e-Aadhaar is not imported (sandbox: the simulator's test root).
	EAadhaarRoots []string `yaml:"eaadhaar_roots"`
	// Extraction is a YAML file of field extraction (identity/extract);
	// empty: the built-in one.
	Extraction string `yaml:"extraction"`
	// DocTypes limit the documents flow's consent screen (req_doctype).
	DocTypes []string `yaml:"doctypes"`
	// Offer are the credential configurations the page offers, each when
	// the citizen's verified claims fill it; empty: every one.
	Offer []string `yaml:"offer"`
	// SessionTTL is the lifetime of a citizen's session (1m to 24h).
	SessionTTL time.Duration `yaml:"session_ttl"`
	// RefreshBefore is how long before expiry a DigiLocker token is
	// refreshed (0 to 30m).
	RefreshBefore time.Duration `yaml:"refresh_before"`
	// Timeout bounds each call to DigiLocker (1s to 60s).
	Timeout time.Duration `yaml:"timeout"`
}

func defaultDigiLocker() DigiLocker {
	return DigiLocker{
		Mode:          DigiLockerSandbox,
		AuthStyle:     "basic",
		EAadhaarRoots: []string{},
		DocTypes:      []string{},
		Offer:         []string{},
		SessionTTL:    30 * time.Minute,
		RefreshBefore: 5 * time.Minute,
		Timeout:       15 * time.Second,
	}
}

func (c *Config) validateDigiLocker(p *problems) {
	d := c.DigiLocker
	switch d.Mode {
	case DigiLockerSandbox, DigiLockerOff:
	case DigiLockerLive:
		if msg := checkPublicURL(d.BaseURL); msg != "" {
			p.add("digilocker.base_url", "%s", msg)
		}
		if d.ClientID == "" || d.ClientSecret == "" {
			p.add("digilocker.client_id", "and client_secret (or $%s) are required in live mode", EnvDigiLockerClientSecret)
		}
	default:
		p.add("digilocker.mode", "%q is not sandbox, live or off", d.Mode)
	}
	if d.AuthStyle != "form" && d.AuthStyle != "basic" {
		p.add("digilocker.auth_style", "%q is not form or basic", d.AuthStyle)
	}
	if d.SessionTTL < time.Minute || d.SessionTTL > 24*time.Hour {
		p.add("digilocker.session_ttl", "must be 1m to 24h")
	}
	if d.RefreshBefore < 0 || d.RefreshBefore > 30*time.Minute {
		p.add("digilocker.refresh_before", "must be 0 to 30m")
	}
	if d.Timeout < time.Second || d.Timeout > time.Minute {
		p.add("digilocker.timeout", "must be 1s to 60s")
	}
	for _, dt := range d.DocTypes {
		if len(dt) != 5 || strings.ContainsAny(dt, ", ") {
			p.add("digilocker.doctypes", "%q is not a 5-character doctype", dt)
		}
	}
	for _, id := range d.Offer {
		if _, ok := c.CredentialConfigurations[id]; !ok && d.Mode != DigiLockerOff {
			p.add("digilocker.offer", "%q is not a credential configuration", id)
		}
	}
	if slices.Contains(d.Offer, "") {
		p.add("digilocker.offer", "has an empty id")
	}
}
