package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default paths of Debian's chromium-driver and chromium packages.
const (
	DefaultChromedriver = "/usr/bin/chromedriver"
	DefaultChromium     = "/usr/bin/chromium"
)

// DefaultWait is how long Find and WaitURL wait unless Browser.Wait says
// otherwise.
const DefaultWait = 10 * time.Second

const (
	startTimeout   = 30 * time.Second // chromedriver listening and ready
	commandTimeout = 60 * time.Second // one WebDriver command, page loads included
	pageLoadLimit  = 30 * time.Second // the session's pageLoad timeout
	pollInterval   = 50 * time.Millisecond
	maxResponse    = 64 << 20
)

// elementKey names a web element reference in WebDriver JSON (W3C
// WebDriver, "Elements").
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// chromiumArgs are Chromium's flags besides --user-data-dir: headless, no
// traffic of its own, a fixed window and one device pixel per CSS pixel so
// that screenshots have a known geometry.
var chromiumArgs = []string{
	"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--window-size=1280,1600", "--force-device-scale-factor=1",
}

// Browser is one WebDriver session of headless Chromium with a fresh
// profile. It belongs to the test that started it and ends with it.
type Browser struct {
	// Wait bounds how long Find and WaitURL wait; DefaultWait when Start
	// returns.
	Wait time.Duration

	t       testing.TB
	base    string // http://127.0.0.1:port of chromedriver
	session string
	hc      *http.Client
	driver  *exec.Cmd
	out     *tail
	profile string
}

// Start runs chromedriver on a free 127.0.0.1 port and opens a session of
// headless Chromium with a profile under t.TempDir. Cleanup deletes the
// session and kills chromedriver with the browser processes it started.
func Start(t testing.TB) *Browser {
	t.Helper()
	driverPath := locate(t, "PRAMAAN_CHROMEDRIVER", DefaultChromedriver, "chromium-driver")
	chromiumPath := locate(t, "PRAMAAN_CHROMIUM", DefaultChromium, "chromium")
	// The profile directory is made before the cleanup below is registered,
	// so that the browser is gone before the directory is removed.
	profile := t.TempDir()

	began := time.Now()
	b := &Browser{Wait: DefaultWait, t: t, hc: &http.Client{}, out: &tail{}, profile: profile}
	port, err := b.startDriver(driverPath)
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v\nchromedriver output:\n%s", driverPath, err, b.out)
	}
	b.base = "http://127.0.0.1:" + strconv.Itoa(port)
	if err := b.waitReady(began.Add(startTimeout)); err != nil {
		t.Fatalf("browsertest: %s on port %d: %v\nchromedriver output:\n%s", driverPath, port, err, b.out)
	}
	ready := time.Now()
	version, err := b.newSession(chromiumPath)
	if err != nil {
		t.Fatalf("browsertest: starting %s through chromedriver: %v\nchromedriver output:\n%s", chromiumPath, err, b.out)
	}
	t.Logf("browsertest: Chromium %s up in %v (chromedriver ready in %v, session in %v)",
		version, time.Since(began).Round(time.Millisecond), ready.Sub(began).Round(time.Millisecond),
		time.Since(ready).Round(time.Millisecond))
	return b
}

// locate returns the executable named by env (or dflt), skipping the test
// when it is missing unless PRAMAAN_REQUIRE_BROWSER=1.
func locate(t testing.TB, env, dflt, pkg string) string {
	t.Helper()
	p := dflt
	if v := os.Getenv(env); v != "" {
		p = v
	}
	found, err := exec.LookPath(p)
	if err == nil {
		return found
	}
	if os.Getenv("PRAMAAN_REQUIRE_BROWSER") == "1" {
		t.Fatalf("browsertest: %v; PRAMAAN_REQUIRE_BROWSER=1 requires it (apt-get install %s, or set %s)", err, pkg, env)
	}
	t.Skipf("browsertest: %v (apt-get install %s, or set %s; PRAMAAN_REQUIRE_BROWSER=1 makes this a failure)", err, pkg, env)
	return ""
}

// startedOn is chromedriver's line naming the port it chose for --port=0.
var startedOn = regexp.MustCompile(`started successfully on port (\d+)`)

