package sandbox_test

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/identity/ekyc/sandbox"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func options(c *x509.Certificate) ekyc.Options {
	return ekyc.Options{Pinned: []*x509.Certificate{c}, Now: clock, NameKey: []byte("0123456789abcdef")}
}

func TestSignerIsKeptAndPackagesVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ekyc-sandbox")
	s, err := sandbox.Open(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, sandbox.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	again, err := sandbox.Open(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cert().Equal(s.Cert()) {
		t.Fatal("a second Open made another signer")
	}
	name, z, err := s.Package("asha", "5678")
	if err != nil {
		t.Fatal(err)
	}
	if name != "offlineaadhaar20261204153000000.zip" {
		t.Fatalf("name %s", name)
	}
	xml, err := ekyc.Open(z, "5678", ekyc.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ekyc.Verify(xml, options(again.Cert()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Claims.Name != "Asha Verma" || r.Claims.DOB != "1994-08-14" || r.Last4 != "4821" || len(r.Claims.Photo) < 1000 {
		t.Fatalf("unexpected %+v", r.Masked())
	}
	if ok, err := ekyc.VerifyMobile(r, "9800000021", "5678"); err != nil || !ok {
		t.Fatalf("mobile hash: %v %v", ok, err)
	}
	if _, err := ekyc.Open(z, "1234", ekyc.Limits{}); err == nil {
		t.Fatal("opened under another share code")
	}
	q, err := s.QR("ravi")
	if err != nil {
		t.Fatal(err)
	}
	qr, _, err := ekyc.VerifyQR(q, options(s.Cert()))
	if err != nil || qr.Claims.Name != "Ravi Kumar" {
		t.Fatalf("QR: %v", err)
	}
	if _, _, err := s.Package("nobody", "1"); err == nil {
		t.Fatal("a package for an unknown resident")
	}
}

func TestOpenRefusesAKeyOfAnotherCertificate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := sandbox.Open(a, clock); err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.Open(b, clock); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(b, sandbox.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a, sandbox.KeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sandbox.Open(a, clock); err == nil {
		t.Fatal("opened a signer whose key does not match its certificate")
	}
}

func TestHandler(t *testing.T) {
	s, err := sandbox.Open(t.TempDir(), clock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	res, z := get("/offline.zip")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("offline.zip: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if _, err := ekyc.Open(z, sandbox.DefaultShareCode, ekyc.Limits{}); err != nil {
		t.Fatal(err)
	}
	res, b := get("/qr?resident=ravi")
	var q struct{ QR string }
	if res.StatusCode != 200 || json.Unmarshal(b, &q) != nil || q.QR == "" {
		t.Fatalf("qr: %d %s", res.StatusCode, b)
	}
	if res, _ := get("/offline.zip?resident=nobody"); res.StatusCode != 404 {
		t.Fatalf("unknown resident: %d", res.StatusCode)
	}
	if res, b := get("/signer.pem"); res.StatusCode != 200 || len(b) < 500 {
		t.Fatalf("signer.pem: %d", res.StatusCode)
	}
}
