package record_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/record"
	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/store/sqlite"
)

type gcm struct{ a cipher.AEAD }

func (g gcm) Seal(p, aad []byte) ([]byte, error) {
	n := make([]byte, 12)
	rand.Read(n)
	return g.a.Seal(n, n, p, aad), nil
}

func (g gcm) Open(c, aad []byte) ([]byte, error) {
	if len(c) < 12 {
		return nil, errors.New("short")
	}
	return g.a.Open(nil, c[:12], c[12:], aad)
}

// events collects audit events as well as appending them.
type events struct {
	mu  sync.Mutex
	log *audit.Log
	got []audit.Event
}

func (e *events) Append(ctx context.Context, ev audit.Event) (audit.Event, error) {
	out, err := e.log.Append(ctx, ev)
	e.mu.Lock()
	e.got = append(e.got, out)
	e.mu.Unlock()
	return out, err
}

func (e *events) AppendAll(ctx context.Context, evs []audit.Event) ([]audit.Event, error) {
	out, err := e.log.AppendAll(ctx, evs)
	e.mu.Lock()
	e.got = append(e.got, out...)
	e.mu.Unlock()
	return out, err
}

func (e *events) types() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.got {
		out = append(out, ev.Type+" "+ev.Data["name"])
	}
	e.got = nil
	return out
}

