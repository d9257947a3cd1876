package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/httpsig"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/store/postgres"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
	"github.com/pramaan/pramaan/wellknown"
)

// DatabaseFile is the SQLite database of the embedded default, in the
// data directory.
const DatabaseFile = "pramaan.db"

// Store is what a running issuer needs of a store backend.
type Store interface {
	issuer.Store
	issuer.Sweeper
	CitizenStore
	credstatus.Store
	Ping(ctx context.Context) error
	Close() error
}

// OpenStore opens Postgres when databaseURL is set, else SQLite in
// dataDir; both apply their migrations. It also returns a printable
// description of the database, without its password.
func OpenStore(ctx context.Context, databaseURL, dataDir string) (Store, string, error) {
	if databaseURL != "" {
		// Open applies the migrations under an advisory lock, so
		// instances starting together do not race.
		st, err := postgres.Open(ctx, databaseURL)
		if err != nil {
			return nil, "", err
		}
		return st, "postgres " + redactURL(databaseURL), nil
	}
	path := filepath.Join(dataDir, DatabaseFile)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	return st, "sqlite " + path, nil
}

// redactURL hides the password of a database URL for printing.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "(database URL)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		cred := rest[:at]
		if user, _, hasPw := strings.Cut(cred, ":"); hasPw {
			rest = user + ":REDACTED" + rest[at:]
		}
	}
	return scheme + "://" + rest
}

// NewIssuer turns a validated configuration and an open keystore into the
// issuer service.
func NewIssuer(cfg *config.Config, ks *keys.Keystore, st issuer.Store, now func() time.Time) (*issuer.Service, error) {
	return NewIssuerWithSubjects(cfg, ks, st, now, nil)
}

// NewIssuerWithSubjects is NewIssuer whose offers may name a subject_id
// of the verified-claims record (subjects nil: they may not).
func NewIssuerWithSubjects(cfg *config.Config, ks *keys.Keystore, st issuer.Store, now func() time.Time, subjects issuer.SubjectClaims) (*issuer.Service, error) {
	return NewIssuerWithStatus(cfg, ks, st, now, subjects, nil)
}

// issuerExtras are the optional collaborators of the issuer.
type issuerExtras struct {
	status  issuer.StatusAllocator
	deleted issuer.DeletionHandler
}

