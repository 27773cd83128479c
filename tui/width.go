package tui

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// cellWidth is ansi.StringWidth with a fast path for what the wallet
// draws: ASCII, Latin-1, Cyrillic, the box-drawing, block and arrow
// characters, a few symbols, and SGR escape sequences (zero width).
// Anything else (wide or combining characters, other escapes) takes the
// exact, slower path. A frame measures every line it draws, so this
// matters: grapheme segmentation of a QR line costs microseconds.
func cellWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			n++
			i++
			continue
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				if s[j] < 0x20 {
					return ansi.StringWidth(s)
				}
				j++
			}
			if j == len(s) {
				return ansi.StringWidth(s)
			}
			i = j + 1
			continue
		case c < 0x80:
			return ansi.StringWidth(s)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !narrowRune(r) {
			return ansi.StringWidth(s)
		}
		n++
		i += size
	}
	return n
}

// narrowRune: one cell wide, never combining, in every terminal.
func narrowRune(r rune) bool {
	switch {
	case r >= 0xa0 && r < 0x300 && r != 0xad: // Latin-1, Latin Extended (not the soft hyphen)
		return true
	case r >= 0x400 && r < 0x483, r >= 0x48a && r < 0x530: // Cyrillic (not its combining marks)
		return true
	case r >= 0x2010 && r < 0x2028, r == 0x2039, r == 0x203a: // dashes, quotes, bullet, ellipsis, ‹ ›
		return true
	case r >= 0x2190 && r < 0x2200: // arrows
		return true
	case r >= 0x2500 && r < 0x25a0: // box drawing, blocks, shades
		return true
	}
	switch r {
	case '₽', '€', '₸', '−', '●', '▸', '✓', '✗', '⇧':
		return true
	}
	return false
}