type env struct {
	rec    *record.Service
	st     *sqlite.Store
	ev     *events
	now    time.Time
	sealer gcm
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k := make([]byte, 32)
	rand.Read(k)
	b, _ := aes.NewCipher(k)
	a, _ := cipher.NewGCM(b)
	e := &env{st: st, now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), sealer: gcm{a}}
	e.ev = &events{log: audit.New(st, func() time.Time { return e.now })}
	e.rec, err = record.New(record.Config{Store: st, Sealer: e.sealer, Audit: e.ev, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) subject(t *testing.T) string {
	t.Helper()
	id, created, err := e.rec.Subject(context.Background(), "digilocker", "dl-1")
	if err != nil || !created || !strings.HasPrefix(id, record.SubjectPrefix) {
		t.Fatalf("subject %q created=%v: %v", id, created, err)
	}
	e.ev.types()
	return id
}

func verified(name string, v any, source string) record.Observation {
	return record.Observation{Name: name, Value: v, Source: source, Evidence: []byte("evidence of " + source), Verified: true}
}

func unverified(name string, v any, source string) record.Observation {
	return record.Observation{Name: name, Value: v, Source: source}
}

func (e *env) value(t *testing.T, id, name string) record.Claim {
	t.Helper()
	claims, err := e.rec.Claims(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claims {
		if c.Name == name {
			return c
		}
	}
	return record.Claim{}
}

func TestRecordRules(t *testing.T) {
	ctx := context.Background()
	t.Run("ok/verified replaces unverified", func(t *testing.T) {
		e := newEnv(t)
		id := e.subject(t)
		e.rec.Record(ctx, id, []record.Observation{unverified("name", "asha", "self")})
		e.ev.types()
		e.now = e.now.Add(time.Minute)
		out, err := e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile")})
		if err != nil || !slices.Equal(out.Changed, []string{"name"}) {
			t.Fatalf("%+v %v", out, err)
		}
		c := e.value(t, id, "name")
		if c.Value != "Asha Verma" || !c.Verified || !c.VerifiedAt.Equal(e.now) || c.Source != "digilocker_profile" || len(c.EvidenceHash) != 64 {
			t.Fatalf("claim %+v", c)
		}
		if got := e.ev.types(); !slices.Equal(got, []string{"record.claim_set name"}) {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("kept/unverified does not overwrite verified, and says so", func(t *testing.T) {
		e := newEnv(t)
		id := e.subject(t)
		e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile")})
		e.ev.types()
		out, err := e.rec.Record(ctx, id, []record.Observation{unverified("name", "Someone Else", "self")})
		if err != nil || !slices.Equal(out.Kept, []string{"name"}) || len(out.Changed) != 0 {
			t.Fatalf("%+v %v", out, err)
		}
		if c := e.value(t, id, "name"); c.Value != "Asha Verma" || c.Source != "digilocker_profile" {
			t.Fatalf("claim %+v", c)
		}
		if got := e.ev.types(); !slices.Equal(got, []string{"record.claim_kept name"}) {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("unchanged/same value and source writes nothing", func(t *testing.T) {
		e := newEnv(t)
		id := e.subject(t)
		e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile")})
		before, _ := e.st.RecordClaims(ctx, id)
		e.ev.types()
		e.now = e.now.Add(time.Hour)
		out, err := e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile")})
		if err != nil || !slices.Equal(out.Unchanged, []string{"name"}) {
			t.Fatalf("%+v %v", out, err)
		}
		after, _ := e.st.RecordClaims(ctx, id)
		if !reflect.DeepEqual(before, after) {
			t.Fatal("the row changed")
		}
		if got := e.ev.types(); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("ok/newer verified evidence replaces verified", func(t *testing.T) {
		e := newEnv(t)
		id := e.subject(t)
		e.rec.Record(ctx, id, []record.Observation{verified("address.city", "Pune", "digilocker_eaadhaar")})
		out, err := e.rec.Record(ctx, id, []record.Observation{verified("address.city", "Bengaluru", "ekyc_offline")})
		if err != nil || !slices.Equal(out.Changed, []string{"address.city"}) {
			t.Fatalf("%+v %v", out, err)
		}
		if c := e.value(t, id, "address.city"); c.Value != "Bengaluru" || c.Source != "ekyc_offline" {
			t.Fatalf("claim %+v", c)
		}
	})
	t.Run("sealed/values are not stored in clear", func(t *testing.T) {
		e := newEnv(t)
		id := e.subject(t)
		e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile")})
		rows, _ := e.st.RecordClaims(ctx, id)
		if len(rows) != 1 || bytes.Contains(rows[0].Value, []byte("Asha")) {
			t.Fatalf("stored value %q", rows[0].Value)
		}
		// The AAD binds the row: the value moved to another claim name
		// does not open.
		if _, err := e.sealer.Open(rows[0].Value, []byte("pramaan record v1\x00"+id+"\x00birth_date")); err == nil {
			t.Fatal("a value opened under another claim name")
		}
	})
}

func TestRecordRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	id := e.subject(t)
	e.rec.Record(ctx, id, []record.Observation{verified("address.city", "Pune", "digilocker_eaadhaar")})
	cases := map[string]struct {
		subject string
		obs     []record.Observation
		want    error
	}{
		"unknown subject":       {"urn:pramaan:subject:nobody", []record.Observation{verified("name", "A", "s")}, record.ErrUnknownSubject},
		"upper-case name":       {id, []record.Observation{verified("Name", "A", "s")}, record.ErrInvalid},
		"empty segment":         {id, []record.Observation{verified("address..city", "A", "s")}, record.ErrInvalid},
		"no source":             {id, []record.Observation{verified("name", "A", "")}, record.ErrInvalid},
		"object value":          {id, []record.Observation{verified("name", map[string]any{"a": 1}, "s")}, record.ErrInvalid},
		"nil value":             {id, []record.Observation{verified("name", nil, "s")}, record.ErrInvalid},
		"invalid UTF-8 value":   {id, []record.Observation{verified("name", "\xd4", "s")}, record.ErrInvalid},
		"value over the limit":  {id, []record.Observation{verified("portrait", strings.Repeat("a", record.MaxValueBytes), "s")}, record.ErrInvalid},
		"leaf over an object":   {id, []record.Observation{verified("address", "12 MG Road", "s")}, record.ErrInvalid},
		"object under a leaf":   {id, []record.Observation{verified("address.city.ward", "4", "s")}, record.ErrInvalid},
		"same name twice":       {id, []record.Observation{verified("name", "A", "s"), verified("name", "B", "s")}, record.ErrInvalid},
		"bad evidence hash":     {id, []record.Observation{{Name: "name", Value: "A", Source: "s", EvidenceHash: "zz"}}, record.ErrInvalid},
		"too many observations": {id, make([]record.Observation, record.MaxObservations+1), record.ErrInvalid},
		"no observations":       {id, nil, record.ErrInvalid},
	}
	for name, tc := range cases {
		t.Run("fail/"+name, func(t *testing.T) {
			before, _ := e.st.RecordClaims(ctx, id)
			if _, err := e.rec.Record(ctx, tc.subject, tc.obs); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if after, _ := e.st.RecordClaims(ctx, id); !reflect.DeepEqual(before, after) {
				t.Fatal("rows changed")
			}
		})
	}
}

func TestCredentialClaimsNestVerifiedOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	id := e.subject(t)
	if _, err := e.rec.Record(ctx, id, []record.Observation{
		verified("name", "Asha Verma", "digilocker_profile"),
		verified("address.city", "Pune", "digilocker_eaadhaar"),
		verified("address.pincode", "411005", "digilocker_eaadhaar"),
		verified("education.class_xii.result", "PASS", "digilocker_document:HSCER"),
		unverified("nickname", "Ashu", "self"),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := e.rec.CredentialClaims(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name":      "Asha Verma",
		"address":   map[string]any{"city": "Pune", "pincode": "411005"},
		"education": map[string]any{"class_xii": map[string]any{"result": "PASS"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if _, err := e.rec.CredentialClaims(ctx, "urn:pramaan:subject:nobody"); !errors.Is(err, record.ErrUnknownSubject) {
		t.Fatalf("unknown subject: %v", err)
	}
}

func TestSubjectIsOnePerKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			ids[i], _, _ = e.rec.Subject(ctx, "digilocker", "dl-same")
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("subjects %v", ids)
		}
	}
	created := 0
	for _, ev := range e.ev.got {
		if ev.Type == "record.subject_created" {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d subject_created events", created)
	}
	other, _, _ := e.rec.Subject(ctx, "esignet", "dl-same")
	if other == ids[0] {
		t.Fatal("another key kind gave the same subject")
	}
}

func TestEraseLeavesATombstone(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	id := e.subject(t)
	e.rec.Record(ctx, id, []record.Observation{verified("name", "Asha Verma", "digilocker_profile"), verified("gender", "F", "digilocker_profile")})
	e.ev.types()
	n, err := e.rec.Erase(ctx, id)
	if err != nil || n != 2 {
		t.Fatalf("erase %d %v", n, err)
	}
	if rows, _ := e.st.RecordClaims(ctx, id); len(rows) != 0 {
		t.Fatalf("rows left %+v", rows)
	}
	if got := e.ev.types(); !slices.Equal(got, []string{"record.erased "}) {
		t.Fatalf("events %v", got)
	}
	if n, err := e.ev.log.Verify(ctx); err != nil || n == 0 {
		t.Fatalf("chain %d %v", n, err)
	}
	if _, err := e.rec.Erase(ctx, "urn:pramaan:subject:nobody"); !errors.Is(err, record.ErrUnknownSubject) {
		t.Fatalf("erasing an unknown subject: %v", err)
	}
	if got := e.ev.types(); len(got) != 0 {
		t.Fatalf("events for an unknown subject: %v", got)
	}
}
