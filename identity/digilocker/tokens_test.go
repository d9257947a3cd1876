package digilocker_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
)

// memLinks is an in-memory LinkStore with a per-subject lock.
type memLinks struct {
	mu    sync.Mutex
	links map[string]digilocker.Link
	locks sync.Map
}

func (m *memLinks) DigiLockerLink(_ context.Context, subject string, flow digilocker.Flow) (digilocker.Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[subject+"/"+string(flow)]
	if !ok {
		return l, digilocker.ErrNoLink
	}
	return l, nil
}

func (m *memLinks) SaveDigiLockerLink(_ context.Context, l digilocker.Link) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links == nil {
		m.links = map[string]digilocker.Link{}
	}
	k := l.SubjectID + "/" + string(l.Flow)
	if m.links[k].Version != l.Version-1 {
		return digilocker.ErrStaleLink
	}
	m.links[k] = l
	return nil
}

func (m *memLinks) DeleteDigiLockerLinks(_ context.Context, subject string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, l := range m.links {
		if l.SubjectID == subject {
			delete(m.links, k)
		}
	}
	return nil
}

func (m *memLinks) WithSubjectLock(ctx context.Context, subject string, fn func(context.Context) error) error {
	mu, _ := m.locks.LoadOrStore(subject, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	return fn(ctx)
}

// gcmSealer is AES-256-GCM with the nonce in front, like keys.DataKey.
type gcmSealer struct{ aead cipher.AEAD }

func newSealer(t *testing.T) *gcmSealer {
	k := make([]byte, 32)
	rand.Read(k)
	b, _ := aes.NewCipher(k)
	a, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return &gcmSealer{a}
}

func (s *gcmSealer) Seal(p, aad []byte) ([]byte, error) {
	n := make([]byte, s.aead.NonceSize())
	rand.Read(n)
	return s.aead.Seal(n, n, p, aad), nil
}

func (s *gcmSealer) Open(c, aad []byte) ([]byte, error) {
	if len(c) < s.aead.NonceSize() {
		return nil, errors.New("short")
	}
	return s.aead.Open(nil, c[:s.aead.NonceSize()], c[s.aead.NonceSize():], aad)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type tokenEnv struct {
	*env
	clock  *clock
	store  *memLinks
	tokens *digilocker.Tokens
}

func newTokenEnv(t *testing.T) *tokenEnv {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	sb := sandbox.New(sandbox.Config{ClientID: "pramaan-test", ClientSecret: "secret", RedirectURIs: []string{redirectURI}, Now: c.now})
	srv := newServer(t, sb)
	client, err := digilocker.New(digilocker.Config{BaseURL: srv + "/public", ClientID: "pramaan-test", ClientSecret: "secret",
		RedirectURI: redirectURI, AuthStyle: digilocker.AuthBasic, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	st := &memLinks{}
	tk, err := digilocker.NewTokens(digilocker.TokensConfig{Client: client, Store: st, Sealer: newSealer(t), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return &tokenEnv{env: &env{sb: sb, client: client}, clock: c, store: st, tokens: tk}
}

func newServer(t *testing.T, sb *sandbox.Sandbox) string {
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// linked signs Asha in with the documents flow and saves her tokens.
func (e *tokenEnv) linked(t *testing.T, subject string) *digilocker.Token {
	t.Helper()
	v := digilocker.NewVerifier()
	tok, err := e.client.Exchange(context.Background(), e.login(t, digilocker.FlowDocuments, v), v)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.tokens.Save(context.Background(), subject, digilocker.FlowDocuments, tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokensSealedAtRest(t *testing.T) {
	e := newTokenEnv(t)
	tok := e.linked(t, "subject-1")
	l, err := e.store.DigiLockerLink(context.Background(), "subject-1", digilocker.FlowDocuments)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(l.Tokens, []byte(tok.AccessToken)) || bytes.Contains(l.Tokens, []byte(tok.RefreshToken)) {
		t.Fatal("a token is stored in clear")
	}
	if l.Version != 1 || l.DigiLockerID != asha.DigiLockerID || l.Scope != "files.issueddocs" {
		t.Fatalf("link %+v", l)
	}
	// The login flow has no token of its own: the flows stay apart.
	if _, err := e.tokens.AccessToken(context.Background(), "subject-1", digilocker.FlowLogin); !errors.Is(err, digilocker.ErrNotLinked) {
		t.Fatalf("login flow: %v, want ErrNotLinked", err)
	}
}

func TestAccessTokenFreshIsNotRefreshed(t *testing.T) {
	e := newTokenEnv(t)
	tok := e.linked(t, "s")
	e.clock.add(54 * time.Minute) // 6 minutes left
	got, err := e.tokens.AccessToken(context.Background(), "s", digilocker.FlowDocuments)
	if err != nil || got != tok.AccessToken {
		t.Fatalf("got %q, %v; want the stored token", got, err)
	}
	if n := e.sb.Requests("refresh"); n != 0 {
		t.Fatalf("%d refreshes, want 0", n)
	}
}

func TestAccessTokenNearExpiryRefreshedOnceUnderConcurrency(t *testing.T) {
	e := newTokenEnv(t)
	tok := e.linked(t, "s")
	e.clock.add(56 * time.Minute) // 4 minutes left: within the 5-minute window
	var wg sync.WaitGroup
	got := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = e.tokens.AccessToken(context.Background(), "s", digilocker.FlowDocuments)
		}()
	}
	wg.Wait()
	for i := range 20 {
		if errs[i] != nil || got[i] != got[0] || got[i] == tok.AccessToken {
			t.Fatalf("caller %d: %q, %v (first %q, old %q)", i, got[i], errs[i], got[0], tok.AccessToken)
		}
	}
	if n := e.sb.Requests("refresh"); n != 1 {
		t.Fatalf("%d refreshes reached DigiLocker, want 1", n)
	}
	l, _ := e.store.DigiLockerLink(context.Background(), "s", digilocker.FlowDocuments)
	if l.Version != 2 || !l.ExpiresAt.Equal(e.clock.now().Add(time.Hour)) {
		t.Fatalf("link after rotation: version %d expires %s", l.Version, l.ExpiresAt)
	}
	// The rotated refresh token works: another hour on, one more refresh.
	e.clock.add(58 * time.Minute)
	if _, err := e.tokens.AccessToken(context.Background(), "s", digilocker.FlowDocuments); err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Requests("refresh"); n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
}

func TestAccessTokenRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("not-linked/no tokens for the subject", func(t *testing.T) {
		e := newTokenEnv(t)
		if _, err := e.tokens.AccessToken(ctx, "nobody", digilocker.FlowDocuments); !errors.Is(err, digilocker.ErrNotLinked) {
			t.Fatalf("got %v, want ErrNotLinked", err)
		}
	})
	t.Run("reauth/refresh token refused, then answered without asking DigiLocker", func(t *testing.T) {
		e := newTokenEnv(t)
		e.linked(t, "s")
		e.clock.add(59 * time.Minute)
		e.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: http.StatusBadRequest, Code: "invalid_grant"})
		_, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments)
		if !errors.Is(err, digilocker.ErrReauthRequired) || !digilocker.IsGrantRejected(err) {
			t.Fatalf("got %v, want ErrReauthRequired wrapping invalid_grant", err)
		}
		before := e.sb.Requests("/public/oauth2/1/token")
		if _, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments); !errors.Is(err, digilocker.ErrReauthRequired) {
			t.Fatalf("second call: %v", err)
		}
		if after := e.sb.Requests("/public/oauth2/1/token"); after != before {
			t.Fatalf("token endpoint called again (%d -> %d)", before, after)
		}
	})
	t.Run("unavailable/DigiLocker 5xx on refresh of an expired token, tokens kept", func(t *testing.T) {
		e := newTokenEnv(t)
		e.linked(t, "s")
		e.clock.add(61 * time.Minute)
		e.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: http.StatusInternalServerError, Code: "unexpected_error"})
		if _, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments); !errors.Is(err, digilocker.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
		if _, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments); err != nil {
			t.Fatalf("after DigiLocker recovered: %v", err)
		}
	})
	t.Run("ok/DigiLocker 5xx on refresh while the token still lives serves the old token", func(t *testing.T) {
		e := newTokenEnv(t)
		tok := e.linked(t, "s")
		e.clock.add(57 * time.Minute)
		e.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: http.StatusBadGateway})
		got, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments)
		if err != nil || got != tok.AccessToken {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("rejected/a refused access token is forgotten", func(t *testing.T) {
		e := newTokenEnv(t)
		e.linked(t, "s")
		err := e.tokens.Rejected(ctx, "s", digilocker.FlowDocuments, &digilocker.APIError{Status: 401, Code: "invalid_token"})
		if !errors.Is(err, digilocker.ErrTokenRejected) {
			t.Fatalf("got %v", err)
		}
		if _, err := e.tokens.AccessToken(ctx, "s", digilocker.FlowDocuments); !errors.Is(err, digilocker.ErrReauthRequired) {
			t.Fatalf("after rejection: %v, want ErrReauthRequired", err)
		}
	})
}
