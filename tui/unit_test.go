package tui

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/i18n"
)

func TestFormatNumber(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"1234":                "1234",
		"12345":               "1234-5",
		"1234-":               "1234",
		"123456780001":        "1234-5678-0001",
		"1234 5678 0001 9999": "1234-5678-0001",
		"12a34-56":            "1234-56",
	} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAmountProblem(t *testing.T) {
	tr := newLocale("en", time.UTC)
	for _, tc := range []struct{ in, cur, want string }{
		{"abc", "RUB", "Not an amount"},
		{"12.345", "RUB", "At most 2 decimal places"},
		{"12.5", "JPY", "JPY has no fractional units"},
		{"0", "RUB", "more than zero"},
		{"0.00", "RUB", "more than zero"},
		{"-5", "RUB", "more than zero"},
		{"-1,580.00", "RUB", "more than zero"},
		{"99999999999", "RUB", "Too large"},
		{"1.2.3", "RUB", "Not an amount"},
	} {
		if _, err := api.ParseMajor(tc.in, tc.cur); err == nil {
			t.Fatalf("ParseMajor(%q) accepted it", tc.in)
		}
		if got := amountProblem(tr, tc.in, tc.cur); !strings.Contains(got, tc.want) {
			t.Errorf("amountProblem(%q, %s) = %q, want %q", tc.in, tc.cur, got, tc.want)
		}
	}
}

func TestListState(t *testing.T) {
	l := listState{}
	l.setHeight(5)
	l.setN(100)
	l.bottom()
	if l.cursor != 99 || l.offset != 95 {
		t.Fatalf("bottom: %+v", l)
	}
	l.pageUp()
	if l.cursor != 95 || l.offset != 95 {
		t.Fatalf("pageUp: %+v", l)
	}
	l.move(-1)
	if l.cursor != 94 || l.offset != 94 {
		t.Fatalf("move: %+v", l)
	}
	l.scroll(-10)
	if l.offset != 84 || l.cursor != 88 {
		t.Fatalf("scroll: %+v", l)
	}
	if !l.clickRow(2) || l.cursor != 86 {
		t.Fatalf("click: %+v", l)
	}
	l.setN(3)
	if l.cursor != 2 || l.offset != 0 {
		t.Fatalf("shrink: %+v", l)
	}
	l.setN(0)
	if l.cursor != 0 || l.offset != 0 {
		t.Fatalf("empty: %+v", l)
	}
}

// walletModel is a model on the wallet with canned data, no commands run.
func walletModel(t testing.TB, w, h int, hist int) *Model {
	t.Helper()
	f := newFakeAPI()
	f.approved = true
	m := newModel(t.Context(), fakeOptions(t, f, "en", fakeSession))
	t.Cleanup(m.shutdown)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.cur = pageWallet
	m.wallet.on = true
	m.c.bal = &api.Balance{Balance: 15_000_000, Currency: "RUB"}
	m.c.userID = fakeUser
	m.Update(activeMsg{rows: toActiveRows([]api.ActiveCheck{
		{Fastcheck: "1234-5678-0001", Amount: 158000, Currency: "RUB", Code: "0042", CreatedAt: "2026-01-19T09:00:00Z", Expiration: "2026-01-26T09:00:00Z"},
	})})
	m.Update(historyMsg{rows: toHistRows(manyHistory(hist))})
	return m
}

func manyHistory(n int) []api.HistoryCheck {
	out := make([]api.HistoryCheck, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		num := api.NewCheckNumber()
		at := api.FormatTime(base.Add(time.Duration(i) * time.Minute))
		if i%2 == 0 {
			out[i] = api.HistoryCheck{Fastcheck: num, Amount: int64(100 + i*37%100000), Currency: "RUB", Type: "accepted", AcceptedAt: at, Status: "used"}
		} else {
			out[i] = api.HistoryCheck{Fastcheck: num, Amount: int64(100 + i*53%100000), Currency: "RUB", Type: "created", CreatedAt: at, UsedAt: at, Status: "used"}
		}
	}
	return out
}

