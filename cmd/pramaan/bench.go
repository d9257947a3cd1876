package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pramaan/pramaan/internal/config"
	"github.com/pramaan/pramaan/issuer"
	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wallet"
)

// benchSteps are the timed steps of one flow, in order.
var benchSteps = []string{"offer", "token", "nonce", "credential"}

type benchFlags struct {
	url, dataDir, databaseURL, format string
	n, c                              int
	encrypt, noDPoP                   bool
	cpuProfile                        string
}

func runBench(args []string, e env) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f benchFlags
	fs.StringVar(&f.url, "url", "", "issuer to load (default: start one in-process on a fresh data directory)")
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory of the issuer at --url (for its admin token, unless $PRAMAAN_ADMIN_TOKEN)")
	fs.StringVar(&f.databaseURL, "database-url", "", "for the in-process issuer: postgres:// URL (default SQLite)")
	fs.StringVar(&f.format, "format", "sd_jwt", "credential format: sd_jwt or mdoc")
	fs.IntVar(&f.n, "n", 2000, "flows at peak load")
	fs.IntVar(&f.c, "c", 16, "concurrent wallets")
	fs.BoolVar(&f.encrypt, "encrypt", false, "encrypt credential requests and responses")
	fs.BoolVar(&f.noDPoP, "no-dpop", false, "Bearer access tokens instead of DPoP")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the peak phase (client and in-process issuer) to FILE")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || f.n < 1 || f.c < 1 || (f.format != "sd_jwt" && f.format != "mdoc") {
		fmt.Fprintln(e.stderr, "usage: pramaan bench [--url URL] [-n N] [-c C] [--format sd_jwt|mdoc] [--encrypt] [--no-dpop]")
		return 2
	}
	if err := bench(e, f); err != nil {
		fmt.Fprintf(e.stderr, "pramaan bench: %v\n", err)
		return 1
	}
	return 0
}

