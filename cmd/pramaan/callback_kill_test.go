package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pramaan/pramaan/mdoc"
	"github.com/pramaan/pramaan/wallet"
	"github.com/pramaan/pramaan/wallet/backend"
)

// faultyBackend is the reference receiver behind a fault injector: the
// first two attempts of each callback answer 500, the third hangs until
// released and then reaches the receiver late (as a request whose sender
// died would), every later one goes straight through.
type faultyBackend struct {
	rc      *backend.Receiver
	mu      sync.Mutex
	tries   map[string]int
	hanging chan struct{} // closed when an attempt hangs
	release chan struct{}
	hung    sync.Once
	late    chan int // the late attempt's status
}

func (f *faultyBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	f.tries[key]++
	n := f.tries[key]
	f.mu.Unlock()
	switch {
	case n <= 2:
		http.Error(w, "backend warming up", http.StatusInternalServerError)
	case n == 3:
		// The whole request arrived; its sender dies before the answer.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			f.late <- -1
			return
		}
		f.hung.Do(func() { close(f.hanging) })
		<-f.release
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		f.rc.ServeHTTP(rec, r)
		f.late <- rec.Code
	default:
		f.rc.ServeHTTP(w, r)
	}
}

// startKillable runs `pramaan serve` as a child process that the test may
// SIGKILL; stop kills it, wait waits for it.
func startKillable(t *testing.T, bin, addr, dataDir, configPath string) (kill func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir, "--config", configPath)
	// SQLite in the test's own data directory, whatever the CI sets: the
	// outbox must start empty.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRAMAAN_DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "PRAMAAN_ADMIN_TOKEN="+raceAdminToken)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		})
	}
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			t.Logf("logs of serve on %s:\n%s", addr, logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return kill
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve on %s did not become ready:\n%s", addr, logs)
	return nil
}

// TestCallbackSurvivesFailuresAndAKilledProcessAndIsAcceptedOnce is the
// Done-when callback test: the wallet backend fails the first two
// attempts, the issuer process is killed (SIGKILL) while the third is in
// flight, a new process on the same data takes the callback over when the
// lease runs out and delivers it; the killed attempt then reaches the
// backend late. The credential is accepted exactly once, and the outbox
// records it delivered at the fourth attempt.
func TestCallbackSurvivesFailuresAndAKilledProcessAndIsAcceptedOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := pramaanBinary(t)
	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "pramaan-data")
	configPath := filepath.Join(tmp, "pramaan.yaml")
	if err := os.WriteFile(configPath, []byte("callbacks:\n  base_delay: 100ms\n  max_delay: 400ms\n  timeout: 1s\n  lease: 2s\n  poll: 50ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	issuerURL := "http://" + addr
	kill := startKillable(t, bin, addr, dataDir, configPath)

	pemData, err := os.ReadFile(filepath.Join(dataDir, "iaca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots, err := mdoc.ParseCertificatesPEM(pemData)
	if err != nil {
		t.Fatal(err)
	}
	key, err := backend.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	fb := &faultyBackend{tries: map[string]int{}, hanging: make(chan struct{}), release: make(chan struct{}), late: make(chan int, 1)}
	srv := httptest.NewServer(fb)
	defer srv.Close()
	fb.rc = &backend.Receiver{Issuer: issuerURL, CallbackURL: srv.URL + "/cb", Key: key, Wallet: &wallet.Client{Roots: roots}}
	jwk, err := backend.PublicJWK(key)
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := liveEnv(context.Background())
	e.lookupEnv = func(k string) (string, bool) {
		if k == "PRAMAAN_ADMIN_TOKEN" {
			return raceAdminToken, true
		}
		return "", false
	}
	if _, err := postAdmin(e, issuerURL+"/admin/wallet-backends", raceAdminToken, map[string]any{
		"client_id": "faulty", "callback_url": srv.URL + "/cb", "encryption_jwk": json.RawMessage(jwk),
		"credential_configuration_ids": []string{"aadhaar_sd_jwt"},
	}); err != nil {
		t.Fatal(err)
	}
	body, err := postAdmin(e, issuerURL+"/admin/offers", raceAdminToken, map[string]any{
		"credential_configuration_ids": []string{"aadhaar_sd_jwt"}, "claims": json.RawMessage(sampleClaims), "wallet_backend": "faulty",
	})
	if err != nil {
		t.Fatal(err)
	}
	var offer struct {
		Link string `json:"link"`
	}
	if err := json.Unmarshal(body, &offer); err != nil {
		t.Fatal(err)
	}
	runOK(t, "wallet", "receive", offer.Link, "--trust", filepath.Join(dataDir, "iaca.pem"), "--out", filepath.Join(tmp, "wallet"))

	select {
	case <-fb.hanging:
	case <-time.After(20 * time.Second):
		t.Fatalf("the third attempt never came; attempts: %v", fb.tries)
	}
	kill() // mid-delivery: the third attempt is in flight
	startKillable(t, bin, addr, dataDir, configPath)

	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && len(fb.rc.Accepted()) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	close(fb.release)
	var late int
	select {
	case late = <-fb.late:
	case <-time.After(10 * time.Second):
		t.Fatal("the late attempt did not finish")
	}
	accepted := fb.rc.Accepted()
	if len(accepted) != 1 {
		t.Fatalf("the backend accepted %d callbacks; want exactly 1 (attempts %v)", len(accepted), fb.tries)
	}
	if late != http.StatusOK {
		t.Errorf("the late third attempt got %d; want 200 as a duplicate", late)
	}
	if got := accepted[0].Callback.Credentials; len(got) != 1 || len(accepted[0].Verified) != 1 {
		t.Errorf("accepted callback carries %d credentials (%d verified); want 1", len(got), len(accepted[0].Verified))
	}
	for k, n := range fb.tries {
		if n != 4 {
			t.Errorf("callback %s was attempted %d times; want 4 (500, 500, killed, delivered)", k, n)
		}
	}
	var listed struct {
		Callbacks []struct {
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
		} `json:"callbacks"`
	}
	req, _ := http.NewRequest(http.MethodGet, issuerURL+"/admin/callbacks", nil)
	req.Header.Set("Authorization", "Bearer "+raceAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(listed.Callbacks); got != "[{delivered 4}]" {
		t.Errorf("/admin/callbacks = %s; want [{delivered 4}]", got)
	}
}
