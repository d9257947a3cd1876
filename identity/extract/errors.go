package extract

import (
	"errors"
	"fmt"
)

// The sentinel errors. Errors returned by this package wrap one of them and
// add the doctype, the configuration key or the byte offset concerned; no
// error message quotes a value from a document.
var (
	// ErrConfig marks a configuration that cannot be parsed or breaks a
	// rule of Config.Validate. Validation problems are *ConfigError values.
	ErrConfig = errors.New("invalid configuration")
	// ErrUnknownDoctype is returned by Extractor.Document for a doctype the
	// configuration does not define.
	ErrUnknownDoctype = errors.New("doctype not configured")
	// ErrMalformed marks a document that is empty, not well-formed XML, or
	// not a PDF this package can read.
	ErrMalformed = errors.New("malformed document")
	// ErrDTD marks an XML document carrying a DTD, an entity declaration or
	// any other <!...> declaration. Such documents are refused, never
	// expanded.
	ErrDTD = errors.New("DTDs and entity declarations are refused")
	// ErrLimit marks a document over one of the package's size, depth,
	// count or decompression limits (see the Max* constants).
	ErrLimit = errors.New("document over a limit")
)

// ConfigError names the configuration key of an invalid value, for example
// "doctypes.HSCER.fields.dob.transform", and why it is invalid. It wraps
// ErrConfig.
type ConfigError struct {
	Key    string
	Reason string
}

func (e *ConfigError) Error() string { return "extract: config " + e.Key + ": " + e.Reason }

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// problems collects ConfigErrors in the order they are found.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, &ConfigError{Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return errors.Join(p...) }

// inputError wraps kind (ErrMalformed, ErrDTD or ErrLimit) with a
// description that must not quote document content.
func inputError(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
