package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pramaan/pramaan/issuer"
)

// NewIssuance returns an issuance record of configID for offerID at t0.
func NewIssuance(t testing.TB, offerID, configID string) issuer.IssuedCredential {
	return issuer.IssuedCredential{
		ID: randomID(t), OfferID: offerID, Subject: "subject-" + offerID, ConfigurationID: configID,
		Format: "dc+sd-jwt", Count: 2, IssuedAt: t0,
	}
}

// NewDeferred returns a deferred issuance expiring a day after t0.
func NewDeferred(t testing.TB, transactionID string) issuer.Deferred {
	return issuer.Deferred{
		ID: randomID(t), TransactionHash: hashOf(transactionID), OfferID: "offer-" + randomID(t), ConfigurationID: "aadhaar_mdoc",
		HolderKeys: []byte(`[{"kty":"EC","crv":"P-256","x":"x","y":"y"}]`), CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour),
	}
}

func testIssuance(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	c := NewIssuance(t, "offer-1", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, c); err != nil {
		t.Fatalf("RecordIssuance: %v", err)
	}
	got, err := s.Issuance(ctx, c.ID)
	if err != nil || got != c {
		t.Fatalf("Issuance = %+v, %v; want %+v", got, err, c)
	}
	again := NewIssuance(t, "offer-1", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, again); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("second issuance of the configuration: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Issuance(ctx, again.ID); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("the refused record was stored: %v", err)
	}
	if err := s.RecordIssuance(ctx, NewIssuance(t, "offer-1", "aadhaar_mdoc")); err != nil {
		t.Fatalf("another configuration of the offer: %v", err)
	}
	// Notifications: only for the offer's own issuance.
	if err := s.RecordNotification(ctx, "offer-2", c.ID, "credential_deleted", "", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("notification from another offer: err = %v, want ErrNotFound", err)
	}
	if got, _ := s.Issuance(ctx, c.ID); got.Event != "" {
		t.Fatalf("a refused notification changed the row: %+v", got)
	}
	if err := s.RecordNotification(ctx, "offer-1", c.ID, "credential_failure", "storage full", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordNotification(ctx, "offer-1", c.ID, "credential_accepted", "", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := c
	want.Event, want.EventAt = "credential_accepted", t0.Add(2*time.Minute)
	if got, err := s.Issuance(ctx, c.ID); err != nil || got != want {
		t.Fatalf("after two notifications = %+v, %v; want %+v", got, err, want)
	}
	if err := s.RecordNotification(ctx, "offer-1", "unknown", "credential_accepted", "", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown notification id: err = %v, want ErrNotFound", err)
	}
}

func testReplies(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	r := issuer.Reply{Key: hashOf("request-1"), Status: 200, ContentType: "application/json", Body: []byte("sealed-1"), ExpiresAt: t0.Add(time.Minute)}
	if err := s.SaveReply(ctx, r, t0); err != nil {
		t.Fatalf("SaveReply: %v", err)
	}
	dup := r
	dup.Body = []byte("sealed-2")
	if err := s.SaveReply(ctx, dup, t0.Add(30*time.Second)); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate unexpired reply: err = %v, want ErrAlreadyExists", err)
	}
	got, err := s.Reply(ctx, r.Key, t0.Add(59*time.Second))
	if err != nil || !bytes.Equal(got.Body, r.Body) || got.Status != 200 || got.ContentType != r.ContentType || !got.ExpiresAt.Equal(r.ExpiresAt) {
		t.Fatalf("Reply = %+v, %v; want the first body", got, err)
	}
	if _, err := s.Reply(ctx, r.Key, r.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Reply at expiry: err = %v, want ErrNotFound", err)
	}
	later := dup
	later.ExpiresAt = t0.Add(3 * time.Minute)
	if err := s.SaveReply(ctx, later, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("replacing an expired reply: %v", err)
	}
	if got, err := s.Reply(ctx, r.Key, t0.Add(2*time.Minute)); err != nil || !bytes.Equal(got.Body, []byte("sealed-2")) {
		t.Fatalf("Reply after replacement = %+v, %v", got, err)
	}
	if _, err := s.Reply(ctx, hashOf("unknown"), t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown key: err = %v, want ErrNotFound", err)
	}
}

func testDeferred(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	d := NewDeferred(t, "tx-1")
	if err := s.CreateDeferred(ctx, d); err != nil {
		t.Fatalf("CreateDeferred: %v", err)
	}
	dup := NewDeferred(t, "tx-1")
	if err := s.CreateDeferred(ctx, dup); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate transaction: err = %v, want ErrAlreadyExists", err)
	}
	got, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0)
	if err != nil || !equalDeferred(got, d) {
		t.Fatalf("DeferredByTransaction = %+v, %v; want %+v", got, err, d)
	}
	if list, err := s.ListDeferred(ctx, t0, 10); err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("ListDeferred = %+v, %v", list, err)
	}
	if _, err := s.CollectDeferred(ctx, d.TransactionHash, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("collect before approval: err = %v, want ErrNotFound", err)
	}
	if err := s.ApproveDeferred(ctx, d.ID, t0.Add(time.Minute)); err != nil {
		t.Fatalf("ApproveDeferred: %v", err)
	}
	if err := s.ApproveDeferred(ctx, d.ID, t0.Add(2*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second approval: err = %v, want ErrNotFound", err)
	}
	if err := s.ApproveDeferred(ctx, "unknown", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("approve unknown: err = %v, want ErrNotFound", err)
	}
	collected, err := s.CollectDeferred(ctx, d.TransactionHash, t0.Add(3*time.Minute))
	want := d
	want.ApprovedAt, want.IssuedAt = t0.Add(time.Minute), t0.Add(3*time.Minute)
	if err != nil || !equalDeferred(collected, want) {
		t.Fatalf("CollectDeferred = %+v, %v; want %+v", collected, err, want)
	}
	if _, err := s.CollectDeferred(ctx, d.TransactionHash, t0.Add(4*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second collect: err = %v, want ErrNotFound", err)
	}
	if _, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0.Add(4*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("lookup after collection: err = %v, want ErrNotFound", err)
	}
	if list, err := s.ListDeferred(ctx, t0, 10); err != nil || len(list) != 0 {
		t.Fatalf("ListDeferred after collection = %+v, %v", list, err)
	}
	// Expiry: an approved but uncollected issuance cannot be collected late.
	e := NewDeferred(t, "tx-2")
	if err := s.CreateDeferred(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.ApproveDeferred(ctx, e.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CollectDeferred(ctx, e.TransactionHash, e.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("collect at expiry: err = %v, want ErrNotFound", err)
	}
	if err := s.ApproveDeferred(ctx, NewDeferred(t, "tx-3").ID, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("approve of a never-created id: err = %v", err)
	}
}

func equalDeferred(a, b issuer.Deferred) bool {
	return a.ID == b.ID && bytes.Equal(a.TransactionHash, b.TransactionHash) && a.OfferID == b.OfferID &&
		a.ConfigurationID == b.ConfigurationID && bytes.Equal(a.HolderKeys, b.HolderKeys) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.ApprovedAt.Equal(b.ApprovedAt) && a.IssuedAt.Equal(b.IssuedAt)
}
