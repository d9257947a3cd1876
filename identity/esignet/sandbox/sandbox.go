package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// The paths of the endpoints, relative to the issuer (where the sandbox
// is mounted), as eSignet lays them out under /v1/esignet.
const (
	pathDiscovery        = "/.well-known/openid-configuration"
	pathESignetDiscovery = "/v1/esignet/oidc/.well-known/openid-configuration"
	pathJWKS             = "/.well-known/jwks.json"
	pathESignetJWKS      = "/v1/esignet/oauth/.well-known/jwks.json"
	pathPAR              = "/v1/esignet/oauth/par"
	pathAuthorize        = "/authorize"
	pathConsent          = "/authorize/consent"
	pathToken            = "/v1/esignet/oauth/v2/token"
	pathUserinfo         = "/v1/esignet/oidc/userinfo"
)

// Lifetimes and leeways, eSignet's defaults (reference §3.3, §3.4, §3.6).
const (
	parLifetime         = 60 * time.Second
	transactionLifetime = 120 * time.Second // authentication-expire-in-secs
	codeLifetime        = 60 * time.Second
	tokenLifetime       = time.Hour
	assertionLeeway     = 5 * time.Second
	dpopSkew            = 60 * time.Second
	nonceLifetime       = 15 * time.Second
)

// Config configures a Sandbox.
type Config struct {
	// Issuer is the simulator's issuer URL, which is where its Handler is
	// mounted, e.g. "http://127.0.0.1:8080/sandbox/esignet" (no trailing
	// slash): every endpoint URL is Issuer + path.
	Issuer string
	// Clients are the registered relying parties.
	Clients []Client
	// Users are the synthetic users; nil means DefaultUsers.
	Users []User
	// Now is the clock; required.
	Now func() time.Time
}

// Client is a registered relying party.
type Client struct {
	ID string
	// JWKS holds the client's public keys for private_key_jwt: an RSA key
	// (RS256, PS256) or a P-256 key (ES256); a key's alg, when set,
	// restricts it to that algorithm.
	JWKS jwk.Set
	// RedirectURIs are the registered redirect URIs (exact match).
	RedirectURIs []string
	// UserinfoEncryptionKey, when set, is the RSA public key userinfo is
	// encrypted to: a nested JWT (the JWS inside a JWE, RSA-OAEP-256 and
	// A256GCM, cty JWT).
	UserinfoEncryptionKey jwk.Key
}

// Sandbox is the simulator. Mount Handler at Issuer, with or without the
// issuer's path stripped (http.StripPrefix).
type Sandbox struct {
	issuer     string
	issuerPath string
	now        func() time.Time
	users      []User
	key        *rsa.PrivateKey
	kid        string
	jwks       jwk.Set // public
	secret     []byte  // pairwise subjects

	mu       sync.Mutex
	clients  map[string]Client
	pars     map[string]parRequest
	txns     map[string]transaction
	codes    map[string]codeGrant
	tokens   map[string]tokenGrant // by sha256b64 of the access token
	nonces   map[string]nonce
	seen     map[string]time.Time // jti replay cache: key until expiry
	faults   []Fault
	counters map[string]int64
	otherKey *rsa.PrivateKey // FaultIDTokenUnknownKey
}

