package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/mdp/qrterminal/v3"
)

// qrImage is a QR code as terminal text, ready to draw.
type qrImage struct {
	lines  []string // styled lines, all of width w
	dim    []string // the same shape, dimmed and unreadable (expired)
	w, h   int
	text   string
	scaled bool // two columns and one row per module ("big")
}

// makeQR renders text as a QR code with qrterminal into a string (never to
// the process's stdout). Half blocks give square modules of one column by
// half a row; big gives modules of two columns by one row, for reading
// across a desk. ECC level M, quiet zone 2.
//
// With colour, light modules are the foreground (#FFF) and dark ones the
// background (#000), both explicit, so light themes do not invert the code.
// Without colour (NO_COLOR, Ascii) the glyphs are chosen for the
// background: on a light one, the glyphs draw the dark modules.
func makeQR(st *styles, text string, big bool) (img qrImage, err error) {
	defer func() {
		if r := recover(); r != nil { // qr.Encode failed (text too long)
			err = fmt.Errorf("qr: %v", r)
		}
	}()
	invert := st.plain && !st.dark
	cfg := qrterminal.Config{
		Level:          qrterminal.M,
		HalfBlocks:     !big,
		QuietZone:      2,
		WhiteChar:      qrterminal.WHITE_WHITE,
		BlackChar:      qrterminal.BLACK_BLACK,
		WhiteBlackChar: qrterminal.WHITE_BLACK,
		BlackWhiteChar: qrterminal.BLACK_WHITE,
	}
	if big {
		cfg.WhiteChar, cfg.BlackChar = "██", "  "
	}
	if invert {
		cfg.WhiteChar, cfg.BlackChar = cfg.BlackChar, cfg.WhiteChar
		cfg.WhiteBlackChar, cfg.BlackWhiteChar = qrterminal.BLACK_WHITE, qrterminal.WHITE_BLACK
	}
	var b strings.Builder
	cfg.Writer = &b
	qrterminal.GenerateWithConfig(text, cfg)
	raw := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	img = qrImage{text: text, h: len(raw), scaled: big}
	for _, l := range raw {
		img.w = max(img.w, ansi.StringWidth(l))
	}
	qrStyle := st.qr
	if st.plain {
		qrStyle = st.base
	}
	for _, l := range raw {
		l += strings.Repeat(" ", img.w-ansi.StringWidth(l))
		img.lines = append(img.lines, qrStyle.Render(l))
		img.dim = append(img.dim, st.qrDim.Render(dimQR(l)))
	}
	return img, nil
}

// dimQR keeps the code's outline but not its modules: every drawn cell
// becomes a light shade, so an expired code cannot be scanned.
func dimQR(l string) string {
	var b strings.Builder
	for _, r := range l {
		if r == ' ' {
			b.WriteRune(' ')
		} else {
			b.WriteRune('░')
		}
	}
	return b.String()
}
