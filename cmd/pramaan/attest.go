package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/pramaan/pramaan/attestation/android"
)

func runAttest(args []string, e env) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, "usage: pramaan attest verify --chain FILE --challenge STR|hex:HEX [--at RFC3339] [--policy FILE] [--revocations FILE|URL] [--allow-test-devices]")
		return 2
	}
	return runAttestVerify(args[1:], e)
}

func runAttestVerify(args []string, e env) int {
	fs := flag.NewFlagSet("attest verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	chainFile := fs.String("chain", "", "the Android key attestation chain, leaf first: PEM, or a JSON array of base64 DER certificates (required)")
	challenge := fs.String("challenge", "", "the expected attestation challenge: the string itself, or hex:HEX for bytes (required)")
	at := fs.String("at", "", "verify at this time (RFC 3339) instead of now")
	policyFile := fs.String("policy", "", "JSON policy; the members it names replace those of the built-in strict policy")
	revocations := fs.String("revocations", android.GoogleStatusURL, "the attestation status list: a file or an https URL")
	testDevices := fs.Bool("allow-test-devices", false, "accept unlocked devices with unverified boot and any patch level (every other check still holds)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: pramaan attest verify --chain FILE --challenge STR|hex:HEX [--at RFC3339] [--policy FILE] [--revocations FILE|URL] [--allow-test-devices]")
		fmt.Fprintln(e.stderr, "Prints what the chain attests as JSON; exits 1 when it fails, with the one reason.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *chainFile == "" || *challenge == "" {
		fmt.Fprintln(e.stderr, "pramaan attest verify: --chain and --challenge are required, and nothing else")
		fs.Usage()
		return 2
	}
	failf := func(err error) int {
		fmt.Fprintf(e.stderr, "pramaan attest verify: %v\n", err)
		return 1
	}
	want, err := parseChallenge(*challenge)
	if err != nil {
		return failf(err)
	}
	now, err := parseTime(*at, e)
	if err != nil {
		return failf(err)
	}
	policy := android.StrictPolicy()
	if *policyFile != "" {
		data, err := e.readSource(context.Background(), *policyFile)
		if err != nil {
			return failf(fmt.Errorf("--policy: %w", err))
		}
		if policy, err = android.ParsePolicy(data); err != nil {
			return failf(fmt.Errorf("--policy %s: %w", *policyFile, err))
		}
	}
	if *testDevices {
		policy = policy.AllowTestDevices()
	}
	status, err := android.NewStatusSource(*revocations, android.StatusOptions{Client: e.client, Now: e.now})
	if err != nil {
		return failf(fmt.Errorf("--revocations: %w", err))
	}
	v, err := android.NewVerifier(android.Config{Policy: policy, Status: status})
	if err != nil {
		return failf(err)
	}
	data, err := e.readSource(context.Background(), *chainFile)
	if err != nil {
		return failf(fmt.Errorf("--chain: %w", err))
	}
	chain, err := parseChainFile(data)
	if err != nil {
		return failf(fmt.Errorf("--chain %s: %w", *chainFile, err))
	}
	res, verr := v.Verify(context.Background(), chain, want, now())
	if err := printJSON(e.stdout, res); err != nil {
		return failf(err)
	}
	if verr != nil {
		fmt.Fprintf(e.stderr, "pramaan attest verify: %v\n", verr)
		return 1
	}
	return 0
}

// parseChallenge reads --challenge: hex:HEX for bytes, else the string.
func parseChallenge(s string) ([]byte, error) {
	if h, ok := strings.CutPrefix(s, "hex:"); ok {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("--challenge: %q is not hex", h)
		}
		return b, nil
	}
	return []byte(s), nil
}

// parseChainFile reads PEM certificates, or a JSON array of base64 DER
// certificates (one chain of Google's android_keystore_attestation proof).
func parseChainFile(data []byte) ([][]byte, error) {
	trimmed := strings.TrimSpace(string(data))
	if !strings.HasPrefix(trimmed, "[") {
		return android.PEMChain(data)
	}
	var b64 []string
	if err := json.Unmarshal([]byte(trimmed), &b64); err != nil {
		return nil, fmt.Errorf("not a JSON array of base64 certificates: %w", err)
	}
	if len(b64) > android.MaxPEMCertificates {
		return nil, fmt.Errorf("more than %d certificates", android.MaxPEMCertificates)
	}
	chain := make([][]byte, 0, len(b64))
	for i, s := range b64 {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("certificate %d is not base64", i)
		}
		chain = append(chain, der)
	}
	return chain, nil
}
