package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
)

// RecordStore is what a backend offers the verified-claims record and the
// audit log.
type RecordStore interface {
	record.Store
	audit.Store
}

func testRecordStore(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	t.Run("ok/one subject per key of many racers", func(t *testing.T) {
		ids := make([]string, Racers)
		created := make([]bool, Racers)
		var wg sync.WaitGroup
		for i := range Racers {
			wg.Go(func() {
				var err error
				ids[i], created[i], err = s.SubjectByKey(ctx, "digilocker", "dl-race", fmt.Sprintf("urn:pramaan:subject:r%d", i), t0)
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n := 0
		for i := range Racers {
			if ids[i] != ids[0] {
				t.Fatalf("racer %d got subject %s, racer 0 %s", i, ids[i], ids[0])
			}
			if created[i] {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d racers created the subject, want 1", n)
		}
		if ok, err := s.SubjectExists(ctx, ids[0]); !ok || err != nil {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if ok, _ := s.SubjectExists(ctx, "urn:pramaan:subject:none"); ok {
			t.Fatal("an unknown subject exists")
		}
	})
	t.Run("ok/claims put, replaced, read in name order, deleted", func(t *testing.T) {
		id, _, err := s.SubjectByKey(ctx, "digilocker", "dl-claims", "urn:pramaan:subject:c", t0)
		if err != nil {
			t.Fatal(err)
		}
		put := []record.StoredClaim{
			{SubjectID: id, Name: "name", Value: []byte("sealed-1"), Source: "digilocker_profile", EvidenceHash: "ab", Verified: true, VerifiedAt: t0, UpdatedAt: t0},
			{SubjectID: id, Name: "address.city", Value: []byte("sealed-2"), Source: "self", UpdatedAt: t0},
		}
		if err := s.PutRecordClaims(ctx, put); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Hour)
		if err := s.PutRecordClaims(ctx, []record.StoredClaim{{SubjectID: id, Name: "address.city", Value: []byte("sealed-3"), Source: "digilocker_eaadhaar", EvidenceHash: "cd", Verified: true, VerifiedAt: later, UpdatedAt: later}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecordClaims(ctx, id)
		if err != nil || len(got) != 2 {
			t.Fatalf("claims %+v, %v", got, err)
		}
		city, name := got[0], got[1]
		if city.Name != "address.city" || string(city.Value) != "sealed-3" || city.Source != "digilocker_eaadhaar" || !city.Verified || !city.VerifiedAt.Equal(later) || !city.UpdatedAt.Equal(later) {
			t.Fatalf("city %+v", city)
		}
		if name.Name != "name" || string(name.Value) != "sealed-1" || !name.VerifiedAt.Equal(t0) || name.EvidenceHash != "ab" {
			t.Fatalf("name %+v", name)
		}
		if n, err := s.DeleteRecordClaims(ctx, id, "address.city", "nope"); n != 1 || err != nil {
			t.Fatalf("delete by name: %d %v", n, err)
		}
		if got, _ := s.RecordClaims(ctx, id); len(got) != 1 || got[0].Name != "name" {
			t.Fatalf("after deleting address.city: %+v", got)
		}
		if n, err := s.DeleteRecordClaims(ctx, id); n != 1 || err != nil {
			t.Fatalf("delete: %d %v", n, err)
		}
		if got, _ := s.RecordClaims(ctx, id); len(got) != 0 {
			t.Fatalf("after delete: %+v", got)
		}
	})
}

// RunAuditChain appends Racers events concurrently, alternating between
// two stores of one database (two instances; openB nil: one), and
// requires one gapless chain that verifies.
func RunAuditChain(t *testing.T, openA, openB Opener) {
	ctx := context.Background()
	a := newStore(t, openA)
	b := a
	if openB != nil {
		b = newStore(t, openB)
	}
	la, lb := audit.New(a, time.Now), audit.New(b, time.Now)
	var wg sync.WaitGroup
	for i := range Racers {
		l := la
		if i%2 == 1 {
			l = lb
		}
		wg.Go(func() {
			if _, err := l.Append(ctx, audit.Event{Type: "test.event", Subject: "s", Actor: "a", Data: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n, err := la.Verify(ctx)
	if err != nil || n != Racers {
		t.Fatalf("Verify = %d, %v; want %d events in one chain", n, err, Racers)
	}
	events, err := a.AuditEvents(ctx, 0, 1)
	if err != nil || len(events) != 1 || events[0].Data["i"] == "" || events[0].Type != "test.event" {
		t.Fatalf("first event %+v, %v", events, err)
	}
}
