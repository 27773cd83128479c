// Package qrdecode reads a QR code drawn in half-block characters off a
// terminal screen, for the tests of the wallet and the CLI: what a phone
// does when it scans the code.
package qrdecode

import (
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// HalfBlocks decodes rows of cells, each two stacked modules (█ both
// light, ▀ top light, ▄ bottom light, anything else both dark; invert
// swaps light and dark, for a light theme's glyphs). Short rows are
// padded dark.
//
// gozxing's detector misjudges some perfectly sharp synthetic codes at
// one scale and reads them at another (about one in twelve fail at any
// single scale), so several scales are tried; the text must still come
// out exactly.
func HalfBlocks(rows [][]rune, invert bool) (string, error) {
	var err error
	for _, scale := range []int{4, 3, 5, 6, 7, 2} {
		var got string
		if got, err = decode(rows, invert, scale); err == nil {
			return got, nil
		}
	}
	return "", err
}

// decode draws the rows at scale pixels per module on a white page with
// four light modules around, like a phone's view, and decodes it.
func decode(rows [][]rune, invert bool, scale int) (string, error) {
	const margin = 4
	w := 0
	for _, r := range rows {
		w = max(w, len(r))
	}
	img := image.NewGray(image.Rect(0, 0, (w+2*margin)*scale, (len(rows)*2+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	set := func(px, py int, light bool) {
		if light {
			return
		}
		for dy := 0; dy < scale; dy++ {
			for dx := 0; dx < scale; dx++ {
				img.SetGray((px+margin)*scale+dx, (py+margin)*scale+dy, color.Gray{})
			}
		}
	}
	for y, row := range rows {
		for x := 0; x < w; x++ {
			r := ' '
			if x < len(row) {
				r = row[x]
			}
			top, bottom := r == '█' || r == '▀', r == '█' || r == '▄'
			if invert {
				top, bottom = !top, !bottom
			}
			set(x, 2*y, top)
			set(x, 2*y+1, bottom)
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
