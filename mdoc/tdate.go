package mdoc

import (
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// tdateLayout is the only tdate form issued and accepted: RFC 3339 in UTC
// ("Z") without fractional seconds (ISO/IEC 18013-5 §9.1.2.4).
const tdateLayout = "2006-01-02T15:04:05Z"

// tdate is a time encoded as 0("YYYY-MM-DDThh:mm:ssZ").
type tdate time.Time

// MarshalCBOR refuses times with fractional seconds; callers truncate first.
func (t tdate) MarshalCBOR() ([]byte, error) {
	tt := time.Time(t).UTC()
	if tt.Nanosecond() != 0 {
		return nil, fmt.Errorf("%w: tdate %s has fractional seconds", ErrInvalidInput, tt.Format(time.RFC3339Nano))
	}
	out := make([]byte, 0, 2+len(tdateLayout))
	out = appendHead(out, 6, tagTDate)
	return tt.AppendFormat(appendHead(out, 3, uint64(len(tdateLayout))), tdateLayout), nil
}

// parseTDate decodes raw as a tdate: tag 0 around an RFC 3339 string in UTC
// without fractional seconds.
func parseTDate(raw []byte, what string) (time.Time, error) {
	if err := requireTag(raw, tagTDate, what); err != nil {
		return time.Time{}, err
	}
	var t cbor.RawTag
	if err := unmarshal(raw, &t, what); err != nil {
		return time.Time{}, err
	}
	if t.Number != tagTDate {
		return time.Time{}, fmt.Errorf("%w: %s: tag %d, want 0 (tdate)", ErrWrongTag, what, t.Number)
	}
	var s string
	if err := unmarshal(t.Content, &s, what); err != nil {
		return time.Time{}, err
	}
	// time.Parse would also accept fractional seconds, so the length is
	// checked first: exactly "YYYY-MM-DDThh:mm:ssZ".
	tt, err := time.Parse(tdateLayout, s)
	if err != nil || len(s) != len(tdateLayout) {
		return time.Time{}, fmt.Errorf("%w: %s: %q is not YYYY-MM-DDThh:mm:ssZ (ISO 18013-5 §9.1.2.4: UTC, no fractional seconds)", ErrMalformed, what, s)
	}
	return tt, nil
}
