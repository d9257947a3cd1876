package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/sdjwt"
	"github.com/pramaan/pramaan/wallet/wallettest"
)

// fakeIssuer starts the wallettest issuer on the test clock and writes its
// IACA to a PEM file for --trust.
func fakeIssuer(t *testing.T, o wallettest.Options) (*wallettest.Issuer, string) {
	t.Helper()
	e, _, _ := testEnv()
	o.Now = e.now
	fi := wallettest.New(t, o)
	trust := filepath.Join(t.TempDir(), "iaca.pem")
	if err := os.WriteFile(trust, fi.IACAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return fi, trust
}

func TestWalletReceive(t *testing.T) {
	fi, trust := fakeIssuer(t, wallettest.Options{})
	coded, codedTrust := fakeIssuer(t, wallettest.Options{TxCode: "493536", BatchSize: 2})
	tampered, tamperedTrust := fakeIssuer(t, wallettest.Options{Mutate: func(format, c string) string {
		if format == oid4vci.FormatSDJWTVC {
			return strings.Replace(c, "~", "x~", 1)
		}
		return c
	}})
	_, strangerTrust := fakeIssuer(t, wallettest.Options{})
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	out := func() string { return t.TempDir() }
	runCLICases(t, []string{"wallet"}, []cliCase{
		{name: "both formats are received, verified and summarised",
			args:     []string{"receive", fi.Offer(true), "--trust", trust, "--out", out()},
			wantOut:  []string{`"format": "dc+sd-jwt"`, `"format": "mso_mdoc"`, `"credential_configuration_id": "pid_mdoc"`, `"address.city"`, `"in.gov.uidai.aadhaar.1.portrait"`, `"notification_id": "n-`, `"file": "`},
			wantCode: 0},
		{name: "encrypted batch with the tx code",
			args:     []string{"receive", coded.Offer(false, wallettest.MdocConfig), "--tx-code", "493536", "--encrypt", "--enc", "A128GCM", "--batch", "2", "--trust", codedTrust, "--out", out()},
			wantOut:  []string{`"format": "mso_mdoc"`, `"in.gov.uidai.aadhaar.1.name"`},
			wantCode: 0},
		{name: "wrong tx code is invalid_grant",
			args:     []string{"receive", coded.Offer(true), "--tx-code", "000000", "--trust", codedTrust, "--out", out()},
			wantCode: 1, wantErr: "token: issuer answered 400 invalid_grant"},
		{name: "missing tx code is refused",
			args:     []string{"receive", coded.Offer(true), "--trust", codedTrust, "--out", out()},
			wantCode: 1, wantErr: "the offer requires a tx_code (6 characters, numeric: sent to you by SMS)"},
		{name: "credentials of an untrusted issuer are refused",
			args:     []string{"receive", fi.Offer(true), "--trust", strangerTrust, "--out", out()},
			wantCode: 1, wantErr: "credential did not verify"},
		{name: "a tampered credential is refused",
			args:     []string{"receive", tampered.Offer(true, wallettest.SDJWTConfig), "--trust", tamperedTrust, "--out", out()},
			wantCode: 1, wantErr: "configuration pid_sd_jwt: wallet: credential did not verify"},
		{name: "no trust anchors is a usage error",
			args:     []string{"receive", fi.Offer(true), "--out", out()},
			wantCode: 2, wantErr: "--trust is required"},
		{name: "a trust file without certificates is a usage error",
			args:     []string{"receive", fi.Offer(true), "--trust", notPEM},
			wantCode: 2, wantErr: "--trust"},
		{name: "no offer is a usage error",
			args:     []string{"receive", "--trust", trust},
			wantCode: 2, wantErr: "exactly one"},
		{name: "a batch of zero is a usage error",
			args:     []string{"receive", fi.Offer(true), "--trust", trust, "--batch", "0"},
			wantCode: 2, wantErr: "--batch must be 1 to 100"},
		{name: "an unknown subcommand is a usage error",
			args:     []string{"backup"},
			wantCode: 2, wantErr: `unknown subcommand "backup"`},
	})
}

// receiveInto runs wallet receive and returns its summary.
func receiveInto(t *testing.T, link, trust, dir string) map[string]receivedSummary {
	t.Helper()
	e, out, errb := testEnv()
	if code := run([]string{"wallet", "receive", link, "--trust", trust, "--out", dir}, e); code != 0 {
		t.Fatalf("wallet receive: exit %d: %s", code, errb)
	}
	var got struct {
		Credentials []receivedSummary `json:"credentials"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	m := map[string]receivedSummary{}
	for _, c := range got.Credentials {
		m[c.Format] = c
	}
	return m
}

func TestWalletPresentDisclosesOnlyWhatIsAsked(t *testing.T) {
	fi, trust := fakeIssuer(t, wallettest.Options{})
	dir := t.TempDir()
	files := receiveInto(t, fi.Offer(true), trust, dir)
	sd := files[oid4vci.FormatSDJWTVC].File
	e, out, errb := testEnv()
	if code := run([]string{"wallet", "present", sd, "--disclose", "name,address.city", "--aud", "https://verifier.example", "--nonce", "n-1"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	pool := x509.NewCertPool()
	pool.AddCert(fi.Roots[0])
	v := sdjwt.Verifier{Keys: &sdjwt.X5CResolver{Roots: pool}, Now: e.now, RequireKeyBinding: true, Audience: "https://verifier.example", Nonce: "n-1"}
	res, err := v.VerifyVC(context.Background(), []byte(strings.TrimSpace(out.String())))
	if err != nil {
		t.Fatalf("the presentation does not verify: %v", err)
	}
	addr, _ := res.Claims["address"].(map[string]any)
	if res.Claims["name"] != "Asha Verma" || addr["city"] != "Bengaluru" || addr["state"] != nil || res.Claims["birth_date"] != nil {
		t.Fatalf("disclosed %v", res.Claims)
	}
	mdocFile := files[oid4vci.FormatMsoMdoc].File
	runCLICases(t, []string{"wallet", "present"}, []cliCase{
		{name: "an mdoc is not presented here", args: []string{mdocFile, "--aud", "a", "--nonce", "n"}, wantCode: 1, wantErr: "only SD-JWT VCs are presented here"},
		{name: "the holder key must be in the key directory", args: []string{sd, "--aud", "a", "--nonce", "n", "--keys", t.TempDir()}, wantCode: 1, wantErr: "no such holder key"},
		{name: "an unknown claim is refused", args: []string{sd, "--disclose", "nickname", "--aud", "a", "--nonce", "n"}, wantCode: 1, wantErr: "no claim at path"},
		{name: "a missing file is refused", args: []string{filepath.Join(dir, "none.json"), "--aud", "a", "--nonce", "n"}, wantCode: 1, wantErr: "no such file"},
		{name: "aud and nonce are required", args: []string{sd, "--disclose", "name"}, wantCode: 2, wantErr: "--aud and --nonce are required"},
		{name: "nothing disclosed still binds the key", args: []string{sd, "--aud", "a", "--nonce", "n"}, wantCode: 0, wantOut: []string{"~ey"}},
	})
}
