package portal

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"time"

	"rsc.io/qr"
)

// Page is what the citizen's page shows.
type Page struct {
	Sandbox bool
	// ESignet shows "Sign in with eSignet"; ESignetSandbox labels it.
	ESignet, ESignetSandbox bool
	// EKYC shows the offline e-KYC upload form; EKYCSandbox its sample
	// package link. EKYCVerified names a package just verified.
	EKYC, EKYCSandbox bool
	EKYCVerified      string
	SignedIn          bool
	Claims            []ClaimView
	Offer             *OfferView
	// Problem is an answer to show instead of a JSON error.
	Problem *Error
}

// ClaimView is one verified claim as shown: its value (a photo is not
// printed), where it came from and when.
type ClaimView struct {
	Name, Value, Source string
	Verified            bool
	VerifiedAt          string
}

// OfferView is an offer as shown: its deeplink and the QR code of it.
type OfferView struct {
	// Link is the openid-credential-offer:// deeplink; made here, so it
	// is marked safe for href, which html/template otherwise refuses for
	// a scheme other than http(s) and mailto.
	Link           template.URL
	QR             template.URL // data:image/png;base64,…
	Configurations []string
	ExpiresAt      string
}

// PageFor builds the page of a subject ("" when not signed in), with an
// offer when one was just made.
func (s *Service) PageFor(ctx context.Context, subject string, offer *Offer) (*Page, error) {
	p := &Page{Sandbox: s.cfg.Sandbox, ESignet: s.cfg.ESignet != nil, ESignetSandbox: s.cfg.ESignetSandbox, SignedIn: subject != "",
		EKYC: s.cfg.EKYC != nil, EKYCSandbox: s.cfg.EKYCSandbox}
	if subject == "" {
		return p, nil
	}
	claims, err := s.cfg.Record.Claims(ctx, subject)
	if err != nil {
		return nil, err
	}
	for _, c := range claims {
		v := fmt.Sprint(c.Value)
		if c.Name == "portrait" {
			v = fmt.Sprintf("photo (%d bytes, base64)", len(v))
		} else if len(v) > 80 {
			v = v[:80] + "…"
		}
		cv := ClaimView{Name: c.Name, Value: v, Source: c.Source, Verified: c.Verified}
		if !c.VerifiedAt.IsZero() {
			cv.VerifiedAt = c.VerifiedAt.UTC().Format(time.RFC3339)
		}
		p.Claims = append(p.Claims, cv)
	}
	if offer != nil {
		if p.Offer, err = offerView(offer); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func offerView(offer *Offer) (*OfferView, error) {
	png, err := QRCode(offer.Link)
	if err != nil {
		return nil, err
	}
	return &OfferView{
		Link: template.URL(offer.Link), QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		Configurations: offer.Configurations, ExpiresAt: offer.ExpiresAt.UTC().Format(time.RFC3339),
	}, nil
}

// EKYCPage is the page after an offline e-KYC upload from the form: the
// masked result (the last four digits only) and the offer's QR code.
func (s *Service) EKYCPage(res *EKYCResult) (*Page, error) {
	p, err := s.PageFor(context.Background(), "", nil)
	if err != nil {
		return nil, err
	}
	p.EKYCVerified = res.Masked.Last4
	if p.Offer, err = offerView(res.Offer); err != nil {
		return nil, err
	}
	return p, nil
}

// QRCode renders link as a PNG QR code (level M, 6 pixels a module, the
// 4-module quiet zone).
func QRCode(link string) ([]byte, error) {
	c, err := qr.Encode(link, qr.M)
	if err != nil {
		return nil, fmt.Errorf("portal: QR code: %w", err)
	}
	c.Scale = 6
	return c.PNG(), nil
}

// Render writes the page as HTML.
func (p *Page) Render() ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("portal: page: %w", err)
	}
	return b.Bytes(), nil
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pramaan</title>
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b3a}
h1{color:#12107c}.sandbox{background:#fff3cd;border:1px solid #e0c36a;padding:.5rem 1rem}
a.button,button{display:inline-block;background:#12107c;color:#fff;border:0;padding:.7rem 1.2rem;margin:.3rem 0;border-radius:4px;text-decoration:none;font-size:1rem;cursor:pointer}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;font-size:.9rem}
.problem{background:#fde2e1;border:1px solid #d9534f;padding:.5rem 1rem}
#offer-qr{image-rendering:pixelated;width:300px;height:300px}
code{word-break:break-all}
</style>
</head>
<body>
<h1>Pramaan</h1>
{{if .Sandbox}}<p class="sandbox" id="sandbox-notice">Sandbox: DigiLocker{{if .ESignetSandbox}} and eSignet{{end}} here {{if .ESignetSandbox}}are simulators{{else}}is a simulator{{end}} with test citizens. No real identity data is used.</p>{{end}}
{{with .Problem}}<div class="problem" id="problem"><strong>{{.Code}}</strong>: {{.Description}}{{if .RestartURL}} <a href="{{.RestartURL}}">Start again</a>{{end}}</div>{{end}}
{{if not .SignedIn}}
<p>Get verifiable credentials from your DigiLocker documents.</p>
<p><a class="button" id="login" href="/auth/digilocker/login/start">Sign in with DigiLocker{{if .Sandbox}} (sandbox){{end}}</a></p>
<p><a class="button" id="share" href="/auth/digilocker/documents/start">Share documents</a></p>
{{if .ESignet}}<p><a class="button" id="esignet" href="/auth/esignet/start">Sign in with eSignet{{if .ESignetSandbox}} (sandbox){{end}}</a></p>{{end}}
{{if .EKYC}}<h2>Aadhaar offline e-KYC</h2>
{{if .EKYCVerified}}<p id="ekyc-verified">Verified: the UIDAI signature of the package of the Aadhaar ending {{.EKYCVerified}}. Nothing but these four digits, a keyed hash of the name and the time is kept; the rest travels sealed in the offer below until your wallet takes it.</p>
{{else}}<form method="post" action="/ekyc/offline" enctype="multipart/form-data">
<p><label>Package (offlineaadhaar….zip) <input type="file" name="zip" id="ekyc-zip" accept=".zip" required></label></p>
<p><label>Share code <input type="password" name="share_code" id="ekyc-share-code" autocomplete="off" required></label></p>
<p><button id="ekyc-submit" type="submit">Verify and add to wallet</button></p>
</form>
{{if .EKYCSandbox}}<p><a id="ekyc-sample" href="/sandbox/ekyc/offline.zip?share_code=1234">Download a sandbox package</a> (share code 1234; NOT signed by UIDAI)</p>{{end}}{{end}}{{end}}
{{with .Offer}}{{template "offer" .}}{{end}}
{{else}}
<h2>Your verified claims</h2>
{{if .Claims}}
<table id="claims">
<tr><th>Claim</th><th>Value</th><th>Source</th><th>Verified at</th></tr>
{{range .Claims}}<tr data-claim="{{.Name}}"><td>{{.Name}}</td><td>{{.Value}}</td><td>{{.Source}}</td><td>{{.VerifiedAt}}</td></tr>
{{end}}</table>
{{else}}<p>No claims yet.</p>{{end}}
<p><a class="button" id="share" href="/auth/digilocker/documents/start">Share documents</a></p>
{{if .ESignet}}<p><a class="button" id="esignet" href="/auth/esignet/start">Sign in with eSignet{{if .ESignetSandbox}} (sandbox){{end}}</a></p>{{end}}
<form method="post" action="/wallet-offer"><button id="add-to-wallet" type="submit">Add to wallet</button></form>
{{with .Offer}}{{template "offer" .}}{{end}}
<form method="post" action="/sign-out"><button id="sign-out" type="submit">Sign out</button></form>
{{end}}
</body>
</html>
{{define "offer"}}<section id="offer">
<h2>Scan with your wallet</h2>
<p><img id="offer-qr" alt="Credential offer QR code" src="{{.QR}}"></p>
<p>On this phone: <a id="offer-link" href="{{.Link}}">open in your wallet</a></p>
<p>Credentials: {{range .Configurations}}<code>{{.}}</code> {{end}}. The offer expires at {{.ExpiresAt}}.</p>
</section>{{end}}
`))
