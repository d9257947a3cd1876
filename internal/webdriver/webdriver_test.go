package webdriver_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"

	"rsc.io/qr"

	"github.com/pramaan/pramaan/internal/webdriver"
)

const content = "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcredential-offer%2Fabc"

// render draws content's QR code with scale pixels a module (scale may be
// fractional: nearest neighbour, as a browser's pixelated scaling), a
// quiet zone and a light border.
func render(t *testing.T, text string, scale float64, border int) []byte {
	t.Helper()
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	side := int(float64(c.Size+8)*scale) + 2*border
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			img.SetGray(x, y, color.Gray{Y: 250})
			mx := int(float64(x-border)/scale) - 4
			my := int(float64(y-border)/scale) - 4
			if x >= border && y >= border && c.Black(mx, my) {
				img.SetGray(x, y, color.Gray{Y: 10})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func blank(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestQRShown(t *testing.T) {
	tests := []struct {
		name string
		png  []byte
		text string
		ok   bool
	}{
		{"ok/6 px a module", render(t, content, 6, 0), content, true},
		{"ok/scaled 3.7 px with a border", render(t, content, 3.7, 13), content, true},
		{"fail/another content", render(t, content, 6, 0), content + "x", false},
		{"fail/blank", blank(t), content, false},
		{"fail/too small", render(t, content, 1, 0), content, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webdriver.QRShown(tc.png, tc.text)
			if (err == nil) != tc.ok {
				t.Fatalf("QRShown: %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if err := webdriver.QRShown([]byte("not a png"), content); err == nil {
		t.Fatal("not a PNG accepted")
	}
}

// TestBrowserDrivesAPage: navigate, click, read text, follow a link, and
// check an image's QR code from an element screenshot.
func TestBrowserDrivesAPage(t *testing.T) {
	qrPNG := base64.StdEncoding.EncodeToString(render(t, content, 6, 0))
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><body><h1 id="h">Hello</h1>
<button id="b" onclick="document.getElementById('h').textContent='Clicked'">Go</button>
<a id="next" href="/next">next</a>
<p><img id="qr" style="image-rendering:pixelated;width:250px" src="data:image/png;base64,%s"></p></body></html>`, qrPNG)
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><p id="p">Second page</p></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := webdriver.Start(t)
	b.Navigate(srv.URL + "/")
	if got := b.Find("#h").Text(); got != "Hello" {
		t.Fatalf("heading %q", got)
	}
	b.Find("#b").Click()
	if got := b.Find("#h").Text(); got != "Clicked" {
		t.Fatalf("after click %q", got)
	}
	shot := b.Find("#qr").Screenshot()
	if err := webdriver.QRShown(shot, content); err != nil {
		t.Fatalf("QR image: %v", err)
	}
	if err := webdriver.QRShown(shot, content+"x"); err == nil {
		t.Fatal("the QR image matched another content")
	}
	if err := webdriver.QRShown(b.Find("#h").Screenshot(), content); err == nil {
		t.Fatal("the heading passed for a QR code")
	}
	b.Find("#next").Click()
	b.WaitURL(srv.URL + "/next")
	if got := b.Find("#p").Text(); got != "Second page" {
		t.Fatalf("second page %q", got)
	}
}
