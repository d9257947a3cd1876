package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/statuslist"
)

func runVerifyMDoc(args []string, e env) int {
	fs := flag.NewFlagSet("verify mdoc", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	trust := fs.String("trust", "", "PEM file of trusted IACA root certificates (required)")
	at := fs.String("at", "", "verify at this time (RFC 3339) instead of now")
	selfSigned := fs.Bool("allow-self-signed-ds", false, "accept a document signer that is itself one of the --trust certificates (test issuers only)")
	checkStat := fs.Bool("check-status", false, "fetch the mdoc's Token Status List (the MSO status) and require VALID; the list's x5c must chain to the --trust roots")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: pramaan verify mdoc FILE --trust IACA.pem [--at RFC3339] [--check-status]")
		fmt.Fprintln(e.stderr, "FILE holds an ISO 18013-5 IssuerSigned as raw CBOR, hex or base64url (an OpenID4VCI mso_mdoc credential).")
		fs.PrintDefaults()
	}
	file, err := positional(fs, args)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan verify mdoc: %v\n", err)
		fs.Usage()
		return 2
	}
	if *trust == "" {
		fmt.Fprintln(e.stderr, "pramaan verify mdoc: --trust is required")
		return 2
	}
	now, err := parseTime(*at, e)
	if err != nil {
		return fail(e, "mdoc", err)
	}
	pemData, err := os.ReadFile(*trust)
	if err != nil {
		return fail(e, "mdoc", fmt.Errorf("--trust: %w", err))
	}
	roots, err := mdoc.ParseCertificatesPEM(pemData)
	if err != nil {
		return fail(e, "mdoc", fmt.Errorf("--trust %s: %w", *trust, err))
	}
	raw, err := e.readSource(context.Background(), file)
	if err != nil {
		return fail(e, "mdoc", err)
	}
	data, err := mdoc.DecodeInput(raw)
	if err != nil {
		return fail(e, "mdoc", err)
	}
	v := &mdoc.Verifier{Roots: roots, At: now(), AllowSelfSignedDS: *selfSigned}
	doc, err := v.VerifyIssuerSigned(data)
	if err != nil {
		return fail(e, "mdoc", err)
	}
	fp := sha256.Sum256(doc.DSCertificate.Raw)
	out := mdocOutput{
		Verified:        true,
		DocType:         doc.DocType,
		DigestAlgorithm: doc.DigestAlgorithm,
		Validity:        doc.Validity,
		DocumentSigner:  doc.DSCertificate.Subject.String(),
		DSFingerprint:   hex.EncodeToString(fp[:]),
		Claims:          doc.Claims(),
	}
	if *checkStat {
		if doc.MSO == nil || doc.MSO.Status == nil {
			return fail(e, "mdoc", errors.New("the MSO has no status"))
		}
		keys, err := sdjwt.NewX5CResolverFromPEM(pemData)
		if err != nil {
			return fail(e, "mdoc", fmt.Errorf("--trust %s: %w", *trust, err))
		}
		sc, err := checkStatus(context.Background(), e, doc.MSO.Status.URI, int(doc.MSO.Status.Index), keys, "", now)
		if err != nil {
			return fail(e, "mdoc", err)
		}
		out.StatusCheck = sc
		if sc.Status != statuslist.Valid.String() {
			_ = printJSON(e.stdout, out)
			return fail(e, "mdoc", fmt.Errorf("the mdoc's status is %s", sc.Status))
		}
	}
	if err := printJSON(e.stdout, out); err != nil {
		return fail(e, "mdoc", err)
	}
	return 0
}

type mdocOutput struct {
	Verified        bool                      `json:"verified"`
	DocType         string                    `json:"doc_type"`
	DigestAlgorithm string                    `json:"digest_algorithm"`
	Validity        mdoc.Validity             `json:"validity"`
	DocumentSigner  string                    `json:"document_signer"`
	DSFingerprint   string                    `json:"document_signer_sha256"`
	Claims          map[string]map[string]any `json:"claims"`
	StatusCheck     *statusCheck              `json:"status_check,omitempty"`
}
