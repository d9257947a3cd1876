package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/app"
	"github.com/pramaan/pramaan/wallet/backend"
)

func loadRoots(path string) ([]*x509.Certificate, error) {
	if path == "" {
		return nil, errors.New("--trust is required: credentials are verified before they are accepted")
	}
	pemData, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return mdoc.ParseCertificatesPEM(pemData)
}

// runWalletBackend runs the reference wallet backend: the receiver of
// the issuer's signed callbacks.
func runWalletBackend(args []string, e env) int {
	fs := flag.NewFlagSet("wallet backend", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "host:port to listen on")
	issuerURL := fs.String("issuer", config.DefaultPublicURL, "the issuer whose callbacks are accepted (its JWKS signs them)")
	trust := fs.String("trust", "", "PEM file of the issuer's IACA root(s) (<data-dir>/iaca.pem)")
	out := fs.String("out", "./pramaan-wallet-backend", "directory for the backend's key and the accepted callbacks")
	id := fs.String("id", "wallet-backend-1", "the backend's client_id at the issuer")
	register := fs.Bool("register", false, "register this backend with the issuer (admin token: $"+keys.AdminTokenEnv+" or --data-dir)")
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the issuer's data directory, for its admin token with --register")
	configs := fs.String("credentials", "aadhaar_sd_jwt,aadhaar_mdoc", "credential configurations this backend receives")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(e.stderr, "pramaan wallet backend: %v\n", err)
		return code
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return fail(2, err)
	}
	if err := os.MkdirAll(filepath.Join(*out, "callbacks"), 0o700); err != nil {
		return fail(1, err)
	}
	key, err := backend.LoadOrCreateKey(filepath.Join(*out, "backend-key.pem"))
	if err != nil {
		return fail(1, err)
	}
	jwk, err := backend.PublicJWK(key)
	if err != nil {
		return fail(1, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(1, err)
	}
	defer ln.Close()
	callbackURL := "http://" + ln.Addr().String() + "/callback"
	reg := map[string]any{
		"client_id": *id, "callback_url": callbackURL, "encryption_jwk": json.RawMessage(jwk),
		"credential_configuration_ids": splitList(*configs),
	}
	if *register {
		token, err := adminToken(e, *dataDir)
		if err != nil {
			return fail(1, err)
		}
		if _, err := postAdmin(e, strings.TrimRight(*issuerURL, "/")+"/admin/wallet-backends", token, reg); err != nil {
			return fail(1, fmt.Errorf("register: %w", err))
		}
	}
	rc := &backend.Receiver{
		Issuer: strings.TrimRight(*issuerURL, "/"), CallbackURL: callbackURL, Key: key,
		Wallet: &wallet.Client{HTTP: e.client, Now: e.now, Roots: roots}, Dir: filepath.Join(*out, "callbacks"),
		HTTP: e.client, Now: e.now, Logger: slog.New(slog.NewJSONHandler(e.stderr, nil)),
	}
	mux := http.NewServeMux()
	mux.Handle("/callback", rc)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	regJSON, _ := json.Marshal(reg)
	fmt.Fprintf(e.stdout, "wallet backend %s listening\n  callback_url  %s\n  callbacks in  %s\n", *id, callbackURL, filepath.Join(*out, "callbacks"))
	if *register {
		fmt.Fprintf(e.stdout, "  registered with %s\n", *issuerURL)
	} else {
		fmt.Fprintf(e.stdout, "register it (admin API):\n  curl -X POST %s/admin/wallet-backends -H \"Authorization: Bearer $(cat %s)\" -H 'Content-Type: application/json' -d '%s'\n",
			strings.TrimRight(*issuerURL, "/"), filepath.Join(*dataDir, keys.FileAdminToken), regJSON)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if e.onListen != nil {
		e.onListen(callbackURL)
	}
	select {
	case err := <-errc:
		return fail(1, err)
	case <-e.context().Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return 0
}

// appSummary is the output of `wallet app`: what each step produced,
// claim names but never their values.
type appSummary struct {
	ClientID      string              `json:"client_id"`
	Subject       string              `json:"subject"`
	Offer         json.RawMessage     `json:"credential_offer"`
	WalletBackend string              `json:"wallet_backend,omitempty"`
	Credentials   []appCredentialLine `json:"credentials"`
}

type appCredentialLine struct {
	ConfigurationID string   `json:"credential_configuration_id"`
	Format          string   `json:"format"`
	DeeplinkBytes   int      `json:"deeplink_bytes"`
	Encrypted       bool     `json:"response_encrypted"`
	NotificationID  string   `json:"notification_id"`
	Claims          []string `json:"claims"`
	File            string   `json:"file,omitempty"`
}

// runWalletApp plays the Aadhaar-style app flow end to end: the app's
// backend asks for the issuer config, the wallet answers with an encrypted
// request by deeplink, the app forwards it, the wallet opens and verifies
// the answer, and the named wallet backend gets the credentials by callback.
func runWalletApp(args []string, e env) int {
	fs := flag.NewFlagSet("wallet app", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	issuerURL := fs.String("issuer", config.DefaultPublicURL, "the issuer's public URL")
	clientID := fs.String("client-id", "aadhaar-app", "the app client's client_id")
	clientKey := fs.String("client-key", "./pramaan-app/client-key.pem", "the app client's ES256 key (PEM; created when missing)")
	register := fs.Bool("register", false, "register the app client with the issuer (admin token: $"+keys.AdminTokenEnv+" or --data-dir)")
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the issuer's data directory, for its admin token with --register")
	configs := fs.String("credentials", "aadhaar_sd_jwt,aadhaar_mdoc", "credential configurations to ask for")
	claimsArg := fs.String("claims", "", "subject claims: a JSON object, or @FILE (default: a sample citizen)")
	subject := fs.String("subject", "urn:pramaan:app-demo:citizen-1", "the app's subject key for the citizen")
	backendID := fs.String("wallet-backend", "", "registered wallet backend that also receives the credentials by callback")
	scheme := fs.String("scheme", "aadhaarapp", "the app's deeplink scheme")
	trust := fs.String("trust", "", "PEM file of the issuer's IACA root(s) (<data-dir>/iaca.pem)")
	out := fs.String("out", defaultWalletDir, "the wallet's directory for credentials (holder keys in its keys/)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(e.stderr, "pramaan wallet app: %v\n", err)
		return code
	}
	roots, err := loadRoots(*trust)
	if err != nil {
		return fail(2, err)
	}
	claims := []byte(sampleClaims)
	if *claimsArg != "" {
		if claims, err = readArg(*claimsArg); err != nil {
			return fail(2, fmt.Errorf("--claims: %w", err))
		}
	}
	var claimMap map[string]any
	if err := json.Unmarshal(claims, &claimMap); err != nil {
		return fail(2, fmt.Errorf("--claims: %w", err))
	}
	if err := os.MkdirAll(filepath.Dir(*clientKey), 0o700); err != nil {
		return fail(1, err)
	}
	key, err := backend.LoadOrCreateKey(*clientKey) // the same P-256 PEM form
	if err != nil {
		return fail(1, err)
	}
	issuer := strings.TrimRight(*issuerURL, "/")
	if *register {
		jwk, err := signingJWK(key)
		if err != nil {
			return fail(1, err)
		}
		token, err := adminToken(e, *dataDir)
		if err != nil {
			return fail(1, err)
		}
		reg := map[string]any{"client_id": *clientID, "jwks": map[string]any{"keys": []json.RawMessage{jwk}}, "credential_configuration_ids": splitList(*configs)}
		if _, err := postAdmin(e, issuer+"/admin/app-clients", token, reg); err != nil {
			return fail(1, fmt.Errorf("register: %w", err))
		}
	}
	ctx, cancel := context.WithTimeout(e.context(), walletTimeout)
	defer cancel()
	ac := &app.Client{Issuer: issuer, ClientID: *clientID, Key: key, HTTP: e.client, Now: e.now}
	ic, err := ac.IssuerConfig(ctx, *subject, claimMap, splitList(*configs))
	if err != nil {
		return fail(1, err)
	}
	wc := &wallet.Client{HTTP: e.client, Now: e.now, Roots: roots}
	iss, err := wc.Discover(ctx, issuer)
	if err != nil {
		return fail(1, err)
	}
	ks := wallet.FileKeyStore{Dir: filepath.Join(*out, "keys")}
	store := wallet.FileStore{Dir: *out}
	summary := appSummary{ClientID: *clientID, Subject: *subject, Offer: ic.CredentialOffer, WalletBackend: *backendID}
	nonce := ic.CNonce
	for i, cid := range ic.CredentialConfigurationIDs {
		if i > 0 { // the issuer-config's c_nonce is spent by the first request
			if nonce, err = ac.Nonce(ctx); err != nil {
				return fail(1, err)
			}
		}
		holder, kid, err := ks.NewKey(ctx)
		if err != nil {
			return fail(1, err)
		}
		// The wallet: proofs with the c_nonce, encrypted to the issuer, by deeplink.
		req, err := wc.NewAppRequest(ctx, iss, ic.Identifier(cid), nonce, []crypto.Signer{holder})
		if err != nil {
			return fail(1, err)
		}
		link, err := req.Deeplink(*scheme)
		if err != nil {
			return fail(1, err)
		}
		// The app: takes the request out of the deeplink and forwards it.
		jwe, err := wallet.ParseDeeplink(link, *scheme)
		if err != nil {
			return fail(1, err)
		}
		ans, err := ac.Forward(ctx, ic.PreAuthorizedCode, jwe, *backendID)
		if err != nil {
			return fail(1, err)
		}
		// The wallet: opens the answer the app passes back and verifies it.
		res, err := req.Open(ans.Body, oid4vci.Limits{})
		if err != nil {
			return fail(1, err)
		}
		conf := iss.Metadata.CredentialConfigurations[cid]
		for _, cred := range res.Credentials {
			v, err := wc.Verify(ctx, cred, wallet.VerifyOptions{Format: conf.Format, VCT: conf.VCT, Doctype: conf.Doctype, Issuer: issuer, Holders: []crypto.PublicKey{holder.Public()}})
			if err != nil {
				return fail(1, err)
			}
			file, err := store.Save(wallet.Received{Format: conf.Format, ConfigurationID: cid, Issuer: issuer, Credential: cred, KeyID: kid, NotificationID: res.NotificationID}, e.now())
			if err != nil {
				return fail(1, err)
			}
			summary.Credentials = append(summary.Credentials, appCredentialLine{
				ConfigurationID: cid, Format: conf.Format, DeeplinkBytes: len(link), Encrypted: res.Encrypted,
				NotificationID: res.NotificationID, Claims: claimNames(v.Claims), File: file,
			})
		}
	}
	if err := printJSON(e.stdout, summary); err != nil {
		return fail(1, err)
	}
	return 0
}

// signingJWK is the public JWK of an ES256 client key, kid its thumbprint.
func signingJWK(k *ecdsa.PrivateKey) (json.RawMessage, error) {
	raw, err := backend.PublicJWK(k)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	m["alg"], m["use"] = "ES256", "sig"
	return json.Marshal(m)
}
