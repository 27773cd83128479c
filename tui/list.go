package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// listState is the cursor and scroll window of a list of n rows shown in
// height lines. Views draw only rows offset..offset+height, so a frame
// costs the same at 100 rows as at 100,000.
type listState struct {
	cursor, offset, height, n int
}

func (l *listState) setN(n int) {
	l.n = n
	l.clamp()
}

func (l *listState) setHeight(h int) {
	l.height = max(h, 1)
	l.clamp()
}

func (l *listState) move(d int) {
	l.cursor += d
	l.clamp()
}

func (l *listState) top()      { l.cursor = 0; l.clamp() }
func (l *listState) bottom()   { l.cursor = l.n - 1; l.clamp() }
func (l *listState) pageDown() { l.move(max(l.height-1, 1)) }
func (l *listState) pageUp()   { l.move(-max(l.height-1, 1)) }

// scroll moves the window (the mouse wheel), dragging the cursor along
// when it would leave it.
func (l *listState) scroll(d int) {
	l.offset = min(max(l.offset+d, 0), max(l.n-l.height, 0))
	if l.cursor < l.offset {
		l.cursor = l.offset
	}
	if l.cursor >= l.offset+l.height {
		l.cursor = l.offset + l.height - 1
	}
	l.clamp()
}

// clickRow selects the row drawn on line y of the window, if any.
func (l *listState) clickRow(y int) bool {
	i := l.offset + y
	if y < 0 || y >= l.height || i >= l.n {
		return false
	}
	l.cursor = i
	return true
}

func (l *listState) clamp() {
	if l.height <= 0 {
		l.height = 1
	}
	if l.n <= 0 {
		l.cursor, l.offset = 0, 0
		return
	}
	l.cursor = min(max(l.cursor, 0), l.n-1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.height {
		l.offset = l.cursor - l.height + 1
	}
	l.offset = min(max(l.offset, 0), max(l.n-l.height, 0))
}

// window is the range of rows on screen.
func (l *listState) window() (from, to int) {
	return l.offset, min(l.offset+l.height, l.n)
}

// navigate moves the cursor for a movement key (up, down, page, first,
// last) and reports whether k was one.
func (l *listState) navigate(k tea.KeyMsg, keys *keyMap) bool {
	switch {
	case key.Matches(k, keys.Up):
		l.move(-1)
	case key.Matches(k, keys.Down):
		l.move(1)
	case key.Matches(k, keys.PageUp):
		l.pageUp()
	case key.Matches(k, keys.PageDown):
		l.pageDown()
	case key.Matches(k, keys.Top):
		l.top()
	case key.Matches(k, keys.Bottom):
		l.bottom()
	default:
		return false
	}
	return true
}
