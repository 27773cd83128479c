package tui

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/client"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

// Tests against the real reference server (servertest: real handlers,
// real SQLite ledger, demo users alice and bob with 150,000.00 RUB each).

// sessionStore records what the wallet asks the store to do.
type sessionStore struct {
	mu      sync.Mutex
	saved   []string
	cleared int
}

func (s *sessionStore) save(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, id)
	return nil
}

func (s *sessionStore) clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleared++
	return nil
}

type realWallet struct {
	*driver
	env   *servertest.Env
	cl    *client.Client
	store *sessionStore
	out   *syncBuffer // the renderer's output: OSC 52 lands here
}

// startReal opens the wallet against env with a fresh terminal key.
func startReal(t *testing.T, env *servertest.Env, lang string) *realWallet {
	t.Helper()
	cl, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	rw := &realWallet{env: env, cl: cl, store: &sessionStore{}, out: &syncBuffer{}}
	rw.driver = newDriver(t, Options{
		Client: cl, Renderer: plainRenderer(rw.out), Lang: lang,
		SaveSession: rw.store.save, ClearSession: rw.store.clear,
		PingInterval: time.Hour, RefreshInterval: time.Hour,
	}, 80, 24)
	return rw
}

// login scans the QR off the screen and approves it as the demo user.
func (rw *realWallet) login(t *testing.T, user string) {
	t.Helper()
	rw.waitView("Expires in")
	screen := rw.m.View()
	url, err := decodeScreenQR(screen)
	if err != nil {
		t.Fatalf("decode the QR: %v\n%s", err, screen)
	}
	_, id, err := client.ParseApproveTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	if want := rw.cl.ApproveURL(rw.m.login.ws.SessionID); url != want {
		t.Fatalf("the QR says %q, want %q", url, want)
	}
	if !strings.Contains(screen, rw.cl.Fingerprint()) {
		t.Fatalf("the fingerprint %q is not on the screen:\n%s", rw.cl.Fingerprint(), screen)
	}
	if !strings.Contains(screen, id) {
		t.Fatalf("the URL is not on the screen as text:\n%s", screen)
	}
	rw.env.Approve(t, servertest.Demo(t, user), id, rw.cl.Fingerprint())
	start := time.Now()
	rw.waitView("Active checks")
	t.Logf("approval to wallet: %v", time.Since(start))
	var saved []string
	rw.waitFor("SaveSession", func() bool {
		rw.store.mu.Lock()
		defer rw.store.mu.Unlock()
		saved = append([]string(nil), rw.store.saved...)
		return len(saved) > 0
	})
	if len(saved) != 1 || saved[0] != id {
		t.Fatalf("SaveSession got %q, want [%s]", saved, id)
	}
}

