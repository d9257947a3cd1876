package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// TokenRequest is a Token Request using the Pre-Authorized Code grant
// (§6.1), sent as application/x-www-form-urlencoded (RFC 6749 §4.1.3).
type TokenRequest struct {
	// GrantType is GrantTypePreAuthorizedCode.
	GrantType string
	// PreAuthorizedCode is the code from the offer. REQUIRED.
	PreAuthorizedCode string
	// TxCode is the Transaction Code; required when the offer had tx_code (§6.1).
	TxCode string
	// ClientID identifies the client when it has one (§6.1). OPTIONAL.
	ClientID string
	// AuthorizationDetails narrows the request (§6.1.1). OPTIONAL.
	AuthorizationDetails []AuthorizationDetail
}

// tokenRequestParams are the parameters ParseTokenRequest reads; each may
// appear at most once (RFC 6749 §3.2). Others are ignored (§6.1).
var tokenRequestParams = []string{"grant_type", "pre-authorized_code", "tx_code", "client_id", "authorization_details"}

// ParseTokenRequest reads a Token Request from the parsed form body. Errors
// are [*Error] values with the code RFC 6749 §5.2 and §6.3 give:
// invalid_request for a missing, repeated, oversized or malformed parameter
// (and for tx_code with another grant), unsupported_grant_type for any grant
// but the Pre-Authorized Code, invalid_authorization_details (RFC 9396 §5)
// for bad authorization_details. Whether a tx_code was expected is the
// issuer's check. Limits.MaxBytes bounds the sum of the values read.
func ParseTokenRequest(form url.Values, l Limits) (*TokenRequest, error) {
	l = l.withDefaults()
	total := 0
	for _, name := range tokenRequestParams {
		vs := form[name]
		if len(vs) > 1 {
			return nil, WrapError(CodeInvalidRequest, ErrDuplicate, name+" is repeated")
		}
		if len(vs) == 1 {
			total += len(vs[0])
		}
	}
	if total > l.MaxBytes {
		return nil, WrapError(CodeInvalidRequest, ErrTooLarge, "request is too large")
	}
	// RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
	r := &TokenRequest{
		GrantType:         form.Get("grant_type"),
		PreAuthorizedCode: form.Get("pre-authorized_code"),
		TxCode:            form.Get("tx_code"),
		ClientID:          form.Get("client_id"),
	}
	switch r.GrantType {
	case "":
		return nil, NewError(CodeInvalidRequest, "grant_type is missing")
	case GrantTypePreAuthorizedCode:
	default:
		return nil, NewError(CodeUnsupportedGrantType, "grant_type "+printable(r.GrantType, 64)+" is not supported")
	}
	if r.PreAuthorizedCode == "" {
		return nil, NewError(CodeInvalidRequest, "pre-authorized_code is missing")
	}
	for _, p := range []struct{ name, value string }{
		{"pre-authorized_code", r.PreAuthorizedCode}, {"tx_code", r.TxCode}, {"client_id", r.ClientID},
	} {
		if len(p.value) > l.MaxStringBytes {
			return nil, WrapError(CodeInvalidRequest, ErrTooLarge, p.name+" is too long")
		}
	}
	if ad := form.Get("authorization_details"); ad != "" {
		if err := checkJSON([]byte(ad), l); err != nil {
			return nil, WrapError(CodeInvalidAuthorizationDetails, err, "authorization_details is not valid JSON within limits")
		}
		details, err := parseAuthorizationDetails(json.RawMessage(ad), false, l)
		if err != nil {
			return nil, WrapError(CodeInvalidAuthorizationDetails, err, SanitizeDescription(err.Error()))
		}
		r.AuthorizationDetails = details
	}
	return r, nil
}

// Form returns the request as form values, as a wallet sends it.
func (r *TokenRequest) Form() (url.Values, error) {
	v := url.Values{}
	v.Set("grant_type", r.GrantType)
	v.Set("pre-authorized_code", r.PreAuthorizedCode)
	if r.TxCode != "" {
		v.Set("tx_code", r.TxCode)
	}
	if r.ClientID != "" {
		v.Set("client_id", r.ClientID)
	}
	if len(r.AuthorizationDetails) > 0 {
		b, err := json.Marshal(r.AuthorizationDetails)
		if err != nil {
			return nil, fmt.Errorf("oid4vci: authorization_details: %w", err)
		}
		v.Set("authorization_details", string(b))
	}
	return v, nil
}

// ErrInvalidTokenResponse is wrapped by every error about a Token Response.
var ErrInvalidTokenResponse = errors.New("oid4vci: invalid token response")

// TokenResponse is a successful Token Response (§6.2, RFC 6749 §5.1).
// OpenID4VCI 1.0 has no c_nonce here: nonces come from the Nonce Endpoint (§7).
type TokenResponse struct {
	// AccessToken is REQUIRED.
	AccessToken string `json:"access_token"`
	// TokenType is Bearer or DPoP (RFC 6749 §7.1, RFC 9449 §5). REQUIRED.
	TokenType string `json:"token_type"`
	// ExpiresIn is the lifetime in seconds; RECOMMENDED (RFC 6749 §5.1).
	ExpiresIn int64 `json:"expires_in,omitempty"`
	// Scope is the granted scope, when it differs from the request. OPTIONAL.
	Scope string `json:"scope,omitempty"`
	// AuthorizationDetails carries credential_identifiers (§6.2); REQUIRED
	// when authorization_details was used in the request.
	AuthorizationDetails []AuthorizationDetail `json:"authorization_details,omitempty"`
}

// Validate checks the response as §6.2 and RFC 6749 §5.1 define it.
func (r *TokenResponse) Validate() error {
	return r.validate(Limits{}.withDefaults())
}

func (r *TokenResponse) validate(l Limits) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidTokenResponse, fmt.Sprintf(format, args...))
	}
	if r.AccessToken == "" {
		return bad("access_token is missing")
	}
	// RFC 6749 §5.1: the token_type value is case insensitive.
	if !strings.EqualFold(r.TokenType, TokenTypeBearer) && !strings.EqualFold(r.TokenType, TokenTypeDPoP) {
		return bad("token_type %q is neither Bearer nor DPoP", r.TokenType)
	}
	if r.ExpiresIn < 0 {
		return bad("expires_in is negative")
	}
	for i := range r.AuthorizationDetails {
		if err := r.AuthorizationDetails[i].validate(true, l); err != nil {
			return bad("authorization_details[%d]: %v", i, err)
		}
	}
	return nil
}

// ParseTokenResponse reads a Token Response body, as a wallet receives it.
// Unrecognised members are ignored (§6.2).
func ParseTokenResponse(data []byte, l Limits) (*TokenResponse, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTokenResponse, err)
	}
	r := &TokenResponse{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"access_token", &r.AccessToken}, {"token_type", &r.TokenType}, {"scope", &r.Scope}} {
		if err := m.str(f.name, f.dst); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTokenResponse, err)
		}
	}
	if err := m.integer("expires_in", &r.ExpiresIn); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTokenResponse, err)
	}
	if m.present("authorization_details") {
		d, err := parseAuthorizationDetails(m["authorization_details"], true, l)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidTokenResponse, err)
		}
		r.AuthorizationDetails = d
	}
	if err := r.validate(l); err != nil {
		return nil, err
	}
	return r, nil
}

// printable quotes at most n bytes of s with only description-safe characters.
func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return "'" + SanitizeDescription(s) + "'"
}
