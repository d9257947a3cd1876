package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wallet"
)

// defaultWalletDir is where `pramaan wallet receive` keeps credentials and
// holder keys by default.
const defaultWalletDir = "./pramaan-wallet"

func runWallet(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet receive OFFER [flags] | pramaan wallet present FILE [flags]")
		return 2
	}
	switch args[0] {
	case "receive":
		return runWalletReceive(args[1:], e)
	case "present":
		return runWalletPresent(args[1:], e)
	}
	fmt.Fprintf(e.stderr, "pramaan wallet: unknown subcommand %q\n", args[0])
	return 2
}

// receivedSummary is one line of `wallet receive` output: no claim values,
// only their names.
type receivedSummary struct {
	Format          string   `json:"format"`
	ConfigurationID string   `json:"credential_configuration_id"`
	File            string   `json:"file,omitempty"`
	Claims          []string `json:"claims,omitempty"`
	NotificationID  string   `json:"notification_id,omitempty"`
	TransactionID   string   `json:"transaction_id,omitempty"`
}

func runWalletReceive(args []string, e env) int {
	fs := flag.NewFlagSet("wallet receive", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	txCode := fs.String("tx-code", "", "the transaction code the issuer gave by another channel")
	out := fs.String("out", defaultWalletDir, "directory for credentials (and holder keys in its keys/)")
	encrypt := fs.Bool("encrypt", false, "encrypt the credential requests and ask for encrypted responses")
	trust := fs.String("trust", "", "PEM file of the issuer's IACA root(s) (from pramaan keys export or <data-dir>/iaca.pem)")
	batch := fs.Int("batch", 1, "credentials (each bound to its own key) per configuration")
	configs := fs.String("credentials", "", "comma-separated credential_configuration_ids to receive (default: all offered)")
	noDPoP := fs.Bool("no-dpop", false, "use Bearer access tokens instead of DPoP")
	signed := fs.Bool("signed-metadata", false, "fetch the signed issuer metadata and verify its x5c chain against --trust")
	offer, rest := splitFirstArg(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if offer == "" || fs.NArg() > 0 || *trust == "" {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet receive OFFER --trust IACA.pem [--tx-code CODE] [--out DIR] [--encrypt] [--batch N]")
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
	ctx, cancel := context.WithTimeout(e.context(), 2*time.Minute)
	defer cancel()
	got, err := c.Receive(ctx, offer, wallet.ReceiveOptions{
		TxCode: *txCode, ConfigurationIDs: splitList(*configs), Encrypt: *encrypt, Batch: *batch,
		Keys: wallet.FileKeyStore{Dir: filepath.Join(*out, "keys")},
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		return 1
	}
	var summary []receivedSummary
	for _, r := range got {
		s := receivedSummary{Format: r.Format, ConfigurationID: r.ConfigurationID, NotificationID: r.NotificationID, TransactionID: r.TransactionID}
		if r.Credential != "" {
			if s.File, err = wallet.SaveCredential(*out, r, e.now()); err != nil {
				fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
				return 1
			}
			s.Claims = claimNames(r.Claims)
		}
		summary = append(summary, s)
	}
	if err := printJSON(e.stdout, map[string]any{"credentials": summary}); err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet receive: %v\n", err)
		return 1
	}
	return 0
}

// claimNames lists claim names, dotted for nested ones, without values.
func claimNames(claims map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + k
			if sub, ok := v.(map[string]any); ok && k != "cnf" {
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

// splitFirstArg lets the positional argument come before the flags.
func splitFirstArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func runWalletPresent(args []string, e env) int {
	fs := flag.NewFlagSet("wallet present", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	disclose := fs.String("disclose", "", "comma-separated claims to disclose (dotted for nested: address.city)")
	aud := fs.String("aud", "", "the verifier (KB-JWT aud)")
	nonce := fs.String("nonce", "", "the verifier's nonce")
	keysDir := fs.String("keys", "", "holder key directory (default: keys/ beside FILE)")
	file, rest := splitFirstArg(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if file == "" || fs.NArg() > 0 || *aud == "" || *nonce == "" {
		fmt.Fprintln(e.stderr, "usage: pramaan wallet present FILE --disclose a,b --aud A --nonce N [--keys DIR]")
		return 2
	}
	sc, err := wallet.LoadCredential(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		return 1
	}
	if sc.Format != "dc+sd-jwt" {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %s is %s; only SD-JWT VCs are presented here\n", file, sc.Format)
		return 1
	}
	dir := *keysDir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(file), "keys")
	}
	key, err := wallet.FileKeyStore{Dir: dir}.Key(e.context(), sc.KeyID)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		return 1
	}
	sd, err := sdjwt.Parse([]byte(sc.Credential))
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		return 1
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
		fmt.Fprintf(e.stderr, "pramaan wallet present: %v\n", err)
		return 1
	}
	fmt.Fprintln(e.stdout, pres.String())
	return 0
}
