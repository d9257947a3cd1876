package browsertest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rsc.io/qr"

	"github.com/pramaan/pramaan/internal/browsertest"
)

// recorder is a testing.TB whose Fatal and Skip end only the goroutine
// calling them and are recorded, so that tests can check how Start and
// Find fail. Everything else (Cleanup, TempDir, Logf) goes to the real t.
type recorder struct {
	testing.TB
	mu            sync.Mutex
	fatal, skip   string
	failed, ended bool
}

func (r *recorder) Helper() {}

func (r *recorder) end(to *string, msg string) {
	r.mu.Lock()
	*to, r.ended = msg, true
	r.failed = r.failed || to == &r.fatal
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any)                 { r.end(&r.fatal, fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.end(&r.fatal, fmt.Sprintf(format, args...)) }
func (r *recorder) FailNow()                          { r.end(&r.fatal, "FailNow") }
func (r *recorder) Skip(args ...any)                  { r.end(&r.skip, fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any)  { r.end(&r.skip, fmt.Sprintf(format, args...)) }
func (r *recorder) SkipNow()                          { r.end(&r.skip, "SkipNow") }
func (r *recorder) Errorf(format string, args ...any) { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recorder) Error(args ...any)                 { r.mu.Lock(); r.failed = true; r.mu.Unlock() }

// run calls f with r on a goroutine of its own, as the testing package
// runs a test, and waits for it to return or end.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// needBrowser skips (or, with PRAMAAN_REQUIRE_BROWSER=1, fails) a test
// that runs the real chromedriver when it is not installed.
func needBrowser(t *testing.T) {
	t.Helper()
	for _, p := range []string{browsertest.DefaultChromedriver, browsertest.DefaultChromium} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("PRAMAAN_REQUIRE_BROWSER") == "1" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
	}
}

func TestStartSkipsWhenChromedriverIsMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "chromedriver")
	t.Setenv("PRAMAAN_CHROMEDRIVER", missing)
	t.Setenv("PRAMAAN_REQUIRE_BROWSER", "")
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { browsertest.Start(tb) })
	if r.skip == "" || r.failed {
		t.Fatalf("Start did not skip: skip %q, fatal %q", r.skip, r.fatal)
	}
	if !strings.Contains(r.skip, missing) || !strings.Contains(r.skip, "PRAMAAN_REQUIRE_BROWSER=1") {
		t.Fatalf("the skip message does not name the path and the switch: %s", r.skip)
	}
}

func TestStartFailsWhenChromiumIsMissingAndTheBrowserIsRequired(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "chromium")
	t.Setenv("PRAMAAN_CHROMEDRIVER", os.Args[0]) // any executable: not run
	t.Setenv("PRAMAAN_CHROMIUM", missing)
	t.Setenv("PRAMAAN_REQUIRE_BROWSER", "1")
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { browsertest.Start(tb) })
	if r.fatal == "" || r.skip != "" {
		t.Fatalf("Start did not fail: skip %q, fatal %q", r.skip, r.fatal)
	}
	if !strings.Contains(r.fatal, missing) || !strings.Contains(r.fatal, "apt-get install chromium") {
		t.Fatalf("the failure does not name the path and the package: %s", r.fatal)
	}
}

func TestStartFailsWithTheDriversOutputWhenTheDriverExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for chromedriver")
	}
	driver := filepath.Join(t.TempDir(), "chromedriver")
	script := "#!/bin/sh\necho 'bind() failed: Address already in use (98)' >&2\nexit 3\n"
	if err := os.WriteFile(driver, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PRAMAAN_CHROMEDRIVER", driver)
	t.Setenv("PRAMAAN_CHROMIUM", os.Args[0])
	r := &recorder{TB: t}
	began := time.Now()
	r.run(func(tb testing.TB) { browsertest.Start(tb) })
	if r.fatal == "" {
		t.Fatalf("Start did not fail: skip %q", r.skip)
	}
	for _, want := range []string{"exited before listening", "exit status 3", "bind() failed: Address already in use"} {
		if !strings.Contains(r.fatal, want) {
			t.Errorf("the failure lacks %q:\n%s", want, r.fatal)
		}
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("Start took %v to see the driver exit", d)
	}
}

func TestStartFailsNamingChromiumWhenItCannotStart(t *testing.T) {
	needBrowser(t)
	t.Setenv("PRAMAAN_CHROMIUM", "/bin/false")
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { browsertest.Start(tb) })
	if r.fatal == "" {
		t.Fatalf("Start did not fail: skip %q", r.skip)
	}
	for _, want := range []string{"/bin/false", "session not created"} {
		if !strings.Contains(r.fatal, want) {
			t.Errorf("the failure lacks %q:\n%s", want, r.fatal)
		}
	}
}

