package portal

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pramaan/pramaan/identity/digilocker"
)

func TestTokenErrorAnswers(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		flow    digilocker.Flow
		status  int
		code    string
		restart string
	}{
		{"not-linked/documents", digilocker.ErrNotLinked, digilocker.FlowDocuments, http.StatusUnauthorized, "digilocker_not_linked", PathDocumentsStart},
		{"not-linked/login", digilocker.ErrNotLinked, digilocker.FlowLogin, http.StatusUnauthorized, "digilocker_not_linked", PathLoginStart},
		{"reauth/wrapped", fmt.Errorf("x: %w", digilocker.ErrReauthRequired), digilocker.FlowDocuments, http.StatusPaymentRequired, "reauth_required", PathDocumentsStart},
		{"rejected", digilocker.ErrTokenRejected, digilocker.FlowDocuments, http.StatusForbidden, "digilocker_token_rejected", PathDocumentsStart},
		{"unavailable/no restart", digilocker.ErrUnavailable, digilocker.FlowDocuments, http.StatusServiceUnavailable, "digilocker_unavailable", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e *Error
			if !errors.As(tokenError(tc.err, tc.flow), &e) {
				t.Fatalf("not an *Error")
			}
			if e.Status != tc.status || e.Code != tc.code || e.RestartURL != tc.restart || !errors.Is(e, tc.err) {
				t.Fatalf("got %d %s %q (wraps: %v)", e.Status, e.Code, e.RestartURL, errors.Is(e, tc.err))
			}
		})
	}
	other := errors.New("database down")
	if got := tokenError(other, digilocker.FlowLogin); got != other {
		t.Fatalf("an unrelated error became %v", got)
	}
}

func TestMobileStartRefuses(t *testing.T) {
	c, err := digilocker.New(digilocker.Config{BaseURL: "https://dl.example/public", ClientID: "id", ClientSecret: "s", RedirectURI: "app://cb", Now: nil})
	if err == nil || c != nil {
		t.Fatal("a client without a clock")
	}
	mc, _ := digilocker.New(digilocker.Config{BaseURL: "https://dl.example/public", ClientID: "id", ClientSecret: "s", RedirectURI: "app://cb", Now: time.Now})
	s := &Service{cfg: Config{MobileClient: mc}}
	good := digilocker.Challenge("a-verifier-of-enough-length-0123456789-abcdefgh")
	for name, tc := range map[string]struct{ challenge, state string }{
		"plain challenge":  {"plain", "state-0123456789ab"},
		"challenge with =": {good[:42] + "=", "state-0123456789ab"},
		"short state":      {good, "short"},
	} {
		if _, err := s.MobileStart(tc.challenge, tc.state); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	u, err := s.MobileStart(good, "state-0123456789ab")
	if err != nil || u == "" {
		t.Fatalf("good start: %q %v", u, err)
	}
	if _, err := (&Service{}).MobileStart(good, "state-0123456789ab"); err == nil {
		t.Fatal("the mobile flow answered without a mobile client")
	}
}
