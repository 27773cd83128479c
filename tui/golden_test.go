package tui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"fastcheck/i18n"
)

// Golden screens: the real program (teatest) against the fake server, with
// a fixed key, clock, time zone and the Ascii profile, at 80×24 and at the
// minimum size. Regenerate with: go test ./tui/ -run TestGolden -update

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type goldenRun struct {
	t  *testing.T
	tm *teatest.TestModel
	f  *fakeAPI
	c  *testClock

	// What made the screen, for replaying it in colour (pictures_test.go):
	// runGolden's arguments and every wait, key and text since.
	args   goldenArgs
	script []func(*goldenRun)
	colour bool // a replay: the output carries colours
}

type goldenArgs struct {
	lang, session string
	w, h          int
	setup         func(*fakeAPI)
}

func (g *goldenRun) wait(s string) {
	g.t.Helper()
	g.script = append(g.script, func(g *goldenRun) { g.wait(s) })
	teatest.WaitFor(g.t, g.tm.Output(), func(b []byte) bool {
		if g.colour {
			b = []byte(ansi.Strip(string(b)))
		}
		return bytes.Contains(b, []byte(s))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func (g *goldenRun) key(s string) {
	g.script = append(g.script, func(g *goldenRun) { g.key(s) })
	g.tm.Send(keyMsg(s))
}

func (g *goldenRun) typeText(s string) {
	g.script = append(g.script, func(g *goldenRun) { g.typeText(s) })
	for _, r := range s {
		g.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// screen ends the program and compares its last frame with the golden file.
func (g *goldenRun) screen() string {
	g.t.Helper()
	if err := g.tm.Quit(); err != nil {
		g.t.Fatal(err)
	}
	m := g.tm.FinalModel(g.t, teatest.WithFinalTimeout(5*time.Second))
	return m.View()
}

func (g *goldenRun) require() {
	g.t.Helper()
	v := g.screen()
	teatest.RequireEqualOutput(g.t, []byte(v+"\n"))
	g.picture(v + "\n")
}

// runGolden starts the wallet; session "" starts at the login QR, a
// session id resumes the wallet.
func runGolden(t *testing.T, lang string, w, h int, session string, setup func(*fakeAPI)) *goldenRun {
	t.Helper()
	return startGolden(t, goldenArgs{lang: lang, w: w, h: h, session: session, setup: setup}, nil)
}

// startGolden is runGolden with the renderer given (nil: the Ascii one).
func startGolden(t *testing.T, a goldenArgs, r *lipgloss.Renderer) *goldenRun {
	t.Helper()
	lang, w, h, session, setup := a.lang, a.w, a.h, a.session, a.setup
	f := newFakeAPI()
	if session != "" {
		f.approved = true
	}
	if setup != nil {
		setup(f)
	}
	clock := &testClock{t: fixedNow}
	o := fakeOptions(t, f, lang, session)
	o.Now = clock.Now
	o.PingInterval = 50 * time.Millisecond
	if r != nil {
		o.Renderer = r
	}
	m := newModel(t.Context(), o)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(m.shutdown)
	return &goldenRun{t: t, tm: tm, f: f, c: clock, args: a, colour: r != nil}
}

var goldenSizes = []struct{ w, h int }{{80, 24}, {MinWidth, MinHeight}}

func eachSize(t *testing.T, langs []string, fn func(t *testing.T, lang string, w, h int)) {
	for _, lang := range langs {
		for _, s := range goldenSizes {
			t.Run(fmt.Sprintf("%s_%dx%d", lang, s.w, s.h), func(t *testing.T) { fn(t, lang, s.w, s.h) })
		}
	}
}

var both = []string{i18n.English, i18n.Russian}

func TestGoldenLogin(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, "", nil)
		g.wait("FE81 2C12 F3AB 4CE6")
		g.require()
	})
}

func TestGoldenLoginExpired(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, "", nil)
		g.wait("FE81 2C12 F3AB 4CE6")
		g.c.Advance(3 * time.Minute)
		g.wait(map[string]string{"en": "The code has expired", "ru": "Срок действия кода истёк"}[lang])
		g.require()
	})
}

func TestGoldenWallet(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, nil)
		g.wait("7700-1200-3344")
		g.key("j")
		g.wait("› 1234-5678-0001")
		g.require()
	})
}

func TestGoldenWalletHistory(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, nil)
		g.wait("7700-1200-3344")
		g.key("2")
		g.wait("5555-0000-1111")
		g.require()
	})
}

func TestGoldenWalletEmpty(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, func(f *fakeAPI) {
			f.routes["GET /fastcheck/active"] = func(*httpRequest) (int, any) { return 200, map[string]any{"checks": []any{}} }
			f.routes["GET /fastcheck/history"] = func(*httpRequest) (int, any) { return 200, map[string]any{"checks": []any{}} }
		})
		g.wait(map[string]string{i18n.English: "No active checks", i18n.Russian: "Активных чеков нет"}[lang])
		g.require()
	})
}

