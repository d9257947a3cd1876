package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// racers is how many concurrent requests race for one one-time value.
const racers = 50

// postgresSchema returns a database URL whose connections use a fresh
// schema, dropped when the test ends. Without a reachable Postgres the
// test is skipped, unless PRAMAAN_REQUIRE_POSTGRES is set (CI sets it).
func postgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PRAMAAN_TEST_DATABASE_URL")
	if base == "" {
		base = defaultTestDatabaseURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_POSTGRES") != "" {
			t.Fatalf("Postgres is required (PRAMAAN_REQUIRE_POSTGRES is set) but unreachable at %s: %v", base, err)
		}
		t.Skipf("Postgres unreachable at %s (%v); set PRAMAAN_REQUIRE_POSTGRES=1 to make this fatal", base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "pramaan_e2e_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// buildBinary builds cmd/pramaan once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func pramaanBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pramaan-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "pramaan")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs `pramaan serve` as a child process with its own
// address, on a shared data directory and database, and waits until it is
// ready. publicURL is the identifier both instances share.
func startProcess(t *testing.T, bin, addr, publicURL, dataDir, dbURL string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--public-url", publicURL, "--data-dir", dataDir, "--database-url", dbURL)
	cmd.Env = append(os.Environ(), "PRAMAAN_ADMIN_TOKEN=race-test-admin-token-0123456789abcdef")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("logs of %s:\n%s", addr, logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("pramaan serve on %s did not become ready:\n%s", addr, logs.String())
}

const raceAdminToken = "race-test-admin-token-0123456789abcdef"

func createOfferHTTP(t *testing.T, base string, txCode bool) (code, tx string) {
	t.Helper()
	req := map[string]any{"credential_configuration_ids": []string{"aadhaar_sd_jwt"}, "claims": json.RawMessage(sampleClaims)}
	if txCode {
		req["tx_code"] = map[string]any{"length": 6}
	}
	b, _ := json.Marshal(req)
	hr, _ := http.NewRequest(http.MethodPost, base+"/admin/offers", bytes.NewReader(b))
	hr.Header.Set("Authorization", "Bearer "+raceAdminToken)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /admin/offers: %d %s", resp.StatusCode, body)
	}
	var res struct {
		CredentialOffer struct {
			Grants map[string]struct {
				Code string `json:"pre-authorized_code"`
			} `json:"grants"`
		} `json:"credential_offer"`
		TxCode string `json:"tx_code"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	return res.CredentialOffer.Grants["urn:ietf:params:oauth:grant-type:pre-authorized_code"].Code, res.TxCode
}

// postForm and postJSON return status, error code and body.
func postForm(base, path string, form url.Values) (int, string, []byte, error) {
	resp, err := http.PostForm(base+path, form)
	if err != nil {
		return 0, "", nil, err
	}
	return readAnswer(resp)
}

func readAnswer(resp *http.Response) (int, string, []byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", nil, err
	}
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(body, &e)
	return resp.StatusCode, e.Error, body, nil
}

// proofJWT signs an openid4vci-proof+jwt (Appendix F.1) with key.
func proofJWT(t *testing.T, key *ecdsa.PrivateKey, aud, nonce string) string {
	t.Helper()
	pub, err := jwk.Import(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	h.Set(jws.TypeKey, "openid4vci-proof+jwt")
	h.Set(jws.JWKKey, pub)
	claims, _ := json.Marshal(map[string]any{"aud": aud, "iat": time.Now().Unix(), "nonce": nonce})
	signed, err := jws.Sign(claims, jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// raceCount fires racers concurrent calls, alternating between the two
// instances, and counts the outcomes by "status error".
func raceCount(t *testing.T, bases [2]string, call func(i int, base string) (int, string, error)) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	var start, done sync.WaitGroup
	start.Add(1)
	for i := 0; i < racers; i++ {
		done.Add(1)
		go func(i int) {
			defer done.Done()
			start.Wait()
			status, code, err := call(i, bases[i%2])
			key := fmt.Sprintf("%d %s", status, code)
			if err != nil {
				key = "transport error: " + err.Error()
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		}(i)
	}
	start.Done()
	done.Wait()
	return counts
}

// TestTwoInstancesOnPostgresRedeemOneTimeValuesOnce runs two pramaan
// serve processes on one Postgres database and fires 50 concurrent
// requests across both for one pre-authorized code, then for one c_nonce:
// exactly one of each succeeds.
func TestTwoInstancesOnPostgresRedeemOneTimeValuesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	dbURL := postgresSchema(t)
	bin := pramaanBinary(t)
	dataDir := t.TempDir()
	addrA, addrB := freePort(t), freePort(t)
	publicURL := "http://" + addrA
	startProcess(t, bin, addrA, publicURL, dataDir, dbURL)
	startProcess(t, bin, addrB, publicURL, dataDir, dbURL)
	bases := [2]string{"http://" + addrA, "http://" + addrB}

	code, tx := createOfferHTTP(t, bases[0], true)
	counts := raceCount(t, bases, func(i int, base string) (int, string, error) {
		status, ecode, _, err := postForm(base, "/token", url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:pre-authorized_code"}, "pre-authorized_code": {code}, "tx_code": {tx},
		})
		return status, ecode, err
	})
	if counts["200 "] != 1 || counts["400 invalid_grant"] != racers-1 {
		t.Fatalf("token race outcomes = %v, want exactly one 200 and %d invalid_grant", counts, racers-1)
	}

	// One access token per racer (each from its own offer), one c_nonce.
	tokens := make([]string, racers)
	for i := range tokens {
		c, _ := createOfferHTTP(t, bases[i%2], false)
		status, _, body, err := postForm(bases[i%2], "/token", url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:pre-authorized_code"}, "pre-authorized_code": {c},
		})
		if err != nil || status != http.StatusOK {
			t.Fatalf("token %d: %d %s %v", i, status, body, err)
		}
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		json.Unmarshal(body, &tr)
		tokens[i] = tr.AccessToken
	}
	status, _, body, err := postForm(bases[1], "/nonce", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("nonce: %d %s %v", status, body, err)
	}
	var nr struct {
		CNonce string `json:"c_nonce"`
	}
	json.Unmarshal(body, &nr)
	proofs := make([]string, racers)
	for i := range proofs {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		proofs[i] = proofJWT(t, k, publicURL, nr.CNonce)
	}
	counts = raceCount(t, bases, func(i int, base string) (int, string, error) {
		b, _ := json.Marshal(map[string]any{"credential_identifier": "aadhaar_sd_jwt", "proofs": map[string]any{"jwt": []string{proofs[i]}}})
		hr, _ := http.NewRequest(http.MethodPost, base+"/credential", bytes.NewReader(b))
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", "Bearer "+tokens[i])
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			return 0, "", err
		}
		status, ecode, _, err := readAnswer(resp)
		return status, ecode, err
	})
	if counts["200 "] != 1 || counts["400 invalid_nonce"] != racers-1 {
		t.Fatalf("c_nonce race outcomes = %v, want exactly one 200 and %d invalid_nonce", counts, racers-1)
	}
}
