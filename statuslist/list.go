package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// Status is a status value ("Status Types Values").
type Status uint8

// Status values of "Status Types Values"; 0x03 and 0x0C–0x0F are application
// specific and treated as not valid here.
const (
	Valid     Status = 0x00
	Invalid   Status = 0x01
	Suspended Status = 0x02
)

func (s Status) String() string {
	switch s {
	case Valid:
		return "VALID"
	case Invalid:
		return "INVALID"
	case Suspended:
		return "SUSPENDED"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// ErrMalformed is wrapped by every refusal of a list or token.
var ErrMalformed = errors.New("statuslist: malformed")

// List is a decoded status list.
type List struct {
	bits int
	data []byte
}

// Decode decodes a status_list object's members ("Status List in JSON Format"): bits is 1,
// 2, 4 or 8 and lst the base64url of the ZLIB (RFC 1950) compressed
// bytes. maxBytes bounds the decompressed list.
func Decode(bits int, lst string, maxBytes int) (*List, error) {
	switch bits {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("%w: bits must be 1, 2, 4 or 8, not %d", ErrMalformed, bits)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not base64url", ErrMalformed)
	}
	return decodeRaw(bits, z, maxBytes)
}

// decodeRaw decodes the compressed bytes of a list (a CWT's lst, or a
// JWT's lst once base64url-decoded).
func decodeRaw(bits int, z []byte, maxBytes int) (*List, error) {
	switch bits {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("%w: bits must be 1, 2, 4 or 8, not %d", ErrMalformed, bits)
	}
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not ZLIB: %v", ErrMalformed, err)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %v", ErrMalformed, err)
	}
	if len(data) > maxBytes {
		return nil, fmt.Errorf("%w: the list decompresses to more than %d bytes", ErrMalformed, maxBytes)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty list", ErrMalformed)
	}
	return &List{bits: bits, data: data}, nil
}

// Len is the number of statuses the list holds.
func (l *List) Len() int { return len(l.data) * 8 / l.bits }

// Get returns the status at idx ("Status List": the status of index i is in
// byte i*bits/8, from its least significant bit at (i*bits)%8).
func (l *List) Get(idx int) (Status, error) {
	if idx < 0 || idx >= l.Len() {
		return 0, fmt.Errorf("%w: index %d is outside the list of %d", ErrMalformed, idx, l.Len())
	}
	b := l.data[idx*l.bits/8]
	return Status(b>>((idx*l.bits)%8)) & Status(1<<l.bits-1), nil
}
