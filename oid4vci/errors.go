package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrorCode is the value of the "error" member of an error response. It
// implements error so that errors.Is(err, CodeInvalidProof) matches any
// [*Error] carrying that code; a constant cannot be mutated by a caller.
type ErrorCode string

// Error returns the code itself.
func (c ErrorCode) Error() string { return string(c) }

// Token Endpoint errors (§6.3, RFC 6749 §5.2).
const (
	// CodeInvalidRequest: missing, repeated or malformed parameter; also a
	// tx_code sent when none is expected or missing when one is (§6.3).
	CodeInvalidRequest ErrorCode = "invalid_request"
	// CodeInvalidClient: client authentication failed, or a Pre-Authorized
	// Code sent without client_id where anonymous access is not supported
	// (§6.3). HTTP 401 (RFC 6749 §5.2).
	CodeInvalidClient ErrorCode = "invalid_client"
	// CodeInvalidGrant: wrong, expired or used Pre-Authorized Code, or a wrong
	// Transaction Code (§6.3).
	CodeInvalidGrant ErrorCode = "invalid_grant"
	// CodeUnauthorizedClient: the client may not use this grant type (RFC 6749 §5.2).
	CodeUnauthorizedClient ErrorCode = "unauthorized_client"
	// CodeUnsupportedGrantType: the grant type is not supported (RFC 6749 §5.2).
	CodeUnsupportedGrantType ErrorCode = "unsupported_grant_type"
	// CodeInvalidScope: the requested scope is invalid or unknown (RFC 6749 §5.2).
	CodeInvalidScope ErrorCode = "invalid_scope"
	// CodeInvalidAuthorizationDetails: authorization_details is malformed or
	// names an unknown type or configuration (RFC 9396 §5).
	CodeInvalidAuthorizationDetails ErrorCode = "invalid_authorization_details"
	// CodeUseDPoPNonce: the server requires a DPoP nonce in the proof (RFC 9449 §8).
	CodeUseDPoPNonce ErrorCode = "use_dpop_nonce"
	// CodeInvalidDPoPProof: the DPoP proof is invalid (RFC 9449 §5, §7.1).
	CodeInvalidDPoPProof ErrorCode = "invalid_dpop_proof"
)

// Protected resource errors at the Credential, Deferred Credential and
// Notification endpoints (§8.3.1.1, §11.3; RFC 6750 §3.1).
const (
	// CodeInvalidToken: the access token is missing, expired, revoked or
	// malformed. HTTP 401 (RFC 6750 §3.1).
	CodeInvalidToken ErrorCode = "invalid_token"
	// CodeInsufficientScope: the access token does not cover the request.
	// HTTP 403 (RFC 6750 §3.1).
	CodeInsufficientScope ErrorCode = "insufficient_scope"
)

// Credential Endpoint errors (§8.3.1.2).
const (
	// CodeInvalidCredentialRequest: a required parameter is missing, a
	// parameter or value is unsupported or repeated, or the request is
	// otherwise malformed.
	CodeInvalidCredentialRequest ErrorCode = "invalid_credential_request"
	// CodeUnknownCredentialConfiguration: the requested Credential
	// Configuration is unknown.
	CodeUnknownCredentialConfiguration ErrorCode = "unknown_credential_configuration"
	// CodeUnknownCredentialIdentifier: the requested Credential identifier is unknown.
	CodeUnknownCredentialIdentifier ErrorCode = "unknown_credential_identifier"
	// CodeInvalidProof: proofs is missing, a key proof is invalid, or a key
	// proof has no c_nonce.
	CodeInvalidProof ErrorCode = "invalid_proof"
	// CodeInvalidNonce: a key proof carries an invalid c_nonce; the wallet
	// should fetch a new one.
	CodeInvalidNonce ErrorCode = "invalid_nonce"
	// CodeInvalidEncryptionParameters: the encryption parameters are invalid,
	// or missing while the issuer requires an encrypted response.
	CodeInvalidEncryptionParameters ErrorCode = "invalid_encryption_parameters"
	// CodeCredentialRequestDenied: the request was not accepted; the wallet
	// should treat this as unrecoverable (also §9.3 for deferred issuance).
	CodeCredentialRequestDenied ErrorCode = "credential_request_denied"
)

