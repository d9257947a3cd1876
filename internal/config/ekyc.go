package config

import (
	"slices"
	"time"
)

// Offline e-KYC modes.
const (
	// EKYCSandbox pins a sandbox signer kept in the data directory
	// (ekyc-sandbox/) besides any pinned files, and serves sample packages
	// at /sandbox/ekyc (the embedded default).
	EKYCSandbox = "sandbox"
	// EKYCLive pins only the certificates in pinned (UIDAI's published
	// uidai_offline_publickey_*.cer files).
	EKYCLive = "live"
	// EKYCOff turns the e-KYC routes off.
	EKYCOff = "off"
)

// E-mail hash rules (../shared/reference/india-identity-rails.md §2.4).
const (
	EmailSaltedOrPlain = "salted_or_plain"
	EmailSalted        = "salted"
	EmailPlain         = "plain"
)

// EKYC configures Aadhaar Paperless Offline e-KYC (ZIP + share code) and
// Secure QR verification (POST /ekyc/offline, POST /ekyc/qr).
type EKYC struct {
	// Mode is sandbox, live or off.
	Mode string `yaml:"mode"`
	// Pinned are the DER or PEM certificates a document must be signed
	// under; a document's own certificate is never trusted. Required in
	// live mode.
	Pinned []string `yaml:"pinned"`
	// MaxAge bounds the age of an offline e-KYC package's referenceId
	// time (default 72h, at most 30 days).
	MaxAge time.Duration `yaml:"max_age"`
	// QRMaxAge bounds the age of a Secure QR (default 72h, the QR the
	// Aadhaar app generates; a deployment taking printed cards sets
	// years).
	QRMaxAge time.Duration `yaml:"qr_max_age"`
	// MaxZipBytes bounds an uploaded package (default 1 MiB, at most
	// 8 MiB); the upload route accepts this plus 16 KiB of form.
	MaxZipBytes int `yaml:"max_zip_bytes"`
	// EmailRule is how an e-mail address is checked against the
	// package's hash: salted_or_plain (default), salted or plain.
	EmailRule string `yaml:"email_rule"`
	// Offer are the credential configurations offered after a
	// verification, each when the verified claims fill it; empty: every
	// one.
	Offer []string `yaml:"offer"`
}

func defaultEKYC() EKYC {
	return EKYC{
		Mode:        EKYCSandbox,
		Pinned:      []string{},
		MaxAge:      72 * time.Hour,
		QRMaxAge:    72 * time.Hour,
		MaxZipBytes: 1 << 20,
		EmailRule:   EmailSaltedOrPlain,
		Offer:       []string{},
	}
}

func (c *Config) validateEKYC(p *problems) {
	e := c.EKYC
	switch e.Mode {
	case EKYCSandbox, EKYCOff:
	case EKYCLive:
		if len(e.Pinned) == 0 {
			p.add("ekyc.pinned", "at least one certificate file is required in live mode")
		}
	default:
		p.add("ekyc.mode", "%q is not sandbox, live or off", e.Mode)
	}
	if e.MaxAge < time.Minute || e.MaxAge > 30*24*time.Hour {
		p.add("ekyc.max_age", "must be 1m to 720h")
	}
	if e.QRMaxAge < time.Minute || e.QRMaxAge > 20*365*24*time.Hour {
		p.add("ekyc.qr_max_age", "must be 1m to 20 years")
	}
	if e.MaxZipBytes < 4<<10 || e.MaxZipBytes > 8<<20 {
		p.add("ekyc.max_zip_bytes", "must be 4096 to 8388608")
	}
	switch e.EmailRule {
	case EmailSaltedOrPlain, EmailSalted, EmailPlain:
	default:
		p.add("ekyc.email_rule", "%q is not salted_or_plain, salted or plain", e.EmailRule)
	}
	for _, f := range e.Pinned {
		if f == "" {
			p.add("ekyc.pinned", "has an empty path")
		}
	}
	for _, id := range e.Offer {
		if _, ok := c.CredentialConfigurations[id]; !ok && e.Mode != EKYCOff {
			p.add("ekyc.offer", "%q is not a credential configuration", id)
		}
	}
	if slices.Contains(e.Offer, "") {
		p.add("ekyc.offer", "has an empty id")
	}
}
