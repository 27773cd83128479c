package tui

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/ledger"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

const (
	otherUser = "dGhpc0Fub3RoZXJVc2VyV2l0aFRoZVNhbWVQcmVmaXg"
	bobUser   = "QWxpY2VzRnJpZW5kQm9iV2hvQWNjZXB0ZWRDaGVja3M"
)

// staffFake adds the staff API to the fake server: two accounts match
// "dGhp" (and more, the server says), the first has two active checks (one
// locked), two history rows and two failed accepts.
func staffFake(f *fakeAPI) {
	ok := func(v any) func(*http.Request) (int, any) { return func(*http.Request) (int, any) { return 200, v } }
	locked := api.StaffCheck{Fastcheck: "7700-1200-3344", Amount: 1_000_000, Currency: "RUB", State: api.CheckLocked,
		Creator: fakeUser, FailedAttempts: 5, CreatedAt: "2026-01-14T12:00:00Z", Expiration: "2026-01-21T12:00:00Z"}
	f.set("GET /staff/accounts", func(r *http.Request) (int, any) {
		if !strings.HasPrefix(fakeUser, r.URL.Query().Get("prefix")) {
			return 200, api.StaffAccounts{Accounts: []api.StaffAccountRow{}}
		}
		return 200, api.StaffAccounts{More: true, Accounts: []api.StaffAccountRow{
			{UserID: otherUser, Balance: 0, Currency: "RUB", CreatedAt: "2026-01-15T08:00:00Z"},
			{UserID: fakeUser, Balance: 14_841_950, Currency: "RUB", CreatedAt: "2026-01-02T08:00:00Z"},
		}}
	})
	f.set("GET /staff/account", func(r *http.Request) (int, any) {
		if r.URL.Query().Get("userId") != fakeUser {
			return 404, api.Message{Message: "no such account"}
		}
		return 200, api.StaffAccount{UserID: fakeUser, Balance: 14_841_950, Currency: "RUB", CreatedAt: "2026-01-02T08:00:00Z",
			Active: []api.StaffCheck{
				{Fastcheck: "1234-5678-0001", Amount: 158000, Currency: "RUB", State: api.CheckActive, Creator: fakeUser,
					FailedAttempts: 2, CreatedAt: "2026-01-19T09:00:00Z", Expiration: "2026-01-26T09:00:00Z"},
				locked,
			},
			History: []api.StaffCheck{
				{Fastcheck: "5555-0000-1111", Amount: 250000, Currency: "RUB", State: api.CheckUsed, Creator: bobUser, Redeemer: fakeUser,
					CreatedAt: "2026-01-17T15:00:00Z", Expiration: "2026-01-24T15:00:00Z", ResolvedAt: "2026-01-18T15:20:00Z"},
				{Fastcheck: "3141-5926-5358", Amount: 12345, Currency: "RUB", State: api.CheckExpired, Creator: fakeUser,
					CreatedAt: "2026-01-01T10:00:00Z", Expiration: "2026-01-08T10:00:00Z", ResolvedAt: "2026-01-08T10:00:05Z"},
			},
			FailedAccepts: []api.StaffFailedAccept{
				{Fastcheck: "9999-9999-9999", Reason: "not_found", At: "2026-01-20T09:30:00Z"},
				{Fastcheck: "2718-2818-2845", Reason: "wrong_code", At: "2026-01-20T09:29:00Z"},
			},
		}
	})
	f.set("GET /staff/check/7700-1200-3344", ok(locked))
	f.set("GET /staff/check/2718-2818-2845", ok(api.StaffCheck{Fastcheck: "2718-2818-2845", Amount: 99000, Currency: "RUB",
		State: api.CheckUsed, Creator: bobUser, Redeemer: otherUser, FailedAttempts: 1,
		CreatedAt: "2026-01-18T18:00:00Z", Expiration: "2026-01-25T18:00:00Z", ResolvedAt: "2026-01-20T09:40:00Z"}))
}

// supportOptions are fakeOptions in support mode with the staff API.
func supportOptions(t *testing.T, f *fakeAPI, lang, session string) Options {
	staffFake(f)
	o := fakeOptions(t, f, lang, session)
	o.Support = true
	return o
}

func runSupportGolden(t *testing.T, lang string, w, h int) *goldenRun {
	f := newFakeAPI()
	f.approved = true
	m := newModel(t.Context(), supportOptions(t, f, lang, fakeSession))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(m.shutdown)
	return &goldenRun{t: t, tm: tm, f: f}
}

// openAccount searches "dGhp" and opens the second account found.
func (g *goldenRun) openAccount() {
	g.wait("/ ")
	g.typeText("dGhp")
	g.key("enter")
	g.wait(otherUser[:30])
	g.key("j")
	g.key("enter")
	g.wait("1234-5678-0001")
}

func TestGoldenSupport(t *testing.T) {
	eachSize(t, both, func(t *testing.T, lang string, w, h int) {
		t.Run("search", func(t *testing.T) {
			g := runSupportGolden(t, lang, w, h)
			g.wait("/ ")
			g.typeText("dGhp")
			g.key("enter")
			g.wait(otherUser[:30])
			g.key("j")
			g.require()
		})
		t.Run("account", func(t *testing.T) {
			g := runSupportGolden(t, lang, w, h)
			g.openAccount()
			g.require()
		})
		t.Run("failed", func(t *testing.T) {
			g := runSupportGolden(t, lang, w, h)
			g.openAccount()
			g.key("3")
			g.wait("9999-9999-9999")
			g.require()
		})
		t.Run("check", func(t *testing.T) {
			g := runSupportGolden(t, lang, w, h)
			g.wait("/ ")
			g.key("tab")
			g.typeText("770012003344")
			g.key("enter")
			g.wait(fakeUser)
			g.require()
		})
	})
}

