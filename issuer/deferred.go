package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// defer_ records a deferred issuance (Section 9) and answers 202 with a
// transaction_id. The issuance record is made now, so the configuration
// of the offer cannot be asked for twice; its ID is the notification_id
// of the eventual response and the handle an operator approves.
func (s *Service) defer_(ctx context.Context, o Offer, configID string, holderKeys []ProofKey, key []byte, enc *oid4vci.ResponseEncryption, now time.Time) (*Response, error) {
	cc := s.cfg.Configurations[configID]
	id, err := s.randomString(16)
	if err != nil {
		return nil, err
	}
	txID, err := s.randomString(32)
	if err != nil {
		return nil, err
	}
	jwks := make([]map[string]any, len(holderKeys))
	for i, k := range holderKeys {
		jwks[i] = k.JWK
	}
	hk, err := json.Marshal(jwks)
	if err != nil {
		return nil, fmt.Errorf("issuer: holder keys: %w", err)
	}
	rec := IssuedCredential{ID: id, OfferID: o.ID, Subject: o.Subject, ConfigurationID: configID, Format: cc.Format, Count: len(holderKeys), IssuedAt: now}
	if err := s.cfg.Store.RecordIssuance(ctx, rec, nil); err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return nil, oid4vci.Errorf(oid4vci.CodeCredentialRequestDenied, "credential %s was already requested for this offer", configID)
		}
		return nil, fmt.Errorf("issuer: record issuance: %w", err)
	}
	txHash := sha256.Sum256([]byte(txID))
	d := Deferred{
		ID: id, TransactionHash: txHash[:], OfferID: o.ID, ConfigurationID: configID,
		HolderKeys: hk, CreatedAt: now, ExpiresAt: now.Add(s.limits.DeferredTTL),
	}
	if err := s.cfg.Store.CreateDeferred(ctx, d); err != nil {
		return nil, fmt.Errorf("issuer: store deferred issuance: %w", err)
	}
	return s.pending(ctx, key, txID, enc, now)
}

func (s *Service) pending(ctx context.Context, key []byte, txID string, enc *oid4vci.ResponseEncryption, now time.Time) (*Response, error) {
	payload, err := json.Marshal(oid4vci.CredentialResponse{TransactionID: txID, Interval: int64(s.limits.DeferredInterval.Seconds())})
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, key, http.StatusAccepted, payload, enc, now)
}

// DeferredCredential answers POST /deferred_credential (Section 9): 202
// again while the issuance waits for approval, the credentials once it is
// approved (the transaction_id is then spent), invalid_transaction_id for
// an unknown, spent or foreign transaction.
func (s *Service) DeferredCredential(ctx context.Context, r *Request) (*Response, error) {
	now := s.now()
	at, _, err := s.authorize(ctx, r, now)
	if err != nil {
		return nil, err
	}
	plain, encrypted, err := s.requestBody(r)
	if err != nil {
		return nil, err
	}
	req, err := oid4vci.ParseDeferredCredentialRequest(plain, oid4vci.Limits{})
	if err != nil {
		return nil, err
	}
	if err := s.checkEncryption(encrypted, req.CredentialResponseEncryption); err != nil {
		return nil, err
	}
	txHash := sha256.Sum256([]byte(req.TransactionID))
	invalid := oid4vci.NewError(oid4vci.CodeInvalidTransactionID, "the transaction_id is unknown, expired or was already used")
	d, err := s.cfg.Store.DeferredByTransaction(ctx, txHash[:], now)
	if errors.Is(err, ErrNotFound) || (err == nil && d.OfferID != at.Offer) {
		return nil, invalid
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: load deferred issuance: %w", err)
	}
	if d.ApprovedAt.IsZero() {
		return s.pending(ctx, nil, req.TransactionID, req.CredentialResponseEncryption, now)
	}
	cc, ok := s.cfg.Configurations[d.ConfigurationID]
	if !ok {
		return nil, oid4vci.NewError(oid4vci.CodeCredentialRequestDenied, "the credential configuration is no longer offered")
	}
	offer, claims, err := s.offerClaims(ctx, d.OfferID, now)
	if err != nil {
		return nil, err
	}
	holderKeys, err := storedHolderKeys(d.HolderKeys)
	if err != nil {
		return nil, err
	}
	// Sign before spending the transaction: a failure leaves it usable.
	creds, err := s.issue(ctx, cc, claims, holderKeys, now, StatusRef{SubjectID: offer.Subject, ConfigurationID: d.ConfigurationID,
		Format: cc.Format, OfferID: offer.ID})
	if err != nil {
		return nil, err
	}
	if _, err := s.cfg.Store.CollectDeferred(ctx, txHash[:], now); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, invalid
		}
		return nil, fmt.Errorf("issuer: collect deferred issuance: %w", err)
	}
	payload, err := json.Marshal(oid4vci.CredentialResponse{Credentials: creds, NotificationID: d.ID})
	if err != nil {
		return nil, err
	}
	resp, err := s.finish(ctx, nil, http.StatusOK, payload, req.CredentialResponseEncryption, now)
	if err != nil {
		return nil, err
	}
	resp.IssuedFormat, resp.IssuedCount = cc.Format, len(creds)
	return resp, nil
}