func TestRealLoginCreateAccept(t *testing.T) {
	env := servertest.Start(t)
	alice := startReal(t, env, "en")
	alice.login(t, "alice")
	alice.waitView("RUB 150,000.00")
	alice.waitView("No active checks")

	// Create 1,580.00: the form validates as you type, the confirmation
	// shows the balance before and after, the result the number and code.
	alice.key("n")
	alice.waitView("Create a check")
	alice.typeText("15x")
	if !strings.Contains(alice.m.View(), "Not an amount") {
		t.Fatalf("no validation message:\n%s", alice.m.View())
	}
	alice.key("backspace")
	alice.typeText("80")
	alice.waitView("✓ RUB 1,580.00")
	alice.key("enter")
	alice.waitView("Create this check?")
	for _, s := range []string{"RUB 150,000.00", "RUB 148,420.00"} {
		if !strings.Contains(alice.m.View(), s) {
			t.Fatalf("confirmation lacks %s:\n%s", s, alice.m.View())
		}
	}
	alice.key("y")
	alice.waitView("Check created")
	number, code := alice.m.create.res.Fastcheck, alice.m.create.res.Code
	if number == "" || code == "" || !strings.Contains(alice.m.View(), number) || !strings.Contains(alice.m.View(), code) {
		t.Fatalf("result lacks number %q and code %q:\n%s", number, code, alice.m.View())
	}
	// y copies "number code" with OSC 52 through the session's output.
	alice.key("y")
	alice.waitView("Copied")
	osc := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(number+" "+code))
	if !strings.Contains(alice.out.String(), osc) {
		t.Fatalf("no OSC 52 copy of %q in the output: %q", number+" "+code, alice.out.String())
	}
	// v shows the handover QR, which decodes to number and code.
	alice.key("v")
	alice.waitView("Hand over")
	if got, err := decodeScreenQR(alice.m.View()); err != nil || got != number+" "+code {
		t.Fatalf("handover QR decodes to %q, %v:\n%s", got, err, alice.m.View())
	}
	alice.key("esc")
	alice.waitView("Check created")
	alice.key("enter")
	alice.waitView("Active checks (1)")
	alice.waitView("RUB 148,420.00")

	// Bob accepts it: the preview shows the amount, a wrong code is
	// refused with the document's ambiguity, the right one credits him.
	bob := startReal(t, env, "en")
	bob.login(t, "bob")
	bob.waitView("RUB 150,000.00")
	bob.key("a")
	bob.waitView("Accept a check")
	bob.typeText("q?" + strings.ReplaceAll(number, "-", "")) // q and ? are typed, not obeyed
	if bob.quit || bob.m.quitting || bob.m.showHelp {
		t.Fatal("q or ? fired while typing")
	}
	if got := bob.m.accept.number.Value(); got != number {
		t.Fatalf("number field %q, want %q (formatted as typed)", got, number)
	}
	bob.waitView("✓ RUB 1,580.00")
	wrong := "0000"
	if code == wrong {
		wrong = "1111"
	}
	bob.typeText(wrong)
	bob.key("enter")
	bob.waitView("Wrong code, or no such check")
	bob.typeText(code)
	bob.key("enter")
	bob.waitView("accepted")
	bob.waitView("RUB 151,580.00")
	bob.key("enter")
	bob.waitView("History (1)")

	// Alice sees it in her history after a refresh.
	alice.key("r")
	alice.waitView("History (1)")
	alice.key("2")
	alice.waitView("paid out")
	servertest.RequireAudit(t, env)
}

func TestRealCancelAndLogout(t *testing.T) {
	env := servertest.Start(t)
	w := startReal(t, env, "en")
	w.login(t, "alice")
	w.key("n")
	w.waitView("Create a check")
	w.typeText("100")
	w.key("enter")
	w.waitView("Create this check?")
	w.key("enter")
	w.waitView("Check created")
	w.key("enter")
	w.waitView("Active checks (1)")

	w.key("x")
	w.waitView("Cancel this check?")
	w.key("n") // no: nothing happens
	if strings.Contains(w.m.View(), "Cancel this check?") {
		t.Fatal("the dialog stayed open after n")
	}
	w.key("x")
	w.waitView("Cancel this check?")
	w.key("y")
	w.waitView("cancelled")
	w.waitView("Active checks (0)")
	w.waitView("RUB 150,000.00")

	w.key("L")
	w.waitView("Log out?")
	w.key("y")
	w.waitView("Logged out")
	w.waitView("Expires in") // a new QR
	w.store.mu.Lock()
	cleared := w.store.cleared
	w.store.mu.Unlock()
	if cleared != 1 {
		t.Fatalf("ClearSession called %d times, want 1", cleared)
	}
	if w.cl.Session() != "" {
		t.Fatal("the client still holds the session")
	}
	servertest.RequireAudit(t, env)
}