// startDriver runs chromedriver with --port=0, which makes it pick a free
// port itself, and reads the port from its output. The process and its
// children get a process group of their own, killed at cleanup.
func (b *Browser) startDriver(path string) (int, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("output pipe: %w", err)
	}
	cmd := exec.Command(path, "--port=0", "--allowed-ips=127.0.0.1")
	cmd.Stdout, cmd.Stderr = pw, pw
	ownProcessGroup(cmd)
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		return 0, err
	}
	b.driver = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ports := make(chan int, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			b.out.add(line)
			if m := startedOn.FindStringSubmatch(line); m != nil {
				if p, err := strconv.Atoi(m[1]); err == nil {
					select {
					case ports <- p:
					default:
					}
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	b.t.Cleanup(func() { b.stop(exited, drained) })

	select {
	case p := <-ports:
		return p, nil
	case err := <-exited:
		<-drained
		exited <- err // for stop
		return 0, fmt.Errorf("chromedriver exited before listening: %v", err)
	case <-time.After(startTimeout):
		return 0, fmt.Errorf("chromedriver named no port within %v", startTimeout)
	}
}

// waitReady polls /status until chromedriver says it is ready.
func (b *Browser) waitReady(deadline time.Time) error {
	for {
		var st struct {
			Ready   bool   `json:"ready"`
			Message string `json:"message"`
		}
		err := b.call(http.MethodGet, "/status", nil, &st)
		if err == nil && st.Ready {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("not ready: %s", st.Message)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/status: %w", err)
		}
		time.Sleep(pollInterval)
	}
}

// newSession opens the WebDriver session and returns the browser version.
func (b *Browser) newSession(chromium string) (string, error) {
	args := append(append([]string(nil), chromiumArgs...), "--user-data-dir="+b.profile)
	body := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"timeouts": map[string]int64{
			"pageLoad": pageLoadLimit.Milliseconds(),
			"script":   DefaultWait.Milliseconds(),
			"implicit": 0,
		},
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": args},
	}}}
	var sess struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	if err := b.call(http.MethodPost, "/session", body, &sess); err != nil {
		return "", err
	}
	if sess.SessionID == "" {
		return "", errors.New("new session: no sessionId in the response")
	}
	b.session = sess.SessionID
	return sess.Capabilities.BrowserVersion, nil
}

// stop deletes the session, which closes Chromium, then kills what is left
// of chromedriver's process group and waits for it.
func (b *Browser) stop(exited chan error, drained chan struct{}) {
	if b.session != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := b.callContext(ctx, http.MethodDelete, "/session/"+b.session, nil, nil); err != nil {
			b.t.Logf("browsertest: deleting the session: %v", err)
		}
		cancel()
		b.session = ""
	}
	killProcessGroup(b.driver)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		b.t.Errorf("browsertest: chromedriver (pid %d) did not exit after SIGKILL", b.driver.Process.Pid)
	}
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		b.t.Errorf("browsertest: a process of chromedriver's still holds its output open")
	}
}

// Error is a WebDriver error answer (W3C WebDriver, "Errors").
type Error struct {
	Command string // method and path
	Status  int    // HTTP status
	Code    string // the error code, such as "no such element"
	Message string
}

func (e *Error) Error() string {
	msg := e.Message
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i] // the rest is chromedriver's stack trace
	}
	return fmt.Sprintf("browsertest: %s: %s: %s", e.Command, e.Code, msg)
}

func (b *Browser) call(method, path string, body, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	return b.callContext(ctx, method, path, body, out)
}

// callContext sends one WebDriver command and decodes the answer's value
// into out.
func (b *Browser) callContext(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("browsertest: %s %s: encoding the request: %w", method, path, err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return fmt.Errorf("browsertest: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return fmt.Errorf("browsertest: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("browsertest: %s %s: reading the answer: %w", method, path, err)
	}
	if len(raw) > maxResponse {
		return fmt.Errorf("browsertest: %s %s: answer over %d bytes", method, path, maxResponse)
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("browsertest: %s %s: HTTP %d, not WebDriver JSON: %.200q", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Command: method + " " + path, Status: resp.StatusCode}
		var v struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(env.Value, &v) == nil {
			e.Code, e.Message = v.Error, v.Message
		}
		if e.Code == "" {
			e.Code = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(env.Value, out); err != nil {
			return fmt.Errorf("browsertest: %s %s: decoding the value: %w", method, path, err)
		}
	}
	return nil
}

func (b *Browser) path(p string) string { return "/session/" + b.session + p }

// do runs a session command and fails the test on error.
func (b *Browser) do(method, p string, body, out any) {
	b.t.Helper()
	if err := b.call(method, b.path(p), body, out); err != nil {
		b.t.Fatal(err)
	}
}

// Navigate opens url and returns when the page has loaded.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.do(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// CurrentURL is the URL of the page shown.
func (b *Browser) CurrentURL() string {
	b.t.Helper()
	var u string
	b.do(http.MethodGet, "/url", nil, &u)
	return u
}

// Title is the page's title.
func (b *Browser) Title() string {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/title", nil, &s)
	return s
}

// PageSource is the page's HTML as the browser serializes its DOM now.
func (b *Browser) PageSource() string {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/source", nil, &s)
	return s
}

// Screenshot is a PNG of the viewport.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	var s string
	b.do(http.MethodGet, "/screenshot", nil, &s)
	return b.decodePNG(s)
}

func (b *Browser) decodePNG(s string) []byte {
	b.t.Helper()
	p, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b.t.Fatalf("browsertest: screenshot: %v", err)
	}
	return p
}

