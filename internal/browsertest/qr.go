package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"

	"rsc.io/qr"
)

// QRShown checks that the PNG, a screenshot of an image or canvas showing
// a QR code, shows exactly the code rsc.io/qr makes for content at level M.
//
// The code's extent is the bounding box of the dark pixels: the finder
// patterns reach three of its corners and the quiet zone around it is
// light. The module size is that box's side over the code's size in
// modules, so any scale of 2 pixels a module or more works, integer or
// not; each module is judged by the pixel at its centre (dark when its
// luminance over white is below 128), away from edges blurred by scaling.
// The error says how many modules differ.
func QRShown(pngData []byte, content string) error {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return fmt.Errorf("browsertest: QR screenshot: %w", err)
	}
	want, err := qr.Encode(content, qr.M)
	if err != nil {
		return fmt.Errorf("browsertest: encoding the expected QR code: %w", err)
	}
	box := darkBounds(img)
	if box.Empty() {
		return fmt.Errorf("browsertest: no dark pixel in the %v screenshot: no QR code shown", img.Bounds().Size())
	}
	n := want.Size
	if box.Dx() < 2*n || box.Dy() < 2*n {
		return fmt.Errorf("browsertest: the dark area %v is under 2 pixels a module for a %d-module code", box, n)
	}
	if d := box.Dx() - box.Dy(); d > box.Dx()/n || -d > box.Dx()/n {
		return fmt.Errorf("browsertest: the dark area %v is not square within a module", box)
	}
	mw := float64(box.Dx()) / float64(n)
	mh := float64(box.Dy()) / float64(n)
	differ := 0
	var first []string
	for my := range n {
		for mx := range n {
			x := box.Min.X + int((float64(mx)+0.5)*mw)
			y := box.Min.Y + int((float64(my)+0.5)*mh)
			if dark(img, x, y) != want.Black(mx, my) {
				differ++
				if len(first) < 5 {
					first = append(first, fmt.Sprintf("(%d,%d)", mx, my))
				}
			}
		}
	}
	if differ > 0 {
		return fmt.Errorf("browsertest: %d of %d modules differ from the QR code of %.80q (level M, %d modules a side, %.1f pixels a module), first at %s",
			differ, n*n, content, n, mw, strings.Join(first, " "))
	}
	return nil
}

// darkBounds is the smallest rectangle holding every dark pixel.
func darkBounds(img image.Image) image.Rectangle {
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, b.Min.X-1, b.Min.Y-1
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if dark(img, x, y) {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < minX {
		return image.Rectangle{}
	}
	return image.Rect(minX, minY, maxX+1, maxY+1)
}

// dark reports whether the pixel, composed over white, has a luminance
// (ITU-R BT.601 weights) below half.
func dark(img image.Image, x, y int) bool {
	r, g, b, a := img.At(x, y).RGBA() // premultiplied, 16 bits
	r, g, b = r+0xffff-a, g+0xffff-a, b+0xffff-a
	lum := (299*r + 587*g + 114*b) / 1000
	return lum < 0x8000
}
