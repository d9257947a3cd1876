package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wallet"
)

// defaultWalletDir is where `pramaan wallet receive` keeps credentials and
// holder keys by default.
const defaultWalletDir = "./pramaan-wallet"

// walletTimeout bounds a whole `wallet receive`, deferred polling included.
const walletTimeout = 5 * time.Minute

func runWallet(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet receive OFFER [flags] | present FILE [flags] | backend [flags] | app [flags]")
		return 2
	}
	switch args[0] {
	case "receive":
		return runWalletReceive(args[1:], e)
	case "present":
		return runWalletPresent(args[1:], e)
	case "backend":
		return runWalletBackend(args[1:], e)
	case "app":
		return runWalletApp(args[1:], e)
	}
	fmt.Fprintf(e.stderr, "pramaan wallet: unknown subcommand %q\n", args[0])
	return 2
}

// receivedSummary is one entry of `wallet receive` output: claim names,
// never their values.
type receivedSummary struct {
	Format          string   `json:"format"`
	ConfigurationID string   `json:"credential_configuration_id"`
	File            string   `json:"file,omitempty"`
	Claims          []string `json:"claims,omitempty"`
	NotificationID  string   `json:"notification_id,omitempty"`
	TransactionID   string   `json:"transaction_id,omitempty"`
	// Status is the credential's Token Status List status (--check-status).
	Status string `json:"status,omitempty"`
}

// receivedStatus checks a received credential's status list entry: the
// status claim of an SD-JWT VC, the MSO status of an mdoc.
func receivedStatus(ctx context.Context, e env, format string, claims map[string]any, file string, roots []*x509.Certificate, pemData []byte) (string, error) {
	var uri string
	var idx int
	var err error
	switch format {
	case oid4vci.FormatMsoMdoc:
		sc, err := wallet.LoadCredential(file)
		if err != nil {
			return "", err
		}
		raw, err := mdoc.DecodeInput([]byte(sc.Credential))
		if err != nil {
			return "", err
		}
		doc, err := (&mdoc.Verifier{Roots: roots, At: e.now()}).VerifyIssuerSigned(raw)
		if err != nil {
			return "", err
		}
		if doc.MSO == nil || doc.MSO.Status == nil {
			return "", errors.New("the MSO has no status")
		}
		uri, idx = doc.MSO.Status.URI, int(doc.MSO.Status.Index)
	default:
		if uri, idx, err = statusReference(claims["status"]); err != nil {
			return "", err
		}
	}
	keys, err := sdjwt.NewX5CResolverFromPEM(pemData)
	if err != nil {
		return "", err
	}
	sc, err := checkStatus(ctx, e, uri, idx, keys, "", e.now)
	if err != nil {
		return "", err
	}
	return sc.Status, nil
}

func runWalletReceive(args []string, e env) int {
	fs := flag.NewFlagSet("wallet receive", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	txCode := fs.String("tx-code", "", "the transaction code the issuer gave by another channel")
	out := fs.String("out", defaultWalletDir, "directory for credentials (holder keys go in its keys/)")
	encrypt := fs.Bool("encrypt", false, "encrypt the credential requests and ask for encrypted responses")
	enc := fs.String("enc", "", "content encryption to ask for with --encrypt (A128GCM, A256GCM); default: the best the issuer offers")
	zip := fs.Bool("zip", false, "ask for DEF-compressed encrypted responses (and compress requests) where the issuer supports it")
	trust := fs.String("trust", "", "PEM file of the issuer's IACA root(s) (from pramaan keys export or <data-dir>/iaca.pem)")
	batch := fs.Int("batch", 1, "credentials per configuration, each bound to its own holder key")
	configs := fs.String("credentials", "", "comma-separated credential_configuration_ids to receive (default: all offered)")
	noDPoP := fs.Bool("no-dpop", false, "use Bearer access tokens instead of DPoP")
	signed := fs.Bool("signed-metadata", false, "fetch the signed issuer metadata and verify its x5c chain against --trust")
	checkStat := fs.Bool("check-status", false, "check each credential's Token Status List entry (its x5c chained to --trust) and report it")
	wait := fs.Duration("deferred-wait", time.Minute, "how long to poll a deferred issuance")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet receive OFFER --trust IACA.pem [--tx-code CODE] [--out DIR] [--encrypt] [--batch N]")
		fs.PrintDefaults()
	}
	offer, err := positional(fs, args)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		fs.Usage()
		return 2
	}
	if *trust == "" {
		fmt.Fprintln(e.stderr, "pramaan wallet receive: --trust is required: credentials are verified before they are stored")
		fs.Usage()
		return 2
	}
	if *batch < 1 || *batch > wallet.MaxBatch {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: --batch must be 1 to %d\n", wallet.MaxBatch)
		fs.Usage()
		return 2
	}
	pemData, err := os.ReadFile(*trust)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		return 2
	}
	roots, err := mdoc.ParseCertificatesPEM(pemData)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: --trust: %v\n", err)
		return 2
	}
	c := &wallet.Client{HTTP: e.client, Now: e.now, Roots: roots, NoDPoP: *noDPoP, SignedMetadata: *signed}
	ctx, cancel := context.WithTimeout(e.context(), walletTimeout)
	defer cancel()
	got, err := c.Receive(ctx, offer, wallet.ReceiveOptions{
		TxCode: *txCode, ConfigurationIDs: splitList(*configs), Encrypt: *encrypt, Enc: *enc, Zip: *zip, Batch: *batch,
		Keys: wallet.FileKeyStore{Dir: filepath.Join(*out, "keys")}, Store: wallet.FileStore{Dir: *out}, DeferredWait: *wait,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		for _, r := range got {
			if r.File != "" {
				fmt.Fprintf(e.stderr, "pramaan wallet receive: kept before the failure: %s\n", r.File)
			}
		}
		return 1
	}
	summary := []receivedSummary{}
	for _, r := range got {
		sum := receivedSummary{
			Format: r.Format, ConfigurationID: r.ConfigurationID, File: r.File, Claims: claimNames(r.Claims),
			NotificationID: r.NotificationID, TransactionID: r.TransactionID,
		}
		if *checkStat && r.File != "" {
			st, err := receivedStatus(ctx, e, r.Format, r.Claims, r.File, roots, pemData)
			if err != nil {
				fmt.Fprintf(e.stderr, "pramaan wallet receive: %s: status: %v\n", r.File, err)
				return 1
			}
			sum.Status = st
		}
		summary = append(summary, sum)
		if r.NotifyError != nil {
			fmt.Fprintf(e.stderr, "pramaan wallet receive: warning: %s kept, but the issuer was not notified: %v\n", r.File, r.NotifyError)
		}
	}
	if err := printJSON(e.stdout, map[string]any{"credentials": summary}); err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		return 1
	}
	return 0
}

