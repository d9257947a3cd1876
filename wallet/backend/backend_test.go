package backend_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/httpsig"
	"github.com/pramaan/pramaan/outbox"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/backend"
)

// issuerStub serves a JWKS with the signing key, as the issuer does.
func issuerStub(t *testing.T, key *ecdsa.PrivateKey) *httptest.Server {
	t.Helper()
	k, err := jwk.Import(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k.Set("kid", "issuer-key")
	set := jwk.NewSet()
	set.AddKey(k)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestReceiverRefusesUnsignedForgedAndUndecryptableCallbacks(t *testing.T) {
	signing, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss := issuerStub(t, signing)
	recvKey, _ := backend.NewKey()
	rc := &backend.Receiver{Issuer: iss.URL, CallbackURL: "http://wallet.example/cb", Key: recvKey, Wallet: &wallet.Client{}}
	other, _ := backend.NewKey()
	otherPub, _ := jwk.Import(&other.PublicKey)
	undecryptable, err := jwe.Encrypt([]byte(`{}`), jwe.WithKey(jwa.ECDH_ES(), otherPub), jwe.WithContentEncryption(jwa.A256GCM()), jwe.WithCompact())
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	send := func(key *ecdsa.PrivateKey, idem string, body []byte, sign bool) int {
		req := httptest.NewRequest(http.MethodPost, "http://wallet.example/cb", bytes.NewReader(body))
		req.Header.Set("Content-Type", outbox.MediaTypeJOSE)
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		if sign {
			s := &httpsig.Signer{Key: key, KeyID: "issuer-key", Components: outbox.CallbackComponents, Tag: outbox.CallbackTag}
			if err := s.SignRequest(req, body); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		name string
		code int
		want int
	}{
		{"no idempotency key", send(signing, "", undecryptable, false), http.StatusBadRequest},
		{"unsigned", send(signing, "k1", undecryptable, false), http.StatusUnauthorized},
		{"signed by another key", send(forger, "k2", undecryptable, true), http.StatusUnauthorized},
		{"encrypted to another backend", send(signing, "k3", undecryptable, true), http.StatusUnprocessableEntity},
		{"not a JWE", send(signing, "k4", []byte("hello"), true), http.StatusBadRequest},
	} {
		if tc.code != tc.want {
			t.Errorf("%s: %d; want %d", tc.name, tc.code, tc.want)
		}
	}
	// A body changed after signing fails the Content-Digest.
	req := httptest.NewRequest(http.MethodPost, "http://wallet.example/cb", bytes.NewReader([]byte("x.y.z.w.v")))
	req.Header.Set("Content-Type", outbox.MediaTypeJOSE)
	req.Header.Set("Idempotency-Key", "k5")
	s := &httpsig.Signer{Key: signing, KeyID: "issuer-key", Components: outbox.CallbackComponents, Tag: outbox.CallbackTag, Now: time.Now}
	if err := s.SignRequest(req, undecryptable); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	rc.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("changed body: %d; want 401", rec.Code)
	}
	if n := len(rc.Accepted()); n != 0 {
		t.Fatalf("%d callbacks accepted; want none", n)
	}
}
