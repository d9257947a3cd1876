package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/oid4vci"
)

// encTestRequestKey opens a fresh keystore in a temporary directory and
// returns its request-encryption key, as `pramaan serve` would.
func encTestRequestKey(tb testing.TB) *keys.RequestKey {
	tb.Helper()
	ks, _, err := keys.Open(filepath.Join(tb.TempDir(), "pramaan-data"), keys.Options{})
	if err != nil {
		tb.Fatalf("keys.Open: %v", err)
	}
	return ks.RequestDecrypter()
}

// encTestECKey returns a wallet P-256 key pair.
func encTestECKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// encTestRSAKey returns a wallet RSA key pair of the given size.
func encTestRSAKey(tb testing.TB, bits int) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// encTestJWK returns key (public or private) as JWK JSON with the given
// members set (alg, kid, use); an empty value leaves the member out.
func encTestJWK(tb testing.TB, key any, members map[string]string) json.RawMessage {
	tb.Helper()
	k, err := jwk.Import(key)
	if err != nil {
		tb.Fatal(err)
	}
	for name, v := range members {
		if v == "" {
			continue
		}
		if err := k.Set(name, v); err != nil {
			tb.Fatal(err)
		}
	}
	b, err := json.Marshal(k)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// encTestWalletDecrypt decrypts a response as a wallet would, with jwx,
// and returns the plaintext and the protected header.
func encTestWalletDecrypt(tb testing.TB, compact string, alg jwa.KeyEncryptionAlgorithm, priv any) ([]byte, jwe.Headers) {
	tb.Helper()
	msg := jwe.NewMessage()
	plain, err := jwe.Decrypt([]byte(compact), jwe.WithKey(alg, priv), jwe.WithMessage(msg))
	if err != nil {
		tb.Fatalf("wallet decrypt: %v", err)
	}
	return plain, msg.ProtectedHeaders()
}

// encTestRequestJWE encrypts payload to key as a wallet would: ECDH-ES with
// the given enc, header members from hdr, DEF when deflate.
func encTestRequestJWE(tb testing.TB, payload []byte, alg jwa.KeyEncryptionAlgorithm, key any, enc string, deflate bool, hdr map[string]any) []byte {
	tb.Helper()
	h := jwe.NewHeaders()
	for name, v := range hdr {
		if err := h.Set(name, v); err != nil {
			tb.Fatal(err)
		}
	}
	ce, ok := jwa.LookupContentEncryptionAlgorithm(enc)
	if !ok {
		tb.Fatalf("unknown enc %s", enc)
	}
	opts := []jwe.EncryptOption{jwe.WithKey(alg, key), jwe.WithContentEncryption(ce), jwe.WithProtectedHeaders(h), jwe.WithCompact()}
	if deflate {
		opts = append(opts, jwe.WithCompress(jwa.Deflate()))
	}
	out, err := jwe.Encrypt(payload, opts...)
	if err != nil {
		tb.Fatalf("wallet encrypt: %v", err)
	}
	return out
}

// encTestPolicy builds a policy or fails the test.
func encTestPolicy(tb testing.TB, cfg EncryptionConfig) EncryptionPolicy {
	tb.Helper()
	p, err := NewEncryptionPolicy(cfg)
	if err != nil {
		tb.Fatalf("NewEncryptionPolicy: %v", err)
	}
	return p
}

// encTestAssertCode checks err is an *oid4vci.Error with code, wrapping cause.
func encTestAssertCode(tb testing.TB, err error, code oid4vci.ErrorCode, cause error) *oid4vci.Error {
	tb.Helper()
	var oe *oid4vci.Error
	if !errors.As(err, &oe) {
		tb.Fatalf("error %v (%T) is not an *oid4vci.Error", err, err)
	}
	if oe.Code != code {
		tb.Fatalf("code = %s, want %s (%v)", oe.Code, code, err)
	}
	if cause != nil && !errors.Is(err, cause) {
		tb.Fatalf("error %v does not wrap %v", err, cause)
	}
	if oe.StatusCode() != 400 {
		tb.Fatalf("status = %d, want 400", oe.StatusCode())
	}
	return oe
}

// encTestRequestPayload is a Credential Request as a wallet encrypts it.
var encTestRequestPayload = []byte(`{"credential_configuration_id":"aadhaar_sd_jwt","proofs":{"jwt":["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCJ9.e30.sig"]}}`)
