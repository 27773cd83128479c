package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// handoverCheck is what the handover view shows.
type handoverCheck struct {
	number, code string
	amount       int64
	currency     string
	expires      time.Time
}

func handoverFromActive(r *activeRow) handoverCheck {
	return handoverCheck{number: r.Fastcheck, code: r.Code, amount: r.Amount, currency: r.Currency, expires: r.expires}
}

// handoverText is what the handover QR encodes and what y copies: the
// number and the code, space-separated ("1234-5678-0001 0042").
func (h handoverCheck) text() string { return h.number + " " + h.code }

// handoverPage shows one check's number, code and a QR of them, as large
// as the terminal allows, for handing it over across a desk.
type handoverPage struct {
	c     *common
	w, h  int
	chk   handoverCheck
	back  pageID
	big   qrImage
	small qrImage
	ok    bool
}

func newHandoverPage(c *common) *handoverPage { return &handoverPage{c: c, back: pageWallet} }

func (p *handoverPage) title() string    { return p.c.tr.T("handover.title") }
func (p *handoverPage) setSize(w, h int) { p.w, p.h = w, h }
func (p *handoverPage) capturing() bool  { return false }
func (p *handoverPage) enter() tea.Cmd   { return nil }
func (p *handoverPage) leave()           {}

func (p *handoverPage) set(chk handoverCheck, back pageID) {
	p.chk, p.back = chk, back
	var err1, err2 error
	p.big, err1 = makeQR(p.c.st, chk.text(), true)
	p.small, err2 = makeQR(p.c.st, chk.text(), false)
	p.ok = err1 == nil && err2 == nil
}

func (p *handoverPage) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	keys := p.c.keys
	switch {
	case key.Matches(k, keys.Copy):
		return p.c.copyCmd(p.chk.text())
	case key.Matches(k, keys.Back), key.Matches(k, keys.Select):
		return p.c.send(navMsg{to: p.back, back: true})
	}
	return nil
}

func (p *handoverPage) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Copy, with(k.Back, "esc", p.c.tr.T("key.back"))}
}

func (p *handoverPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *handoverPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	text := []string{
		st.label.Render(tr.T("details.number")),
		st.big.Render(p.chk.number),
		"",
		st.label.Render(tr.T("details.code")),
		st.big.Render(p.chk.code),
		"",
		st.value.Render(tr.Money(p.chk.amount, p.chk.currency)),
	}
	if !p.chk.expires.IsZero() {
		text = append(text, st.muted.Render(tr.Tf("handover.expires", tr.DateTime(p.chk.expires))))
	}
	tw := maxWidth(text)
	// The largest QR that fits beside the text, then above it, then none.
	for _, img := range []qrImage{p.big, p.small} {
		if !p.ok {
			break
		}
		if p.w >= img.w+3+tw && p.h >= img.h {
			var lines []string
			ty := max((img.h-len(text))/2, 0)
			for i := 0; i < max(img.h, ty+len(text)); i++ {
				row := strings.Repeat(" ", img.w)
				if i < img.h {
					row = img.lines[i]
				}
				if j := i - ty; j >= 0 && j < len(text) {
					row += "   " + text[j]
				}
				lines = append(lines, row)
			}
			return centerBlock(lines, p.w, p.h)
		}
	}
	return centerBlock(text, p.w, p.h)
}
