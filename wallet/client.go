package wallet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// Limits on what the wallet reads from an issuer.
const (
	DefaultMaxResponseBytes = 4 << 20
	maxDPoPRetries          = 1
)

// Errors the client wraps.
var (
	// ErrIssuerMismatch: metadata names another credential_issuer than
	// the offer (OpenID4VCI 1.0 Section 12.2.2).
	ErrIssuerMismatch = errors.New("wallet: issuer metadata names another credential_issuer")
	// ErrResponse: the issuer answered with something the wallet cannot use.
	ErrResponse = errors.New("wallet: unusable response from the issuer")
	// ErrVerification: a received credential did not verify.
	ErrVerification = errors.New("wallet: credential did not verify")
)

// IssuerError is an error response of the issuer, with its status.
type IssuerError struct {
	Status int
	Err    *oid4vci.Error
}

func (e *IssuerError) Error() string {
	return fmt.Sprintf("wallet: issuer answered %d %s", e.Status, e.Err.Error())
}
func (e *IssuerError) Unwrap() error { return e.Err }

// Client is an OpenID4VCI 1.0 holder client for the Pre-Authorized Code
// flow. Each step is a method, so that a benchmark can time them apart;
// Receive runs them all. It is safe for concurrent use.
type Client struct {
	// HTTP is the HTTP client; nil means http.DefaultClient.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Roots are the trust anchors (IACA certificates) that issuer
	// certificate chains must reach: SD-JWT VC x5c and mdoc x5chain.
	Roots []*x509.Certificate
	// NoDPoP sends Bearer requests instead of binding the access token to
	// a per-session DPoP key (RFC 9449).
	NoDPoP bool
	// MaxResponseBytes bounds every response body; zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int
	// SignedMetadata asks for the signed issuer metadata (Section 12.2.3)
	// and accepts it only when its x5c chain reaches Roots.
	SignedMetadata bool
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) limits() oid4vci.Limits {
	return oid4vci.Limits{MaxBytes: c.maxBytes(), MaxBatchSize: 100}
}

func (c *Client) maxBytes() int {
	if c.MaxResponseBytes > 0 {
		return c.MaxResponseBytes
	}
	return DefaultMaxResponseBytes
}

// do sends req and reads at most MaxResponseBytes of the answer.
func (c *Client) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.maxBytes())+1))
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	if len(body) > c.maxBytes() {
		return nil, nil, fmt.Errorf("%w: %s %s: response over %d bytes", ErrResponse, req.Method, req.URL.Redacted(), c.maxBytes())
	}
	return resp, body, nil
}

// issuerError turns a 4xx/5xx answer into an *IssuerError when it carries
// the OAuth error JSON.
func issuerError(resp *http.Response, body []byte) error {
	oe, err := oid4vci.ParseErrorResponse(resp.StatusCode, body)
	if err != nil || oe == nil {
		return fmt.Errorf("%w: HTTP %d", ErrResponse, resp.StatusCode)
	}
	return &IssuerError{Status: resp.StatusCode, Err: oe}
}

// ParseOffer reads a Credential Offer in any form wallets meet (Section
// 4.1): openid-credential-offer:// (or haip-vci://, or an https link) with
// credential_offer or credential_offer_uri, or the offer JSON itself. An
// offer by reference is fetched.
func (c *Client) ParseOffer(ctx context.Context, s string) (*oid4vci.CredentialOffer, error) {
	s = strings.TrimSpace(s)
	link, err := oid4vci.ParseCredentialOfferLink(s, c.limits())
	if err != nil {
		return nil, fmt.Errorf("wallet: offer: %w", err)
	}
	if link.Offer != nil {
		return link.Offer, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.OfferURI, nil)
	if err != nil {
		return nil, fmt.Errorf("wallet: offer uri: %w", err)
	}
	req.Header.Set("Accept", oid4vci.MediaTypeJSON)
	resp, body, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("wallet: fetch offer: %w", issuerError(resp, body))
	}
	o, err := oid4vci.ParseCredentialOffer(body, c.limits())
	if err != nil {
		return nil, fmt.Errorf("wallet: fetched offer: %w", err)
	}
	return o, nil
}

// Issuer is what the wallet learned about an issuer.
type Issuer struct {
	Metadata *wellknown.CredentialIssuerMetadata
	AS       *wellknown.AuthorizationServerMetadata
}

