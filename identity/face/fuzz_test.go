package face_test

import (
	"encoding/base64"
	"math"
	"testing"

	"github.com/pramaan/pramaan/identity/face"
)

// FuzzDecodeEmbedding: no input makes the embedding parser panic; what it
// accepts has the dimension, is finite and of unit length.
func FuzzDecodeEmbedding(f *testing.F) {
	v := make([]float32, 128)
	v[3] = 2
	f.Add(base64.StdEncoding.EncodeToString(face.EncodeEmbedding(v)), 128)
	f.Add("AAAA", 1)
	f.Add("", 128)
	f.Fuzz(func(t *testing.T, b64 string, dim int) {
		if dim < 1 || dim > face.MaxDimension {
			return
		}
		vec, err := face.DecodeEmbedding(b64, dim)
		if err != nil {
			return
		}
		var norm float64
		for _, x := range vec {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatal("a non-finite value accepted")
			}
			norm += float64(x) * float64(x)
		}
		if len(vec) != dim || math.Abs(norm-1) > 1e-3 {
			t.Fatalf("dimension %d (want %d), norm² %v", len(vec), dim, norm)
		}
	})
}
