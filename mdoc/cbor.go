package mdoc

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/fxamacker/cbor/v2"
)

// Limits applied to every CBOR input this package decodes.
const (
	// MaxInputSize is the largest IssuerSigned or DeviceResponse accepted.
	MaxInputSize = 4 << 20
	// MaxDepth is the deepest nesting of arrays, maps and tags accepted.
	MaxDepth = 16
	// MaxElements is the largest array or map (element or pair count) accepted.
	MaxElements = 4096
)

// CBOR tag numbers used by ISO/IEC 18013-5.
const (
	tagTDate       = 0    // RFC 8949 §3.4.1 date/time string (tdate)
	tagEncodedCBOR = 24   // RFC 8949 §3.4.5.1 embedded CBOR data item
	tagFullDate    = 1004 // RFC 8943 full-date string
)

var (
	// decMode is the one strict decoding mode: duplicate keys, indefinite
	// lengths and trailing bytes rejected, depth and size limited, field names
	// matched case-sensitively.
	decMode cbor.DecMode
	// closedDecMode is decMode that also rejects map keys the target struct
	// does not name, for structures whose CDDL is closed (IssuerSigned).
	closedDecMode cbor.DecMode
	// encMode is core deterministic encoding (RFC 8949 §4.2.1: sorted keys,
	// shortest form, definite lengths) with time.Time as tag 0 RFC 3339.
	encMode cbor.EncMode
)

func init() {
	var err error
	do := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		MaxNestedLevels:   MaxDepth,
		MaxArrayElements:  MaxElements,
		MaxMapPairs:       MaxElements,
		TagsMd:            cbor.TagsAllowed,
		UTF8:              cbor.UTF8RejectInvalid,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
		DefaultMapType:    reflect.TypeOf(map[any]any(nil)),
		TimeTagToAny:      cbor.TimeTagToTime,
	}
	decMode, err = do.DecMode()
	if err != nil {
		panic("mdoc: cbor decode options: " + err.Error()) // programming error, caught by any test
	}
	do.ExtraReturnErrors = cbor.ExtraDecErrorUnknownField
	closedDecMode, err = do.DecMode()
	if err != nil {
		panic("mdoc: cbor decode options: " + err.Error())
	}
	eo := cbor.CoreDetEncOptions()
	eo.Time = cbor.TimeRFC3339
	eo.TimeTag = cbor.EncTagRequired
	eo.IndefLength = cbor.IndefLengthForbidden
	encMode, err = eo.EncMode()
	if err != nil {
		panic("mdoc: cbor encode options: " + err.Error())
	}
}

// unmarshal decodes one complete data item (trailing bytes are an error) with
// the strict mode, naming what in the error.
func unmarshal(data []byte, v any, what string) error {
	return unmarshalWith(decMode, data, v, what)
}

// unmarshalClosed is unmarshal for a closed CDDL map: a key the struct
// does not name is an error, so that no field can be renamed or smuggled in
// unnoticed.
func unmarshalClosed(data []byte, v any, what string) error {
	return unmarshalWith(closedDecMode, data, v, what)
}

func unmarshalWith(dm cbor.DecMode, data []byte, v any, what string) error {
	if len(data) > MaxInputSize {
		return fmt.Errorf("%w: %s: %d bytes, limit %d", ErrTooLarge, what, len(data), MaxInputSize)
	}
	if err := dm.Unmarshal(data, v); err != nil {
		return cborError(what, err)
	}
	return nil
}

// wrapEncodedCBOR returns #6.24(bstr) around b: d8 18, a byte-string head,
// then b. Built by hand so the content is copied once.
func wrapEncodedCBOR(b []byte) []byte {
	out := make([]byte, 0, len(b)+11)
	out = append(out, 0xd8, tagEncodedCBOR)
	out = appendHead(out, 2, uint64(len(b)))
	return append(out, b...)
}

// appendHead appends a CBOR head of the given major type in shortest form.
func appendHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= 0xff:
		return append(dst, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, m|27), n)
	}
}

// unwrapEncodedCBOR checks that raw is exactly #6.24(bstr) and returns the
// embedded bytes (ISO 18013-5 §8.1: "#6.24(bstr .cbor X)").
func unwrapEncodedCBOR(raw []byte, what string) ([]byte, error) {
	if err := requireTag(raw, tagEncodedCBOR, what); err != nil {
		return nil, err
	}
	var t cbor.RawTag
	if err := unmarshal(raw, &t, what); err != nil {
		return nil, err
	}
	if t.Number != tagEncodedCBOR {
		return nil, fmt.Errorf("%w: %s: tag %d, want 24 (encoded CBOR)", ErrWrongTag, what, t.Number)
	}
	var inner []byte
	if err := unmarshal(t.Content, &inner, what+" (tag 24 content)"); err != nil {
		return nil, err
	}
	return inner, nil
}

// requireTag returns ErrWrongTag unless raw is a tagged data item (major
// type 6), so a missing tag is reported as such rather than as a type error.
func requireTag(raw []byte, num uint64, what string) error {
	if len(raw) == 0 || raw[0]>>5 != 6 {
		return fmt.Errorf("%w: %s: not tagged, want tag %d", ErrWrongTag, what, num)
	}
	return nil
}
