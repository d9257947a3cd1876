package sdjwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

var (
	testIssuerKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	testHolderKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	testOtherKey, _  = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	testNow          = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

const (
	testAud   = "https://verifier.example.in"
	testNonce = "n-0S6_WzA2Mj"
	testIss   = "https://pramaan.example.in"
)

// aadhaarClaims are 12 claims shaped like an Aadhaar-derived identity
// credential: SD-JWT VC registered claims plus name, birth_date, gender,
// an address object of 4 members (each disclosable), aadhaar_last4 and a
// portrait of about 8 KiB as a data URI.
func aadhaarClaims() map[string]any {
	cnf, _ := sdjwt.Cnf(testHolderKey.Public())
	portrait := "data:image/jpeg;base64," + strings.Repeat("/9j/4AAQSkZJRgABAQ", 455)
	return map[string]any{
		"iss":           testIss,
		"vct":           "https://pramaan.example.in/credentials/aadhaar-identity",
		"iat":           testNow.Add(-time.Hour).Unix(),
		"exp":           testNow.Add(365 * 24 * time.Hour).Unix(),
		"cnf":           cnf,
		"name":          sdjwt.SD("Asha Kumari"),
		"birth_date":    sdjwt.SD("1990-04-12"),
		"gender":        sdjwt.SD("F"),
		"address":       sdjwt.SD(map[string]any{"house": sdjwt.SD("12-B"), "locality": sdjwt.SD("Indiranagar"), "district": sdjwt.SD("Bengaluru Urban"), "pincode": sdjwt.SD("560038")}),
		"aadhaar_last4": sdjwt.SD("4821"),
		"portrait":      sdjwt.SD(portrait),
		"is_over_18":    sdjwt.SD(true),
	}
}

func issueVC(t testing.TB) *sdjwt.SDJWT {
	t.Helper()
	is := &sdjwt.Issuer{Signer: testIssuerKey, KeyID: "k1"}
	s, err := is.IssueVC(aadhaarClaims())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func holderKB() *sdjwt.KeyBinding {
	return &sdjwt.KeyBinding{Signer: testHolderKey, Audience: testAud, Nonce: testNonce, IssuedAt: testNow}
}

func testVerifier() *sdjwt.Verifier {
	return &sdjwt.Verifier{
		Keys:              sdjwt.NewJWKS(map[string]crypto.PublicKey{"k1": testIssuerKey.Public()}),
		Now:               func() time.Time { return testNow },
		RequireKeyBinding: true, Audience: testAud, Nonce: testNonce,
	}
}

// signCompact signs header.payload JSON with the test issuer key (ES256),
// for hand-made hostile payloads.
func signCompact(t testing.TB, header, payload string) string {
	t.Helper()
	in := b64(header) + "." + b64(payload)
	h := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, testIssuerKey, h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// disclosure returns an encoded disclosure and its sha-256 digest.
func disclosure(json string) (string, string) {
	enc := b64(json)
	d, _ := (&sdjwt.Disclosure{Encoded: enc}).Digest(sdjwt.SHA256)
	return enc, d
}
