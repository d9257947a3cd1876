package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
)

// Session is an access token and what goes with it: the issuer, the
// granted credential identifiers, the DPoP key the token is bound to and
// the DPoP nonces servers handed out. Its mutable parts are locked, so
// several goroutines may make Credential requests on one Session.
type Session struct {
	Issuer      *Issuer
	AccessToken string
	// TokenType is DPoP or Bearer.
	TokenType string
	// Expires is when the access token expires; zero when not told.
	Expires time.Time
	// Details are the authorization_details of the Token Response: per
	// configuration, the credential_identifiers to ask for (Section 6.2).
	Details []oid4vci.AuthorizationDetail

	dpopKey *ecdsa.PrivateKey

	mu      sync.Mutex
	nonces  map[string]string          // DPoP nonce by origin (RFC 9449 Sections 8, 9)
	pending map[string]*pendingRequest // deferred issuances by transaction_id
}

// pendingRequest is what a deferred issuance needs to be fetched and
// verified later: how the response was to be encrypted.
type pendingRequest struct {
	configurationID string
	encrypt         bool
	enc             string
	zip             bool
	interval        time.Duration
}

// Identifier returns the first credential_identifier granted for a
// configuration, or "" when the Token Response named none.
func (s *Session) Identifier(configurationID string) string {
	for _, d := range s.Details {
		if d.CredentialConfigurationID == configurationID && len(d.CredentialIdentifiers) > 0 {
			return d.CredentialIdentifiers[0]
		}
	}
	return ""
}

// configurationOf returns the configuration a credential_identifier was
// granted for.
func (s *Session) configurationOf(identifier string) string {
	for _, d := range s.Details {
		if slices.Contains(d.CredentialIdentifiers, identifier) {
			return d.CredentialConfigurationID
		}
	}
	return ""
}

// DPoP reports whether the access token is DPoP-bound.
func (s *Session) DPoP() bool { return s.dpopKey != nil }

func origin(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (s *Session) nonce(target string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nonces[origin(target)]
}

func (s *Session) setNonce(target, n string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces == nil {
		s.nonces = map[string]string{}
	}
	s.nonces[origin(target)] = n
}

func (s *Session) setPending(txID string, p *pendingRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]*pendingRequest{}
	}
	s.pending[txID] = p
}

func (s *Session) getPending(txID string) *pendingRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending[txID]
}

func (s *Session) donePending(txID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, txID)
}

// maxTxCode bounds a transaction code the wallet sends.
const maxTxCode = 256

// Token redeems the offer's pre-authorized code at the token endpoint
// (Section 6.1), with txCode when the offer asks for one. Unless NoDPoP,
// the token is bound to a fresh P-256 key of this session (RFC 9449); a
// use_dpop_nonce answer is retried once with the server's nonce. An
// authorization server that answers token_type Bearer to a DPoP request
// gets Bearer requests from then on (RFC 9449 Section 5 lets it).
func (c *Client) Token(ctx context.Context, iss *Issuer, offer *oid4vci.CredentialOffer, txCode string) (*Session, error) {
	if offer.Grants == nil || offer.Grants.PreAuthorizedCode == nil {
		return nil, fmt.Errorf("%w: the offer has no pre-authorized code grant", ErrUnsupported)
	}
	if offer.CredentialIssuer != iss.Metadata.CredentialIssuer {
		return nil, fmt.Errorf("%w: offer from %q, metadata of %q", ErrIssuerMismatch, offer.CredentialIssuer, iss.Metadata.CredentialIssuer)
	}
	g := offer.Grants.PreAuthorizedCode
	as := iss.AS
	if g.AuthorizationServer != "" && g.AuthorizationServer != as.Issuer {
		// Section 4.1.1: the hint must be one of authorization_servers.
		if !slices.Contains(iss.Metadata.AuthorizationServers, g.AuthorizationServer) {
			return nil, fmt.Errorf("%w: the offer's authorization_server %q is not in the issuer metadata", ErrResponse, g.AuthorizationServer)
		}
		var err error
		if as, err = c.authorizationServer(ctx, g.AuthorizationServer); err != nil {
			return nil, err
		}
	}
	switch {
	case g.TxCode != nil && txCode == "":
		return nil, fmt.Errorf("wallet: the offer requires a tx_code (%s)", txCodeHint(g.TxCode))
	case g.TxCode == nil && txCode != "":
		return nil, fmt.Errorf("wallet: a tx_code was given but the offer asks for none")
	case len(txCode) > maxTxCode:
		return nil, fmt.Errorf("wallet: tx_code over %d bytes", maxTxCode)
	case g.TxCode != nil && g.TxCode.Length > 0 && len([]rune(txCode)) != g.TxCode.Length:
		return nil, fmt.Errorf("wallet: the tx_code must have %d characters", g.TxCode.Length)
	}
	req := &oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: g.PreAuthorizedCode, TxCode: txCode}
	form, err := req.Form()
	if err != nil {
		return nil, fmt.Errorf("wallet: token request: %w", err)
	}
	sess := &Session{Issuer: &Issuer{Metadata: iss.Metadata, AS: as, Signed: iss.Signed}}
	if !c.NoDPoP && (len(as.DPoPSigningAlgValuesSupported) == 0 || slices.Contains(as.DPoPSigningAlgValuesSupported, "ES256")) {
		if sess.dpopKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("wallet: DPoP key: %w", err)
		}
	}
	r, err := c.send(ctx, sess, http.MethodPost, as.TokenEndpoint, oid4vci.MediaTypeForm, []byte(form.Encode()), false)
	if err != nil {
		return nil, err
	}
	if err := wantJSON("token", r); err != nil {
		return nil, err
	}
	tr, err := oid4vci.ParseTokenResponse(r.body, c.limits())
	if err != nil {
		return nil, fmt.Errorf("%w: token: %w", ErrResponse, err)
	}
	switch {
	case strings.EqualFold(tr.TokenType, oid4vci.TokenTypeDPoP):
		if sess.dpopKey == nil {
			return nil, fmt.Errorf("%w: token_type DPoP for a request without a DPoP proof", ErrResponse)
		}
	case strings.EqualFold(tr.TokenType, oid4vci.TokenTypeBearer):
		sess.dpopKey = nil
	default:
		return nil, fmt.Errorf("%w: token_type %q", ErrResponse, tr.TokenType)
	}
	sess.AccessToken, sess.TokenType, sess.Details = tr.AccessToken, tr.TokenType, tr.AuthorizationDetails
	if tr.ExpiresIn > 0 {
		sess.Expires = c.now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return sess, nil
}