// Discover fetches the Credential Issuer Metadata (Section 12.2.2) and the
// Authorization Server Metadata (RFC 8414, Section 12.3) of issuer and
// checks that both name it.
func (c *Client) Discover(ctx context.Context, issuer string) (*Issuer, error) {
	if err := oid4vci.ValidateCredentialIssuer(issuer); err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	var body []byte
	var md *wellknown.CredentialIssuerMetadata
	if c.SignedMetadata {
		if err := c.get(ctx, wellKnownURL(issuer, "openid-credential-issuer"), oid4vci.MediaTypeJWT, &body); err != nil {
			return nil, err
		}
		var err error
		if md, err = verifySignedMetadata(body, issuer, c.Roots, c.now()); err != nil {
			return nil, err
		}
	} else {
		if err := c.getJSON(ctx, wellKnownURL(issuer, "openid-credential-issuer"), &body); err != nil {
			return nil, err
		}
		var err error
		if md, err = wellknown.ParseCredentialIssuerMetadata(body); err != nil {
			return nil, fmt.Errorf("wallet: issuer metadata: %w", err)
		}
	}
	if md.CredentialIssuer != issuer {
		return nil, fmt.Errorf("%w: %q, offer from %q", ErrIssuerMismatch, md.CredentialIssuer, issuer)
	}
	asURL := issuer
	if len(md.AuthorizationServers) > 0 {
		asURL = md.AuthorizationServers[0]
	}
	if err := c.getJSON(ctx, wellKnownURL(asURL, "oauth-authorization-server"), &body); err != nil {
		return nil, err
	}
	var as wellknown.AuthorizationServerMetadata
	if err := json.Unmarshal(body, &as); err != nil {
		return nil, fmt.Errorf("wallet: authorization server metadata: %w", err)
	}
	if as.Issuer != asURL || as.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: authorization server metadata issuer %q, token_endpoint %q", ErrResponse, as.Issuer, as.TokenEndpoint)
	}
	return &Issuer{Metadata: md, AS: &as}, nil
}

// wellKnownURL inserts the well-known path between host and path (RFC
// 8414 Section 3.1; OpenID4VCI 1.0 Section 12.2.2).
func wellKnownURL(id, name string) string {
	u, err := url.Parse(id)
	if err != nil {
		return id
	}
	u.Path = "/.well-known/" + name + strings.TrimRight(u.Path, "/")
	return u.String()
}

func (c *Client) getJSON(ctx context.Context, u string, out *[]byte) error {
	return c.get(ctx, u, oid4vci.MediaTypeJSON, out)
}

func (c *Client) get(ctx context.Context, u, accept string, out *[]byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, body, err := c.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wallet: GET %s: %w", u, issuerError(resp, body))
	}
	*out = body
	return nil
}

// Session is an access token and what goes with it.
type Session struct {
	Issuer      *Issuer
	AccessToken string
	TokenType   string // Bearer or DPoP
	Details     []oid4vci.AuthorizationDetail
	dpopKey     *ecdsa.PrivateKey
	dpopNonce   string
}

// Identifier returns the credential_identifier granted for a
// configuration, or "" when the token response named none.
func (s *Session) Identifier(configurationID string) string {
	for _, d := range s.Details {
		if d.CredentialConfigurationID == configurationID && len(d.CredentialIdentifiers) > 0 {
			return d.CredentialIdentifiers[0]
		}
	}
	return ""
}

