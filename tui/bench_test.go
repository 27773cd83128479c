package tui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// View() of the history tab at 80×24 with N rows: only the visible rows
// are styled, so the cost per frame does not grow with N. The "move"
// variant also moves the cursor each frame (Update + View), as holding j
// does.
func BenchmarkHistoryView(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		m := walletModel(b, 80, 24, n)
		m.Update(keyMsg("2"))
		m.Update(keyMsg("G")) // the end, where a naive list would work hardest
		b.Run(fmt.Sprintf("view/rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
		})
		b.Run(fmt.Sprintf("move+view/rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			up, down := keyMsg("k"), keyMsg("j")
			i := 0
			for b.Loop() {
				if i%40 < 20 {
					m.Update(up)
				} else {
					m.Update(down)
				}
				i++
				_ = m.View()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
		})
	}
}

// The active tab and the login screen, for comparison.
func BenchmarkOtherViews(b *testing.B) {
	m := walletModel(b, 80, 24, 10)
	b.Run("active", func(b *testing.B) {
		for b.Loop() {
			_ = m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
	})
	f := newFakeAPI()
	d := newDriver(b, fakeOptions(b, f, "en", ""), 80, 24)
	d.waitView("Expires in")
	b.Run("login", func(b *testing.B) {
		for b.Loop() {
			_ = d.m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
	})
	_ = tea.KeyMsg{}
}