func txCodeHint(t *oid4vci.TxCode) string {
	mode := "numeric"
	if t.InputMode != "" {
		mode = string(t.InputMode)
	}
	h := mode
	if t.Length > 0 {
		h = fmt.Sprintf("%d characters, %s", t.Length, mode)
	}
	if t.Description != "" {
		h += ": " + t.Description
	}
	return h
}

// maxDPoPRetries is how often a request is repeated with a fresh DPoP
// nonce: once (RFC 9449 Sections 8 and 9).
const maxDPoPRetries = 1

// send makes one request with the session's DPoP proof and, when
// authorized, its access token; it retries once when the server asks for
// a DPoP nonce (RFC 9449 Section 8 at the token endpoint: 400
// use_dpop_nonce; Section 9 at a resource server: 401 with
// WWW-Authenticate error="use_dpop_nonce").
func (c *Client) send(ctx context.Context, sess *Session, method, target, contentType string, body []byte, authorized bool) (*reply, error) {
	for attempt := 0; ; attempt++ {
		h := http.Header{"Accept": {oid4vci.MediaTypeJSON + ", " + oid4vci.MediaTypeJWT}}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		if sess.dpopKey != nil {
			ath := ""
			if authorized {
				ath = sess.AccessToken
			}
			proof, err := dpopProof(sess.dpopKey, method, target, sess.nonce(target), ath, c.now())
			if err != nil {
				return nil, err
			}
			h.Set(oid4vci.HeaderDPoP, proof)
		}
		if authorized {
			scheme := oid4vci.TokenTypeBearer
			if sess.dpopKey != nil {
				scheme = oid4vci.TokenTypeDPoP
			}
			h.Set("Authorization", scheme+" "+sess.AccessToken)
		}
		r, err := c.do(ctx, method, target, h, body)
		if err != nil {
			return nil, err
		}
		if n := r.header.Get(oid4vci.HeaderDPoPNonce); n != "" && len(n) <= 1024 {
			sess.setNonce(target, n)
		}
		if sess.dpopKey != nil && attempt < maxDPoPRetries && asksDPoPNonce(r) {
			continue
		}
		return r, nil
	}
}

// asksDPoPNonce reports whether an answer asks for a DPoP nonce and gives one.
func asksDPoPNonce(r *reply) bool {
	if r.header.Get(oid4vci.HeaderDPoPNonce) == "" {
		return false
	}
	if r.status == http.StatusUnauthorized && strings.Contains(r.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
		return true
	}
	if r.status != http.StatusBadRequest && r.status != http.StatusUnauthorized {
		return false
	}
	oe, err := oid4vci.ParseErrorResponse(r.status, r.body)
	return err == nil && oe.Code == oid4vci.CodeUseDPoPNonce
}

// Nonce fetches a fresh c_nonce from the Nonce Endpoint (Section 7): a
// POST without body or authorization. It returns "" when the issuer has
// no Nonce Endpoint. A DPoP-Nonce the endpoint hands out is kept for the
// Credential Endpoint (Section 7.2).
func (c *Client) Nonce(ctx context.Context, sess *Session) (string, error) {
	ep := sess.Issuer.Metadata.NonceEndpoint
	if ep == "" {
		return "", nil
	}
	r, err := c.do(ctx, http.MethodPost, ep, http.Header{"Accept": {oid4vci.MediaTypeJSON}}, nil)
	if err != nil {
		return "", err
	}
	if n := r.header.Get(oid4vci.HeaderDPoPNonce); n != "" && len(n) <= 1024 {
		sess.setNonce(ep, n)
	}
	if err := wantJSON("nonce", r); err != nil {
		return "", err
	}
	nr, err := oid4vci.ParseNonceResponse(r.body, c.limits())
	if err != nil {
		return "", fmt.Errorf("%w: nonce: %w", ErrResponse, err)
	}
	return nr.CNonce, nil
}