// NewIssuerWithStatus is NewIssuerWithSubjects whose credentials get
// status list entries from status (nil: none).
func NewIssuerWithStatus(cfg *config.Config, ks *keys.Keystore, st issuer.Store, now func() time.Time, subjects issuer.SubjectClaims, status *credstatus.Service) (*issuer.Service, error) {
	var x issuerExtras
	if status != nil {
		x.status = StatusAllocator(status)
		if cfg.Status.RevokeOnDeleted {
			x.deleted = deletedRevoker{status}
		}
	}
	rk := ks.RequestDecrypter()
	reqKey := wellknown.KeySpec{Key: rk.PublicKey(), KeyID: rk.KeyID(), Use: wellknown.UseEnc, Alg: rk.Algorithm()}
	wk, err := cfg.WellKnown(reqKey)
	if err != nil {
		return nil, err
	}
	builder, err := wellknown.NewBuilder(wk)
	if err != nil {
		return nil, err
	}
	cs := ks.CredentialSigner()
	signer, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{
		Signer: cs, Certificates: cs.Chain(), Issuer: cfg.Server.PublicURL, Lifetime: 24 * time.Hour, Clock: now,
	})
	if err != nil {
		return nil, fmt.Errorf("metadata signer: %w", err)
	}
	enc := cfg.Encryption
	policy, err := issuer.NewEncryptionPolicy(issuer.EncryptionConfig{
		ResponseAlgs:     enc.Response.Alg,
		ResponseEncs:     enc.Response.Enc,
		ResponseDeflate:  slices.Contains(enc.Response.Zip, "DEF"),
		ResponseRequired: enc.Response.Required,
		RequestEncs:      enc.Request.Enc,
		RequestDeflate:   slices.Contains(enc.Request.Zip, "DEF"),
		RequestRequired:  enc.Request.Required,
	})
	if err != nil {
		return nil, err
	}
	nonceKey, err := ks.DataKey().DeriveKey("pramaan dpop-nonce v1")
	if err != nil {
		return nil, err
	}
	confs := make(map[string]issuer.CredentialConfiguration, len(cfg.CredentialConfigurations))
	for id, cc := range cfg.CredentialConfigurations {
		ic := issuer.CredentialConfiguration{
			Format: cc.Format, VCT: cc.VCT, Doctype: cc.Doctype, Namespace: cc.Namespace,
			Validity: cc.Validity, Deferred: cc.Deferred,
		}
		ic.ProofTypes, ic.ProofAlgs = cc.ProofTypeList()
		if r := cc.KeyAttestationsRequired; r != nil {
			ic.KeyAttestationRequired = &issuer.KeyAttestationRequirement{KeyStorage: r.KeyStorage, UserAuthentication: r.UserAuthentication}
		}
		for _, c := range cc.Claims {
			ic.Claims = append(ic.Claims, issuer.Claim{
				Path: c.Path, Source: c.Source, Mandatory: c.Mandatory, SelectivelyDisclosable: c.SelectivelyDisclosable,
			})
		}
		confs[id] = ic
	}
	var androidVerifier issuer.AndroidAttestationVerifier
	if usesProofType(cfg, wellknown.ProofTypeAndroidKeystoreAttestation) {
		v, err := newAndroidVerifier(cfg, now)
		if err != nil {
			return nil, err
		}
		androidVerifier = androidChains{v}
	}
	var keyAttestationVerifier issuer.KeyAttestationVerifier
	if len(cfg.KeyAttestation.WalletProviders) > 0 {
		v, err := newKeyAttestationVerifier(cfg, now)
		if err != nil {
			return nil, err
		}
		keyAttestationVerifier = keyAttestations{v}
	}
	var reqDecrypter *keys.RequestKey
	if enc.Request.Enabled {
		reqDecrypter = rk
	}
	l := cfg.Limits
	return issuer.New(issuer.Config{
		CredentialIssuer:  cfg.Server.PublicURL,
		Configurations:    confs,
		Store:             st,
		CredentialSigner:  cs,
		DocumentSigner:    ks.DocumentSigner(),
		RequestKey:        reqDecrypter,
		Encryption:        policy,
		EncryptionEnabled: enc.Response.Enabled,
		DataKey:           ks.DataKey(),
		Metadata:          builder,
		MetadataSigner:    signer,
		JWKS:              ks.JWKS(),
		DPoPNonceKey:      nonceKey,
		Android:           androidVerifier,
		KeyAttestations:   keyAttestationVerifier,
		Subjects:          subjects,
		Status:            x.status,
		Deleted:           x.deleted,
		Now:               now,
		Limits: issuer.Limits{
			PreAuthorizedCodeTTL: l.PreAuthorizedCodeTTL,
			OfferTTL:             l.OfferTTL,
			CNonceTTL:            l.CNonceTTL,
			TxCodeMaxAttempts:    l.TxCodeMaxAttempts,
			AccessTokenTTL:       l.AccessTokenTTL,
			ProofMaxAge:          l.ProofMaxAge,
			ClockSkew:            l.ClockSkew,
			BatchSize:            l.BatchSize,
			IdempotencyWindow:    l.IdempotencyWindow,
		},
	})
}

// NewOutboxWorker returns the worker that delivers callbacks to wallet
// backends, signing each request (RFC 9421) with the credential signer:
// its keyid is the kid of that key in the issuer's JWKS.
func NewOutboxWorker(cfg *config.Config, ks *keys.Keystore, st outbox.Store, now func() time.Time, logger *slog.Logger) *outbox.Worker {
	cs := ks.CredentialSigner()
	c := cfg.Callbacks
	return &outbox.Worker{
		Store:  st,
		Signer: &httpsig.Signer{Key: cs, KeyID: cs.KeyID(), Expires: 5 * time.Minute},
		Policy: outbox.Policy{
			MaxAttempts: c.MaxAttempts, BaseDelay: c.BaseDelay, MaxDelay: c.MaxDelay,
			Timeout: c.Timeout, Lease: c.Lease, Poll: c.Poll,
		},
		Now:    now,
		Logger: logger,
	}
}
