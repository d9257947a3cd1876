package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"rsc.io/qr"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/internal/keys"
	"github.com/pramaan/pramaan/issuer"
)

// sampleClaims are the claims of `offer create` without --claims: a
// fictitious citizen, for trying the embedded default.
const sampleClaims = `{
  "name": "Asha Verma",
  "birth_date": "1990-04-12",
  "gender": "F",
  "address": {"house": "12", "street": "MG Road", "locality": "Shanti Nagar", "city": "Bengaluru",
              "district": "Bengaluru Urban", "state": "Karnataka", "pincode": "560001", "country": "IN"},
  "aadhaar_last4": "1234",
  "portrait": "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q=="
}`

// maxAdminResponse bounds the answer of POST /admin/offers.
const maxAdminResponse = 1 << 20

func runOffer(args []string, e env) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "usage: pramaan offer create [flags]  (pramaan offer create -h)")
		return 2
	}
	fs := flag.NewFlagSet("offer create", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	issuerURL := fs.String("issuer", config.DefaultPublicURL, "the issuer's public URL")
	dataDir := fs.String("data-dir", config.DefaultDataDir, "data directory holding admin-token (when $"+keys.AdminTokenEnv+" is unset)")
	configIDs := fs.String("credentials", "aadhaar_sd_jwt,aadhaar_mdoc", "comma-separated credential_configuration_ids to offer")
	claimsArg := fs.String("claims", "", "subject claims: a JSON object, or @FILE (default: a sample citizen)")
	subject := fs.String("subject", "", "the record's subject key (default: random)")
	txCode := fs.Bool("tx-code", false, "require a transaction code (printed once, to give the holder by another channel)")
	txLen := fs.Int("tx-code-length", issuer.DefaultTxCodeLength, "transaction code length")
	txMode := fs.String("tx-code-mode", "numeric", "transaction code input mode: numeric or text")
	txDesc := fs.String("tx-code-description", "", "what the wallet shows when asking for the code")
	byValue := fs.Bool("by-value", false, "put the whole offer in the link instead of a credential_offer_uri")
	noQR := fs.Bool("no-qr", false, "do not print the QR code")
	asJSON := fs.Bool("json", false, "print the issuer's JSON answer only")
	walletBackend := fs.String("wallet-backend", "", "registered wallet backend that also receives the credentials by signed callback")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pramaan offer create: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	claims := []byte(sampleClaims)
	if *claimsArg != "" {
		var err error
		if claims, err = readArg(*claimsArg); err != nil {
			fmt.Fprintf(e.stderr, "pramaan offer create: --claims: %v\n", err)
			return 2
		}
	}
	req := map[string]any{
		"credential_configuration_ids": splitList(*configIDs),
		"claims":                       json.RawMessage(claims),
		"by_reference":                 !*byValue,
	}
	if *subject != "" {
		req["subject"] = *subject
	}
	if *walletBackend != "" {
		req["wallet_backend"] = *walletBackend
	}
	if *txCode {
		req["tx_code"] = map[string]any{"length": *txLen, "input_mode": *txMode, "description": *txDesc}
	}
	token, err := adminToken(e, *dataDir)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan offer create: %v\n", err)
		return 1
	}
	body, err := postAdmin(e, strings.TrimRight(*issuerURL, "/")+"/admin/offers", token, req)
	if err != nil {
		fmt.Fprintf(e.stderr, "pramaan offer create: %v\n", err)
		return 1
	}
	if *asJSON {
		e.stdout.Write(append(body, '\n'))
		return 0
	}
	var res issuer.OfferResponse
	if err := json.Unmarshal(body, &res); err != nil {
		fmt.Fprintf(e.stderr, "pramaan offer create: the issuer's answer: %v\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "%s\n", res.Link)
	if res.TxCode != "" {
		fmt.Fprintf(e.stdout, "tx_code: %s  (give it to the holder by another channel; it is not shown again)\n", res.TxCode)
	}
	fmt.Fprintf(e.stdout, "expires: %s\n", res.ExpiresAt.Format("2006-01-02 15:04:05 MST"))
	if !*noQR {
		if err := printQR(e.stdout, res.Link); err != nil {
			fmt.Fprintf(e.stderr, "pramaan offer create: QR code: %v\n", err)
			return 1
		}
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readArg returns s, or the content of the file when s is @FILE.
func readArg(s string) ([]byte, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		return os.ReadFile(name)
	}
	return []byte(s), nil
}

// adminToken reads the admin token from the environment, else from the
// data directory's admin-token file.
func adminToken(e env, dataDir string) (string, error) {
	if v, ok := e.getenv(keys.AdminTokenEnv); ok && v != "" {
		return v, nil
	}
	b, err := os.ReadFile(filepath.Join(dataDir, keys.FileAdminToken))
	if err != nil {
		return "", fmt.Errorf("no admin token: set $%s or pass --data-dir of the running issuer (%w)", keys.AdminTokenEnv, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// postAdmin POSTs JSON to an admin endpoint and returns the 2xx body.
func postAdmin(e env, url, token string, v any) ([]byte, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(e.context(), http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminResponse+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxAdminResponse {
		return nil, errors.New("the issuer's answer is too large")
	}
	if resp.StatusCode/100 != 2 {
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &oe) == nil && oe.Error != "" {
			return nil, fmt.Errorf("%s: %s %s", resp.Status, oe.Error, oe.Description)
		}
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return body, nil
}

// printQR draws the QR code of text with Unicode half blocks, two modules
// per character cell, with the four-module quiet zone of ISO/IEC 18004.
func printQR(w io.Writer, text string) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return err
	}
	const quiet = 4
	n := code.Size
	black := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < n && y < n && code.Black(x, y)
	}
	var b strings.Builder
	for y := 0; y < n+2*quiet; y += 2 {
		for x := 0; x < n+2*quiet; x++ {
			top, bottom := black(x, y), black(x, y+1)
			// Dark terminal text on light background is not assumed:
			// light modules are drawn, dark ones left blank.
			switch {
			case !top && !bottom:
				b.WriteString("█")
			case !top:
				b.WriteString("▀")
			case !bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}
