package tui

import (
	"github.com/charmbracelet/bubbles/help"
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

// styles is every style of one session, built from its renderer.
type styles struct {
	plain bool // the Ascii profile (NO_COLOR, dumb terminals, tests)
	dark  bool // the background is dark

	base, bold, muted, faint, accent, ok, warn, err lipgloss.Style
	badge, headerRight                              lipgloss.Style
	banner                                          lipgloss.Style
	tabActive, tabInactive                          lipgloss.Style
	row, rowSel, rowHeader                          lipgloss.Style
	label, value, big, bigBox                       lipgloss.Style
	rule                                            lipgloss.Style
	qr, qrDim                                       lipgloss.Style
	dialog, pad                                     lipgloss.Style
	flashErr, flashInfo                             lipgloss.Style
	help                                            help.Styles
	inPrompt, inText, inPlaceholder, inCursor       lipgloss.Style
}

func makeStyles(r *lipgloss.Renderer) *styles {
	s := &styles{plain: r.ColorProfile() == termenv.Ascii, dark: r.HasDarkBackground()}
	n := r.NewStyle
	s.base = n().Foreground(colText)
	s.bold = n().Bold(true)
	s.muted = n().Foreground(colMuted)
	s.faint = n().Foreground(colFaint)
	s.accent = n().Foreground(colAccent).Bold(true)
	s.ok = n().Foreground(colOK)
	s.warn = n().Foreground(colWarn)
	s.err = n().Foreground(colErr)
	s.badge = n().Foreground(colBadgeFg).Background(colBadgeBg).Bold(true).Padding(0, 1)
	s.headerRight = n().Foreground(colMuted)
	s.banner = n().Foreground(lipgloss.Color("#FFFFFF")).Background(colBannerBg).Bold(true)
	s.tabActive = n().Foreground(colAccent).Bold(true).Underline(true)
	s.tabInactive = n().Foreground(colMuted)
	s.row = n()
	s.rowSel = n().Background(colSelBg).Foreground(colText).Bold(true)
	s.rowHeader = n().Foreground(colMuted).Bold(true)
	s.label = n().Foreground(colMuted)
	s.value = n().Foreground(colText)
	s.big = n().Foreground(colAccent).Bold(true)
	s.bigBox = n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 2)
	s.rule = n().Foreground(colBorder)
	// The QR is drawn with explicit colours (light modules in the
	// foreground, dark ones in the background) so that a light theme does
	// not invert it. Under NO_COLOR the glyphs are chosen for the
	// background instead (see qrImage).
	s.qr = n().Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#000000"))
	s.qrDim = n().Foreground(colFaint)
	s.dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(1, 3)
	s.pad = n().Padding(1, 2)
	s.flashErr = n().Foreground(colErr).Bold(true)
	s.flashInfo = n().Foreground(colOK)
	s.help = help.Styles{
		Ellipsis:       n().Foreground(colFaint),
		ShortKey:       n().Foreground(colMuted).Bold(true),
		ShortDesc:      n().Foreground(colMuted),
		ShortSeparator: n().Foreground(colFaint),
		FullKey:        n().Foreground(colAccent).Bold(true),
		FullDesc:       n().Foreground(colText),
		FullSeparator:  n().Foreground(colFaint),
	}
	s.inPrompt = n().Foreground(colAccent)
	s.inText = n().Foreground(colText)
	s.inPlaceholder = n().Foreground(colFaint)
	s.inCursor = n().Reverse(true)
	return s
}

// newHelp is a help bubble drawn with the session's styles (bubbles
// defaults to the global renderer).
func (s *styles) newHelp() help.Model {
	h := help.New()
	h.Styles = s.help
	return h
}

// styleInput sets every style of a text input from the session's renderer.
func (s *styles) styleInput(in *textinput.Model) {
	in.PromptStyle = s.inPrompt
	in.TextStyle = s.inText
	in.PlaceholderStyle = s.inPlaceholder
	in.CompletionStyle = s.inPlaceholder
	in.Cursor.Style = s.inCursor
	in.Cursor.TextStyle = s.inText
}
