package main

import (
	"bufio"
	"crypto/rand"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pramaan/pramaan/identity/ekyc"
	"github.com/pramaan/pramaan/internal/server"
)

const ekycVerifyUsage = "usage: pramaan ekyc verify (--zip FILE --share-code CODE|- | --qr-file FILE) --cert CER [--cert CER...] [--max-age D] [--at RFC3339] [--mobile M] [--email E]"

func runEKYC(args []string, e env) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, ekycVerifyUsage)
		return 2
	}
	return runEKYCVerify(args[1:], e)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// ekycVerdict is what pramaan ekyc verify prints: the masked facts, never
// the resident's name, birth date, address, photo or hashes.
type ekycVerdict struct {
	Verified      bool   `json:"verified"`
	Source        string `json:"source"`
	Last4         string `json:"aadhaar_last4,omitempty"`
	ReferenceTime string `json:"reference_time,omitempty"`
	VerifiedAt    string `json:"verified_at,omitempty"`
	SignerSHA256  string `json:"signer_sha256,omitempty"`
	PhotoPresent  bool   `json:"photo_present,omitempty"`
	MobileShared  bool   `json:"mobile_hash_present,omitempty"`
	EmailShared   bool   `json:"email_hash_present,omitempty"`
	MobileMatch   *bool  `json:"mobile_match,omitempty"`
	EmailMatch    *bool  `json:"email_match,omitempty"`
	Error         string `json:"error,omitempty"`
	Description   string `json:"error_description,omitempty"`
}

func runEKYCVerify(args []string, e env) int {
	fs := flag.NewFlagSet("ekyc verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	zipFile := fs.String("zip", "", "the offline e-KYC package (offlineaadhaar….zip)")
	shareCode := fs.String("share-code", "", "the package's share code; - reads it from the first line of stdin (keeps it out of the shell history)")
	qrFile := fs.String("qr-file", "", "a file holding a Secure QR payload (the decimal digits a QR reader returns), instead of --zip")
	var certs stringList
	fs.Var(&certs, "cert", "a pinned signing certificate, DER (.cer, as UIDAI publishes) or PEM; repeat for several (required)")
	maxAge := fs.Duration("max-age", ekyc.DefaultMaxAge, "the oldest referenceId time accepted")
	at := fs.String("at", "", "verify at this time (RFC 3339) instead of now")
	mobile := fs.String("mobile", "", "a mobile number to check against the package's hash")
	email := fs.String("email", "", "an e-mail address to check against the package's hash (salted, then plain)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, ekycVerifyUsage)
		fmt.Fprintln(e.stderr, "Prints the masked result as JSON (never the name, birth date, address or photo); exits 1 when verification fails.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || len(certs) == 0 || (*zipFile == "") == (*qrFile == "") || (*zipFile != "" && *shareCode == "") {
		fmt.Fprintln(e.stderr, "pramaan ekyc verify: --cert and either --zip with --share-code or --qr-file are required, and nothing else")
		fs.Usage()
		return 2
	}
	fail := func(v ekycVerdict, err error) int {
		v.Verified, v.Error, v.Description = false, ekyc.Code(err), err.Error()
		if v.Error == "" {
			v.Error = "error"
		}
		_ = printJSON(e.stdout, v)
		fmt.Fprintf(e.stderr, "pramaan ekyc verify: %v\n", err)
		return 1
	}
	v := ekycVerdict{Source: "ekyc_offline"}
	if *qrFile != "" {
		v.Source = "ekyc_qr"
	}
	now, err := parseTime(*at, e)
	if err != nil {
		return fail(v, err)
	}
	var pinned []*x509.Certificate
	for _, f := range certs {
		c, err := server.ReadCertificate(f)
		if err != nil {
			return fail(v, fmt.Errorf("--cert: %w", err))
		}
		pinned = append(pinned, c)
	}
	// The name hash is not printed; its key is thrown away.
	opts := ekyc.Options{Pinned: pinned, Now: now, MaxAge: *maxAge, NameKey: []byte(rand.Text())}
	var r *ekyc.Result
	if *qrFile != "" {
		payload, err := os.ReadFile(*qrFile)
		if err != nil {
			return fail(v, err)
		}
		if r, _, err = ekyc.VerifyQR(string(payload), opts); err != nil {
			return fail(v, err)
		}
	} else {
		code := *shareCode
		if code == "-" {
			line, err := bufio.NewReader(e.stdinOrEmpty()).ReadString('\n')
			if err != nil && line == "" {
				return fail(v, fmt.Errorf("--share-code -: reading stdin: %w", err))
			}
			code = strings.TrimRight(line, "\r\n")
		}
		zip, err := os.ReadFile(*zipFile)
		if err != nil {
			return fail(v, err)
		}
		xml, err := ekyc.Open(zip, code, ekyc.Limits{})
		if err != nil {
			return fail(v, err)
		}
		if r, err = ekyc.Verify(xml, opts); err != nil {
			return fail(v, err)
		}
		if *mobile != "" {
			ok, err := ekyc.VerifyMobile(r, *mobile, code)
			if err != nil {
				return fail(v, err)
			}
			v.MobileMatch = &ok
		}
		if *email != "" {
			ok, err := ekyc.VerifyEmail(r, *email, code, ekyc.EmailSaltedOrPlain)
			if err != nil {
				return fail(v, err)
			}
			v.EmailMatch = &ok
		}
	}
	m := r.Masked()
	v.Verified, v.Last4, v.SignerSHA256 = true, m.Last4, m.SignerSHA256
	v.ReferenceTime, v.VerifiedAt = m.ReferenceTime.Format(time.RFC3339Nano), m.VerifiedAt.UTC().Format(time.RFC3339)
	v.PhotoPresent, v.MobileShared, v.EmailShared = len(r.Claims.Photo) > 0, r.Claims.MobileHash != "", r.Claims.EmailHash != ""
	if err := printJSON(e.stdout, v); err != nil {
		return 1
	}
	return 0
}
