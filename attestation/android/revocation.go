package android

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// GoogleStatusURL is where Google publishes the attestation status list.
const GoogleStatusURL = "https://android.googleapis.com/attestation/status"

// Limits and defaults of the status list.
const (
	MaxStatusListBytes     = 32 << 20
	maxStatusEntries       = 1 << 20
	DefaultStatusTTL       = time.Hour
	DefaultStatusMaxStale  = 24 * time.Hour
	defaultStatusTimeout   = 30 * time.Second
	maxStatusSerialHexLen  = 64
	maxStatusReasonLen     = 64
	maxStatusCommentLength = 4096
)

// ErrStatusList is wrapped by every status list parse or fetch error.
var ErrStatusList = errors.New("android: attestation status list")

// Status values of a status list entry. A listed serial number is never
// valid: REVOKED is permanent, SUSPENDED temporary, and both are refused.
const (
	StatusRevoked   = "REVOKED"
	StatusSuspended = "SUSPENDED"
)

// StatusEntry is one entry of the status list.
type StatusEntry struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Comment string `json:"comment,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// StatusList is the attestation status list: the serial numbers, as
// lowercase hexadecimal without leading zeros, of attestation certificates
// that are not valid.
type StatusList struct {
	Entries map[string]StatusEntry `json:"entries"`
}

// ParseStatusList reads the JSON format of
// https://android.googleapis.com/attestation/status
// ({"entries": {"<hex serial>": {"status": …, "reason": …}}}).
func ParseStatusList(data []byte) (*StatusList, error) {
	if len(data) > MaxStatusListBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrStatusList, len(data), MaxStatusListBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw struct {
		Entries map[string]StatusEntry `json:"entries"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStatusList, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrStatusList)
	}
	if raw.Entries == nil {
		return nil, fmt.Errorf("%w: entries is missing", ErrStatusList)
	}
	if len(raw.Entries) > maxStatusEntries {
		return nil, fmt.Errorf("%w: more than %d entries", ErrStatusList, maxStatusEntries)
	}
	l := &StatusList{Entries: make(map[string]StatusEntry, len(raw.Entries))}
	for serial, e := range raw.Entries {
		if serial == "" || len(serial) > maxStatusSerialHexLen {
			return nil, fmt.Errorf("%w: entry key %.70q is not a serial number", ErrStatusList, serial)
		}
		// Google's keys are lowercase hex; normalise so a list in another
		// case cannot make a revoked serial look absent.
		key := strings.ToLower(serial)
		if _, ok := new(big.Int).SetString(key, 16); !ok {
			return nil, fmt.Errorf("%w: entry key %.70q is not hexadecimal", ErrStatusList, serial)
		}
		key = strings.TrimLeft(key, "0")
		if key == "" {
			key = "0"
		}
		if e.Status == "" {
			return nil, fmt.Errorf("%w: entry %s has no status", ErrStatusList, key)
		}
		if len(e.Status) > maxStatusReasonLen || len(e.Reason) > maxStatusReasonLen || len(e.Comment) > maxStatusCommentLength || len(e.Expires) > maxStatusReasonLen {
			return nil, fmt.Errorf("%w: entry %s is too long", ErrStatusList, key)
		}
		l.Entries[key] = e
	}
	return l, nil
}

// SerialKey is how the status list names a certificate serial number.
func SerialKey(serial *big.Int) string {
	return strings.ToLower(serial.Text(16))
}

// Lookup reports the entry of a serial number. Any entry, whatever its
// status says (an unknown status included), means "not valid".
func (l *StatusList) Lookup(serial *big.Int) (StatusEntry, bool) {
	e, ok := l.Entries[SerialKey(serial)]
	return e, ok
}

// StatusSource supplies the current status list. An error means the list is
// unavailable, and Verify then fails the chain (fail closed).
type StatusSource interface {
	StatusList(ctx context.Context) (*StatusList, error)
}

// StaticStatus is a fixed status list.
type StaticStatus struct{ List *StatusList }

// StatusList returns the fixed list.
func (s StaticStatus) StatusList(context.Context) (*StatusList, error) {
	if s.List == nil {
		return nil, fmt.Errorf("%w: no list", ErrStatusList)
	}
	return s.List, nil
}

// CachedStatus fetches the status list from a file or an HTTP(S) URL and
// keeps it for TTL. When a refresh fails it serves the last list until that
// is MaxStale old, and then fails: an unavailable list fails chains.
type CachedStatus struct {
	location string
	fetch    func(ctx context.Context) ([]byte, error)
	now      func() time.Time
	ttl      time.Duration
	maxStale time.Duration

	mu        sync.Mutex
	list      *StatusList
	fetchedAt time.Time
}

// StatusOptions tunes a CachedStatus.
type StatusOptions struct {
	// TTL is how long a fetched list is used before it is fetched again;
	// zero means DefaultStatusTTL.
	TTL time.Duration
	// MaxStale is how long the last list is served while refreshes fail;
	// zero means DefaultStatusMaxStale.
	MaxStale time.Duration
	// Client fetches URLs; nil means a client with a 30 s timeout.
	Client *http.Client
	// Now is the clock. REQUIRED.
	Now func() time.Time
}

// NewStatusSource returns a cached source reading location: an http:// or
// https:// URL, or else a file path.
func NewStatusSource(location string, opts StatusOptions) (*CachedStatus, error) {
	if location == "" {
		return nil, fmt.Errorf("%w: no location", ErrStatusList)
	}
	if opts.Now == nil {
		return nil, fmt.Errorf("%w: the clock (Now) is required", ErrStatusList)
	}
	if opts.TTL < 0 || opts.MaxStale < 0 {
		return nil, fmt.Errorf("%w: negative TTL or MaxStale", ErrStatusList)
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultStatusTTL
	}
	if opts.MaxStale == 0 {
		opts.MaxStale = DefaultStatusMaxStale
	}
	c := &CachedStatus{location: location, now: opts.Now, ttl: opts.TTL, maxStale: opts.MaxStale}
	if strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://") {
		client := opts.Client
		if client == nil {
			client = &http.Client{Timeout: defaultStatusTimeout}
		}
		c.fetch = func(ctx context.Context) ([]byte, error) { return fetchURL(ctx, client, location) }
	} else {
		c.fetch = func(context.Context) ([]byte, error) { return readLimited(location) }
	}
	return c, nil
}

// StatusList returns the cached list, refreshing it when older than TTL.
func (c *CachedStatus) StatusList(ctx context.Context) (*StatusList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.list != nil && now.Sub(c.fetchedAt) < c.ttl {
		return c.list, nil
	}
	data, err := c.fetch(ctx)
	var list *StatusList
	if err == nil {
		list, err = ParseStatusList(data)
	}
	if err != nil {
		if c.list != nil && now.Sub(c.fetchedAt) < c.maxStale {
			return c.list, nil
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrStatusList, c.location, err)
	}
	c.list, c.fetchedAt = list, now
	return list, nil
}

func fetchURL(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return readAllLimited(resp.Body)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllLimited(f)
}

func readAllLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxStatusListBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxStatusListBytes {
		return nil, fmt.Errorf("more than %d bytes", MaxStatusListBytes)
	}
	return data, nil
}
