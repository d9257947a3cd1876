package mdoc

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (test with errors.Is) and names the namespace, element or field that
// failed.
var (
	// ErrMalformed: the input is not the CBOR structure ISO/IEC 18013-5 defines
	// (wrong type, missing field, bad length, trailing bytes, over a limit).
	ErrMalformed = errors.New("mdoc: malformed input")
	// ErrDuplicateKey: a CBOR map repeats a key (RFC 8949 §5.6 "valid" maps).
	ErrDuplicateKey = errors.New("mdoc: duplicate CBOR map key")
	// ErrIndefiniteLength: an indefinite-length item was found; 18013-5 §8.1
	// requires definite lengths.
	ErrIndefiniteLength = errors.New("mdoc: indefinite-length CBOR item")
	// ErrTooDeep: nesting deeper than MaxDepth.
	ErrTooDeep = errors.New("mdoc: CBOR nesting too deep")
	// ErrTooLarge: input bigger than MaxInputSize or a collection bigger than
	// MaxElements.
	ErrTooLarge = errors.New("mdoc: input too large")
	// ErrWrongTag: a tag is missing or is not the one the structure requires
	// (24 for embedded CBOR, 0 for tdate, 1004 for full-date).
	ErrWrongTag = errors.New("mdoc: wrong or missing CBOR tag")
	// ErrUnsupported: a well-formed but unsupported value (algorithm, curve,
	// version, critical header).
	ErrUnsupported = errors.New("mdoc: unsupported value")
	// ErrDigestMismatch: an element's digest is absent from the MSO or differs.
	ErrDigestMismatch = errors.New("mdoc: digest mismatch")
	// ErrSignature: the issuerAuth COSE_Sign1 signature does not verify.
	ErrSignature = errors.New("mdoc: invalid issuer signature")
	// ErrUntrustedChain: the document-signer certificate does not chain to a
	// trusted IACA root or violates the certificate profile.
	ErrUntrustedChain = errors.New("mdoc: untrusted certificate chain")
	// ErrNotYetValid: the MSO or a certificate is not valid yet at the
	// verification time.
	ErrNotYetValid = errors.New("mdoc: not yet valid")
	// ErrExpired: the MSO or a certificate has expired at the verification time.
	ErrExpired = errors.New("mdoc: expired")
	// ErrDocType: the document's docType differs from the MSO's.
	ErrDocType = errors.New("mdoc: docType mismatch")
	// ErrDeviceAuth: the device signature or MAC over DeviceAuthentication does
	// not verify.
	ErrDeviceAuth = errors.New("mdoc: device authentication failed")
	// ErrInvalidInput: the caller passed an unusable argument (issuing or
	// verifier configuration), not a property of received data.
	ErrInvalidInput = errors.New("mdoc: invalid argument")
)

// cborError maps a decoding error of the cbor library onto our sentinels,
// with what names the field being decoded.
func cborError(what string, err error) error {
	var (
		dup   *cbor.DupMapKeyError
		indef *cbor.IndefiniteLengthError
		deep  *cbor.MaxNestedLevelError
		arr   *cbor.MaxArrayElementsError
		pairs *cbor.MaxMapPairsError
		tag   *cbor.WrongTagError
		tagMd *cbor.TagsMdError
	)
	switch {
	case errors.As(err, &dup):
		return fmt.Errorf("%w: %s: %v", ErrDuplicateKey, what, err)
	case errors.As(err, &indef):
		return fmt.Errorf("%w: %s: %v", ErrIndefiniteLength, what, err)
	case errors.As(err, &deep):
		return fmt.Errorf("%w: %s: %v", ErrTooDeep, what, err)
	case errors.As(err, &arr), errors.As(err, &pairs):
		return fmt.Errorf("%w: %s: %v", ErrTooLarge, what, err)
	case errors.As(err, &tag), errors.As(err, &tagMd):
		return fmt.Errorf("%w: %s: %v", ErrWrongTag, what, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
}
