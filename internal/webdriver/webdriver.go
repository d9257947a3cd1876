package webdriver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Defaults, overridable by PRAMAAN_CHROMEDRIVER and PRAMAAN_CHROMIUM.
const (
	DefaultDriver   = "/usr/bin/chromedriver"
	DefaultChromium = "/usr/bin/chromium"
	// Wait bounds Find and WaitURL.
	Wait = 10 * time.Second
)

// elementKey is the W3C web element identifier (WebDriver §12.1).
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Browser is one WebDriver session of headless Chromium.
type Browser struct {
	t       testing.TB
	driver  string // http://127.0.0.1:port
	session string
	hc      *http.Client
}

// Element is a found element.
type Element struct {
	b   *Browser
	id  string
	css string
}

func lookup(env, dflt string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return dflt
}

// Start runs chromedriver on a free loopback port and opens a headless
// Chromium session with a fresh profile; both end with the test.
func Start(t testing.TB) *Browser {
	t.Helper()
	driver, chromium := lookup("PRAMAAN_CHROMEDRIVER", DefaultDriver), lookup("PRAMAAN_CHROMIUM", DefaultChromium)
	for _, p := range []string{driver, chromium} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("PRAMAAN_REQUIRE_BROWSER") == "1" {
				t.Fatalf("webdriver: %s is required (PRAMAAN_REQUIRE_BROWSER=1): %v; install Debian's chromium and chromium-driver", p, err)
			}
			t.Skipf("webdriver: %s missing (install chromium and chromium-driver; PRAMAAN_REQUIRE_BROWSER=1 makes this fatal)", p)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("webdriver: starting chromedriver: %v", err)
	}
	b := &Browser{t: t, driver: fmt.Sprintf("http://127.0.0.1:%d", port), hc: &http.Client{Timeout: 60 * time.Second}}
	t.Cleanup(func() {
		if b.session != "" {
			b.call(http.MethodDelete, "/session/"+b.session, nil, nil)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := b.call(http.MethodGet, "/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webdriver: chromedriver not ready: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args": []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
				"--window-size=1280,1600", "--force-device-scale-factor=1", "--user-data-dir=" + t.TempDir()},
		},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(http.MethodPost, "/session", caps, &sess); err != nil {
		t.Fatalf("webdriver: new session: %v\n%s", err, logs.String())
	}
	b.session = sess.SessionID
	return b
}

// call sends a WebDriver command and decodes its value into out.
func (b *Browser) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, b.driver+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var w struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("webdriver: %s %s: HTTP %d: %.200s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(w.Value, &e)
		return fmt.Errorf("webdriver: %s %s: %s: %.300s", method, path, e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(w.Value, out)
	}
	return nil
}

func (b *Browser) must(err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
}

func (b *Browser) path(p string) string { return "/session/" + b.session + p }

// Navigate opens url and waits for the page to load.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.must(b.call(http.MethodPost, b.path("/url"), map[string]string{"url": url}, nil))
}

// URL is the current page's URL.
func (b *Browser) URL() string {
	b.t.Helper()
	var u string
	b.must(b.call(http.MethodGet, b.path("/url"), nil, &u))
	return u
}

// Source is the current page's HTML.
func (b *Browser) Source() string {
	b.t.Helper()
	var s string
	b.must(b.call(http.MethodGet, b.path("/source"), nil, &s))
	return s
}

// Find waits up to Wait for an element matching the CSS selector.
func (b *Browser) Find(css string) *Element {
	b.t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		var ref map[string]string
		err := b.call(http.MethodPost, b.path("/element"), map[string]string{"using": "css selector", "value": css}, &ref)
		if err == nil && ref[elementKey] != "" {
			return &Element{b: b, id: ref[elementKey], css: css}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("webdriver: no element %q on %s: %v\n%.2000s", css, b.URL(), err, b.Source())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Has reports whether an element matches the CSS selector now.
func (b *Browser) Has(css string) bool {
	var refs []map[string]string
	err := b.call(http.MethodPost, b.path("/elements"), map[string]string{"using": "css selector", "value": css}, &refs)
	return err == nil && len(refs) > 0
}

// WaitURL waits up to Wait for the current URL to start with prefix.
func (b *Browser) WaitURL(prefix string) {
	b.t.Helper()
	deadline := time.Now().Add(Wait)
	for !strings.HasPrefix(b.URL(), prefix) {
		if time.Now().After(deadline) {
			b.t.Fatalf("webdriver: URL %s, want a prefix %s", b.URL(), prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Screenshot is a PNG of the viewport.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	var s string
	b.must(b.call(http.MethodGet, b.path("/screenshot"), nil, &s))
	png, err := base64.StdEncoding.DecodeString(s)
	b.must(err)
	return png
}

func (e *Element) path(p string) string { return e.b.path("/element/" + e.id + p) }

// Click clicks the element.
func (e *Element) Click() {
	e.b.t.Helper()
	e.b.must(e.b.call(http.MethodPost, e.path("/click"), map[string]any{}, nil))
}

// Text is the element's rendered text.
func (e *Element) Text() string {
	e.b.t.Helper()
	var s string
	e.b.must(e.b.call(http.MethodGet, e.path("/text"), nil, &s))
	return s
}

// Attribute is an attribute's value ("" when absent).
func (e *Element) Attribute(name string) string {
	e.b.t.Helper()
	var s *string
	e.b.must(e.b.call(http.MethodGet, e.path("/attribute/"+name), nil, &s))
	if s == nil {
		return ""
	}
	return *s
}

// Screenshot is a PNG of the element as rendered.
func (e *Element) Screenshot() []byte {
	e.b.t.Helper()
	var s string
	e.b.must(e.b.call(http.MethodGet, e.path("/screenshot"), nil, &s))
	png, err := base64.StdEncoding.DecodeString(s)
	e.b.must(err)
	return png
}