func bench(e env, f benchFlags) error {
	ctx, cancel := context.WithCancel(e.context())
	defer cancel()
	issuerURL, dataDir := f.url, f.dataDir
	where := "the issuer at " + issuerURL
	if issuerURL == "" {
		dir, err := os.MkdirTemp("", "pramaan-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dataDir = filepath.Join(dir, "data")
		ready := make(chan string, 1)
		se := env{stdout: io.Discard, stderr: io.Discard, now: e.now, client: e.client, ctx: ctx, lookupEnv: func(string) (string, bool) { return "", false },
			onListen: func(u string) { ready <- u }}
		sf := &serveFlags{addr: "127.0.0.1:0", dataDir: dataDir, databaseURL: f.databaseURL}
		errc := make(chan error, 1)
		go func() { errc <- serve(ctx, sf, se) }()
		select {
		case issuerURL = <-ready:
		case err := <-errc:
			return fmt.Errorf("in-process issuer: %w", err)
		}
		where = "an in-process issuer on SQLite"
		if f.databaseURL != "" {
			where = "an in-process issuer on Postgres"
		}
	}
	if dataDir == "" {
		dataDir = config.DefaultDataDir
	}
	token, err := adminToken(e, dataDir)
	if err != nil {
		return err
	}
	configID := "aadhaar_sd_jwt"
	if f.format == "mdoc" {
		configID = "aadhaar_mdoc"
	}
	transport := &http.Transport{MaxIdleConns: 4 * f.c, MaxIdleConnsPerHost: 4 * f.c, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	w := &wallet.Client{HTTP: client, NoDPoP: f.noDPoP}
	iss, err := w.Discover(ctx, issuerURL)
	if err != nil {
		return err
	}
	r := &benchRunner{e: e, f: f, w: w, iss: iss, client: client, issuerURL: issuerURL, token: token, configID: configID}
	// Warm up connections and caches.
	if _, err := r.run(ctx, min(50, f.n), f.c, 0); err != nil {
		return err
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	peak, err := r.run(ctx, f.n, f.c, 0)
	if f.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	half, err := r.run(ctx, max(f.n/2, 1), f.c, peak.flowsPerSec()/2)
	if err != nil {
		return err
	}
	floor := measureFloor()
	report(e.stdout, f, where, peak, half, floor)
	return nil
}

type benchRunner struct {
	e                          env
	f                          benchFlags
	w                          *wallet.Client
	iss                        *wallet.Issuer
	client                     *http.Client
	issuerURL, token, configID string
}

type benchResult struct {
	flows     int
	elapsed   time.Duration
	latencies map[string][]time.Duration
}

func (b benchResult) flowsPerSec() float64 { return float64(b.flows) / b.elapsed.Seconds() }

// run does n complete flows with c workers; with rate > 0 flows start on a
// fixed schedule of rate per second (open loop), else as fast as the
// workers go (closed loop).
func (r *benchRunner) run(ctx context.Context, n, c int, rate float64) (benchResult, error) {
	var next atomic.Int64
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			local := map[string][]time.Duration{}
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					break
				}
				if rate > 0 {
					at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					time.Sleep(time.Until(at))
				}
				if err := r.flow(ctx, local); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			for k, v := range local {
				lat[k] = append(lat[k], v...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if firstErr != nil {
		return benchResult{}, firstErr
	}
	return benchResult{flows: n, elapsed: time.Since(start), latencies: lat}, nil
}

// flow is one wallet's complete flow with an ES256 holder key.
func (r *benchRunner) flow(ctx context.Context, lat map[string][]time.Duration) error {
	t := time.Now()
	offer, err := r.createOffer(ctx)
	if err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	lat["offer"] = append(lat["offer"], time.Since(t))
	t = time.Now()
	sess, err := r.w.Token(ctx, r.iss, offer, "")
	if err != nil {
		return err
	}
	lat["token"] = append(lat["token"], time.Since(t))
	t = time.Now()
	nonce, err := r.w.Nonce(ctx, sess)
	if err != nil {
		return err
	}
	lat["nonce"] = append(lat["nonce"], time.Since(t))
	holder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	t = time.Now()
	res, err := r.w.Credential(ctx, sess, wallet.CredentialOptions{ConfigurationID: r.configID, Keys: []crypto.Signer{holder}, Nonce: nonce, Encrypt: r.f.encrypt})
	if err != nil {
		return err
	}
	lat["credential"] = append(lat["credential"], time.Since(t))
	if len(res.Credentials) != 1 {
		return errors.New("the issuer returned no credential")
	}
	return nil
}

func (r *benchRunner) createOffer(ctx context.Context) (*oid4vci.CredentialOffer, error) {
	e := r.e
	e.client, e.ctx = r.client, ctx
	body, err := postAdmin(e, r.issuerURL+"/admin/offers", r.token, map[string]any{
		"credential_configuration_ids": []string{r.configID}, "claims": json.RawMessage(sampleClaims),
	})
	if err != nil {
		return nil, err
	}
	var res issuer.OfferResponse
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	return res.CredentialOffer, nil
}

// cryptoFloor is the cost of the raw ES256 operations one flow needs,
// measured with crypto/ecdsa in the same run.
type cryptoFloor struct {
	sign, verify, keygen time.Duration
}

// Per flow (DPoP on, the default): the wallet makes 2 P-256 keys (DPoP,
// holder) and signs 3 JWTs (DPoP proofs for token and credential, the key
// proof); the issuer signs 2 (access token, credential) and verifies 4
// (the DPoP proof at the token endpoint; the DPoP proof, the access token
// and the key proof at the credential endpoint).
const floorSigns, floorVerifies, floorKeygens = 5, 4, 2

func (f cryptoFloor) perFlow() time.Duration {
	return floorSigns*f.sign + floorVerifies*f.verify + floorKeygens*f.keygen
}

func measureFloor() cryptoFloor {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("pramaan bench floor"))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	timeIt := func(op func()) time.Duration {
		const minTime = 200 * time.Millisecond
		n := 0
		start := time.Now()
		for time.Since(start) < minTime {
			op()
			n++
		}
		return time.Since(start) / time.Duration(n)
	}
	return cryptoFloor{
		sign:   timeIt(func() { ecdsa.SignASN1(rand.Reader, key, digest[:]) }),
		verify: timeIt(func() { ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) }),
		keygen: timeIt(func() { ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }),
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func report(w io.Writer, f benchFlags, where string, peak, half benchResult, floor cryptoFloor) {
	enc := "plain"
	if f.encrypt {
		enc = "encrypted"
	}
	dpop := "DPoP"
	if f.noDPoP {
		dpop = "Bearer"
	}
	cores := runtime.GOMAXPROCS(0)
	fmt.Fprintf(w, "pramaan bench: %s, format %s, %s, %s, %d flows, %d wallets, %d cores (client and issuer share them)\n\n",
		where, f.format, enc, dpop, f.n, f.c, cores)
	fmt.Fprintf(w, "peak:       %.0f flows/s (%d flows in %s)\n", peak.flowsPerSec(), peak.flows, peak.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "half peak:  %.0f flows/s offered, %d flows\n\n", peak.flowsPerSec()/2, half.flows)
	fmt.Fprintf(w, "%-12s %28s   %28s\n", "", "peak p50 / p95 / p99 ms", "half-peak p50 / p95 / p99 ms")
	for _, s := range benchSteps {
		fmt.Fprintf(w, "%-12s %28s   %28s\n", s,
			strings.Join([]string{ms(percentile(peak.latencies[s], .5)), ms(percentile(peak.latencies[s], .95)), ms(percentile(peak.latencies[s], .99))}, " / "),
			strings.Join([]string{ms(percentile(half.latencies[s], .5)), ms(percentile(half.latencies[s], .95)), ms(percentile(half.latencies[s], .99))}, " / "))
	}
	pf := floor.perFlow()
	ideal := float64(cores) / pf.Seconds()
	fmt.Fprintf(w, "\ncrypto floor (this run): ES256 sign %s µs, verify %s µs, P-256 keygen %s µs\n",
		us(floor.sign), us(floor.verify), us(floor.keygen))
	fmt.Fprintf(w, "floor per flow: %d signs + %d verifies + %d keygens = %s µs of CPU; %d cores → at most %.0f flows/s\n",
		floorSigns, floorVerifies, floorKeygens, us(pf), cores, ideal)
	fmt.Fprintf(w, "measured / floor: %.2fx the floor's CPU per flow (%.0f%% of the crypto-bound maximum)\n",
		ideal/peak.flowsPerSec(), 100*peak.flowsPerSec()/ideal)
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Nanoseconds())/1000) }
