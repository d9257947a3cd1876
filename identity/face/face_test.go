package face_test

import (
	"context"
	"encoding/base64"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/face"
	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/store/sqlite"
)

type env struct {
	svc   *face.Service
	st    *sqlite.Store
	rec   *record.Service
	clock *time.Time
	dk    *keys.DataKey
}

var models = []face.Model{
	{ID: "mobilefacenet-192", Dimension: 192, MatchThreshold: 0.6, DuplicateThreshold: 0.9},
	{ID: "w600k-mbf-512", Dimension: 512, MatchThreshold: 0.4, DuplicateThreshold: 0.8},
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dk, err := keys.NewDataKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	e := &env{st: st, clock: &now, dk: dk}
	clock := func() time.Time { return *e.clock }
	log := audit.New(st, clock)
	if e.rec, err = record.New(record.Config{Store: st, Sealer: dk, Audit: log, Now: clock}); err != nil {
		t.Fatal(err)
	}
	if e.svc, err = face.New(face.Config{Store: st, Sealer: dk, Record: e.rec, Audit: log, Models: models,
		CorrelationKey: []byte("0123456789abcdef0123456789abcdef"), Now: clock}); err != nil {
		t.Fatal(err)
	}
	return e
}

// citizen is a subject whose record holds a verified name and birth date.
func (e *env) citizen(t testing.TB, key, name, dob string) string {
	t.Helper()
	sub, _, err := e.rec.Subject(context.Background(), "digilocker", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rec.Record(context.Background(), sub, []record.Observation{
		{Name: "name", Value: name, Source: "digilocker_profile", Evidence: []byte("profile"), Verified: true},
		{Name: "birth_date", Value: dob, Source: "digilocker_profile", Evidence: []byte("profile"), Verified: true},
	}); err != nil {
		t.Fatal(err)
	}
	return sub
}

func evidence(name, dob, last4 string) face.Evidence {
	return face.Evidence{Source: "digilocker_eaadhaar", Name: name, BirthDate: dob, Gender: "F", Last4: last4, Photo: []byte{0xFF, 0xD8, 0xFF, 1, 2, 3}}
}

// vector is a random unit-ish vector of dim; near returns one close to v.
func vector(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func near(r *rand.Rand, v []float32, noise float64) []float32 {
	out := make([]float32, len(v))
	for i := range v {
		out[i] = v[i] + float32(noise*r.NormFloat64())
	}
	return out
}

func b64(v []float32) string { return base64.StdEncoding.EncodeToString(face.EncodeEmbedding(v)) }

func request(linkID string, v []float32, model string) face.EnrollRequest {
	return face.EnrollRequest{LinkID: linkID, EmbeddingB64: b64(v), Model: model, FramesUsed: 5,
		Consent: face.Consent{Version: "2026-11", TextURL: "https://pramaan.example/consent/2026-11", SignatureB64: "c2lnbmVk"}}
}

func TestEnrollMatchDuplicateErase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	asha := e.citizen(t, "asha", "Asha Verma", "1994-08-14")
	l, err := e.svc.NewLink(ctx, asha, evidence("ASHA  verma", "1994-08-14", "4821"))
	if err != nil {
		t.Fatal(err)
	}
	if !l.NameMatch || !l.DOBMatch || l.BirthYear != 1994 || len(l.CorrelationHash) != 64 || len(l.PhotoHash) != 64 {
		t.Fatalf("link %+v", l)
	}
	face1 := vector(r, 192)
	en, err := e.svc.Enroll(ctx, asha, request(l.ID, face1, "mobilefacenet-192"))
	if err != nil {
		t.Fatal(err)
	}
	if en.Version != 1 || en.IdentityProof.LinkID != l.ID || !en.IdentityProof.NameMatch || en.IdentityProof.Source != "digilocker_eaadhaar" {
		t.Fatalf("enrollment %+v", en)
	}
	// The stored template is the normalised embedding.
	tp, err := e.st.CurrentFaceTemplate(ctx, asha, "mobilefacenet-192")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.svc.Open(tp)
	if err != nil {
		t.Fatal(err)
	}
	var norm float64
	for _, x := range stored {
		norm += float64(x) * float64(x)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("stored norm² %v", norm)
	}
	// Match: the same face with noise matches, another does not.
	if ok, score, err := e.svc.Match(ctx, asha, "mobilefacenet-192", b64(near(r, face1, 0.2))); err != nil || !ok || score < 0.9 {
		t.Fatalf("same face: %v %v %v", ok, score, err)
	}
	if ok, score, err := e.svc.Match(ctx, asha, "mobilefacenet-192", b64(vector(r, 192))); err != nil || ok || score > 0.5 {
		t.Fatalf("another face: %v %v %v", ok, score, err)
	}
	// Without a model: the model of her enrolment.
	if ok, _, err := e.svc.Match(ctx, asha, "", b64(near(r, face1, 0.2))); err != nil || !ok {
		t.Fatalf("match without a model: %v %v", ok, err)
	}
	// The record says she is enrolled.
	claims, _ := e.rec.CredentialClaims(ctx, asha)
	if f, _ := claims["face"].(map[string]any); f["enrolled"] != true || f["model"] != "mobilefacenet-192" || f["enrolled_on"] != "2026-12-04" {
		t.Fatalf("record %v", claims)
	}
	// Re-enrolment makes version 2 and needs a fresh link.
	l2, _ := e.svc.NewLink(ctx, asha, evidence("Asha Verma", "1994-08-14", "4821"))
	if en2, err := e.svc.Enroll(ctx, asha, request(l2.ID, near(r, face1, 0.1), "mobilefacenet-192")); err != nil || en2.Version != 2 {
		t.Fatalf("re-enrolment: %+v %v", en2, err)
	}
	// Another citizen enrolling (nearly) the same face is flagged.
	rohan := e.citizen(t, "rohan", "Rohan Mehta", "1990-03-02")
	lr, _ := e.svc.NewLink(ctx, rohan, evidence("Rohan Mehta", "1990-03-02", "1111"))
	en3, err := e.svc.Enroll(ctx, rohan, request(lr.ID, near(r, face1, 0.05), "mobilefacenet-192"))
	if err != nil || en3.Duplicates != 1 {
		t.Fatalf("duplicate enrolment: %+v %v", en3, err)
	}
	ds, _ := e.svc.Duplicates(ctx)
	if len(ds) != 1 || ds[0].SubjectID != rohan || ds[0].OtherSubjectID != asha || ds[0].Score < 0.9 {
		t.Fatalf("duplicates %+v", ds)
	}
	// Erasure leaves no template and a tombstone.
	if n, err := e.svc.Erase(ctx, asha); err != nil || n != 2 {
		t.Fatalf("erase: %d %v", n, err)
	}
	if _, _, err := e.svc.Match(ctx, asha, "mobilefacenet-192", b64(face1)); !errors.Is(err, face.ErrNoTemplate) {
		t.Fatalf("match after erase: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	asha := e.citizen(t, "asha", "Asha Verma", "1994-08-14")
	rohan := e.citizen(t, "rohan", "Rohan Mehta", "1990-03-02")
	good := func() *face.Link {
		l, err := e.svc.NewLink(ctx, asha, evidence("Asha Verma", "1994-08-14", "4821"))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mismatched, err := e.svc.NewLink(ctx, asha, evidence("Asha Varma", "1994-08-15", "4821"))
	if err != nil {
		t.Fatal(err)
	}
	if mismatched.NameMatch || mismatched.DOBMatch {
		t.Fatalf("mismatched link %+v", mismatched)
	}
	expired := good()
	v := vector(r, 192)
	nan := vector(r, 192)
	nan[7] = float32(math.NaN())
	inf := vector(r, 192)
	inf[0] = float32(math.Inf(1))
	used := good()
	if _, err := e.svc.Enroll(ctx, asha, request(used.ID, v, "mobilefacenet-192")); err != nil {
		t.Fatal(err)
	}
	*e.clock = e.clock.Add(16 * time.Minute) // expired is now 16 minutes old
	for _, tc := range []struct {
		name    string
		subject string
		req     func() face.EnrollRequest
		want    error
	}{
		{"expired link", asha, func() face.EnrollRequest { return request(expired.ID, v, "mobilefacenet-192") }, face.ErrLinkExpired},
		{"mismatched link, expired too", asha, func() face.EnrollRequest { return request(mismatched.ID, v, "mobilefacenet-192") }, face.ErrLinkExpired},
		{"link of another subject", rohan, func() face.EnrollRequest { return request(good().ID, v, "mobilefacenet-192") }, face.ErrLinkSubject},
		{"wrong dimension", asha, func() face.EnrollRequest { return request(good().ID, vector(r, 128), "mobilefacenet-192") }, face.ErrEmbedding},
		{"NaN", asha, func() face.EnrollRequest { return request(good().ID, nan, "mobilefacenet-192") }, face.ErrEmbedding},
		{"infinity", asha, func() face.EnrollRequest { return request(good().ID, inf, "mobilefacenet-192") }, face.ErrEmbedding},
		{"zero vector", asha, func() face.EnrollRequest { return request(good().ID, make([]float32, 192), "mobilefacenet-192") }, face.ErrEmbedding},
		{"malformed base64", asha, func() face.EnrollRequest {
			q := request(good().ID, v, "mobilefacenet-192")
			q.EmbeddingB64 = "not*base64"
			return q
		}, face.ErrEmbedding},
		{"unknown model", asha, func() face.EnrollRequest { return request(good().ID, v, "arcface-9000") }, face.ErrUnknownModel},
		{"no consent", asha, func() face.EnrollRequest {
			q := request(good().ID, v, "mobilefacenet-192")
			q.Consent = face.Consent{}
			return q
		}, face.ErrConsent},
		{"replayed enrolment, expired too", asha, func() face.EnrollRequest { return request(used.ID, v, "mobilefacenet-192") }, face.ErrLinkExpired},
		{"unknown link", asha, func() face.EnrollRequest { return request("fl_nope", v, "mobilefacenet-192") }, face.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req()
			before, _ := e.st.CurrentFaceTemplate(ctx, asha, "mobilefacenet-192")
			if _, err := e.svc.Enroll(ctx, tc.subject, req); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			after, _ := e.st.CurrentFaceTemplate(ctx, asha, "mobilefacenet-192")
			if before.ID != after.ID {
				t.Fatal("a template was stored")
			}
		})
	}
	t.Run("mismatched link within its time", func(t *testing.T) {
		m, _ := e.svc.NewLink(ctx, asha, evidence("Asha Varma", "1994-08-14", "4821"))
		if _, err := e.svc.Enroll(ctx, asha, request(m.ID, v, "mobilefacenet-192")); !errors.Is(err, face.ErrLinkMismatch) {
			t.Fatalf("got %v", err)
		}
		// The link is kept for the record, unused.
		if l, err := e.st.FaceLink(ctx, m.ID); err != nil || !l.UsedAt.IsZero() {
			t.Fatalf("link after refusal: %+v %v", l, err)
		}
	})
	t.Run("replayed enrolment within its time", func(t *testing.T) {
		l := good()
		if _, err := e.svc.Enroll(ctx, asha, request(l.ID, v, "mobilefacenet-192")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Enroll(ctx, asha, request(l.ID, v, "mobilefacenet-192")); !errors.Is(err, face.ErrLinkUsed) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("correlation of another subject", func(t *testing.T) {
		if _, err := e.svc.NewLink(ctx, rohan, evidence("Asha Verma", "1994-08-14", "4821")); !errors.Is(err, face.ErrCorrelationConflict) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("template under the wrong AAD", func(t *testing.T) {
		tp, err := e.st.CurrentFaceTemplate(ctx, asha, "mobilefacenet-192")
		if err != nil {
			t.Fatal(err)
		}
		for name, edit := range map[string]func(*face.Template){
			"other subject": func(x *face.Template) { x.SubjectID = rohan },
			"other id":      func(x *face.Template) { x.ID = "ft_other" },
			"other version": func(x *face.Template) { x.Version++ },
		} {
			x := tp
			edit(&x)
			if _, err := e.svc.Open(x); err == nil {
				t.Fatalf("%s: opened", name)
			}
		}
		if _, err := e.svc.Open(tp); err != nil {
			t.Fatal(err)
		}
	})
}
