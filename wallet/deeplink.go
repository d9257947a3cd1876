package wallet

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pramaan/pramaan/oid4vci"
)

// MaxDeeplinkBytes bounds a credential-request deeplink. Deeplinks travel
// as Android intent data and iOS universal/custom-scheme URLs: neither
// platform documents a URL limit below 2 MB, but intents share the 1 MB
// Binder transaction buffer with everything else in flight and browsers
// and relays in between commonly cap URLs at 32 to 64 KiB. 32 KiB keeps a
// margin under the smallest of those and holds a batch of 10 ES256 proofs
// with response encryption (about 6.4 KiB; TestDeeplinkNearTheLimit).
const MaxDeeplinkBytes = 32 << 10

// DeeplinkHost is the host of a credential-request deeplink:
// <app-scheme>://credential-request?request=<compact JWE>.
const DeeplinkHost = "credential-request"

// ErrDeeplink is wrapped by every deeplink refusal.
var ErrDeeplink = errors.New("wallet: invalid credential-request deeplink")

// validScheme checks an app scheme (RFC 3986 Section 3.1) and refuses the
// schemes that would make the link something other than an app deeplink.
func validScheme(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("%w: scheme must have 1 to 64 characters", ErrDeeplink)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !(alpha || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return fmt.Errorf("%w: scheme %q is not an RFC 3986 scheme", ErrDeeplink, s)
		}
	}
	switch strings.ToLower(s) {
	case "http", "https", "javascript", "data", "file", "about", "blob", "openid-credential-offer":
		return fmt.Errorf("%w: scheme %q is not an app scheme", ErrDeeplink, s)
	}
	return nil
}

// checkCompactJWE checks the shape of a compact JWE (RFC 7516 Section
// 7.1): five base64url parts, the encrypted key empty (ECDH-ES direct key
// agreement, Section 10 of OpenID4VCI 1.0) and the others not.
func checkCompactJWE(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) != 5 {
		return fmt.Errorf("%w: request is not a compact JWE (%d parts)", ErrDeeplink, len(parts))
	}
	for i, p := range parts {
		if p == "" && i != 1 {
			return fmt.Errorf("%w: JWE part %d is empty", ErrDeeplink, i)
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: JWE part %d is not base64url", ErrDeeplink, i)
			}
		}
	}
	return nil
}

// BuildDeeplink returns <scheme>://credential-request?request=<jwe>, the
// link by which a wallet hands its encrypted Credential Request to the
// issuing app.
func BuildDeeplink(scheme, jwe string) (string, error) {
	if err := validScheme(scheme); err != nil {
		return "", err
	}
	if err := checkCompactJWE(jwe); err != nil {
		return "", err
	}
	link := scheme + "://" + DeeplinkHost + "?" + url.Values{"request": {jwe}}.Encode()
	if len(link) > MaxDeeplinkBytes {
		return "", fmt.Errorf("%w: %d bytes, over the %d-byte limit (fewer proofs per request?)", ErrDeeplink, len(link), MaxDeeplinkBytes)
	}
	return link, nil
}

// ParseDeeplink returns the compact JWE of a credential-request deeplink
// for the app scheme. It checks the size, the scheme, the host, that there
// is no user, port, path, fragment or parameter but exactly one request,
// and the JWE's shape; decryption is the issuer's.
func ParseDeeplink(link, scheme string) (string, error) {
	if len(link) > MaxDeeplinkBytes {
		return "", fmt.Errorf("%w: %d bytes, over the %d-byte limit", ErrDeeplink, len(link), MaxDeeplinkBytes)
	}
	if err := validScheme(scheme); err != nil {
		return "", err
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrDeeplink, err)
	}
	switch {
	case !strings.EqualFold(u.Scheme, scheme):
		return "", fmt.Errorf("%w: scheme %q, want %q", ErrDeeplink, u.Scheme, scheme)
	case u.Opaque != "" || u.Host != DeeplinkHost || u.User != nil:
		return "", fmt.Errorf("%w: not %s://%s", ErrDeeplink, scheme, DeeplinkHost)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("%w: unexpected path", ErrDeeplink)
	case u.Fragment != "" || strings.Contains(link, "#"):
		return "", fmt.Errorf("%w: fragment present", ErrDeeplink)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("%w: query: %v", ErrDeeplink, err)
	}
	if len(q) != 1 || len(q["request"]) != 1 {
		return "", fmt.Errorf("%w: want exactly one request parameter and nothing else", ErrDeeplink)
	}
	jwe := q.Get("request")
	if err := checkCompactJWE(jwe); err != nil {
		return "", err
	}
	return jwe, nil
}

