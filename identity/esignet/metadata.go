package esignet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// Limits on what the provider sends.
const (
	maxMetadataBytes = 64 << 10
	maxJWKSBytes     = 64 << 10
	maxJWKSKeys      = 32
	// jwksRefetchEvery bounds how often an unknown kid makes the JWKS be
	// fetched again: soon enough after a rotation, never a fetch per
	// forged kid.
	jwksRefetchEvery = 10 * time.Second
)

// Metadata is what the relying party reads of the discovery document
// (OpenID Connect Discovery 1.0 Section 3, RFC 9126 Section 5, RFC 9207
// Section 3).
type Metadata struct {
	Issuer                     string   `json:"issuer"`
	AuthorizationEndpoint      string   `json:"authorization_endpoint"`
	PAREndpoint                string   `json:"pushed_authorization_request_endpoint"`
	TokenEndpoint              string   `json:"token_endpoint"`
	UserinfoEndpoint           string   `json:"userinfo_endpoint"`
	JWKSURI                    string   `json:"jwks_uri"`
	TokenAuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethods       []string `json:"code_challenge_methods_supported"`
	IDTokenAlgs                []string `json:"id_token_signing_alg_values_supported"`
	ResponseISSParameter       bool     `json:"authorization_response_iss_parameter_supported"`
	DPoPAlgs                   []string `json:"dpop_signing_alg_values_supported"`
	ClaimsParameterSupported   bool     `json:"claims_parameter_supported"`
	RequirePushedAuthorization bool     `json:"require_pushed_authorization_requests"`
}

// provider caches the discovery document and the JWKS.
type provider struct {
	cfg *Config

	mu     sync.Mutex
	md     *Metadata
	mdAt   time.Time
	keys   map[string]crypto.PublicKey
	keysAt time.Time
}

// metadata returns the discovery document, fetched again after
// Config.MetadataTTL.
func (p *provider) metadata(ctx context.Context) (*Metadata, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.Now()
	if p.md != nil && now.Sub(p.mdAt) < p.cfg.MetadataTTL {
		return p.md, nil
	}
	var md Metadata
	if err := p.getJSON(ctx, p.cfg.DiscoveryURL, maxMetadataBytes, &md); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if err := p.checkMetadata(&md); err != nil {
		return nil, err
	}
	p.md, p.mdAt = &md, now
	return p.md, nil
}

// checkMetadata holds the document to what the flow relies on.
func (p *provider) checkMetadata(md *Metadata) error {
	// OpenID Connect Discovery 1.0 Section 4.3: the issuer must be
	// identical to the one the configuration was fetched for.
	if md.Issuer != p.cfg.Issuer {
		return errf(ErrProtocol, "discovery names issuer %.200q, not %.200q", md.Issuer, p.cfg.Issuer)
	}
	for name, u := range map[string]string{"authorization_endpoint": md.AuthorizationEndpoint, "pushed_authorization_request_endpoint": md.PAREndpoint,
		"token_endpoint": md.TokenEndpoint, "userinfo_endpoint": md.UserinfoEndpoint, "jwks_uri": md.JWKSURI} {
		if err := checkURL(u); err != nil {
			return errf(ErrProtocol, "discovery %s: %v", name, err)
		}
	}
	if len(md.TokenAuthMethods) > 0 && !slices.Contains(md.TokenAuthMethods, "private_key_jwt") {
		return errf(ErrProtocol, "the provider does not take private_key_jwt")
	}
	if len(md.CodeChallengeMethods) > 0 && !slices.Contains(md.CodeChallengeMethods, "S256") {
		return errf(ErrProtocol, "the provider does not take PKCE S256")
	}
	return nil
}

// checkURL accepts https URLs, and http on loopback hosts (development).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return fmt.Errorf("%.200q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || h == "127.0.0.1" || h == "::1" {
			return nil
		}
	}
	return fmt.Errorf("%.200q is not https", raw)
}

// key returns the provider's signing key kid (the only key when kid is
// empty and the set has one), fetching the JWKS when it is stale or does
// not have the kid (a miss fetches again only when the set is older than
// jwksRefetchEvery).
func (p *provider) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.Now()
	lookup := func() (crypto.PublicKey, bool) {
		if kid == "" {
			if len(p.keys) != 1 {
				return nil, false
			}
			for _, k := range p.keys {
				return k, true
			}
		}
		k, ok := p.keys[kid]
		return k, ok
	}
	fresh := p.keys != nil && now.Sub(p.keysAt) < p.cfg.MetadataTTL
	if k, ok := lookup(); ok && fresh {
		return k, nil
	}
	if fresh && now.Sub(p.keysAt) < jwksRefetchEvery {
		return nil, fmt.Errorf("no key %.60q in the provider's JWKS", kid)
	}
	keys, err := p.fetchJWKS(ctx, md.JWKSURI)
	if err != nil {
		return nil, err
	}
	p.keys, p.keysAt = keys, now
	if k, ok := lookup(); ok {
		return k, nil
	}
	return nil, fmt.Errorf("no key %.60q in the provider's JWKS", kid)
}

// fetchJWKS reads the provider's public signing keys by kid: RSA keys of
// 2048 bits or more and EC keys; private members are refused.
func (p *provider) fetchJWKS(ctx context.Context, uri string) (map[string]crypto.PublicKey, error) {
	var raw json.RawMessage
	if err := p.getJSON(ctx, uri, maxJWKSBytes, &raw); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		return nil, errf(ErrProtocol, "jwks: %v", err)
	}
	if set.Len() > maxJWKSKeys {
		return nil, errf(ErrProtocol, "jwks: %d keys, over %d", set.Len(), maxJWKSKeys)
	}
	out := map[string]crypto.PublicKey{}
	for i := range set.Len() {
		k, _ := set.Key(i)
		if use, ok := k.KeyUsage(); ok && use != "sig" {
			continue // an encryption key
		}
		var pub any
		if err := jwk.Export(k, &pub); err != nil {
			return nil, errf(ErrProtocol, "jwks: key %d: %v", i, err)
		}
		switch pk := pub.(type) {
		case *rsa.PublicKey:
			if pk.N.BitLen() < 2048 {
				continue
			}
		case *ecdsa.PublicKey:
		default:
			return nil, errf(ErrProtocol, "jwks: key %d is %T, not a public RSA or EC key", i, pub)
		}
		kid, _ := k.KeyID()
		out[kid] = pub
	}
	return out, nil
}

// getJSON GETs uri and decodes its JSON body of at most max bytes.
func (p *provider) getJSON(ctx context.Context, uri string, max int64, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return errf(ErrConfig, "%v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.cfg.HTTP.Do(req)
	if err != nil {
		return errf(ErrUnavailable, "%v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return errf(ErrUnavailable, "reading: %v", err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return errf(ErrUnavailable, "%s answered %d", uri, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return errf(ErrProtocol, "%s answered %d", uri, resp.StatusCode)
	case int64(len(body)) > max:
		return errf(ErrProtocol, "%s: over %d bytes", uri, max)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errf(ErrProtocol, "%s: %v", uri, err)
	}
	return nil
}
