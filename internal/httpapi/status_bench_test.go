package httpapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pramaan/pramaan/internal/audit"
	"github.com/pramaan/pramaan/internal/credstatus"
	"github.com/pramaan/pramaan/internal/httpapi"
	"github.com/pramaan/pramaan/internal/store/sqlite"
)

// statusServer serves one status list of 131072 entries (a thousand
// revoked) from SQLite over loopback and returns the list's URL.
func statusServer(b *testing.B) string {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	svc, err := credstatus.New(credstatus.Config{Store: st, Audit: audit.New(st, time.Now), Signer: key,
		BaseURL: "http://pramaan.test/status/", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	var first *credstatus.Allocation
	for i := range 1000 {
		a, err := svc.Allocate(context.Background(), credstatus.Ref{SubjectID: "s"})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			first = a
		}
		if _, err := svc.Apply(context.Background(), a.CredentialID, credstatus.Revoke, "", "bench"); err != nil {
			b.Fatal(err)
		}
	}
	a := newApp(b, func(c *httpapi.Config) { c.Status = noWithdraw{svc} })
	addr := a.serve(b)
	return "http://" + addr + "/status/" + strings.TrimPrefix(first.URI, "http://pramaan.test/status/")
}

func get(b *testing.B, c *http.Client, url, ifNone string, want int) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if ifNone != "" {
		req.Header.Set("If-None-Match", ifNone)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("status %d, want %d", resp.StatusCode, want)
	}
}

// BenchmarkStatusListServe is GET /status/{id} under parallel load: the
// token body (200) and ETag revalidation (304). Compare with
// BenchmarkStatusFloorHealthz, the same stack answering /healthz.
func BenchmarkStatusListServe(b *testing.B) {
	url := statusServer(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	etag := resp.Header.Get("ETag")
	resp.Body.Close()
	for _, tc := range []struct {
		name, ifNone string
		want         int
	}{{"200", "", http.StatusOK}, {"304", etag, http.StatusNotModified}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, c, url, tc.ifNone, tc.want)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

func BenchmarkStatusFloorHealthz(b *testing.B) {
	url := statusServer(b)
	url = url[:strings.Index(url, "/status/")] + "/healthz"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, c, url, "", http.StatusOK)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// noWithdraw is the status lists without a record.
type noWithdraw struct{ *credstatus.Service }

func (noWithdraw) Withdraw(context.Context, string, []string, string) (int, []string, error) {
	return 0, nil, nil
}
