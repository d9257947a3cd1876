package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pramaan/pramaan/httpsig"
)

// CallbackTag is the RFC 9421 tag of Pramaan's callback signatures: a
// receiver selects the signature by it.
const CallbackTag = "pramaan-callback"

// CallbackComponents are what a callback signature covers.
var CallbackComponents = []string{"@method", "@target-uri", "content-digest", "content-type", "idempotency-key"}

// Policy bounds retries. Zero values take the defaults named.
type Policy struct {
	MaxAttempts int           // 10
	BaseDelay   time.Duration // 2 s: the delay after the first failure
	MaxDelay    time.Duration // 15 min
	Lease       time.Duration // 60 s; must exceed Timeout
	Timeout     time.Duration // 15 s per attempt
	Batch       int           // 16 messages claimed at a time
	Poll        time.Duration // 1 s between claims when idle
	Parallel    int           // 4 deliveries at once
}

func (p Policy) withDefaults() Policy {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&p.BaseDelay, 2*time.Second)
	def(&p.MaxDelay, 15*time.Minute)
	def(&p.Timeout, 15*time.Second)
	def(&p.Lease, 4*p.Timeout)
	if p.Lease <= p.Timeout {
		p.Lease = p.Timeout + time.Second
	}
	def(&p.Poll, time.Second)
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 10
	}
	if p.Batch <= 0 {
		p.Batch = 16
	}
	if p.Parallel <= 0 {
		p.Parallel = 4
	}
	return p
}

// Backoff is the delay before attempt n+1 after n failed attempts:
// BaseDelay·2^(n-1), capped at MaxDelay, with "equal jitter" (half fixed,
// half uniform random) so that backends recovering from an outage are not
// hit by every message at once. u is uniform in [0, 1).
func (p Policy) Backoff(n int, u float64) time.Duration {
	p = p.withDefaults()
	d := p.MaxDelay
	if n >= 1 && n < 40 {
		if e := p.BaseDelay << (n - 1); e > 0 && e < p.MaxDelay {
			d = e
		}
	}
	return d/2 + time.Duration(u*float64(d/2))
}

// Worker delivers the outbox.
type Worker struct {
	Store Store
	// Signer signs each attempt (RFC 9421); its Components and Tag are set
	// by the Worker to CallbackComponents and CallbackTag.
	Signer *httpsig.Signer
	// HTTP sends the requests; nil: a client that follows no redirects.
	HTTP   *http.Client
	Policy Policy
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Jitter returns uniform values in [0, 1); nil: math/rand/v2.
	Jitter func() float64
	Logger *slog.Logger
	// Observe, when set, is told each attempt's outcome: "delivered",
	// "retry" or "dead".
	Observe func(outcome string)

	once sync.Once
	pol  Policy
	http *http.Client
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.pol = w.Policy.withDefaults()
		w.http = w.HTTP
		if w.http == nil {
			w.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		if w.Logger == nil {
			w.Logger = slog.New(slog.DiscardHandler)
		}
		signer := *w.Signer
		signer.Components, signer.Tag = CallbackComponents, CallbackTag
		if signer.Now == nil {
			signer.Now = w.now
		}
		w.Signer = &signer
	})
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("outbox claim failed", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(w.pol.Poll):
		}
	}
}

// RunOnce claims one batch of due messages and attempts each, a few at a
// time; it returns how many it attempted.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	msgs, err := w.Store.ClaimDue(ctx, w.now(), w.pol.Lease, w.pol.Batch)
	if err != nil {
		return 0, fmt.Errorf("outbox: claim: %w", err)
	}
	sem := make(chan struct{}, w.pol.Parallel)
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.attempt(ctx, m)
		}()
	}
	wg.Wait()
	return len(msgs), nil
}

// attempt sends one message and records the outcome.
func (w *Worker) attempt(ctx context.Context, m Message) {
	status, retryAfter, err := w.send(ctx, m)
	now := w.now()
	log := w.Logger.With("message", m.ID, "destination", m.Destination, "attempt", m.Attempts, "status", status)
	if err == nil {
		if merr := w.Store.MarkDelivered(ctx, m.ID, now, status); merr != nil {
			log.Warn("outbox delivered but not recorded; it will be sent again", "err", merr)
			return
		}
		log.Info("callback delivered")
		w.observe("delivered")
		return
	}
	f := Failure{At: now, Status: status, Error: truncate(err.Error(), 500)}
	switch {
	case permanent(status):
		f.Dead = true
	case m.Attempts >= w.pol.MaxAttempts:
		f.Dead = true
		f.Error = fmt.Sprintf("%s (gave up after %d attempts)", f.Error, m.Attempts)
	default:
		u := rand.Float64()
		if w.Jitter != nil {
			u = w.Jitter()
		}
		delay := w.pol.Backoff(m.Attempts, u)
		if retryAfter > delay {
			delay = min(retryAfter, w.pol.MaxDelay)
		}
		f.Next = now.Add(delay)
	}
	if merr := w.Store.MarkFailed(ctx, m.ID, f); merr != nil {
		log.Warn("outbox failure not recorded; the lease will expire", "err", merr)
		return
	}
	if f.Dead {
		log.Warn("callback dead", "err", f.Error)
		w.observe("dead")
		return
	}
	log.Info("callback failed; will retry", "err", f.Error, "next", f.Next)
	w.observe("retry")
}

func (w *Worker) observe(outcome string) {
	if w.Observe != nil {
		w.Observe(outcome)
	}
}

// permanent reports a 4xx that a retry cannot fix (RFC 9110 Section
// 15.5): not 408 Request Timeout, 425 Too Early or 429 Too Many Requests.
func permanent(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout &&
		status != http.StatusTooEarly && status != http.StatusTooManyRequests
}

// send makes one signed attempt; err is nil only for a 2xx answer.
func (w *Worker) send(ctx context.Context, m Message) (status int, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.pol.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, 0, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", m.ContentType)
	req.Header.Set("Idempotency-Key", m.ID)
	req.Header.Set("User-Agent", "pramaan-callback/1")
	if err := w.Signer.SignRequest(req, m.Body); err != nil {
		return 0, 0, fmt.Errorf("sign: %w", err)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, 0, fmt.Errorf("no answer within %s", w.pol.Timeout)
		}
		return 0, 0, fmt.Errorf("transport: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil
	}
	if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, retryAfter, fmt.Errorf("backend answered %d: %s", resp.StatusCode, bytes.TrimSpace(snippet))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
