package digilocker_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
	"github.com/pramaan/pramaan/identity/digilocker/sandbox"
)

const redirectURI = "https://pramaan.test/auth/digilocker/callback"

type env struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	client *digilocker.Client
}

func newEnv(t *testing.T, style digilocker.AuthStyle) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Config{ClientID: "pramaan-test", ClientSecret: "s3cret:with/odd&chars", RedirectURIs: []string{redirectURI}})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	c, err := digilocker.New(digilocker.Config{BaseURL: srv.URL + "/public", ClientID: "pramaan-test", ClientSecret: "s3cret:with/odd&chars",
		RedirectURI: redirectURI, AuthStyle: style, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, srv: srv, client: c}
}

var asha = sandbox.DefaultCitizens()[0]

// login runs a flow through the consent page and returns the callback's
// code after checking state.
func (e *env) login(t *testing.T, flow digilocker.Flow, verifier string, docTypes ...string) string {
	t.Helper()
	state := digilocker.NewState()
	u, err := e.client.AuthorizeURL(digilocker.AuthRequest{Flow: flow, State: state, CodeChallenge: digilocker.Challenge(verifier), DocTypes: docTypes})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := sandbox.Consent(context.Background(), u, asha.DigiLockerID, true)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Query().Get("state") != state || !strings.HasPrefix(cb.String(), redirectURI) {
		t.Fatalf("callback %s", cb)
	}
	return cb.Query().Get("code")
}

func TestLoginFlowGivesTheCitizenButNoDocuments(t *testing.T) {
	for _, style := range []digilocker.AuthStyle{digilocker.AuthInForm, digilocker.AuthBasic} {
		e := newEnv(t, style)
		v := digilocker.NewVerifier()
		tok, err := e.client.Exchange(context.Background(), e.login(t, digilocker.FlowLogin, v), v)
		if err != nil {
			t.Fatal(err)
		}
		if tok.User.DigiLockerID != asha.DigiLockerID || tok.User.Name != "Asha Verma" || !tok.User.HasEAadhaar() || len(tok.AccessToken) != 40 {
			t.Fatalf("token %+v", tok)
		}
		if bd, err := tok.User.BirthDate(); err != nil || bd != "1994-08-14" {
			t.Fatalf("birth date %q %v", bd, err)
		}
		if d := time.Until(tok.ExpiresAt); d < 3590*time.Second || d > 3600*time.Second {
			t.Fatalf("expires in %s", d)
		}
		if tok.ConsentValidTill.IsZero() {
			t.Fatal("consent_valid_till (sent as a string) was not read")
		}
		u, err := e.client.User(context.Background(), tok.AccessToken)
		if err != nil || u.DigiLockerID != asha.DigiLockerID {
			t.Fatalf("user %+v %v", u, err)
		}
		_, err = e.client.Issued(context.Background(), tok.AccessToken)
		var ae *digilocker.APIError
		if !errors.As(err, &ae) || ae.Status != 403 || ae.Code != "insufficient_scope" {
			t.Fatalf("a login token read documents: %v", err)
		}
	}
}

func TestDocumentFlowListsAndFetchesOnlyTheConsentedDocuments(t *testing.T) {
	e := newEnv(t, digilocker.AuthBasic)
	v := digilocker.NewVerifier()
	tok, err := e.client.Exchange(context.Background(), e.login(t, digilocker.FlowDocuments, v, "HSCER", "SSCER"), v)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := e.client.Issued(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].DocType != "SSCER" || docs[1].DocType != "HSCER" || !docs[1].HasXML() || docs[1].Size != 0 {
		t.Fatalf("documents %+v", docs)
	}
	xml, err := e.client.XML(context.Background(), tok.AccessToken, docs[1].URI)
	if err != nil || !strings.Contains(string(xml), `type="HSCER"`) || !strings.Contains(string(xml), `name="Asha Verma"`) {
		t.Fatalf("xml %v %.100s", err, xml)
	}
	body, ct, err := e.client.File(context.Background(), tok.AccessToken, docs[0].URI)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(body)
	body.Close()
	if ct != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("file %s %.20q", ct, pdf)
	}
	// Asha's PAN exists but was not consented; Rohan's marksheet is not hers.
	rohan := sandbox.DefaultCitizens()[1]
	for _, uri := range []string{asha.Documents[1].URI, rohan.Documents[1].URI} {
		_, err := e.client.XML(context.Background(), tok.AccessToken, uri)
		var ae *digilocker.APIError
		if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "invalid_uri" {
			t.Fatalf("%s: %v", uri, err)
		}
	}
}

