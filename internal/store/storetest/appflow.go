package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

// NewMessage returns a pending outbox message for destination, due at t0.
func NewMessage(t testing.TB, destination string) outbox.Message {
	return outbox.Message{
		ID: randomID(t), Destination: destination, URL: "https://wallet.example/callback", ContentType: outbox.MediaTypeJOSE,
		Body: []byte("eyJ.jwe." + randomID(t)), IssuanceID: randomID(t), State: outbox.StatePending,
		NextAttemptAt: t0, CreatedAt: t0,
	}
}

func testAppOffers(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	o := NewOffer(t, "app-code", "")
	o.ClientID, o.WalletBackend = "aadhaar-app", "wallet-1"
	mustCreate(t, s, o)
	if _, err := s.RedeemedOfferByCode(ctx, o.CodeHash, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("an unredeemed offer by code: %v; want ErrNotFound", err)
	}
	if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := s.RedeemedOfferByCode(ctx, o.CodeHash, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := o
	want.RedeemedAt, want.ExpiresAt = t0, retain
	if !equalOffer(got, want) {
		t.Fatalf("RedeemedOfferByCode = %+v; want %+v", got, want)
	}
	if _, err := s.RedeemedOfferByCode(ctx, o.CodeHash, retain); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("after retention: %v; want ErrNotFound", err)
	}
	if _, err := s.RedeemedOfferByCode(ctx, hashOf("other"), t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown code: %v; want ErrNotFound", err)
	}
}

