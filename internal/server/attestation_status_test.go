package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/statuslist"
	"github.com/pramaan/pramaan/wallet/provider/providertest"
)

// TestKeyAttestationStatusIsCheckedAgainstTheProvidersList runs the
// verifier the configuration builds against a Token Status List the
// wallet provider publishes: a VALID instance passes, an INVALID or
// SUSPENDED one is refused, a list signed outside the provider's PKI or
// unreachable refuses (fail closed), and status.require refuses an
// attestation without a status claim.
func TestKeyAttestationStatusIsCheckedAgainstTheProvidersList(t *testing.T) {
	now := time.Now()
	pki, err := providertest.New(now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "provider.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.Root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	lst, err := statuslist.Encode(2, []statuslist.Status{statuslist.Valid, statuslist.Invalid, statuslist.Suspended})
	if err != nil {
		t.Fatal(err)
	}
	rogue, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var fetches atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		claims := map[string]any{"sub": "http://" + r.Host + r.URL.Path, "iat": now.Unix(), "ttl": 300,
			"status_list": map[string]any{"bits": 2, "lst": lst}}
		x5c := []string{base64.StdEncoding.EncodeToString(pki.Chain[0].Raw)}
		var tok string
		var err error
		if r.URL.Path == "/forged" {
			tok, err = jose.SignCompact(rogue, map[string]any{"alg": "ES256", "typ": statuslist.Typ, "x5c": x5c}, claims)
		} else {
			tok, err = jose.SignCompact(pki.Signer, map[string]any{"alg": "ES256", "typ": statuslist.Typ, "x5c": x5c}, claims)
		}
		if err != nil {
			t.Error(err)
		}
		fmt.Fprint(w, tok)
	}))
	defer ts.Close()

	build := func(st config.AttestationStatus) *keyattest.Verifier {
		cfg := config.Default()
		cfg.Server.DataDir = dir
		cfg.KeyAttestation.WalletProviders = []string{"provider.pem"}
		cfg.KeyAttestation.Status = st
		v, err := newKeyAttestationVerifier(cfg, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mint := func(ref *keyattest.StatusReference) string {
		tok, err := keyattest.Mint(pki.Signer, pki.Chain, keyattest.Claims{IssuedAt: now, ExpiresAt: now.Add(time.Minute),
			Keys: []crypto.PublicKey{&key.PublicKey}, KeyStorage: []string{keyattest.LevelModerate}, Status: ref})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	v := build(config.AttestationStatus{AllowHTTP: true})
	for _, c := range []struct {
		name string
		ref  *keyattest.StatusReference
		ok   bool
	}{
		{"valid instance", &keyattest.StatusReference{URI: ts.URL + "/instances", Index: 0}, true},
		{"invalid instance", &keyattest.StatusReference{URI: ts.URL + "/instances", Index: 1}, false},
		{"suspended instance", &keyattest.StatusReference{URI: ts.URL + "/instances", Index: 2}, false},
		{"index past the list", &keyattest.StatusReference{URI: ts.URL + "/instances", Index: 40}, false},
		{"list signed outside the provider PKI", &keyattest.StatusReference{URI: ts.URL + "/forged", Index: 0}, false},
		{"list unreachable", &keyattest.StatusReference{URI: "http://127.0.0.1:1/instances", Index: 0}, false},
		{"no status claim", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), mint(c.ref), keyattest.Options{})
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, keyattest.ErrStatus)) {
				t.Fatalf("got %v, want ok=%v (ErrStatus otherwise)", err, c.ok)
			}
		})
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("%d list fetches, want 2 (one per list, cached)", n)
	}
	if _, err := build(config.AttestationStatus{AllowHTTP: true, Require: true}).Verify(context.Background(), mint(nil), keyattest.Options{}); !errors.Is(err, keyattest.ErrStatus) {
		t.Fatalf("require: %v", err)
	}
	if _, err := build(config.AttestationStatus{}).Verify(context.Background(), mint(&keyattest.StatusReference{URI: ts.URL + "/instances"}), keyattest.Options{}); !errors.Is(err, keyattest.ErrStatus) {
		t.Fatalf("an http list without allow_http: %v", err)
	}
	if _, err := build(config.AttestationStatus{Skip: true}).Verify(context.Background(), mint(&keyattest.StatusReference{URI: ts.URL + "/instances", Index: 1}), keyattest.Options{}); err != nil {
		t.Fatalf("skip: %v", err)
	}
}
