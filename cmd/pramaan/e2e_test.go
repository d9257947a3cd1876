package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pramaan/pramaan/wallet"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func liveEnv(ctx context.Context) (env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return env{stdout: out, stderr: errb, now: time.Now, client: &http.Client{Timeout: 30 * time.Second}, ctx: ctx,
		lookupEnv: func(string) (string, bool) { return "", false }}, out, errb
}

// startServe runs `pramaan serve` in-process on a free loopback port with
// a fresh data directory, as a newcomer would with no flags, and returns
// its public URL and data directory.
func startServe(t *testing.T, args ...string) (string, string) {
	t.Helper()
	return startServeAt(t, nil, args...)
}

// startServeAt is startServe with serve's clock (nil: time.Now).
func startServeAt(t *testing.T, now func() time.Time, args ...string) (string, string) {
	t.Helper()
	u, dir, _ := startServeLogged(t, now, args...)
	return u, dir
}

// startServeLogged is startServeAt that also returns serve's log output
// (stderr), for tests of what is logged.
func startServeLogged(t *testing.T, now func() time.Time, args ...string) (string, string, *syncBuffer) {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), "pramaan-data")
	ctx, cancel := context.WithCancel(context.Background())
	e, out, errb := liveEnv(ctx)
	if now != nil {
		e.now = now
	}
	urls := make(chan string, 1)
	e.onListen = func(u string) { urls <- u }
	done := make(chan int, 1)
	go func() {
		done <- run(append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, args...), e)
	}()
	t.Cleanup(func() {
		// The tests' clients keep idle connections; close them so that
		// serve's graceful shutdown has nothing to wait for.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		cancel()
		if t.Failed() {
			t.Logf("serve log (errors only):\n%s", errorLines(errb.String()))
		}
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, errb)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	select {
	case u := <-urls:
		if !strings.Contains(out.String(), "credential_issuer  "+u) {
			t.Errorf("banner does not name the issuer %s:\n%s", u, out)
		}
		return u, dataDir, errb
	case code := <-done:
		t.Fatalf("serve exited %d before listening: %s", code, errb)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", "", nil
}

// runOK runs a pramaan command and returns its stdout, failing the test on
// a non-zero exit.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	e, out, errb := liveEnv(context.Background())
	if code := run(args, e); code != 0 {
		t.Fatalf("pramaan %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errb)
	}
	return out.String()
}

// TestNewcomerFlowIssuesVerifiedCredentialsInBothFormats is the Done-when
// flow: serve with its embedded default, offer create, and the project's
// wallet receiving both formats over HTTP, plain and encrypted; every
// credential is verified by the wallet and again by pramaan verify, and an
// SD-JWT VC presentation by pramaan verify with its key binding.
func TestNewcomerFlowIssuesVerifiedCredentialsInBothFormats(t *testing.T) {
	issuerURL, dataDir := startServe(t)
	iaca := filepath.Join(dataDir, "iaca.pem")
	for _, mode := range []string{"plain", "encrypted"} {
		t.Run(mode, func(t *testing.T) {
			var offer struct {
				Link   string `json:"link"`
				TxCode string `json:"tx_code"`
			}
			if err := json.Unmarshal([]byte(runOK(t, "offer", "create", "--issuer", issuerURL, "--data-dir", dataDir, "--tx-code", "--json")), &offer); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(offer.Link, "openid-credential-offer://?credential_offer_uri=") || len(offer.TxCode) != 6 {
				t.Fatalf("offer = %+v", offer)
			}
			walletDir := t.TempDir()
			args := []string{"wallet", "receive", offer.Link, "--tx-code", offer.TxCode, "--trust", iaca, "--out", walletDir}
			if mode == "encrypted" {
				args = append(args, "--encrypt", "--signed-metadata")
			}
			var got struct {
				Credentials []receivedSummary `json:"credentials"`
			}
			if err := json.Unmarshal([]byte(runOK(t, args...)), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Credentials) != 2 {
				t.Fatalf("received %+v, want two credentials", got.Credentials)
			}
			formats := map[string]receivedSummary{}
			for _, c := range got.Credentials {
				formats[c.Format] = c
			}
			sd, md := formats["dc+sd-jwt"], formats["mso_mdoc"]
			if !contains(sd.Claims, "name") || !contains(sd.Claims, "address.city") || !contains(sd.Claims, "vct") {
				t.Errorf("SD-JWT VC claims = %v", sd.Claims)
			}
			if !contains(md.Claims, "in.gov.uidai.aadhaar.1.birth_date") || !contains(md.Claims, "in.gov.uidai.aadhaar.1.portrait") {
				t.Errorf("mdoc claims = %v", md.Claims)
			}
			// An independent check of the stored files with pramaan verify.
			sdFile := credentialFile(t, sd.File)
			if out := runOK(t, "verify", "sdjwt", sdFile, "--trust", iaca); !strings.Contains(out, "Asha Verma") {
				t.Errorf("verify sdjwt printed %s", out)
			}
			if out := runOK(t, "verify", "mdoc", credentialFile(t, md.File), "--trust", iaca); !strings.Contains(out, "in.gov.uidai.aadhaar.1") {
				t.Errorf("verify mdoc printed %s", out)
			}
			// Present name and city only, with key binding, and verify it.
			pres := strings.TrimSpace(runOK(t, "wallet", "present", sd.File, "--disclose", "name,address.city", "--aud", "https://verifier.example", "--nonce", "n-123"))
			presFile := filepath.Join(t.TempDir(), "presentation.txt")
			os.WriteFile(presFile, []byte(pres), 0o600)
			out := runOK(t, "verify", "sdjwt", presFile, "--trust", iaca, "--aud", "https://verifier.example", "--nonce", "n-123")
			if !strings.Contains(out, "Asha Verma") || !strings.Contains(out, "Bengaluru") || strings.Contains(out, "1990-04-12") {
				t.Errorf("presentation verified as %s; want name and city, no birth date", out)
			}
		})
	}
	// The offer is used up: a second wallet gets invalid_grant.
	metrics := httpGet(t, issuerURL+"/metrics")
	for _, want := range []string{`pramaan_credentials_issued_total{format="dc+sd-jwt"} 2`, `pramaan_credentials_issued_total{format="mso_mdoc"} 2`,
		`pramaan_http_requests_total{route="/credential",method="POST",status="200"} 4`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, metrics)
		}
	}
}

func httpGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String()
}

// credentialFile writes the credential of a wallet file alone, for verify.
func credentialFile(t *testing.T, path string) string {
	t.Helper()
	sc, err := wallet.LoadCredential(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "credential.txt")
	if err := os.WriteFile(out, []byte(sc.Credential), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// errorLines keeps the log lines that are not the per-request line.
func errorLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if l != "" && !strings.Contains(l, `"msg":"request"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