func testRegistry(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if _, err := s.AppClient(ctx, "nobody"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown app client: %v", err)
	}
	if _, err := s.WalletBackend(ctx, "nobody"); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown wallet backend: %v", err)
	}
	c := issuer.AppClient{ID: "app-b", JWKS: []byte(`{"keys":[]}`), ConfigurationIDs: []string{"x", "y"}, CreatedAt: t0}
	if err := s.PutAppClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAppClient(ctx, issuer.AppClient{ID: "app-a", JWKS: []byte(`{}`), ConfigurationIDs: []string{"x"}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	c.JWKS, c.ConfigurationIDs = []byte(`{"keys":[1]}`), []string{"y"}
	if err := s.PutAppClient(ctx, c); err != nil {
		t.Fatalf("replace: %v", err)
	}
	got, err := s.AppClient(ctx, "app-b")
	if err != nil || !bytes.Equal(got.JWKS, c.JWKS) || !slices.Equal(got.ConfigurationIDs, []string{"y"}) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("AppClient = %+v, %v", got, err)
	}
	all, err := s.AppClients(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "app-a" || all[1].ID != "app-b" {
		t.Fatalf("AppClients = %+v, %v", all, err)
	}
	b := issuer.WalletBackend{ID: "w1", CallbackURL: "https://w.example/cb", EncryptionJWK: []byte(`{"kty":"EC"}`), ConfigurationIDs: []string{"x"}, CreatedAt: t0}
	if err := s.PutWalletBackend(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.CallbackURL = "https://w.example/cb2"
	if err := s.PutWalletBackend(ctx, b); err != nil {
		t.Fatal(err)
	}
	gotB, err := s.WalletBackend(ctx, "w1")
	if err != nil || gotB.CallbackURL != b.CallbackURL || !bytes.Equal(gotB.EncryptionJWK, b.EncryptionJWK) || !slices.Equal(gotB.ConfigurationIDs, b.ConfigurationIDs) {
		t.Fatalf("WalletBackend = %+v, %v", gotB, err)
	}
	if bs, err := s.WalletBackends(ctx); err != nil || len(bs) != 1 {
		t.Fatalf("WalletBackends = %+v, %v", bs, err)
	}
}

func equalMessage(a, b outbox.Message) bool {
	return a.ID == b.ID && a.Destination == b.Destination && a.URL == b.URL && a.ContentType == b.ContentType &&
		bytes.Equal(a.Body, b.Body) && a.IssuanceID == b.IssuanceID && a.State == b.State && a.Attempts == b.Attempts &&
		a.NextAttemptAt.Equal(b.NextAttemptAt) && a.LeaseUntil.Equal(b.LeaseUntil) && a.LastStatus == b.LastStatus &&
		a.LastError == b.LastError && a.CreatedAt.Equal(b.CreatedAt) && a.DeliveredAt.Equal(b.DeliveredAt)
}

func messageByID(t *testing.T, s Store, id string) outbox.Message {
	t.Helper()
	all, err := s.Messages(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s is not in the outbox", id)
	return outbox.Message{}
}

func testOutbox(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	lease := time.Minute

	// The callback is written with its issuance, or not at all.
	m := NewMessage(t, "w1")
	rec := NewIssuance(t, "offer-cb", "aadhaar_sd_jwt")
	m.IssuanceID = rec.ID
	if err := s.RecordIssuance(ctx, rec, &m); err != nil {
		t.Fatal(err)
	}
	dup := NewMessage(t, "w1")
	again := NewIssuance(t, "offer-cb", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, again, &dup); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("second issuance: %v; want ErrAlreadyExists", err)
	}
	all, err := s.Messages(ctx, "", 10)
	if err != nil || len(all) != 1 || !equalMessage(all[0], m) {
		t.Fatalf("outbox after a refused issuance = %+v, %v; want only %+v", all, err, m)
	}
	// A clash on the message id rolls the issuance back.
	clash := NewIssuance(t, "offer-cb2", "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, clash, &m); err == nil {
		t.Fatal("a duplicate message id was accepted")
	}
	if _, err := s.Issuance(ctx, clash.ID); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("the issuance of a failed callback insert was kept: %v", err)
	}

	// Not due yet: nothing claimed.
	if got, err := s.ClaimDue(ctx, t0.Add(-time.Second), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim before due = %+v, %v", got, err)
	}
	got, err := s.ClaimDue(ctx, t0, lease, 10)
	want := m
	want.Attempts, want.LeaseUntil = 1, t0.Add(lease)
	if err != nil || len(got) != 1 || !equalMessage(got[0], want) {
		t.Fatalf("claim = %+v, %v; want %+v", got, err, want)
	}
	// Leased: not claimed again until the lease runs out.
	if got, err := s.ClaimDue(ctx, t0.Add(30*time.Second), lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("claim under lease = %+v, %v", got, err)
	}
	// A worker that died: claimed again after the lease, attempt 2.
	got, err = s.ClaimDue(ctx, t0.Add(lease), lease, 10)
	if err != nil || len(got) != 1 || got[0].Attempts != 2 {
		t.Fatalf("claim after lease = %+v, %v", got, err)
	}
	next := t0.Add(2 * time.Minute)
	if err := s.MarkFailed(ctx, m.ID, outbox.Failure{At: t0.Add(lease), Status: 500, Error: "backend answered 500", Next: next}); err != nil {
		t.Fatal(err)
	}
	want = m
	want.Attempts, want.NextAttemptAt, want.LastStatus, want.LastError = 2, next, 500, "backend answered 500"
	if got := messageByID(t, s, m.ID); !equalMessage(got, want) {
		t.Fatalf("after failure = %+v; want %+v", got, want)
	}
	if got, _ := s.ClaimDue(ctx, next.Add(-time.Second), lease, 10); len(got) != 0 {
		t.Fatalf("claimed before its backoff ended: %+v", got)
	}
	if got, _ := s.ClaimDue(ctx, next, lease, 10); len(got) != 1 {
		t.Fatalf("not claimed after its backoff: %+v", got)
	}
	done := next.Add(time.Second)
	if err := s.MarkDelivered(ctx, m.ID, done, 204); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivered(ctx, m.ID, done.Add(time.Hour), 200); err != nil {
		t.Fatalf("a second delivered mark: %v", err)
	}
	want = m
	want.State, want.Attempts, want.NextAttemptAt, want.LastStatus, want.DeliveredAt = outbox.StateDelivered, 3, next, 200, done
	if got := messageByID(t, s, m.ID); !equalMessage(got, want) {
		t.Fatalf("after delivery = %+v; want %+v", got, want)
	}
	if err := s.MarkFailed(ctx, m.ID, outbox.Failure{At: done, Error: "late"}); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("failing a delivered message: %v; want ErrNotFound", err)
	}
	if got, _ := s.ClaimDue(ctx, done.Add(time.Hour), lease, 10); len(got) != 0 {
		t.Fatalf("a delivered message was claimed: %+v", got)
	}

	// Dead letters: kept, listed, requeued by hand only.
	d := NewMessage(t, "w2")
	if err := s.RecordIssuance(ctx, NewIssuance(t, "offer-dead", "aadhaar_sd_jwt"), &d); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, t0, lease, 10); len(got) != 1 || got[0].ID != d.ID {
		t.Fatalf("claim = %+v", got)
	}
	if err := s.MarkFailed(ctx, d.ID, outbox.Failure{At: t0, Status: 400, Error: "bad signature", Dead: true}); err != nil {
		t.Fatal(err)
	}
	dead, err := s.Messages(ctx, outbox.StateDead, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != d.ID || dead[0].LastError != "bad signature" {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}
	if got, _ := s.ClaimDue(ctx, t0.Add(time.Hour), lease, 10); len(got) != 0 {
		t.Fatalf("a dead message was claimed: %+v", got)
	}
	if err := s.Requeue(ctx, m.ID, t0); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("requeue of a delivered message: %v; want ErrNotFound", err)
	}
	later := t0.Add(2 * time.Hour)
	if err := s.Requeue(ctx, d.ID, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, later, lease, 10); len(got) != 1 || got[0].Attempts != 1 || got[0].State != outbox.StatePending {
		t.Fatalf("requeued claim = %+v", got)
	}
	if pending, _ := s.Messages(ctx, outbox.StatePending, 10); len(pending) != 1 {
		t.Fatalf("pending = %+v", pending)
	}
}

// raceOutboxClaims: workers on both stores claim 40 messages at once, a
// few at a time; each message goes to exactly one worker.
func raceOutboxClaims(t *testing.T, a, b Store) {
	ctx := context.Background()
	const n = 40
	for i := range n {
		m := NewMessage(t, "race-backend")
		if err := a.RecordIssuance(ctx, NewIssuance(t, fmt.Sprintf("race-outbox-%d", i), "c"), &m); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for i := range 10 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for range 10 {
				got, err := s.ClaimDue(ctx, t0, time.Minute, 3)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d messages claimed", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("message %s claimed %d times under a live lease", id, c)
		}
	}
}
