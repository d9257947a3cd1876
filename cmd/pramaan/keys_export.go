package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/wellknown"
)

// defaultDataDir is where `pramaan serve` keeps its state by default.
const defaultDataDir = "./pramaan-data"

func runKeys(args []string, e env) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(e.stderr, "usage: pramaan keys export [--data-dir DIR]")
		return 2
	}
	fs := flag.NewFlagSet("keys export", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("data-dir", defaultDataDir, "the data directory of pramaan serve")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pramaan keys export: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	out, err := exportKeys(*dir, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan keys export: %v\n", err)
		return 1
	}
	if err := printJSON(e.stdout, out); err != nil {
		fmt.Fprintf(e.stderr, "pramaan keys export: %v\n", err)
		return 1
	}
	return 0
}

// keysExport is what operators hand to verifiers: public material only.
type keysExport struct {
	JWKS                  wellknown.JWKSet `json:"jwks"`
	IACA                  string           `json:"iaca_pem"`
	DocumentSigner        string           `json:"document_signer_pem"`
	CredentialCertificate string           `json:"credential_certificate_pem"`
	// RelyingPartyJWKS is what an OpenID provider (eSignet) registers for
	// Pramaan as its client: the private_key_jwt signing key and the
	// userinfo encryption key.
	RelyingPartyJWKS map[string]any `json:"relying_party_jwks"`
	Warnings         []string       `json:"warnings,omitempty"`
}

// exportKeys opens an existing keystore (it never creates one: exporting
// keys nobody uses would mislead a verifier) and returns its public part.
func exportKeys(dir string, e env) (keysExport, error) {
	if _, err := os.Stat(filepath.Join(dir, keys.FileIACACert)); errors.Is(err, fs.ErrNotExist) {
		return keysExport{}, fmt.Errorf("no keystore in %s (start `pramaan serve --data-dir %s` once to create it)", dir, dir)
	}
	ks, warnings, err := keys.Open(dir, keys.Options{Now: e.now, LookupEnv: os.LookupEnv})
	if err != nil {
		return keysExport{}, err
	}
	// The relying-party keys are made here when missing, so that they can
	// be registered with a provider before the first sign-in.
	rp, err := ks.RPKeys()
	if err != nil {
		return keysExport{}, err
	}
	out := keysExport{
		RelyingPartyJWKS:      rp.PublicJWKS(),
		JWKS:                  ks.JWKS(),
		IACA:                  certPEM(ks.IACA()),
		DocumentSigner:        certPEM(ks.DocumentSigner().Chain()...),
		CredentialCertificate: certPEM(ks.CredentialSigner().Chain()...),
	}
	for _, w := range warnings {
		out.Warnings = append(out.Warnings, w.String())
	}
	return out, nil
}

func certPEM(certs ...*x509.Certificate) string {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(b)
}
