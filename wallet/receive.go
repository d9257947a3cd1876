package wallet

import (
	"context"
	"crypto"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// ReceiveOptions configure Receive.
type ReceiveOptions struct {
	// TxCode is the Transaction Code, when the offer asks for one.
	TxCode string
	// ConfigurationIDs to ask for; empty means all the offer names.
	ConfigurationIDs []string
	// Encrypt, Enc and Zip are as in CredentialOptions.
	Encrypt bool
	Enc     string
	Zip     bool
	// Batch is the number of credentials (and holder keys) per
	// configuration; zero means 1.
	Batch int
	// Keys make the holder keys; nil means an in-memory store.
	Keys KeyStore
	// Store, when set, keeps each verified credential before the issuer
	// is told credential_accepted (Section 11.1: "successfully stored").
	Store CredentialStore
	// DeferredWait bounds how long Receive polls a deferred issuance;
	// zero returns the pending transaction without polling.
	DeferredWait time.Duration
	// ProofType, KeyAttestation and AndroidAttestation are as in
	// CredentialOptions.
	ProofType          string
	KeyAttestation     func(ctx context.Context, nonce string, keys []crypto.PublicKey) (string, error)
	AndroidAttestation func(ctx context.Context, nonce string, keys []crypto.PublicKey) ([][][]byte, error)
}

// credentialOptions is the CredentialOptions part of ReceiveOptions.
func (o ReceiveOptions) credentialOptions(id string, keys []crypto.Signer) CredentialOptions {
	return CredentialOptions{
		ConfigurationID: id, Keys: keys, Encrypt: o.Encrypt, Enc: o.Enc, Zip: o.Zip,
		ProofType: o.ProofType, KeyAttestation: o.KeyAttestation, AndroidAttestation: o.AndroidAttestation,
	}
}

// Received is one verified credential, or a pending deferred issuance.
type Received struct {
	Format          string
	ConfigurationID string
	Issuer          string
	Credential      string
	KeyID           string
	NotificationID  string
	Claims          map[string]any
	ValidUntil      time.Time
	// File is where Store kept the credential.
	File string
	// TransactionID is set, and Credential empty, for an issuance still
	// pending when DeferredWait ran out.
	TransactionID string
	// NotifyError is the failure of the credential_accepted notification,
	// which does not undo a stored credential.
	NotifyError error
}

// Receive runs the whole Pre-Authorized Code flow for an offer: offer,
// metadata, token, and per configuration holder keys, a c_nonce and a
// Credential Request, then deferred polling within DeferredWait. Every
// credential is verified (issuer chain to Roots, the configuration's vct
// or doctype, binding to its own holder key) before it is stored or
// returned; a credential that fails makes Receive send credential_failure
// and return an error, and the credentials of earlier configurations
// come back with it. Verified credentials are acknowledged with
// credential_accepted.
func (c *Client) Receive(ctx context.Context, offerString string, opts ReceiveOptions) ([]Received, error) {
	offer, err := c.ParseOffer(ctx, offerString)
	if err != nil {
		return nil, err
	}
	iss, err := c.Discover(ctx, offer.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	ids := opts.ConfigurationIDs
	if len(ids) == 0 {
		ids = offer.CredentialConfigurationIDs
	}
	batch := max(opts.Batch, 1)
	// Refuse what cannot work before the single-use code is spent.
	for _, id := range ids {
		if !slices.Contains(offer.CredentialConfigurationIDs, id) {
			return nil, fmt.Errorf("wallet: configuration %q is not in the offer", id)
		}
		conf, ok := iss.Metadata.CredentialConfigurations[id]
		if !ok {
			return nil, fmt.Errorf("%w: configuration %q is not in the issuer metadata", ErrResponse, id)
		}
		if conf.Format != oid4vci.FormatSDJWTVC && conf.Format != oid4vci.FormatMsoMdoc {
			return nil, fmt.Errorf("%w: configuration %q has format %q", ErrUnsupported, id, conf.Format)
		}
		if err := c.checkKeys(iss.Metadata, conf, opts.credentialOptions(id, make([]crypto.Signer, batch))); err != nil {
			return nil, err
		}
	}
	if _, err := encryptionFor(iss.Metadata, opts.Encrypt, opts.Enc, opts.Zip); err != nil {
		return nil, err
	}
	sess, err := c.Token(ctx, iss, offer, opts.TxCode)
	if err != nil {
		return nil, err
	}
	ks := opts.Keys
	if ks == nil {
		ks = NewMemoryKeyStore()
	}
	var out []Received
	for _, id := range ids {
		got, err := c.receiveOne(ctx, sess, id, batch, ks, opts)
		out = append(out, got...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// receiveOne asks for one configuration and verifies what comes back.
func (c *Client) receiveOne(ctx context.Context, sess *Session, id string, batch int, ks KeyStore, opts ReceiveOptions) ([]Received, error) {
	md := sess.Issuer.Metadata
	conf := md.CredentialConfigurations[id]
	keys := make([]crypto.Signer, batch)
	keyIDs := make([]string, batch)
	pubs := make([]crypto.PublicKey, batch)
	for i := range keys {
		var err error
		if keys[i], keyIDs[i], err = ks.NewKey(ctx); err != nil {
			return nil, fmt.Errorf("wallet: holder key: %w", err)
		}
		pubs[i] = keys[i].Public()
	}
	res, err := c.Credential(ctx, sess, opts.credentialOptions(id, keys))
	if err != nil {
		return nil, fmt.Errorf("configuration %s: %w", id, err)
	}
	deadline := time.Now().Add(opts.DeferredWait)
	for res.Status == http.StatusAccepted {
		wait := max(res.Interval, 10*time.Millisecond)
		if time.Until(deadline) < wait {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if res, err = c.Deferred(ctx, sess, res.TransactionID); err != nil {
			return nil, fmt.Errorf("configuration %s: %w", id, err)
		}
	}
	if res.Status == http.StatusAccepted {
		return []Received{{Format: conf.Format, ConfigurationID: id, Issuer: md.CredentialIssuer, TransactionID: res.TransactionID}}, nil
	}
	if len(res.Credentials) == 0 {
		return nil, fmt.Errorf("%w: configuration %s: no credential", ErrResponse, id)
	}
	vo := VerifyOptions{Format: conf.Format, VCT: conf.VCT, Doctype: conf.Doctype, Issuer: md.CredentialIssuer, Holders: pubs}
	used := make([]bool, batch)
	out := make([]Received, 0, len(res.Credentials))
	fail := func(err error) ([]Received, error) {
		// Best effort: the error to report is err, not the notification's.
		_ = c.notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialFailure, "the wallet could not verify or store the credential")
		return nil, fmt.Errorf("configuration %s: %w", id, err)
	}
	for _, cred := range res.Credentials {
		v, err := c.Verify(ctx, cred, vo)
		if err != nil {
			return fail(err)
		}
		if used[v.Holder] {
			return fail(fmt.Errorf("%w: two credentials are bound to the same holder key", ErrVerification))
		}
		used[v.Holder] = true
		out = append(out, Received{
			Format: conf.Format, ConfigurationID: id, Issuer: md.CredentialIssuer, Credential: cred,
			KeyID: keyIDs[v.Holder], NotificationID: res.NotificationID, Claims: v.Claims, ValidUntil: v.ValidUntil,
		})
	}
	if opts.Store != nil {
		for i := range out {
			if out[i].File, err = opts.Store.Save(out[i], c.now()); err != nil {
				return fail(err)
			}
		}
	}
	if err := c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialAccepted); err != nil {
		for i := range out {
			out[i].NotifyError = err
		}
	}
	return out, nil
}
