package testvectors_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/statuslist"
)

// Our Status List Tokens are read by @sd-jwt/jwt-status-list (the list)
// and jose (signature, typ, sub) to the same statuses, for 1 and 2 bits;
// a token signed by another key is refused.
func TestIndependentStatusListTokens(t *testing.T) {
	node := requireNode(t)
	key, other := newP256(t), newP256(t)
	jwk, err := sdjwt.PublicJWK(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	const uri = "https://pramaan.example/status/l-1"
	now := time.Now().Truncate(time.Second)
	indices := []int{0, 1, 7, 8, 42, 99, 4095}
	for _, bits := range []int{1, 2} {
		b, err := statuslist.NewBitstring(bits, 4096)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int, len(indices))
		b.Set(42, statuslist.Invalid)
		want[4] = 1
		b.Set(4095, statuslist.Invalid)
		want[6] = 1
		if bits == 2 {
			b.Set(99, statuslist.Suspended)
			want[5] = 2
		}
		tok, err := b.SignJWT(key, nil, "k1", statuslist.TokenClaims{Subject: uri, IssuedAt: now, ExpiresAt: now.Add(time.Hour), TTL: 300 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		res := runIndependent(t, node, "check-statuslist.mjs", map[string]any{"jwt": tok, "jwk": jwk, "uri": uri, "indices": indices})
		if !res.OK || res.Typ != "statuslist+jwt" || res.Bits != bits || res.Sub != uri || res.TTL == nil || *res.TTL != 300 || !slices.Equal(res.Statuses, want) {
			t.Fatalf("bits %d: independent answer %+v, want statuses %v", bits, res, want)
		}
		bad, err := b.SignJWT(other, nil, "k1", statuslist.TokenClaims{Subject: uri, IssuedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if res := runIndependent(t, node, "check-statuslist.mjs", map[string]any{"jwt": bad, "jwk": jwk, "uri": uri, "indices": indices}); res.OK {
			t.Fatalf("bits %d: a token signed by another key was accepted", bits)
		}
	}
}
