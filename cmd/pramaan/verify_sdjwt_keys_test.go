package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/sdjwt"
)

var testNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) // testEnv's clock

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issuerCert makes a CA and an issuer certificate naming iss as a URI SAN.
func issuerCert(t *testing.T, iss string, key *ecdsa.PrivateKey) (ca, leaf *x509.Certificate) {
	t.Helper()
	caKey := mustKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Trust Anchor"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	u, _ := url.Parse(iss)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test Issuer"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, URIs: []*url.URL{u}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(leafDER)
	return ca, leaf
}

func issueTestVC(t *testing.T, is *sdjwt.Issuer, iss string) string {
	t.Helper()
	s, err := is.IssueVC(map[string]any{
		"iss": iss, "vct": "urn:in.gov.uidai:aadhaar:1", "iat": testNow.Add(-time.Minute).Unix(),
		"name": sdjwt.SD("Asha Devi"), "gender": sdjwt.SD("F"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "vc.txt")
	if err := os.WriteFile(f, []byte(s.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVerifySDJWTWithX5CTrustAnchors(t *testing.T) {
	const iss = "https://issuer.pramaan.example"
	key := mustKey(t)
	ca, leaf := issuerCert(t, iss, key)
	file := issueTestVC(t, &sdjwt.Issuer{Signer: key, X5C: [][]byte{leaf.Raw}}, iss)
	anchors := filepath.Join(t.TempDir(), "anchors.pem")
	if err := os.WriteFile(anchors, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if code := run([]string{"verify", "sdjwt", file, "--trust", anchors}, e); code != 0 {
		t.Fatalf("exit code = %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out.String(), `"name": "Asha Devi"`) || !strings.Contains(out.String(), `"typ": "dc+sd-jwt"`) {
		t.Fatalf("stdout:\n%s", out)
	}

	// Another anchor: the chain does not verify.
	other, _ := issuerCert(t, iss, mustKey(t))
	if err := os.WriteFile(anchors, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb = testEnv()
	if code := run([]string{"verify", "sdjwt", file, "--trust", anchors}, e); code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", code, out)
	}
	if !strings.Contains(errb.String(), "x5c chain") {
		t.Fatalf("stderr = %q", errb)
	}
}

func TestVerifySDJWTWithIssuerMetadata(t *testing.T) {
	key := mustKey(t)
	jwk, err := sdjwt.PublicJWK(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	jwk["kid"] = "k1"
	var metadata []byte
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwt-vc-issuer" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(metadata)
	}))
	defer srv.Close()
	metadata, _ = json.Marshal(map[string]any{"issuer": srv.URL, "jwks": map[string]any{"keys": []any{jwk}}})
	file := issueTestVC(t, &sdjwt.Issuer{Signer: key, KeyID: "k1"}, srv.URL)

	e, out, errb := testEnv()
	e.client = srv.Client()
	if code := run([]string{"verify", "sdjwt", file, "--issuer-metadata"}, e); code != 0 {
		t.Fatalf("exit code = %d\n%s%s", code, out, errb)
	}
	if !strings.Contains(out.String(), `"iss": "`+srv.URL+`"`) {
		t.Fatalf("stdout:\n%s", out)
	}

	// Metadata naming another issuer is refused (SD-JWT VC draft 18 Section 3.3).
	metadata, _ = json.Marshal(map[string]any{"issuer": "https://elsewhere.example", "jwks": map[string]any{"keys": []any{jwk}}})
	e, out, errb = testEnv()
	e.client = srv.Client()
	if code := run([]string{"verify", "sdjwt", file, "--issuer-metadata"}, e); code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", code, out)
	}
	if !strings.Contains(errb.String(), "elsewhere.example") {
		t.Fatalf("stderr = %q", errb)
	}
}

func TestVerifySDJWTWithJWKSURL(t *testing.T) {
	key := mustKey(t)
	jwk, _ := sdjwt.PublicJWK(key.Public())
	jwk["kid"] = "k1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{jwk}})
	}))
	defer srv.Close()
	file := issueTestVC(t, &sdjwt.Issuer{Signer: key, KeyID: "k1"}, "https://issuer.pramaan.example")
	e, out, errb := testEnv()
	if code := run([]string{"verify", "sdjwt", file, "--jwks", srv.URL + "/jwks.json"}, e); code != 0 {
		t.Fatalf("exit code = %d\n%s%s", code, out, errb)
	}
	// A key set without the issuer's key.
	other, _ := sdjwt.PublicJWK(mustKey(t).Public())
	other["kid"] = "k1"
	jwk = other
	e, out, errb = testEnv()
	if code := run([]string{"verify", "sdjwt", file, "--jwks", srv.URL + "/jwks.json"}, e); code != 1 {
		t.Fatalf("exit code = %d, want 1\n%s", code, out)
	}
	if !strings.Contains(errb.String(), "signature") {
		t.Fatalf("stderr = %q", errb)
	}
}
