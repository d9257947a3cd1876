package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/pramaan/pramaan/oid4vci"
)

func TestEncryptResponse_RoundTrip(t *testing.T) {
	ec := encTestECKey(t)
	rsaKey := encTestRSAKey(t, 2048)
	payload := bytes.Repeat([]byte(`{"credentials":[{"credential":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}]}`), 20)
	withDeflate := encTestPolicy(t, EncryptionConfig{ResponseDeflate: true})

	tests := []struct {
		name    string
		jwk     json.RawMessage
		enc     string
		zip     string
		policy  EncryptionPolicy
		alg     jwa.KeyEncryptionAlgorithm
		priv    any
		wantKid string
	}{
		{"ok/ecdh-es-a128gcm", encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES", "kid": "wallet-1"}), "A128GCM", "", EncryptionPolicy{}, jwa.ECDH_ES(), ec, "wallet-1"},
		{"ok/ecdh-es-a256gcm", encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES", "kid": "wallet-2", "use": "enc"}), "A256GCM", "", EncryptionPolicy{}, jwa.ECDH_ES(), ec, "wallet-2"},
		{"ok/ecdh-es-a256gcm-without-kid", encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES"}), "A256GCM", "", EncryptionPolicy{}, jwa.ECDH_ES(), ec, ""},
		{"ok/ecdh-es-a128gcm-def", encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES", "kid": "w"}), "A128GCM", "DEF", withDeflate, jwa.ECDH_ES(), ec, "w"},
		{"ok/ecdh-es-a256gcm-def", encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES", "kid": "w"}), "A256GCM", "DEF", withDeflate, jwa.ECDH_ES(), ec, "w"},
		{"ok/rsa-oaep-256-a256gcm", encTestJWK(t, &rsaKey.PublicKey, map[string]string{"alg": "RSA-OAEP-256", "kid": "rsa-1"}), "A256GCM", "", EncryptionPolicy{}, jwa.RSA_OAEP_256(), rsaKey, "rsa-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			compact, err := EncryptResponse(payload, oid4vci.ResponseEncryption{JWK: tc.jwk, Enc: tc.enc, Zip: tc.zip}, tc.policy)
			if err != nil {
				t.Fatalf("EncryptResponse: %v", err)
			}
			if n := strings.Count(compact, "."); n != 4 {
				t.Fatalf("compact JWE has %d dots, want 4", n)
			}
			plain, h := encTestWalletDecrypt(t, compact, tc.alg, tc.priv)
			if !bytes.Equal(plain, payload) {
				t.Fatalf("payload differs after the round trip")
			}
			if alg, _ := h.Algorithm(); alg.String() != tc.alg.String() {
				t.Errorf("alg = %s, want %s", alg, tc.alg)
			}
			if enc, _ := h.ContentEncryption(); enc.String() != tc.enc {
				t.Errorf("enc = %s, want %s", enc, tc.enc)
			}
			kid, hasKid := h.KeyID()
			if kid != tc.wantKid || hasKid != (tc.wantKid != "") {
				t.Errorf("kid = %q (present %v), want %q", kid, hasKid, tc.wantKid)
			}
			zip, hasZip := h.Compression()
			if (tc.zip == "DEF") != (hasZip && zip == jwa.Deflate()) {
				t.Errorf("zip = %v (present %v), want %q", zip, hasZip, tc.zip)
			}
		})
	}
}

func TestEncryptResponse_Refused(t *testing.T) {
	ec := encTestECKey(t)
	ecPub := &ec.PublicKey
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024 := encTestRSAKey(t, 1024)
	rsa2048 := encTestRSAKey(t, 2048)
	ecdhOnly := encTestPolicy(t, EncryptionConfig{ResponseAlgs: []string{"ECDH-ES"}})
	a256Only := encTestPolicy(t, EncryptionConfig{ResponseEncs: []string{"A256GCM"}})
	goodJWK := encTestJWK(t, ecPub, map[string]string{"alg": "ECDH-ES"})
	offCurve := []byte(`{"kty":"EC","crv":"P-256","alg":"ECDH-ES","x":"AQ","y":"Ag"}`)

	tests := []struct {
		name   string
		jwk    json.RawMessage
		enc    string
		zip    string
		policy EncryptionPolicy
		cause  error
		desc   string
	}{
		{"fail/jwk-missing", nil, "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "jwk is missing"},
		{"fail/jwk-not-an-object", json.RawMessage(`["x"]`), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "not a JSON object"},
		{"fail/jwk-without-alg", encTestJWK(t, ecPub, nil), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "has no alg"},
		{"fail/private-jwk", encTestJWK(t, ec, map[string]string{"alg": "ECDH-ES"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "private member 'd'"},
		{"fail/private-rsa-jwk", encTestJWK(t, rsa2048, map[string]string{"alg": "RSA-OAEP-256"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "private member"},
		{"fail/rsa-1024", encTestRSAJWK(&rsa1024.PublicKey, "RSA-OAEP-256"), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "1024 bits; at least 2048"},
		{"fail/rsa-alg-not-in-policy", encTestJWK(t, &rsa2048.PublicKey, map[string]string{"alg": "RSA-OAEP-256"}), "A256GCM", "", ecdhOnly, ErrEncryptionUnsupported, "alg 'RSA-OAEP-256' is not supported"},
		{"fail/alg-rsa1_5", encTestJWK(t, &rsa2048.PublicKey, map[string]string{"alg": "RSA1_5"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "alg 'RSA1_5' is not supported"},
		{"fail/alg-ecdh-es-a128kw", encTestJWK(t, ecPub, map[string]string{"alg": "ECDH-ES+A128KW"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "is not supported"},
		{"fail/ec-key-with-rsa-alg", encTestJWK(t, ecPub, map[string]string{"alg": "RSA-OAEP-256"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "EC keys need ECDH-ES"},
		{"fail/rsa-key-with-ecdh-alg", encTestJWK(t, &rsa2048.PublicKey, map[string]string{"alg": "ECDH-ES"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "RSA keys need RSA-OAEP-256"},
		{"fail/p384-curve", encTestJWK(t, &p384.PublicKey, map[string]string{"alg": "ECDH-ES"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "needs P-256"},
		{"fail/point-off-curve", offCurve, "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, ""},
		{"fail/use-sig", encTestJWK(t, ecPub, map[string]string{"alg": "ECDH-ES", "use": "sig"}), "A256GCM", "", EncryptionPolicy{}, ErrEncryptionKeyInvalid, "use 'sig'"},
		{"fail/unsupported-enc-cbc", goodJWK, "A128CBC-HS256", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "enc 'A128CBC-HS256' is not supported; supported: A128GCM, A256GCM"},
		{"fail/enc-not-in-policy", goodJWK, "A128GCM", "", a256Only, ErrEncryptionUnsupported, "supported: A256GCM"},
		{"fail/enc-missing", goodJWK, "", "", EncryptionPolicy{}, ErrEncryptionUnsupported, "enc is missing"},
		{"fail/zip-not-allowed", goodJWK, "A256GCM", "DEF", EncryptionPolicy{}, ErrEncryptionUnsupported, "zip 'DEF' is not supported"},
		{"fail/zip-unknown", goodJWK, "A256GCM", "GZIP", encTestPolicy(t, EncryptionConfig{ResponseDeflate: true}), ErrEncryptionUnsupported, "zip 'GZIP'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := EncryptResponse([]byte(`{"credentials":[]}`), oid4vci.ResponseEncryption{JWK: tc.jwk, Enc: tc.enc, Zip: tc.zip}, tc.policy)
			if out != "" {
				t.Fatalf("got output %q with an error expected", out)
			}
			oe := encTestAssertCode(t, err, oid4vci.CodeInvalidEncryptionParameters, tc.cause)
			if !strings.Contains(oe.Description, tc.desc) {
				t.Errorf("description %q does not contain %q", oe.Description, tc.desc)
			}
			if got := oid4vci.SanitizeDescription(oe.Description); got != oe.Description {
				t.Errorf("description has characters RFC 6749 §5.2 forbids: %q", oe.Description)
			}
		})
	}
}

// encTestRSAJWK writes an RSA public JWK by hand, since jwx refuses to
// import keys under 2048 bits.
func encTestRSAJWK(pub *rsa.PublicKey, alg string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{
		"kty": "RSA",
		"alg": alg,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	})
	return b
}

func TestResponseBody(t *testing.T) {
	ec := encTestECKey(t)
	payload := []byte(`{"credentials":[{"credential":"x"}]}`)

	t.Run("ok/plain-json", func(t *testing.T) {
		body, mt, err := ResponseBody(payload, nil, EncryptionPolicy{})
		if err != nil || mt != "application/json" || !bytes.Equal(body, payload) {
			t.Fatalf("got %q %q %v", body, mt, err)
		}
	})
	t.Run("ok/encrypted-jwt", func(t *testing.T) {
		enc := &oid4vci.ResponseEncryption{JWK: encTestJWK(t, &ec.PublicKey, map[string]string{"alg": "ECDH-ES"}), Enc: "A256GCM"}
		body, mt, err := ResponseBody(payload, enc, EncryptionPolicy{})
		if err != nil || mt != "application/jwt" {
			t.Fatalf("got %q %v", mt, err)
		}
		plain, _ := encTestWalletDecrypt(t, string(body), jwa.ECDH_ES(), ec)
		if !bytes.Equal(plain, payload) {
			t.Fatal("payload differs")
		}
	})
	t.Run("fail/bad-parameters", func(t *testing.T) {
		enc := &oid4vci.ResponseEncryption{JWK: encTestJWK(t, &ec.PublicKey, nil), Enc: "A256GCM"}
		body, mt, err := ResponseBody(payload, enc, EncryptionPolicy{})
		if body != nil || mt != "" {
			t.Fatalf("got body %q type %q with an error expected", body, mt)
		}
		encTestAssertCode(t, err, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionKeyInvalid)
	})
}
