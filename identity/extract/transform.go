package extract

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Transform names a conversion applied to a field's trimmed value.
type Transform string

// The transforms a Field may name.
const (
	// TransformNone keeps the value as read.
	TransformNone Transform = ""
	// TransformDateDMY turns a DigiLocker date DD-MM-YYYY into YYYY-MM-DD;
	// a value that is not a real calendar date in that form is not found
	// (code invalid_value).
	TransformDateDMY Transform = "date_dmy"
	// TransformUpper upper-cases the value.
	TransformUpper Transform = "upper"
	// TransformLower lower-cases the value.
	TransformLower Transform = "lower"
	// TransformActive reads a Certificate status: "A" or "Active" (any
	// case) gives "true", any other non-empty value "false".
	TransformActive Transform = "active"
)

// transformFunc converts a value; ok false means the value is invalid, and
// problem says why without quoting the value.
type transformFunc func(string) (out string, problem string, ok bool)

var transforms = map[Transform]transformFunc{
	TransformNone:    func(s string) (string, string, bool) { return s, "", true },
	TransformDateDMY: dateDMY,
	TransformUpper:   func(s string) (string, string, bool) { return strings.ToUpper(s), "", true },
	TransformLower:   func(s string) (string, string, bool) { return strings.ToLower(s), "", true },
	TransformActive: func(s string) (string, string, bool) {
		if strings.EqualFold(s, "A") || strings.EqualFold(s, "Active") {
			return "true", "", true
		}
		return "false", "", true
	},
}

func transformNames() []string {
	var names []string
	for _, t := range slices.Sorted(maps.Keys(transforms)) {
		if t != TransformNone {
			names = append(names, string(t))
		}
	}
	return names
}

func dateDMY(s string) (string, string, bool) {
	const problem = "is not a DD-MM-YYYY date"
	if len(s) != 10 || s[2] != '-' || s[5] != '-' {
		return "", problem, false
	}
	for i, c := range []byte(s) {
		if i != 2 && i != 5 && (c < '0' || c > '9') {
			return "", problem, false
		}
	}
	t, err := time.Parse("02-01-2006", s)
	if err != nil {
		return "", problem, false
	}
	return t.Format(time.DateOnly), "", true
}
