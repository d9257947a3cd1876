package esignet

import (
	"errors"
	"fmt"
)

// The sentinels; every error of the package wraps one (test with
// errors.Is) and says which check failed.
var (
	// ErrConfig marks a caller mistake.
	ErrConfig = errors.New("esignet: configuration")
	// ErrUnavailable marks a provider that did not answer, answered 5xx,
	// or whose discovery document or JWKS could not be had.
	ErrUnavailable = errors.New("esignet: provider unavailable")
	// ErrProtocol marks an answer that breaks the protocol: a discovery
	// document for another issuer, a malformed response, a missing iss
	// parameter, an unexpected token type.
	ErrProtocol = errors.New("esignet: protocol violation")
	// ErrState marks a callback whose state is not the pending one.
	ErrState = errors.New("esignet: state mismatch")
	// ErrAccessDenied marks a citizen who refused consent (access_denied).
	ErrAccessDenied = errors.New("esignet: access denied")
	// ErrInvalidClient marks a provider that refused our client
	// authentication (invalid_client).
	ErrInvalidClient = errors.New("esignet: client authentication refused")
	// ErrRefused marks another error answer of the provider.
	ErrRefused = errors.New("esignet: refused by the provider")
	// ErrIDToken marks an ID token that does not validate.
	ErrIDToken = errors.New("esignet: ID token refused")
	// ErrUserinfo marks a userinfo response that does not validate.
	ErrUserinfo = errors.New("esignet: userinfo refused")
)

// ProviderError is an error answer of the provider (RFC 6749 Section
// 5.2): it wraps ErrAccessDenied, ErrInvalidClient or ErrRefused.
type ProviderError struct {
	Endpoint    string
	Status      int
	Code        string
	Description string
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("esignet: %s answered %d %.60s: %.200s", e.Endpoint, e.Status, e.Code, e.Description)
}

func (e *ProviderError) Unwrap() error {
	switch e.Code {
	case "access_denied":
		return ErrAccessDenied
	case "invalid_client":
		return ErrInvalidClient
	}
	return ErrRefused
}

func errf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
