package httpapi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var latencyBuckets = [...]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// metrics is one app's registry, exposed at /metrics in the Prometheus
// text exposition format 0.0.4. There is no global registry.
//
// On the hot path a series is found under a read lock (a new series takes
// the write lock once) and counted with atomics; a histogram series has
// its own mutex so that its buckets, sum and count stay consistent.
type metrics struct {
	mu        sync.RWMutex
	requests  map[requestKey]*atomic.Uint64
	durations map[string]*histogram
	issuedBy  map[string]*atomic.Uint64
	errors    map[string]*atomic.Uint64
}

type requestKey struct {
	route, method string
	status        int
}

type histogram struct {
	mu     sync.Mutex
	counts [len(latencyBuckets)]uint64 // per bucket, not cumulative
	sumNS  int64                       // exact: no float drift
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests:  map[requestKey]*atomic.Uint64{},
		durations: map[string]*histogram{},
		issuedBy:  map[string]*atomic.Uint64{},
		errors:    map[string]*atomic.Uint64{},
	}
}

// series returns m[k], creating it under the write lock when missing.
func series[K comparable, V any](mu *sync.RWMutex, m map[K]*V, k K) *V {
	mu.RLock()
	v := m[k]
	mu.RUnlock()
	if v != nil {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	if v = m[k]; v == nil {
		v = new(V)
		m[k] = v
	}
	return v
}

// request records one request; code is its error code, if any.
func (m *metrics) request(route, method string, status int, d time.Duration, code string) {
	series(&m.mu, m.requests, requestKey{route, method, status}).Add(1)
	h := series(&m.mu, m.durations, route)
	sec := d.Seconds()
	h.mu.Lock()
	for i, le := range latencyBuckets {
		if sec <= le {
			h.counts[i]++
			break
		}
	}
	h.sumNS += d.Nanoseconds()
	h.count++
	h.mu.Unlock()
	if code != "" {
		series(&m.mu, m.errors, code).Add(1)
	}
}

// issued records n credentials of a format.
func (m *metrics) issued(format string, n int) {
	if n <= 0 {
		return
	}
	series(&m.mu, m.issuedBy, format).Add(uint64(n))
}

// text renders the registry, series sorted so that the output is stable.
func (m *metrics) text() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var b strings.Builder

	b.WriteString("# HELP pramaan_http_requests_total HTTP requests by route pattern, method and status.\n")
	b.WriteString("# TYPE pramaan_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, c requestKey) int {
		if r := strings.Compare(a.route, c.route); r != 0 {
			return r
		}
		if r := strings.Compare(a.method, c.method); r != 0 {
			return r
		}
		return a.status - c.status
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "pramaan_http_requests_total{route=%s,method=%s,status=\"%d\"} %d\n",
			quote(k.route), quote(k.method), k.status, m.requests[k].Load())
	}

	b.WriteString("# HELP pramaan_http_request_duration_seconds HTTP request duration by route pattern.\n")
	b.WriteString("# TYPE pramaan_http_request_duration_seconds histogram\n")
	for _, route := range sortedKeys(m.durations) {
		h := m.durations[route]
		h.mu.Lock()
		counts, sumNS, count := h.counts, h.sumNS, h.count
		h.mu.Unlock()
		var cum uint64
		for i, le := range latencyBuckets {
			cum += counts[i]
			fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n",
				quote(route), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", quote(route), count)
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_sum{route=%s} %s\n", quote(route), strconv.FormatFloat(float64(sumNS)/1e9, 'g', -1, 64))
		fmt.Fprintf(&b, "pramaan_http_request_duration_seconds_count{route=%s} %d\n", quote(route), count)
	}

	b.WriteString("# HELP pramaan_credentials_issued_total Credentials issued by format.\n")
	b.WriteString("# TYPE pramaan_credentials_issued_total counter\n")
	for _, f := range sortedKeys(m.issuedBy) {
		fmt.Fprintf(&b, "pramaan_credentials_issued_total{format=%s} %d\n", quote(f), m.issuedBy[f].Load())
	}

	b.WriteString("# HELP pramaan_errors_total Error responses by error code.\n")
	b.WriteString("# TYPE pramaan_errors_total counter\n")
	for _, c := range sortedKeys(m.errors) {
		fmt.Fprintf(&b, "pramaan_errors_total{code=%s} %d\n", quote(c), m.errors[c].Load())
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// labelEscaper applies the text format's label value escapes.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func quote(s string) string { return `"` + labelEscaper.Replace(s) + `"` }
