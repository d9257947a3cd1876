package wallet_test

import (
	"context"
	"crypto"
	"errors"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/wallettest"
)

const appScheme = "in.gov.uidai.app"

// appRequest prepares an app-flow request with n holder keys.
func appRequest(t *testing.T, fi *wallettest.Issuer, n int) (*wallet.AppRequest, []crypto.Signer) {
	t.Helper()
	c := &wallet.Client{Roots: fi.Roots}
	iss, err := c.Discover(context.Background(), fi.URL)
	if err != nil {
		t.Fatal(err)
	}
	ks := wallet.NewMemoryKeyStore()
	keys := make([]crypto.Signer, n)
	for i := range keys {
		keys[i], _, _ = ks.NewKey(context.Background())
	}
	r, err := c.NewAppRequest(context.Background(), iss, "aadhaar_sd_jwt", "c-nonce-from-the-app", keys)
	if err != nil {
		t.Fatal(err)
	}
	return r, keys
}

func TestDeeplinkRoundTripAndTheIssuerDecryptsIt(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	r, _ := appRequest(t, fi, 1)
	link, err := r.Deeplink(appScheme)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, appScheme+"://credential-request?request=") {
		t.Fatalf("link = %.80s", link)
	}
	jwe, err := wallet.ParseDeeplink(link, appScheme)
	if err != nil || jwe != r.JWE {
		t.Fatalf("parsed %v, %v", jwe == r.JWE, err)
	}
	plain, err := fi.DecryptRequest([]byte(jwe))
	if err != nil {
		t.Fatalf("the issuer cannot decrypt the deeplink's request: %v", err)
	}
	req, err := oid4vci.ParseCredentialRequest(plain, oid4vci.Limits{MaxBatchSize: 10})
	if err != nil || req.CredentialIdentifier != "aadhaar_sd_jwt" || len(req.Proofs.JWT) != 1 || req.CredentialResponseEncryption == nil {
		t.Fatalf("decrypted request %s: %v", plain, err)
	}
}

func TestAppRequestOpensTheIssuersEncryptedResponse(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	r, _ := appRequest(t, fi, 1)
	plain, err := fi.DecryptRequest([]byte(r.JWE))
	if err != nil {
		t.Fatal(err)
	}
	req, err := oid4vci.ParseCredentialRequest(plain, oid4vci.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		resp oid4vci.CredentialResponse
		want int
	}{
		{"issued", oid4vci.CredentialResponse{Credentials: []oid4vci.IssuedCredential{oid4vci.StringCredential("cred-1")}, NotificationID: "n-1"}, 200},
		{"deferred", oid4vci.CredentialResponse{TransactionID: "tx-1", Interval: 60}, 202},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := fi.EncryptResponse(tc.resp, req.CredentialResponseEncryption)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Open(sealed, oid4vci.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want || !res.Encrypted || res.TransactionID != tc.resp.TransactionID || res.NotificationID != tc.resp.NotificationID {
				t.Fatalf("opened %+v", res)
			}
		})
	}
	other, _ := appRequest(t, fi, 1)
	sealed, _ := fi.EncryptResponse(cases[0].resp, req.CredentialResponseEncryption)
	if _, err := other.Open(sealed, oid4vci.Limits{}); !errors.Is(err, wallet.ErrEncryption) {
		t.Fatalf("another request's response: err = %v", err)
	}
}

func TestDeeplinkNearTheLimit(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	r, _ := appRequest(t, fi, 10)
	link, err := r.Deeplink(appScheme)
	if err != nil {
		t.Fatalf("a batch of 10 does not fit: %v", err)
	}
	t.Logf("deeplink with 10 proofs and response encryption: %d bytes of %d", len(link), wallet.MaxDeeplinkBytes)
	if len(link) > wallet.MaxDeeplinkBytes/2 {
		t.Fatalf("a batch of 10 takes %d bytes, more than half the limit", len(link))
	}
	// A well-formed link of exactly the limit parses; one byte more does not.
	prefix := appScheme + "://credential-request?request="
	mk := func(total int) string {
		// header.encryptedkey(empty).iv.ciphertext.tag with the ciphertext padded.
		fixed := len(prefix) + len("h..i..t")
		return prefix + "h..i." + strings.Repeat("C", total-fixed) + ".t"
	}
	at := mk(wallet.MaxDeeplinkBytes)
	if len(at) != wallet.MaxDeeplinkBytes {
		t.Fatalf("test link has %d bytes", len(at))
	}
	if _, err := wallet.ParseDeeplink(at, appScheme); err != nil {
		t.Fatalf("a link of exactly the limit: %v", err)
	}
	if _, err := wallet.ParseDeeplink(mk(wallet.MaxDeeplinkBytes+1), appScheme); !errors.Is(err, wallet.ErrDeeplink) {
		t.Fatalf("one byte over the limit: err = %v", err)
	}
}

func TestDeeplinkRefusals(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	r, _ := appRequest(t, fi, 1)
	good, _ := r.Deeplink(appScheme)
	cases := map[string]string{
		"other scheme":    strings.Replace(good, appScheme, "evil.app", 1),
		"other host":      strings.Replace(good, "credential-request", "credential-offer", 1),
		"truncated JWE":   good[:len(good)-len(strings.Split(r.JWE, ".")[4])-1],
		"two requests":    good + "&request=" + r.JWE,
		"extra parameter": good + "&redirect=https%3A%2F%2Fevil.example",
		"fragment":        good + "#x",
		"path":            strings.Replace(good, "credential-request?", "credential-request/x?", 1),
		"not base64url":   strings.Replace(good, "request=", "request=%2B", 1),
		"no request":      appScheme + "://credential-request",
		"https link":      "https://credential-request?request=" + r.JWE,
		"user info":       strings.Replace(good, "://", "://u@", 1),
	}
	for name, link := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := wallet.ParseDeeplink(link, appScheme); !errors.Is(err, wallet.ErrDeeplink) {
				t.Fatalf("err = %v, want ErrDeeplink", err)
			}
		})
	}
	for _, scheme := range []string{"https", "javascript", "", "1app", "a b"} {
		if _, err := wallet.BuildDeeplink(scheme, r.JWE); !errors.Is(err, wallet.ErrDeeplink) {
			t.Errorf("scheme %q: err = %v", scheme, err)
		}
	}
	// A tampered ciphertext keeps the shape but the issuer refuses it, as
	// it refuses a request encrypted to another issuer's key.
	parts := strings.Split(r.JWE, ".")
	ct := []byte(parts[3])
	ct[0] ^= 'A' ^ 'B'
	parts[3] = string(ct)
	if _, err := fi.DecryptRequest([]byte(strings.Join(parts, "."))); err == nil {
		t.Fatal("the issuer decrypted a tampered request")
	}
	other := wallettest.New(t, wallettest.Options{})
	foreign, _ := appRequest(t, other, 1)
	if _, err := fi.DecryptRequest([]byte(foreign.JWE)); err == nil {
		t.Fatal("the issuer decrypted a request encrypted to another issuer's key")
	}
}