func TestRealResumeSavedSession(t *testing.T) {
	env := servertest.Start(t)
	caller := env.Login(t, servertest.Demo(t, "bob"))
	cl, err := client.New(client.Options{BaseURL: env.URL, Key: caller.Key, SessionID: caller.SessionID})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{Client: cl, Renderer: plainRenderer(io.Discard), Lang: "en", PingInterval: time.Hour}, 80, 24)
	d.waitView("Active checks")
	d.waitView("RUB 150,000.00")

	// A session the server no longer knows: back to the QR, store cleared.
	st := &sessionStore{}
	cl2, _ := client.New(client.Options{BaseURL: env.URL, Key: caller.Key, SessionID: "0123456789ABCDEF0123456789ABCDEF"})
	d2 := newDriver(t, Options{Client: cl2, Renderer: plainRenderer(io.Discard), Lang: "en", ClearSession: st.clear, PingInterval: time.Hour}, 80, 24)
	d2.waitView("Expires in")
	d2.waitFor("ClearSession", func() bool { st.mu.Lock(); defer st.mu.Unlock(); return st.cleared == 1 })
}

// The QR expires on the server's schedule; the wallet dims it and asks
// for a new one only after a key.
func TestRealQRExpiry(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.WebsessionTTL = 2 * time.Second })
	w := startReal(t, env, "en")
	w.waitView("Expires in")
	first := w.m.login.ws.SessionID
	w.waitView("The code has expired")
	if _, err := decodeScreenQR(w.m.View()); err == nil {
		t.Fatal("the expired code still decodes")
	}
	w.drain(300 * time.Millisecond)
	if w.m.login.ws.SessionID != first || w.m.login.state != loginExpired {
		t.Fatal("a new websession was created without user activity")
	}
	w.key("space")
	w.waitView("Expires in")
	if w.m.login.ws.SessionID == first {
		t.Fatal("no new websession after a key")
	}
	if _, err := decodeScreenQR(w.m.View()); err != nil {
		t.Fatalf("the new code does not decode: %v", err)
	}
}

// Locked after five wrong codes, and the message says so.
func TestRealAcceptLocked(t *testing.T) {
	env := servertest.Start(t)
	creator := env.Login(t, servertest.Demo(t, "alice"))
	cl, _ := client.New(client.Options{BaseURL: env.URL, Key: creator.Key, SessionID: creator.SessionID})
	res, err := cl.CreateCheck(t.Context(), 5000, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	w := startReal(t, env, "ru")
	w.waitView("Истекает через")
	url, err := decodeScreenQR(w.m.View())
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := client.ParseApproveTarget(url)
	env.Approve(t, servertest.Demo(t, "bob"), id, w.cl.Fingerprint())
	w.waitView("Активные чеки")
	w.key("a")
	w.waitView("Принять чек")
	w.typeText(res.Fastcheck)
	w.waitView("50,00")
	wrong := "0000"
	if res.Code == wrong {
		wrong = "1111"
	}
	for i := 0; i < 5; i++ {
		w.typeText(wrong)
		w.key("enter")
		w.waitFor("the answer", func() bool { return w.m.accept.step == acceptForm && w.m.accept.errText != "" })
	}
	w.typeText(res.Code)
	w.key("enter")
	w.waitView("заблокирован")
}

// The demo's key approves the shown login as the demo user, through the
// same phone API a phone uses; the long-poll opens the wallet at once.
func TestRealDemoKey(t *testing.T) {
	env := servertest.Start(t)
	phone, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.Demo(t, "alice")})
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t)})
	d := newDriver(t, Options{
		Client: cl, Renderer: plainRenderer(io.Discard), Lang: "en", PingInterval: time.Hour,
		DemoUser: "alice",
		DemoApprove: func(ctx context.Context, id, fp string) error {
			_, err := phone.Approve(ctx, id, fp)
			return err
		},
	}, 80, 24)
	d.waitView("fastcheck phone approve --demo alice")
	start := time.Now()
	d.key("d")
	d.waitView("RUB 150,000.00")
	t.Logf("demo key to wallet with balance: %v", time.Since(start))
}
