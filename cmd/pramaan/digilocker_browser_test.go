package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/browsertest"
)

// TestDigiLockerPageJourneyInChromium is the journey a person sees, in
// headless Chromium against the embedded default: the landing page, sign
// in through the sandbox consent page, the verified claims with their
// sources, share documents, "Add to wallet", and a screenshot check that
// the QR code shown is the offer link's; the wallet then redeems it.
func TestDigiLockerPageJourneyInChromium(t *testing.T) {
	issuerURL, dataDir := startServe(t)
	b := browsertest.Start(t)

	b.Navigate(issuerURL + "/")
	if got := b.Find("#login").Text(); got != "Sign in with DigiLocker (sandbox)" {
		t.Fatalf("login button %q", got)
	}
	if !strings.Contains(b.Find("#sandbox-notice").Text(), "simulator") {
		t.Fatal("the sandbox is not announced")
	}
	b.Find("#login").Click()
	b.WaitURL(issuerURL + "/sandbox/digilocker/public/oauth2/1/authorize")
	if !strings.Contains(b.PageSource(), "sign you in") {
		t.Fatalf("consent page: %.500s", b.PageSource())
	}
	b.Find("#allow").Click() // Asha Verma is the first, preselected citizen
	b.WaitURL(issuerURL + "/")
	if got := b.Find(`tr[data-claim="name"]`).Text(); !strings.Contains(got, "Asha Verma") || !strings.Contains(got, "digilocker_profile") {
		t.Fatalf("name row %q", got)
	}

	b.Find("#share").Click()
	b.WaitURL(issuerURL + "/sandbox/digilocker/public/oauth2/1/authorize")
	b.Find("#allow").Click()
	b.WaitURL(issuerURL + "/")
	if got := b.Find(`tr[data-claim="address.city"]`).Text(); !strings.Contains(got, "digilocker_eaadhaar") {
		t.Fatalf("address.city row %q", got)
	}
	if got := b.Find(`tr[data-claim="education.class_xii.result"]`).Text(); !strings.Contains(got, "digilocker_document:HSCER") {
		t.Fatalf("class XII result row %q", got)
	}

	b.Find("#add-to-wallet").Click()
	qr := b.Find("#offer-qr")
	link := b.Find("#offer-link").Attribute("href")
	if !strings.HasPrefix(link, "openid-credential-offer://?credential_offer_uri=") {
		t.Fatalf("offer link %q", link)
	}
	shot := qr.Screenshot()
	if err := browsertest.QRShown(shot, link); err != nil {
		os.WriteFile(filepath.Join(t.TempDir(), "offer-qr.png"), shot, 0o600)
		t.Fatalf("the QR code on the page is not the offer's: %v", err)
	}
	if dir := os.Getenv("PRAMAAN_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "digilocker-offer-page.png"), b.Screenshot(), 0o644)
	}
	got := receive(t, link, filepath.Join(dataDir, "iaca.pem"))
	for _, id := range []string{"aadhaar_sd_jwt", "aadhaar_mdoc", "education_sd_jwt"} {
		if got[id].File == "" {
			t.Errorf("the scanned offer did not give %s: %+v", id, got)
		}
	}
}
