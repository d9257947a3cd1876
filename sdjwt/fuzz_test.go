package sdjwt_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/testvectors"
)

// vectorSeeds returns every SD-JWT string and JWS JSON serialization found
// in the shared vectors, plus our own issued VC.
func vectorSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	root, err := testvectors.Locate()
	if err != nil {
		f.Logf("vectors not found (%v); seeding from our own output only", err)
	} else {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if !strings.Contains(path, "sd-jwt") && !strings.HasSuffix(path, "credential_response_sd_jwt_vc.credential.txt") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			if strings.HasSuffix(path, ".txt") && !strings.Contains(path, "source") {
				seeds = append(seeds, []byte(strings.TrimSpace(string(data))))
				return nil
			}
			var v any
			if json.Unmarshal(data, &v) == nil {
				collectSeeds(v, &seeds)
			}
			return nil
		})
	}
	pres, err := issueVC(f).Present(holderKB(), sdjwt.Path{"address", "locality"})
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, []byte(pres.String()))
	if b, err := pres.GeneralJSON(); err == nil {
		seeds = append(seeds, b)
	}
	return seeds
}

func collectSeeds(v any, out *[][]byte) {
	switch x := v.(type) {
	case string:
		if strings.Count(x, "~") > 0 && strings.Count(x, ".") >= 2 {
			*out = append(*out, []byte(x))
		}
	case map[string]any:
		if _, ok := x["payload"]; ok {
			if b, err := json.Marshal(x); err == nil {
				*out = append(*out, b)
			}
		}
		for _, e := range x {
			collectSeeds(e, out)
		}
	case []any:
		for _, e := range x {
			collectSeeds(e, out)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range vectorSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sdjwt.Parse(data)
		if err != nil {
			return
		}
		// What parses must serialize and parse back to the same thing.
		back, err := sdjwt.Parse([]byte(s.String()))
		if err != nil {
			t.Fatalf("compact form of a parsed SD-JWT does not parse: %v", err)
		}
		if back.String() != s.String() {
			t.Fatal("compact round trip changed the SD-JWT")
		}
		_, _ = s.Claims()
		_, _ = s.FlattenedJSON()
	})
}

func FuzzVerify(f *testing.F) {
	for _, s := range vectorSeeds(f) {
		f.Add(s)
	}
	exampleKey, err := sdjwt.ParseJWK(map[string]any{"kty": "EC", "crv": "P-256",
		"x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ", "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"})
	if err != nil {
		f.Fatal(err)
	}
	v := &sdjwt.Verifier{Keys: sdjwt.StaticKey(exampleKey), Now: func() time.Time { return time.Unix(1748537243, 0) }}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := v.Verify(context.Background(), data)
		if err == nil && res.Claims == nil {
			t.Fatal("verified without claims")
		}
		_, _ = v.VerifyVC(context.Background(), data)
	})
}
