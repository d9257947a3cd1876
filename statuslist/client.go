package statuslist

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// Typ is the Status List Token's JWT typ ("Status List Token in JWT Format").
const Typ = "statuslist+jwt"

// MediaType is what a Status List Token is requested as ("Status List Request").
const MediaType = "application/statuslist+jwt"

// KeyResolver returns the key that must have signed a Status List Token,
// from its protected header (x5c, kid …): the caller's trust decision.
type KeyResolver func(ctx context.Context, header map[string]json.RawMessage) (crypto.PublicKey, error)

// Config configures a Client.
type Config struct {
	// Resolve finds and trusts the token's key. REQUIRED.
	Resolve KeyResolver
	// Algorithms allowed; empty means ES256, ES384, EdDSA, PS256.
	Algorithms []string
	// HTTP fetches lists; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// AllowHTTP permits http:// URIs (tests on 127.0.0.1); https only
	// otherwise.
	AllowHTTP bool
	// DefaultTTL caches a list without exp or ttl; zero means 5 minutes.
	// MaxTTL caps any cache lifetime; zero means 24 hours.
	DefaultTTL, MaxTTL time.Duration
	// MaxTokenBytes bounds the token; zero means 1 MiB. MaxListBytes
	// bounds the decompressed list; zero means 16 MiB (134M 1-bit entries).
	MaxTokenBytes, MaxListBytes int
	// Now is the clock. REQUIRED.
	Now func() time.Time
}

// Client fetches, verifies and caches Status List Tokens. It is safe for
// concurrent use.
type Client struct {
	cfg Config

	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	ready   chan struct{}
	list    *List
	err     error
	expires time.Time
}

// NewClient validates cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Resolve == nil || cfg.Now == nil {
		return nil, errors.New("statuslist: a key resolver and a clock are required")
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"ES256", "ES384", "EdDSA", "PS256"}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.DefaultTTL <= 0 {
		cfg.DefaultTTL = 5 * time.Minute
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = 24 * time.Hour
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = 1 << 20
	}
	if cfg.MaxListBytes <= 0 {
		cfg.MaxListBytes = 16 << 20
	}
	return &Client{cfg: cfg, cache: map[string]*entry{}}, nil
}

// Status returns the status at idx of the list at uri, fetching it unless
// a cached copy is still fresh. Concurrent callers for one URI share one
// fetch. A list that cannot be fetched or verified is an error: callers
// fail closed.
func (c *Client) Status(ctx context.Context, uri string, idx int) (Status, error) {
	l, err := c.list(ctx, uri)
	if err != nil {
		return 0, err
	}
	return l.Get(idx)
}

func (c *Client) list(ctx context.Context, uri string) (*List, error) {
	now := c.cfg.Now()
	c.mu.Lock()
	e, ok := c.cache[uri]
	if ok {
		select {
		case <-e.ready:
			if e.err == nil && now.Before(e.expires) {
				c.mu.Unlock()
				return e.list, nil
			}
			ok = false
		default:
		}
	}
	if !ok {
		e = &entry{ready: make(chan struct{})}
		c.cache[uri] = e
		c.mu.Unlock()
		e.list, e.expires, e.err = c.fetch(ctx, uri)
		if e.err != nil {
			c.mu.Lock()
			delete(c.cache, uri)
			c.mu.Unlock()
		}
		close(e.ready)
		return e.list, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
		return e.list, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) fetch(ctx context.Context, uri string) (*List, time.Time, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && c.cfg.AllowHTTP)) {
		return nil, time.Time{}, fmt.Errorf("statuslist: %.200q is not an https URI", uri)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("statuslist: %w", err)
	}
	// "Status List Request": request the JWT form.
	req.Header.Set("Accept", MediaType)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("statuslist: fetch %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, time.Time{}, fmt.Errorf("statuslist: fetch %s: HTTP %d", u.Redacted(), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.cfg.MaxTokenBytes)+1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("statuslist: fetch %s: %w", u.Redacted(), err)
	}
	if len(body) > c.cfg.MaxTokenBytes {
		return nil, time.Time{}, fmt.Errorf("%w: token over %d bytes", ErrMalformed, c.cfg.MaxTokenBytes)
	}
	tok, err := c.Verify(ctx, string(body), uri)
	if err != nil {
		return nil, time.Time{}, err
	}
	return tok.List, tok.CacheUntil(c.cfg.Now(), c.cfg.DefaultTTL, c.cfg.MaxTTL), nil
}

