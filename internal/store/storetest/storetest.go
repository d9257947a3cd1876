// Package storetest is the conformance suite every store backend must pass:
// the outcomes issuer/store.go documents, checked by reading rows back, and
// the races that matter (of 50 concurrent consumers of one one-time value,
// exactly one wins).
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/internal/portal"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

// Store is what a backend offers the issuer.
type Store interface {
	issuer.OfferStore
	issuer.NonceStore
	issuer.ReplayStore
	issuer.IssuanceStore
	issuer.ReplyStore
	issuer.DeferredStore
	issuer.RegistryStore
	outbox.Store
	issuer.Sweeper
	CitizenStore
	RecordStore
	face.Store
	credstatus.Store
	io.Closer
}

// Opener returns a new, empty store for one test; the suite closes it.
type Opener func(t *testing.T) Store

// Racers is how many goroutines race for one one-time value.
const Racers = 50

// t0 has whole seconds: Postgres keeps microseconds, SQLite nanoseconds.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// retain is how long the tests ask RedeemCode to keep a redeemed offer.
var retain = t0.Add(time.Hour)

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	t.Run("offers", func(t *testing.T) { testOffers(t, open) })
	t.Run("redeem", func(t *testing.T) { testRedeem(t, open) })
	t.Run("forget claims", func(t *testing.T) { testForgetClaims(t, open) })
	t.Run("nonces", func(t *testing.T) { testNonces(t, open) })
	t.Run("replay", func(t *testing.T) { testReplay(t, open) })
	t.Run("sweep", func(t *testing.T) { testSweep(t, open) })
	t.Run("issuance", func(t *testing.T) { testIssuance(t, open) })
	t.Run("replies", func(t *testing.T) { testReplies(t, open) })
	t.Run("deferred", func(t *testing.T) { testDeferred(t, open) })
	t.Run("app flow offers", func(t *testing.T) { testAppOffers(t, open) })
	t.Run("registry", func(t *testing.T) { testRegistry(t, open) })
	t.Run("outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("races", func(t *testing.T) { RunRaces(t, open, nil) })
	t.Run("digilocker links", func(t *testing.T) { testDigiLockerLinks(t, open) })
	t.Run("pending authorizations", func(t *testing.T) { testPending(t, open) })
	t.Run("sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("subject lock", func(t *testing.T) { RunSubjectLock(t, open, nil) })
	t.Run("record", func(t *testing.T) { testRecordStore(t, open) })
	t.Run("audit chain", func(t *testing.T) { RunAuditChain(t, open, nil) })
	t.Run("face", func(t *testing.T) { testFaceStore(t, open) })
	t.Run("status", func(t *testing.T) { testStatusStore(t, open) })
}

func newStore(t *testing.T, open Opener) Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func randomID(t testing.TB) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// NewOffer returns an offer expiring in ten minutes from t0, with a tx_code
// when txCode is not empty.
func NewOffer(t testing.TB, code, txCode string) issuer.Offer {
	o := issuer.Offer{
		ID:               randomID(t),
		CodeHash:         hashOf(code),
		ConfigurationIDs: []string{"aadhaar_sd_jwt", "aadhaar_mdoc"},
		Subject:          "subject-" + randomID(t),
		Claims:           []byte{0x01, 0xde, 0xad, 0xbe, 0xef},
		OfferJSON:        []byte(`{"credential_issuer":"https://issuer.example"}`),
		CreatedAt:        t0,
		ExpiresAt:        t0.Add(10 * time.Minute),
	}
	if txCode != "" {
		o.TxCodeHash = hashOf(txCode)
	}
	return o
}

func equalOffer(a, b issuer.Offer) bool {
	return a.ID == b.ID && bytes.Equal(a.CodeHash, b.CodeHash) && bytes.Equal(a.TxCodeHash, b.TxCodeHash) &&
		a.TxCodeAttempts == b.TxCodeAttempts && slices.Equal(a.ConfigurationIDs, b.ConfigurationIDs) &&
		a.Subject == b.Subject && bytes.Equal(a.Claims, b.Claims) && bytes.Equal(a.OfferJSON, b.OfferJSON) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.RedeemedAt.Equal(b.RedeemedAt) &&
		a.ClientID == b.ClientID && a.WalletBackend == b.WalletBackend && a.ForgetClaims == b.ForgetClaims
}

func testOffers(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	o := NewOffer(t, "code-1", "")
	if err := s.CreateOffer(ctx, o); err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	got, err := s.OfferByID(ctx, o.ID, t0)
	if err != nil || !equalOffer(got, o) {
		t.Fatalf("OfferByID = %+v, %v; want %+v", got, err, o)
	}
	dupID := NewOffer(t, "code-2", "")
	dupID.ID = o.ID
	if err := s.CreateOffer(ctx, dupID); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate id: err = %v, want ErrAlreadyExists", err)
	}
	dupCode := NewOffer(t, "code-1", "")
	if err := s.CreateOffer(ctx, dupCode); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate code: err = %v, want ErrAlreadyExists", err)
	}
	if _, err := s.OfferByID(ctx, o.ID, o.ExpiresAt); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("at expiry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.OfferByID(ctx, "unknown", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown id: err = %v, want ErrNotFound", err)
	}
	if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { return nil }); err != nil {
		t.Fatalf("RedeemCode: %v", err)
	}
	if _, err := s.OfferByID(ctx, o.ID, t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("after redemption: err = %v, want ErrNotFound", err)
	}
}

