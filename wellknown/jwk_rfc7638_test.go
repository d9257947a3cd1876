package wellknown_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"reflect"
	"testing"

	"github.com/pramaan/pramaan/wellknown"
)

// rfc7638N is the modulus of the RFC 7638 Section 3.1 example key.
const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

func TestThumbprintRFC7638Example(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString(rfc7638N)
	if err != nil {
		t.Fatal(err)
	}
	j, err := wellknown.NewJWK(wellknown.KeySpec{Key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" // RFC 7638 Section 3.1
	if j.Kid != want || j.Thumbprint() != want {
		t.Fatalf("kid %q, thumbprint %q; want %q", j.Kid, j.Thumbprint(), want)
	}
}

// An EC key's JWK has full-length coordinates (RFC 7518 Section 6.2.1.2);
// the same key given as ECDSA or ECDH yields the same JWK; the thumbprint
// is SHA-256 over exactly {"crv","kty","x","y"} (RFC 7638 Section 3.2).
func TestJWKOfECKeyAsECDSAAndECDH(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	j, err := wellknown.NewJWK(wellknown.KeySpec{Key: &k.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if j.Kty != "EC" || j.Crv != "P-256" || len(j.X) != 43 || len(j.Y) != 43 {
		t.Fatalf("JWK = %+v", j)
	}
	e, err := k.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	j2, err := wellknown.NewJWK(wellknown.KeySpec{Key: e})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j2, j) {
		t.Fatalf("ECDH JWK %+v differs from ECDSA JWK %+v", j2, j)
	}
	b, _ := json.Marshal(map[string]string{"crv": j.Crv, "kty": j.Kty, "x": j.X, "y": j.Y})
	sum := sha256.Sum256(b)
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); j.Thumbprint() != want || j.Kid != want {
		t.Fatalf("thumbprint %q, kid %q; want %q", j.Thumbprint(), j.Kid, want)
	}
}