// Find waits up to b.Wait for an element matching the CSS selector and
// returns the first one. It fails the test, showing the URL and the start
// of the page, when none appears.
func (b *Browser) Find(css string) *Element {
	b.t.Helper()
	deadline := time.Now().Add(b.Wait)
	for {
		var ref map[string]string
		err := b.call(http.MethodPost, b.path("/element"), map[string]string{"using": "css selector", "value": css}, &ref)
		if err == nil {
			if id := ref[elementKey]; id != "" {
				return &Element{b: b, id: id, css: css}
			}
			err = fmt.Errorf("browsertest: an element reference without %s", elementKey)
		}
		var we *Error
		if !errors.As(err, &we) || we.Code != "no such element" {
			b.t.Fatalf("browsertest: find %q: %v", css, err)
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browsertest: no element %q within %v on %s\npage:\n%.2000s", css, b.Wait, b.CurrentURL(), b.PageSource())
		}
		time.Sleep(pollInterval)
	}
}

// FindAll returns the elements matching the CSS selector now, in document
// order, without waiting; none is an empty slice.
func (b *Browser) FindAll(css string) []*Element {
	b.t.Helper()
	var refs []map[string]string
	b.do(http.MethodPost, "/elements", map[string]string{"using": "css selector", "value": css}, &refs)
	els := make([]*Element, 0, len(refs))
	for _, r := range refs {
		els = append(els, &Element{b: b, id: r[elementKey], css: css})
	}
	return els
}

// WaitURL waits up to b.Wait for the page's URL to start with prefix and
// returns it.
func (b *Browser) WaitURL(prefix string) string {
	b.t.Helper()
	deadline := time.Now().Add(b.Wait)
	for {
		u := b.CurrentURL()
		if strings.HasPrefix(u, prefix) {
			return u
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browsertest: the URL is %s after %v, want one starting %s", u, b.Wait, prefix)
		}
		time.Sleep(pollInterval)
	}
}

// Cookies are the cookies the browser would send to the page shown,
// HttpOnly ones included.
func (b *Browser) Cookies() []*http.Cookie {
	b.t.Helper()
	var raw []struct {
		Name     string `json:"name"`
		Value    string `json:"value"`
		Path     string `json:"path"`
		Domain   string `json:"domain"`
		Secure   bool   `json:"secure"`
		HTTPOnly bool   `json:"httpOnly"`
		Expiry   *int64 `json:"expiry"`
		SameSite string `json:"sameSite"`
	}
	b.do(http.MethodGet, "/cookie", nil, &raw)
	cs := make([]*http.Cookie, 0, len(raw))
	for _, r := range raw {
		c := &http.Cookie{Name: r.Name, Value: r.Value, Path: r.Path, Domain: r.Domain, Secure: r.Secure, HttpOnly: r.HTTPOnly}
		if r.Expiry != nil {
			c.Expires = time.Unix(*r.Expiry, 0)
		}
		switch r.SameSite {
		case "Lax":
			c.SameSite = http.SameSiteLaxMode
		case "Strict":
			c.SameSite = http.SameSiteStrictMode
		case "None":
			c.SameSite = http.SameSiteNoneMode
		}
		cs = append(cs, c)
	}
	return cs
}

// Element is an element found on the page shown; it goes stale when the
// page changes.
type Element struct {
	b   *Browser
	id  string
	css string // the selector it was found by, for messages
}

func (e *Element) do(method, p string, body, out any) {
	e.b.t.Helper()
	if err := e.b.call(method, e.b.path("/element/"+e.id+p), body, out); err != nil {
		e.b.t.Fatalf("browsertest: element %q: %v", e.css, err)
	}
}

// Click scrolls the element into view and clicks its centre.
func (e *Element) Click() {
	e.b.t.Helper()
	e.do(http.MethodPost, "/click", map[string]any{}, nil)
}

// Text is the element's rendered text.
func (e *Element) Text() string {
	e.b.t.Helper()
	var s string
	e.do(http.MethodGet, "/text", nil, &s)
	return s
}

// Attribute is the value of the named attribute, "" when absent.
func (e *Element) Attribute(name string) string {
	e.b.t.Helper()
	var s *string
	e.do(http.MethodGet, "/attribute/"+name, nil, &s)
	if s == nil {
		return ""
	}
	return *s
}

// SendKeys focuses the element and types s into it.
func (e *Element) SendKeys(s string) {
	e.b.t.Helper()
	e.do(http.MethodPost, "/value", map[string]string{"text": s}, nil)
}

// Screenshot is a PNG of the element's box as rendered.
func (e *Element) Screenshot() []byte {
	e.b.t.Helper()
	var s string
	e.do(http.MethodGet, "/screenshot", nil, &s)
	return e.b.decodePNG(s)
}

// tail keeps the last lines of chromedriver's output for failure messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

const tailLines = 200

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
