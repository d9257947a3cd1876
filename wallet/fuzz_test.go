package wallet_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wellknown"
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
		`haip://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fi.example%22%2C%22credential_configuration_ids%22%3A%5B%22a%22%5D%7D`,
		`openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fi.example%2Fo`,
		`openid-credential-offer://?credential_offer_uri=javascript%3Aalert(1)`,
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

// Endpoints of the issuer the response fuzzer answers for.
const fuzzIssuer = "https://issuer.example"

var fuzzPaths = []string{
	"/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server",
	wellknown.PathToken, wellknown.PathNonce, wellknown.PathCredential, wellknown.PathDeferredCredential, wellknown.PathNotification,
}

// cannedIssuer answers every request with a well-formed response, except
// the one endpoint whose answer the fuzzer supplies.
type cannedIssuer struct {
	answers map[string]fuzzAnswer
	path    string
	fuzzed  fuzzAnswer
}

type fuzzAnswer struct {
	status    int
	mediaType string
	header    http.Header
	body      []byte
}

func (c *cannedIssuer) RoundTrip(r *http.Request) (*http.Response, error) {
	a, ok := c.answers[r.URL.Path]
	if r.URL.Path == c.path {
		a, ok = c.fuzzed, true
	}
	if !ok {
		a = fuzzAnswer{status: 404, mediaType: "text/plain"}
	}
	h := http.Header{"Content-Type": {a.mediaType}}
	for k, v := range a.header {
		h[k] = v
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

func cannedAnswers(f *testing.F) map[string]fuzzAnswer {
	reqKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, err := wellknown.NewBuilder(wellknown.Config{
		IssuerURL: fuzzIssuer, DeferredEndpoint: true, NotificationEndpoint: true, BatchSize: 2,
		RequestEncryption:  &wellknown.RequestEncryptionConfig{Keys: []wellknown.KeySpec{{Key: &reqKey.PublicKey, KeyID: "k1", Alg: "ECDH-ES"}}, EncValues: []string{"A128GCM"}},
		ResponseEncryption: &wellknown.ResponseEncryptionConfig{AlgValues: []string{"ECDH-ES"}, EncValues: []string{"A128GCM"}},
		Configurations:     []wellknown.CredentialConfig{{ID: "pid", Format: wellknown.FormatSDJWTVC, VCT: "urn:pid", Display: []wellknown.CredentialDisplay{{Name: "PID"}}}},
		DPoPSigningAlgs:    []string{"ES256"},
	})
	if err != nil {
		f.Fatal(err)
	}
	md, _ := json.Marshal(b.CredentialIssuerMetadata())
	as, _ := json.Marshal(b.AuthorizationServerMetadata())
	j := func(status int, body string) fuzzAnswer {
		return fuzzAnswer{status: status, mediaType: "application/json", body: []byte(body)}
	}
	return map[string]fuzzAnswer{
		fuzzPaths[0]: {status: 200, mediaType: "application/json", body: md},
		fuzzPaths[1]: {status: 200, mediaType: "application/json", body: as},
		fuzzPaths[2]: j(200, `{"access_token":"at-1","token_type":"DPoP","expires_in":300,"authorization_details":[{"type":"openid_credential","credential_configuration_id":"pid","credential_identifiers":["pid-1"]}]}`),
		fuzzPaths[3]: j(200, `{"c_nonce":"n-1"}`),
		fuzzPaths[4]: j(200, `{"credentials":[{"credential":"eyJhbGciOiJFUzI1NiJ9.e30.sig~"}],"notification_id":"nid"}`),
		fuzzPaths[5]: j(200, `{"credentials":[{"credential":"x"}]}`),
		fuzzPaths[6]: {status: 204},
	}
}

// FuzzIssuerResponses answers one step of the flow (metadata, token,
// nonce, credential, deferred, notification) with fuzzed bytes, status and
// media type, the others with well-formed responses: the wallet must
// return a result or an error, never panic, and a result it returns must
// be consistent.
func FuzzIssuerResponses(f *testing.F) {
	answers := cannedAnswers(f)
	for i, p := range fuzzPaths {
		a := answers[p]
		f.Add(uint8(i), uint16(a.status), a.mediaType, "", a.body, false)
	}
	f.Add(uint8(2), uint16(400), "application/json", "dpop-1", []byte(`{"error":"use_dpop_nonce"}`), false)
	f.Add(uint8(4), uint16(401), "application/json", "dpop-2", []byte(`{"error":"use_dpop_nonce"}`), false)
	f.Add(uint8(4), uint16(202), "application/json", "", []byte(`{"transaction_id":"tx-1","interval":5}`), false)
	f.Add(uint8(4), uint16(200), "application/jwt", "", []byte(`eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSJ9..aXY.Y3Q.dGFn`), true)
	f.Add(uint8(4), uint16(400), "application/json", "", []byte(`{"error":"invalid_nonce","error_description":"stale"}`), false)
	f.Add(uint8(5), uint16(400), "application/json", "", []byte(`{"error":"issuance_pending"}`), false)
	f.Add(uint8(2), uint16(200), "application/json; charset=utf-8", "", []byte(`{"access_token":"a","token_type":"Bearer"}`), false)
	f.Add(uint8(0), uint16(200), "application/json", "", []byte(`{"credential_issuer":"https://issuer.example","credential_endpoint":"https://issuer.example/c","credential_configurations_supported":{}}`), false)
	f.Fuzz(func(t *testing.T, step uint8, status uint16, mediaType, dpopNonce string, body []byte, encrypt bool) {
		path := fuzzPaths[int(step)%len(fuzzPaths)]
		a := fuzzAnswer{status: 200 + int(status)%400, mediaType: mediaType, body: body}
		if dpopNonce != "" {
			a.header = http.Header{"Dpop-Nonce": {dpopNonce}, "Www-Authenticate": {`DPoP error="use_dpop_nonce"`}}
		}
		c := &wallet.Client{HTTP: &http.Client{Transport: &cannedIssuer{answers: answers, path: path, fuzzed: a}}, MaxResponseBytes: 64 << 10}
		ctx := context.Background()
		offer := &oid4vci.CredentialOffer{CredentialIssuer: fuzzIssuer, CredentialConfigurationIDs: []string{"pid"},
			Grants: &oid4vci.Grants{PreAuthorizedCode: &oid4vci.PreAuthorizedCodeGrant{PreAuthorizedCode: "code"}}}
		iss, err := c.Discover(ctx, fuzzIssuer)
		if err != nil {
			return
		}
		if iss.Metadata.CredentialIssuer != fuzzIssuer || iss.AS == nil || iss.AS.TokenEndpoint == "" {
			t.Fatalf("Discover accepted %+v", iss)
		}
		sess, err := c.Token(ctx, iss, offer, "")
		if err != nil {
			return
		}
		if sess.AccessToken == "" {
			t.Fatal("a session without an access token")
		}
		holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		res, err := c.Credential(ctx, sess, wallet.CredentialOptions{ConfigurationID: "pid", Keys: []crypto.Signer{holder}, Encrypt: encrypt})
		if err != nil {
			return
		}
		checkResult(t, res)
		if res.Status == http.StatusAccepted {
			if res, err = c.Deferred(ctx, sess, res.TransactionID); err != nil {
				return
			}
			checkResult(t, res)
		}
		if res.Status == http.StatusOK {
			c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialAccepted)
		}
	})
}

func checkResult(t *testing.T, res *wallet.Result) {
	t.Helper()
	switch res.Status {
	case http.StatusOK:
		if len(res.Credentials) == 0 || len(res.Credentials) > 1 || res.TransactionID != "" {
			t.Fatalf("200 result %+v", res)
		}
		for _, c := range res.Credentials {
			if strings.TrimSpace(c) == "" {
				t.Fatalf("empty credential in %+v", res)
			}
		}
	case http.StatusAccepted:
		if res.TransactionID == "" || res.Interval <= 0 || len(res.Credentials) != 0 {
			t.Fatalf("202 result %+v", res)
		}
	default:
		t.Fatalf("result with status %d", res.Status)
	}
}
