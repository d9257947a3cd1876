package keys_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pramaan/pramaan/internal/keys"
)

// rfc7638N is the modulus of the RFC 7638 §3.1 example key.
const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

func TestThumbprint(t *testing.T) {
	tests := []struct {
		name    string
		jwk     keys.PublicJWK
		want    string
		wantErr string
	}{
		{
			name: "ok/RFC 7638 §3.1 example",
			jwk:  keys.PublicJWK{Kty: "RSA", N: rfc7638N, E: "AQAB", Alg: "RS256", Kid: "2011-04-29"},
			want: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		},
		{
			name: "ok/optional members ignored",
			jwk:  keys.PublicJWK{Kty: "RSA", N: rfc7638N, E: "AQAB"},
			want: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		},
		{
			name:    "fail/missing required member",
			jwk:     keys.PublicJWK{Kty: "EC", Crv: "P-256", X: "AA"},
			wantErr: `keys: thumbprint needs JWK member "y" of kty EC`,
		},
		{
			name:    "fail/unknown kty",
			jwk:     keys.PublicJWK{Kty: "oct"},
			wantErr: `keys: thumbprint of kty "oct" is not supported`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keys.Thumbprint(tc.jwk)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Thumbprint = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// The EC JWK has full-length coordinates (RFC 7518 §6.2.1.2) and an ECDSA
// key and the same key as ECDH give the same JWK and thumbprint.
func TestJWKFromPublicKeyEC(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	j, err := keys.JWKFromPublicKey(&k.PublicKey)
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
	j2, err := keys.JWKFromPublicKey(e)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j2, j) {
		t.Fatalf("ECDH JWK %+v differs from ECDSA JWK %+v", j2, j)
	}
	// The thumbprint is SHA-256 over exactly {"crv":…,"kty":…,"x":…,"y":…}.
	b, _ := json.Marshal(map[string]string{"crv": j.Crv, "kty": j.Kty, "x": j.X, "y": j.Y})
	want := sha256B64(b)
	got, err := keys.Thumbprint(j)
	if err != nil || got != want {
		t.Fatalf("Thumbprint = %q, %v; want %q", got, err, want)
	}
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	if _, err := keys.JWKFromPublicKey(x25519.PublicKey()); err == nil {
		t.Fatal("X25519 JWK accepted")
	}
}