// New builds a sandbox with a fresh RSA-2048 signing key.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Now == nil {
		return nil, errors.New("esignet sandbox: Config.Now is required")
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		u.User != nil || strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("esignet sandbox: Issuer %q must be an absolute http(s) URL without query, fragment or trailing slash", cfg.Issuer)
	}
	users := cfg.Users
	if users == nil {
		users = DefaultUsers()
	}
	if len(users) == 0 {
		return nil, errors.New("esignet sandbox: no users")
	}
	s := &Sandbox{
		issuer: cfg.Issuer, issuerPath: u.EscapedPath(), now: cfg.Now,
		clients: map[string]Client{}, pars: map[string]parRequest{}, txns: map[string]transaction{},
		codes: map[string]codeGrant{}, tokens: map[string]tokenGrant{}, nonces: map[string]nonce{},
		seen: map[string]time.Time{}, counters: map[string]int64{},
	}
	ids := map[string]bool{}
	for _, usr := range users {
		if usr.ID == "" || ids[usr.ID] {
			return nil, fmt.Errorf("esignet sandbox: user ID %q is empty or repeated", usr.ID)
		}
		ids[usr.ID] = true
		s.users = append(s.users, cloneUser(usr))
	}
	for _, c := range cfg.Clients {
		if err := checkClient(c); err != nil {
			return nil, fmt.Errorf("esignet sandbox: client %q: %w", c.ID, err)
		}
		if _, dup := s.clients[c.ID]; dup {
			return nil, fmt.Errorf("esignet sandbox: client %q registered twice", c.ID)
		}
		s.clients[c.ID] = c
	}
	s.secret = make([]byte, 32)
	if _, err := rand.Read(s.secret); err != nil {
		return nil, fmt.Errorf("esignet sandbox: pairwise secret: %w", err)
	}
	if s.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, fmt.Errorf("esignet sandbox: signing key: %w", err)
	}
	if s.kid, s.jwks, err = publicJWKS(&s.key.PublicKey); err != nil {
		return nil, fmt.Errorf("esignet sandbox: JWKS: %w", err)
	}
	return s, nil
}

// checkClient is what New requires of a client: an ID, a key set,
// absolute redirect URIs and, when set, an RSA encryption key.
func checkClient(c Client) error {
	if c.ID == "" {
		return errors.New("no ID")
	}
	if c.JWKS == nil || c.JWKS.Len() == 0 {
		return errors.New("no JWKS for private_key_jwt")
	}
	for _, r := range c.RedirectURIs {
		if u, err := url.Parse(r); err != nil || !u.IsAbs() || u.Fragment != "" {
			return fmt.Errorf("redirect URI %q is not an absolute URI without fragment", r)
		}
	}
	if c.UserinfoEncryptionKey != nil {
		if _, err := encryptionKey(c.UserinfoEncryptionKey); err != nil {
			return err
		}
	}
	return nil
}

// RegisterClient adds a client or replaces the one with its ID; it is
// safe while requests are served. Unlike New it refuses nothing: a client
// with unusable keys fails client authentication, and one with an
// unusable encryption key gets a 500 from userinfo.
func (s *Sandbox) RegisterClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
}

func (s *Sandbox) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

func (s *Sandbox) user(id string) (User, bool) {
	for _, u := range s.users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// JWKS returns the public signing keys, as /.well-known/jwks.json serves
// them (a copy).
func (s *Sandbox) JWKS() jwk.Set {
	c, err := s.jwks.Clone()
	if err != nil {
		return jwk.NewSet()
	}
	return c
}

// Requests counts the requests an endpoint received: "discovery",
// "jwks", "par", "authorize" (the consent page's GET), "token",
// "userinfo", and "token_use_dpop_nonce" (the token endpoint's
// use_dpop_nonce answers).
func (s *Sandbox) Requests(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[name]
}

func (s *Sandbox) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters[name]++
}

// url is the absolute URL of an endpoint.
func (s *Sandbox) url(path string) string { return s.issuer + path }

// prune forgets what has expired; the caller holds s.mu.
func (s *Sandbox) prune(now time.Time) {
	for k, v := range s.pars {
		if now.After(v.expires) {
			delete(s.pars, k)
		}
	}
	for k, v := range s.txns {
		if now.After(v.expires) {
			delete(s.txns, k)
		}
	}
	for k, v := range s.codes {
		if now.After(v.expires) {
			delete(s.codes, k)
		}
	}
	for k, v := range s.tokens {
		if now.After(v.expires) {
			delete(s.tokens, k)
		}
	}
	for k, v := range s.nonces {
		if now.After(v.expires) {
			delete(s.nonces, k)
		}
	}
	for k, until := range s.seen {
		if now.After(until) {
			delete(s.seen, k)
		}
	}
}

// once records key in the replay cache until until, and reports whether
// it was new.
func (s *Sandbox) once(key string, until time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if seenUntil, ok := s.seen[key]; ok && !now.After(seenUntil) {
		return false
	}
	s.prune(now)
	s.seen[key] = until
	return true
}
