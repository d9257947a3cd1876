package keyattest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/attestation/keyattest"
	"github.com/pramaan/pramaan/internal/jose"
)

var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// pki is a wallet provider's PKI: root (the anchor) → intermediate →
// signing certificate.
type pki struct {
	root, inter, leaf *x509.Certificate
	leafKey           *ecdsa.PrivateKey
	rootKey           *ecdsa.PrivateKey
}

func newPKI(t testing.TB, name string, notAfter time.Time) *pki {
	t.Helper()
	p := &pki{}
	rootKey := newKey(t)
	interKey := newKey(t)
	p.leafKey = newKey(t)
	p.rootKey = rootKey
	from := testNow.Add(-48 * time.Hour)
	p.root = issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " Root"}, NotBefore: from, NotAfter: from.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, &rootKey.PublicKey, rootKey)
	p.inter = issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name + " CA"}, NotBefore: from, NotAfter: from.AddDate(2, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, p.root, &interKey.PublicKey, rootKey)
	p.leaf = issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: name + " Key Attestation Signer"}, NotBefore: from, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}, p.inter, &p.leafKey.PublicKey, interKey)
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func verifier(t testing.TB, p *pki, mod func(*keyattest.Config)) *keyattest.Verifier {
	t.Helper()
	cfg := keyattest.Config{TrustAnchors: []*x509.Certificate{p.root}, Now: func() time.Time { return testNow }}
	if mod != nil {
		mod(&cfg)
	}
	v, err := keyattest.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func claims(keys ...crypto.PublicKey) keyattest.Claims {
	return keyattest.Claims{
		IssuedAt: testNow.Add(-time.Minute), ExpiresAt: testNow.Add(time.Hour), Keys: keys,
		KeyStorage: []string{keyattest.LevelHigh}, UserAuthentication: []string{keyattest.LevelModerate}, Nonce: "c_nonce-1",
	}
}

func mint(t testing.TB, p *pki, c keyattest.Claims) string {
	t.Helper()
	tok, err := keyattest.Mint(p.leafKey, []*x509.Certificate{p.leaf, p.inter}, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// resign builds a token from a header and claims, signed by key.
func resign(t testing.TB, key crypto.Signer, header map[string]any, claims any) string {
	t.Helper()
	tok, err := jose.SignCompact(key, header, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func x5c(certs ...*x509.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = base64.StdEncoding.EncodeToString(c.Raw)
	}
	return out
}

func TestMintedAttestationVerifies(t *testing.T) {
	p := newPKI(t, "Provider", testNow.AddDate(1, 0, 0))
	keys := []crypto.PublicKey{&newKey(t).PublicKey, &newKey(t).PublicKey, &newKey(t).PublicKey}
	tok := mint(t, p, claims(keys...))
	a, err := verifier(t, p, nil).Verify(context.Background(), tok, keyattest.Options{Nonce: "c_nonce-1", RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Keys) != 3 || a.Index(keys[2]) != 2 || a.Index(&newKey(t).PublicKey) != -1 {
		t.Fatalf("attested keys %+v", a.Keys)
	}
	if a.KeyStorage[0] != keyattest.LevelHigh || a.UserAuthentication[0] != keyattest.LevelModerate || a.Nonce != "c_nonce-1" ||
		!a.ExpiresAt.Equal(testNow.Add(time.Hour)) || len(a.Chain) != 3 || !a.Chain[2].Equal(p.root) {
		t.Fatalf("attestation %+v", a)
	}
	if !keyattest.Satisfies(a.KeyStorage, []string{keyattest.LevelModerate, keyattest.LevelHigh}) || keyattest.Satisfies(a.KeyStorage, []string{keyattest.LevelBasic}) || !keyattest.Satisfies(nil, nil) {
		t.Fatal("Satisfies")
	}
}

type refuseStatus struct{}

func (refuseStatus) CheckStatus(context.Context, keyattest.StatusReference) error {
	return errors.New("revoked")
}

func TestVerifyRefusals(t *testing.T) {
	p := newPKI(t, "Provider", testNow.AddDate(1, 0, 0))
	other := newPKI(t, "Other", testNow.AddDate(1, 0, 0))
	expiredCert := newPKI(t, "Expired", testNow.Add(-time.Hour))
	holder := &newKey(t).PublicKey
	good := claims(holder)
	header := map[string]any{"typ": keyattest.Typ, "x5c": x5c(p.leaf, p.inter)}
	baseClaims := func() map[string]any {
		var m map[string]any
		parts := strings.Split(mint(t, p, good), ".")
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		_ = json.Unmarshal(b, &m)
		return m
	}
	with := func(name string, v any) map[string]any {
		m := baseClaims()
		if v == nil {
			delete(m, name)
		} else {
			m[name] = v
		}
		return m
	}
	hdr := func(name string, v any) map[string]any {
		h := map[string]any{}
		for k, x := range header {
			h[k] = x
		}
		if v == nil {
			delete(h, name)
		} else {
			h[name] = v
		}
		return h
	}
	selfSigned := issue(t, &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "self"}, NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour)}, nil, &p.leafKey.PublicKey, p.leafKey)
	privateJWK := map[string]any{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}
	valid := mint(t, p, good)
	parts := strings.Split(valid, ".")
	tamperedClaims := baseClaims()
	tamperedClaims["key_storage"] = []string{"iso_18045_basic"}
	tb, _ := json.Marshal(tamperedClaims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tb) + "." + parts[2]
	manyKeys := make([]any, keyattest.MaxAttestedKeys+1)
	for i := range manyKeys {
		manyKeys[i] = map[string]any{"kty": "EC"}
	}
	firstKey := baseClaims()["attested_keys"].([]any)[0]

	cases := []struct {
		name  string
		token string
		opts  keyattest.Options
		v     *keyattest.Verifier
		want  error
	}{
		{"wrong typ", resign(t, p.leafKey, hdr("typ", "openid4vci-proof+jwt"), baseClaims()), keyattest.Options{}, nil, keyattest.ErrMalformed},
		{"legacy typ keyattestation+jwt", resign(t, p.leafKey, hdr("typ", "keyattestation+jwt"), baseClaims()), keyattest.Options{}, nil, keyattest.ErrMalformed},
		{"alg not allowed by the proof type", valid, keyattest.Options{Algorithms: []string{"ES384"}}, nil, keyattest.ErrAlgorithm},
		{"alg none", parts[0][:0] + base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"key-attestation+jwt","alg":"none"}`)) + "." + parts[1] + "." + parts[2], keyattest.Options{}, nil, keyattest.ErrAlgorithm},
		{"alg HS256", base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"key-attestation+jwt","alg":"HS256"}`)) + "." + parts[1] + "." + parts[2], keyattest.Options{}, nil, keyattest.ErrAlgorithm},
		{"jwk instead of x5c", resign(t, p.leafKey, map[string]any{"typ": keyattest.Typ, "jwk": map[string]any{"kty": "EC"}}, baseClaims()), keyattest.Options{}, nil, keyattest.ErrKeySource},
		{"kid instead of x5c", resign(t, p.leafKey, map[string]any{"typ": keyattest.Typ, "kid": "k1"}, baseClaims()), keyattest.Options{}, nil, keyattest.ErrKeySource},
		{"no x5c", resign(t, p.leafKey, map[string]any{"typ": keyattest.Typ}, baseClaims()), keyattest.Options{}, nil, keyattest.ErrKeySource},
		{"self-signed x5c", resign(t, p.leafKey, hdr("x5c", x5c(selfSigned)), baseClaims()), keyattest.Options{}, nil, keyattest.ErrSelfSigned},
		{"anchor included", resign(t, p.leafKey, hdr("x5c", x5c(p.leaf, p.inter, p.root)), baseClaims()), keyattest.Options{}, nil, keyattest.ErrAnchorIncluded},
		{"untrusted provider", resign(t, other.leafKey, map[string]any{"typ": keyattest.Typ, "x5c": x5c(other.leaf, other.inter)}, baseClaims()), keyattest.Options{}, nil, keyattest.ErrUntrusted},
		{"signing certificate expired", resign(t, expiredCert.leafKey, map[string]any{"typ": keyattest.Typ, "x5c": x5c(expiredCert.leaf, expiredCert.inter)}, baseClaims()), keyattest.Options{}, verifier(t, expiredCert, nil), keyattest.ErrUntrusted},
		{"signed by another key", resign(t, other.leafKey, header, baseClaims()), keyattest.Options{}, nil, keyattest.ErrSignature},
		{"tampered claims", tampered, keyattest.Options{}, nil, keyattest.ErrSignature},
		{"expired", resign(t, p.leafKey, header, with("exp", testNow.Add(-2*time.Minute).Unix())), keyattest.Options{}, nil, keyattest.ErrExpired},
		{"iat in the future", resign(t, p.leafKey, header, with("iat", testNow.Add(10*time.Minute).Unix())), keyattest.Options{}, nil, keyattest.ErrIssuedAt},
		{"no iat", resign(t, p.leafKey, header, with("iat", nil)), keyattest.Options{}, nil, keyattest.ErrIssuedAt},
		{"no exp inside a jwt proof", resign(t, p.leafKey, header, with("exp", nil)), keyattest.Options{RequireExp: true}, nil, keyattest.ErrMalformed},
		{"no exp and an old iat", resign(t, p.leafKey, header, func() map[string]any {
			m := with("exp", nil)
			m["iat"] = testNow.Add(-48 * time.Hour).Unix()
			return m
		}()), keyattest.Options{}, nil, keyattest.ErrIssuedAt},
		{"nonce missing", resign(t, p.leafKey, header, with("nonce", nil)), keyattest.Options{Nonce: "c_nonce-1"}, nil, keyattest.ErrNonce},
		{"nonce mismatch", valid, keyattest.Options{Nonce: "c_nonce-2"}, nil, keyattest.ErrNonce},
		{"attested_keys missing", resign(t, p.leafKey, header, with("attested_keys", nil)), keyattest.Options{}, nil, keyattest.ErrAttestedKeys},
		{"attested_keys empty", resign(t, p.leafKey, header, with("attested_keys", []any{})), keyattest.Options{}, nil, keyattest.ErrAttestedKeys},
		{"attested key with a private part", resign(t, p.leafKey, header, with("attested_keys", []any{privateJWK})), keyattest.Options{}, nil, keyattest.ErrAttestedKeys},
		{"attested key twice", resign(t, p.leafKey, header, with("attested_keys", []any{firstKey, firstKey})), keyattest.Options{}, nil, keyattest.ErrAttestedKeys},
		{"too many attested keys", resign(t, p.leafKey, header, with("attested_keys", manyKeys)), keyattest.Options{}, nil, keyattest.ErrAttestedKeys},
		{"status refused", resign(t, p.leafKey, header, with("status", map[string]any{"status_list": map[string]any{"idx": 7, "uri": "https://provider.example/status"}})), keyattest.Options{},
			verifier(t, p, func(c *keyattest.Config) { c.Status = refuseStatus{} }), keyattest.ErrStatus},
		{"status required but absent", valid, keyattest.Options{}, verifier(t, p, func(c *keyattest.Config) { c.Status = refuseStatus{}; c.RequireStatus = true }), keyattest.ErrStatus},
		{"crit header", resign(t, p.leafKey, hdr("crit", []string{"x"}), baseClaims()), keyattest.Options{}, nil, keyattest.ErrMalformed},
		{"truncated", valid[:len(valid)/2], keyattest.Options{}, nil, keyattest.ErrMalformed},
		{"garbage", "not.a.jwt", keyattest.Options{}, nil, keyattest.ErrMalformed},
		{"oversized", strings.Repeat("A", keyattest.DefaultMaxBytes+1), keyattest.Options{}, nil, keyattest.ErrMalformed},
	}
	def := verifier(t, p, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.v
			if v == nil {
				v = def
			}
			_, err := v.Verify(context.Background(), c.token, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestSpecExampleClaimsParse(t *testing.T) {
	// The Appendix D.1 example's claims, signed here with a test provider
	// (the spec's own signature is illustrative).
	p := newPKI(t, "Provider", testNow.AddDate(1, 0, 0))
	example := map[string]any{
		"iss": "<identifier of the issuer of this key attestation>",
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
		"attested_keys": []any{map[string]any{"kty": "EC", "crv": "P-256",
			"x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}},
		"key_storage": []string{"iso_18045_moderate"}, "user_authentication": []string{"iso_18045_moderate"},
		"certification": "https://example-certifier.com/certified-key-storage",
	}
	tok := resign(t, p.leafKey, map[string]any{"typ": keyattest.Typ, "x5c": x5c(p.leaf, p.inter)}, example)
	a, err := verifier(t, p, nil).Verify(context.Background(), tok, keyattest.Options{RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Keys) != 1 || a.Keys[0].Thumbprint == "" || a.Certification != "https://example-certifier.com/certified-key-storage" {
		t.Fatalf("%+v", a)
	}
}
