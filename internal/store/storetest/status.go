package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/statuslist"
)

func testStatusStore(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	if _, err := s.CurrentStatusList(ctx); !errors.Is(err, credstatus.ErrNotFound) {
		t.Fatalf("no list yet: %v", err)
	}
	l1 := credstatus.List{ID: "sl-1", Bits: 2, Size: 1024, CreatedAt: t0}
	l2 := credstatus.List{ID: "sl-2", Bits: 2, Size: 1024, CreatedAt: t0.Add(time.Minute)}
	for _, l := range []credstatus.List{l1, l2} {
		if err := s.CreateStatusList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if cur, err := s.CurrentStatusList(ctx); err != nil || cur.ID != "sl-2" {
		t.Fatalf("current %+v %v", cur, err)
	}
	entry := func(id string, idx int, subject string) credstatus.Entry {
		return credstatus.Entry{CredentialID: id, ListID: "sl-2", Index: idx, Status: statuslist.Valid, SubjectID: subject, ConfigurationID: "aadhaar_sd_jwt",
			Format: "dc+sd-jwt", OfferID: "o1", NotificationID: "n1", IssuedAt: t0, UpdatedAt: t0}
	}
	t.Run("ok/one racer takes an index", func(t *testing.T) {
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range Racers {
			wg.Go(func() {
				err := s.AllocateStatus(ctx, entry(fmt.Sprintf("cr-race-%d", i), 7, "sub-a"))
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, credstatus.ErrIndexTaken):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d racers took index 7", won.Load())
		}
		if l, _ := s.StatusList(ctx, "sl-2"); l.Allocated != 1 || l.Version != 0 {
			t.Fatalf("list after one allocation %+v", l)
		}
	})
	t.Run("ok/status changes bump the version; entries and subjects", func(t *testing.T) {
		for i, idx := range []int{8, 900} {
			if err := s.AllocateStatus(ctx, entry(fmt.Sprintf("cr-%d", i), idx, "sub-b")); err != nil {
				t.Fatal(err)
			}
		}
		before, err := s.SetCredentialStatus(ctx, "cr-0", statuslist.Invalid, "lost phone", t0.Add(time.Hour))
		if err != nil || before.Status != statuslist.Valid || before.Index != 8 {
			t.Fatalf("set: %+v %v", before, err)
		}
		if _, err := s.SetCredentialStatus(ctx, "cr-1", statuslist.Suspended, "", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.StatusList(ctx, "sl-2"); l.Version != 2 || l.Allocated != 3 {
			t.Fatalf("list %+v, want version 2, 3 allocated", l)
		}
		es, err := s.StatusEntries(ctx, "sl-2")
		if err != nil || len(es) != 2 || es[0].Status == statuslist.Valid || es[1].Status == statuslist.Valid {
			t.Fatalf("entries %+v %v", es, err)
		}
		got, err := s.CredentialStatus(ctx, "cr-0")
		if err != nil || got.Status != statuslist.Invalid || got.Reason != "lost phone" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || !got.IssuedAt.Equal(t0) {
			t.Fatalf("cr-0 %+v %v", got, err)
		}
		if subj, err := s.CredentialsOfSubject(ctx, "sub-b"); err != nil || len(subj) != 2 {
			t.Fatalf("of subject: %+v %v", subj, err)
		}
		if iss, err := s.CredentialsOfIssuance(ctx, "n1"); err != nil || len(iss) != 3 {
			t.Fatalf("of issuance n1: %+v %v", iss, err)
		}
		if iss, err := s.CredentialsOfIssuance(ctx, "n-nope"); err != nil || len(iss) != 0 {
			t.Fatalf("of an unknown issuance: %+v %v", iss, err)
		}
		if _, err := s.CredentialStatus(ctx, "cr-nope"); !errors.Is(err, credstatus.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		if _, err := s.SetCredentialStatus(ctx, "cr-nope", statuslist.Invalid, "", t0); !errors.Is(err, credstatus.ErrNotFound) {
			t.Fatalf("set unknown: %v", err)
		}
		if _, err := s.StatusList(ctx, "sl-nope"); !errors.Is(err, credstatus.ErrNotFound) {
			t.Fatalf("unknown list: %v", err)
		}
	})
}