func testRedeem(t *testing.T, open Opener) {
	ctx := context.Background()
	accept := func(issuer.Offer) error { return nil }
	wrong := func(issuer.Offer) error { return issuer.ErrWrongTxCode }
	errOther := errors.New("check failed for another reason")

	t.Run("ok/redeemed once, then not found", func(t *testing.T) {
		s := newStore(t, open)
		o := NewOffer(t, "c", "")
		mustCreate(t, s, o)
		if _, err := s.RedeemedOffer(ctx, o.ID, t0); !errors.Is(err, issuer.ErrNotFound) {
			t.Fatalf("RedeemedOffer before redemption: err = %v, want ErrNotFound", err)
		}
		got, err := s.RedeemCode(ctx, o.CodeHash, t0.Add(time.Minute), 5, retain, accept)
		if err != nil || got.ID != o.ID || !got.RedeemedAt.Equal(t0.Add(time.Minute)) || !got.ExpiresAt.Equal(retain) {
			t.Fatalf("RedeemCode = %+v, %v", got, err)
		}
		// The redeemed offer is kept until retain, past its code's expiry.
		kept, err := s.RedeemedOffer(ctx, o.ID, o.ExpiresAt.Add(time.Minute))
		if err != nil || !kept.RedeemedAt.Equal(t0.Add(time.Minute)) || !kept.ExpiresAt.Equal(retain) || !bytes.Equal(kept.Claims, o.Claims) {
			t.Fatalf("RedeemedOffer = %+v, %v", kept, err)
		}
		if _, err := s.RedeemedOffer(ctx, o.ID, retain); !errors.Is(err, issuer.ErrNotFound) {
			t.Fatalf("RedeemedOffer at retainUntil: err = %v, want ErrNotFound", err)
		}
		if _, err := s.RedeemCode(ctx, o.CodeHash, t0.Add(time.Minute), 5, retain, accept); !errors.Is(err, issuer.ErrNotFound) {
			t.Fatalf("second redeem: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("fail/unknown code", func(t *testing.T) {
		s := newStore(t, open)
		if _, err := s.RedeemCode(ctx, hashOf("nope"), t0, 5, retain, accept); !errors.Is(err, issuer.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("fail/expired code, row unchanged", func(t *testing.T) {
		s := newStore(t, open)
		o := NewOffer(t, "c", "")
		mustCreate(t, s, o)
		called := false
		_, err := s.RedeemCode(ctx, o.CodeHash, o.ExpiresAt, 5, retain, func(issuer.Offer) error { called = true; return nil })
		if !errors.Is(err, issuer.ErrNotFound) || called {
			t.Fatalf("err = %v (check called: %v), want ErrNotFound without calling check", err, called)
		}
		assertOffer(t, s, o, t0)
	})
	t.Run("fail/wrong tx_code counts attempts and the last locks", func(t *testing.T) {
		s := newStore(t, open)
		o := NewOffer(t, "c", "123456")
		mustCreate(t, s, o)
		for i := 1; i <= 4; i++ {
			if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, wrong); !errors.Is(err, issuer.ErrWrongTxCode) {
				t.Fatalf("attempt %d: err = %v, want ErrWrongTxCode", i, err)
			}
			want := o
			want.TxCodeAttempts = i
			assertOffer(t, s, want, t0)
		}
		if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, wrong); !errors.Is(err, issuer.ErrTxCodeLocked) {
			t.Fatalf("attempt 5: err = %v, want ErrTxCodeLocked", err)
		}
		called := false
		if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { called = true; return nil }); !errors.Is(err, issuer.ErrTxCodeLocked) || called {
			t.Fatalf("right code after lock: err = %v (check called: %v), want ErrTxCodeLocked", err, called)
		}
		want := o
		want.TxCodeAttempts = 5
		assertOffer(t, s, want, t0)
	})
	t.Run("fail/check error rolls back without a change", func(t *testing.T) {
		s := newStore(t, open)
		o := NewOffer(t, "c", "123456")
		mustCreate(t, s, o)
		if _, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { return errOther }); !errors.Is(err, errOther) {
			t.Fatalf("err = %v, want the check's error", err)
		}
		assertOffer(t, s, o, t0)
	})
}

func testNonces(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if err := s.CreateNonce(ctx, "n1", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateNonce(ctx, "n1", t0.Add(5*time.Minute)); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("duplicate nonce: err = %v, want ErrAlreadyExists", err)
	}
	if err := s.ConsumeNonce(ctx, "n1", t0); err != nil {
		t.Fatalf("ConsumeNonce: %v", err)
	}
	if err := s.ConsumeNonce(ctx, "n1", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("second consume: err = %v, want ErrNotFound", err)
	}
	if err := s.CreateNonce(ctx, "n2", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ConsumeNonce(ctx, "n2", t0.Add(5*time.Minute)); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("at expiry: err = %v, want ErrNotFound", err)
	}
	if err := s.ConsumeNonce(ctx, "unknown", t0); !errors.Is(err, issuer.ErrNotFound) {
		t.Fatalf("unknown: err = %v, want ErrNotFound", err)
	}
}

func testReplay(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	exp := t0.Add(time.Minute)
	if err := s.Remember(ctx, "dpop", "jti-1", t0, exp); err != nil {
		t.Fatal(err)
	}
	if err := s.Remember(ctx, "dpop", "jti-1", t0.Add(30*time.Second), exp); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("replay: err = %v, want ErrAlreadyExists", err)
	}
	if err := s.Remember(ctx, "other", "jti-1", t0, exp); err != nil {
		t.Fatalf("same id in another scope: %v", err)
	}
	if err := s.Remember(ctx, "dpop", "jti-1", exp, exp.Add(time.Minute)); err != nil {
		t.Fatalf("after expiry the id may be recorded again: %v", err)
	}
	if err := s.Remember(ctx, "dpop", "jti-1", exp.Add(time.Second), exp.Add(time.Minute)); !errors.Is(err, issuer.ErrAlreadyExists) {
		t.Fatalf("replay of the renewed entry: err = %v, want ErrAlreadyExists", err)
	}
}

