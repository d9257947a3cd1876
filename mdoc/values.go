package mdoc

import (
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// prepareValue readies an element value for encoding: time.Time values (at
// any depth of map[string]any / []any) become tdates in UTC truncated to the
// second, so they encode as 0("…Z").
func prepareValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return tdate(x.UTC().Truncate(time.Second))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = prepareValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = prepareValue(e)
		}
		return out
	}
	return v
}

// decodeValue decodes an elementValue into plain Go values that print well as
// JSON: maps with text keys become map[string]any, 1004 full-dates become
// FullDate, tag-0/1 dates time.Time (UTC), byte strings []byte.
func decodeValue(raw []byte, what string) (any, error) {
	var v any
	if err := unmarshal(raw, &v, what); err != nil {
		return nil, err
	}
	return plainValue(v, what)
}

func plainValue(v any, what string) (any, error) {
	switch x := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			key, ok := k.(string)
			if !ok {
				key = fmt.Sprint(k)
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("%w: %s: map keys %q collide as text", ErrMalformed, what, key)
			}
			pe, err := plainValue(e, what)
			if err != nil {
				return nil, err
			}
			out[key] = pe
		}
		return out, nil
	case []any:
		for i, e := range x {
			pe, err := plainValue(e, what)
			if err != nil {
				return nil, err
			}
			x[i] = pe
		}
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case cbor.Tag:
		if x.Number == tagFullDate {
			s, ok := x.Content.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s: tag 1004 content is not a text string", ErrWrongTag, what)
			}
			d := FullDate(s)
			if _, err := d.Time(); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			return d, nil
		}
		c, err := plainValue(x.Content, what)
		if err != nil {
			return nil, err
		}
		return cbor.Tag{Number: x.Number, Content: c}, nil
	}
	return v, nil
}
