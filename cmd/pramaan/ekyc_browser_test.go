package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/browsertest"
)

// TestEKYCPageJourneyInChromium: on the embedded default's page, a person
// uploads an offline e-KYC package with its share code; a wrong code shows
// the refusal on the page; the right one shows the masked result and the
// offer's QR code, which the wallet then redeems.
func TestEKYCPageJourneyInChromium(t *testing.T) {
	issuerURL, dataDir := startServe(t)
	resp, err := http.Get(issuerURL + "/sandbox/ekyc/offline.zip?share_code=1234")
	if err != nil {
		t.Fatal(err)
	}
	pkg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zipPath := filepath.Join(t.TempDir(), "offlineaadhaar.zip")
	if err := os.WriteFile(zipPath, pkg, 0o600); err != nil {
		t.Fatal(err)
	}
	b := browsertest.Start(t)
	upload := func(code string) {
		t.Helper()
		b.Navigate(issuerURL + "/")
		if b.Find("#ekyc-sample").Attribute("href") == "" {
			t.Fatal("no sample package link")
		}
		b.Find("#ekyc-zip").SendKeys(zipPath)
		b.Find("#ekyc-share-code").SendKeys(code)
		b.Find("#ekyc-submit").Click()
	}
	upload("0000")
	if got := b.Find("#problem").Text(); !strings.Contains(got, "wrong_share_code") {
		t.Fatalf("problem %q", got)
	}
	upload("1234")
	if got := b.Find("#ekyc-verified").Text(); !strings.Contains(got, "4821") || strings.Contains(got, "Asha") {
		t.Fatalf("verified notice %q", got)
	}
	link := b.Find("#offer-link").Attribute("href")
	shot := b.Find("#offer-qr").Screenshot()
	if err := browsertest.QRShown(shot, link); err != nil {
		t.Fatalf("the QR code on the page is not the offer's: %v", err)
	}
	got := receive(t, link, filepath.Join(dataDir, "iaca.pem"))
	if got["aadhaar_sd_jwt"].File == "" || got["aadhaar_mdoc"].File == "" {
		t.Fatalf("received %v", got)
	}
}
