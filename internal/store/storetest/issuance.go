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

// testIssuance checks issuer.IssuanceStore (issuer/store.go): "each
// configuration of an offer is issued once" (ErrAlreadyExists), and a
// notification for another offer is "ErrNotFound and nothing changes" while
// "a later event replaces an earlier".
func testIssuance(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	c := NewIssuance(t, "offer-1", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, c, nil); err != nil {
		t.Fatalf("RecordIssuance: %v", err)
	}
	got, err := s.Issuance(ctx, c.ID)
	if err != nil || got != c {
		t.Fatalf("Issuance = %+v, %v; want %+v", got, err, c)
	}
	again := NewIssuance(t, "offer-1", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, again, nil); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("second issuance of the configuration: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Issuance(ctx, again.ID); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("the refused record was stored: %v", err)
	}
	if err := s.RecordIssuance(ctx, NewIssuance(t, "offer-1", "aadhaar_mdoc"), nil); err != nil {
		t.Fatalf("another configuration of the offer: %v", err)
	}
	// Notifications: only for the offer's own issuance.
	if err := s.RecordNotification(ctx, "offer-2", c.ID, "credential_deleted", "", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("notification from another offer: err = %v, want ErrNotFound", err)
	}
	if got, err := s.Issuance(ctx, c.ID); err != nil || got != c {
		t.Fatalf("after a refused notification the row is %+v, %v; want it unchanged, %+v", got, err, c)
	}
	if err := s.RecordNotification(ctx, "offer-1", c.ID, "credential_failure", "storage full", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	first := c
	first.Event, first.EventDescription, first.EventAt = "credential_failure", "storage full", t0.Add(time.Minute)
	if got, err := s.Issuance(ctx, c.ID); err != nil || got != first {
		t.Fatalf("after the first notification = %+v, %v; want %+v", got, err, first)
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
	if _, err := s.Issuance(ctx, "unknown"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("Issuance of an unknown id: err = %v, want ErrNotFound", err)
	}
}

// testReplies checks issuer.ReplyStore (issuer/store.go): SaveReply refuses
// an unexpired reply with the same key ("ErrAlreadyExists and nothing
// changes"), replaces an expired one, and Reply returns only unexpired replies.
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
	if got, err := s.Reply(ctx, r.Key, t0.Add(2*time.Minute)); err != nil || !bytes.Equal(got.Key, r.Key) || !bytes.Equal(got.Body, []byte("sealed-2")) ||
		got.Status != later.Status || got.ContentType != later.ContentType || !got.ExpiresAt.Equal(later.ExpiresAt) {
		t.Fatalf("Reply after replacement = %+v, %v; want %+v", got, err, later)
	}
	// The replacement is itself unexpired: a further save is refused.
	if err := s.SaveReply(ctx, r, t0.Add(2*time.Minute)); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("save over the unexpired replacement: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.Reply(ctx, hashOf("unknown"), t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown key: err = %v, want ErrNotFound", err)
	}
}

