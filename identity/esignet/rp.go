package esignet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// Config configures a relying party.
type Config struct {
	// Issuer is the provider's issuer identifier; the discovery document
	// and every token must name it exactly. REQUIRED.
	Issuer string
	// DiscoveryURL is where the discovery document is; empty means
	// Issuer + "/.well-known/openid-configuration".
	DiscoveryURL string
	// ClientID and RedirectURI are the registration. REQUIRED.
	ClientID, RedirectURI string
	// Signer signs the client assertions (ES256, a P-256 key); KeyID is
	// the kid of its public key in the registered JWKS. REQUIRED.
	Signer crypto.Signer
	KeyID  string
	// Decrypter opens userinfo sent as a nested JWT (RSA-OAEP-256); nil
	// refuses encrypted userinfo.
	Decrypter *rsa.PrivateKey
	// Scopes default to openid profile; openid is always sent.
	Scopes []string
	// ACRValues are the requested authentication context classes.
	ACRValues []string
	// Claims is the claims parameter (OpenID Connect Core 1.0 Section
	// 5.5), e.g. {"userinfo": {"name": {"essential": true},
	// "verified_claims": {...}}}; nil sends none.
	Claims map[string]any
	// ClaimsLocales are the preferred languages of claims, in order.
	ClaimsLocales []string
	// HTTP calls the provider; nil means a client with a 15 s timeout.
	HTTP *http.Client
	// Now is the clock. REQUIRED.
	Now func() time.Time
	// MetadataTTL is how long the discovery document and JWKS are cached
	// (default one hour).
	MetadataTTL time.Duration
	// Leeway is the clock skew allowed on token times (default 60 s).
	Leeway time.Duration
}

// RP is a relying party; safe for concurrent use.
type RP struct {
	cfg    Config
	claims string
	p      *provider
}

// Limits on what the relying party sends and reads.
const (
	maxClaimsParam   = 4 << 10
	maxResponseBytes = 64 << 10
	maxTokenBytes    = 32 << 10
	assertionLife    = 60 * time.Second
)

// New checks cfg and returns a relying party; nothing is fetched yet.
func New(cfg Config) (*RP, error) {
	switch {
	case cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURI == "" || cfg.Signer == nil || cfg.Now == nil:
		return nil, errf(ErrConfig, "issuer, client_id, redirect_uri, signer and clock are required")
	case checkURL(cfg.Issuer) != nil:
		return nil, errf(ErrConfig, "issuer: %v", checkURL(cfg.Issuer))
	}
	if pub, ok := cfg.Signer.Public().(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		return nil, errf(ErrConfig, "the signer must hold a P-256 key (ES256)")
	}
	if cfg.Decrypter != nil && cfg.Decrypter.N.BitLen() < 2048 {
		return nil, errf(ErrConfig, "the userinfo decryption key must be RSA 2048 or more")
	}
	if cfg.DiscoveryURL == "" {
		cfg.DiscoveryURL = strings.TrimRight(cfg.Issuer, "/") + "/.well-known/openid-configuration"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	// Redirects are not followed: every endpoint answers directly.
	hc := *cfg.HTTP
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.HTTP = &hc
	if cfg.MetadataTTL <= 0 {
		cfg.MetadataTTL = time.Hour
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = 60 * time.Second
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"openid", "profile"}
	}
	rp := &RP{cfg: cfg}
	if !slices.Contains(cfg.Scopes, "openid") {
		rp.cfg.Scopes = append([]string{"openid"}, cfg.Scopes...)
	}
	if cfg.Claims != nil {
		b, err := json.Marshal(cfg.Claims)
		if err != nil || len(b) > maxClaimsParam {
			return nil, errf(ErrConfig, "the claims parameter is not JSON of at most %d bytes", maxClaimsParam)
		}
		rp.claims = string(b)
	}
	rp.p = &provider{cfg: &rp.cfg}
	return rp, nil
}

// Pending is what the caller keeps, sealed, between Start and Callback:
// the state to find it by, and the secrets that finish the sign-in.
type Pending struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"code_verifier"`
	// DPoPKey is the PKCS #8 DER of this sign-in's DPoP key (P-256).
	DPoPKey []byte `json:"dpop_key"`
}

// Start pushes an authorization request (RFC 9126) and returns the URL to
// send the citizen's browser to, and the pending values.
func (rp *RP) Start(ctx context.Context) (string, *Pending, error) {
	md, err := rp.p.metadata(ctx)
	if err != nil {
		return "", nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, fmt.Errorf("esignet: DPoP key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, fmt.Errorf("esignet: DPoP key: %w", err)
	}
	jkt, err := jose.Thumbprint(&key.PublicKey)
	if err != nil {
		return "", nil, err
	}
	p := &Pending{State: rand.Text(), Nonce: rand.Text(), Verifier: rand.Text() + rand.Text(), DPoPKey: der}
	challenge := sha256.Sum256([]byte(p.Verifier))
	form := url.Values{
		"response_type":         {"code"},
		"client_id":             {rp.cfg.ClientID},
		"redirect_uri":          {rp.cfg.RedirectURI},
		"scope":                 {strings.Join(rp.cfg.Scopes, " ")},
		"state":                 {p.State},
		"nonce":                 {p.Nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"}, // RFC 7636 Section 4.2
		"dpop_jkt":              {jkt},    // RFC 9449 Section 10
	}
	if len(rp.cfg.ACRValues) > 0 {
		form.Set("acr_values", strings.Join(rp.cfg.ACRValues, " "))
	}
	if rp.claims != "" {
		form.Set("claims", rp.claims)
	}
	if len(rp.cfg.ClaimsLocales) > 0 {
		form.Set("claims_locales", strings.Join(rp.cfg.ClaimsLocales, " "))
	}
	resp, err := rp.postForm(ctx, "pushed authorization request", md.PAREndpoint, form, nil)
	if err != nil {
		return "", nil, err
	}
	// RFC 9126 Section 2.2: 201 with request_uri and expires_in.
	if resp.status != http.StatusCreated {
		return "", nil, resp.failure("pushed authorization request")
	}
	var par struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if err := json.Unmarshal(resp.body, &par); err != nil || par.RequestURI == "" || par.ExpiresIn <= 0 {
		return "", nil, errf(ErrProtocol, "the PAR answer has no request_uri and expires_in")
	}
	u, err := url.Parse(md.AuthorizationEndpoint)
	if err != nil {
		return "", nil, errf(ErrProtocol, "authorization_endpoint: %v", err)
	}
	q := u.Query()
	q.Set("client_id", rp.cfg.ClientID)
	q.Set("request_uri", par.RequestURI)
	u.RawQuery = q.Encode()
	return u.String(), p, nil
}

// assertion is a private_key_jwt client assertion (RFC 7523 Section 3,
// OpenID Connect Core 1.0 Section 9) for the endpoint aud.
func (rp *RP) assertion(aud string) (string, error) {
	now := rp.cfg.Now()
	header := map[string]any{"typ": "JWT"}
	if rp.cfg.KeyID != "" {
		header["kid"] = rp.cfg.KeyID
	}
	return jose.SignCompact(rp.cfg.Signer, header, map[string]any{
		"iss": rp.cfg.ClientID, "sub": rp.cfg.ClientID, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(assertionLife).Unix(), "jti": rand.Text(),
	})
}
