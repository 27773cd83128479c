package tui

import (
	"errors"
	"strings"
	"testing"

	"fastcheck/internal/qrdecode"
)

// decodeScreenQR finds the half-block QR code on a screen of text (a dark
// theme's glyphs) and decodes it, as a phone would read it off the
// terminal.
func decodeScreenQR(screen string) (string, error) {
	lines := strings.Split(screen, "\n")
	// The top of the code is a row of quiet zone: a long run of light cells.
	top, x0, w := -1, 0, 0
	for i, l := range lines {
		rs := []rune(l)
		for x := 0; x < len(rs) && top < 0; x++ {
			n := 0
			for x+n < len(rs) && rs[x+n] == '█' {
				n++
			}
			if n >= 21 {
				top, x0, w = i, x, n
			}
			x += n
		}
		if top >= 0 {
			break
		}
	}
	if top < 0 {
		return "", errors.New("no QR code on the screen")
	}
	var rows [][]rune
	for _, l := range lines[top:] {
		rs := []rune(l)
		if len(rs) < x0+w || !isBlockRow(rs[x0:x0+w]) {
			break
		}
		rows = append(rows, rs[x0:x0+w])
	}
	return decodeQRCells(rows, false)
}

// decodeQRCells decodes half-block cells (invert: a light theme's glyphs).
func decodeQRCells(rows [][]rune, invert bool) (string, error) {
	return qrdecode.HalfBlocks(rows, invert)
}

func cells(lines []string) [][]rune {
	var out [][]rune
	for _, l := range lines {
		out = append(out, []rune(l))
	}
	return out
}

func isBlockRow(rs []rune) bool {
	for _, r := range rs {
		switch r {
		case '█', '▀', '▄', ' ':
		default:
			return false
		}
	}
	return true
}

func TestQRRoundTrip(t *testing.T) {
	const url = "https://fastcheck.store/api/approve/1AF3781BF6B94604B771AEA1D44FA63A"
	for _, tc := range []struct {
		name        string
		dark, color bool
	}{
		{"plain dark", true, false},
		{"plain light", false, false},
		{"color light", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := plainRenderer(nil)
			r.SetHasDarkBackground(tc.dark)
			st := makeStyles(r)
			st.plain = !tc.color
			img, err := makeQR(st, url, false)
			if err != nil {
				t.Fatal(err)
			}
			if img.w != 41 || img.h != 21 {
				t.Errorf("size %d×%d, want 41×21 (version 5, ECC M, quiet zone 2)", img.w, img.h)
			}
			invert := !tc.dark && !tc.color
			got, err := decodeQRCells(cells(img.lines), invert)
			if err != nil || got != url {
				t.Fatalf("decoded %q, %v; want %q", got, err, url)
			}
			if _, err := decodeQRCells(cells(img.dim), invert); err == nil {
				t.Error("the dimmed (expired) code still decodes")
			}
		})
	}
}
