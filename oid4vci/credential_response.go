package oid4vci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrInvalidCredentialResponse is wrapped by every error about a Credential
// or Deferred Credential Response.
var ErrInvalidCredentialResponse = errors.New("oid4vci: invalid credential response")

// CredentialResponse is a Credential Response (§8.3) or Deferred Credential
// Response (§9.2): either Credentials (HTTP 200) or TransactionID with
// Interval (HTTP 202).
type CredentialResponse struct {
	// Credentials holds the issued credentials, at most one per proof.
	Credentials []IssuedCredential `json:"credentials,omitempty"`
	// TransactionID identifies a deferred issuance (§9).
	TransactionID string `json:"transaction_id,omitempty"`
	// Interval is the minimum wait in seconds before polling; REQUIRED with
	// TransactionID, forbidden with Credentials.
	Interval int64 `json:"interval,omitempty"`
	// NotificationID is used with the Notification Endpoint (§11); only
	// with Credentials.
	NotificationID string `json:"notification_id,omitempty"`
}

// IssuedCredential is one entry of credentials (§8.3): a string (SD-JWT VC,
// base64url mdoc) or an object (ldp_vc), kept as raw JSON.
type IssuedCredential struct {
	Credential json.RawMessage `json:"credential"`
}

// StringCredential returns an entry holding the string s, as dc+sd-jwt
// and mso_mdoc credentials are sent (Appendix A.2.4, A.3.4).
func StringCredential(s string) IssuedCredential {
	b, _ := json.Marshal(s) // marshalling a string cannot fail
	return IssuedCredential{Credential: b}
}

// String returns the credential when it is a JSON string.
func (c IssuedCredential) String() (string, bool) {
	var s string
	if err := json.Unmarshal(c.Credential, &s); err != nil {
		return "", false
	}
	return s, true
}

// StatusCode is 200 for issued credentials and 202 for a deferred
// issuance (§8.3, §9.2).
func (r *CredentialResponse) StatusCode() int {
	if r.TransactionID != "" {
		return http.StatusAccepted
	}
	return http.StatusOK
}

// Validate checks the mutual rules of §8.3: credentials XOR transaction_id,
// interval positive with and only with transaction_id, notification_id only
// with credentials, every credential a non-empty string or an object.
func (r *CredentialResponse) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidCredentialResponse, fmt.Sprintf(format, args...))
	}
	switch {
	case len(r.Credentials) > 0 && r.TransactionID != "":
		return bad("credentials and transaction_id must not both be present")
	case len(r.Credentials) == 0 && r.TransactionID == "":
		return bad("one of credentials and transaction_id is required")
	case r.TransactionID != "" && r.Interval <= 0:
		return bad("interval must be a positive number with transaction_id")
	case len(r.Credentials) > 0 && r.Interval != 0:
		return bad("interval must not be used with credentials")
	case r.NotificationID != "" && len(r.Credentials) == 0:
		return bad("notification_id must not be used without credentials")
	}
	for i, c := range r.Credentials {
		raw := bytes.TrimSpace(c.Credential)
		switch {
		case len(raw) > 0 && raw[0] == '{':
		case len(raw) > 0 && raw[0] == '"':
			if s, ok := c.String(); !ok || s == "" {
				return bad("credentials[%d].credential is an empty or invalid string", i)
			}
		default:
			return bad("credentials[%d].credential must be a string or an object", i)
		}
	}
	return nil
}

// ParseCredentialResponse reads an unencrypted Credential or Deferred
// Credential Response body, as a wallet receives it. Unrecognised members
// are ignored (§8.3, §9.2).
func ParseCredentialResponse(data []byte, l Limits) (*CredentialResponse, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialResponse, err)
	}
	r := &CredentialResponse{}
	if err := m.str("transaction_id", &r.TransactionID); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialResponse, err)
	}
	if err := m.str("notification_id", &r.NotificationID); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialResponse, err)
	}
	if err := m.integer("interval", &r.Interval); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentialResponse, err)
	}
	if m.present("interval") && r.Interval <= 0 {
		return nil, fmt.Errorf("%w: interval must be a positive number", ErrInvalidCredentialResponse)
	}
	if m.present("credentials") {
		var items []json.RawMessage
		if err := json.Unmarshal(m["credentials"], &items); err != nil {
			return nil, fmt.Errorf("%w: credentials must be an array", ErrInvalidCredentialResponse)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("%w: credentials is empty", ErrInvalidCredentialResponse)
		}
		for i, it := range items {
			cm, err := asObject(it)
			if err != nil {
				return nil, fmt.Errorf("%w: credentials[%d] must be an object", ErrInvalidCredentialResponse, i)
			}
			if !cm.present("credential") {
				return nil, fmt.Errorf("%w: credentials[%d].credential is missing", ErrInvalidCredentialResponse, i)
			}
			r.Credentials = append(r.Credentials, IssuedCredential{Credential: bytes.TrimSpace(cm["credential"])})
		}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// DeferredCredentialRequest is a Deferred Credential Request (§9.1).
type DeferredCredentialRequest struct {
	// TransactionID is from the earlier 202 response. REQUIRED.
	TransactionID string `json:"transaction_id"`
	// CredentialResponseEncryption replaces the one of the first request
	// (§9.2). OPTIONAL.
	CredentialResponseEncryption *ResponseEncryption `json:"credential_response_encryption,omitempty"`
}

// ParseDeferredCredentialRequest reads an unencrypted Deferred Credential
// Request body (§9.1). Errors are [*Error] values: invalid_credential_request
// for a malformed body or missing transaction_id (§9.3 refers to §8.3.1.2),
// invalid_encryption_parameters for a bad credential_response_encryption.
// Whether the transaction_id is known (invalid_transaction_id) is the
// issuer's check.
func ParseDeferredCredentialRequest(data []byte, l Limits) (*DeferredCredentialRequest, error) {
	l = l.withDefaults()
	m, err := decodeObject(data, l)
	if err != nil {
		return nil, WrapError(CodeInvalidCredentialRequest, err, describe(err))
	}
	r := &DeferredCredentialRequest{}
	if err := m.str("transaction_id", &r.TransactionID); err != nil {
		return nil, WrapError(CodeInvalidCredentialRequest, err, describe(err))
	}
	if r.TransactionID == "" {
		return nil, NewError(CodeInvalidCredentialRequest, "transaction_id is missing")
	}
	if len(r.TransactionID) > l.MaxStringBytes {
		return nil, NewError(CodeInvalidTransactionID, "transaction_id is too long")
	}
	if m.present("credential_response_encryption") {
		enc, err := parseEncryptionMember(m)
		if err != nil {
			return nil, err
		}
		r.CredentialResponseEncryption = enc
	}
	return r, nil
}
