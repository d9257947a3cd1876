package config

import "time"

// Status configures the Token Status Lists of issued credentials
// (GET /status/{list_id}, POST /admin/credentials/{id}/{action}).
type Status struct {
	// Enabled gives every issued credential a status entry (the default).
	Enabled bool `yaml:"enabled"`
	// Bits per status: 2 (VALID, INVALID, SUSPENDED; the default) or 1
	// (no suspension).
	Bits int `yaml:"bits"`
	// ListSize is the number of entries of every list (1024 to 16777216;
	// default 131072): a list's size does not tell how many credentials
	// it holds.
	ListSize int `yaml:"list_size"`
	// TTL is the tokens' ttl, how long a verifier may cache a list (1m to
	// 24h); Validity their exp after iat (at least twice TTL).
	TTL      time.Duration `yaml:"ttl"`
	Validity time.Duration `yaml:"validity"`
	// RevokeOnDeleted revokes an issuance when its wallet sends the
	// credential_deleted notification (default false: only recorded).
	RevokeOnDeleted bool `yaml:"revoke_on_deleted"`
}

func defaultStatus() Status {
	return Status{Enabled: true, Bits: 2, ListSize: 1 << 17, TTL: 5 * time.Minute, Validity: 24 * time.Hour}
}

func (c *Config) validateStatus(p *problems) {
	s := c.Status
	if !s.Enabled {
		return
	}
	if s.Bits != 1 && s.Bits != 2 {
		p.add("status.bits", "must be 1 or 2")
	}
	if s.ListSize < 1024 || s.ListSize > 1<<24 {
		p.add("status.list_size", "must be 1024 to 16777216")
	}
	if s.TTL < time.Minute || s.TTL > 24*time.Hour {
		p.add("status.ttl", "must be 1m to 24h")
	}
	if s.Validity < 2*s.TTL || s.Validity > 30*24*time.Hour {
		p.add("status.validity", "must be at least twice the ttl and at most 720h")
	}
}
