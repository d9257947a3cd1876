package config

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax marks a configuration document that is not valid YAML for
	// this schema: bad syntax, an unknown key, a value of the wrong type,
	// a document over MaxDocumentSize.
	ErrSyntax = errors.New("config: cannot parse")
	// ErrInvalid marks a configuration that parses but breaks a rule of
	// Validate. Every such error is a *FieldError.
	ErrInvalid = errors.New("config: invalid")
	// ErrNoRequestEncryptionKey is returned by Config.WellKnown when request
	// encryption is enabled and no key was given to publish.
	ErrNoRequestEncryptionKey = errors.New("config: request encryption enabled but no key given")
)

// FieldError names the YAML path of an invalid value and why it is invalid.
// It wraps ErrInvalid.
type FieldError struct {
	Path   string // e.g. "credential_configurations.aadhaar_mdoc.claims[2].path"
	Reason string
}

func (e *FieldError) Error() string { return "config: " + e.Path + ": " + e.Reason }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// problems collects FieldErrors in the order they are found.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }
