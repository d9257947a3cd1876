package digilocker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits on what DigiLocker sends back.
const (
	MaxJSONBytes = 1 << 20
	MaxXMLBytes  = 4 << 20
	MaxFileBytes = 20 << 20
)

// AuthStyle is how the client authenticates at the token endpoint.
type AuthStyle int

// AuthStyles: client_id and client_secret in the form (API spec v1), or
// HTTP Basic (v2.4).
const (
	AuthInForm AuthStyle = iota
	AuthBasic
)

// Config configures a Client.
type Config struct {
	// BaseURL is <host>/public, e.g.
	// https://digilocker.meripehchaan.gov.in/public. REQUIRED.
	BaseURL string
	// ClientID, ClientSecret and RedirectURI are the partner's
	// registration. REQUIRED.
	ClientID, ClientSecret, RedirectURI string
	AuthStyle                           AuthStyle
	// HTTP is the client for server-to-server calls; nil means one with a
	// 15 s timeout.
	HTTP *http.Client
	// Now is the clock. REQUIRED.
	Now func() time.Time
}

// Client calls DigiLocker. It holds no per-citizen state and is safe for
// concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
}

// New validates cfg.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("digilocker: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.RedirectURI == "" {
		return nil, errors.New("digilocker: client_id, client_secret and redirect_uri are required")
	}
	if cfg.Now == nil {
		return nil, errors.New("digilocker: the clock (Now) is required")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{cfg: cfg, base: base}, nil
}

// APIError is an error answer of DigiLocker: {"error", "error_description"}
// with its HTTP status, or a non-JSON body's status alone.
type APIError struct {
	Status      int
	Code        string
	Description string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("digilocker: HTTP %d", e.Status)
	}
	return fmt.Sprintf("digilocker: HTTP %d %s: %.200s", e.Status, e.Code, e.Description)
}

// IsTokenRejected reports whether DigiLocker refused the access token
// (401 invalid_token: expired or revoked).
func IsTokenRejected(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// IsGrantRejected reports whether DigiLocker refused a code or refresh
// token (400 invalid_grant).
func IsGrantRejected(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusBadRequest && e.Code == "invalid_grant"
}

// AuthRequest is what goes into an authorization redirect.
type AuthRequest struct {
	Flow          Flow
	State         string
	CodeChallenge string
	// DocTypes limits the consent screen of the documents flow
	// (req_doctype), e.g. HSCER, SSCER.
	DocTypes []string
}

// AuthorizeURL is the browser redirect to GET /oauth2/1/authorize.
func (c *Client) AuthorizeURL(r AuthRequest) (string, error) {
	if r.State == "" || r.CodeChallenge == "" {
		return "", errors.New("digilocker: state and code_challenge are required")
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.cfg.ClientID},
		"redirect_uri":          {c.cfg.RedirectURI},
		"state":                 {r.State},
		"code_challenge":        {r.CodeChallenge},
		"code_challenge_method": {"S256"},
		"scope":                 {r.Flow.Scope()},
	}
	if r.Flow == FlowDocuments && len(r.DocTypes) > 0 {
		for _, d := range r.DocTypes {
			if len(d) != 5 || strings.ContainsAny(d, ", ") {
				return "", fmt.Errorf("digilocker: doctype %q is not a 5-character code", d)
			}
		}
		q.Set("req_doctype", strings.Join(r.DocTypes, ","))
	}
	return c.base.JoinPath("oauth2/1/authorize").String() + "?" + q.Encode(), nil
}

// Exchange trades an authorization code and its PKCE verifier for tokens.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Token, error) {
	if err := CheckVerifier(verifier); err != nil {
		return nil, err
	}
	return c.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.cfg.RedirectURI}, "code_verifier": {verifier}})
}

// Refresh trades a refresh token for new tokens; DigiLocker rotates the
// refresh token, so the caller must store the new one.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	return c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