// testDeferred checks issuer.DeferredStore (issuer/store.go): duplicates are
// ErrAlreadyExists; approval is once, only before expiry; CollectDeferred
// needs an approved, unexpired, uncollected row and succeeds once.
func testDeferred(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	d := NewDeferred(t, "tx-1")
	if err := s.CreateDeferred(ctx, d); err != nil {
		t.Fatalf("CreateDeferred: %v", err)
	}
	// CreateDeferred: ErrAlreadyExists on a duplicate transaction hash or ID,
	// and the first row stays as it was.
	dup := NewDeferred(t, "tx-1")
	if err := s.CreateDeferred(ctx, dup); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate transaction: err = %v, want ErrAlreadyExists", err)
	}
	dupID := NewDeferred(t, "tx-other")
	dupID.ID = d.ID
	if err := s.CreateDeferred(ctx, dupID); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate id: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.DeferredByTransaction(ctx, dupID.TransactionHash, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("the refused duplicate id was stored: err = %v, want ErrNotFound", err)
	}
	got, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0)
	if err != nil || !equalDeferred(got, d) {
		t.Fatalf("DeferredByTransaction = %+v, %v; want %+v", got, err, d)
	}
	if _, err := s.DeferredByTransaction(ctx, hashOf("unknown"), t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown transaction: err = %v, want ErrNotFound", err)
	}
	if list, err := s.ListDeferred(ctx, t0, 10); err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("ListDeferred = %+v, %v", list, err)
	}
	if _, err := s.CollectDeferred(ctx, d.TransactionHash, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("collect before approval: err = %v, want ErrNotFound", err)
	}
	if got, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0); err != nil || !equalDeferred(got, d) {
		t.Fatalf("a refused collection changed the row: %+v, %v; want %+v", got, err, d)
	}
	if err := s.ApproveDeferred(ctx, d.ID, t0.Add(time.Minute)); err != nil {
		t.Fatalf("ApproveDeferred: %v", err)
	}
	approved := d
	approved.ApprovedAt = t0.Add(time.Minute)
	if got, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0.Add(time.Minute)); err != nil || !equalDeferred(got, approved) {
		t.Fatalf("after approval = %+v, %v; want %+v", got, err, approved)
	}
	if err := s.ApproveDeferred(ctx, d.ID, t0.Add(2*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second approval: err = %v, want ErrNotFound", err)
	}
	if got, err := s.DeferredByTransaction(ctx, d.TransactionHash, t0.Add(2*time.Minute)); err != nil || !equalDeferred(got, approved) {
		t.Fatalf("a refused second approval changed the row: %+v, %v; want %+v", got, err, approved)
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
	// Expiry: an expired issuance is not found, cannot be approved, is not
	// listed, and an approved one cannot be collected late.
	e := NewDeferred(t, "tx-2")
	e.CreatedAt = t0.Add(time.Second)
	f := NewDeferred(t, "tx-3")
	f.CreatedAt, f.ExpiresAt = t0.Add(2*time.Second), t0.Add(time.Hour)
	for _, x := range []issuer.Deferred{f, e} {
		if err := s.CreateDeferred(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	// ListDeferred: oldest first, up to limit.
	if list, err := s.ListDeferred(ctx, t0, 10); err != nil || len(list) != 2 || !equalDeferred(list[0], e) || !equalDeferred(list[1], f) {
		t.Fatalf("ListDeferred = %+v, %v; want [%s %s]", list, err, e.ID, f.ID)
	}
	if list, err := s.ListDeferred(ctx, t0, 1); err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("ListDeferred limit 1 = %+v, %v; want [%s]", list, err, e.ID)
	}
	if err := s.ApproveDeferred(ctx, f.ID, f.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("approve at expiry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.DeferredByTransaction(ctx, f.TransactionHash, f.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("lookup at expiry: err = %v, want ErrNotFound", err)
	}
	if got, err := s.DeferredByTransaction(ctx, f.TransactionHash, t0); err != nil || !equalDeferred(got, f) {
		t.Fatalf("a refused approval at expiry changed the row: %+v, %v; want %+v", got, err, f)
	}
	if list, err := s.ListDeferred(ctx, f.ExpiresAt, 10); err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("ListDeferred after %s expired = %+v, %v; want [%s]", f.ID, list, err, e.ID)
	}
	if err := s.ApproveDeferred(ctx, e.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CollectDeferred(ctx, e.TransactionHash, e.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("collect at expiry: err = %v, want ErrNotFound", err)
	}
	wantE := e
	wantE.ApprovedAt = t0
	if got, err := s.DeferredByTransaction(ctx, e.TransactionHash, t0); err != nil || !equalDeferred(got, wantE) {
		t.Fatalf("a refused late collection changed the row: %+v, %v; want %+v", got, err, wantE)
	}
}

func equalDeferred(a, b issuer.Deferred) bool {
	return a.ID == b.ID && bytes.Equal(a.TransactionHash, b.TransactionHash) && a.OfferID == b.OfferID &&
		a.ConfigurationID == b.ConfigurationID && bytes.Equal(a.HolderKeys, b.HolderKeys) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.ApprovedAt.Equal(b.ApprovedAt) && a.IssuedAt.Equal(b.IssuedAt)
}

// testForgetClaims checks ForgetOfferClaims: claims stay while a
// configuration is unissued, go when the last one is issued, and an offer
// without ForgetClaims keeps them.
func testForgetClaims(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	forget := NewOffer(t, "forget-code", "")
	forget.ForgetClaims = true
	keep := NewOffer(t, "keep-code", "")
	for _, o := range []issuer.Offer{forget, keep} {
		if err := s.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	claimsOf := func(o issuer.Offer) []byte {
		t.Helper()
		got, err := s.RedeemedOffer(ctx, o.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ForgetClaims != !o.ForgetClaims {
			t.Fatalf("ForgetClaims read back %v", got.ForgetClaims)
		}
		return got.Claims
	}
	issue := func(o issuer.Offer, configID string) bool {
		t.Helper()
		if err := s.RecordIssuance(ctx, NewIssuance(t, o.ID, configID), nil); err != nil {
			t.Fatal(err)
		}
		done, err := s.ForgetOfferClaims(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return done
	}
	if issue(forget, "aadhaar_sd_jwt") || len(claimsOf(forget)) == 0 {
		t.Fatal("claims forgotten with aadhaar_mdoc still unissued")
	}
	if !issue(forget, "aadhaar_mdoc") || len(claimsOf(forget)) != 0 {
		t.Fatal("claims kept after every configuration was issued")
	}
	if done, _ := s.ForgetOfferClaims(ctx, forget.ID); done {
		t.Fatal("forgotten twice")
	}
	issue(keep, "aadhaar_sd_jwt")
	if issue(keep, "aadhaar_mdoc") || !bytes.Equal(claimsOf(keep), keep.Claims) {
		t.Fatal("an offer without forget_claims lost its claims")
	}
}