// Token redeems the offer's pre-authorized code (Section 6), with the
// tx_code when the offer asks for one, DPoP-bound unless NoDPoP.
func (c *Client) Token(ctx context.Context, iss *Issuer, offer *oid4vci.CredentialOffer, txCode string) (*Session, error) {
	if offer.Grants == nil || offer.Grants.PreAuthorizedCode == nil {
		return nil, fmt.Errorf("wallet: the offer has no pre-authorized code grant")
	}
	g := offer.Grants.PreAuthorizedCode
	if g.TxCode != nil && txCode == "" {
		return nil, fmt.Errorf("wallet: the offer requires a tx_code")
	}
	form := url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {g.PreAuthorizedCode}}
	if g.TxCode != nil {
		form.Set("tx_code", txCode)
	}
	sess := &Session{Issuer: iss}
	if !c.NoDPoP {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("wallet: DPoP key: %w", err)
		}
		sess.dpopKey = k
	}
	body := []byte(form.Encode())
	resp, rb, err := c.send(ctx, sess, http.MethodPost, iss.AS.TokenEndpoint, oid4vci.MediaTypeForm, body, false)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("wallet: token: %w", issuerError(resp, rb))
	}
	tr, err := oid4vci.ParseTokenResponse(rb, c.limits())
	if err != nil {
		return nil, fmt.Errorf("wallet: token: %w", err)
	}
	if want := "Bearer"; sess.dpopKey != nil {
		want = "DPoP"
		if !strings.EqualFold(tr.TokenType, want) {
			return nil, fmt.Errorf("%w: token_type %q, want DPoP for a DPoP-bound request", ErrResponse, tr.TokenType)
		}
	}
	sess.AccessToken, sess.TokenType, sess.Details = tr.AccessToken, tr.TokenType, tr.AuthorizationDetails
	return sess, nil
}

// send POSTs with the session's authorization and DPoP proof, retrying
// once when the server asks for a DPoP nonce (RFC 9449 Sections 8, 9).
func (c *Client) send(ctx context.Context, sess *Session, method, target, contentType string, body []byte, authorized bool) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
		if err != nil {
			return nil, nil, fmt.Errorf("wallet: %w", err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if sess.dpopKey != nil {
			ath := ""
			if authorized {
				ath = sess.AccessToken
			}
			proof, err := dpopProof(sess.dpopKey, method, target, sess.dpopNonce, ath, c.now())
			if err != nil {
				return nil, nil, err
			}
			req.Header.Set("DPoP", proof)
		}
		if authorized {
			scheme := "Bearer"
			if sess.dpopKey != nil {
				scheme = "DPoP"
			}
			req.Header.Set("Authorization", scheme+" "+sess.AccessToken)
		}
		resp, rb, err := c.do(req)
		if err != nil {
			return nil, nil, err
		}
		if n := resp.Header.Get("DPoP-Nonce"); n != "" {
			sess.dpopNonce = n
		}
		if sess.dpopKey != nil && attempt < maxDPoPRetries && asksDPoPNonce(resp, rb) {
			continue
		}
		return resp, rb, nil
	}
}

func asksDPoPNonce(resp *http.Response, body []byte) bool {
	if resp.Header.Get("DPoP-Nonce") == "" {
		return false
	}
	if strings.Contains(resp.Header.Get("WWW-Authenticate"), "use_dpop_nonce") {
		return true
	}
	oe, err := oid4vci.ParseErrorResponse(resp.StatusCode, body)
	return err == nil && oe != nil && oe.Code == oid4vci.CodeUseDPoPNonce
}

// Nonce fetches a fresh c_nonce (Section 7).
func (c *Client) Nonce(ctx context.Context, sess *Session) (string, error) {
	ep := sess.Issuer.Metadata.NonceEndpoint
	if ep == "" {
		return "", nil
	}
	// The Nonce Endpoint is not a protected resource (Section 7.1): no
	// DPoP proof, but a DPoP-Nonce it hands out is kept.
	plain := *sess
	plain.dpopKey = nil
	resp, body, err := c.send(ctx, &plain, http.MethodPost, ep, "", nil, false)
	if err != nil {
		return "", err
	}
	sess.dpopNonce = plain.dpopNonce
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("wallet: nonce: %w", issuerError(resp, body))
	}
	nr, err := oid4vci.ParseNonceResponse(body, c.limits())
	if err != nil {
		return "", fmt.Errorf("wallet: nonce: %w", err)
	}
	return nr.CNonce, nil
}

// b64 is base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sha256b64(s string) string { h := sha256.Sum256([]byte(s)); return b64(h[:]) }

// sortedIDs returns the offer's configuration ids, or the chosen ones.
func sortedIDs(offer *oid4vci.CredentialOffer, chosen []string) ([]string, error) {
	if len(chosen) == 0 {
		return slices.Clone(offer.CredentialConfigurationIDs), nil
	}
	for _, id := range chosen {
		if !slices.Contains(offer.CredentialConfigurationIDs, id) {
			return nil, fmt.Errorf("wallet: configuration %q is not in the offer", id)
		}
	}
	return chosen, nil
}
