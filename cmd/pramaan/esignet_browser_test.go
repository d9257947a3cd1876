package main

import (
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/browsertest"
)

// TestESignetPageJourneyInChromium: on the embedded default's page,
// "Sign in with eSignet (sandbox)" goes through the pushed request to the
// simulator's consent page and back, signed in, the consented claims shown
// as verified by eSignet.
func TestESignetPageJourneyInChromium(t *testing.T) {
	issuerURL, _ := startServe(t)
	b := browsertest.Start(t)
	b.Navigate(issuerURL + "/")
	if got := b.Find("#esignet").Text(); got != "Sign in with eSignet (sandbox)" {
		t.Fatalf("eSignet button %q", got)
	}
	if !strings.Contains(b.Find("#sandbox-notice").Text(), "eSignet") {
		t.Fatal("the eSignet simulator is not announced")
	}
	b.Find("#esignet").Click()
	b.WaitURL(issuerURL + "/sandbox/esignet/authorize?")
	if src := b.PageSource(); !strings.Contains(src, "NOT a real eSignet") || !strings.Contains(src, "Asha Verma") {
		t.Fatalf("consent page: %.500s", src)
	}
	b.Find("#allow").Click() // Asha Verma is the first, preselected person
	b.WaitURL(issuerURL + "/")
	if got := b.Find(`tr[data-claim="name"]`).Text(); !strings.Contains(got, "Asha Verma") || !strings.Contains(got, "esignet") {
		t.Fatalf("name row %q", got)
	}
	if got := b.Find(`tr[data-claim="birth_date"]`).Text(); !strings.Contains(got, "1994-08-14") {
		t.Fatalf("birth date row %q", got)
	}
}
