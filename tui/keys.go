package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every binding, with help text in the session's language. Each
// view picks the bindings valid in its current state for the footer and
// the full help (help.KeyMap), so the footer never shows a dead key.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextTab, PrevTab, Tab1, Tab2            key.Binding
	Select, Back                            key.Binding
	New, Accept, Copy, Show, Cancel         key.Binding
	Filter, Sort, Reverse, Refresh, Logout  key.Binding
	Help, Quit, ForceQuit                   key.Binding
	NewCode, Demo                           key.Binding
	Yes, No                                 key.Binding
	NextField, PrevField, Cycle, Submit     key.Binding
	ClearFilter, ApplyFilter                key.Binding
	Done, AcceptAnother                     key.Binding
	Topup, Withdraw, Open                   key.Binding
}

func newKeyMap(tr *locale) *keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, tr.T(desc)))
	}
	return &keyMap{
		Up:            b([]string{"up", "k"}, "↑/k", "key.up"),
		Down:          b([]string{"down", "j"}, "↓/j", "key.down"),
		PageUp:        b([]string{"pgup", "ctrl+b", "ctrl+u"}, "pgup", "key.pageup"),
		PageDown:      b([]string{"pgdown", "ctrl+f", "ctrl+d"}, "pgdn", "key.pagedown"),
		Top:           b([]string{"home", "g"}, "g/home", "key.top"),
		Bottom:        b([]string{"end", "G"}, "G/end", "key.bottom"),
		NextTab:       b([]string{"tab", "right", "l"}, "tab/→", "key.nexttab"),
		PrevTab:       b([]string{"shift+tab", "left", "h"}, "⇧tab/←", "key.prevtab"),
		Tab1:          b([]string{"1"}, "1", "key.tab1"),
		Tab2:          b([]string{"2"}, "2", "key.tab2"),
		Select:        b([]string{"enter"}, "enter", "key.select"),
		Back:          b([]string{"esc"}, "esc", "key.back"),
		New:           b([]string{"n", "c"}, "n", "key.new"),
		Accept:        b([]string{"a"}, "a", "key.accept"),
		Copy:          b([]string{"y"}, "y", "key.copy"),
		Show:          b([]string{"v", "enter"}, "v", "key.show"),
		Cancel:        b([]string{"x", "delete"}, "x", "key.cancel"),
		Filter:        b([]string{"/"}, "/", "key.filter"),
		Sort:          b([]string{"s"}, "s", "key.sort"),
		Reverse:       b([]string{"S"}, "S", "key.reverse"),
		Refresh:       b([]string{"r", "ctrl+r"}, "r", "key.refresh"),
		Logout:        b([]string{"L"}, "L", "key.logout"),
		Help:          b([]string{"?"}, "?", "key.help"),
		Quit:          b([]string{"q"}, "q", "key.quit"),
		ForceQuit:     b([]string{"ctrl+c"}, "ctrl+c", "key.quit"),
		NewCode:       b([]string{"enter", " "}, tr.T("key.anykey"), "key.newcode"),
		Demo:          b([]string{"d"}, "d", "key.demo"),
		Yes:           b([]string{"y", "enter"}, "y/enter", "key.yes"),
		No:            b([]string{"n", "esc"}, "n/esc", "key.no"),
		NextField:     b([]string{"tab", "down"}, "tab", "key.nextfield"),
		PrevField:     b([]string{"shift+tab", "up"}, "⇧tab", "key.prevfield"),
		Cycle:         b([]string{"left", "right", "h", "l", " "}, "←/→", "key.cycle"),
		Submit:        b([]string{"enter"}, "enter", "key.continue"),
		ClearFilter:   b([]string{"esc"}, "esc", "key.clearfilter"),
		ApplyFilter:   b([]string{"enter"}, "enter", "key.applyfilter"),
		Done:          b([]string{"enter", "esc"}, "enter", "key.done"),
		AcceptAnother: b([]string{"a"}, "a", "key.acceptanother"),
		Topup:         b([]string{"t"}, "t", "key.topup"),
		Withdraw:      b([]string{"w"}, "w", "key.withdraw"),
		Open:          b([]string{"o"}, "o", "key.open"),
	}
}

// with returns a copy of b with other help text (same keys).
func with(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}