// storedHolderKeys turns the JWKs kept with a deferred issuance back into
// proof keys; they were verified when the proofs were.
func storedHolderKeys(data []byte) ([]ProofKey, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("issuer: stored holder keys: %w", err)
	}
	out := make([]ProofKey, len(raws))
	for i, raw := range raws {
		pk, err := parsePublicJWK(raw, "ES256")
		if err != nil {
			return nil, fmt.Errorf("issuer: stored holder key %d: %w", i, err)
		}
		out[i] = ProofKey{PublicKey: pk.pub, JWK: pk.jwk, Thumbprint: pk.thumbprint, Alg: "ES256"}
	}
	return out, nil
}

// ApproveDeferred answers POST /admin/deferred/{id}/approve.
func (s *Service) ApproveDeferred(ctx context.Context, r *Request) (*Response, error) {
	if r.PathID == "" || len(r.PathID) > 64 {
		return nil, deferredNotFound()
	}
	err := s.cfg.Store.ApproveDeferred(ctx, r.PathID, s.now())
	if errors.Is(err, ErrNotFound) {
		return nil, deferredNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: approve deferred issuance: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"id": r.PathID, "status": "approved"})
	return jsonResponse(http.StatusOK, body, noStore()), nil
}

func deferredNotFound() error {
	return oid4vci.NewError(oid4vci.CodeInvalidRequest, "no pending deferred issuance with this id").WithStatus(http.StatusNotFound)
}

// Notification answers POST /notification (Section 11): the event is
// recorded against the issuance; 204 on success, invalid_notification_id
// for an id this access token did not receive.
func (s *Service) Notification(ctx context.Context, r *Request) (*Response, error) {
	now := s.now()
	at, _, err := s.authorize(ctx, r, now)
	if err != nil {
		return nil, err
	}
	if !hasMediaType(r.Header, oid4vci.MediaTypeJSON) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidNotificationRequest, "Content-Type must be application/json")
	}
	req, err := oid4vci.ParseNotificationRequest(r.Body, oid4vci.Limits{})
	if err != nil {
		return nil, err
	}
	err = s.cfg.Store.RecordNotification(ctx, at.Offer, req.NotificationID, string(req.Event), req.EventDescription, now)
	if errors.Is(err, ErrNotFound) {
		return nil, oid4vci.NewError(oid4vci.CodeInvalidNotificationID, "the notification_id is unknown to this access token")
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: record notification: %w", err)
	}
	if req.Event == oid4vci.EventCredentialDeleted && s.cfg.Deleted != nil {
		if err := s.cfg.Deleted.CredentialDeleted(ctx, req.NotificationID); err != nil {
			return nil, fmt.Errorf("issuer: credential_deleted: %w", err)
		}
	}
	return &Response{Status: http.StatusNoContent, Header: noStore()}, nil
}

// maxDeferredListed bounds GET /admin/deferred.
const maxDeferredListed = 500

// deferredItem is one entry of GET /admin/deferred: no claims, no keys.
type deferredItem struct {
	ID              string    `json:"id"`
	OfferID         string    `json:"offer_id"`
	ConfigurationID string    `json:"credential_configuration_id"`
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	Approved        bool      `json:"approved"`
}

// ListDeferred answers GET /admin/deferred: the deferred issuances that
// are neither collected nor expired, oldest first, for an operator to
// approve.
func (s *Service) ListDeferred(ctx context.Context, _ *Request) (*Response, error) {
	ds, err := s.cfg.Store.ListDeferred(ctx, s.now(), maxDeferredListed)
	if err != nil {
		return nil, fmt.Errorf("issuer: list deferred issuances: %w", err)
	}
	items := make([]deferredItem, len(ds))
	for i, d := range ds {
		items[i] = deferredItem{ID: d.ID, OfferID: d.OfferID, ConfigurationID: d.ConfigurationID, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, Approved: !d.ApprovedAt.IsZero()}
	}
	body, err := json.Marshal(map[string]any{"deferred": items})
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, body, noStore()), nil
}