// testSweep checks issuer.Sweeper: expired offers, nonces, replay entries,
// replies and deferred issuances go; issuance records are kept (they are the
// record of what was issued, issuer.IssuedCredential).
func testSweep(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	live, dead := NewOffer(t, "live", ""), NewOffer(t, "dead", "")
	dead.ExpiresAt = t0.Add(time.Minute)
	mustCreate(t, s, live)
	mustCreate(t, s, dead)
	if err := s.CreateNonce(ctx, "dead", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateNonce(ctx, "live", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Remember(ctx, "dpop", "dead", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	deadReply := issuer.Reply{Key: hashOf("dead"), Status: 200, ContentType: "application/json", Body: []byte("x"), ExpiresAt: t0.Add(time.Minute)}
	liveReply := issuer.Reply{Key: hashOf("live"), Status: 200, ContentType: "application/json", Body: []byte("y"), ExpiresAt: t0.Add(time.Hour)}
	for _, r := range []issuer.Reply{deadReply, liveReply} {
		if err := s.SaveReply(ctx, r, t0); err != nil {
			t.Fatal(err)
		}
	}
	deadDeferred, liveDeferred := NewDeferred(t, "dead"), NewDeferred(t, "live")
	deadDeferred.ExpiresAt = t0.Add(time.Minute)
	for _, d := range []issuer.Deferred{deadDeferred, liveDeferred} {
		if err := s.CreateDeferred(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	issued := NewIssuance(t, dead.ID, "aadhaar_sd_jwt")
	if err := s.RecordIssuance(ctx, issued, nil); err != nil {
		t.Fatal(err)
	}
	deadPending := portal.PendingAuth{StateHash: hashOf("dead-state"), Flow: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	livePending := portal.PendingAuth{StateHash: hashOf("live-state"), Flow: "login", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	deadSession := portal.Session{IDHash: hashOf("dead-session"), SubjectID: "s", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	liveSession := portal.Session{IDHash: hashOf("live-session"), SubjectID: "s", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	for _, p := range []portal.PendingAuth{deadPending, livePending} {
		if err := s.CreatePendingAuth(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, ss := range []portal.Session{deadSession, liveSession} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpired(ctx, t0.Add(2*time.Minute))
	if err != nil || n != 7 {
		t.Fatalf("DeleteExpired = %d, %v; want 7 (offer, nonce, jti, reply, deferred, pending authorization, session)", n, err)
	}
	if _, err := s.Session(ctx, liveSession.IDHash, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("live session swept: %v", err)
	}
	if err := s.CreatePendingAuth(ctx, deadPending); err != nil {
		t.Fatalf("expired pending authorization still stored: %v", err)
	}
	if err := s.CreateSession(ctx, deadSession); err != nil {
		t.Fatalf("expired session still stored: %v", err)
	}
	if err := s.CreatePendingAuth(ctx, livePending); !errors.Is(err, portal.ErrExists) {
		t.Fatalf("live pending authorization swept: %v", err)
	}
	if _, err := s.Reply(ctx, liveReply.Key, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("live reply swept: %v", err)
	}
	if _, err := s.DeferredByTransaction(ctx, liveDeferred.TransactionHash, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("live deferred issuance swept: %v", err)
	}
	if _, err := s.Issuance(ctx, issued.ID); err != nil {
		t.Fatalf("an issuance record was swept with its offer; records are kept: %v", err)
	}
	assertOffer(t, s, live, t0.Add(2*time.Minute))
	if err := s.ConsumeNonce(ctx, "live", t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("live nonce swept: %v", err)
	}
	// The expired rows are gone, not merely hidden: their keys insert again
	// without ErrAlreadyExists.
	if err := s.CreateOffer(ctx, dead); err != nil {
		t.Fatalf("expired offer still stored: %v", err)
	}
	if err := s.CreateNonce(ctx, "dead", t0.Add(time.Hour)); err != nil {
		t.Fatalf("expired nonce still stored: %v", err)
	}
	if err := s.CreateDeferred(ctx, deadDeferred); err != nil {
		t.Fatalf("expired deferred issuance still stored: %v", err)
	}
	// The re-inserted offer, deferred issuance, pending authorization and
	// session are expired again; the nonce now lives for an hour.
	if n, err := s.DeleteExpired(ctx, t0.Add(2*time.Minute)); err != nil || n != 4 {
		t.Fatalf("second DeleteExpired = %d, %v; want 4 (offer, deferred, pending authorization, session)", n, err)
	}
}

// RunRaces fires Racers concurrent consumers at one pre-authorized code,
// one nonce, one jti, one approved deferred transaction (CollectDeferred)
// and one configuration of an offer (RecordIssuance), alternating between two stores opened on the
// same database (two instances), and requires exactly one winner each.
// With openB nil both sides use the store of openA (one instance); openA
// and openB must reach the same database.
func RunRaces(t *testing.T, openA Opener, openB Opener) {
	ctx := context.Background()
	a := newStore(t, openA)
	b := a
	if openB != nil {
		b = newStore(t, openB)
	}
	o := NewOffer(t, "race-code", "")
	mustCreate(t, a, o)
	if err := a.CreateNonce(ctx, "race-nonce", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	race := func(name string, try func(s Store) error, loser error) {
		t.Helper()
		var wins, losses int
		var mu sync.Mutex
		var wg sync.WaitGroup
		var unexpected []error
		for i := range Racers {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				err := try(s)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, loser):
					losses++
				default:
					unexpected = append(unexpected, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 || losses != Racers-1 || len(unexpected) > 0 {
			t.Errorf("%s: %d winners, %d losers, unexpected errors %v; want exactly 1 winner", name, wins, losses, unexpected)
		}
	}
	race("pre-authorized code", func(s Store) error {
		_, err := s.RedeemCode(ctx, o.CodeHash, t0, 5, retain, func(issuer.Offer) error { return nil })
		return err
	}, issuer.ErrNotFound)
	race("c_nonce", func(s Store) error { return s.ConsumeNonce(ctx, "race-nonce", t0) }, issuer.ErrNotFound)
	race("DPoP jti", func(s Store) error { return s.Remember(ctx, "dpop", "race-jti", t0, t0.Add(time.Minute)) }, issuer.ErrAlreadyExists)
	d := NewDeferred(t, "race-transaction")
	if err := a.CreateDeferred(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := a.ApproveDeferred(ctx, d.ID, t0); err != nil {
		t.Fatal(err)
	}
	// CollectDeferred: "Of concurrent calls, at most one succeeds", and the
	// winner gets the row as collected.
	var collected []issuer.Deferred
	var collectedMu sync.Mutex
	race("deferred transaction", func(s Store) error {
		got, err := s.CollectDeferred(ctx, d.TransactionHash, t0.Add(time.Minute))
		if err == nil {
			collectedMu.Lock()
			collected = append(collected, got)
			collectedMu.Unlock()
		}
		return err
	}, issuer.ErrNotFound)
	want := d
	want.ApprovedAt, want.IssuedAt = t0, t0.Add(time.Minute)
	switch {
	case len(collected) != 1:
		t.Errorf("CollectDeferred returned the row to %d callers; want exactly 1", len(collected))
	case !equalDeferred(collected[0], want):
		t.Errorf("CollectDeferred winner got %+v; want %+v", collected[0], want)
	}
	race("issuance of one configuration of an offer", func(s Store) error {
		c := NewIssuance(t, "race-offer", "aadhaar_sd_jwt")
		return s.RecordIssuance(ctx, c, nil)
	}, issuer.ErrAlreadyExists)
	raceOutboxClaims(t, a, b)
}

func mustCreate(t *testing.T, s Store, o issuer.Offer) {
	t.Helper()
	if err := s.CreateOffer(context.Background(), o); err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
}

// assertOffer reads the offer back (through OfferByID, at now) and requires
// it to equal want: the way the suite proves a row did or did not change.
func assertOffer(t *testing.T, s Store, want issuer.Offer, now time.Time) {
	t.Helper()
	got, err := s.OfferByID(context.Background(), want.ID, now)
	if err != nil {
		t.Fatalf("reading offer %s back: %v", want.ID, err)
	}
	if !equalOffer(got, want) {
		t.Fatalf("offer row is %+v, want %+v", got, want)
	}
}
