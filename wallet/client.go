package wallet

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
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
	// DefaultMaxResponseBytes bounds every response body: a batch of mdocs
	// with portraits fits with room to spare.
	DefaultMaxResponseBytes = 4 << 20
	// MaxOfferBytes bounds a Credential Offer, by value or fetched.
	MaxOfferBytes = 64 << 10
	// DefaultTimeout bounds each HTTP exchange when the context has no
	// earlier deadline.
	DefaultTimeout = 30 * time.Second
	// MaxBatch is the most holder keys (and proofs) one request may carry.
	MaxBatch = 100
)

// Errors the client wraps; match them with errors.Is.
var (
	// ErrIssuerMismatch: metadata names another credential_issuer than
	// the offer (OpenID4VCI 1.0 Section 12.2.2).
	ErrIssuerMismatch = errors.New("wallet: issuer metadata names another credential_issuer")
	// ErrResponse: the issuer answered with something the wallet cannot
	// use: a wrong status or media type, a body over the limit, or a body
	// that does not parse.
	ErrResponse = errors.New("wallet: unusable response from the issuer")
	// ErrVerification: a received credential did not verify.
	ErrVerification = errors.New("wallet: credential did not verify")
	// ErrUnsupported: the offer or the issuer needs something this wallet
	// does not do (no pre-authorized code, no ES256 proofs, batch too large).
	ErrUnsupported = errors.New("wallet: not supported")
)

// IssuerError is an error response of the issuer (RFC 6749 Section 5.2,
// OpenID4VCI 1.0 Sections 6.3, 8.3.1, 9.3, 11.3), with its HTTP status.
// errors.Is(err, oid4vci.CodeInvalidGrant) and friends match it.
type IssuerError struct {
	Endpoint string
	Status   int
	Err      *oid4vci.Error
}

func (e *IssuerError) Error() string {
	return fmt.Sprintf("wallet: %s: issuer answered %d %s", e.Endpoint, e.Status, e.Err.Error())
}

// Unwrap returns the *oid4vci.Error.
func (e *IssuerError) Unwrap() error { return e.Err }

// Client is an OpenID4VCI 1.0 holder client for the Pre-Authorized Code
// flow. Each step is a method, so that a benchmark can time them apart;
// Receive runs them all. A Client holds no state between calls (sessions
// are values the caller keeps) and is safe for concurrent use.
type Client struct {
	// HTTP is the HTTP client; nil means a client that follows no
	// redirects.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Roots are the trust anchors (IACA certificates) that issuer
	// certificate chains must reach: SD-JWT VC x5c, mdoc x5chain and, in
	// SignedMetadata mode, the metadata's x5c.
	Roots []*x509.Certificate
	// NoDPoP sends Bearer requests instead of binding the access token to
	// a per-session DPoP key (RFC 9449).
	NoDPoP bool
	// MaxResponseBytes bounds every response body; zero means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int
	// Timeout bounds each HTTP exchange; zero means DefaultTimeout.
	Timeout time.Duration
	// SignedMetadata asks for the signed issuer metadata (Section 12.2.3)
	// and accepts it only when its x5c chain reaches Roots.
	SignedMetadata bool
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

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
	return noRedirects
}