// site serves two pages: the first with a heading a button rewrites, an
// input echoed by script, a list and a link to the second; the first also
// sets an HttpOnly cookie.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		fmt.Fprint(w, `<!doctype html><html><head><title>First page</title></head><body>
<h1 id="heading">Welcome</h1>
<button id="sign-in" onclick="document.getElementById('heading').textContent='Signed in'">Sign in</button>
<input id="name" oninput="document.getElementById('echo').textContent='Hello, '+this.value">
<p id="echo"></p>
<ul><li class="claim">name</li><li class="claim">birthdate</li><li class="claim">address</li></ul>
<a id="next" href="/next?from=first" data-kind="journey">Next</a>
</body></html>`)
	})
	mux.HandleFunc("GET /next", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><head><title>Second page</title></head><body>
<p id="arrived">Arrived from %s</p></body></html>`, strings.ReplaceAll(r.URL.Query().Get("from"), "<", ""))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserClicksTypesAndFollowsALink(t *testing.T) {
	srv := site(t)
	b := browsertest.Start(t)

	b.Navigate(srv.URL + "/")
	if got := b.Title(); got != "First page" {
		t.Errorf("title %q", got)
	}
	if got := b.CurrentURL(); got != srv.URL+"/" {
		t.Errorf("URL %q", got)
	}
	if got := b.Find("#heading").Text(); got != "Welcome" {
		t.Errorf("heading %q before the click", got)
	}
	b.Find("#sign-in").Click()
	if got := b.Find("#heading").Text(); got != "Signed in" {
		t.Errorf("heading %q after the click", got)
	}
	b.Find("#name").SendKeys("Asha Verma")
	if got := b.Find("#echo").Text(); got != "Hello, Asha Verma" {
		t.Errorf("echo %q after typing", got)
	}
	var claims []string
	for _, e := range b.FindAll("li.claim") {
		claims = append(claims, e.Text())
	}
	if got := strings.Join(claims, ","); got != "name,birthdate,address" {
		t.Errorf("claims %q", got)
	}
	if got := b.FindAll(".absent"); len(got) != 0 {
		t.Errorf("FindAll of an absent class gave %d elements", len(got))
	}
	link := b.Find("#next")
	if got := link.Attribute("data-kind"); got != "journey" {
		t.Errorf("data-kind %q", got)
	}
	if got := link.Attribute("hidden"); got != "" {
		t.Errorf("an absent attribute read %q", got)
	}
	if !strings.Contains(b.PageSource(), `<li class="claim">birthdate</li>`) {
		t.Errorf("page source lacks the list")
	}
	var session *http.Cookie
	for _, c := range b.Cookies() {
		if c.Name == "session" {
			session = c
		}
	}
	if session == nil || session.Value != "s3cr3t" || !session.HttpOnly || session.Path != "/" || session.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v", session)
	}

	link.Click()
	if got := b.WaitURL(srv.URL + "/next"); got != srv.URL+"/next?from=first" {
		t.Errorf("URL after the link %q", got)
	}
	if got := b.Title(); got != "Second page" {
		t.Errorf("second title %q", got)
	}
	if got := b.Find("#arrived").Text(); got != "Arrived from first" {
		t.Errorf("second page %q", got)
	}
}

func TestFindFailsNamingTheSelectorWhenNothingAppears(t *testing.T) {
	srv := site(t)
	r := &recorder{TB: t}
	var b *browsertest.Browser
	r.run(func(tb testing.TB) { b = browsertest.Start(tb) })
	if r.ended {
		t.Fatalf("Start: skip %q, fatal %q", r.skip, r.fatal)
	}
	b.Wait = 300 * time.Millisecond
	b.Navigate(srv.URL + "/")
	began := time.Now()
	r.run(func(testing.TB) { b.Find("#allow") })
	waited := time.Since(began)
	if !strings.Contains(r.fatal, `no element "#allow" within 300ms on `+srv.URL) || !strings.Contains(r.fatal, "Welcome") {
		t.Fatalf("Find's failure: %q", r.fatal)
	}
	if waited < 300*time.Millisecond || waited > 5*time.Second {
		t.Errorf("Find waited %v, want 300ms and a little", waited)
	}
	r.fatal = ""
	r.run(func(testing.TB) { b.Find("h1[") })
	if !strings.Contains(r.fatal, "invalid selector") {
		t.Fatalf("an invalid selector: %q", r.fatal)
	}
}

