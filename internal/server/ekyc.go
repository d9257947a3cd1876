package server

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	ekycsandbox "github.com/pramaan/pramaan/identity/ekyc/sandbox"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/portal"
)

// EKYCSandboxDir is the sandbox signer's directory in the data directory.
const EKYCSandboxDir = "ekyc-sandbox"

// EKYC is offline e-KYC verification and, in sandbox mode, the sandbox
// that hands out sample packages.
type EKYC struct {
	Service *portal.EKYC
	Sandbox *ekycsandbox.Sandbox
}

// NewEKYC builds offline e-KYC verification from the configuration; nil
// when ekyc.mode is off.
func NewEKYC(cfg *config.Config, ks *keys.Keystore, rec *Record, offers portal.Offers, now func() time.Time) (*EKYC, error) {
	e := cfg.EKYC
	if e.Mode == config.EKYCOff {
		return nil, nil
	}
	out := &EKYC{}
	var pinned []*x509.Certificate
	if e.Mode == config.EKYCSandbox {
		sb, err := ekycsandbox.Open(filepath.Join(cfg.Server.DataDir, EKYCSandboxDir), now)
		if err != nil {
			return nil, err
		}
		out.Sandbox = sb
		pinned = append(pinned, sb.Cert())
	}
	for _, f := range e.Pinned {
		c, err := ReadCertificate(resolvePath(cfg, f))
		if err != nil {
			return nil, fmt.Errorf("ekyc.pinned: %w", err)
		}
		pinned = append(pinned, c)
	}
	nameKey, err := ks.DataKey().DeriveKey("pramaan ekyc name hash v1")
	if err != nil {
		return nil, err
	}
	subjectKey, err := ks.DataKey().DeriveKey("pramaan ekyc subject key v1")
	if err != nil {
		return nil, err
	}
	offer := e.Offer
	if len(offer) == 0 {
		for id := range cfg.CredentialConfigurations {
			offer = append(offer, id)
		}
		slices.Sort(offer)
	}
	rule := ekyc.EmailSaltedOrPlain
	switch e.EmailRule {
	case config.EmailSalted:
		rule = ekyc.EmailSalted
	case config.EmailPlain:
		rule = ekyc.EmailPlain
	}
	svc, err := portal.NewEKYC(portal.EKYCConfig{
		Pinned: pinned, MaxAge: e.MaxAge, QRMaxAge: e.QRMaxAge,
		Limits:    ekyc.Limits{MaxZipBytes: e.MaxZipBytes},
		EmailRule: rule, NameKey: nameKey, SubjectKey: subjectKey, Configurations: offer,
		Record: rec.Claims, Offers: offers, Audit: rec.Audit, Now: now,
	})
	if err != nil {
		return nil, err
	}
	out.Service = svc
	return out, nil
}

// Handler is the sandbox to mount, or nil.
func (e *EKYC) Handler() http.Handler {
	if e == nil || e.Sandbox == nil {
		return nil
	}
	return e.Sandbox.Handler()
}

// ReadCertificate reads one certificate, DER (UIDAI publishes .cer files
// in DER) or PEM.
func ReadCertificate(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: PEM block %q is not a CERTIFICATE", path, blk.Type)
		}
		b = blk.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
