package wallet_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/internal/server"
	"github.com/pramaan/pramaan/internal/store/sqlite"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
)

var claims = map[string]any{"name": "Asha Verma", "birth_date": "1990-04-12", "aadhaar_last4": "1234"}

// testIssuer is a complete Pramaan issuer on a loopback port.
type testIssuer struct {
	url        string
	svc        *issuer.Service
	roots      []*x509.Certificate
	requestKey *keys.RequestKey
}

func startIssuer(t *testing.T) *testIssuer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	cfg := config.Default()
	cfg.Server.PublicURL = u
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ks, _, err := keys.Open(filepath.Join(dir, "keys"), keys.Options{IssuerURL: u})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := server.NewIssuer(cfg, ks, st, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	app, err := httpapi.New(httpapi.Config{PublicURL: u, Service: svc, Admin: ks.AdminToken(), Ready: st})
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown(); st.Close() })
	return &testIssuer{url: u, svc: svc, roots: []*x509.Certificate{ks.IACA()}, requestKey: ks.RequestDecrypter()}
}

func (ti *testIssuer) offer(t *testing.T, byReference bool, ids ...string) (string, *issuer.OfferResponse) {
	t.Helper()
	res, err := ti.svc.NewOffer(context.Background(), &issuer.OfferRequest{CredentialConfigurationIDs: ids, Claims: claims, ByReference: byReference})
	if err != nil {
		t.Fatal(err)
	}
	return res.Link, res
}

func TestReceiveAcceptsEveryOfferForm(t *testing.T) {
	ti := startIssuer(t)
	c := &wallet.Client{Roots: ti.roots}
	forms := map[string]func() string{
		"by reference": func() string { l, _ := ti.offer(t, true, "aadhaar_sd_jwt"); return l },
		"by value":     func() string { l, _ := ti.offer(t, false, "aadhaar_sd_jwt"); return l },
		"raw JSON": func() string {
			_, r := ti.offer(t, false, "aadhaar_sd_jwt")
			b, _ := json.Marshal(r.CredentialOffer)
			return string(b)
		},
		"https link": func() string {
			_, r := ti.offer(t, true, "aadhaar_sd_jwt")
			return "https://wallet.example/offer?credential_offer_uri=" + url.QueryEscape(r.CredentialOfferURI)
		},
	}
	for name, mk := range forms {
		t.Run(name, func(t *testing.T) {
			got, err := c.Receive(context.Background(), mk(), wallet.ReceiveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Format != "dc+sd-jwt" || got[0].Claims["name"] != "Asha Verma" || got[0].NotificationID == "" {
				t.Fatalf("received %+v", got)
			}
		})
	}
}

func TestReceiveBatchBindsEachCredentialToItsOwnKey(t *testing.T) {
	ti := startIssuer(t)
	link, _ := ti.offer(t, true, "aadhaar_mdoc")
	ks := wallet.NewMemoryKeyStore()
	c := &wallet.Client{Roots: ti.roots}
	got, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{Batch: 3, Keys: ks, Encrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("received %d credentials, want 3", len(got))
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
		if _, err := c.Verify(context.Background(), r.Format, r.Credential, k.Public()); err != nil {
			t.Fatalf("credential does not verify with its own key: %v", err)
		}
	}
}

func TestVerifyRefusesForeignTamperedAndUntrustedCredentials(t *testing.T) {
	ti := startIssuer(t)
	link, _ := ti.offer(t, true, "aadhaar_sd_jwt", "aadhaar_mdoc")
	ks := wallet.NewMemoryKeyStore()
	c := &wallet.Client{Roots: ti.roots}
	got, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stranger := startIssuer(t)
	for _, r := range got {
		holder, _ := ks.Key(context.Background(), r.KeyID)
		t.Run(r.Format, func(t *testing.T) {
			if _, err := c.Verify(context.Background(), r.Format, r.Credential, other.Public()); !errors.Is(err, wallet.ErrVerification) {
				t.Errorf("bound to another key: err = %v", err)
			}
			tampered := []byte(r.Credential)
			tampered[len(tampered)/3] ^= 0x01
			if _, err := c.Verify(context.Background(), r.Format, string(tampered), holder.Public()); !errors.Is(err, wallet.ErrVerification) {
				t.Errorf("tampered: err = %v", err)
			}
			untrusting := &wallet.Client{Roots: stranger.roots}
			if _, err := untrusting.Verify(context.Background(), r.Format, r.Credential, holder.Public()); !errors.Is(err, wallet.ErrVerification) {
				t.Errorf("another issuer's roots: err = %v", err)
			}
		})
	}
}

func TestDiscoverRefusesMetadataOfAnotherIssuer(t *testing.T) {
	ti := startIssuer(t)
	// A server that relays the real issuer's metadata under its own name.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(ti.url + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		var v any
		json.NewDecoder(resp.Body).Decode(&v)
		json.NewEncoder(w).Encode(v)
	}))
	defer proxy.Close()
	_, err := (&wallet.Client{}).Discover(context.Background(), proxy.URL)
	if !errors.Is(err, wallet.ErrIssuerMismatch) {
		t.Fatalf("err = %v, want ErrIssuerMismatch", err)
	}
}

