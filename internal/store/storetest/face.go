package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/face"
)

func testFaceStore(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	subject := func(key string) string {
		id, _, err := s.SubjectByKey(ctx, "face-test", key, "urn:pramaan:subject:"+key, t0)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b, c := subject("fa"), subject("fb"), subject("fc")
	link := func(id, sub string) face.Link {
		l := face.Link{ID: id, SubjectID: sub, Source: "ekyc_offline", NameMatch: true, DOBMatch: true, BirthYear: 1994, Gender: "F",
			Last4: "4821", CorrelationHash: "h-" + id, PhotoHash: "p", CreatedAt: t0}
		if err := s.CreateFaceLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	put := func(id, sub, model string, version int, linkID string) face.Template {
		tp := face.Template{ID: id, SubjectID: sub, Model: model, Version: version, Dimension: 4, Sealed: []byte("sealed-" + id),
			FramesUsed: 5, LinkID: linkID, Consent: face.Consent{Version: "v1", TextURL: "https://x/c", SignatureB64: "c2ln"}, EnrolledAt: t0.Add(time.Duration(version) * time.Second)}
		if err := s.PutFaceTemplate(ctx, tp); err != nil {
			t.Fatal(err)
		}
		return tp
	}

	t.Run("ok/one owner per correlation hash among racers", func(t *testing.T) {
		owners := make([]string, Racers)
		var wg sync.WaitGroup
		for i := range Racers {
			sub := []string{a, b, c}[i%3]
			wg.Go(func() {
				var err error
				if owners[i], err = s.ClaimCorrelation(ctx, "corr-race", sub, t0); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, o := range owners {
			if o != owners[0] || o == "" {
				t.Fatalf("owners %v", owners)
			}
		}
		if o, err := s.ClaimCorrelation(ctx, "corr-race", a, t0); err != nil || o != owners[0] {
			t.Fatalf("claimed again: %s %v", o, err)
		}
	})
	t.Run("ok/link read back, used once", func(t *testing.T) {
		l := link("fl-1", a)
		got, err := s.FaceLink(ctx, "fl-1")
		if err != nil || got != l {
			t.Fatalf("got %+v %v, want %+v", got, err, l)
		}
		if err := s.UseFaceLink(ctx, "fl-1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.UseFaceLink(ctx, "fl-1", t0.Add(2*time.Minute)); !errors.Is(err, face.ErrLinkUsed) {
			t.Fatalf("second use: %v", err)
		}
		if got, _ := s.FaceLink(ctx, "fl-1"); !got.UsedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("used_at %v", got.UsedAt)
		}
		if _, err := s.FaceLink(ctx, "nope"); !errors.Is(err, face.ErrNotFound) {
			t.Fatalf("unknown link: %v", err)
		}
	})
	t.Run("ok/templates: versions, current, scan, erase", func(t *testing.T) {
		la, lb, lc := link("fl-a", a), link("fl-b", b), link("fl-c", c)
		put("ft-a1", a, "m128", 1, la.ID)
		a2 := put("ft-a2", a, "m128", 2, la.ID)
		b1 := put("ft-b1", b, "m128", 1, lb.ID)
		put("ft-c1", c, "m512", 1, lc.ID)
		if err := s.PutFaceTemplate(ctx, face.Template{ID: "ft-a2bis", SubjectID: a, Model: "m128", Version: 2, Dimension: 4, Sealed: []byte("x"),
			FramesUsed: 1, LinkID: la.ID, EnrolledAt: t0}); !errors.Is(err, face.ErrLinkUsed) {
			t.Fatalf("a second version 2: %v", err)
		}
		cur, err := s.CurrentFaceTemplate(ctx, a, "m128")
		if err != nil || cur.ID != a2.ID || string(cur.Sealed) != "sealed-ft-a2" || cur.Consent != a2.Consent || !cur.EnrolledAt.Equal(a2.EnrolledAt) {
			t.Fatalf("current %+v %v", cur, err)
		}
		var seen []string
		if err := s.EachCurrentFaceTemplate(ctx, "m128", c, func(tp face.Template) error { seen = append(seen, tp.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sorted(seen)) != fmt.Sprint([]string{"ft-a2", "ft-b1"}) {
			t.Fatalf("current m128 templates but c's: %v", seen)
		}
		seen = nil
		if err := s.EachCurrentFaceTemplate(ctx, "m128", a, func(tp face.Template) error { seen = append(seen, tp.ID); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(seen) != "[ft-b1]" {
			t.Fatalf("current m128 templates but a's: %v", seen)
		}
		d := face.Duplicate{TemplateID: a2.ID, SubjectID: a, OtherTemplateID: b1.ID, OtherSubjectID: b, Model: "m128", Score: 0.97, FlaggedAt: t0}
		if err := s.AddFaceDuplicates(ctx, []face.Duplicate{d, d}); err != nil {
			t.Fatal(err)
		}
		if ds, err := s.FaceDuplicates(ctx); err != nil || len(ds) != 1 || ds[0] != d {
			t.Fatalf("duplicates %+v %v", ds, err)
		}
		if n, err := s.DeleteFaceTemplates(ctx, a); err != nil || n != 2 {
			t.Fatalf("erase: %d %v", n, err)
		}
		if _, err := s.CurrentFaceTemplate(ctx, a, "m128"); !errors.Is(err, face.ErrNotFound) {
			t.Fatalf("after erase: %v", err)
		}
		if _, err := s.CurrentFaceTemplate(ctx, b, "m128"); err != nil {
			t.Fatalf("b's template after a's erase: %v", err)
		}
	})
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
