package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// startBackend runs `pramaan wallet backend` in-process and returns its
// callback URL.
func startBackend(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e, _, errb := liveEnv(ctx)
	urls := make(chan string, 1)
	e.onListen = func(u string) { urls <- u }
	done := make(chan int, 1)
	go func() { done <- run(append([]string{"wallet", "backend", "--addr", "127.0.0.1:0"}, args...), e) }()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("wallet backend log:\n%s", errb)
		}
		<-done
	})
	select {
	case u := <-urls:
		return u
	case code := <-done:
		t.Fatalf("wallet backend exited %d: %s", code, errb)
	case <-time.After(30 * time.Second):
		t.Fatal("wallet backend did not start")
	}
	return ""
}

func adminGet(t *testing.T, url, dataDir string, v any) {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestAppFlowFromIssuerConfigThroughDeeplinkToCallback is the Done-when
// app flow on 127.0.0.1: the embedded default issuer; the reference wallet
// backend registered by the admin API; the app client registered, asking
// /app/issuer-config, the wallet answering by deeplink with an encrypted
// request, the app forwarding it to /app/credential-request, the wallet
// verifying the encrypted answer; and each credential delivered by signed
// callback to the wallet backend, which verified it. Both formats.
func TestAppFlowFromIssuerConfigThroughDeeplinkToCallback(t *testing.T) {
	issuer, dataDir := startServe(t)
	tmp := t.TempDir()
	trust := filepath.Join(dataDir, "iaca.pem")
	backendDir := filepath.Join(tmp, "backend")
	startBackend(t, "--issuer", issuer, "--trust", trust, "--out", backendDir, "--register", "--data-dir", dataDir)

	out := runOK(t, "wallet", "app", "--issuer", issuer, "--trust", trust, "--register", "--data-dir", dataDir,
		"--client-key", filepath.Join(tmp, "app", "client-key.pem"), "--out", filepath.Join(tmp, "wallet"),
		"--wallet-backend", "wallet-backend-1")
	var sum appSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("wallet app output: %v\n%s", err, out)
	}
	if len(sum.Credentials) != 2 {
		t.Fatalf("wallet app received %d credentials; want 2:\n%s", len(sum.Credentials), out)
	}
	var offer map[string]any
	if err := json.Unmarshal(sum.Offer, &offer); err != nil || offer["credential_issuer"] != issuer || offer["grants"] != nil {
		t.Fatalf("the offer for the credential manager = %s; want the issuer and no grants", sum.Offer)
	}
	notifications := map[string]string{}
	for _, c := range sum.Credentials {
		if !c.Encrypted || c.NotificationID == "" || !slices.Contains(c.Claims, "name") && !slices.Contains(c.Claims, "in.gov.uidai.aadhaar.1.name") {
			t.Errorf("credential %+v: want an encrypted answer with a notification id and the citizen's claims", c)
		}
		if c.DeeplinkBytes > 32<<10 {
			t.Errorf("deeplink of %d bytes exceeds the 32 KiB limit", c.DeeplinkBytes)
		}
		notifications[c.NotificationID] = c.ConfigurationID
	}

	// The callbacks: delivered once each, accepted by the backend.
	deadline := time.Now().Add(20 * time.Second)
	var files []string
	for time.Now().Before(deadline) {
		files, _ = filepath.Glob(filepath.Join(backendDir, "callbacks", "*.json"))
		if len(files) >= 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(files) != 2 {
		t.Fatalf("the wallet backend accepted %d callbacks; want 2", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Callback struct {
				CredentialIssuer string            `json:"credential_issuer"`
				ConfigurationID  string            `json:"credential_configuration_id"`
				NotificationID   string            `json:"notification_id"`
				Credentials      []json.RawMessage `json:"credentials"`
			} `json:"callback"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		cb := st.Callback
		if cb.CredentialIssuer != issuer || notifications[cb.NotificationID] != cb.ConfigurationID || len(cb.Credentials) != 1 {
			t.Errorf("callback %s = %+v; want one of %v", f, cb, notifications)
		}
		delete(notifications, cb.NotificationID)
	}
	var listed struct {
		Callbacks []struct {
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
		} `json:"callbacks"`
	}
	adminGet(t, issuer+"/admin/callbacks", dataDir, &listed)
	if len(listed.Callbacks) != 2 {
		t.Fatalf("/admin/callbacks lists %d; want 2", len(listed.Callbacks))
	}
	for _, c := range listed.Callbacks {
		if c.State != "delivered" || c.Attempts != 1 {
			t.Errorf("callback %+v; want delivered at the first attempt", c)
		}
	}
}