func TestTextInputsCaptureKeys(t *testing.T) {
	m := walletModel(t, 80, 24, 10)
	m.Update(keyMsg("a"))
	m.Update(navMsg{to: pageAccept})
	if m.cur != pageAccept || !m.active().capturing() {
		t.Fatal("not on the accept form")
	}
	for _, k := range []string{"q", "?", "L", "r"} {
		_, cmd := m.Update(keyMsg(k))
		if m.quitting || m.showHelp || m.dialog != nil {
			t.Fatalf("%q fired while typing", k)
		}
		if cmd != nil {
			if _, ok := cmd().(tea.QuitMsg); ok {
				t.Fatalf("%q quit while typing", k)
			}
		}
	}
	// ctrl+c always quits.
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	if !m.quitting || cmd == nil {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestFilterAndSortHistory(t *testing.T) {
	m := walletModel(t, 80, 24, 0)
	m.Update(historyMsg{rows: toHistRows([]api.HistoryCheck{
		{Fastcheck: "1111-0000-0001", Amount: 500, Currency: "RUB", Type: "accepted", AcceptedAt: "2026-01-03T00:00:00Z", Status: "used"},
		{Fastcheck: "2222-0000-0002", Amount: 9000, Currency: "RUB", Type: "created", CreatedAt: "2026-01-01T00:00:00Z", UsedAt: "2026-01-02T00:00:00Z", Status: "used"},
		{Fastcheck: "3333-0000-0003", Amount: 100, Currency: "RUB", Type: "created", CreatedAt: "2026-01-01T00:00:00Z", Status: "cancelled", ResolvedAt: "2026-01-04T00:00:00Z"},
	})})
	m.Update(keyMsg("2"))
	numbers := func() []string {
		var out []string
		for _, i := range m.wallet.order {
			out = append(out, m.wallet.hist[i].Fastcheck)
		}
		return out
	}
	if got := numbers(); !slices.Equal(got, []string{"3333-0000-0003", "1111-0000-0001", "2222-0000-0002"}) {
		t.Fatalf("by date: %v", got)
	}
	m.Update(keyMsg("s"))
	if got := numbers(); !slices.Equal(got, []string{"2222-0000-0002", "1111-0000-0001", "3333-0000-0003"}) {
		t.Fatalf("by amount: %v", got)
	}
	m.Update(keyMsg("S"))
	if got := numbers(); got[0] != "3333-0000-0003" {
		t.Fatalf("reversed: %v", got)
	}
	// "/" opens the filter; q typed there filters, it does not quit.
	m.Update(keyMsg("/"))
	if !m.active().capturing() {
		t.Fatal("the filter does not capture keys")
	}
	for _, r := range "refund" {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	if got := numbers(); !slices.Equal(got, []string{"3333-0000-0003"}) {
		t.Fatalf("filter refund: %v", got)
	}
	if !strings.Contains(m.View(), "1 of 3") {
		t.Fatalf("no match count:\n%s", m.View())
	}
	m.Update(keyMsg("enter"))
	if m.active().capturing() || len(m.wallet.order) != 1 {
		t.Fatal("enter should keep the filter and leave the input")
	}
	// Filter keys are by status too ("cancelled"), and a new history is
	// filtered by its own keys.
	if keys := m.wallet.searchKeys(); len(keys) != 3 || !strings.Contains(keys[0], "cancelled") {
		t.Fatalf("search keys %q", keys)
	}
	m.Update(historyMsg{rows: toHistRows([]api.HistoryCheck{
		{Fastcheck: "4444-0000-0004", Amount: 700, Currency: "RUB", Type: "created", CreatedAt: "2026-01-05T00:00:00Z", Status: "expired", ResolvedAt: "2026-01-06T00:00:00Z"},
		{Fastcheck: "5555-0000-0005", Amount: 800, Currency: "RUB", Type: "accepted", AcceptedAt: "2026-01-07T00:00:00Z", Status: "used"},
	})})
	if got := numbers(); !slices.Equal(got, []string{"4444-0000-0004"}) {
		t.Fatalf("filter refund on the new history: %v", got)
	}
	m.Update(keyMsg("esc"))
	if len(m.wallet.order) != 2 {
		t.Fatal("esc should clear the filter")
	}
}

func TestHelpToggleAndFooter(t *testing.T) {
	m := walletModel(t, 80, 24, 3)
	if !strings.Contains(m.View(), "y copy") {
		t.Fatalf("footer lacks the copy key:\n%s", m.View())
	}
	m.Update(keyMsg("2"))
	v := m.View()
	if strings.Contains(v, "y copy") || !strings.Contains(v, "/ filter") {
		t.Fatalf("history footer should offer filter, not copy:\n%s", v)
	}
	m.Update(keyMsg("?"))
	if !m.showHelp || !strings.Contains(m.View(), "Keys") {
		t.Fatal("? did not open the help")
	}
	m.Update(keyMsg("?"))
	if m.showHelp {
		t.Fatal("? did not close the help")
	}
}

func TestMouseTabsAndRows(t *testing.T) {
	m := walletModel(t, 80, 24, 50)
	// Row 1 of the screen is the tabs line (row 0 is the header).
	histX := 1 + len("Active checks (1)") + 2 + 3 + 1
	m.Update(tea.MouseMsg{X: histX, Y: 1, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if m.wallet.tab != tabHistory {
		t.Fatal("click on the History tab did not switch")
	}
	m.Update(tea.MouseMsg{X: 10, Y: 1 + listTop + 4, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if m.wallet.hList.cursor != 4 {
		t.Fatalf("click on row 4 selected %d", m.wallet.hList.cursor)
	}
	m.Update(tea.MouseMsg{X: 10, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if m.wallet.hList.offset != 3 {
		t.Fatalf("wheel: offset %d", m.wallet.hList.offset)
	}
}

func TestResizeAndTooSmall(t *testing.T) {
	m := walletModel(t, 80, 24, 1000)
	for _, s := range [][2]int{{0, 0}, {1, 1}, {59, 24}, {80, 17}, {60, 18}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		v := m.View()
		if s[0] == 0 {
			if v != "" {
				t.Fatalf("0×0 drew %q", v)
			}
			continue
		}
		lines := strings.Split(v, "\n")
		if len(lines) != s[1] {
			t.Fatalf("%v: %d lines", s, len(lines))
		}
		for _, l := range lines {
			if w := lipgloss.Width(l); w > s[0] {
				t.Fatalf("%v: line of %d cells: %q", s, w, l)
			}
		}
		small := s[0] < MinWidth || s[1] < MinHeight
		if got := strings.Contains(v, "too small"); s[0] >= 30 && got != small {
			t.Fatalf("%v: too-small screen %v, want %v:\n%s", s, got, small, v)
		}
	}
}

func TestServerTextSanitized(t *testing.T) {
	m := walletModel(t, 100, 30, 0)
	m.Update(activeMsg{rows: toActiveRows([]api.ActiveCheck{
		{Fastcheck: "1234-5678-0001\x1b[31m\x1b]52;c;ZXZpbA==\x07", Amount: 1, Currency: "RUB\x1b[2J", Code: "00\r42"},
	})})
	m.Update(flashMsg{text: m.c.errText(&client.Error{Kind: client.ErrBadRequest, Message: "bad \x1b]0;title\x07thing"}), err: true})
	v := m.View()
	if strings.ContainsAny(v, "\x1b\x07\r") {
		t.Fatalf("control characters reached the screen: %q", v)
	}
}

func TestColorProfileQR(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(false)
	img, err := makeQR(makeStyles(r), "hello", false)
	if err != nil {
		t.Fatal(err)
	}
	// Explicit white-on-black, whatever the theme.
	if !strings.Contains(img.lines[1], "38;2;255;255;255") || !strings.Contains(img.lines[1], "48;2;0;0;0") {
		t.Fatalf("the QR lacks explicit colours: %q", img.lines[1])
	}
}

func TestCellWidth(t *testing.T) {
	st := makeStyles(func() *lipgloss.Renderer {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.TrueColor)
		return r
	}())
	samples := []string{"", "abc", "RUB 1,580.00", "1\u00a0580,00\u00a0₽", "› ▸ ● ✓ ✗ … — “x” ‹ RUB ›", "█▀▄ ░", "Активные чеки", "日本", "e\u0301", "a\u200bb", "\x1b]8;;x\x07y", "tab\tx", "🙂"}
	for _, lang := range i18n.Langs {
		for _, v := range i18n.Messages(lang) {
			samples = append(samples, v)
		}
	}
	for _, s := range samples {
		for _, v := range []string{s, st.accent.Render(s), st.rowSel.Render(s) + st.muted.Render(s)} {
			if got, want := cellWidth(v), ansi.StringWidth(v); got != want {
				t.Errorf("cellWidth(%q) = %d, ansi.StringWidth = %d", v, got, want)
			}
		}
	}
}

// Run drives the whole program on the given input and output.
func TestRun(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	o := fakeOptions(t, f, "en", fakeSession)
	out := &syncBuffer{}
	o.Renderer = plainRenderer(out)
	inR, inW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Run(t.Context(), o, inR, out) }()
	// The output is no terminal, so no size arrives and nothing is drawn
	// (the guide's rule); the program is up once it took the screen.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "\x1b[?1049h") {
		if time.Now().After(deadline) {
			t.Fatalf("the program did not start: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(out.String(), "fastcheck") {
		t.Fatalf("drew before it knew the size: %q", out.String())
	}
	if _, err := inW.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end Run")
	}
	// The context ends it too.
	ctx, cancel := context.WithCancel(t.Context())
	inR2, _ := io.Pipe()
	go func() { done <- Run(ctx, o, inR2, &syncBuffer{}) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not end Run")
	}
}

// The wallet's refresh timer dies when the wallet leaves the screen, and
// the login's countdown when the login does.
func TestNoPollingOffScreen(t *testing.T) {
	m := walletModel(t, 80, 24, 3)
	m.cur = pageLogin // as if it had come from the login
	m.Update(navMsg{to: pageWallet})
	gen := m.wallet.gen
	if _, cmd := m.Update(walletTickMsg{gen: gen}); cmd == nil {
		t.Fatal("the wallet on screen does not refresh on its tick")
	}
	m.Update(navMsg{to: pageCreate})
	if _, cmd := m.Update(walletTickMsg{gen: gen}); cmd != nil {
		if msgs := runAll(cmd); len(msgs) > 0 {
			t.Fatalf("the wallet polls off screen: %T", msgs[0])
		}
	}
	m.login.state, m.login.gen = loginWaiting, 7
	m.login.leave()
	if cmd := m.login.update(loginTickMsg{gen: 7}); cmd != nil {
		t.Fatal("the login countdown survives leaving")
	}
}

// runAll runs a command and what it batches, without waiting on timers.
func runAll(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, runAll(c)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(100 * time.Millisecond):
		return nil // a timer: not a poll that ran
	}
}

// With colour on, every screen still fits the terminal exactly.
func TestLayoutInColor(t *testing.T) {
	for _, dark := range []bool{true, false} {
		m := walletModel(t, 80, 24, 100)
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.TrueColor)
		r.SetHasDarkBackground(dark)
		m.c.st = makeStyles(r)
		m.c.opts.Renderer = r
		check := func(what string) {
			t.Helper()
			for _, s := range [][2]int{{80, 24}, {60, 18}, {120, 40}} {
				m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
				lines := strings.Split(m.View(), "\n")
				if len(lines) != s[1] {
					t.Fatalf("%s %v: %d lines", what, s, len(lines))
				}
				for _, l := range lines {
					if w := ansi.StringWidth(l); w > s[0] {
						t.Fatalf("%s %v: a line of %d cells", what, s, w)
					}
				}
			}
		}
		check("active")
		m.Update(keyMsg("2"))
		check("history")
		m.Update(keyMsg("?"))
		check("help")
		m.Update(keyMsg("?"))
		m.c.down = true
		m.layout()
		check("banner")
	}
}

func TestAcceptRateLimitedMessage(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	f.routes["POST /fastcheck"] = func(*http.Request) (int, any) {
		return 429, withHeader{h: http.Header{"Retry-After": {"120"}}, body: api.Message{Message: "too many requests; try again in 120 s"}}
	}
	d := newDriver(t, fakeOptions(t, f, "en", fakeSession), 80, 24)
	d.waitView("7700-1200-3344")
	d.key("a")
	d.waitView("Accept a check")
	d.typeText("271828182845")
	d.waitView("RUB 990.00")
	d.typeText("1234")
	d.key("enter")
	d.waitView("Too many attempts. Try again in 120 s.")
}

func TestSessionEndedGoesToLogin(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	st := &sessionStore{}
	o := fakeOptions(t, f, "en", fakeSession)
	o.ClearSession = st.clear
	d := newDriver(t, o, 80, 24)
	d.waitView("7700-1200-3344")
	f.set("GET /balance", func(*http.Request) (int, any) { return 401, api.Message{Message: "not authorized: session expired"} })
	f.approved = false
	d.key("r")
	d.waitView("Your session has ended")
	d.waitView("Expires in")
	d.waitFor("ClearSession", func() bool { st.mu.Lock(); defer st.mu.Unlock(); return st.cleared == 1 })
	if d.m.c.client.Session() != "" || d.m.c.bal != nil {
		t.Fatal("the session's data survived")
	}
}

func TestClickExpiredQRForNewCode(t *testing.T) {
	f := newFakeAPI()
	clock := &testClock{t: fixedNow}
	o := fakeOptions(t, f, "en", "")
	o.Now = clock.Now
	d := newDriver(t, o, 80, 24)
	d.waitView("Expires in")
	clock.Advance(3 * time.Minute)
	d.waitView("The code has expired")
	n := f.count("GET /websession")
	// A click beside the code does nothing; a click on it asks anew.
	x, y, _ := d.m.login.qrPos()
	d.send(tea.MouseMsg{X: x + d.m.login.qr.w + 20, Y: 1 + y + 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	d.drain(50 * time.Millisecond)
	if d.m.login.state != loginExpired {
		t.Fatal("a click beside the code asked for a new one")
	}
	clock.Advance(-3 * time.Minute)
	d.send(tea.MouseMsg{X: x + 5, Y: 1 + y + 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	d.waitView("Expires in")
	if f.count("GET /websession") <= n {
		t.Fatal("no new websession after the click")
	}
}

// Started while the server is down: the banner, then a QR by itself once
// it answers (no key needed: nothing had expired).
func TestLoginRecoversWhenServerReturns(t *testing.T) {
	f := newFakeAPI()
	f.setDown(true)
	o := fakeOptions(t, f, "en", "")
	o.PingInterval = 20 * time.Millisecond
	d := newDriver(t, o, 80, 24)
	d.waitView("Server unreachable")
	d.waitView("Could not get a login code")
	f.setDown(false)
	d.waitView("Expires in")
	d.waitFor("the banner to clear", func() bool { return !strings.Contains(d.m.View(), "Server unreachable") })
}

// Navigation happens inside the key's Update: what is typed right after
// "a" (a paste, a fast typist) lands on the accept form.
func TestNavigationIsImmediate(t *testing.T) {
	m := walletModel(t, 80, 24, 3)
	for _, k := range []string{"a", "1", "2", "3", "4", "5"} {
		m.Update(keyMsg(k))
	}
	if m.cur != pageAccept || m.accept.number.Value() != "1234-5" {
		t.Fatalf("page %d, number %q", m.cur, m.accept.number.Value())
	}
	m.Update(keyMsg("esc"))
	m.Update(keyMsg("x"))
	m.Update(keyMsg("n"))
	if m.dialog != nil || m.cur != pageWallet {
		t.Fatal("x then n should open and close the cancel dialog on the wallet")
	}
}

// The quiet refresh (and coming back to the wallet) reads the balance and
// the active checks, and the history only when they changed since it was
// read: a long history is not downloaded again every RefreshInterval. r
// always reads everything.
func TestQuietRefreshSkipsUnchangedHistory(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	d := newDriver(t, fakeOptions(t, f, "en", fakeSession), 80, 24)
	d.waitView("History (3)")
	calls := func(n int, path string) {
		t.Helper()
		d.waitFor(path+" called", func() bool { return f.count("GET "+path) >= n })
		d.drain(50 * time.Millisecond)
		if got := f.count("GET " + path); got != n {
			t.Fatalf("GET %s: %d calls, want %d", path, got, n)
		}
	}
	calls(1, "/fastcheck/history")

	// Nothing changed: the tick reads balance and active checks only.
	d.send(walletTickMsg{gen: d.m.wallet.gen})
	calls(2, "/fastcheck/active")
	calls(2, "/balance")
	calls(1, "/fastcheck/history")
	// Neither does a visit to the create form.
	d.key("n")
	d.waitView("Create a check")
	d.key("esc")
	calls(3, "/fastcheck/active")
	calls(1, "/fastcheck/history")

	// The balance moved (a check was accepted elsewhere): the history too.
	f.set("GET /balance", func(*http.Request) (int, any) { return 200, api.Balance{Balance: 15_091_950, Currency: "RUB"} })
	f.set("GET /fastcheck/history", func(*http.Request) (int, any) {
		return 200, api.HistoryChecks{Checks: append(manyHistory(3), api.HistoryCheck{Fastcheck: "2718-2818-2845", Amount: 250000, Currency: "RUB", Type: "accepted", AcceptedAt: "2026-01-20T09:00:00Z", Status: "used"})}
	})
	d.send(walletTickMsg{gen: d.m.wallet.gen})
	d.waitView("History (4)")
	calls(2, "/fastcheck/history")
	d.send(walletTickMsg{gen: d.m.wallet.gen})
	calls(5, "/fastcheck/active")
	calls(2, "/fastcheck/history")

	// r reads everything.
	d.key("r")
	calls(6, "/fastcheck/active")
	calls(3, "/fastcheck/history")
}

// TestCreateShowsNewBalanceAtOnce: after a check is created, the header
// shows the balance less the check before the balance fetch that confirms
// it has answered (here it never does).
func TestCreateShowsNewBalanceAtOnce(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	f.routes["POST /fastcheck"] = func(*http.Request) (int, any) {
		f.set("GET /balance", func(r *http.Request) (int, any) {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
			return 503, api.Message{Message: "held"}
		})
		return 200, map[string]any{"fastcheck": "2718-2818-2845", "code": "0042", "expiration": "2026-01-27T10:00:00Z", "Status": true, "amount": 158000, "currency": "RUB"}
	}
	d := newDriver(t, fakeOptions(t, f, "en", fakeSession), 80, 24)
	d.waitView("RUB 148,419.50")
	d.key("n")
	d.waitView("Create a check")
	d.typeText("1580")
	d.key("enter")
	d.waitView("Create this check?")
	d.key("enter")
	d.waitView("2718-2818-2845")
	if v := d.m.View(); strings.Count(v, "RUB 146,839.50") != 2 || strings.Contains(v, "148,419.50") {
		t.Fatalf("header and result after create:\n%s", v)
	}
}

// besideQR shows the QR beside the text when both fit; when the QR does
// not, the text alone and, if there is room, a hint that a larger window
// shows it.
func TestBesideQRSaysWhenTheQRDoesNotFit(t *testing.T) {
	img := qrImage{w: 37, h: 19} // a bank page URL's QR
	for range img.h {
		img.lines = append(img.lines, strings.Repeat("█", img.w))
	}
	text := []string{"Pay on the bank's page", "", "RUB 5,000.00", "", "https://example/pay"}
	const hint = "A larger window shows the QR code."
	for _, tc := range []struct {
		w, h          int
		qr, hintShown bool
	}{
		{80, 24, true, false},
		{60, 18, false, true},
		{80, 14, false, true}, // too low for the QR
		{60, 6, false, false}, // too low for the hint too
	} {
		out := besideQR(img, true, text, hint, tc.w, tc.h)
		if got := strings.Contains(out, "███"); got != tc.qr {
			t.Errorf("%dx%d: QR shown %v, want %v", tc.w, tc.h, got, tc.qr)
		}
		if got := strings.Contains(out, hint); got != tc.hintShown {
			t.Errorf("%dx%d: hint shown %v, want %v", tc.w, tc.h, got, tc.hintShown)
		}
		if !strings.Contains(out, "RUB 5,000.00") {
			t.Errorf("%dx%d: the text is missing:\n%s", tc.w, tc.h, out)
		}
	}
	// No QR to show (a finished top-up): no hint either.
	if out := besideQR(img, false, text, hint, 60, 18); strings.Contains(out, hint) {
		t.Error("the hint is shown without a QR to show")
	}
}
