package statuslist_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/pramaan/pramaan/statuslist"
)

func TestSignCWTRoundTrip(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	b, _ := statuslist.NewBitstring(2, 4096)
	b.Set(42, statuslist.Invalid)
	b.Set(99, statuslist.Suspended)
	const uri = "https://pramaan.example/status/l1"
	tok, err := b.SignCWT(key, nil, statuslist.TokenClaims{Subject: uri, IssuedAt: now, ExpiresAt: now.Add(time.Hour), TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if tok[0] != 0xD2 { // tag 18, COSE_Sign1
		t.Fatalf("first byte %x, want the COSE_Sign1 tag", tok[0])
	}
	got, err := statuslist.VerifyCWT(tok, &key.PublicKey, uri, now, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got.TTL != 5*time.Minute || !got.ExpiresAt.Equal(now.Add(time.Hour)) || !got.IssuedAt.Equal(now) || got.List.Len() != 4096 {
		t.Fatalf("token %+v", got.Token)
	}
	for idx, want := range map[int]statuslist.Status{42: statuslist.Invalid, 99: statuslist.Suspended, 0: statuslist.Valid} {
		if s, _ := got.List.Get(idx); s != want {
			t.Fatalf("index %d: %v, want %v", idx, s, want)
		}
	}
	for name, f := range map[string]func() error{
		"another key": func() error { _, err := statuslist.VerifyCWT(tok, &other.PublicKey, uri, now, 1<<20); return err },
		"expired": func() error {
			_, err := statuslist.VerifyCWT(tok, &key.PublicKey, uri, now.Add(2*time.Hour), 1<<20)
			return err
		},
		"another URI": func() error { _, err := statuslist.VerifyCWT(tok, &key.PublicKey, uri+"x", now, 1<<20); return err },
		"not COSE": func() error {
			_, err := statuslist.VerifyCWT([]byte("not cbor"), &key.PublicKey, uri, now, 1<<20)
			return err
		},
		"over maxBytes": func() error { _, err := statuslist.VerifyCWT(tok, &key.PublicKey, uri, now, 100); return err },
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzVerifyCWT: no input makes the CWT reader panic; only the signed
// token verifies.
func FuzzVerifyCWT(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	b, _ := statuslist.NewBitstring(1, 1024)
	tok, err := b.SignCWT(key, nil, statuslist.TokenClaims{Subject: "https://x/s/1", IssuedAt: now})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add([]byte{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = statuslist.VerifyCWT(data, &key.PublicKey, "https://x/s/1", now, 1<<16)
	})
}