// Deferred Credential Endpoint errors (§9.3). OpenID4VCI 1.0 has no
// issuance_pending error: a pending issuance is a 202 response carrying
// transaction_id and interval (§9.2).
const (
	// CodeInvalidTransactionID: the transaction_id was not issued by this
	// issuer or was already used.
	CodeInvalidTransactionID ErrorCode = "invalid_transaction_id"
)

// Notification Endpoint errors (§11.3).
const (
	// CodeInvalidNotificationID: the notification_id is invalid.
	CodeInvalidNotificationID ErrorCode = "invalid_notification_id"
	// CodeInvalidNotificationRequest: a required parameter is missing, a
	// parameter or value is unsupported or repeated, or the request is
	// otherwise malformed.
	CodeInvalidNotificationRequest ErrorCode = "invalid_notification_request"
)

// DefaultStatus is the HTTP status the specifications give for the code:
// 401 for invalid_client (RFC 6749 §5.2) and invalid_token (RFC 6750 §3.1),
// 403 for insufficient_scope (RFC 6750 §3.1), 400 for every other code
// (RFC 6749 §5.2, §8.3.1.2, §9.3, §11.3). RFC 9449 §7.1 and §9 make
// use_dpop_nonce and invalid_dpop_proof a 401 at a protected resource; use
// [*Error.WithStatus] there.
func (c ErrorCode) DefaultStatus() int {
	switch c {
	case CodeInvalidClient, CodeInvalidToken:
		return http.StatusUnauthorized
	case CodeInsufficientScope:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

// Error is an error response of an OpenID4VCI or OAuth endpoint. Build it
// with NewError, Errorf or WrapError; each call returns a fresh value.
type Error struct {
	// Code is the "error" member.
	Code ErrorCode
	// Description is the "error_description" member; when it is sent, only
	// characters %x20-21 / %x23-5B / %x5D-7E are kept (RFC 6749 §5.2, §8.3.1.2).
	Description string
	// Status is the HTTP status; zero means Code.DefaultStatus().
	Status int

	cause error
}

// NewError returns an error response with the code's default status.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description}
}

// Errorf returns an error response whose description is formatted.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// WrapError returns an error response that wraps cause, so that errors.Is
// and errors.As also see the cause. The cause's text is not sent to the
// client; only description is.
func WrapError(code ErrorCode, cause error, description string) *Error {
	return &Error{Code: code, Description: description, cause: cause}
}

// Error returns "code: description", followed by the cause when there is one.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	// Skip a cause the description already repeats.
	if e.cause != nil && !strings.HasSuffix(e.Description, SanitizeDescription(e.cause.Error())) {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the cause given to WrapError.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the same code, given as an ErrorCode or an *Error.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.Code == t
	case *Error:
		return t != nil && e.Code == t.Code
	}
	return false
}

// StatusCode returns Status, or the code's default status when Status is zero.
func (e *Error) StatusCode() int {
	if e.Status != 0 {
		return e.Status
	}
	return e.Code.DefaultStatus()
}

// WithStatus returns a copy of e with the given HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// errorBody is the JSON form of an error response (RFC 6749 §5.2, §8.3.1.2).
type errorBody struct {
	Error       ErrorCode `json:"error"`
	Description string    `json:"error_description,omitempty"`
}

// MarshalJSON writes {"error": code, "error_description": text}, dropping
// from the description every character outside %x20-21 / %x23-5B / %x5D-7E
// (RFC 6749 §5.2, §8.3.1.2) so that the response is always valid.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorBody{Error: e.Code, Description: SanitizeDescription(e.Description)})
}

// ParseErrorResponse reads an error response body, as a wallet receives it.
func ParseErrorResponse(status int, body []byte) (*Error, error) {
	m, err := decodeObject(body, Limits{})
	if err != nil {
		return nil, fmt.Errorf("oid4vci: error response: %w", err)
	}
	var code, desc string
	if err := m.str("error", &code); err != nil {
		return nil, fmt.Errorf("oid4vci: error response: %w", err)
	}
	if code == "" {
		return nil, errors.New("oid4vci: error response: error is missing")
	}
	if err := m.str("error_description", &desc); err != nil {
		return nil, fmt.Errorf("oid4vci: error response: %w", err)
	}
	return &Error{Code: ErrorCode(code), Description: desc, Status: status}, nil
}
