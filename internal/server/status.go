package server

import (
	"context"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/record"
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

// deletedRevoker revokes an issuance its wallet reports deleted.
type deletedRevoker struct{ s *credstatus.Service }

func (d deletedRevoker) CredentialDeleted(ctx context.Context, notificationID string) error {
	_, err := d.s.RevokeIssuance(ctx, notificationID, "credential_deleted notification", "wallet")
	return err
}

// Lifecycle is the credentials' lifecycle with the record: the status
// lists, and the withdrawal of claims, which revokes the subject's
// credentials whose configurations carry a withdrawn claim.
type Lifecycle struct {
	*credstatus.Service
	Record *record.Service
	// sources are the claim sources of each credential configuration.
	sources map[string][]string
}

// NewLifecycle joins the status lists to the record.
func NewLifecycle(cfg *config.Config, st *credstatus.Service, rec *record.Service) *Lifecycle {
	l := &Lifecycle{Service: st, Record: rec, sources: map[string][]string{}}
	for id, cc := range cfg.CredentialConfigurations {
		for _, c := range cc.Claims {
			l.sources[id] = append(l.sources[id], c.Source)
		}
	}
	return l
}

// Withdraw deletes the named claims of a subject from the record and
// revokes the subject's credentials that carry one of them (a claim, one
// of its members, or the object holding it); a new offer for the subject
// (POST /admin/offers with subject_id) then re-issues from what remains.
func (l *Lifecycle) Withdraw(ctx context.Context, subjectID string, names []string, reason string) (int, []string, error) {
	n, err := l.Record.Withdraw(ctx, subjectID, names, reason)
	if err != nil {
		return 0, nil, err
	}
	var affected []string
	for id, sources := range l.sources {
		if carries(sources, names) {
			affected = append(affected, id)
		}
	}
	revoked, err := l.RevokeSubject(ctx, subjectID, affected, "claim withdrawn: "+reason, "operator")
	return n, revoked, err
}

// carries reports whether a configuration with these claim sources
// carries one of the withdrawn names.
func carries(sources, names []string) bool {
	for _, s := range sources {
		for _, n := range names {
			if s == n || strings.HasPrefix(s, n+".") || strings.HasPrefix(n, s+".") {
				return true
			}
		}
	}
	return false
}
