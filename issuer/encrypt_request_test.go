package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/pramaan/pramaan/oid4vci"
)

func TestDecryptRequest_RoundTrip(t *testing.T) {
	key := encTestRequestKey(t)
	withDeflate := encTestPolicy(t, EncryptionConfig{RequestDeflate: true})
	kid := map[string]any{jwe.KeyIDKey: key.KeyID()}

	tests := []struct {
		name    string
		enc     string
		deflate bool
		hdr     map[string]any
		policy  EncryptionPolicy
		suffix  string
	}{
		{"ok/a128gcm-with-kid", "A128GCM", false, kid, EncryptionPolicy{}, ""},
		{"ok/a256gcm-with-kid", "A256GCM", false, kid, EncryptionPolicy{}, ""},
		{"ok/a256gcm-without-kid", "A256GCM", false, nil, EncryptionPolicy{}, ""},
		{"ok/a256gcm-def", "A256GCM", true, kid, withDeflate, ""},
		{"ok/a128gcm-typ-jwt", "A128GCM", false, map[string]any{jwe.KeyIDKey: key.KeyID(), jwe.TypeKey: "JWT"}, EncryptionPolicy{}, ""},
		{"ok/trailing-newline", "A256GCM", false, kid, EncryptionPolicy{}, "\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			compact := encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), tc.enc, tc.deflate, tc.hdr)
			plain, err := DecryptRequest(append(compact, tc.suffix...), key, tc.policy)
			if err != nil {
				t.Fatalf("DecryptRequest: %v", err)
			}
			if !bytes.Equal(plain, encTestRequestPayload) {
				t.Fatalf("plaintext = %q, want %q", plain, encTestRequestPayload)
			}
			req, err := oid4vci.ParseCredentialRequest(plain, oid4vci.Limits{})
			if err != nil || req.CredentialConfigurationID != "aadhaar_sd_jwt" {
				t.Fatalf("the decrypted request does not parse: %v", err)
			}
		})
	}
}

