package esignet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
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
	rp.p.keys, rp.p.keysAt, rp.p.keysTried = map[string]crypto.PublicKey{"k1": &opKey.PublicKey}, now, now
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
