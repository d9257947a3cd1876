package server

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/attestation/android"
	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
	esignetsandbox "github.com/pramaan/pramaan/identity/esignet/sandbox"
	"github.com/pramaan/pramaan/identity/extract"
	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/portal"
	"github.com/pramaan/pramaan/issuer"
)

// Sandbox client registration of the embedded default.
const (
	SandboxClientID          = "pramaan-sandbox"
	SandboxMobileRedirectURI = "pramaan-enroll://digilocker"
	sandboxBasePath          = "/sandbox/digilocker/public"
)

// CitizenStore is what the citizen's side needs of a store backend.
type CitizenStore interface {
	portal.Store
	digilocker.LinkStore
	record.Store
	audit.Store
	face.Store
}

// Record is the verified-claims record with its audit log.
type Record struct {
	Claims *record.Service
	Audit  *audit.Log
}

// NewRecord opens the verified-claims record over st, values sealed with
// the keystore's data key.
func NewRecord(ks *keys.Keystore, st CitizenStore, now func() time.Time) (*Record, error) {
	log := audit.New(st, now)
	rec, err := record.New(record.Config{Store: st, Sealer: ks.DataKey(), Audit: log, Now: now})
	if err != nil {
		return nil, err
	}
	return &Record{Claims: rec, Audit: log}, nil
}

// SubjectClaims adapts the record to the issuer's offers by subject_id.
func (r *Record) SubjectClaims() issuer.SubjectClaims { return subjectClaims{r.Claims} }

type subjectClaims struct{ rec *record.Service }

func (s subjectClaims) CredentialClaims(ctx context.Context, subjectID string) (map[string]any, error) {
	claims, err := s.rec.CredentialClaims(ctx, subjectID)
	if errors.Is(err, record.ErrUnknownSubject) {
		return nil, fmt.Errorf("%w: %w", issuer.ErrUnknownSubject, err)
	}
	return claims, err
}

// Portal is the citizen's side: the service and, in sandbox mode, the
// DigiLocker simulator to mount.
type Portal struct {
	Service *portal.Service
	Sandbox *sandbox.Sandbox
	// ESignetSandbox is the eSignet simulator to mount, in sandbox mode.
	ESignetSandbox *esignetsandbox.Sandbox
	// Face is face enrollment, nil when face.enabled is false.
	Face *face.Service
}

