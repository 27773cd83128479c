package tui

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"fastcheck/api"
	"fastcheck/client"
)

func init() {
	// Pin the global renderer too (bubbles and teatest use it).
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
}

// syncBuffer is an io.Writer safe for the program and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// plainRenderer is an Ascii renderer on a dark background; its output (the
// clipboard's OSC 52) goes to out.
func plainRenderer(out io.Writer) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// testKey is a fixed terminal key, so fingerprints are stable in goldens.
func testKey() ed25519.PrivateKey {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	return ed25519.NewKeyFromSeed(seed)
}

// fixedNow is the clock of the golden screens.
var fixedNow = time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC)

// driver runs the model the way Bubble Tea would, in the test's goroutine:
// Update directly, each command in a goroutine of its own, their messages
// back through a channel. Between messages the test owns the model.
type driver struct {
	t    testing.TB
	m    *Model
	msgs chan tea.Msg
	done chan struct{}
	quit bool
}

func newDriver(t testing.TB, o Options, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, m: newModel(context.Background(), o), msgs: make(chan tea.Msg, 1024), done: make(chan struct{})}
	t.Cleanup(func() {
		d.m.shutdown()
		close(d.done)
	})
	d.run(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		d.deliver(cmd())
	}()
}

func (d *driver) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	default:
		select {
		case d.msgs <- msg:
		case <-d.done:
		}
	}
}

// send is one Update; its command runs in the background.
func (d *driver) send(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.QuitMsg); ok {
		d.quit = true
		return nil
	}
	_, cmd := d.m.Update(msg)
	d.run(cmd)
	return cmd
}

// key sends one key press: a name ("enter", "esc", "tab", "up", "ctrl+c",
// ...) or literal runes.
func (d *driver) key(s string) tea.Cmd { return d.send(keyMsg(s)) }

// typeText sends each rune as its own key press.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(s string) tea.KeyMsg {
	names := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"backspace": tea.KeyBackspace, "ctrl+c": tea.KeyCtrlC, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
		"home": tea.KeyHome, "end": tea.KeyEnd, "space": tea.KeySpace,
	}
	if t, ok := names[s]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// waitFor handles messages until cond holds.
func (d *driver) waitFor(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; screen:\n%s", what, d.m.View())
		}
	}
}

// waitView waits until the screen shows s.
func (d *driver) waitView(s string) {
	d.t.Helper()
	d.waitFor("the screen to show "+s, func() bool { return strings.Contains(d.m.View(), s) })
}

// drain handles what is pending for a moment (answers already on their way).
func (d *driver) drain(dur time.Duration) {
	end := time.After(dur)
	for {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-end:
			return
		}
	}
}

// fakeAPI answers the client's requests from canned data, for screens that
// must be byte-for-byte stable. Handlers get the path after /api.
type fakeAPI struct {
	mu       sync.Mutex
	routes   map[string]func(r *http.Request) (int, any)
	requests []string
	down     bool
	approved bool
}

func (f *fakeAPI) isApproved() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.approved
}

func (f *fakeAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	path := strings.TrimPrefix(r.URL.Path, "/api")
	f.requests = append(f.requests, r.Method+" "+path)
	h, ok := f.routes[r.Method+" "+path]
	if !ok {
		h, ok = f.routes[r.Method+" "+prefixRoute(path)]
	}
	down := f.down
	f.mu.Unlock()
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	if down {
		return nil, &net503{}
	}
	status, body := 404, any(api.Message{Message: "no such route"})
	if ok {
		status, body = h(r)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if wh, ok := body.(withHeader); ok {
		for k, v := range wh.h {
			hdr[k] = v
		}
		body = wh.body
	}
	b, _ := json.Marshal(body)
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status),
		Header:  hdr,
		Body:    io.NopCloser(bytes.NewReader(b)),
		Request: r, ContentLength: int64(len(b)),
	}, nil
}

// net503 is a connection refused, as far as the client can tell.
type net503 struct{}

func (*net503) Error() string   { return "dial tcp 127.0.0.1:1: connect: connection refused" }
func (*net503) Timeout() bool   { return false }
func (*net503) Temporary() bool { return true }

// prefixRoute maps /websession/ID to /websession/*, /fastcheck/N to /fastcheck/*.
func prefixRoute(path string) string {
	for _, p := range []string{"/websession/", "/fastcheck/", "/phone/websession/"} {
		if strings.HasPrefix(path, p) && path != "/fastcheck/active" && path != "/fastcheck/history" {
			return p + "*"
		}
	}
	return path
}

func (f *fakeAPI) setDown(v bool) {
	f.mu.Lock()
	f.down = v
	f.mu.Unlock()
}

func (f *fakeAPI) set(route string, h func(r *http.Request) (int, any)) {
	f.mu.Lock()
	f.routes[route] = h
	f.mu.Unlock()
}

