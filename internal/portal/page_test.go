package portal_test

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/internal/portal"
)

func TestPageRender(t *testing.T) {
	t.Run("landing/sandbox announced, sign-in and share links", func(t *testing.T) {
		b, err := (&portal.Page{Sandbox: true}).Render()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`id="sandbox-notice"`, `href="/auth/digilocker/login/start">Sign in with DigiLocker (sandbox)`, `href="/auth/digilocker/documents/start"`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("page lacks %s", want)
			}
		}
	})
	t.Run("live/no sandbox wording", func(t *testing.T) {
		b, _ := (&portal.Page{}).Render()
		if bytes.Contains(b, []byte("(sandbox)")) || bytes.Contains(b, []byte("sandbox-notice")) {
			t.Error("a live page mentions the sandbox")
		}
	})
	t.Run("claims/values escaped", func(t *testing.T) {
		b, _ := (&portal.Page{SignedIn: true, Claims: []portal.ClaimView{{Name: "name", Value: `<script>alert(1)</script>`, Source: "digilocker_profile"}}}).Render()
		if bytes.Contains(b, []byte("<script>alert")) || !bytes.Contains(b, []byte("&lt;script&gt;")) {
			t.Errorf("claim value not escaped: %s", b)
		}
	})
	t.Run("offer/QR image and deeplink", func(t *testing.T) {
		link := "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%2Fcredential-offer%2Fx"
		png, err := portal.QRCode(link)
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Fatalf("QR %v", err)
		}
		p := &portal.Page{SignedIn: true, Offer: &portal.OfferView{Link: template.URL(link), QR: "data:image/png;base64,AAAA", Configurations: []string{"aadhaar_sd_jwt"}}}
		b, _ := p.Render()
		if !strings.Contains(string(b), `href="openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%2Fcredential-offer%2Fx"`) || !strings.Contains(string(b), `id="offer-qr"`) {
			t.Errorf("offer section: %s", b)
		}
	})
	t.Run("problem/code, description and restart link", func(t *testing.T) {
		b, _ := (&portal.Page{Problem: &portal.Error{Code: "invalid_state", Description: "start again", RestartURL: "/auth/digilocker/login/start"}}).Render()
		if !bytes.Contains(b, []byte(`<strong>invalid_state</strong>: start again <a href="/auth/digilocker/login/start">`)) {
			t.Errorf("problem: %s", b)
		}
	})
}
