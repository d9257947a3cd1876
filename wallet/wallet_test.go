package wallet_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/wallettest"
)

// Tests in this file run the wallet against the fake issuer of package
// wallettest on 127.0.0.1, with real signatures and encryption.

func client(fi *wallettest.Issuer) *wallet.Client { return &wallet.Client{Roots: fi.Roots} }

func byFormat(t *testing.T, got []wallet.Received) map[string]wallet.Received {
	t.Helper()
	m := map[string]wallet.Received{}
	for _, r := range got {
		m[r.Format] = r
	}
	return m
}

func TestReceiveAcceptsEveryOfferForm(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	jsonOffer := func() string {
		b, err := json.Marshal(fi.OfferObject(wallettest.SDJWTConfig))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	forms := []struct {
		name  string
		offer func() string
	}{
		{"openid-credential-offer by value", func() string { return fi.Offer(false, wallettest.SDJWTConfig) }},
		{"openid-credential-offer by reference", func() string { return fi.Offer(true, wallettest.SDJWTConfig) }},
		{"haip-vci by reference", func() string {
			return "haip-vci://?credential_offer_uri=" + url.QueryEscape(fi.OfferURI(fi.OfferObject(wallettest.SDJWTConfig)))
		}},
		{"haip by value", func() string { return "haip://?credential_offer=" + url.QueryEscape(jsonOffer()) }},
		{"https link by reference", func() string {
			return "https://wallet.example/offer?credential_offer_uri=" + url.QueryEscape(fi.OfferURI(fi.OfferObject(wallettest.SDJWTConfig)))
		}},
		{"https link by value", func() string { return "https://wallet.example/offer?credential_offer=" + url.QueryEscape(jsonOffer()) }},
		{"raw JSON with white space", func() string { return "\n  " + jsonOffer() + "\n" }},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			got, err := client(fi).Receive(context.Background(), f.offer(), wallet.ReceiveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Format != oid4vci.FormatSDJWTVC || got[0].Claims["name"] != "Asha Verma" || got[0].NotificationID == "" {
				t.Fatalf("received %+v", got)
			}
		})
	}
}

func TestReceiveVerifiesBothFormatsPlainAndEncrypted(t *testing.T) {
	cases := []struct {
		name      string
		issuer    wallettest.Options
		opts      wallet.ReceiveOptions
		encrypted bool
	}{
		{name: "plain", opts: wallet.ReceiveOptions{}},
		{name: "encrypted with the default enc", opts: wallet.ReceiveOptions{Encrypt: true}, encrypted: true},
		{name: "encrypted with A128GCM and compression", issuer: wallettest.Options{Zip: true}, opts: wallet.ReceiveOptions{Encrypt: true, Enc: "A128GCM", Zip: true}, encrypted: true},
		{name: "encrypted because the issuer requires it", issuer: wallettest.Options{EncryptionRequired: true}, opts: wallet.ReceiveOptions{}, encrypted: true},
		{name: "plain with Bearer tokens", opts: wallet.ReceiveOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := wallettest.New(t, tc.issuer)
			c := client(fi)
			c.NoDPoP = strings.Contains(tc.name, "Bearer")
			got, err := c.Receive(context.Background(), fi.Offer(true), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			f := byFormat(t, got)
			sd, md := f[oid4vci.FormatSDJWTVC], f[oid4vci.FormatMsoMdoc]
			if len(got) != 2 || sd.Claims["birth_date"] != "1990-04-12" || sd.ConfigurationID != wallettest.SDJWTConfig {
				t.Fatalf("SD-JWT VC: %+v", sd)
			}
			if els, _ := md.Claims[wallettest.Doctype].(map[string]any); els["name"] != "Asha Verma" || md.Claims["doctype"] != wallettest.Doctype {
				t.Fatalf("mdoc claims: %v", md.Claims)
			}
			for _, r := range fi.Log() {
				if r.Path == "/credential" && (r.ContentType == "application/jwt") != tc.encrypted {
					t.Errorf("credential request sent as %s, encrypted = %v", r.ContentType, tc.encrypted)
				}
				if r.Path == "/credential" && r.DPoP == c.NoDPoP {
					t.Errorf("credential request DPoP = %v with NoDPoP = %v", r.DPoP, c.NoDPoP)
				}
			}
			if n := fi.Notifications(); len(n) != 2 || n[0].Event != oid4vci.EventCredentialAccepted || n[1].Event != oid4vci.EventCredentialAccepted {
				t.Errorf("notifications: %+v", n)
			}
		})
	}
}