const fakeSession = "1AF3781BF6B94604B771AEA1D44FA63A"
const fakeUser = "dGhpcyBpcyBhIGRlbW8gdXNlciBpZCBmb3IgdGVzdHM"

// newFakeAPI is a server with one user holding three active checks and
// some history.
func newFakeAPI() *fakeAPI {
	f := &fakeAPI{routes: map[string]func(*http.Request) (int, any){}}
	ok := func(v any) func(*http.Request) (int, any) {
		return func(*http.Request) (int, any) { return 200, v }
	}
	f.routes["GET /ping"] = ok(api.Message{Message: "pong"})
	f.routes["GET /websession"] = ok(api.Websession{SessionID: fakeSession, Expires: api.FormatTime(fixedNow.Add(2 * time.Minute)), State: api.StatePending, PollInterval: 60})
	f.routes["GET /websession/*"] = func(r *http.Request) (int, any) {
		if f.isApproved() {
			return 200, api.Websession{SessionID: fakeSession, UserID: fakeUser, Status: true, State: api.StateApproved, Expires: api.FormatTime(fixedNow.Add(24 * time.Hour))}
		}
		return 200, api.Websession{SessionID: fakeSession, Expires: api.FormatTime(fixedNow.Add(2 * time.Minute)), State: api.StatePending, PollInterval: 60}
	}
	f.routes["DELETE /websession/*"] = ok(api.Message{Message: "ok"})
	f.routes["GET /balance"] = ok(api.Balance{Balance: 14_841_950, Currency: "RUB"})
	f.routes["GET /fastcheck/active"] = ok(api.ActiveChecks{Checks: []api.ActiveCheck{
		{Fastcheck: "1234-5678-0001", Amount: 158000, Currency: "RUB", Code: "0042", CreatedAt: "2026-01-19T09:00:00Z", Expiration: "2026-01-26T09:00:00Z", Status: "active"},
		{Fastcheck: "4821-0937-5512", Amount: 50, Currency: "RUB", Code: "9310", CreatedAt: "2026-01-20T08:30:00Z", Expiration: "2026-01-27T08:30:00Z", Status: "active"},
		{Fastcheck: "7700-1200-3344", Amount: 1_000_000, Currency: "RUB", Code: "5555", CreatedAt: "2026-01-14T12:00:00Z", Expiration: "2026-01-21T12:00:00Z", Status: "active", Locked: true},
	}})
	f.routes["GET /fastcheck/history"] = ok(api.HistoryChecks{Checks: []api.HistoryCheck{
		{Fastcheck: "5555-0000-1111", Amount: 250000, Currency: "RUB", Type: "accepted", AcceptedAt: "2026-01-18T15:20:00Z", Status: "used"},
		{Fastcheck: "9999-1234-0007", Amount: 30000, Currency: "RUB", Type: "created", CreatedAt: "2026-01-10T10:00:00Z", UsedAt: "2026-01-11T11:11:00Z", Status: "used"},
		{Fastcheck: "3141-5926-5358", Amount: 12345, Currency: "RUB", Type: "created", CreatedAt: "2026-01-01T10:00:00Z", Status: "expired", Expiration: "2026-01-08T10:00:00Z", ResolvedAt: "2026-01-08T10:00:05Z"},
	}})
	f.routes["GET /fastcheck"] = func(r *http.Request) (int, any) {
		switch r.URL.Query().Get("fastcheck") {
		case "2718-2818-2845":
			return 200, api.CheckStatus{Fastcheck: "2718-2818-2845", Expiration: "2026-01-25T18:00:00Z", Status: true, Amount: 99000, Currency: "RUB", State: "active"}
		case "1111-2222-3333":
			return 200, api.CheckStatus{Fastcheck: "1111-2222-3333", Expiration: "2026-01-12T18:00:00Z", Status: false, Amount: 1000, Currency: "RUB", State: "expired"}
		}
		return 404, api.Message{Message: "no such check"}
	}
	return f
}

// fakeOptions are the options of a golden screen: fixed key, clock, zone,
// language, and the fake server.
func fakeOptions(t testing.TB, f *fakeAPI, lang string, session string) Options {
	t.Helper()
	cl, err := client.New(client.Options{BaseURL: "https://fastcheck.store/api", Key: testKey(), SessionID: session,
		HTTPClient: &http.Client{Transport: f}, Retries: -1, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Client: cl, Renderer: plainRenderer(io.Discard), Lang: lang,
		Now: func() time.Time { return fixedNow }, Location: time.UTC,
		PingInterval: time.Hour, RefreshInterval: time.Hour,
	}
}

type httpRequest = http.Request

// withHeader is an answer body with extra headers.
type withHeader struct {
	h    http.Header
	body any
}

func (f *fakeAPI) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}
