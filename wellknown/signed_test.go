package wellknown_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/wellknown"
)

type certKey struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// newCert makes a certificate for key, signed by parent (self-signed when
// parent is nil).
func newCert(t *testing.T, cn string, key crypto.Signer, parent *certKey, ca bool) *certKey {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &certKey{cert: cert, key: key}
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// verifyCompactJWS checks an ES256/EdDSA compact JWS with the key of the
// first x5c certificate and returns the decoded header and payload.
func verifyCompactJWS(t *testing.T, token string) (header, payload map[string]any, payloadRaw []byte) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(hb, &header); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(pb, &payload); err != nil {
		t.Fatal(err)
	}
	x5c, _ := header["x5c"].([]any)
	if len(x5c) == 0 {
		t.Fatal("no x5c")
	}
	der, err := base64.StdEncoding.DecodeString(x5c[0].(string))
	if err != nil {
		t.Fatalf("x5c[0] is not standard base64: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	input := []byte(parts[0] + "." + parts[1])
	switch header["alg"] {
	case "ES256":
		digest := sha256.Sum256(input)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if len(sig) != 64 || !ecdsa.Verify(leaf.PublicKey.(*ecdsa.PublicKey), digest[:], r, s) {
			t.Fatal("ES256 signature does not verify")
		}
	case "EdDSA":
		if !ed25519.Verify(leaf.PublicKey.(ed25519.PublicKey), input, sig) {
			t.Fatal("EdDSA signature does not verify")
		}
	default:
		t.Fatalf("alg %v", header["alg"])
	}
	return header, payload, pb
}

func TestVerifySpecSignedMetadataVector(t *testing.T) {
	raw := strings.Join(strings.Fields(string(readVector(t, "credential_issuer_metadata_sd_jwt_jwt.txt"))), "")
	header, payload, _ := verifyCompactJWS(t, raw)
	if header["typ"] != wellknown.SignedMetadataType || header["alg"] != "ES256" {
		t.Errorf("header = %v", header)
	}
	if payload["sub"] != payload["credential_issuer"] {
		t.Errorf("sub %v != credential_issuer %v", payload["sub"], payload["credential_issuer"])
	}
}

func TestMetadataSignerSign(t *testing.T) {
	root := newCert(t, "Pramaan Test Root", ecKey(t, elliptic.P256()), nil, true)
	leaf := newCert(t, "issuer.pramaan.example", ecKey(t, elliptic.P256()), root, false)
	now := time.Unix(1_750_000_000, 0)
	signer, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{
		Signer: leaf.key, Certificates: []*x509.Certificate{leaf.cert},
		Lifetime: time.Hour, Clock: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	md := mustBuilder(t, aadhaarConfig(t)).CredentialIssuerMetadata()
	token, err := signer.Sign(md)
	if err != nil {
		t.Fatal(err)
	}
	header, payload, payloadRaw := verifyCompactJWS(t, token)
	wantHeader := map[string]any{"alg": "ES256", "typ": "openidvci-issuer-metadata+jwt",
		"x5c": []any{base64.StdEncoding.EncodeToString(leaf.cert.Raw)}}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header = %v", header)
	}
	if !strings.HasPrefix(string(payloadRaw), `{"sub":"https://issuer.pramaan.example","iat":1750000000,"exp":1750003600,"credential_issuer":`) {
		t.Errorf("payload starts %.120s", payloadRaw)
	}
	// Every metadata member is a top-level claim, unchanged.
	plain, _ := json.Marshal(md)
	var want map[string]any
	if err := json.Unmarshal(plain, &want); err != nil {
		t.Fatal(err)
	}
	want["sub"], want["iat"], want["exp"] = "https://issuer.pramaan.example", float64(1750000000), float64(1750003600)
	if !reflect.DeepEqual(payload, want) {
		t.Errorf("payload differs from metadata + sub/iat/exp")
	}

	// Same shape as the specification's example: header members, and the
	// payload starts with sub and iat before the metadata members.
	vector := strings.Join(strings.Fields(string(readVector(t, "credential_issuer_metadata_sd_jwt_jwt.txt"))), "")
	vHeader, _, vPayload := verifyCompactJWS(t, vector)
	if keys(vHeader) != keys(header) {
		t.Errorf("header members %s, the example has %s", keys(header), keys(vHeader))
	}
	if !strings.HasPrefix(string(vPayload), `{"sub":`) || !strings.Contains(string(vPayload[:80]), `,"iat":`) {
		t.Errorf("example payload shape changed: %.80s", vPayload)
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return strings.Join(ks, ",")
}

func TestMetadataSignerEdDSAWithIss(t *testing.T) {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	root := newCert(t, "root", ecKey(t, elliptic.P384()), nil, true)
	leaf := newCert(t, "leaf", edPriv, root, false)
	signer, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{
		Signer: edPriv, Certificates: []*x509.Certificate{leaf.cert}, Issuer: "https://federation.example",
		Clock: func() time.Time { return time.Unix(1000, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	token, err := signer.Sign(mustBuilder(t, aadhaarConfig(t)).CredentialIssuerMetadata())
	if err != nil {
		t.Fatal(err)
	}
	header, payload, _ := verifyCompactJWS(t, token)
	if header["alg"] != "EdDSA" || payload["iss"] != "https://federation.example" || payload["iat"] != float64(1000) {
		t.Errorf("header %v, iss %v, iat %v", header["alg"], payload["iss"], payload["iat"])
	}
	if _, ok := payload["exp"]; ok {
		t.Error("exp present without Lifetime")
	}
}

func TestNewMetadataSignerRejects(t *testing.T) {
	root := newCert(t, "root", ecKey(t, elliptic.P256()), nil, true)
	leaf := newCert(t, "leaf", ecKey(t, elliptic.P256()), root, false)
	other := newCert(t, "other", ecKey(t, elliptic.P256()), root, false)
	selfLeaf := newCert(t, "self", ecKey(t, elliptic.P256()), nil, false)
	p384 := ecKey(t, elliptic.P384())
	tests := []struct {
		name string
		cfg  wellknown.SignerConfig
		want string
	}{
		{"fail/no signer", wellknown.SignerConfig{Certificates: []*x509.Certificate{leaf.cert}}, "no signer"},
		{"fail/no certificate", wellknown.SignerConfig{Signer: leaf.key}, "no x5c certificate"},
		{"fail/nil certificate", wellknown.SignerConfig{Signer: leaf.key, Certificates: []*x509.Certificate{leaf.cert, nil}}, "certificate 1 of the chain is empty"},
		{"fail/leaf for another key", wellknown.SignerConfig{Signer: leaf.key, Certificates: []*x509.Certificate{other.cert}}, "does not certify the signing key"},
		{"fail/wrong algorithm", wellknown.SignerConfig{Signer: leaf.key, Algorithm: "ES384", Certificates: []*x509.Certificate{leaf.cert}}, `"ES384" does not suit a P-256 key`},
		{"fail/algorithm none", wellknown.SignerConfig{Signer: leaf.key, Algorithm: "none", Certificates: []*x509.Certificate{leaf.cert}}, `"none" does not suit`},
		{"fail/self-signed leaf", wellknown.SignerConfig{Signer: selfLeaf.key, Certificates: []*x509.Certificate{selfLeaf.cert}}, "is self-signed (HAIP 1.0 Section 4.1)"},
		{"fail/trust anchor included", wellknown.SignerConfig{Signer: leaf.key, Certificates: []*x509.Certificate{leaf.cert, root.cert}}, "includes the trust anchor"},
		{"fail/broken chain", wellknown.SignerConfig{Signer: leaf.key, Certificates: []*x509.Certificate{leaf.cert, other.cert}}, "is not signed by certificate 1"},
		{"fail/P-384 key with P-256 leaf", wellknown.SignerConfig{Signer: p384, Certificates: []*x509.Certificate{leaf.cert}}, "does not certify the signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wellknown.NewMetadataSigner(tt.cfg)
			if !errors.Is(err, wellknown.ErrInvalidKey) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInvalidKey containing %q", err, tt.want)
			}
		})
	}
	t.Run("ok/self-signed leaf allowed for development", func(t *testing.T) {
		s, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{Signer: selfLeaf.key, Certificates: []*x509.Certificate{selfLeaf.cert}, AllowSelfSigned: true})
		if err != nil || s.Algorithm() != "ES256" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fail/metadata without issuer", func(t *testing.T) {
		s, err := wellknown.NewMetadataSigner(wellknown.SignerConfig{Signer: leaf.key, Certificates: []*x509.Certificate{leaf.cert}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sign(&wellknown.CredentialIssuerMetadata{}); !errors.Is(err, wellknown.ErrSigning) {
			t.Errorf("err = %v, want ErrSigning", err)
		}
	})
}
