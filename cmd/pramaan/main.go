package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now, client: &http.Client{Timeout: 15 * time.Second}}))
}

// env is what a subcommand may touch of the outside world; tests replace it.
type env struct {
	stdout, stderr io.Writer
	// stdin is read by commands that take a secret from it; nil is empty.
	stdin  io.Reader
	now    func() time.Time
	client *http.Client // for --jwks URLs and issuer metadata
	// ctx ends long-running commands (serve); nil means until SIGINT or
	// SIGTERM.
	ctx context.Context
	// lookupEnv reads the environment; nil means os.LookupEnv.
	lookupEnv func(string) (string, bool)
	// onListen, when set, is told the public URL once serve accepts
	// connections (tests use it to find a :0 port).
	onListen func(publicURL string)
}

func (e env) getenv(key string) (string, bool) {
	if e.lookupEnv != nil {
		return e.lookupEnv(key)
	}
	return os.LookupEnv(key)
}

func (e env) stdinOrEmpty() io.Reader {
	if e.stdin == nil {
		return strings.NewReader("")
	}
	return e.stdin
}

// command is one subcommand: it returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(args []string, e env) int
}

func commands() []command {
	return []command{
		{"serve", "run the issuer (embedded default: SQLite and keys in ./pramaan-data, 127.0.0.1:8080)", runServe},
		{"migrate", "apply the database migrations and exit", runMigrate},
		{"offer", "create a credential offer on a running issuer (offer create)", runOffer},
		{"wallet", "receive credentials from an offer (wallet receive) or present one (wallet present)", runWallet},
		{"bench", "run complete issuance flows under load and report flows/s, latencies and the crypto floor", runBench},
		{"conformance", "run the public conformance vectors against our SD-JWT and mdoc code", runConformance},
		{"verify", "verify an SD-JWT VC (verify sdjwt) or an mdoc IssuerSigned (verify mdoc)", runVerify},
		{"attest", "verify an Android key attestation chain and print what it attests (attest verify)", runAttest},
		{"ekyc", "verify an Aadhaar offline e-KYC package or Secure QR and print the masked result (ekyc verify)", runEKYC},
		{"keys", "print the issuer's public keys and certificates for verifiers (keys export)", runKeys},
	}
}

func run(args []string, e env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], e)
		}
	}
	fmt.Fprintf(e.stderr, "pramaan: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pramaan <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'pramaan <command> -h' for the flags of a command.")
}
