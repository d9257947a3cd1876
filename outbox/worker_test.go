package outbox_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pramaan/pramaan/httpsig"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/outbox"
)

func TestBackoffDoublesWithEqualJitterUpToTheCap(t *testing.T) {
	p := outbox.Policy{BaseDelay: time.Second, MaxDelay: 10 * time.Second}
	for _, tc := range []struct {
		n    int
		u    float64
		want time.Duration
	}{
		{1, 0, 500 * time.Millisecond}, {1, 0.5, 750 * time.Millisecond},
		{2, 0, time.Second}, {3, 0.5, 3 * time.Second}, {4, 0, 4 * time.Second},
		{5, 0, 5 * time.Second}, {30, 0, 5 * time.Second}, {1000, 1, 10 * time.Second},
	} {
		if got := p.Backoff(tc.n, tc.u).Round(time.Microsecond); got != tc.want {
			t.Errorf("Backoff(%d, %v) = %v; want %v", tc.n, tc.u, got, tc.want)
		}
	}
}

type fixture struct {
	store  *sqlite.Store
	worker *outbox.Worker
	now    time.Time
	key    *ecdsa.PrivateKey
}

func newFixture(t *testing.T, handler http.HandlerFunc) (*fixture, *outbox.Message) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := &fixture{store: st, now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), key: key}
	f.worker = &outbox.Worker{
		Store: st, Signer: &httpsig.Signer{Key: key, KeyID: "k"},
		Policy: outbox.Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute, Timeout: 2 * time.Second},
		Now:    func() time.Time { return f.now }, Jitter: func() float64 { return 0 },
	}
	m := &outbox.Message{ID: "m1", Destination: "w", URL: srv.URL + "/cb", ContentType: outbox.MediaTypeJOSE,
		Body: []byte("a.b.c.d.e"), State: outbox.StatePending, NextAttemptAt: f.now, CreatedAt: f.now}
	rec := issuer.IssuedCredential{ID: "n1", OfferID: "o1", Subject: "s", ConfigurationID: "c", Format: "dc+sd-jwt", Count: 1, IssuedAt: f.now}
	if err := st.RecordIssuance(context.Background(), rec, m); err != nil {
		t.Fatal(err)
	}
	return f, m
}

func (f *fixture) message(t *testing.T) outbox.Message {
	t.Helper()
	ms, err := f.store.Messages(context.Background(), "", 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages = %v, %v", ms, err)
	}
	return ms[0]
}

func TestWorkerSignsDeliversAndRecords(t *testing.T) {
	var f *fixture
	var verified atomic.Bool
	f, _ = newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v := &httpsig.Verifier{
			Keys:     func(string) (*ecdsa.PublicKey, error) { return &f.key.PublicKey, nil },
			Required: outbox.CallbackComponents, Tag: outbox.CallbackTag, Now: func() time.Time { return f.now },
		}
		if _, err := v.VerifyRequest(r, "http", body); err != nil || r.Header.Get("Idempotency-Key") != "m1" {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		verified.Store(true)
		w.WriteHeader(http.StatusNoContent)
	})
	if n, err := f.worker.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	m := f.message(t)
	if !verified.Load() || m.State != outbox.StateDelivered || m.Attempts != 1 || m.LastStatus != http.StatusNoContent || !m.DeliveredAt.Equal(f.now) {
		t.Fatalf("after delivery: %+v (signature verified: %v)", m, verified.Load())
	}
	if n, _ := f.worker.RunOnce(context.Background()); n != 0 {
		t.Fatalf("a delivered message was attempted again")
	}
}

func TestWorkerRetriesHonouringRetryAfterThenGivesUp(t *testing.T) {
	f, _ := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	ctx := context.Background()
	f.worker.RunOnce(ctx)
	m := f.message(t)
	if m.State != outbox.StatePending || m.Attempts != 1 || m.LastStatus != 503 || !m.NextAttemptAt.Equal(f.now.Add(7*time.Second)) {
		t.Fatalf("after a 503 with Retry-After 7: %+v", m)
	}
	f.now = f.now.Add(6 * time.Second)
	if n, _ := f.worker.RunOnce(ctx); n != 0 {
		t.Fatal("attempted before Retry-After")
	}
	f.now = f.now.Add(time.Second)
	f.worker.RunOnce(ctx)
	f.now = f.now.Add(time.Minute)
	f.worker.RunOnce(ctx)
	m = f.message(t)
	if m.State != outbox.StateDead || m.Attempts != 3 {
		t.Fatalf("after MaxAttempts: %+v; want dead at 3", m)
	}
	if err := f.store.Requeue(ctx, "m1", f.now); err != nil {
		t.Fatal(err)
	}
	if m = f.message(t); m.State != outbox.StatePending || m.Attempts != 0 {
		t.Fatalf("requeued: %+v", m)
	}
}

func TestWorkerGivesUpAtOnceOnAnAnswerARetryCannotFix(t *testing.T) {
	for _, tc := range []struct {
		status int
		state  outbox.State
	}{
		{http.StatusBadRequest, outbox.StateDead}, {http.StatusUnauthorized, outbox.StateDead},
		{http.StatusUnprocessableEntity, outbox.StateDead}, {http.StatusTooManyRequests, outbox.StatePending},
		{http.StatusRequestTimeout, outbox.StatePending}, {http.StatusInternalServerError, outbox.StatePending},
		{http.StatusFound, outbox.StatePending},
	} {
		f, _ := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
			if tc.status == http.StatusFound {
				w.Header().Set("Location", "https://elsewhere.example/")
			}
			w.WriteHeader(tc.status)
		})
		f.worker.RunOnce(context.Background())
		if m := f.message(t); m.State != tc.state || m.LastStatus != tc.status {
			t.Errorf("answer %d: %+v; want state %s", tc.status, m, tc.state)
		}
	}
}

func TestWorkerRetriesAHangingBackendAfterItsTimeout(t *testing.T) {
	release := make(chan struct{})
	f, _ := newFixture(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	f.worker.Policy.Timeout = 200 * time.Millisecond
	f.worker.RunOnce(context.Background())
	if m := f.message(t); m.State != outbox.StatePending || m.LastStatus != 0 || m.LastError == "" || !m.NextAttemptAt.After(f.now) {
		t.Fatalf("after a timeout: %+v", m)
	}
}

func TestWorkerRetriesABackendThatClosesTheConnection(t *testing.T) {
	f, _ := newFixture(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	f.worker.RunOnce(context.Background())
	if m := f.message(t); m.State != outbox.StatePending || m.LastStatus != 0 || m.LastError == "" || m.Attempts != 1 {
		t.Fatalf("after a closed connection: %+v", m)
	}
}