// claimNames lists claim names, dotted for nested ones, without values;
// cnf is named but not walked.
func claimNames(claims map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + k
			if sub, ok := v.(map[string]any); ok && k != "cnf" && len(sub) > 0 {
				walk(name+".", sub)
				continue
			}
			out = append(out, name)
		}
	}
	walk("", claims)
	sort.Strings(out)
	return out
}

func runWalletPresent(args []string, e env) int {
	fs := flag.NewFlagSet("wallet present", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	disclose := fs.String("disclose", "", "comma-separated claims to disclose (dotted for nested: address.city)")
	aud := fs.String("aud", "", "the verifier (KB-JWT aud)")
	nonce := fs.String("nonce", "", "the verifier's nonce")
	keysDir := fs.String("keys", "", "holder key directory (default: keys/ beside FILE)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet present FILE --disclose a,b --aud A --nonce N [--keys DIR]")
		fs.PrintDefaults()
	}
	file, err := positional(fs, args)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		fs.Usage()
		return 2
	}
	if *aud == "" || *nonce == "" {
		fmt.Fprintln(e.stderr, "pramaan wallet present: --aud and --nonce are required")
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		return 1
	}
	sc, err := wallet.LoadCredential(file)
	if err != nil {
		return fail(err)
	}
	if sc.Format != oid4vci.FormatSDJWTVC {
		return fail(fmt.Errorf("%s is %s; only SD-JWT VCs are presented here", file, sc.Format))
	}
	dir := *keysDir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(file), "keys")
	}
	key, err := wallet.FileKeyStore{Dir: dir}.Key(e.context(), sc.KeyID)
	if err != nil {
		return fail(err)
	}
	sd, err := sdjwt.Parse([]byte(sc.Credential))
	if err != nil {
		return fail(err)
	}
	if err := boundTo(sd, key.Public()); err != nil {
		return fail(err)
	}
	var paths []sdjwt.Path
	for _, name := range splitList(*disclose) {
		var p sdjwt.Path
		for _, seg := range strings.Split(name, ".") {
			p = append(p, seg)
		}
		paths = append(paths, p)
	}
	pres, err := sd.Present(&sdjwt.KeyBinding{Signer: key, Audience: *aud, Nonce: *nonce, IssuedAt: e.now()}, paths...)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(e.stdout, pres.String())
	return 0
}

// boundTo checks that the SD-JWT's cnf.jwk is the holder key, so that the
// KB-JWT will verify.
func boundTo(sd *sdjwt.SDJWT, holder any) error {
	payload, err := base64.RawURLEncoding.DecodeString(sd.Payload)
	if err != nil {
		return fmt.Errorf("credential payload: %w", err)
	}
	var p struct {
		Cnf struct {
			JWK map[string]any `json:"jwk"`
		} `json:"cnf"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("credential payload: %w", err)
	}
	bound, err := sdjwt.ParseJWK(p.Cnf.JWK)
	if err != nil {
		return fmt.Errorf("credential cnf.jwk: %w", err)
	}
	b, ok := bound.(*ecdsa.PublicKey)
	h, ok2 := holder.(*ecdsa.PublicKey)
	if !ok || !ok2 || !b.Equal(h) {
		return errors.New("the credential is bound to another key than its holder key file")
	}
	return nil
}

var _ = runWallet
