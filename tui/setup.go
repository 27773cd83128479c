package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// demoRequestedMsg ends the program with ErrDemoRequested.
type demoRequestedMsg struct{}

// setupPage is the first screen when no server is configured: it says so
// and offers the demo.
type setupPage struct {
	c    *common
	w, h int
}

func newSetupPage(c *common) *setupPage { return &setupPage{c: c} }

func (p *setupPage) title() string    { return p.c.tr.T("setup.title") }
func (p *setupPage) setSize(w, h int) { p.w, p.h = w, h }
func (p *setupPage) capturing() bool  { return false }
func (p *setupPage) enter() tea.Cmd   { return nil }
func (p *setupPage) leave()           {}

func (p *setupPage) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, p.c.keys.Demo) {
		return msgCmd(demoRequestedMsg{})
	}
	return nil
}

func (p *setupPage) ShortHelp() []key.Binding {
	return []key.Binding{with(p.c.keys.Demo, "d", p.c.tr.T("key.startdemo"))}
}

func (p *setupPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *setupPage) view() string {
	st, tr := p.c.st, p.c.tr
	tw := min(p.w-4, 60)
	lines := []string{st.bold.Render(tr.T("setup.heading")), ""}
	for _, para := range strings.Split(tr.T("setup.body"), "\n") {
		for _, l := range wrap(para, tw) {
			lines = append(lines, st.base.Render(l))
		}
	}
	lines = append(lines, "", st.accent.Render(tr.T("setup.demo")))
	return centerBlock(lines, p.w, p.h)
}
