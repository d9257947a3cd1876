package browsertest_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/pramaan/pramaan/internal/browsertest"
)

// offer is a credential-offer link of the length the portal shows.
const offer = "openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcredential-offer%2F3f9c1a7e"

// drawing says how render draws a code.
type drawing struct {
	scale    float64 // pixels a module
	border   int     // light pixels around the 4-module quiet zone
	smooth   bool    // average each pixel's area, as a browser's scaling does
	clear    bool    // light pixels transparent instead of white
	stretchX float64 // extra horizontal factor (1 when 0)
}

// render draws text's level-M QR code with a 4-module quiet zone.
func render(t testing.TB, text string, d drawing) []byte {
	t.Helper()
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	sx := d.scale
	if d.stretchX != 0 {
		sx *= d.stretchX
	}
	w := int(float64(c.Size+8)*sx) + 2*d.border
	h := int(float64(c.Size+8)*d.scale) + 2*d.border
	samples := 1
	if d.smooth {
		samples = 4
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			blacks := 0
			for sy := range samples {
				for sxx := range samples {
					fx := (float64(x-d.border) + (float64(sxx)+0.5)/float64(samples)) / sx
					fy := (float64(y-d.border) + (float64(sy)+0.5)/float64(samples)) / d.scale
					if fx >= 0 && fy >= 0 && c.Black(int(fx)-4, int(fy)-4) {
						blacks++
					}
				}
			}
			cover := float64(blacks) / float64(samples*samples)
			px := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
			if d.clear {
				px = color.NRGBA{A: uint8(255 * cover)}
			} else {
				v := uint8(255 - 255*cover)
				px.R, px.G, px.B = v, v, v
			}
			img.SetNRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func solid(t testing.TB, w, h int, v uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// modulesDiffering counts the modules where two same-size codes differ.
func modulesDiffering(t testing.TB, a, b string) (differ, total int) {
	t.Helper()
	ca, err := qr.Encode(a, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := qr.Encode(b, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Size != cb.Size {
		t.Fatalf("%q and %q give codes of %d and %d modules", a, b, ca.Size, cb.Size)
	}
	for y := range ca.Size {
		for x := range ca.Size {
			if ca.Black(x, y) != cb.Black(x, y) {
				differ++
			}
		}
	}
	return differ, ca.Size * ca.Size
}

func TestQRShown(t *testing.T) {
	own, err := qr.Encode(offer, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	own.Scale = 6
	other := strings.Replace(offer, "3f9c1a7e", "3f9c1a7f", 1)
	differ, total := modulesDiffering(t, offer, other)

	tests := []struct {
		name    string
		png     []byte
		content string
		wantErr string // "" when the code is shown
	}{
		{"shown/rsc.io/qr's own PNG at 6 px a module", own.PNG(), offer, ""},
		{"shown/6 px a module inside a 20 px border", render(t, offer, drawing{scale: 6, border: 20}), offer, ""},
		{"shown/3.7 px a module smoothed inside a 13 px border", render(t, offer, drawing{scale: 3.7, border: 13, smooth: true}), offer, ""},
		{"shown/2 px a module", render(t, offer, drawing{scale: 2}), offer, ""},
		{"shown/2.5 px a module smoothed", render(t, offer, drawing{scale: 2.5, smooth: true}), offer, ""},
		{"shown/on a transparent background", render(t, offer, drawing{scale: 5, clear: true, smooth: true}), offer, ""},
		{"refused/another content's code, counting the modules",
			render(t, other, drawing{scale: 6}), offer, fmt.Sprintf("%d of %d modules differ", differ, total)},
		{"refused/1 px a module is too small", render(t, offer, drawing{scale: 1, border: 40}), offer, "under 2 pixels a module"},
		{"refused/stretched to twice the width", render(t, offer, drawing{scale: 4, stretchX: 2}), offer, "not square"},
		{"refused/a white image", solid(t, 300, 300, 255), offer, "no dark pixel"},
		{"refused/a black image", solid(t, 300, 300, 0), offer, "modules differ"},
		{"refused/not a PNG", []byte("GIF89a"), offer, "QR screenshot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := browsertest.QRShown(tc.png, tc.content)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("QRShown: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("QRShown accepted it, want an error with %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("QRShown: %v\nwant an error with %q", err, tc.wantErr)
			}
		})
	}
}

func ExampleQRShown() {
	link := "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Fcredential-offer%2F1"
	code, err := qr.Encode(link, qr.M)
	if err != nil {
		panic(err)
	}
	code.Scale = 4 // a PNG with 4 pixels a module and a 4-module quiet zone
	fmt.Println(browsertest.QRShown(code.PNG(), link))
	fmt.Println(browsertest.QRShown(code.PNG(), link+"2") != nil)
	// Output:
	// <nil>
	// true
}