// Token is a verified Status List Token.
type Token struct {
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time // zero when absent
	TTL       time.Duration
	List      *List
}

// CacheUntil is how long the token may be used: until exp, and no longer
// than ttl ("Status List Token in JWT Format") or def when there is no ttl, capped by max.
func (t *Token) CacheUntil(now time.Time, def, max time.Duration) time.Time {
	d := def
	if t.TTL > 0 {
		d = t.TTL
	}
	d = min(d, max)
	until := now.Add(d)
	if !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(until) {
		until = t.ExpiresAt
	}
	return until
}

// Verify checks a Status List Token fetched from uri ("Validating a Status List Token"): typ,
// an allowed alg and the resolver's key, sub equal to uri, iat present,
// exp not passed, and a decodable status_list.
func (c *Client) Verify(ctx context.Context, token, uri string) (*Token, error) {
	jws, err := jose.ParseCompact(token, c.cfg.MaxTokenBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var typ, alg string
	if json.Unmarshal(jws.Header["typ"], &typ) != nil || typ != Typ {
		return nil, fmt.Errorf("%w: typ must be %s", ErrMalformed, Typ)
	}
	if json.Unmarshal(jws.Header["alg"], &alg) != nil || !slices.Contains(c.cfg.Algorithms, alg) {
		return nil, fmt.Errorf("%w: alg %.20q is not allowed", ErrMalformed, alg)
	}
	if _, ok := jws.Header["crit"]; ok {
		return nil, fmt.Errorf("%w: crit extensions are not understood", ErrMalformed)
	}
	key, err := c.cfg.Resolve(ctx, jws.Header)
	if err != nil {
		return nil, fmt.Errorf("statuslist: the token's key is not trusted: %w", err)
	}
	if err := jws.Verify(alg, key); err != nil {
		return nil, fmt.Errorf("statuslist: %w", err)
	}
	obj, err := jose.DecodeObject(jws.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	var claims struct {
		Sub        string       `json:"sub"`
		Iat        *json.Number `json:"iat"`
		Exp        *json.Number `json:"exp"`
		TTL        *json.Number `json:"ttl"`
		StatusList *struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	if err := json.Unmarshal(jws.Payload, &claims); err != nil || obj == nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	if claims.Sub != uri {
		return nil, fmt.Errorf("%w: sub %.200q is not the URI it was fetched from", ErrMalformed, claims.Sub)
	}
	now := c.cfg.Now()
	t := &Token{Subject: claims.Sub}
	if t.IssuedAt, err = seconds(claims.Iat, "iat"); err != nil {
		return nil, err
	}
	if claims.Exp != nil {
		if t.ExpiresAt, err = seconds(claims.Exp, "exp"); err != nil {
			return nil, err
		}
		if !now.Before(t.ExpiresAt) {
			return nil, fmt.Errorf("statuslist: the token expired at %s", t.ExpiresAt.Format(time.RFC3339))
		}
	}
	if claims.TTL != nil {
		n, err := claims.TTL.Int64()
		if err != nil || n <= 0 || n > 1<<31 {
			return nil, fmt.Errorf("%w: ttl must be a positive number of seconds", ErrMalformed)
		}
		t.TTL = time.Duration(n) * time.Second
	}
	if claims.StatusList == nil {
		return nil, fmt.Errorf("%w: status_list is missing", ErrMalformed)
	}
	if t.List, err = Decode(claims.StatusList.Bits, claims.StatusList.Lst, c.cfg.MaxListBytes); err != nil {
		return nil, err
	}
	return t, nil
}

func seconds(n *json.Number, name string) (time.Time, error) {
	if n == nil {
		return time.Time{}, fmt.Errorf("%w: %s is missing", ErrMalformed, name)
	}
	v, err := n.Int64()
	if err != nil || v < 0 || v > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: %s must be a NumericDate", ErrMalformed, name)
	}
	return time.Unix(v, 0), nil
}
