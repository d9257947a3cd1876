package record_test

import (
	"context"
	"testing"

	"github.com/pramaan/pramaan/identity/record"
)

// FuzzRecord feeds names, values and sources as documents would bring
// them: Record either refuses with ErrInvalid, keeps a verified value from
// an unverified one, or records a value that reads back the same; it never
// panics.
func FuzzRecord(f *testing.F) {
	f.Add("name", "Asha Verma", "digilocker_profile", true)
	f.Add("education.class_xii.result", "PASS", "digilocker_document:HSCER", true)
	f.Add("address..city", "x", "s", false)
	f.Add("Name", "\x00", "", true)
	e := newEnv(&testing.T{})
	ctx := context.Background()
	id, _, err := e.rec.Subject(ctx, "fuzz", "one")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, value, source string, verified bool) {
		out, err := e.rec.Record(ctx, id, []record.Observation{{Name: name, Value: value, Source: source, Verified: verified}})
		if err != nil {
			return
		}
		c := e.value(t, id, name)
		switch {
		case len(out.Kept) == 1:
			// An unverified value met a verified one: unchanged.
			if verified || !c.Verified {
				t.Fatalf("kept %q with verified=%v over %+v", value, verified, c)
			}
		case c.Value != value || c.Source != source || c.Verified != verified:
			t.Fatalf("recorded %q (%s, %v), read back %+v", value, source, verified, c)
		}
	})
}
