package issuer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/pramaan/pramaan/oid4vci"
)

// proofTestIssuer is the Credential Issuer Identifier of the tests.
const proofTestIssuer = "https://issuer.example.com"

// proofTestNow is the fixed clock of the tests.
var proofTestNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func proofTestClock() time.Time { return proofTestNow }

// proofTestNonceStore is an in-memory NonceStore honouring the contract:
// ConsumeNonce succeeds at most once per nonce, under a mutex.
type proofTestNonceStore struct {
	mu       sync.Mutex
	nonces   map[string]*proofTestNonce
	consumed int // successful ConsumeNonce calls
}

type proofTestNonce struct {
	expiresAt time.Time
	used      bool
}

func newProofTestNonceStore(nonces ...string) *proofTestNonceStore {
	s := &proofTestNonceStore{nonces: map[string]*proofTestNonce{}}
	for _, n := range nonces {
		s.nonces[n] = &proofTestNonce{expiresAt: proofTestNow.Add(5 * time.Minute)}
	}
	return s
}

func (s *proofTestNonceStore) CreateNonce(_ context.Context, nonce string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nonces[nonce]; ok {
		return ErrAlreadyExists
	}
	s.nonces[nonce] = &proofTestNonce{expiresAt: expiresAt}
	return nil
}

func (s *proofTestNonceStore) ConsumeNonce(_ context.Context, nonce string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nonces[nonce]
	if !ok || n.used || !now.Before(n.expiresAt) {
		return ErrNotFound
	}
	n.used = true
	s.consumed++
	return nil
}

// state reports whether nonce exists and whether it was used.
func (s *proofTestNonceStore) state(nonce string) (exists, used bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nonces[nonce]
	if !ok {
		return false, false
	}
	return true, n.used
}

// proofTestFailingNonceStore fails every call, as a database down would.
type proofTestFailingNonceStore struct{}

var errProofTestStoreDown = errors.New("store down")

func (proofTestFailingNonceStore) CreateNonce(context.Context, string, time.Time) error {
	return errProofTestStoreDown
}

func (proofTestFailingNonceStore) ConsumeNonce(context.Context, string, time.Time) error {
	return errProofTestStoreDown
}

// proofTestReplayStore is an in-memory ReplayStore honouring the
// contract: an unexpired id is recorded once, under a mutex.
type proofTestReplayStore struct {
	mu      sync.Mutex
	entries map[string]time.Time
}

func newProofTestReplayStore() *proofTestReplayStore {
	return &proofTestReplayStore{entries: map[string]time.Time{}}
}

func (s *proofTestReplayStore) Remember(_ context.Context, scope, id string, now, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := scope + "\x00" + id
	if exp, ok := s.entries[k]; ok && now.Before(exp) {
		return ErrAlreadyExists
	}
	s.entries[k] = expiresAt
	return nil
}

func (s *proofTestReplayStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func proofTestECKey(tb testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// proofTestJWK is the public JWK of key, as a wallet puts it in a header.
func proofTestJWK(tb testing.TB, key any) map[string]any {
	tb.Helper()
	k, err := jwk.Import(key)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// proofTestSign builds a compact JWS over header and claims, signed by
// signer as alg names it. For none and HS256 it writes sig verbatim.
func proofTestSign(tb testing.TB, header, claims map[string]any, alg string, signer crypto.Signer) string {
	tb.Helper()
	hb, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	return input + "." + base64.RawURLEncoding.EncodeToString(proofTestSignature(tb, []byte(input), alg, signer))
}

func proofTestSignature(tb testing.TB, input []byte, alg string, signer crypto.Signer) []byte {
	tb.Helper()
	switch alg {
	case "none":
		return nil
	case "HS256":
		return []byte("not-a-real-mac-but-32-bytes-long")
	case "ES256", "ES384", "ES512":
		var digest []byte
		size := 32
		switch alg {
		case "ES256":
			d := sha256.Sum256(input)
			digest = d[:]
		case "ES384":
			d := sha512.Sum384(input)
			digest, size = d[:], 48
		default:
			d := sha512.Sum512(input)
			digest, size = d[:], 66
		}
		r, s, err := ecdsa.Sign(rand.Reader, signer.(*ecdsa.PrivateKey), digest)
		if err != nil {
			tb.Fatal(err)
		}
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig
	case "EdDSA":
		return ed25519.Sign(signer.(ed25519.PrivateKey), input)
	case "PS256":
		d := sha256.Sum256(input)
		sig, err := rsa.SignPSS(rand.Reader, signer.(*rsa.PrivateKey), crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
	tb.Fatalf("no test signer for %s", alg)
	return nil
}

// proofTestPKI is a test root and a leaf certificate for a holder key.
type proofTestPKI struct {
	roots *x509.CertPool
	leaf  []byte // DER
	root  []byte // DER
}

func newProofTestPKI(tb testing.TB, holder *ecdsa.PublicKey) proofTestPKI {
	tb.Helper()
	caKey := proofTestECKey(tb, elliptic.P256())
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Pramaan test wallet root"},
		NotBefore:             proofTestNow.Add(-24 * time.Hour),
		NotAfter:              proofTestNow.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "holder key"},
		NotBefore:    proofTestNow.Add(-time.Hour),
		NotAfter:     proofTestNow.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, holder, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	return proofTestPKI{roots: roots, leaf: leafDER, root: caDER}
}

// proofTestHeader is a valid ES256 proof header with a jwk.
func proofTestHeader(tb testing.TB, key *ecdsa.PrivateKey) map[string]any {
	tb.Helper()
	return map[string]any{"typ": oid4vci.TypProofJWT, "alg": "ES256", "jwk": proofTestJWK(tb, &key.PublicKey)}
}

// proofTestClaims are valid proof claims with nonce.
func proofTestClaims(nonce string) map[string]any {
	c := map[string]any{"aud": proofTestIssuer, "iat": proofTestNow.Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// proofTestAssertCode fails unless err is an *oid4vci.Error with code
// and, when cause is set, wraps cause.
func proofTestAssertCode(tb testing.TB, err error, code oid4vci.ErrorCode, cause error) {
	tb.Helper()
	var oe *oid4vci.Error
	if !errors.As(err, &oe) {
		tb.Fatalf("error %v is not an *oid4vci.Error", err)
	}
	if oe.Code != code {
		tb.Fatalf("code %s, want %s (%v)", oe.Code, code, err)
	}
	if cause != nil && !errors.Is(err, cause) {
		tb.Fatalf("error %v does not wrap %v", err, cause)
	}
	if oe.Description == "" || !oid4vci.ValidDescription(oe.Description) {
		tb.Fatalf("description %q is empty or has characters RFC 6749 §5.2 forbids", oe.Description)
	}
}