func (c *Client) token(ctx context.Context, form url.Values) (*Token, error) {
	if c.cfg.AuthStyle == AuthInForm {
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.JoinPath("oauth2/1/token").String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("digilocker: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.AuthStyle == AuthBasic {
		req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	}
	var w struct {
		AccessToken      string  `json:"access_token"`
		RefreshToken     string  `json:"refresh_token"`
		TokenType        string  `json:"token_type"`
		Scope            string  `json:"scope"`
		ExpiresIn        flexInt `json:"expires_in"`
		ConsentValidTill flexInt `json:"consent_valid_till"`
		User
	}
	if err := c.doJSON(req, &w); err != nil {
		return nil, fmt.Errorf("digilocker: token: %w", err)
	}
	if w.AccessToken == "" || !strings.EqualFold(w.TokenType, "Bearer") || w.ExpiresIn <= 0 {
		return nil, errors.New("digilocker: token: the response lacks a Bearer access_token with expires_in")
	}
	t := &Token{AccessToken: w.AccessToken, RefreshToken: w.RefreshToken, TokenType: "Bearer", Scope: w.Scope,
		ExpiresAt: c.cfg.Now().Add(time.Duration(w.ExpiresIn) * time.Second), User: w.User}
	if w.ConsentValidTill > 0 {
		t.ConsentValidTill = time.Unix(int64(w.ConsentValidTill), 0)
	}
	return t, nil
}

// User reads GET /oauth2/1/user.
func (c *Client) User(ctx context.Context, accessToken string) (*User, error) {
	req, err := c.get(ctx, accessToken, "oauth2/1/user")
	if err != nil {
		return nil, err
	}
	var u User
	if err := c.doJSON(req, &u); err != nil {
		return nil, fmt.Errorf("digilocker: user: %w", err)
	}
	if u.DigiLockerID == "" {
		return nil, errors.New("digilocker: user: no digilockerid")
	}
	return &u, nil
}

// Issued lists the citizen's issued documents (GET /oauth2/2/files/issued).
func (c *Client) Issued(ctx context.Context, accessToken string) ([]Document, error) {
	req, err := c.get(ctx, accessToken, "oauth2/2/files/issued")
	if err != nil {
		return nil, err
	}
	var w struct {
		Items []Document `json:"items"`
	}
	if err := c.doJSON(req, &w); err != nil {
		return nil, fmt.Errorf("digilocker: issued documents: %w", err)
	}
	return w.Items, nil
}

// File opens GET /oauth2/1/file/{uri}: the raw document, which the caller
// streams and closes; reads past MaxFileBytes fail.
func (c *Client) File(ctx context.Context, accessToken, uri string) (io.ReadCloser, string, error) {
	if err := checkURI(uri); err != nil {
		return nil, "", err
	}
	req, err := c.get(ctx, accessToken, "oauth2/1/file", uri)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("digilocker: file: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, "", fmt.Errorf("digilocker: file: %w", apiError(resp))
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &limitedBody{r: io.LimitReader(resp.Body, MaxFileBytes+1), c: resp.Body}, ct, nil
}

// XML reads GET /oauth2/1/xml/{uri}: the certificate XML (raw, served as
// application/xml or text/plain).
func (c *Client) XML(ctx context.Context, accessToken, uri string) ([]byte, error) {
	if err := checkURI(uri); err != nil {
		return nil, err
	}
	req, err := c.get(ctx, accessToken, "oauth2/1/xml", uri)
	if err != nil {
		return nil, err
	}
	return c.raw(req, "certificate XML")
}

// EAadhaarXML reads GET /oauth2/3/xml/eaadhaar: the e-Aadhaar XML as
// DigiLocker signs it. Its signature is the caller's to verify.
func (c *Client) EAadhaarXML(ctx context.Context, accessToken string) ([]byte, error) {
	req, err := c.get(ctx, accessToken, "oauth2/3/xml/eaadhaar")
	if err != nil {
		return nil, err
	}
	return c.raw(req, "e-Aadhaar XML")
}

func (c *Client) raw(req *http.Request, what string) ([]byte, error) {
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("digilocker: %s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("digilocker: %s: %w", what, apiError(resp))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxXMLBytes+1))
	if err != nil {
		return nil, fmt.Errorf("digilocker: %s: %w", what, err)
	}
	if len(b) > MaxXMLBytes {
		return nil, fmt.Errorf("digilocker: %s over %d bytes", what, MaxXMLBytes)
	}
	return b, nil
}

// checkURI accepts issuerid-DOCTYPE-docid URIs (§1.9) of a sane length.
func checkURI(uri string) error {
	if len(uri) < 8 || len(uri) > 256 || strings.ContainsAny(uri, "/?#%\\ ") {
		return fmt.Errorf("digilocker: %.80q is not a document URI", uri)
	}
	return nil
}

func (c *Client) get(ctx context.Context, accessToken string, path ...string) (*http.Request, error) {
	if accessToken == "" {
		return nil, errors.New("digilocker: no access token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.JoinPath(path...).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("digilocker: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return req, nil
}

func (c *Client) doJSON(req *http.Request, v any) error {
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxJSONBytes+1))
	if err != nil {
		return err
	}
	if len(b) > MaxJSONBytes {
		return fmt.Errorf("response over %d bytes", MaxJSONBytes)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("response is not the expected JSON: %w", err)
	}
	return nil
}

// apiError reads an error body, JSON or not (§1.8: non-JSON bodies must be
// tolerated).
func apiError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var w struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(b, &w) == nil {
		e.Code, e.Description = w.Error, w.Description
	}
	return e
}

type limitedBody struct {
	r io.Reader
	c io.Closer
	n int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > MaxFileBytes {
		return 0, fmt.Errorf("digilocker: file over %d bytes", MaxFileBytes)
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.c.Close() }