// qrSite serves a page showing offer's QR code four ways: an image at 6
// pixels a module with a 4-module quiet zone, the same image scaled by CSS
// to a non-integer module size (smoothed) and to 2.5 pixels a module
// (pixelated), and a canvas drawn by script at 5 pixels a module.
func qrSite(t *testing.T) *httptest.Server {
	t.Helper()
	c, err := qr.Encode(offer, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	c.Scale = 6
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG())
	modules := make([][]bool, c.Size)
	for y := range modules {
		modules[y] = make([]bool, c.Size)
		for x := range modules[y] {
			modules[y][x] = c.Black(x, y)
		}
	}
	js, err := json.Marshal(modules)
	if err != nil {
		t.Fatal(err)
	}
	side := c.Size + 8
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><head><title>Add to wallet</title></head><body>
<h1 id="heading">Scan with your wallet</h1>
<p><img id="qr" alt="offer" src="%[1]s"></p>
<p><img id="qr-smooth" alt="offer" style="width:%[2]gpx;height:%[2]gpx" src="%[1]s"></p>
<p><img id="qr-small" alt="offer" style="image-rendering:pixelated;width:%[3]gpx;height:%[3]gpx" src="%[1]s"></p>
<p><canvas id="qr-canvas" width="%[4]d" height="%[4]d"></canvas></p>
<script>
const m = %[5]s, s = 5, g = document.getElementById("qr-canvas").getContext("2d");
g.fillStyle = "#fff"; g.fillRect(0, 0, %[4]d, %[4]d); g.fillStyle = "#000";
m.forEach((row, y) => row.forEach((black, x) => { if (black) g.fillRect((x+4)*s, (y+4)*s, s, s); }));
</script></body></html>`, uri, float64(side)*4.37, float64(side)*2.5, side*5, js)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestElementScreenshotsShowTheQRCodeAtAnyScale(t *testing.T) {
	srv := qrSite(t)
	b := browsertest.Start(t)
	b.Navigate(srv.URL + "/")
	other := strings.Replace(offer, "3f9c1a7e", "3f9c1a7f", 1)
	for _, id := range []string{"#qr", "#qr-smooth", "#qr-small", "#qr-canvas"} {
		shot := b.Find(id).Screenshot()
		if err := browsertest.QRShown(shot, offer); err != nil {
			keep(t, id, shot)
			t.Errorf("%s: %v", id, err)
		}
		if err := browsertest.QRShown(shot, other); err == nil || !strings.Contains(err.Error(), "modules differ") {
			t.Errorf("%s passed for another offer: %v", id, err)
		}
	}
	if err := browsertest.QRShown(b.Find("#heading").Screenshot(), offer); err == nil {
		t.Error("the heading passed for a QR code")
	}
	page := b.Screenshot()
	if err := browsertest.QRShown(page, offer); err == nil {
		t.Error("the whole page, four codes and a heading, passed for one QR code")
	}
	if !isPNG(page) {
		t.Errorf("the page screenshot is not a PNG: % x", page[:min(8, len(page))])
	}
}

func isPNG(p []byte) bool { return strings.HasPrefix(string(p), "\x89PNG\r\n\x1a\n") }

// keep writes a screenshot that failed a check where PRAMAAN_SCREENSHOTS
// says, for a look.
func keep(t *testing.T, name string, png []byte) {
	if dir := os.Getenv("PRAMAAN_SCREENSHOTS"); dir != "" {
		p := filepath.Join(dir, strings.Trim(name, "#")+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Log(err)
		}
	}
}

// TestCleanupLeavesNoBrowserProcess starts a browser in a subtest and
// checks, after the subtest's cleanup, that neither chromedriver nor any
// process using the browser's profile is left.
func TestCleanupLeavesNoBrowserProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	var profile string
	var pid int
	t.Run("browser", func(t *testing.T) {
		b := browsertest.Start(t)
		b.Navigate("about:blank")
		profile, pid = b.Profile(), b.DriverPID()
		if n := len(processesUsing(t, profile)); n == 0 {
			t.Fatal("no process found with the profile while the browser runs: the scan sees nothing")
		}
	})
	if profile == "" {
		t.Skip("no browser started")
	}
	if ps := processesUsing(t, profile); len(ps) > 0 {
		t.Errorf("processes left with the profile: %v", ps)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("chromedriver (pid %d) is still there: %v", pid, err)
	}
	if _, err := os.Stat(profile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile directory is left: %v", err)
	}
}

// processesUsing lists the command lines of live processes whose
// arguments name the profile directory.
func processesUsing(t *testing.T, profile string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, p := range dirs {
		cmd, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		if s := string(cmd); strings.Contains(s, "--user-data-dir="+profile) {
			found = append(found, strings.ReplaceAll(s, "\x00", " ")[:min(len(s), 120)])
		}
	}
	return found
}
