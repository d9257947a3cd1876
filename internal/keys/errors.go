package keys

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error of Open is a *FileError (naming the file and
// the fix) that wraps exactly one of the keystore sentinels; DataKey errors
// wrap one of the AEAD sentinels. Test with errors.Is.
var (
	// ErrUnreadable: a file or the directory could not be read or created.
	ErrUnreadable = errors.New("keys: file unreadable")
	// ErrMalformed: a file's content is not what it must hold (PEM type,
	// key type, curve, encoding, length, size limit).
	ErrMalformed = errors.New("keys: malformed file")
	// ErrPermissions: a private file is accessible to group or others, or is
	// not a regular file.
	ErrPermissions = errors.New("keys: insecure file permissions")
	// ErrKeyMismatch: a certificate does not certify the key stored beside it.
	ErrKeyMismatch = errors.New("keys: certificate does not match its key")
	// ErrChain: a certificate is not issued by the IACA, or the IACA is not a
	// valid self-signed CA certificate.
	ErrChain = errors.New("keys: certificate not issued by the IACA")
	// ErrValidity: a certificate is expired or not yet valid at the clock's
	// time.
	ErrValidity = errors.New("keys: certificate outside its validity period")
	// ErrIncomplete: one half of a key/certificate pair is missing, or a
	// certificate exists while the IACA that issued it is missing.
	ErrIncomplete = errors.New("keys: incomplete key material")
	// ErrExists: a file appeared while Open was creating it (another process
	// initialising the same directory); it is never overwritten.
	ErrExists = errors.New("keys: file created concurrently")
	// ErrAdminToken: an admin token (file or environment) is too short, too
	// long or not an RFC 6750 §2.1 b64token.
	ErrAdminToken = errors.New("keys: invalid admin token")
	// ErrOptions: Open was given unusable options.
	ErrOptions = errors.New("keys: invalid options")
)

// AEAD sentinels of DataKey.
var (
	// ErrAADRequired: Seal or Open was called without associated data.
	ErrAADRequired = errors.New("keys: associated data is required")
	// ErrSealedFormat: sealed bytes are too short, too long, or carry an
	// unknown format version.
	ErrSealedFormat = errors.New("keys: malformed sealed data")
	// ErrDecrypt: authentication failed (wrong key, wrong associated data or
	// altered bytes).
	ErrDecrypt = errors.New("keys: decryption failed")
	// ErrDataKey: a data key is not 32 bytes.
	ErrDataKey = errors.New("keys: invalid data key")
)

// FileError is the error of Open for one file (or the directory): what is
// wrong with it and how an operator fixes it. It wraps one of the sentinels.
type FileError struct {
	// Path is the file or directory concerned.
	Path string
	// Err is the sentinel, possibly wrapping the underlying cause.
	Err error
	// Detail says what is wrong, without any secret.
	Detail string
	// Fix tells the operator what to do; empty when there is nothing
	// specific to say.
	Fix string
}

func (e *FileError) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Path, e.Err.Error())
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Fix != "" {
		msg += " (fix: " + e.Fix + ")"
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(path string, sentinel error, fix, format string, args ...any) *FileError {
	return &FileError{Path: path, Err: sentinel, Detail: fmt.Sprintf(format, args...), Fix: fix}
}
