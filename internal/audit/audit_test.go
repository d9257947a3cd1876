package audit_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
)

// memStore is an in-memory audit.Store; tests reach into rows to tamper.
type memStore struct {
	mu   sync.Mutex
	rows []audit.Event
}

func (m *memStore) AppendAudit(_ context.Context, build func(*audit.Event) ([]audit.Event, error)) ([]audit.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var last *audit.Event
	if n := len(m.rows); n > 0 {
		last = &m.rows[n-1]
	}
	es, err := build(last)
	if err != nil {
		return nil, err
	}
	m.rows = append(m.rows, es...)
	return es, nil
}

func (m *memStore) AuditEvents(_ context.Context, after int64, limit int) ([]audit.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []audit.Event
	for _, e := range m.rows {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 123456789, time.UTC)

func appendN(t *testing.T, log *audit.Log, n int) {
	t.Helper()
	for i := range n {
		if _, err := log.Append(context.Background(), audit.Event{Type: "record.claim_set", Subject: "s", Actor: "system",
			Data: map[string]string{"name": "name", "i": string(rune('a' + i%26))}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifies(t *testing.T) {
	st := &memStore{}
	log := audit.New(st, func() time.Time { return t0 })
	appendN(t, log, audit.PageSize+7) // more than one page
	n, err := log.Verify(context.Background())
	if err != nil || n != audit.PageSize+7 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	first := st.rows[0]
	if first.Seq != 1 || !bytes.Equal(first.Prev, make([]byte, 32)) || !first.Time.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("first event %+v", first)
	}
	if !bytes.Equal(st.rows[1].Prev, first.Hash) {
		t.Fatal("the second event does not link to the first")
	}
}

func TestVerifyNamesTheFirstBrokenEvent(t *testing.T) {
	tamper := map[string]struct {
		change func(rows []audit.Event) []audit.Event
		want   string
	}{
		"altered data":    {func(r []audit.Event) []audit.Event { r[4].Data["name"] = "other"; return r }, "event 5 was altered"},
		"altered type":    {func(r []audit.Event) []audit.Event { r[2].Type = "record.erased"; return r }, "event 3 was altered"},
		"altered time":    {func(r []audit.Event) []audit.Event { r[6].Time = r[6].Time.Add(time.Second); return r }, "event 7 was altered"},
		"removed event":   {func(r []audit.Event) []audit.Event { return append(r[:3:3], r[4:]...) }, "event 5 follows 3"},
		"rehashed edit":   {func(r []audit.Event) []audit.Event { r[3].Subject = "x"; r[3].Hash = audit.Hash(r[3]); return r }, "event 5 does not link to event 4"},
		"reordered pair":  {func(r []audit.Event) []audit.Event { r[1], r[2] = r[2], r[1]; return r }, "event 3 follows 1"},
		"truncated chain": {func(r []audit.Event) []audit.Event { return r[:0] }, ""},
	}
	for name, tc := range tamper {
		t.Run("broken/"+name, func(t *testing.T) {
			st := &memStore{}
			log := audit.New(st, func() time.Time { return t0 })
			appendN(t, log, 10)
			st.rows = tc.change(st.rows)
			_, err := log.Verify(context.Background())
			if tc.want == "" {
				// Removing every row leaves nothing to check: the chain's
				// length is the operator's to compare with the last seq
				// they recorded.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, audit.ErrBroken) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify: %v, want ErrBroken naming %q", err, tc.want)
			}
		})
	}
}

func TestConcurrentAppendersMakeOneChain(t *testing.T) {
	st := &memStore{}
	log := audit.New(st, time.Now)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := log.Append(context.Background(), audit.Event{Type: "t", Subject: "s"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, err := log.Verify(context.Background()); n != 50 || err != nil {
		t.Fatalf("Verify = %d, %v", n, err)
	}
}

func TestAppendRefuses(t *testing.T) {
	log := audit.New(&memStore{}, time.Now)
	big := map[string]string{}
	for i := range audit.MaxDataEntries + 1 {
		big[strings.Repeat("k", i+1)] = "v"
	}
	for name, e := range map[string]audit.Event{
		"no type":         {Subject: "s"},
		"too many data":   {Type: "t", Data: big},
		"oversized field": {Type: "t", Subject: strings.Repeat("s", audit.MaxFieldBytes+1)},
	} {
		if _, err := log.Append(context.Background(), e); err == nil {
			t.Errorf("%s: appended", name)
		}
	}
}