// NewPortal builds the citizen's side from the configuration; nil when
// digilocker.mode is off.
// ek, when not nil, lets a citizen make a face-enrollment link from an
// offline e-KYC package.
func NewPortal(cfg *config.Config, ks *keys.Keystore, st CitizenStore, rec *Record, offers portal.Offers, ek *portal.EKYC, now func() time.Time) (*Portal, error) {
	d := cfg.DigiLocker
	if d.Mode == config.DigiLockerOff {
		return nil, nil
	}
	public := strings.TrimRight(cfg.Server.PublicURL, "/")
	callback := public + portal.PathCallback
	out := &Portal{}
	dc := digilocker.Config{BaseURL: d.BaseURL, ClientID: d.ClientID, ClientSecret: d.ClientSecret, RedirectURI: callback, Now: now,
		HTTP: &http.Client{Timeout: d.Timeout}}
	if d.AuthStyle == "form" {
		dc.AuthStyle = digilocker.AuthInForm
	} else {
		dc.AuthStyle = digilocker.AuthBasic
	}
	mobileRedirect := d.MobileRedirectURI
	var roots []*x509.Certificate
	if d.Mode == config.DigiLockerSandbox {
		secret, err := ks.DataKey().DeriveKey("pramaan digilocker sandbox client secret v1")
		if err != nil {
			return nil, err
		}
		if mobileRedirect == "" {
			mobileRedirect = SandboxMobileRedirectURI
		}
		dc.BaseURL, dc.ClientID, dc.ClientSecret = public+sandboxBasePath, SandboxClientID, hex.EncodeToString(secret)
		out.Sandbox = sandbox.New(sandbox.Config{ClientID: dc.ClientID, ClientSecret: dc.ClientSecret,
			RedirectURIs: []string{callback, mobileRedirect}, Now: now})
		roots = append(roots, out.Sandbox.EAadhaarRoot())
	}
	for _, f := range d.EAadhaarRoots {
		data, err := os.ReadFile(resolvePath(cfg, f))
		if err != nil {
			return nil, fmt.Errorf("digilocker.eaadhaar_roots: %w", err)
		}
		certs, err := android.ParsePEMChain(data)
		if err != nil {
			return nil, fmt.Errorf("digilocker.eaadhaar_roots: %s: %w", f, err)
		}
		roots = append(roots, certs...)
	}
	client, err := digilocker.New(dc)
	if err != nil {
		return nil, err
	}
	var mobile *digilocker.Client
	if mobileRedirect != "" {
		mc := dc
		mc.RedirectURI = mobileRedirect
		if mobile, err = digilocker.New(mc); err != nil {
			return nil, err
		}
	}
	tokens, err := digilocker.NewTokens(digilocker.TokensConfig{Client: client, Store: st, Sealer: ks.DataKey(), RefreshBefore: d.RefreshBefore, Now: now})
	if err != nil {
		return nil, err
	}
	xcfg := extract.DefaultConfig()
	if d.Extraction != "" {
		b, err := os.ReadFile(resolvePath(cfg, d.Extraction))
		if err != nil {
			return nil, fmt.Errorf("digilocker.extraction: %w", err)
		}
		if xcfg, err = extract.ParseConfig(b); err != nil {
			return nil, fmt.Errorf("digilocker.extraction: %w", err)
		}
	}
	ex, err := extract.New(xcfg)
	if err != nil {
		return nil, err
	}
	offer := d.Offer
	if len(offer) == 0 {
		for id := range cfg.CredentialConfigurations {
			offer = append(offer, id)
		}
		slices.Sort(offer)
	}
	rp, esb, err := newESignet(cfg, ks, now)
	if err != nil {
		return nil, err
	}
	out.ESignetSandbox = esb
	pc := portal.Config{
		Client: client, MobileClient: mobile, Tokens: tokens, Extractor: ex,
		EAadhaar: digilocker.EAadhaarOptions{Roots: pool(roots), Now: now},
		DocTypes: d.DocTypes, Configurations: offer,
		Store: st, Record: rec.Claims, Offers: offers, Audit: rec.Audit, Sealer: ks.DataKey(),
		Sandbox: d.Mode == config.DigiLockerSandbox, SessionTTL: d.SessionTTL, Now: now,
	}
	if rp != nil {
		pc.ESignet, pc.ESignetSandbox = rp, esb != nil
	}
	pc.EKYC, pc.EKYCSandbox = ek, ek != nil && cfg.EKYC.Mode == config.EKYCSandbox
	if cfg.Face.Enabled {
		if out.Face, err = newFace(cfg, ks, st, rec, now); err != nil {
			return nil, err
		}
		pc.Face, pc.FaceLinkTTL = out.Face, cfg.Face.LinkTTL
	}
	svc, err := portal.New(pc)
	if err != nil {
		return nil, err
	}
	out.Service = svc
	return out, nil
}

// pool is a pool of roots; nil when there are none (e-Aadhaar import
// off).
func pool(roots []*x509.Certificate) *x509.CertPool {
	if len(roots) == 0 {
		return nil
	}
	p := x509.NewCertPool()
	for _, c := range roots {
		p.AddCert(c)
	}
	return p
}

// ESignetHandler is the eSignet simulator to mount, or nil.
func (p *Portal) ESignetHandler() http.Handler {
	if p == nil || p.ESignetSandbox == nil {
		return nil
	}
	return p.ESignetSandbox.Handler()
}

// Handler is the simulator to mount, or nil.
func (p *Portal) Handler() http.Handler {
	if p == nil || p.Sandbox == nil {
		return nil
	}
	return p.Sandbox.Handler()
}

// newFace builds face enrollment over the store and the record.
func newFace(cfg *config.Config, ks *keys.Keystore, st CitizenStore, rec *Record, now func() time.Time) (*face.Service, error) {
	key, err := ks.DataKey().DeriveKey("pramaan face aadhaar correlation v1")
	if err != nil {
		return nil, err
	}
	models := make([]face.Model, 0, len(cfg.Face.Models))
	for _, m := range cfg.Face.Models {
		models = append(models, face.Model{ID: m.ID, Dimension: m.Dimension, MatchThreshold: m.MatchThreshold, DuplicateThreshold: m.DuplicateThreshold})
	}
	return face.New(face.Config{Store: st, Sealer: ks.DataKey(), Record: rec.Claims, Audit: rec.Audit, Models: models,
		CorrelationKey: key, LinkTTL: cfg.Face.LinkTTL, Now: now})
}
