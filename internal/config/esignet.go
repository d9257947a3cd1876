package config

import "time"

// eSignet modes.
const (
	// ESignetSandbox mounts the simulator at /sandbox/esignet and signs
	// citizens in there (test users; the embedded default).
	ESignetSandbox = "sandbox"
	// ESignetLive signs citizens in with the eSignet at issuer.
	ESignetLive = "live"
	// ESignetOff turns eSignet sign-in off.
	ESignetOff = "off"
)

// ESignet configures sign-in with MOSIP eSignet (an OpenID Connect relying
// party with private_key_jwt, PAR, PKCE and DPoP). The client's keys are
// the keystore's relying-party keys (pramaan keys export shows them).
type ESignet struct {
	// Mode is sandbox, live or off.
	Mode string `yaml:"mode"`
	// Issuer is eSignet's issuer identifier (live), e.g.
	// https://esignet.example.gov.in/v1/esignet.
	Issuer string `yaml:"issuer"`
	// DiscoveryURL is where the discovery document is; empty: issuer +
	// /.well-known/openid-configuration.
	DiscoveryURL string `yaml:"discovery_url"`
	// ClientID is the registration's client_id (live).
	ClientID string `yaml:"client_id"`
	// Scopes requested (openid is always added).
	Scopes []string `yaml:"scopes"`
	// ACRValues are the requested authentication methods.
	ACRValues []string `yaml:"acr_values"`
	// Claims is the claims parameter (userinfo members with essential
	// or purpose, verified_claims).
	Claims map[string]any `yaml:"claims"`
	// ClaimsLocales are the preferred languages of claims.
	ClaimsLocales []string `yaml:"claims_locales"`
	// EncryptedUserinfo asks the sandbox to encrypt userinfo to the
	// relying party's key (live: a registration setting of eSignet).
	EncryptedUserinfo bool `yaml:"encrypted_userinfo"`
	// Timeout bounds each call to eSignet (1s to 60s).
	Timeout time.Duration `yaml:"timeout"`
}

func defaultESignet() ESignet {
	return ESignet{
		Mode:      ESignetSandbox,
		Scopes:    []string{"openid", "profile", "address"},
		ACRValues: []string{"mosip:idp:acr:generated-code"},
		Claims: map[string]any{"userinfo": map[string]any{
			"name":      map[string]any{"essential": true},
			"birthdate": map[string]any{"essential": true},
			"gender":    map[string]any{"essential": false},
			"address":   map[string]any{"essential": false},
		}},
		ClaimsLocales: []string{"en"},
		Timeout:       15 * time.Second,
	}
}

func (c *Config) validateESignet(p *problems) {
	e := c.ESignet
	switch e.Mode {
	case ESignetSandbox, ESignetOff:
	case ESignetLive:
		if msg := checkPublicURL(e.Issuer); msg != "" {
			p.add("esignet.issuer", "%s", msg)
		}
		if e.DiscoveryURL != "" {
			if msg := checkPublicURL(e.DiscoveryURL); msg != "" {
				p.add("esignet.discovery_url", "%s", msg)
			}
		}
		if e.ClientID == "" {
			p.add("esignet.client_id", "is required in live mode")
		}
		if c.DigiLocker.Mode == DigiLockerOff {
			p.add("esignet.mode", "eSignet sign-in lives on the citizen's page, which digilocker.mode off turns off")
		}
	default:
		p.add("esignet.mode", "%q is not sandbox, live or off", e.Mode)
	}
	if e.Timeout < time.Second || e.Timeout > time.Minute {
		p.add("esignet.timeout", "must be 1s to 60s")
	}
}
