package tui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"fastcheck/api"
	"fastcheck/i18n"
)

// untilChange lands just past the next change of the text Duration writes,
// for every kind of span, and never later.
func TestUntilChange(t *testing.T) {
	loc := i18n.New("en", time.UTC)
	for _, c := range []struct{ d, want time.Duration }{
		{0, 0},
		{-time.Second, 0},
		{999 * time.Millisecond, 0},
		{time.Second, time.Millisecond},
		{90 * time.Second, time.Millisecond},
		{90*time.Second + 500*time.Millisecond, 501 * time.Millisecond},
		{time.Hour, time.Millisecond},
		{time.Hour + 30*time.Minute + 10*time.Second, 10*time.Second + time.Millisecond},
		{24 * time.Hour, time.Millisecond},
		{26*time.Hour + 20*time.Minute, 20*time.Minute + time.Millisecond},
	} {
		if got := untilChange(c.d); got != c.want {
			t.Errorf("untilChange(%v) = %v, want %v", c.d, got, c.want)
		}
	}
	for d := time.Duration(1); d < 50*time.Hour; d += 7919 * time.Millisecond {
		w := untilChange(d)
		if w == 0 {
			if d >= time.Second {
				t.Fatalf("at %v no tick, but the text %q changes", d, loc.Duration(d))
			}
			continue
		}
		before, just, after := loc.Duration(d), loc.Duration(d-w+2*time.Millisecond), loc.Duration(d-w)
		if just != before {
			t.Fatalf("at %v the text %q changes before the tick (%q at %v)", d, before, just, d-w+2*time.Millisecond)
		}
		if after == before {
			t.Fatalf("at %v the tick after %v finds the same text %q", d, w, before)
		}
	}
}

// The login's countdown ticks just past each change of its text.
func TestUntilClockChange(t *testing.T) {
	loc := i18n.New("en", time.UTC)
	for d := -3 * time.Second; d < 3*time.Minute; d += 37 * time.Millisecond {
		w := untilClockChange(d)
		if w <= 0 || w > time.Second+time.Millisecond {
			t.Fatalf("at %v the tick comes after %v", d, w)
		}
		if d <= 0 {
			continue
		}
		before, just, after := loc.Clock(d), loc.Clock(d-w+2*time.Millisecond), loc.Clock(d-w)
		if just != before || after == before {
			t.Fatalf("at %v (%q) the tick after %v: %q just before, %q after", d, before, w, just, after)
		}
	}
}

// A check in its last minutes counts down on screen by itself, between the
// quiet refreshes and without asking the server.
func TestWalletCountdownTicks(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	f.routes["GET /fastcheck/active"] = func(*httpRequest) (int, any) {
		return 200, api.ActiveChecks{Checks: []api.ActiveCheck{{Fastcheck: "1234-5678-0001", Amount: 158000, Currency: "RUB", Code: "0042",
			CreatedAt: "2026-01-20T09:00:00Z", Expiration: api.FormatTime(fixedNow.Add(91 * time.Second)), Status: "active"}}}
	}
	clock := &testClock{t: fixedNow.Add(100 * time.Millisecond)} // 90.9 s left
	o := fakeOptions(t, f, "en", fakeSession)                    // no ping, no quiet refresh within the test
	o.Now = clock.Now
	m := newModel(t.Context(), o)
	t.Cleanup(m.shutdown)
	// The real program: it draws only after a message.
	g := &goldenRun{t: t, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24)), f: f, c: clock}
	g.wait("1m 30s")
	asked := f.count("GET /fastcheck/active")
	clock.Advance(time.Second) // before the tick, ~0.9 s away
	g.wait("1m 29s")
	if n := f.count("GET /fastcheck/active"); n != asked {
		t.Errorf("the countdown asked the server %d more times", n-asked)
	}
	if err := g.tm.Quit(); err != nil {
		t.Fatal(err)
	}
}

// Options.Settled is called once, when the first history has arrived, and
// not again at later loads.
func TestWalletSettledOnce(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	o := fakeOptions(t, f, "en", fakeSession)
	n := 0
	o.Settled = func() { n++ } // Update runs in the test's goroutine
	d := newDriver(t, o, 80, 24)
	d.waitFor("the first history", func() bool { return n > 0 || d.m.wallet.loadedH })
	if n != 1 || !d.m.wallet.loadedH {
		t.Fatalf("Settled called %d times by the first history (loaded %v)", n, d.m.wallet.loadedH)
	}
	d.key("r")
	d.waitFor("the second history", func() bool { return f.count("GET /fastcheck/history") >= 2 })
	d.drain(100 * time.Millisecond)
	if n != 1 {
		t.Fatalf("Settled called %d times", n)
	}
}
