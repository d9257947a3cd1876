package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/internal/portal"
)

// CitizenStore is what a backend offers the citizen's side: DigiLocker
// links with the per-subject lock, pending authorizations and sessions.
type CitizenStore interface {
	digilocker.LinkStore
	portal.Store
}

func link(subject string, flow digilocker.Flow, version int64, tokens string) digilocker.Link {
	return digilocker.Link{SubjectID: subject, Flow: flow, DigiLockerID: "dl-" + subject, Tokens: []byte(tokens), Scope: flow.Scope(),
		ExpiresAt: t0.Add(time.Hour), Version: version, UpdatedAt: t0}
}

func testDigiLockerLinks(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	t.Run("not-found/no link", func(t *testing.T) {
		if _, err := s.DigiLockerLink(ctx, "nobody", digilocker.FlowLogin); !errors.Is(err, digilocker.ErrNoLink) {
			t.Fatalf("got %v, want ErrNoLink", err)
		}
	})
	t.Run("ok/version 1 inserts, version 2 replaces, flows apart", func(t *testing.T) {
		for _, l := range []digilocker.Link{link("a", digilocker.FlowLogin, 1, "login-1"), link("a", digilocker.FlowDocuments, 1, "docs-1"), link("a", digilocker.FlowDocuments, 2, "docs-2")} {
			if err := s.SaveDigiLockerLink(ctx, l); err != nil {
				t.Fatalf("save %s v%d: %v", l.Flow, l.Version, err)
			}
		}
		got, err := s.DigiLockerLink(ctx, "a", digilocker.FlowDocuments)
		if err != nil || string(got.Tokens) != "docs-2" || got.Version != 2 || got.DigiLockerID != "dl-a" || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || got.Scope != "files.issueddocs" {
			t.Fatalf("documents link %+v, %v", got, err)
		}
		if got, _ := s.DigiLockerLink(ctx, "a", digilocker.FlowLogin); string(got.Tokens) != "login-1" || got.Version != 1 {
			t.Fatalf("login link %+v", got)
		}
	})
	t.Run("stale/a save that lost a race changes nothing", func(t *testing.T) {
		for _, l := range []digilocker.Link{link("a", digilocker.FlowDocuments, 2, "late"), link("a", digilocker.FlowDocuments, 1, "again"), link("a", digilocker.FlowDocuments, 5, "ahead")} {
			if err := s.SaveDigiLockerLink(ctx, l); !errors.Is(err, digilocker.ErrStaleLink) {
				t.Fatalf("save v%d: %v, want ErrStaleLink", l.Version, err)
			}
		}
		if got, _ := s.DigiLockerLink(ctx, "a", digilocker.FlowDocuments); string(got.Tokens) != "docs-2" {
			t.Fatalf("tokens %q after refused saves", got.Tokens)
		}
	})
	t.Run("ok/delete removes every flow", func(t *testing.T) {
		if err := s.DeleteDigiLockerLinks(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		for _, f := range []digilocker.Flow{digilocker.FlowLogin, digilocker.FlowDocuments} {
			if _, err := s.DigiLockerLink(ctx, "a", f); !errors.Is(err, digilocker.ErrNoLink) {
				t.Fatalf("%s after delete: %v", f, err)
			}
		}
	})
}

func testPending(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	p := portal.PendingAuth{StateHash: bytes.Repeat([]byte{1}, 32), Flow: "login", Verifier: []byte("sealed"), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	if err := s.CreatePendingAuth(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePendingAuth(ctx, p); !errors.Is(err, portal.ErrExists) {
		t.Fatalf("duplicate: %v, want ErrExists", err)
	}
	expired := p
	expired.StateHash = bytes.Repeat([]byte{2}, 32)
	expired.ExpiresAt = t0.Add(time.Minute)
	if err := s.CreatePendingAuth(ctx, expired); err != nil {
		t.Fatal(err)
	}
	t.Run("fail/expired", func(t *testing.T) {
		if _, err := s.ConsumePendingAuth(ctx, expired.StateHash, t0.Add(2*time.Minute)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ok/consumed once of many racers", func(t *testing.T) {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range Racers {
			wg.Go(func() {
				got, err := s.ConsumePendingAuth(ctx, p.StateHash, t0.Add(time.Minute))
				switch {
				case err == nil:
					if got.Flow != "login" || string(got.Verifier) != "sealed" || got.SessionHash != nil || !got.ExpiresAt.Equal(p.ExpiresAt) {
						t.Errorf("pending %+v", got)
					}
					wins.Add(1)
				case !errors.Is(err, portal.ErrNotFound):
					t.Errorf("consume: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d consumers won, want 1", wins.Load())
		}
	})
}

func testSessions(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	ss := portal.Session{IDHash: bytes.Repeat([]byte{3}, 32), SubjectID: "urn:pramaan:subject:x", CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute)}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, ss.IDHash, t0.Add(time.Minute)); err != nil || got.SubjectID != ss.SubjectID || !got.ExpiresAt.Equal(ss.ExpiresAt) {
		t.Fatalf("session %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, ss.IDHash, t0.Add(31*time.Minute)); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if err := s.DeleteSession(ctx, ss.IDHash); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ss.IDHash, t0.Add(time.Minute)); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
}

// RunSubjectLock checks that WithSubjectLock excludes: Racers holders of
// one subject's lock, alternating between two stores of one database
// (two instances; openB nil: one), never overlap, while another
// subject's lock is not held up by them.
func RunSubjectLock(t *testing.T, openA, openB Opener) {
	ctx := context.Background()
	a := newStore(t, openA)
	b := a
	if openB != nil {
		b = newStore(t, openB)
	}
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for i := range Racers {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			err := s.WithSubjectLock(ctx, "subject-locked", func(context.Context) error {
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Errorf("lock: %v", err)
			}
		})
	}
	// Another subject proceeds while the first is contended.
	done := make(chan error, 1)
	go func() {
		done <- b.WithSubjectLock(ctx, "subject-free", func(context.Context) error { return nil })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("other subject: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("another subject's lock waited for the first subject's holders")
	}
	wg.Wait()
	if m := maxInside.Load(); m != 1 {
		t.Fatalf("%d holders inside the lock at once, want 1", m)
	}
	// fn's error comes back, and the lock is released after it.
	sentinel := errors.New("fn failed")
	if err := a.WithSubjectLock(ctx, "subject-locked", func(context.Context) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Fatalf("fn error: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.WithSubjectLock(cctx, "subject-locked", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("lock after an error: %v", err)
	}
}