// In support mode no key reaches a screen that moves money, and no
// request but reads goes out.
func TestSupportMoneyKeysDoNothing(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	d := newDriver(t, supportOptions(t, f, "en", fakeSession), 80, 24)
	d.waitFor("the staff view", func() bool { return d.m.cur == pageSupport })
	if v := d.m.View(); !strings.Contains(v, "STAFF") || !strings.Contains(v, "read-only") {
		t.Fatalf("the staff view is not marked:\n%s", v)
	}
	d.key("esc") // leave the search field: keys are commands now
	d.typeText("dGhp")
	d.key("/")
	d.typeText("dGhp")
	d.key("enter")
	d.waitView(otherUser)
	d.key("j")
	d.key("enter")
	d.waitView("1234-5678-0001")
	check := func(when string) {
		t.Helper()
		if d.m.cur != pageSupport || d.m.dialog != nil {
			t.Fatalf("%s: page %d, dialog %v; want the staff view and no question", when, d.m.cur, d.m.dialog)
		}
	}
	for _, k := range []string{"n", "a", "x", "delete", "t", "w", "y", "v", "d", "o", "s", "S"} {
		d.key(k)
		check("after " + k)
	}
	for _, to := range []pageID{pageWallet, pageCreate, pageAccept, pageHandover, pageTopup, pageWithdraw} {
		if cmd := d.m.goTo(to); cmd != nil || d.m.cur != pageSupport {
			t.Fatalf("goTo(%d) in support mode opened it", to)
		}
		d.m.Update(navMsg{to: to})
		check("after a navigation to a money screen")
	}
	d.drain(100 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if !strings.HasPrefix(r, "GET ") || strings.HasPrefix(r, "GET /balance") || strings.HasPrefix(r, "GET /fastcheck") {
			t.Errorf("support mode sent %s", r)
		}
	}
}

func TestSupportFieldChecks(t *testing.T) {
	f := newFakeAPI()
	f.approved = true
	d := newDriver(t, supportOptions(t, f, "en", fakeSession), 80, 24)
	d.waitFor("the staff view", func() bool { return d.m.cur == pageSupport })
	d.typeText("dGh")
	d.key("enter")
	d.waitView("Type at least 4 characters")
	d.typeText("%")
	d.key("enter")
	d.waitView("A userId has only")
	d.key("tab")
	d.typeText("12-34")
	d.key("enter")
	d.waitView("A check number has 12 digits")
	if n := f.count("GET /staff"); n != 0 {
		t.Fatalf("%d staff requests for malformed input", n)
	}
	// q types into the field; it does not quit.
	d.typeText("q")
	if d.quit || d.m.quitting {
		t.Fatal("q quit while a field had the focus")
	}
	d.key("esc")
	d.key("c")
	d.key("backspace")
	d.key("backspace")
	d.key("backspace")
	d.key("backspace")
	d.key("backspace")
	d.key("backspace")
	d.typeText("0000-0000-0000")
	d.key("enter")
	d.waitView("No such check")
}

// Against the real server: the staff identity finds, reads and looks up,
// and each read is in the server's audit log; a non-staff login is told
// so and sees nothing.
func TestRealSupport(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.Staff = server.DemoStaff() })
	alice := servertest.Demo(t, "alice")
	aliceID := userIDOf(alice)
	aliceCaller := env.Login(t, alice)
	r := aliceCaller.Do(t, "POST", "/fastcheck", []byte(`{"amount":1580,"currency":"RUB"}`))
	var created api.CreateCheckResponse
	r.JSON(t, &created)

	start := func(user string) *driver {
		cl, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		d := newDriver(t, Options{Client: cl, Renderer: plainRenderer(nil), Lang: "en", Support: true,
			PingInterval: time.Hour, RefreshInterval: time.Hour}, 100, 30)
		d.waitView("Expires in")
		d.waitFor("the websession", func() bool { return d.m.login.ws.SessionID != "" })
		env.Approve(t, servertest.Demo(t, user), d.m.login.ws.SessionID, cl.Fingerprint())
		d.waitView("Find account")
		return d
	}
	d := start("support")
	if v := d.m.View(); !strings.Contains(v, "STAFF") {
		t.Fatalf("no STAFF mark:\n%s", v)
	}
	d.typeText(aliceID[:6])
	d.key("enter")
	d.waitView(aliceID)
	d.key("enter")
	d.waitView(created.Fastcheck)
	d.waitView("RUB 149,984.20")
	d.key("enter")
	d.waitView("Created by")
	d.key("c")
	d.typeText(created.Fastcheck)
	d.key("enter")
	d.drain(200 * time.Millisecond)
	reads, err := env.Store.(ledger.Staff).StaffReads(context.Background(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range reads {
		got = append(got, e.Action+" "+e.Subject)
	}
	want := []string{"find " + aliceID[:6], "account " + aliceID, "check " + created.Fastcheck}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit log = %q, want %q", got, want)
	}

	// alice is not staff: the server refuses, and the screen says why.
	a := start("alice")
	a.typeText(aliceID[:4])
	a.key("enter")
	a.waitView("not support staff")
	if n, _ := env.Store.(ledger.Staff).StaffReads(context.Background(), time.Time{}, 0); len(n) != len(want) {
		t.Fatalf("a refused read reached the audit log: %d entries", len(n))
	}
}

func userIDOf(k ed25519.PrivateKey) string {
	return api.UserID(k.Public().(ed25519.PublicKey))
}