func TestTokenErrorsComeBackAsIssuerErrors(t *testing.T) {
	ti := startIssuer(t)
	link, _ := ti.offer(t, false, "aadhaar_sd_jwt")
	c := &wallet.Client{Roots: ti.roots}
	if _, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{})
	var ie *wallet.IssuerError
	if !errors.As(err, &ie) || ie.Status != 400 || ie.Err.Code != oid4vci.CodeInvalidGrant {
		t.Fatalf("second redemption: err = %v, want an invalid_grant IssuerError", err)
	}
}

func TestOversizedResponsesAreRefused(t *testing.T) {
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"credential_issuer":"` + strings.Repeat("x", 4096) + `"}`))
	}))
	defer big.Close()
	c := &wallet.Client{MaxResponseBytes: 1024}
	link := "openid-credential-offer://?credential_offer_uri=" + url.QueryEscape(strings.Replace(big.URL, "127.0.0.1", "localhost", 1)+"/o")
	_, err := c.ParseOffer(context.Background(), link)
	if !errors.Is(err, wallet.ErrResponse) || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Fatalf("err = %v, want ErrResponse for the size", err)
	}
}

func TestFileKeyStoreKeepsKeysPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	fs := wallet.FileKeyStore{Dir: dir}
	k, id, err := fs.NewKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, err := fs.Key(context.Background(), id)
	if err != nil || !again.Public().(*ecdsa.PublicKey).Equal(k.Public()) {
		t.Fatalf("reloaded key differs: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, id+".pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	if _, err := fs.Key(context.Background(), "../../etc/passwd"); !errors.Is(err, wallet.ErrNoKey) {
		t.Fatalf("path-like id: err = %v", err)
	}
	var _ crypto.Signer = k
}

func TestSignedMetadataIsVerifiedAgainstTheRoots(t *testing.T) {
	ti := startIssuer(t)
	link, _ := ti.offer(t, true, "aadhaar_sd_jwt")
	c := &wallet.Client{Roots: ti.roots, SignedMetadata: true}
	if _, err := c.Receive(context.Background(), link, wallet.ReceiveOptions{}); err != nil {
		t.Fatalf("with signed metadata: %v", err)
	}
	stranger := startIssuer(t)
	_, err := (&wallet.Client{Roots: stranger.roots, SignedMetadata: true}).Discover(context.Background(), ti.url)
	if !errors.Is(err, wallet.ErrSignedMetadata) || !strings.Contains(err.Error(), "certificate chain") {
		t.Fatalf("untrusted chain: err = %v", err)
	}
	// A relay that alters one byte of the signed metadata.
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(http.MethodGet, ti.url+r.URL.Path, nil)
		req.Header.Set("Accept", r.Header.Get("Accept"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.HasSuffix(r.URL.Path, "openid-credential-issuer") {
			parts := strings.Split(string(b), ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			payload = []byte(strings.Replace(string(payload), `"nonce_endpoint"`, `"nonce_endpoinX"`, 1))
			b = []byte(parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2])
		}
		w.Write(b)
	}))
	defer relay.Close()
	_, err = c.Discover(context.Background(), strings.Replace(relay.URL, "127.0.0.1", "localhost", 1))
	if !errors.Is(err, wallet.ErrSignedMetadata) || !strings.HasSuffix(err.Error(), ": signature") {
		t.Fatalf("tampered metadata: err = %v, want the signature refused", err)
	}
}
