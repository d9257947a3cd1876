package app

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
	"github.com/pramaan/pramaan/oid4vci"
)

// ClientAssertionTypeJWT is RFC 7523 Section 2.2's client_assertion_type.
const ClientAssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAnswerBytes bounds what the issuer may answer.
const maxAnswerBytes = 4 << 20

// Client is a registered app client.
type Client struct {
	// Issuer is the Credential Issuer Identifier (its public URL).
	Issuer string
	// ClientID is the app client's registered id.
	ClientID string
	// Key signs client assertions (ES256); KeyID is its kid in the
	// registered JWK Set (may be empty when the set has one key).
	Key   crypto.Signer
	KeyID string
	HTTP  *http.Client
	Now   func() time.Time
}

// Error is an error answer of the issuer.
type Error struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("app: issuer answered %d %s: %s", e.Status, e.Code, e.Description)
}

// IssuerConfig is the answer of POST /app/issuer-config.
type IssuerConfig struct {
	CredentialIssuer            string                        `json:"credential_issuer"`
	CredentialConfigurationIDs  []string                      `json:"credential_configuration_ids"`
	PreAuthorizedCode           string                        `json:"pre-authorized_code"`
	AuthorizationDetails        []oid4vci.AuthorizationDetail `json:"authorization_details"`
	CNonce                      string                        `json:"c_nonce"`
	CredentialRequestEncryption json.RawMessage               `json:"credential_request_encryption"`
	// CredentialOffer is for the OS credential manager: JSON, unsigned.
	CredentialOffer json.RawMessage `json:"credential_offer"`
	ExpiresIn       int64           `json:"expires_in"`
}

// Identifier returns the credential_identifier granted for a
// configuration, or "".
func (c *IssuerConfig) Identifier(configurationID string) string {
	for _, d := range c.AuthorizationDetails {
		if d.CredentialConfigurationID == configurationID && len(d.CredentialIdentifiers) > 0 {
			return d.CredentialIdentifiers[0]
		}
	}
	return ""
}

// Answer is the issuer's answer to a forwarded request: the Credential
// Response, encrypted to the wallet when it asked (ContentType
// application/jwt), to be passed back to the wallet.
type Answer struct {
	ContentType string
	Body        []byte
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// assertion signs a client assertion for endpoint (RFC 7523 Section 3):
// iss = sub = client_id, aud the endpoint URL, a one-minute exp, a fresh
// jti.
func (c *Client) assertion(endpoint string) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	now := c.now()
	header := map[string]any{"typ": "JWT"}
	if c.KeyID != "" {
		header["kid"] = c.KeyID
	}
	return jose.SignCompact(c.Key, header, map[string]any{
		"iss": c.ClientID, "sub": c.ClientID, "aud": endpoint,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti),
	})
}

func (c *Client) post(ctx context.Context, path string, body map[string]any) (*Answer, error) {
	endpoint := strings.TrimSuffix(c.Issuer, "/") + path
	a, err := c.assertion(endpoint)
	if err != nil {
		return nil, fmt.Errorf("app: client assertion: %w", err)
	}
	body["client_assertion_type"], body["client_assertion"] = ClientAssertionTypeJWT, a
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("app: %s: %w", path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, fmt.Errorf("app: %s: %w", path, err)
	}
	if len(out) > maxAnswerBytes {
		return nil, fmt.Errorf("app: %s: answer over %d bytes", path, maxAnswerBytes)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(out, e) != nil || e.Code == "" {
			e.Code, e.Description = "unexpected_answer", strings.TrimSpace(string(out[:min(len(out), 200)]))
		}
		return nil, e
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &Answer{ContentType: mt, Body: out}, nil
}

// IssuerConfig asks for a subject's offer.
func (c *Client) IssuerConfig(ctx context.Context, subject string, claims map[string]any, configurationIDs []string) (*IssuerConfig, error) {
	a, err := c.post(ctx, "/app/issuer-config", map[string]any{
		"subject": subject, "claims": claims, "credential_configuration_ids": configurationIDs,
	})
	if err != nil {
		return nil, err
	}
	var ic IssuerConfig
	if err := json.Unmarshal(a.Body, &ic); err != nil {
		return nil, fmt.Errorf("app: issuer-config answer: %w", err)
	}
	if ic.CredentialIssuer != c.Issuer || ic.PreAuthorizedCode == "" || ic.CNonce == "" {
		return nil, errors.New("app: the issuer-config answer is incomplete or names another issuer")
	}
	return &ic, nil
}

// Forward sends the wallet's encrypted request (the JWE of its deeplink)
// with the offer's code; walletBackend, when set, also receives the
// credentials by callback.
func (c *Client) Forward(ctx context.Context, code, requestJWE, walletBackend string) (*Answer, error) {
	body := map[string]any{"pre-authorized_code": code, "request": requestJWE}
	if walletBackend != "" {
		body["wallet_backend"] = walletBackend
	}
	return c.post(ctx, "/app/credential-request", body)
}

// Nonce fetches a fresh c_nonce from the issuer's Nonce Endpoint
// (OpenID4VCI 1.0 Section 7), for a wallet's further requests after the
// first (the issuer-config answer carries one).
func (c *Client) Nonce(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.Issuer, "/")+"/nonce", nil)
	if err != nil {
		return "", err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("app: nonce: %w", err)
	}
	defer resp.Body.Close()
	var n oid4vci.NonceResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&n); err != nil || resp.StatusCode != http.StatusOK || n.CNonce == "" {
		return "", fmt.Errorf("app: nonce: status %d", resp.StatusCode)
	}
	return n.CNonce, nil
}