// AppRequest is a Credential Request a wallet prepared for the
// app-mediated flow: encrypted to the issuer, with the key the issuer will
// encrypt the response to.
type AppRequest struct {
	// JWE is the encrypted Credential Request.
	JWE string
	key *responseKey
}

// Deeplink returns the request as a deeplink for the app's scheme.
func (r *AppRequest) Deeplink(scheme string) (string, error) { return BuildDeeplink(scheme, r.JWE) }

// Open decrypts the issuer's encrypted Credential Response, as the app
// backend or wallet backend passes it on, and parses it.
func (r *AppRequest) Open(encrypted []byte, l oid4vci.Limits) (*Result, error) {
	plain, err := r.key.decrypt(encrypted, max(l.MaxBytes, DefaultMaxResponseBytes))
	if err != nil {
		return nil, err
	}
	cr, err := oid4vci.ParseCredentialResponse(plain, l)
	if err != nil {
		return nil, fmt.Errorf("wallet: credential response: %w", err)
	}
	res := &Result{Status: cr.StatusCode(), NotificationID: cr.NotificationID, TransactionID: cr.TransactionID, Encrypted: true}
	for _, ic := range cr.Credentials {
		s, ok := ic.String()
		if !ok {
			return nil, fmt.Errorf("%w: a credential is not a string", ErrResponse)
		}
		res.Credentials = append(res.Credentials, s)
	}
	return res, nil
}

// NewAppRequest prepares the Credential Request of the app-mediated flow
// (issue config from the app: issuer metadata, credential identifier and
// c_nonce): one proof per holder key, credential_response_encryption to a
// fresh key, the whole encrypted to the issuer's request-encryption key.
func (c *Client) NewAppRequest(_ context.Context, iss *Issuer, credentialIdentifier, nonce string, keys []crypto.Signer) (*AppRequest, error) {
	md := iss.Metadata
	if md.CredentialRequestEncryption == nil {
		return nil, fmt.Errorf("%w: the issuer publishes no credential_request_encryption", ErrResponse)
	}
	if len(keys) == 0 || credentialIdentifier == "" || nonce == "" {
		return nil, errors.New("wallet: an app request needs a credential identifier, a c_nonce and holder keys")
	}
	proofs := make([]string, len(keys))
	for i, k := range keys {
		p, err := keyProof(k, md.CredentialIssuer, nonce, c.now())
		if err != nil {
			return nil, err
		}
		proofs[i] = p
	}
	if md.CredentialResponseEncryption == nil {
		return nil, fmt.Errorf("%w: the issuer publishes no credential_response_encryption", ErrEncryption)
	}
	enc, err := chooseEnc("", md.CredentialResponseEncryption.EncValuesSupported)
	if err != nil {
		return nil, err
	}
	rk, err := newResponseKey(enc, "")
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(&oid4vci.CredentialRequest{
		CredentialIdentifier:         credentialIdentifier,
		Proofs:                       &oid4vci.Proofs{JWT: proofs},
		CredentialResponseEncryption: rk.param(),
	})
	if err != nil {
		return nil, err
	}
	jwe, err := encryptRequest(payload, md.CredentialRequestEncryption, "", false)
	if err != nil {
		return nil, err
	}
	return &AppRequest{JWE: string(jwe), key: rk}, nil
}
