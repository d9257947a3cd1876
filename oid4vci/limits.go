package oid4vci

import "errors"

// Limits bounds what a parser accepts. A zero field takes its default.
type Limits struct {
	// MaxBytes bounds a JSON body, a form body or an offer link. Default 256 KiB.
	MaxBytes int
	// MaxDepth bounds JSON nesting. Default 16.
	MaxDepth int
	// MaxItems bounds every JSON array and object, and the number of
	// credential_configuration_ids in an offer. Default 100.
	MaxItems int
	// MaxStringBytes bounds identifiers, codes and other short strings
	// (not proofs or credentials). Default 2048.
	MaxStringBytes int
	// MaxBatchSize bounds the number of proofs in a Credential Request; set
	// it to the batch_size the issuer publishes (§12.2.4), or 1 when it
	// offers no batch issuance. Default 1.
	MaxBatchSize int
}

// Default limits.
const (
	DefaultMaxBytes       = 256 << 10
	DefaultMaxDepth       = 16
	DefaultMaxItems       = 100
	DefaultMaxStringBytes = 2048
	DefaultMaxBatchSize   = 1
)

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = DefaultMaxStringBytes
	}
	if l.MaxBatchSize <= 0 {
		l.MaxBatchSize = DefaultMaxBatchSize
	}
	return l
}

// Sentinel causes wrapped by parse errors, for callers that want to tell a
// limit from a malformed message (for example to answer 413).
var (
	// ErrTooLarge: the input exceeds Limits.MaxBytes.
	ErrTooLarge = errors.New("input exceeds the size limit")
	// ErrTooDeep: JSON nesting exceeds Limits.MaxDepth.
	ErrTooDeep = errors.New("JSON nesting exceeds the depth limit")
	// ErrTooMany: an array, object or form exceeds Limits.MaxItems or MaxBatchSize.
	ErrTooMany = errors.New("too many items")
	// ErrDuplicate: a JSON member or form parameter appears twice.
	ErrDuplicate = errors.New("repeated parameter")
	// ErrMalformed: the input is not the JSON or form it should be.
	ErrMalformed = errors.New("malformed input")
)
