package statuslist_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/pramaan/pramaan/statuslist"
)

func TestBitstringSetGet(t *testing.T) {
	for _, bits := range []int{1, 2, 4, 8} {
		b, err := statuslist.NewBitstring(bits, 1000)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]statuslist.Status{0: 1, 7: 1, 8: 1, 999: 1, 500: 0}
		if bits >= 2 {
			want[3], want[4] = statuslist.Suspended, statuslist.Invalid
		}
		for i, s := range want {
			if err := b.Set(i, s); err != nil {
				t.Fatal(err)
			}
		}
		// Setting a neighbour leaves the others alone; resetting works.
		b.Set(1, 1)
		b.Set(1, 0)
		for i := range 1000 {
			got, _ := b.Get(i)
			if got != want[i] {
				t.Fatalf("bits %d: index %d is %v, want %v", bits, i, got, want[i])
			}
		}
		// The encoded list decodes to the same statuses (the reader).
		l, err := statuslist.Decode(bits, b.Lst(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range want {
			if got, _ := l.Get(i); got != s {
				t.Fatalf("bits %d: decoded index %d is %v, want %v", bits, i, got, s)
			}
		}
		if err := b.Set(1000, 0); err == nil {
			t.Fatal("an index out of range was set")
		}
		if err := b.Set(0, statuslist.Status(1<<bits)); err == nil && bits < 8 {
			t.Fatal("a status wider than bits was set")
		}
	}
	for _, bad := range [][2]int{{3, 10}, {1, 0}, {1, statuslist.MaxListEntries + 1}} {
		if _, err := statuslist.NewBitstring(bad[0], bad[1]); err == nil {
			t.Errorf("NewBitstring(%d, %d) accepted", bad[0], bad[1])
		}
	}
}

// The draft's example of a 1-bit list (statuses of indices 0 to 15:
// 1 0 0 1 1 1 0 1, 1 1 0 0 0 1 0 1) is bytes 0xB9 0xA3 ("Status List").
func TestBitstringLayoutOfTheDraftExample(t *testing.T) {
	b, _ := statuslist.NewBitstring(1, 16)
	for i, s := range []statuslist.Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1} {
		b.Set(i, s)
	}
	r, err := zlib.NewReader(bytes.NewReader(b.Compressed()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(raw, []byte{0xB9, 0xA3}) {
		t.Fatalf("bytes %x %v, want b9a3", raw, err)
	}
}

func TestRandomIndex(t *testing.T) {
	seen := map[int]bool{}
	for range 2000 {
		i, err := statuslist.RandomIndex(100)
		if err != nil || i < 0 || i >= 100 {
			t.Fatalf("%d %v", i, err)
		}
		seen[i] = true
	}
	if len(seen) < 90 {
		t.Fatalf("only %d of 100 indices in 2000 draws", len(seen))
	}
	if _, err := statuslist.RandomIndex(0); err == nil {
		t.Fatal("size 0 accepted")
	}
}

// A signed token verifies through the package's own reader (the path a
// wallet or verifier takes), statuses intact; a token signed by another key
// or expired is refused.
func TestSignJWTRoundTrip(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	b, _ := statuslist.NewBitstring(2, 1<<17)
	b.Set(42, statuslist.Invalid)
	b.Set(99, statuslist.Suspended)
	const uri = "https://pramaan.example/status/l1"
	tok, err := b.SignJWT(key, nil, "k1", statuslist.TokenClaims{Subject: uri, IssuedAt: now, ExpiresAt: now.Add(time.Hour), TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	client := func(pub crypto.PublicKey, at time.Time) *statuslist.Client {
		c, err := statuslist.NewClient(statuslist.Config{
			Resolve: func(context.Context, map[string]json.RawMessage) (crypto.PublicKey, error) { return pub, nil },
			Now:     func() time.Time { return at },
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	got, err := client(&key.PublicKey, now).Verify(context.Background(), tok, uri)
	if err != nil {
		t.Fatal(err)
	}
	if got.TTL != 5*time.Minute || !got.ExpiresAt.Equal(now.Add(time.Hour)) || got.List.Len() != 1<<17 {
		t.Fatalf("token %+v", got)
	}
	for idx, want := range map[int]statuslist.Status{42: statuslist.Invalid, 99: statuslist.Suspended, 0: statuslist.Valid, 1<<17 - 1: statuslist.Valid} {
		if s, err := got.List.Get(idx); err != nil || s != want {
			t.Fatalf("index %d: %v %v, want %v", idx, s, err, want)
		}
	}
	if _, err := got.List.Get(1 << 17); err == nil {
		t.Fatal("an index out of range was answered")
	}
	if _, err := client(&other.PublicKey, now).Verify(context.Background(), tok, uri); err == nil {
		t.Fatal("a token verified under another key")
	}
	if _, err := client(&key.PublicKey, now.Add(2*time.Hour)).Verify(context.Background(), tok, uri); err == nil {
		t.Fatal("an expired token verified")
	}
	if _, err := client(&key.PublicKey, now).Verify(context.Background(), tok, uri+"x"); err == nil {
		t.Fatal("a token for another URI verified")
	}
}
