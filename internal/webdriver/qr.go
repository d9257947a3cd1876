package webdriver

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"

	"rsc.io/qr"
)

// QRShown checks that the PNG shows exactly the QR code rsc.io/qr makes
// for content at level M: it finds the code's extent by its dark pixels
// (the finder patterns touch three edges, the quiet zone is light), takes
// the module size from that extent, and compares every module's centre
// pixel with the expected module. Any scale of at least 2 pixels a module
// works; edges blurred by scaling are not sampled.
func QRShown(pngData []byte, content string) error {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return fmt.Errorf("webdriver: screenshot: %w", err)
	}
	want, err := qr.Encode(content, qr.M)
	if err != nil {
		return err
	}
	dark := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		lum := (299*r + 587*g + 114*b) / 1000 >> 8
		return lum < 128
	}
	bnd := img.Bounds()
	box := image.Rectangle{Min: bnd.Max, Max: bnd.Min}
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			if dark(x, y) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		return errors.New("webdriver: no dark pixel: no QR code shown")
	}
	n := want.Size
	mw, mh := float64(box.Dx())/float64(n), float64(box.Dy())/float64(n)
	if mw < 2 || mh < 2 {
		return fmt.Errorf("webdriver: the dark area %v is too small for a %d-module code", box, n)
	}
	if r := mw / mh; r < 0.95 || r > 1.05 {
		return fmt.Errorf("webdriver: the dark area %v is not square", box)
	}
	differ := 0
	for my := range n {
		for mx := range n {
			x := box.Min.X + int((float64(mx)+0.5)*mw)
			y := box.Min.Y + int((float64(my)+0.5)*mh)
			if dark(x, y) != want.Black(mx, my) {
				differ++
			}
		}
	}
	if differ > 0 {
		return fmt.Errorf("webdriver: %d of %d modules differ from the QR code of the expected content", differ, n*n)
	}
	return nil
}