func TestTokenAnswers(t *testing.T) {
	e := newEnv(t, digilocker.AuthInForm)
	ctx := context.Background()
	v := digilocker.NewVerifier()
	code := e.login(t, digilocker.FlowLogin, v)

	if _, err := e.client.Exchange(ctx, code, digilocker.NewVerifier()); !digilocker.IsGrantRejected(err) {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := e.client.Exchange(ctx, code, v); !digilocker.IsGrantRejected(err) {
		t.Fatalf("a code refused once must stay used: %v", err)
	}
	if _, err := e.client.Exchange(ctx, "code", "short"); err == nil || !strings.Contains(err.Error(), "43 to 128") {
		t.Fatalf("short verifier: %v", err)
	}
	v = digilocker.NewVerifier()
	code = e.login(t, digilocker.FlowLogin, v)
	tok, err := e.client.Exchange(ctx, code, v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Exchange(ctx, code, v); !digilocker.IsGrantRejected(err) {
		t.Fatalf("replayed code: %v", err)
	}
	next, err := e.client.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh %v (rotated: %v)", err, next != nil && next.RefreshToken != tok.RefreshToken)
	}
	if _, err := e.client.Refresh(ctx, tok.RefreshToken); !digilocker.IsGrantRejected(err) {
		t.Fatalf("a rotated refresh token still works: %v", err)
	}
	e.sb.ExpireAccessTokens()
	if _, err := e.client.User(ctx, next.AccessToken); !digilocker.IsTokenRejected(err) {
		t.Fatalf("expired access token: %v", err)
	}
	e.sb.Inject(sandbox.Fault{Path: "/public/oauth2/1/token", Status: 500, Code: "unexpected_error"},
		sandbox.Fault{Path: "/public/oauth2/1/user", Status: 503})
	_, err = e.client.Refresh(ctx, next.RefreshToken)
	var ae *digilocker.APIError
	if !errors.As(err, &ae) || ae.Status != 500 || ae.Code != "unexpected_error" {
		t.Fatalf("500: %v", err)
	}
	_, err = e.client.User(ctx, next.AccessToken)
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != "" {
		t.Fatalf("non-JSON 503: %v", err)
	}
	bad, _ := digilocker.New(digilocker.Config{BaseURL: e.srv.URL + "/public", ClientID: "pramaan-test", ClientSecret: "wrong", RedirectURI: redirectURI, Now: time.Now})
	_, err = bad.Refresh(ctx, next.RefreshToken)
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != "invalid_client" {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestConsentAnswers(t *testing.T) {
	e := newEnv(t, digilocker.AuthInForm)
	ctx := context.Background()
	u, _ := e.client.AuthorizeURL(digilocker.AuthRequest{Flow: digilocker.FlowLogin, State: "st", CodeChallenge: digilocker.Challenge(digilocker.NewVerifier())})
	cb, err := sandbox.Consent(ctx, u, asha.DigiLockerID, false)
	if err != nil || cb.Query().Get("error") != "access_denied" || cb.Query().Get("state") != "st" || cb.Query().Get("code") != "" {
		t.Fatalf("deny: %v %v", cb, err)
	}
	noPKCE := strings.Replace(u, "code_challenge_method=S256", "code_challenge_method=plain", 1)
	cb, err = sandbox.Consent(ctx, noPKCE, asha.DigiLockerID, true)
	if err != nil || cb.Query().Get("error") != "invalid_request" {
		t.Fatalf("plain PKCE: %v %v", cb, err)
	}
	resp, err := http.Get(strings.Replace(u, "callback", "elsewhere", 1))
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("unregistered redirect_uri: %v %v", resp.StatusCode, err)
	}
	if _, err := e.client.AuthorizeURL(digilocker.AuthRequest{Flow: digilocker.FlowDocuments, State: "s", CodeChallenge: "c", DocTypes: []string{"HSC,ER"}}); err == nil {
		t.Fatal("a malformed doctype went into the URL")
	}
}
