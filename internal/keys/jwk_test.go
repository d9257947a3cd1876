package keys_test

import (
	"encoding/json"
	"testing"
)

// The published keys carry their RFC 7638 thumbprint as kid, recomputed
// here by hand over exactly {"crv","kty","x","y"}.
func TestKeyIDsAreThumbprints(t *testing.T) {
	ks, _ := newStore(t)
	for _, j := range ks.JWKS().Keys {
		b, _ := json.Marshal(map[string]string{"crv": j.Crv, "kty": j.Kty, "x": j.X, "y": j.Y})
		if want := sha256B64(b); j.Kid != want {
			t.Fatalf("%s key: kid %q, want thumbprint %q", j.Use, j.Kid, want)
		}
	}
	if ks.CredentialSigner().KeyID() != ks.JWKS().Keys[0].Kid || ks.RequestDecrypter().KeyID() != ks.JWKS().Keys[1].Kid {
		t.Fatal("accessor kids differ from the published JWKS")
	}
}
