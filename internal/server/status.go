package server

import (
	"context"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/issuer"
)

// NewStatus builds the credentials' status lists (nil when status is off),
// signed by the credential signer with its x5c chain.
func NewStatus(cfg *config.Config, ks *keys.Keystore, st credstatus.Store, log *audit.Log, now func() time.Time) (*credstatus.Service, error) {
	s := cfg.Status
	if !s.Enabled {
		return nil, nil
	}
	cs := ks.CredentialSigner()
	return credstatus.New(credstatus.Config{
		Store: st, Audit: log, Signer: cs, Chain: cs.Chain(), KeyID: cs.KeyID(),
		BaseURL: strings.TrimRight(cfg.Server.PublicURL, "/") + "/status/",
		Bits:    s.Bits, Size: s.ListSize, TTL: s.TTL, Validity: s.Validity, Now: now,
	})
}

// StatusAllocator adapts the status lists to the issuer.
func StatusAllocator(s *credstatus.Service) issuer.StatusAllocator {
	if s == nil {
		return nil
	}
	return statusAllocator{s}
}

type statusAllocator struct{ s *credstatus.Service }

func (a statusAllocator) AllocateStatus(ctx context.Context, ref issuer.StatusRef) (*issuer.StatusEntry, error) {
	al, err := a.s.Allocate(ctx, credstatus.Ref{SubjectID: ref.SubjectID, ConfigurationID: ref.ConfigurationID, Format: ref.Format,
		OfferID: ref.OfferID, NotificationID: ref.NotificationID})
	if err != nil {
		return nil, err
	}
	return &issuer.StatusEntry{CredentialID: al.CredentialID, URI: al.URI, Index: al.Index}, nil
}
