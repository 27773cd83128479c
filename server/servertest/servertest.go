// Package servertest starts the real reference server on a loopback port
// with a real SQLite ledger in a temporary directory, for tests of every
// package that talks to it. Nothing here is a fake.
package servertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/ledger"
	"fastcheck/ledger/postgres"
	"fastcheck/ledger/postgres/pgtest"
	"fastcheck/ledger/sqlite"
	"fastcheck/server"
)

// Env is a running server.
type Env struct {
	URL    string // base URL including the /api base path
	Root   string // base URL without it
	Server *server.Server
	Store  ledger.Store
	Clock  *Clock
	HTTP   *httptest.Server
	Pay    *Payments // set by StartPayments

	wrap func(http.Handler) http.Handler
}

// Clock is a settable clock; it follows real time plus an offset.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Option changes the server's config before it starts.
type Option func(*server.Config)

// WithStore runs the server on st instead of a fresh SQLite file; the
// server's end closes it.
func WithStore(st ledger.Store) Option {
	return func(c *server.Config) { c.Store = st }
}

// Postgres opens a ledger on a throwaway PostgreSQL database (see
// scripts/with-services; the test skips without one), for WithStore.
func Postgres(t testing.TB) ledger.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.FreshDB(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Backend is a ledger a test can run on.
type Backend struct {
	Name string
	Open func(t testing.TB) ledger.Store
}

// Backends are SQLite (a temporary file) and PostgreSQL (a throwaway
// database; its tests skip without one). A test that runs on each passes
// WithStore(b.Open(t)).
var Backends = []Backend{
	{"sqlite", func(t testing.TB) ledger.Store {
		t.Helper()
		st, err := sqlite.Open(filepath.Join(t.TempDir(), "fastcheck.db"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
	{"postgres", Postgres},
}

// Start runs a server until the test ends. The demo users are seeded.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return start(t, nil, opts)
}

// start runs a server; setup, if set, completes the config once the
// server's root URL is known (before it serves).
func start(t testing.TB, setup func(env *Env, cfg *server.Config), opts []Option) *Env {
	t.Helper()
	clock := &Clock{}
	cfg := server.Config{BasePath: "/api", Now: clock.Now, SweepInterval: 100 * time.Millisecond,
		// Tests log in many times from one address; the tests of the
		// limits themselves set their own.
		Limits: server.Limits{StatusPerMinute: 6000, WebsessionsPerMinute: 6000, ApprovalsPerMinute: 6000, StaffReadsPerMinute: 6000}}
	hs := httptest.NewUnstartedServer(nil)
	root := "http://" + hs.Listener.Addr().String()
	env := &Env{URL: root + "/api", Root: root, Clock: clock, HTTP: hs}
	if setup != nil {
		setup(env, &cfg)
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Store == nil {
		cfg.Store = Backends[0].Open(t)
	}
	st := cfg.Store
	env.Store = st
	srv, err := server.New(cfg)
	if err != nil {
		hs.Listener.Close()
		st.Close()
		t.Fatal(err)
	}
	if _, err := server.SeedDemo(context.Background(), st, clock.Now()); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	hs.Config.Handler = srv.Handler()
	if env.wrap != nil {
		hs.Config.Handler = env.wrap(hs.Config.Handler)
	}
	hs.Start()
	env.Server = srv
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		st.Close()
	})
	return env
}

// Caller signs raw requests, for tests that need full control of what goes
// on the wire. Real clients use package client.
type Caller struct {
	Env       *Env
	Key       ed25519.PrivateKey
	SessionID string // sent as Authorization when set
	UserID    string // the phone identity that approved the session
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Message is the body's "message".
func (r *Response) Message() string {
	var m api.Message
	json.Unmarshal(r.Body, &m)
	return m.Message
}

// NewKey makes a fresh Ed25519 key.
func NewKey(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Build makes a signed request. withKey adds Fastcheck-Key.
func (c *Caller) Build(t testing.TB, method, path string, body []byte, withKey bool, hdr map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, c.Env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.SessionID != "" {
		req.Header.Set("Authorization", `{"sessionID": "`+c.SessionID+`"}`)
	}
	if withKey {
		req.Header.Set(api.HeaderPublicKey, api.UserID(c.Key.Public().(ed25519.PublicKey)))
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	api.Sign(req, body, c.Key, c.Env.Clock.Now())
	return req
}

// httpClient keeps enough idle connections for concurrent tests and
// benchmarks.
var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 60 * time.Second}

// Send sends a request and reads the answer.
func Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Do builds, signs and sends.
func (c *Caller) Do(t testing.TB, method, path string, body []byte) *Response {
	t.Helper()
	return Send(t, c.Build(t, method, path, body, false, nil))
}

// Login runs the whole QR login: a fresh client key creates a websession
// and the given phone key approves it. It returns the logged-in caller.
func (e *Env) Login(t testing.TB, phone ed25519.PrivateKey) *Caller {
	t.Helper()
	c := &Caller{Env: e, Key: NewKey(t)}
	r := Send(t, c.Build(t, "GET", "/websession", nil, true, nil))
	if r.Status != 200 {
		t.Fatalf("create websession: %d %s", r.Status, r.Body)
	}
	var ws api.Websession
	r.JSON(t, &ws)
	e.Approve(t, phone, ws.SessionID, api.Fingerprint(c.Key.Public().(ed25519.PublicKey)))
	c.SessionID = ws.SessionID
	c.UserID = api.UserID(phone.Public().(ed25519.PublicKey))
	return c
}

// Approve approves a websession as the phone with the given key.
func (e *Env) Approve(t testing.TB, phone ed25519.PrivateKey, sessionID, fingerprint string) {
	t.Helper()
	p := &Caller{Env: e, Key: phone}
	body, _ := json.Marshal(api.ApproveRequest{SessionID: sessionID, Fingerprint: fingerprint})
	r := Send(t, p.Build(t, "POST", "/phone/approve", body, true, nil))
	if r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
}

// Demo returns a demo user's phone key ("alice", "bob").
func Demo(t testing.TB, name string) ed25519.PrivateKey {
	t.Helper()
	u, ok := assets.FindDemoUser(name)
	if !ok {
		t.Fatalf("no demo user %q", name)
	}
	return u.PhoneKey()
}

// Fund opens and funds an account for a fresh phone identity and returns
// its key.
func (e *Env) Fund(t testing.TB, amount int64) ed25519.PrivateKey {
	t.Helper()
	k := NewKey(t)
	id := api.UserID(k.Public().(ed25519.PublicKey))
	ctx := context.Background()
	if _, err := e.Store.OpenAccount(ctx, id, "RUB", e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if amount > 0 {
		if _, err := e.Store.Deposit(ctx, ledger.Deposit{UserID: id, Amount: amount, Currency: "RUB",
			Source: ledger.ExternalDemoSeed, Ref: "test:" + api.NewID(), Now: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// RequireAudit fails the test if any ledger invariant is violated.
func RequireAudit(t testing.TB, e *Env) {
	t.Helper()
	rep, err := e.Store.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("ledger audit found violations:\n%s", strings.Join(rep.Violations, "\n"))
	}
}