func TestGoldenCreate(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		t.Run("form", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, nil)
			g.wait("7700-1200-3344")
			g.key("n")
			g.wait(map[string]string{"en": "Create a check", "ru": "Создать чек"}[lang])
			g.typeText("1580.5")
			g.wait("1580.5")
			g.require()
		})
		t.Run("invalid", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, nil)
			g.wait("7700-1200-3344")
			g.key("n")
			g.wait(map[string]string{"en": "Create a check", "ru": "Создать чек"}[lang])
			g.typeText("12.345")
			g.wait("12.345")
			g.require()
		})
		t.Run("confirm", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, nil)
			g.wait("7700-1200-3344")
			g.key("n")
			g.wait(map[string]string{"en": "Create a check", "ru": "Создать чек"}[lang])
			g.typeText("1580")
			g.wait("1580")
			g.key("enter")
			g.wait(map[string]string{"en": "Create this check?", "ru": "Создать этот чек?"}[lang])
			g.require()
		})
		t.Run("result", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, func(f *fakeAPI) {
				f.routes["POST /fastcheck"] = func(*httpRequest) (int, any) {
					f.set("GET /balance", func(*httpRequest) (int, any) {
						return 200, map[string]any{"balance": 14_841_950 - 158_000, "currency": "RUB"}
					})
					return 200, map[string]any{"fastcheck": "2718-2818-2845", "code": "0042", "expiration": "2026-01-27T10:00:00Z", "Status": true, "amount": 158000, "currency": "RUB"}
				}
			})
			g.wait("7700-1200-3344")
			g.key("n")
			g.wait(map[string]string{"en": "Create a check", "ru": "Создать чек"}[lang])
			g.typeText("1580")
			g.wait("1580")
			g.key("enter")
			g.wait(map[string]string{"en": "Create this check?", "ru": "Создать этот чек?"}[lang])
			g.key("enter")
			g.wait("2718-2818-2845")
			g.require()
		})
	})
}

func TestGoldenAccept(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		t.Run("preview", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, nil)
			g.wait("7700-1200-3344")
			g.key("a")
			g.wait(map[string]string{"en": "Accept a check", "ru": "Принять чек"}[lang])
			g.typeText("271828182845")
			g.wait("990")
			g.require()
		})
		t.Run("expired", func(t *testing.T) {
			g := runGolden(t, lang, w, h, fakeSession, nil)
			g.wait("7700-1200-3344")
			g.key("a")
			g.wait(map[string]string{"en": "Accept a check", "ru": "Принять чек"}[lang])
			g.typeText("1111 2222 3333")
			g.wait(map[string]string{"en": "expired", "ru": "истёк"}[lang])
			g.require()
		})
	})
}

func TestGoldenHandover(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, nil)
		g.wait("7700-1200-3344")
		g.key("j")
		g.wait("› 1234-5678-0001")
		g.key("v")
		g.wait("0042")
		v := g.screen()
		if got, err := decodeScreenQR(v); err != nil || got != "1234-5678-0001 0042" {
			t.Fatalf("the handover QR decodes to %q, %v", got, err)
		}
		teatest.RequireEqualOutput(t, []byte(v+"\n"))
	})
}

func TestGoldenHelp(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, nil)
		g.wait("7700-1200-3344")
		g.key("?")
		g.wait(map[string]string{"en": "Keys", "ru": "Клавиши"}[lang])
		g.require()
	})
}

func TestGoldenTooSmall(t *testing.T) {
	for _, lang := range both {
		t.Run(lang, func(t *testing.T) {
			g := runGolden(t, lang, 50, 12, fakeSession, nil)
			g.wait("50")
			g.require()
		})
	}
}

// The banner shows on every screen while the server is unreachable and
// clears by itself when it answers again.
func TestGoldenServerDown(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		g := runGolden(t, lang, w, h, fakeSession, nil)
		g.wait("7700-1200-3344")
		g.f.setDown(true)
		g.key("r")
		g.wait("fastcheck.store/api")
		g.require()
	})
}

func TestServerDownBannerClears(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	o := fakeOptions(t, f, "en", fakeSession)
	o.PingInterval = 20 * time.Millisecond
	d := newDriver(t, o, 80, 24)
	d.waitView("7700-1200-3344")
	f.setDown(true)
	d.waitView("Server unreachable")
	// Every screen carries it.
	d.key("a")
	d.waitView("Accept a check")
	if !strings.Contains(d.m.View(), "Server unreachable") {
		t.Fatalf("no banner on the accept screen:\n%s", d.m.View())
	}
	f.setDown(false)
	d.waitFor("the banner to clear", func() bool { return !strings.Contains(d.m.View(), "Server unreachable") })
}

func TestGoldenSetup(t *testing.T) {
	for _, lang := range both {
		t.Run(lang, func(t *testing.T) {
			o := Options{Renderer: plainRenderer(nil), Lang: lang, Now: func() time.Time { return fixedNow }}
			tm := teatest.NewTestModel(t, New(o), teatest.WithInitialTermSize(80, 24))
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("demo")) || bytes.Contains(b, []byte("демо")) },
				teatest.WithDuration(5*time.Second))
			tm.Send(keyMsg("d"))
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
			if fm.(*Model).exitErr != ErrDemoRequested {
				t.Fatalf("exit %v, want ErrDemoRequested", fm.(*Model).exitErr)
			}
			fm.(*Model).quitting = false
			teatest.RequireEqualOutput(t, []byte(fm.View()+"\n"))
		})
	}
}

func TestGoldenLoginDemo(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		f := newFakeAPI()
		o := fakeOptions(t, f, lang, "")
		o.DemoUser = "alice"
		o.DemoApprove = func(ctx context.Context, id, fp string) error {
			f.mu.Lock()
			f.approved = true
			f.mu.Unlock()
			return nil
		}
		m := newModel(t.Context(), o)
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
		t.Cleanup(m.shutdown)
		g := &goldenRun{t: t, tm: tm, f: f}
		g.wait("FE81 2C12 F3AB 4CE6")
		g.require()
	})
}
