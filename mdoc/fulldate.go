package mdoc

import (
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// FullDate is a calendar date without time of day, "YYYY-MM-DD" (RFC 3339
// full-date). It is encoded as CBOR tag 1004 (RFC 8943), as ISO/IEC 18013-5
// §7.2.1 requires for birth_date and the driving_privileges dates. It prints
// as the plain date string in JSON.
type FullDate string

// NewFullDate returns the FullDate of t's calendar date in t's location.
func NewFullDate(t time.Time) FullDate { return FullDate(t.Format(time.DateOnly)) }

// Time returns the date at midnight UTC, or an error if d is not a valid date.
func (d FullDate) Time() (time.Time, error) {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil || len(d) != len(time.DateOnly) {
		return time.Time{}, fmt.Errorf("%w: full-date %q is not YYYY-MM-DD", ErrMalformed, string(d))
	}
	return t, nil
}

// MarshalCBOR encodes d as 1004("YYYY-MM-DD") after checking it is a date.
func (d FullDate) MarshalCBOR() ([]byte, error) {
	if _, err := d.Time(); err != nil {
		return nil, err
	}
	out := appendHead(make([]byte, 0, 4+len(d)), 6, tagFullDate)
	return appendText(out, string(d)), nil
}

// UnmarshalCBOR accepts only 1004("YYYY-MM-DD").
func (d *FullDate) UnmarshalCBOR(data []byte) error {
	if err := requireTag(data, tagFullDate, "full-date"); err != nil {
		return err
	}
	var t cbor.RawTag
	if err := unmarshal(data, &t, "full-date"); err != nil {
		return err
	}
	if t.Number != tagFullDate {
		return fmt.Errorf("%w: full-date: tag %d, want 1004", ErrWrongTag, t.Number)
	}
	var s string
	if err := unmarshal(t.Content, &s, "full-date"); err != nil {
		return err
	}
	if _, err := FullDate(s).Time(); err != nil {
		return err
	}
	*d = FullDate(s)
	return nil
}