func TestDPoPNonceIsRetriedOnceAtTheTokenAndCredentialEndpoints(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{DPoPNonce: true})
	got, err := client(fi).Receive(context.Background(), fi.Offer(false, wallettest.MdocConfig), wallet.ReceiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	checks := []struct {
		path   string
		status int
		want   int
	}{
		{"/token", http.StatusBadRequest, 1},
		{"/token", http.StatusOK, 1},
		{"/credential", http.StatusUnauthorized, 1},
		{"/credential", http.StatusOK, 1},
		{"/notification", http.StatusNoContent, 1},
	}
	for _, c := range checks {
		if n := fi.Count(c.path, c.status); n != c.want {
			t.Errorf("%s answered %d: %d times, want %d", c.path, c.status, n, c.want)
		}
	}
}

func TestDPoPNonceIsRetriedOnlyOnce(t *testing.T) {
	// An issuer that asks for a nonce on every request.
	fi := wallettest.New(t, wallettest.Options{Handlers: map[string]http.HandlerFunc{
		"/token": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("DPoP-Nonce", "n-"+r.Header.Get("DPoP")[:8])
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"use_dpop_nonce"}`))
		},
	}})
	_, err := client(fi).Receive(context.Background(), fi.Offer(false), wallet.ReceiveOptions{})
	if !errors.Is(err, oid4vci.CodeUseDPoPNonce) {
		t.Fatalf("err = %v, want use_dpop_nonce", err)
	}
	if n := fi.Count("/token", 0); n != 2 {
		t.Fatalf("token endpoint asked %d times, want 2", n)
	}
}

func TestDeferredIssuanceIsPolledUntilIssued(t *testing.T) {
	cases := []struct {
		name   string
		issuer wallettest.Options
		opts   wallet.ReceiveOptions
	}{
		{"pending as 202", wallettest.Options{Deferred: 2}, wallet.ReceiveOptions{DeferredWait: 10 * time.Second}},
		{"pending as 400 issuance_pending", wallettest.Options{Deferred: 2, LegacyPending: true}, wallet.ReceiveOptions{DeferredWait: 10 * time.Second}},
		{"encrypted", wallettest.Options{Deferred: 1}, wallet.ReceiveOptions{DeferredWait: 10 * time.Second, Encrypt: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fi := wallettest.New(t, tc.issuer)
			got, err := client(fi).Receive(context.Background(), fi.Offer(true, wallettest.SDJWTConfig), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Credential == "" || got[0].TransactionID != "" {
				t.Fatalf("received %+v", got)
			}
			if n := fi.Count("/deferred_credential", 0); n != tc.issuer.Deferred {
				t.Errorf("polled %d times, want %d", n, tc.issuer.Deferred)
			}
			for _, r := range fi.Log() {
				if r.Path == "/deferred_credential" && (r.ContentType == "application/jwt") != tc.opts.Encrypt {
					t.Errorf("deferred request sent as %s", r.ContentType)
				}
			}
		})
	}
}

func TestDeferredIssuanceWithoutWaitReturnsTheTransaction(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{Deferred: 1})
	got, err := client(fi).Receive(context.Background(), fi.Offer(true, wallettest.MdocConfig), wallet.ReceiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].TransactionID == "" || got[0].Credential != "" {
		t.Fatalf("received %+v", got)
	}
}

func TestStepwiseFlowWithDeferredIssuance(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{Deferred: 1})
	ctx := context.Background()
	c := client(fi)
	offer, err := c.ParseOffer(ctx, fi.Offer(true, wallettest.MdocConfig))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Discover(ctx, offer.CredentialIssuer)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.Token(ctx, iss, offer, "")
	if err != nil {
		t.Fatal(err)
	}
	if sess.TokenType != "DPoP" || !sess.DPoP() || sess.Identifier(wallettest.MdocConfig) != wallettest.MdocConfig+"#dataset-1" {
		t.Fatalf("session: %s %v %+v", sess.TokenType, sess.DPoP(), sess.Details)
	}
	nonce, err := c.Nonce(ctx, sess)
	if err != nil || nonce == "" {
		t.Fatalf("nonce %q: %v", nonce, err)
	}
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	res, err := c.Credential(ctx, sess, wallet.CredentialOptions{Identifier: wallettest.MdocConfig + "#dataset-1", Keys: []crypto.Signer{holder}, Nonce: nonce, Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusAccepted || res.TransactionID == "" || res.Interval != time.Second || res.ConfigurationID != wallettest.MdocConfig || !res.Encrypted {
		t.Fatalf("result %+v", res)
	}
	res, err = c.Deferred(ctx, sess, res.TransactionID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusOK || len(res.Credentials) != 1 || !res.Encrypted {
		t.Fatalf("deferred result %+v", res)
	}
	v, err := c.Verify(ctx, res.Credentials[0], wallet.VerifyOptions{Format: oid4vci.FormatMsoMdoc, Doctype: wallettest.Doctype, Holders: []crypto.PublicKey{holder.Public()}})
	if err != nil || v.Holder != 0 {
		t.Fatalf("verify: %v", err)
	}
	if err := c.Notify(ctx, sess, res.NotificationID, oid4vci.EventCredentialDeleted); err != nil {
		t.Fatal(err)
	}
	if n := fi.Notifications(); len(n) != 1 || n[0].Event != oid4vci.EventCredentialDeleted || n[0].NotificationID != res.NotificationID {
		t.Fatalf("notifications %+v", n)
	}
}

func TestBatchBindsEachCredentialToItsOwnKey(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{BatchSize: 3})
	ks := wallet.NewMemoryKeyStore()
	c := client(fi)
	got, err := c.Receive(context.Background(), fi.Offer(true), wallet.ReceiveOptions{Batch: 3, Keys: ks, Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("received %d credentials, want 6", len(got))
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.KeyID] {
			t.Fatal("two credentials share a holder key")
		}
		seen[r.KeyID] = true
		k, err := ks.Key(context.Background(), r.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Verify(context.Background(), r.Credential, wallet.VerifyOptions{Format: r.Format, Holders: []crypto.PublicKey{k.Public()}}); err != nil {
			t.Fatalf("credential does not verify with its own key: %v", err)
		}
	}
}

func TestBatchOverTheIssuersBatchSizeIsRefusedBeforeTheCodeIsSpent(t *testing.T) {
	cases := []struct {
		name   string
		issuer wallettest.Options
		batch  int
		want   string
	}{
		{"over batch_size", wallettest.Options{BatchSize: 2}, 3, "3 holder keys, over the issuer's batch_size 2"},
		{"no batch issuance", wallettest.Options{}, 2, "2 holder keys but the issuer offers no batch issuance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := wallettest.New(t, tc.issuer)
			_, err := client(fi).Receive(context.Background(), fi.Offer(false), wallet.ReceiveOptions{Batch: tc.batch})
			if !errors.Is(err, wallet.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if n := fi.Count("/token", 0); n != 0 {
				t.Fatalf("the token endpoint was called %d times", n)
			}
		})
	}
}

func TestTxCode(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{TxCode: "493536"})
	plain := wallettest.New(t, wallettest.Options{})
	cases := []struct {
		name   string
		issuer *wallettest.Issuer
		code   string
		check  func(error) bool
		tokens int
	}{
		{"right code is accepted", fi, "493536", func(err error) bool { return err == nil }, 1},
		{"missing code is refused before the token request", fi, "", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "the offer requires a tx_code (6 characters, numeric: sent to you by SMS)")
		}, 0},
		{"wrong code is invalid_grant", fi, "000000", func(err error) bool {
			var ie *wallet.IssuerError
			return errors.As(err, &ie) && ie.Status == 400 && errors.Is(err, oid4vci.CodeInvalidGrant)
		}, 1},
		{"wrong length is refused before the token request", fi, "12345", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "must have 6 characters")
		}, 0},
		{"code for an offer without one is refused", plain, "493536", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "the offer asks for none")
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.issuer.Count("/token", 0)
			_, err := client(tc.issuer).Receive(context.Background(), tc.issuer.Offer(true, wallettest.SDJWTConfig), wallet.ReceiveOptions{TxCode: tc.code})
			if !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			if n := tc.issuer.Count("/token", 0) - before; n != tc.tokens {
				t.Fatalf("token requests: %d, want %d", n, tc.tokens)
			}
		})
	}
}

// flip changes one character of the issuer signature of an SD-JWT, or the
// last byte of an mdoc, which is inside the last issuer-signed item.
func flip(format, cred string) string {
	if format == oid4vci.FormatSDJWTVC {
		jws, rest, _ := strings.Cut(cred, "~")
		b := []byte(jws)
		i := len(b) - 10
		b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
		return string(b) + "~" + rest
	}
	raw, _ := base64.RawURLEncoding.DecodeString(cred)
	raw[len(raw)-1] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(raw)
}

func TestReceiveRefusesCredentialsThatDoNotVerifyAndStoresNothing(t *testing.T) {
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stranger := wallettest.New(t, wallettest.Options{})
	cases := []struct {
		name   string
		issuer wallettest.Options
		roots  bool // use the stranger's roots
		config string
		want   []error
		text   string
	}{
		{"tampered SD-JWT VC", wallettest.Options{Mutate: flip}, false, wallettest.SDJWTConfig, []error{wallet.ErrVerification, sdjwt.ErrSignature}, "invalid signature"},
		{"tampered mdoc", wallettest.Options{Mutate: flip}, false, wallettest.MdocConfig, []error{wallet.ErrVerification, mdoc.ErrDigestMismatch}, "digest mismatch"},
		{"SD-JWT VC bound to another key", wallettest.Options{BindTo: &other.PublicKey}, false, wallettest.SDJWTConfig, []error{wallet.ErrVerification}, "cnf.jwk is not the holder key"},
		{"mdoc bound to another key", wallettest.Options{BindTo: &other.PublicKey}, false, wallettest.MdocConfig, []error{wallet.ErrVerification}, "the MSO deviceKey is not the holder key"},
		{"SD-JWT VC of an untrusted issuer", wallettest.Options{}, true, wallettest.SDJWTConfig, []error{wallet.ErrVerification, sdjwt.ErrUntrustedKey}, "x5c chain"},
		{"mdoc of an untrusted issuer", wallettest.Options{}, true, wallettest.MdocConfig, []error{wallet.ErrVerification, mdoc.ErrUntrustedChain}, "untrusted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := wallettest.New(t, tc.issuer)
			c := client(fi)
			if tc.roots {
				c.Roots = stranger.Roots
			}
			dir := t.TempDir()
			got, err := c.Receive(context.Background(), fi.Offer(true, tc.config), wallet.ReceiveOptions{Store: wallet.FileStore{Dir: dir}})
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to wrap %v", err, w)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.text) || !strings.HasPrefix(err.Error(), "configuration "+tc.config+": ") {
				t.Errorf("err = %v, want %q", err, tc.text)
			}
			if len(got) != 0 {
				t.Errorf("returned %d credentials", len(got))
			}
			if files, _ := (wallet.FileStore{Dir: dir}).List(); len(files) != 0 {
				t.Errorf("stored %v", files)
			}
			if n := fi.Notifications(); len(n) != 1 || n[0].Event != oid4vci.EventCredentialFailure {
				t.Errorf("notifications %+v, want one credential_failure", n)
			}
		})
	}
}

// serve answers with a fixed status, media type and body.
func serve(status int, mediaType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if mediaType != "" {
			w.Header().Set("Content-Type", mediaType)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestReceiveRefusesBadIssuerAnswers(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 200<<10) + `"}`
	cases := []struct {
		name     string
		issuer   wallettest.Options
		client   func(*wallet.Client)
		opts     wallet.ReceiveOptions
		offerAt  string // a path of the issuer that serves the offer
		want     []error
		text     string
		noTokens bool
	}{
		{
			name: "metadata of another issuer", issuer: wallettest.Options{MetadataIssuer: "https://evil.example"},
			want: []error{wallet.ErrIssuerMismatch}, text: `metadata names another credential_issuer: "https://evil.example", fetched for "http://127.0.0.1:`, noTokens: true,
		},
		{
			name: "oversized credential response", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(200, "application/json", big)}},
			client: func(c *wallet.Client) { c.MaxResponseBytes = 100 << 10 },
			want:   []error{wallet.ErrResponse}, text: "response over 102400 bytes",
		},
		{
			name: "oversized offer", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/offer": serve(200, "application/json", big)}}, offerAt: "/offer",
			want: []error{wallet.ErrResponse, oid4vci.ErrTooLarge}, text: "credential_offer_uri", noTokens: true,
		},
		{
			name: "offer as HTML", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/offer": serve(200, "text/html", "{}")}}, offerAt: "/offer",
			want: []error{wallet.ErrResponse}, text: `credential_offer_uri: media type "text/html", want application/json`, noTokens: true,
		},
		{
			name: "bad JSON token response", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/token": serve(200, "application/json", `{"access_token":"x","token_type":`)}},
			want: []error{wallet.ErrResponse, oid4vci.ErrInvalidTokenResponse}, text: "token",
		},
		{
			name: "credentials that are not strings", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(200, "application/json", `{"credentials":[{"credential":{"a":1}}]}`)}},
			want: []error{wallet.ErrResponse}, text: "credentials[0] is not a string",
		},
		{
			name: "bad JSON credential response", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(200, "application/json", `{"credentials":"x"`)}},
			want: []error{wallet.ErrResponse, oid4vci.ErrInvalidCredentialResponse}, text: "credential",
		},
		{
			name: "plain answer to an encrypted request", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(200, "application/json", `{"credentials":[{"credential":"x"}]}`)}},
			opts: wallet.ReceiveOptions{Encrypt: true}, want: []error{wallet.ErrEncryption}, text: `asked for an encrypted response, got "application/json"`,
		},
		{
			name: "202 without a transaction", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(202, "application/json", `{"credentials":[{"credential":"x"}]}`)}},
			want: []error{wallet.ErrResponse}, text: "HTTP 202 with the body of a 200",
		},
		{
			name: "credential request denied", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(400, "application/json", `{"error":"credential_request_denied","error_description":"no"}`)}},
			want: []error{oid4vci.CodeCredentialRequestDenied}, text: "credential: issuer answered 400 credential_request_denied: no",
		},
		{
			name: "HTML error page", issuer: wallettest.Options{Handlers: map[string]http.HandlerFunc{"/credential": serve(502, "text/html", `<h1>Bad gateway</h1>`)}},
			want: []error{wallet.ErrResponse}, text: "credential: HTTP 502",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := wallettest.New(t, tc.issuer)
			offer := fi.Offer(true, wallettest.SDJWTConfig)
			if tc.offerAt != "" {
				offer = "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape(fi.URL+tc.offerAt)
			}
			c := client(fi)
			if tc.client != nil {
				tc.client(c)
			}
			_, err := c.Receive(context.Background(), offer, tc.opts)
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to wrap %v", err, w)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want %q", err, tc.text)
			}
			if n := fi.Count("/token", 0); tc.noTokens && n != 0 {
				t.Errorf("token endpoint called %d times", n)
			}
		})
	}
}

