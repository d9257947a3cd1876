package wellknown

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig marks a Config that cannot produce valid metadata.
	ErrInvalidConfig = errors.New("wellknown: invalid configuration")
	// ErrInvalidKey marks a key that cannot be published or used for signing.
	ErrInvalidKey = errors.New("wellknown: invalid key")
	// ErrMalformed marks a metadata document that does not parse or breaks a
	// rule of the specification.
	ErrMalformed = errors.New("wellknown: malformed metadata")
	// ErrAcceptLanguage marks an Accept-Language header that does not follow
	// RFC 9110 Section 12.5.4 or exceeds the parser's limits.
	ErrAcceptLanguage = errors.New("wellknown: malformed Accept-Language")
	// ErrSigning marks a failure to produce signed metadata.
	ErrSigning = errors.New("wellknown: signing metadata")
)

// ConfigError names the Config field that is wrong and why. It wraps
// ErrInvalidConfig, so errors.Is(err, ErrInvalidConfig) holds.
type ConfigError struct {
	Field  string // e.g. "Configurations[1].Claims[0].Path"
	Reason string
	Err    error // an underlying cause, or nil
}

func (e *ConfigError) Error() string {
	msg := fmt.Sprintf("%v: %s: %s", ErrInvalidConfig, e.Field, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ErrInvalidConfig and the underlying cause.
func (e *ConfigError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidConfig, e.Err}
	}
	return []error{ErrInvalidConfig}
}

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
