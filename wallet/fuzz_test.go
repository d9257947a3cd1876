package wallet_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/pramaan/pramaan/wallet"
)

// noNetwork refuses every request: the fuzzers exercise parsing only.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzzer")
}

// FuzzParseOffer feeds offers in every form to the wallet: each is parsed
// or refused with an error, never a panic.
func FuzzParseOffer(f *testing.F) {
	for _, s := range []string{
		`openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C%22credential_configuration_ids%22%3A%5B%22aadhaar_sd_jwt%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%2C%22tx_code%22%3A%7B%22length%22%3A6%7D%7D%7D%7D`,
		`openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fcredential-offer%2Fabc`,
		`haip-vci://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo`,
		`https://wallet.example/offer?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fo`,
		`{"credential_issuer":"https://i.example","credential_configuration_ids":["aadhaar_mdoc"],"grants":{"authorization_code":{}}}`,
		`{"credential_issuer":"http://issuer.example","credential_configuration_ids":[]}`,
	} {
		f.Add(s)
	}
	c := &wallet.Client{HTTP: &http.Client{Transport: noNetwork{}}}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := c.ParseOffer(context.Background(), s)
		if (o == nil) == (err == nil) {
			t.Fatalf("ParseOffer returned %v and %v", o, err)
		}
		if o != nil && (o.CredentialIssuer == "" || len(o.CredentialConfigurationIDs) == 0) {
			t.Fatalf("accepted an offer without issuer or configurations: %+v", o)
		}
	})
}

// FuzzParseDeeplink: every link is parsed into a well-formed compact JWE or
// refused with ErrDeeplink.
func FuzzParseDeeplink(f *testing.F) {
	f.Add(appScheme + "://credential-request?request=eyJhbGciOiJFQ0RILUVTIn0..aXY.Y3Q.dGFn")
	f.Add(appScheme + "://credential-request/?request=a..b.c.d&request=x")
	f.Add("https://credential-request?request=a..b.c.d")
	f.Add(appScheme + "://credential-request?request=a..b.c.d#f")
	f.Fuzz(func(t *testing.T, link string) {
		jwe, err := wallet.ParseDeeplink(link, appScheme)
		if err != nil {
			if !errors.Is(err, wallet.ErrDeeplink) {
				t.Fatalf("error %v is not ErrDeeplink", err)
			}
			return
		}
		// What parses must build back to a link that parses to the same JWE.
		again, err := wallet.BuildDeeplink(appScheme, jwe)
		if err != nil {
			t.Fatalf("accepted %q but cannot rebuild it: %v", link, err)
		}
		if back, err := wallet.ParseDeeplink(again, appScheme); err != nil || back != jwe {
			t.Fatalf("round trip of %q: %q, %v", jwe, back, err)
		}
	})
}