func (c *Client) maxBytes() int {
	if c.MaxResponseBytes > 0 {
		return c.MaxResponseBytes
	}
	return DefaultMaxResponseBytes
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// limits are those of the oid4vci parsers for the issuer's answers.
func (c *Client) limits() oid4vci.Limits {
	return oid4vci.Limits{MaxBytes: c.maxBytes(), MaxBatchSize: MaxBatch}
}

// reply is one HTTP answer, read whole within the limit.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// mediaType is the Content-Type without parameters, lower case.
func (r *reply) mediaType() string {
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// do sends req and reads at most MaxResponseBytes of the answer, within
// Timeout.
func (c *Client) do(ctx context.Context, method, target string, header http.Header, body []byte) (*reply, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("wallet: %s %s: %w", method, target, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("wallet: %s %s: %w", method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	max := c.maxBytes()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("wallet: %s %s: reading the response: %w", method, req.URL.Redacted(), err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: %s %s: response over %d bytes", ErrResponse, method, req.URL.Redacted(), max)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// issuerError turns an error answer into an *IssuerError when it carries
// the OAuth error JSON, else into ErrResponse with the status.
func issuerError(endpoint string, r *reply) error {
	if r.status >= 400 {
		if oe, err := oid4vci.ParseErrorResponse(r.status, r.body); err == nil {
			return &IssuerError{Endpoint: endpoint, Status: r.status, Err: oe}
		}
	}
	return fmt.Errorf("%w: %s: HTTP %d", ErrResponse, endpoint, r.status)
}

// wantJSON checks a 200 answer that must be application/json.
func wantJSON(endpoint string, r *reply) error {
	if r.status != http.StatusOK {
		return issuerError(endpoint, r)
	}
	if mt := r.mediaType(); mt != oid4vci.MediaTypeJSON {
		return fmt.Errorf("%w: %s: media type %q, want application/json", ErrResponse, endpoint, mt)
	}
	return nil
}

// ParseOffer reads a Credential Offer in any form wallets meet (Section
// 4.1): openid-credential-offer://, haip-vci:// or haip:// (HAIP 1.0
// Section 4.2), or an https link of a wallet's Credential Offer Endpoint,
// with credential_offer or credential_offer_uri in the query; or the offer
// JSON itself. An offer by reference is fetched with GET (Section 4.1.3):
// only a 200 application/json answer of at most MaxOfferBytes is read.
func (c *Client) ParseOffer(ctx context.Context, s string) (*oid4vci.CredentialOffer, error) {
	s = strings.TrimSpace(s)
	l := oid4vci.Limits{MaxBytes: MaxOfferBytes}
	if len(s) > MaxOfferBytes {
		return nil, fmt.Errorf("wallet: offer: %d bytes, over the %d-byte limit", len(s), MaxOfferBytes)
	}
	link, err := oid4vci.ParseCredentialOfferLink(s, l)
	if err != nil {
		return nil, fmt.Errorf("wallet: offer: %w", err)
	}
	if link.Offer != nil {
		return link.Offer, nil
	}
	r, err := c.do(ctx, http.MethodGet, link.OfferURI, http.Header{"Accept": {oid4vci.MediaTypeJSON}}, nil)
	if err != nil {
		return nil, err
	}
	if err := wantJSON("credential_offer_uri", r); err != nil {
		return nil, err
	}
	o, err := oid4vci.ParseCredentialOffer(r.body, l)
	if err != nil {
		return nil, fmt.Errorf("%w: credential_offer_uri: %w", ErrResponse, err)
	}
	return o, nil
}

// Issuer is what the wallet learned about an issuer.
type Issuer struct {
	// Metadata is the Credential Issuer Metadata; its credential_issuer
	// is the identifier the wallet asked for.
	Metadata *wellknown.CredentialIssuerMetadata
	// AS is the metadata of the authorization server in use.
	AS *wellknown.AuthorizationServerMetadata
	// Signed is set when Metadata came from a verified signed JWT.
	Signed bool
}

// Discover fetches the Credential Issuer Metadata (Section 12.2.2) and the
// Authorization Server Metadata (RFC 8414; Section 12.3) of issuer and
// checks that each names the identifier it was fetched for. In
// SignedMetadata mode it asks for application/jwt and verifies the JWT's
// x5c chain against Roots (Section 12.2.3).
func (c *Client) Discover(ctx context.Context, issuer string) (*Issuer, error) {
	if err := oid4vci.ValidateCredentialIssuer(issuer); err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	u := wellKnownURL(issuer, "openid-credential-issuer")
	out := &Issuer{}
	if c.SignedMetadata {
		r, err := c.do(ctx, http.MethodGet, u, http.Header{"Accept": {oid4vci.MediaTypeJWT}}, nil)
		if err != nil {
			return nil, err
		}
		if r.status != http.StatusOK {
			return nil, issuerError("issuer metadata", r)
		}
		if mt := r.mediaType(); mt != oid4vci.MediaTypeJWT {
			return nil, fmt.Errorf("%w: asked for signed metadata, got %q", ErrSignedMetadata, mt)
		}
		if out.Metadata, err = verifySignedMetadata(r.body, issuer, c.Roots, c.now()); err != nil {
			return nil, err
		}
		out.Signed = true
	} else {
		r, err := c.do(ctx, http.MethodGet, u, http.Header{"Accept": {oid4vci.MediaTypeJSON}}, nil)
		if err != nil {
			return nil, err
		}
		if err := wantJSON("issuer metadata", r); err != nil {
			return nil, err
		}
		if out.Metadata, err = wellknown.ParseCredentialIssuerMetadata(r.body); err != nil {
			return nil, fmt.Errorf("%w: issuer metadata: %w", ErrResponse, err)
		}
	}
	// Section 12.2.4: "If these values are not identical (...) the data
	// contained in the response MUST NOT be used."
	if out.Metadata.CredentialIssuer != issuer {
		return nil, fmt.Errorf("%w: %q, fetched for %q", ErrIssuerMismatch, out.Metadata.CredentialIssuer, issuer)
	}
	asID := issuer
	if len(out.Metadata.AuthorizationServers) > 0 {
		asID = out.Metadata.AuthorizationServers[0]
	}
	as, err := c.authorizationServer(ctx, asID)
	if err != nil {
		return nil, err
	}
	out.AS = as
	return out, nil
}

// maxASMetadata bounds authorization server metadata.
const maxASMetadata = 256 << 10

// authorizationServer fetches RFC 8414 metadata and checks issuer equals
// asID (Section 3.3) and token_endpoint is an https (or loopback) URL.
func (c *Client) authorizationServer(ctx context.Context, asID string) (*wellknown.AuthorizationServerMetadata, error) {
	if err := oid4vci.ValidateCredentialIssuer(asID); err != nil {
		return nil, fmt.Errorf("%w: authorization server: %w", ErrResponse, err)
	}
	r, err := c.do(ctx, http.MethodGet, wellKnownURL(asID, "oauth-authorization-server"), http.Header{"Accept": {oid4vci.MediaTypeJSON}}, nil)
	if err != nil {
		return nil, err
	}
	if err := wantJSON("authorization server metadata", r); err != nil {
		return nil, err
	}
	if len(r.body) > maxASMetadata {
		return nil, fmt.Errorf("%w: authorization server metadata over %d bytes", ErrResponse, maxASMetadata)
	}
	var as wellknown.AuthorizationServerMetadata
	if err := json.Unmarshal(r.body, &as); err != nil {
		return nil, fmt.Errorf("%w: authorization server metadata: %v", ErrResponse, err)
	}
	if as.Issuer != asID {
		return nil, fmt.Errorf("%w: authorization server metadata names %q, fetched for %q", ErrIssuerMismatch, as.Issuer, asID)
	}
	if err := checkEndpoint(as.TokenEndpoint); err != nil {
		return nil, fmt.Errorf("%w: token_endpoint: %v", ErrResponse, err)
	}
	if len(as.GrantTypesSupported) > 0 && !slices.Contains(as.GrantTypesSupported, oid4vci.GrantTypePreAuthorizedCode) {
		return nil, fmt.Errorf("%w: the authorization server does not grant pre-authorized codes", ErrUnsupported)
	}
	return &as, nil
}

// checkEndpoint accepts an https URL (with a query, as Section 12.2.4
// allows for endpoints), or http on a loopback host.
func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	base := *u
	base.RawQuery, base.ForceQuery = "", false
	return oid4vci.ValidateCredentialIssuer(base.String())
}

// wellKnownURL inserts the well-known path between host and path (RFC
// 8414 Section 3.1; OpenID4VCI 1.0 Section 12.2.2).
func wellKnownURL(id, name string) string {
	u, err := url.Parse(id)
	if err != nil {
		return id
	}
	u.Path = "/.well-known/" + name + strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}
