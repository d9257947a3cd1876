package httpapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// Metrics holds the counters and histograms /metrics exposes in the
// Prometheus text format 0.0.4. One mutex guards them: the hot path takes
// it once per request for a few map updates, far below the cost of the
// request's own cryptography. It is per app: there is no global registry.
type Metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	durations map[string]*histogram
	issued    map[string]uint64
	errors    map[string]uint64
}

type requestKey struct {
	route, method string
	status        int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		requests:  map[requestKey]uint64{},
		durations: map[string]*histogram{},
		issued:    map[string]uint64{},
		errors:    map[string]uint64{},
	}
}

// Request records one request; code is its protocol error code, if any.
func (m *Metrics) Request(route, method string, status int, d time.Duration, code string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, method, status}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.durations[route] = h
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
	if code != "" {
		m.errors[code]++
	}
}

// Issued records n credentials of a format.
func (m *Metrics) Issued(format string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.issued[format] += uint64(n)
}

// Text renders the metrics in the Prometheus text exposition format,
// series sorted so that the output is stable.
func (m *Metrics) Text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP pramaan_http_requests_total HTTP requests by route pattern, method and status.\n")
	b.WriteString("# TYPE pramaan_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.route != c.route {
			return a.route < c.route
		}
		if a.method != c.method {
			return a.method < c.method
		}
		return a.status < c.status
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "pramaan_http_requests_total{route=%s,method=%s,status=\"%d\"} %d\n", quote(k.route), quote(k.method), k.status, m.requests[k])
	}
	b.WriteString("# HELP pramaan_http_request_duration_seconds HTTP request latency by route pattern.\n")
	b.WriteString("# TYPE pramaan_http_request_duration_seconds histogram\n")
	for _, route := range sortedKeys(m.durations) {
		h := m.durations[route]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n", quote(route), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", quote(route), h.count)
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_sum{route=%s} %s\n", quote(route), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_count{route=%s} %d\n", quote(route), h.count)
	}
	b.WriteString("# HELP pramaan_credentials_issued_total Credentials issued by format.\n")
	b.WriteString("# TYPE pramaan_credentials_issued_total counter\n")
	for _, f := range sortedKeys(m.issued) {
		fmt.Fprintf(&b, "pramaan_credentials_issued_total{format=%s} %d\n", quote(f), m.issued[f])
	}
	b.WriteString("# HELP pramaan_errors_total Error responses by error code.\n")
	b.WriteString("# TYPE pramaan_errors_total counter\n")
	for _, c := range sortedKeys(m.errors) {
		fmt.Fprintf(&b, "pramaan_errors_total{code=%s} %d\n", quote(c), m.errors[c])
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// quote renders a label value with the escapes of the text format.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
