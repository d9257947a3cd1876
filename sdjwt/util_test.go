package sdjwt_test

import (
	"encoding/json"
	"reflect"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func jsonEqual(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	var x, y any
	_ = json.Unmarshal(ab, &x)
	_ = json.Unmarshal(bb, &y)
	return reflect.DeepEqual(x, y)
}
