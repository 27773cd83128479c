package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Colours adapt to light and dark backgrounds. Colour is decoration only:
// every state (selection, active tab, focus) also shows as a glyph, so the
// screens read the same under NO_COLOR.
var (
	colAccent   = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A594FF"}
	colText     = lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#E8E8E8"}
	colMuted    = lipgloss.AdaptiveColor{Light: "#6A6A6A", Dark: "#8C8C8C"}
	colFaint    = lipgloss.AdaptiveColor{Light: "#B8B8B8", Dark: "#4A4A4A"}
	colBorder   = lipgloss.AdaptiveColor{Light: "#CFCFCF", Dark: "#3C3C3C"}
	colSelBg    = lipgloss.AdaptiveColor{Light: "#E9E4FF", Dark: "#2E2850"}
	colOK       = lipgloss.AdaptiveColor{Light: "#1D7A3A", Dark: "#5FD38D"}
	colWarn     = lipgloss.AdaptiveColor{Light: "#8A5300", Dark: "#F2C14E"}
	colErr      = lipgloss.AdaptiveColor{Light: "#B3261E", Dark: "#FF7A70"}
	colBannerBg = lipgloss.AdaptiveColor{Light: "#B3261E", Dark: "#8E1B15"}
	colBadgeFg  = lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#FFFFFF"}
	colBadgeBg  = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#6B52D6"}
)

// paint is an inline style reduced to the escape sequences around its
// text, computed once from the session's renderer (adaptive colours
// resolved for its background, nothing under NO_COLOR). Applying it is a
// concatenation: lipgloss.Style.Render costs microseconds per call, and a
// frame draws hundreds of styled pieces. Only for styles without width,
// border, padding or margins, on single-line text.
type paint struct{ pre, post string }

func paintOf(s lipgloss.Style) paint {
	const mark = "\x00"
	out := s.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(mark):]}
}

// Render styles the strings (joined by spaces, as lipgloss does).
func (p paint) Render(strs ...string) string {
	s := strings.Join(strs, " ")
	if p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

// styles is every style of one session, built from its renderer.
type styles struct {
	plain bool // the Ascii profile (NO_COLOR, dumb terminals, tests)
	dark  bool // the background is dark

	base, bold, muted, faint, accent, ok, warn, err paint
	badge, banner                                   paint
	tabActive, tabInactive                          paint
	row, rowSel, rowHeader                          paint
	label, value, big, rule                         paint
	qr, qrDim                                       paint
	flashErr, flashInfo                             paint
	helpKey, helpDesc, helpSep, fullKey, fullDesc   paint

	bigBox, dialog                            lipgloss.Style
	inPrompt, inText, inPlaceholder, inCursor lipgloss.Style
}

func makeStyles(r *lipgloss.Renderer) *styles {
	s := &styles{plain: r.ColorProfile() == termenv.Ascii, dark: r.HasDarkBackground()}
	n := r.NewStyle
	p := func(st lipgloss.Style) paint { return paintOf(st) }
	s.base = p(n().Foreground(colText))
	s.bold = p(n().Bold(true))
	s.muted = p(n().Foreground(colMuted))
	s.faint = p(n().Foreground(colFaint))
	s.accent = p(n().Foreground(colAccent).Bold(true))
	s.ok = p(n().Foreground(colOK))
	s.warn = p(n().Foreground(colWarn))
	s.err = p(n().Foreground(colErr))
	s.badge = p(n().Foreground(colBadgeFg).Background(colBadgeBg).Bold(true).Padding(0, 1))
	s.banner = p(n().Foreground(lipgloss.Color("#FFFFFF")).Background(colBannerBg).Bold(true))
	s.tabActive = p(n().Foreground(colAccent).Bold(true).Underline(true).UnderlineSpaces(false))
	s.tabInactive = p(n().Foreground(colMuted))
	s.row = p(n())
	s.rowSel = p(n().Background(colSelBg).Foreground(colText).Bold(true))
	s.rowHeader = p(n().Foreground(colMuted).Bold(true))
	s.label = p(n().Foreground(colMuted))
	s.value = p(n().Foreground(colText))
	s.big = p(n().Foreground(colAccent).Bold(true))
	s.rule = p(n().Foreground(colBorder))
	// The QR is drawn with explicit colours (light modules in the
	// foreground, dark ones in the background) so that a light theme does
	// not invert it. Under NO_COLOR the glyphs are chosen for the
	// background instead (see makeQR).
	s.qr = p(n().Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#000000")))
	s.qrDim = p(n().Foreground(colFaint))
	s.flashErr = p(n().Foreground(colErr).Bold(true))
	s.flashInfo = p(n().Foreground(colOK))
	s.helpKey = p(n().Foreground(colMuted).Bold(true))
	s.helpDesc = p(n().Foreground(colMuted))
	s.helpSep = p(n().Foreground(colFaint))
	s.fullKey = p(n().Foreground(colAccent).Bold(true))
	s.fullDesc = p(n().Foreground(colText))

	s.bigBox = n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 2)
	s.dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(1, 3)
	s.inPrompt = n().Foreground(colAccent)
	s.inText = n().Foreground(colText)
	s.inPlaceholder = n().Foreground(colFaint)
	s.inCursor = n().Reverse(true)
	return s
}

// styleInput sets every style of a text input from the session's renderer
// (bubbles defaults to the global one).
func (s *styles) styleInput(in *textinput.Model) {
	in.PromptStyle = s.inPrompt
	in.TextStyle = s.inText
	in.PlaceholderStyle = s.inPlaceholder
	in.CompletionStyle = s.inPlaceholder
	in.Cursor.Style = s.inCursor
	in.Cursor.TextStyle = s.inText
}
