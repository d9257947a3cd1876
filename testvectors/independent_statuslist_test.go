package testvectors_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
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

// Our CWT Status List Tokens are read by an independent decoder (cbor-x
// for COSE and CWT, node:crypto for the ES256 signature over the COSE
// Sig_structure, node:zlib for the list) to the same statuses; a token
// signed by another key is refused.
func TestIndependentStatusListCWT(t *testing.T) {
	node := requireNode(t)
	key, other := newP256(t), newP256(t)
	jwk, err := sdjwt.PublicJWK(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	const uri = "https://pramaan.example/status/l-2"
	now := time.Now().Truncate(time.Second)
	indices := []int{0, 42, 99, 4095}
	b, err := statuslist.NewBitstring(2, 4096)
	if err != nil {
		t.Fatal(err)
	}
	b.Set(42, statuslist.Invalid)
	b.Set(99, statuslist.Suspended)
	want := []int{0, 1, 2, 0}
	// A certificate for the x5chain header, as the server sends one.
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "status signer"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	for name, signer := range map[string]*ecdsa.PrivateKey{"ok": key, "fail/another key": other} {
		tok, err := b.SignCWT(signer, []*x509.Certificate{cert}, statuslist.TokenClaims{Subject: uri, IssuedAt: now, ExpiresAt: now.Add(time.Hour), TTL: 300 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		res := runIndependent(t, node, "check-statuslist-cwt.mjs", map[string]any{"cwt_b64": base64.StdEncoding.EncodeToString(tok), "jwk": jwk, "uri": uri, "indices": indices})
		if name == "ok" {
			if !res.OK || res.Typ != "application/statuslist+cwt" || res.Bits != 2 || res.Sub != uri || res.TTL == nil || *res.TTL != 300 || !slices.Equal(res.Statuses, want) {
				t.Fatalf("independent answer %+v, want statuses %v", res, want)
			}
		} else if res.OK {
			t.Fatal("a CWT signed by another key was accepted")
		}
	}
}