func TestSignedMetadataIsVerifiedAgainstTheRoots(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	stranger := wallettest.New(t, wallettest.Options{})
	cases := []struct {
		name  string
		roots *wallettest.Issuer
		ok    bool
	}{
		{"trusted chain is accepted", fi, true},
		{"untrusted chain is refused", stranger, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &wallet.Client{Roots: tc.roots.Roots, SignedMetadata: true}
			iss, err := c.Discover(context.Background(), fi.URL)
			if tc.ok {
				if err != nil || !iss.Signed || iss.Metadata.NonceEndpoint != fi.URL+"/nonce" {
					t.Fatalf("discover: %v", err)
				}
				return
			}
			if !errors.Is(err, wallet.ErrSignedMetadata) || !strings.Contains(err.Error(), "certificate chain") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestFileStoreKeepsOneFilePerCredentialPrivately(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{BatchSize: 2})
	dir := filepath.Join(t.TempDir(), "wallet")
	got, err := client(fi).Receive(context.Background(), fi.Offer(true), wallet.ReceiveOptions{
		Batch: 2, Store: wallet.FileStore{Dir: dir}, Keys: wallet.FileKeyStore{Dir: filepath.Join(dir, "keys")},
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err := wallet.FileStore{Dir: dir}.List()
	if err != nil || len(files) != 4 || len(got) != 4 {
		t.Fatalf("files %v (%v), received %d", files, err, len(got))
	}
	for _, r := range got {
		fi, err := os.Stat(r.File)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", r.File, fi.Mode(), err)
		}
		sc, err := wallet.LoadCredential(r.File)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Credential != r.Credential || sc.KeyID != r.KeyID || sc.NotificationID != r.NotificationID || sc.Format != r.Format || sc.ConfigurationID != r.ConfigurationID || sc.ReceivedAt.IsZero() {
			t.Fatalf("stored %+v for %+v", sc, r)
		}
		if _, err := (wallet.FileKeyStore{Dir: filepath.Join(dir, "keys")}).Key(context.Background(), sc.KeyID); err != nil {
			t.Fatalf("holder key of %s: %v", r.File, err)
		}
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v %v", di.Mode(), err)
	}
}

func TestLoadCredentialRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"not JSON", "hello", "invalid character"},
		{"JSON of something else", `{"a":1}`, "is not a wallet credential file"},
		{"too large", `{"credential":"` + strings.Repeat("x", wallet.MaxStoredCredential) + `"}`, "is over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := wallet.LoadCredential(p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestKeyStoresReturnTheKeysTheyMade(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	stores := []struct {
		name string
		ks   wallet.KeyStore
	}{
		{"memory", wallet.NewMemoryKeyStore()},
		{"file", wallet.FileKeyStore{Dir: dir}},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			k, id, err := s.ks.NewKey(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.ks.Key(context.Background(), id)
			if err != nil || !again.Public().(*ecdsa.PublicKey).Equal(k.Public()) {
				t.Fatalf("reloaded key differs: %v", err)
			}
			for _, bad := range []string{"../../etc/passwd", "", strings.Repeat("A", 43)} {
				if _, err := s.ks.Key(context.Background(), bad); !errors.Is(err, wallet.ErrNoKey) {
					t.Errorf("id %q: err = %v, want ErrNoKey", bad, err)
				}
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	if len(files) != 1 {
		t.Fatalf("key files %v", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", fi.Mode(), err)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %v %v", di.Mode(), err)
	}
}

func TestCredentialRefusesWhatTheIssuerDoesNotOffer(t *testing.T) {
	fi := wallettest.New(t, wallettest.Options{})
	ctx := context.Background()
	c := client(fi)
	offer, _ := c.ParseOffer(ctx, fi.Offer(false, wallettest.SDJWTConfig))
	iss, err := c.Discover(ctx, offer.CredentialIssuer)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.Token(ctx, iss, offer, "")
	if err != nil {
		t.Fatal(err)
	}
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	cases := []struct {
		name string
		opts wallet.CredentialOptions
		want string
	}{
		{"no key", wallet.CredentialOptions{ConfigurationID: wallettest.SDJWTConfig}, "at least one holder key is needed"},
		{"configuration not granted", wallet.CredentialOptions{ConfigurationID: wallettest.MdocConfig, Keys: []crypto.Signer{holder}}, `the access token grants no credential_identifier for "pid_mdoc"`},
		{"identifier not granted", wallet.CredentialOptions{Identifier: "other#1", Keys: []crypto.Signer{holder}}, `grants no credential_identifier "other#1"`},
		{"P-384 holder key", wallet.CredentialOptions{ConfigurationID: wallettest.SDJWTConfig, Keys: []crypto.Signer{p384}}, "holder keys must be P-256 ECDSA keys"},
		{"unsupported enc", wallet.CredentialOptions{ConfigurationID: wallettest.SDJWTConfig, Keys: []crypto.Signer{holder}, Encrypt: true, Enc: "A192GCM"}, "enc A192GCM is not among the issuer's [A128GCM A256GCM]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Credential(ctx, sess, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if n := fi.Count("/credential", 0); n != 0 {
		t.Fatalf("%d credential requests went out", n)
	}
}

func TestEncryptedResponsesMustBeWhatTheWalletAskedFor(t *testing.T) {
	cases := []struct {
		name   string
		change func(*oid4vci.ResponseEncryption)
		want   string
	}{
		{"another enc", func(e *oid4vci.ResponseEncryption) { e.Enc = "A128GCM" }, `response enc "A128GCM", asked for "A256GCM"`},
		{"compressed without asking", func(e *oid4vci.ResponseEncryption) { e.Zip = "DEF" }, `response zip "DEF", asked for ""`},
		{"another kid", func(e *oid4vci.ResponseEncryption) {
			var m map[string]any
			json.Unmarshal(e.JWK, &m)
			m["kid"] = "not-yours"
			e.JWK, _ = json.Marshal(m)
		}, `response kid "not-yours" is not the wallet key's`},
		{"to another key", func(e *oid4vci.ResponseEncryption) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			pt, _ := k.PublicKey.ECDH()
			b := pt.Bytes()
			var m map[string]any
			json.Unmarshal(e.JWK, &m)
			m["x"], m["y"] = base64.RawURLEncoding.EncodeToString(b[1:33]), base64.RawURLEncoding.EncodeToString(b[33:])
			e.JWK, _ = json.Marshal(m)
		}, "cannot decrypt the response"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fi := wallettest.New(t, wallettest.Options{ResponseEncryption: tc.change})
			_, err := client(fi).Receive(context.Background(), fi.Offer(true, wallettest.SDJWTConfig), wallet.ReceiveOptions{Encrypt: true})
			if !errors.Is(err, wallet.ErrEncryption) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
