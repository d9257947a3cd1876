package statuslist_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/statuslist"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// TestDecodeDraftExamples decodes the draft's own examples byte for byte:
// the 1-bit list of "Status List" (0xB9 0xA3) and the 2-bit list.
func TestDecodeDraftExamples(t *testing.T) {
	for _, c := range []struct {
		bits int
		lst  string
		want []statuslist.Status
	}{
		{1, "eNrbuRgAAhcBXQ", []statuslist.Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1}},
		{2, "eNo76fITAAPfAgc", []statuslist.Status{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}},
	} {
		l, err := statuslist.Decode(c.bits, c.lst, 1024)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			if got, err := l.Get(i); err != nil || got != w {
				t.Fatalf("bits %d index %d: %v %v, want %v", c.bits, i, got, err, w)
			}
		}
		enc, err := statuslist.Encode(c.bits, c.want)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := statuslist.Decode(c.bits, enc, 1024)
		for i, w := range c.want {
			if got, _ := back.Get(i); got != w {
				t.Fatalf("round trip bits %d index %d: %v want %v", c.bits, i, got, w)
			}
		}
	}
}

func TestDecodeRefusals(t *testing.T) {
	bomb, _ := statuslist.Encode(8, make([]statuslist.Status, 1<<20))
	for name, c := range map[string]struct {
		bits int
		lst  string
	}{
		"bits 3":             {3, "eNrbuRgAAhcBXQ"},
		"not base64url":      {1, "eNr+uRgAAhcBXQ=="},
		"not zlib":           {1, base64.RawURLEncoding.EncodeToString([]byte("plain bytes"))},
		"decompression bomb": {8, bomb},
	} {
		if _, err := statuslist.Decode(c.bits, c.lst, 1<<16); !errors.Is(err, statuslist.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	l, _ := statuslist.Decode(1, "eNrbuRgAAhcBXQ", 16)
	if _, err := l.Get(16); err == nil {
		t.Fatal("an index past the list is answered")
	}
	if _, err := l.Get(-1); err == nil {
		t.Fatal("a negative index is answered")
	}
}

// server publishes Status List Tokens signed by key.
type server struct {
	key     *ecdsa.PrivateKey
	fetches atomic.Int32
	mu      sync.Mutex
	claims  func(uri string) map[string]any
	typ     string
}

func (s *server) handler(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	if r.Header.Get("Accept") != statuslist.MediaType {
		http.Error(w, "accept", http.StatusNotAcceptable)
		return
	}
	s.mu.Lock()
	claims, typ := s.claims("http://"+r.Host+r.URL.Path), s.typ
	s.mu.Unlock()
	tok, err := jose.SignCompact(s.key, map[string]any{"alg": "ES256", "typ": typ}, claims)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", statuslist.MediaType)
	fmt.Fprint(w, tok)
}

func newServer(t *testing.T) (*server, *httptest.Server) {
	s := &server{key: mustKey(t), typ: statuslist.Typ}
	s.claims = func(uri string) map[string]any {
		return map[string]any{"sub": uri, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ttl": 600,
			"status_list": map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ"}}
	}
	ts := httptest.NewServer(http.HandlerFunc(s.handler))
	t.Cleanup(ts.Close)
	return s, ts
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newClient(t *testing.T, key crypto.PublicKey, clock *time.Time) *statuslist.Client {
	c, err := statuslist.NewClient(statuslist.Config{
		Resolve:   func(context.Context, map[string]json.RawMessage) (crypto.PublicKey, error) { return key, nil },
		AllowHTTP: true, Now: func() time.Time { return *clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStatusIsFetchedVerifiedAndCached(t *testing.T) {
	s, ts := newServer(t)
	clock := now
	c := newClient(t, &s.key.PublicKey, &clock)
	uri := ts.URL + "/lists/1"
	want := []statuslist.Status{1, 0, 0, 1}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.Status(context.Background(), uri, i%4)
			if err != nil || got != want[i%4] {
				t.Errorf("index %d: %v %v", i%4, got, err)
			}
		}()
	}
	wg.Wait()
	if n := s.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for 20 concurrent lookups, want 1", n)
	}
	clock = now.Add(9 * time.Minute)
	c.Status(context.Background(), uri, 0)
	if n := s.fetches.Load(); n != 1 {
		t.Fatalf("refetched within ttl (%d)", n)
	}
	clock = now.Add(11 * time.Minute)
	c.Status(context.Background(), uri, 0)
	if n := s.fetches.Load(); n != 2 {
		t.Fatalf("not refetched after ttl (%d)", n)
	}
}

func TestTokenRefusals(t *testing.T) {
	list := map[string]any{"bits": 1, "lst": "eNrbuRgAAhcBXQ"}
	for _, c := range []struct {
		name   string
		typ    string
		claims func(uri string) map[string]any
		key    bool // sign with another key
		want   string
	}{
		{"wrong typ", "JWT", nil, false, "typ must be statuslist+jwt"},
		{"another signer", statuslist.Typ, nil, true, "signature"},
		{"sub of another list", statuslist.Typ, func(string) map[string]any {
			return map[string]any{"sub": "https://elsewhere.example/lists/1", "iat": now.Unix(), "status_list": list}
		}, false, "is not the URI"},
		{"expired", statuslist.Typ, func(u string) map[string]any {
			return map[string]any{"sub": u, "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(), "status_list": list}
		}, false, "expired"},
		{"no iat", statuslist.Typ, func(u string) map[string]any { return map[string]any{"sub": u, "status_list": list} }, false, "iat is missing"},
		{"no status_list", statuslist.Typ, func(u string) map[string]any { return map[string]any{"sub": u, "iat": now.Unix()} }, false, "status_list is missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ts := newServer(t)
			s.typ = c.typ
			if c.claims != nil {
				s.claims = c.claims
			}
			key := &s.key.PublicKey
			if c.key {
				key = &mustKey(t).PublicKey
			}
			clock := now
			_, err := newClient(t, key, &clock).Status(context.Background(), ts.URL+"/l", 0)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	t.Run("https required by default", func(t *testing.T) {
		c, _ := statuslist.NewClient(statuslist.Config{Resolve: func(context.Context, map[string]json.RawMessage) (crypto.PublicKey, error) { return nil, nil }, Now: time.Now})
		if _, err := c.Status(context.Background(), "http://example.com/l", 0); err == nil || !strings.Contains(err.Error(), "not an https URI") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unreachable list fails closed", func(t *testing.T) {
		_, ts := newServer(t)
		ts.Close()
		clock := now
		if _, err := newClient(t, nil, &clock).Status(context.Background(), ts.URL+"/l", 0); err == nil {
			t.Fatal("an unreachable list answered")
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add(1, "eNrbuRgAAhcBXQ", 3)
	f.Add(2, "eNo76fITAAPfAgc", 11)
	f.Fuzz(func(t *testing.T, bits int, lst string, idx int) {
		l, err := statuslist.Decode(bits, lst, 1<<16)
		if err != nil {
			return
		}
		l.Get(idx)
	})
}