func TestDecryptRequest_Refused(t *testing.T) {
	key := encTestRequestKey(t)
	other := encTestECKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := map[string]any{jwe.KeyIDKey: key.KeyID()}
	good := encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A256GCM", false, kid)
	goodParts := strings.Split(string(good), ".")

	withDeflate := encTestPolicy(t, EncryptionConfig{RequestDeflate: true, MaxRequestPlaintext: 64 << 10})
	bomb := encTestRequestJWE(t, bytes.Repeat([]byte{'A'}, 8<<20), jwa.ECDH_ES(), key.PublicKey(), "A256GCM", true, kid)
	tinyPlain := encTestPolicy(t, EncryptionConfig{MaxRequestPlaintext: 64, MaxRequestJWE: 64 << 10})
	tinyJWE := encTestPolicy(t, EncryptionConfig{MaxRequestJWE: 100})

	symmetric16 := bytes.Repeat([]byte{7}, 16)
	withHeader := func(header string) []byte {
		p := append([]string{base64.RawURLEncoding.EncodeToString([]byte(header))}, goodParts[1:]...)
		return []byte(strings.Join(p, "."))
	}
	// Altering the first ciphertext character keeps valid base64url.
	tampered := []byte(strings.Join(append(goodParts[:3:3], flipB64(goodParts[3][:1])+goodParts[3][1:], goodParts[4]), "."))
	epk := `"epk":{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag"}`

	tests := []struct {
		name   string
		jwe    []byte
		policy EncryptionPolicy
		code   oid4vci.ErrorCode
		cause  error
		desc   string
	}{
		{"fail/empty", nil, EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "empty"},
		{"fail/truncated", good[:len(good)/2], EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "parts, want 5"},
		{"fail/truncated-tag", good[:len(good)-5], EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, nil, ""},
		{"fail/four-parts", []byte(strings.Join(goodParts[:4], ".")), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "4 parts, want 5"},
		{"fail/six-parts", append(append([]byte{}, good...), ".AA"...), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "6 parts, want 5"},
		{"fail/bad-base64", []byte(strings.Join(append(goodParts[:3:3], "!*"+goodParts[3][2:], goodParts[4]), ".")), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "ciphertext is not base64url"},
		{"fail/base64-padding", []byte(strings.Join(append(goodParts[:3:3], goodParts[3]+"=", goodParts[4]), ".")), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "not base64url"},
		{"fail/line-break-in-part", []byte(strings.Join(append(goodParts[:3:3], goodParts[3][:4]+"\n"+goodParts[3][4:], goodParts[4]), ".")), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "not base64url"},
		{"fail/json-serialization", []byte(`{"protected":"e30","ciphertext":"AA"}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "JSON serialization"},
		{"fail/header-not-json", withHeader("not json"), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "protected header is malformed"},
		{"fail/header-duplicate-alg", withHeader(`{"alg":"ECDH-ES","alg":"dir","enc":"A256GCM",` + epk + `}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "protected header is malformed"},
		{"fail/header-alg-not-string", withHeader(`{"alg":1,"enc":"A256GCM"}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "protected header is malformed"},
		{"fail/other-kid", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A256GCM", false, map[string]any{jwe.KeyIDKey: "someone-else"}), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrUnknownRequestKey, "kid 'someone-else'"},
		{"fail/alg-dir", encTestRequestJWE(t, encTestRequestPayload, jwa.DIRECT(), symmetric16, "A128GCM", false, nil), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "alg 'dir' is not accepted"},
		{"fail/alg-a128kw", encTestRequestJWE(t, encTestRequestPayload, jwa.A128KW(), symmetric16, "A128GCM", false, nil), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "alg 'A128KW' is not accepted"},
		{"fail/alg-ecdh-es-a128kw", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES_A128KW(), key.PublicKey(), "A128GCM", false, kid), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "alg 'ECDH-ES+A128KW'"},
		{"fail/alg-missing", withHeader(`{"enc":"A256GCM",` + epk + `}`), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "alg is missing"},
		{"fail/enc-not-allowed", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A192GCM", false, kid), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "enc 'A192GCM' is not supported; supported: A128GCM, A256GCM"},
		{"fail/enc-cbc", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A128CBC-HS256", false, kid), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "enc 'A128CBC-HS256'"},
		{"fail/zip-not-allowed", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A256GCM", true, kid), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "zip 'DEF' is not supported"},
		{"fail/zip-unknown", withHeader(`{"alg":"ECDH-ES","enc":"A256GCM","zip":"GZIP",` + epk + `}`), withDeflate, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "zip 'GZIP'"},
		{"fail/crit", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A256GCM", false, map[string]any{"crit": []string{"exp"}, "exp": 1}), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "crit is not accepted"},
		{"fail/nested-jwt", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), key.PublicKey(), "A256GCM", false, map[string]any{jwe.ContentTypeKey: "JWT"}), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "nested JWTs"},
		{"fail/epk-p384", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), &p384.PublicKey, "A256GCM", false, kid), EncryptionPolicy{}, oid4vci.CodeInvalidEncryptionParameters, ErrEncryptionUnsupported, "EC P-256 key, not kty 'EC' crv 'P-384'"},
		{"fail/epk-missing", withHeader(`{"alg":"ECDH-ES","enc":"A256GCM"}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "no epk"},
		{"fail/epk-private", withHeader(`{"alg":"ECDH-ES","enc":"A256GCM","epk":{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag","d":"AQ"}}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "private key"},
		{"fail/epk-off-curve", withHeader(`{"alg":"ECDH-ES","enc":"A256GCM",` + epk + `}`), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrDecryptionFailed, "could not be decrypted"},
		{"fail/encrypted-key-not-empty", []byte(strings.Join(append(goodParts[:1:1], "AAAA", goodParts[2], goodParts[3], goodParts[4]), ".")), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrMalformedJWE, "encrypted key must be empty"},
		{"fail/for-another-key-same-kid", encTestRequestJWE(t, encTestRequestPayload, jwa.ECDH_ES(), &other.PublicKey, "A256GCM", false, kid), EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrDecryptionFailed, "could not be decrypted with the request key"},
		{"fail/tampered-ciphertext", tampered, EncryptionPolicy{}, oid4vci.CodeInvalidCredentialRequest, ErrDecryptionFailed, "could not be decrypted"},
		{"fail/zip-bomb", bomb, withDeflate, oid4vci.CodeInvalidCredentialRequest, ErrEncryptedRequestTooLarge, "decompressed request exceeds the limit of 65536 bytes"},
		{"fail/decrypted-over-limit", good, tinyPlain, oid4vci.CodeInvalidCredentialRequest, ErrEncryptedRequestTooLarge, "the limit is 64"},
		{"fail/oversize-input", good, tinyJWE, oid4vci.CodeInvalidCredentialRequest, ErrEncryptedRequestTooLarge, "the limit is 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plain, err := DecryptRequest(tc.jwe, key, tc.policy)
			if plain != nil {
				t.Fatalf("got plaintext %q with an error expected", plain)
			}
			oe := encTestAssertCode(t, err, tc.code, tc.cause)
			if !strings.Contains(oe.Description, tc.desc) {
				t.Errorf("description %q does not contain %q", oe.Description, tc.desc)
			}
			if errors.Is(err, ErrEncryptedRequestTooLarge) != errors.Is(err, oid4vci.ErrTooLarge) {
				t.Errorf("size errors must wrap both ErrEncryptedRequestTooLarge and oid4vci.ErrTooLarge: %v", err)
			}
		})
	}
	t.Run("ok/bomb-within-a-larger-limit", func(t *testing.T) {
		roomy := encTestPolicy(t, EncryptionConfig{RequestDeflate: true, MaxRequestPlaintext: 9 << 20})
		plain, err := DecryptRequest(bomb, key, roomy)
		if err != nil || len(plain) != 8<<20 {
			t.Fatalf("got %d bytes, %v", len(plain), err)
		}
	})
	t.Run("fail/no-request-key", func(t *testing.T) {
		if _, err := DecryptRequest(good, nil, EncryptionPolicy{}); err == nil {
			t.Fatal("no error without a request key")
		}
	})
}

// flipB64 replaces each base64url character of s by another one.
func flipB64(s string) string {
	out := make([]byte, len(s))
	for i, c := range []byte(s) {
		if c == 'A' {
			out[i] = 'B'
		} else {
			out[i] = 'A'
		}
	}
	return string(out)
}
