package esignet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// fuzzRP is a relying party whose provider metadata and keys are already
// cached, so that the parsers run without a network.
func fuzzRP(tb testing.TB) (*RP, *ecdsa.PrivateKey) {
	opKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rpKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Unix(1_800_000_000, 0)
	rp, err := New(Config{Issuer: "https://op.example", ClientID: "rp", RedirectURI: "https://rp.example/cb", Signer: rpKey,
		Decrypter: nil, ClaimsLocales: []string{"en"}, Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	rp.p.md, rp.p.mdAt = &Metadata{Issuer: "https://op.example"}, now
	rp.p.keys, rp.p.keysAt = map[string]crypto.PublicKey{"k1": &opKey.PublicKey}, now
	return rp, opKey
}

// FuzzReadUserinfo: no userinfo body makes the relying party panic, and
// nothing but a JWS by the provider's key for the subject is accepted.
func FuzzReadUserinfo(f *testing.F) {
	rp, opKey := fuzzRP(f)
	good, err := jose.SignCompact(opKey, map[string]any{"kid": "k1", "typ": "JWT"},
		map[string]any{"sub": "s1", "iss": "https://op.example", "aud": "rp", "name#en": "Asha", "verified_claims": map[string]any{"claims": map[string]any{"birthdate": "1994-08-14"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(good))
	f.Add([]byte("a.b.c.d.e"))
	f.Add([]byte(`{"sub":"s1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		claims, err := rp.readUserinfo(context.Background(), &reply{status: http.StatusOK, body: body}, "s1")
		if err == nil && string(body) != good && string(body) != " "+good && claims == nil {
			t.Fatal("accepted without claims")
		}
	})
}

// FuzzWWWAuthenticate: the header parser never panics.
func FuzzWWWAuthenticate(f *testing.F) {
	f.Add(`DPoP error="use_dpop_nonce", error_description="x"`)
	f.Add(`Bearer error=invalid_token`)
	f.Add(`DPoP error="`)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("WWW-Authenticate", v)
		_ = wwwAuthenticate(h, "error")
	})
}

func TestFoldPrefersUntaggedThenLocaleOrder(t *testing.T) {
	rp, _ := fuzzRP(t)
	rp.cfg.ClaimsLocales = []string{"hi", "en"}
	got := rp.fold(map[string]any{"name#en": "Asha", "name#hi": "आशा", "gender#en": "Female", "gender": "F",
		"verified_claims": []any{map[string]any{"claims": map[string]any{"birthdate": "1994-08-14"}}}})
	if got["name"] != "आशा" || got["gender"] != "F" || got["birthdate"] != "1994-08-14" || len(got) != 3 {
		t.Fatalf("folded %v", got)
	}
}

// An unknown kid makes the JWKS be fetched again (a rotated key is found),
// unless the set is under ten seconds old; a known kid is served from the
// cache.
func TestJWKSRotation(t *testing.T) {
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := []*ecdsa.PrivateKey{k1}
	fetches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches++
		set := []any{}
		for i, k := range keys {
			j, _ := jose.PublicJWK(&k.PublicKey)
			j["kid"], j["use"] = fmt.Sprintf("k%d", i+1), "sig"
			set = append(set, j)
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": set})
	}))
	defer srv.Close()
	rp, _ := fuzzRP(t)
	now := rp.cfg.Now()
	clock := now
	rp.cfg.Now = func() time.Time { return clock }
	rp.p.md.JWKSURI = srv.URL
	rp.p.keys, rp.p.keysAt = nil, time.Time{}
	ctx := context.Background()
	if _, err := rp.p.key(ctx, "k1"); err != nil || fetches != 1 {
		t.Fatalf("k1: %v after %d fetches", err, fetches)
	}
	if _, err := rp.p.key(ctx, "k1"); err != nil || fetches != 1 {
		t.Fatalf("cached k1: %v after %d fetches", err, fetches)
	}
	keys = append(keys, k2) // the provider rotates
	clock = clock.Add(30 * time.Second)
	if _, err := rp.p.key(ctx, "k2"); err != nil || fetches != 2 {
		t.Fatalf("rotated k2: %v after %d fetches", err, fetches)
	}
	if _, err := rp.p.key(ctx, "k9"); err == nil || fetches != 2 {
		t.Fatalf("unknown k9 right after a fetch: %v after %d fetches, want no new fetch", err, fetches)
	}
	clock = clock.Add(11 * time.Second)
	if _, err := rp.p.key(ctx, "k9"); err == nil || fetches != 3 {
		t.Fatalf("k9 eleven seconds later: %v after %d fetches", err, fetches)
	}
	if _, err := rp.p.key(ctx, "k9"); err == nil || fetches != 3 {
		t.Fatalf("k9 again at once: %v after %d fetches, want no new fetch", err, fetches)
	}
}
