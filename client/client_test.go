package client_test

// These tests run the client against the REAL reference server
// (servertest: real handlers, real SQLite ledger, loopback HTTP). Nothing
// here fakes our server; the few tiny httptest servers in junk_test.go
// stand for misbehaving servers and say so.

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

const demoBalance = 15000000 // each demo user's seeded balance (minor units)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// counter is an http.RoundTripper that counts requests by "METHOD path":
// sent when they go out, done when their answer has been read.
type counter struct {
	mu         sync.Mutex
	sent, done map[string]int
	next       http.RoundTripper
}

func newCounter() *counter {
	return &counter{sent: map[string]int{}, done: map[string]int{}, next: http.DefaultTransport.(*http.Transport).Clone()}
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	key := r.Method + " " + r.URL.Path
	c.mu.Lock()
	c.sent[key]++
	c.mu.Unlock()
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countedBody{ReadCloser: resp.Body, done: func() {
			c.mu.Lock()
			c.done[key]++
			c.mu.Unlock()
		}}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *countedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent[key]
}

func (c *counter) answered(key string) func() bool {
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.done[key] > 0
	}
}

func newClient(t *testing.T, baseURL string, key ed25519.PrivateKey, mod ...func(*client.Options)) *client.Client {
	t.Helper()
	o := client.Options{BaseURL: baseURL, Key: key}
	for _, m := range mod {
		m(&o)
	}
	c, err := client.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// login runs the whole QR login through the client API: a fresh terminal
// key creates a websession, the demo user's phone checks the fingerprint
// and approves it, and WaitForLogin sees the approval.
func login(t *testing.T, env *servertest.Env, baseURL, name string, mod ...func(*client.Options)) *client.Client {
	t.Helper()
	ctx := ctxT(t)
	c := newClient(t, baseURL, servertest.NewKey(t), mod...)
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatalf("create websession: %v", err)
	}
	phone := newClient(t, baseURL, servertest.Demo(t, name))
	pw, err := phone.PhoneWebsession(ctx, ws.SessionID)
	if err != nil {
		t.Fatalf("phone websession: %v", err)
	}
	if pw.Fingerprint != c.Fingerprint() {
		t.Fatalf("phone sees fingerprint %q, terminal shows %q", pw.Fingerprint, c.Fingerprint())
	}
	if _, err := phone.Approve(ctx, ws.SessionID, pw.Fingerprint); err != nil {
		t.Fatalf("approve: %v", err)
	}
	got, err := c.WaitForLogin(ctx, ws.SessionID)
	if err != nil || !got.Status {
		t.Fatalf("WaitForLogin = %+v, %v", got, err)
	}
	if c.Session() != ws.SessionID {
		t.Fatalf("session after login = %q, want %q", c.Session(), ws.SessionID)
	}
	return c
}

// approveWhen approves a login from another goroutine, as a phone would
// while the terminal waits: once ready() holds, and after a pause.
func approveWhen(ctx context.Context, phone *client.Client, id, fingerprint string, ready func() bool, after time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		for !ready() {
			if ctx.Err() != nil {
				done <- ctx.Err()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(after)
		_, err := phone.Approve(ctx, id, fingerprint)
		done <- err
	}()
	return done
}

func userID(k ed25519.PrivateKey) string { return api.UserID(k.Public().(ed25519.PublicKey)) }

func wantKind(t *testing.T, err error, k client.Kind) *client.Error {
	t.Helper()
	if !errors.Is(err, k) {
		t.Fatalf("error = %v, want kind %q", err, k)
	}
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *client.Error", err)
	}
	return e
}

func balanceIs(t *testing.T, c *client.Client, want int64) {
	t.Helper()
	b, err := c.Balance(ctxT(t))
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	if b.Balance != want || b.Currency != "RUB" {
		t.Fatalf("balance = %+v, want %d RUB", b, want)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	if err := newClient(t, env.URL, nil).Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// The base URL may carry a trailing slash.
	if err := newClient(t, env.URL+"/", nil).Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestLoginLongPollReturnsAtOnce(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	cnt := newCounter()
	c := newClient(t, env.URL, servertest.NewKey(t), func(o *client.Options) { o.HTTPClient = &http.Client{Transport: cnt} })
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Status || ws.State != api.StatePending || !api.ValidID(ws.SessionID) || ws.PollInterval <= 0 {
		t.Fatalf("new websession = %+v", ws)
	}
	if _, err := api.ParseTime(ws.Expires); err != nil {
		t.Fatalf("expires %q: %v", ws.Expires, err)
	}
	alice := servertest.Demo(t, "alice")
	// Approve while the long-poll is held.
	sent := func() bool { return cnt.get("GET /api/websession/"+ws.SessionID) > 0 }
	approved := approveWhen(ctx, newClient(t, env.URL, alice), ws.SessionID, c.Fingerprint(), sent, 300*time.Millisecond)
	start := time.Now()
	got, err := c.WaitForLogin(ctx, ws.SessionID)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if !got.Status || got.State != api.StateApproved || got.UserID != userID(alice) || !api.ValidID(got.UserSessionID) {
		t.Fatalf("approved websession = %+v", got)
	}
	// Plain polling would ask at least twice (the approval comes after the
	// first answer) and wait the 2 s interval; a long-poll answers as soon
	// as the phone approves, in one request. (The time bound is loose for
	// loaded machines; the request count is the proof.)
	if n := cnt.get("GET /api/websession/" + ws.SessionID); n != 1 || took > 5*time.Second {
		t.Fatalf("%d status requests in %v, want 1 long-poll answered at once", n, took)
	}
	if c.Session() != ws.SessionID {
		t.Fatalf("session = %q", c.Session())
	}
	balanceIs(t, c, demoBalance)
}

func TestLoginFallsBackToPollingWhenWaitIsIgnored(t *testing.T) {
	t.Parallel()
	// A long-poll cap of 1 ms makes the real server answer a pending
	// websession at once, as a server that ignores ?wait= would.
	env := servertest.Start(t, func(c *server.Config) { c.Limits.MaxLongPoll = time.Millisecond })
	ctx := ctxT(t)
	cnt := newCounter()
	c := newClient(t, env.URL, servertest.NewKey(t), func(o *client.Options) { o.HTTPClient = &http.Client{Transport: cnt} })
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Approve once the first (pending) answer is in.
	approved := approveWhen(ctx, newClient(t, env.URL, servertest.Demo(t, "bob")), ws.SessionID, c.Fingerprint(),
		cnt.answered("GET /api/websession/"+ws.SessionID), 0)
	start := time.Now()
	got, err := c.WaitForLogin(ctx, ws.SessionID)
	took := time.Since(start)
	if err != nil || !got.Status {
		t.Fatalf("WaitForLogin = %+v, %v", got, err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	// The server's interval is 2 s: the second poll, 2 s after the first,
	// sees the approval. A client that ignored the interval would spin.
	n := cnt.get("GET /api/websession/" + ws.SessionID)
	if took < 1500*time.Millisecond || took > 10*time.Second || n < 2 || n > 3 {
		t.Fatalf("WaitForLogin took %v with %d requests; want about one 2 s interval and 2 requests", took, n)
	}
}

func TestWaitForLoginExpires(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t, func(c *server.Config) { c.WebsessionTTL = 1500 * time.Millisecond })
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := c.WaitForLogin(ctxT(t), ws.SessionID)
	wantKind(t, err, client.ErrGone)
	if got.State != api.StateExpired || time.Since(start) > 10*time.Second {
		t.Fatalf("expired websession = %+v after %v", got, time.Since(start))
	}
	if c.Session() != "" {
		t.Fatalf("an expired login set the session %q", c.Session())
	}
	// The phone cannot approve it any more.
	_, err = newClient(t, env.URL, servertest.Demo(t, "alice")).Approve(ctxT(t), ws.SessionID, c.Fingerprint())
	wantKind(t, err, client.ErrGone)
}

func TestWebsessionLifecycle(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Websession(ctx, ws.SessionID, 0)
	if err != nil || st.Status || st.State != api.StatePending {
		t.Fatalf("status = %+v, %v", st, err)
	}
	// A session id read off the screen is worthless without the key.
	thief := newClient(t, env.URL, servertest.NewKey(t))
	_, err = thief.Websession(ctx, ws.SessionID, 0)
	wantKind(t, err, client.ErrNotLoggedIn)

	aliceKey := servertest.Demo(t, "alice")
	phone := newClient(t, env.URL, aliceKey)
	pw, err := phone.PhoneWebsession(ctx, ws.SessionID)
	if err != nil || pw.State != api.StatePending || pw.ClientIP != "127.0.0.1" || pw.SessionID != ws.SessionID {
		t.Fatalf("phone view = %+v, %v", pw, err)
	}
	// A fingerprint other than the one shown is refused.
	_, err = phone.Approve(ctx, ws.SessionID, thief.Fingerprint())
	wantKind(t, err, client.ErrConflict)
	res, err := phone.Approve(ctx, ws.SessionID, strings.ToLower(strings.ReplaceAll(pw.Fingerprint, " ", "")))
	if err != nil || res.Message != "ok" || res.UserID != userID(aliceKey) {
		t.Fatalf("approve = %+v, %v", res, err)
	}
	// Approval is single-use.
	_, err = phone.Approve(ctx, ws.SessionID, pw.Fingerprint)
	wantKind(t, err, client.ErrConflict)

	st, err = c.Websession(ctx, ws.SessionID, 5*time.Second) // approved: answers at once
	if err != nil || !st.Status || st.UserID != userID(aliceKey) {
		t.Fatalf("status after approval = %+v, %v", st, err)
	}
	c.SetSession(ws.SessionID)
	balanceIs(t, c, demoBalance)

	// Logout.
	if err := c.DeleteWebsession(ctx, ws.SessionID); err != nil {
		t.Fatal(err)
	}
	if c.Session() != "" {
		t.Fatalf("session after logout = %q", c.Session())
	}
	_, err = c.Balance(ctx)
	wantKind(t, err, client.ErrNotLoggedIn) // refused locally: no session
	c.SetSession(ws.SessionID)
	_, err = c.Balance(ctx)
	if e := wantKind(t, err, client.ErrNotLoggedIn); e.Status != 401 || !strings.HasPrefix(e.Message, "not authorized") {
		t.Fatalf("balance after logout = %+v", e)
	}
	_, err = c.Websession(ctx, ws.SessionID, 0)
	wantKind(t, err, client.ErrNotFound)
	err = c.DeleteWebsession(ctx, ws.SessionID)
	wantKind(t, err, client.ErrNotFound)
	_, err = phone.PhoneWebsession(ctx, api.NewID())
	wantKind(t, err, client.ErrNotFound)
}

func TestMoneyFlow(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	alice := login(t, env, env.URL, "alice")
	bob := login(t, env, env.URL, "bob")
	public := newClient(t, env.URL, nil)

	ch, err := alice.CreateCheck(ctx, 158000, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	if !api.ValidCheckNumber(ch.Fastcheck) || !api.ValidCheckCode(ch.Code) || !ch.Status || ch.Amount != 158000 {
		t.Fatalf("created = %+v", ch)
	}
	balanceIs(t, alice, demoBalance-158000)
	active, err := alice.ActiveChecks(ctx)
	if err != nil || len(active) != 1 || active[0].Fastcheck != ch.Fastcheck || active[0].Code != ch.Code ||
		active[0].Amount != 158000 || active[0].Status != api.CheckActive {
		t.Fatalf("active = %+v, %v", active, err)
	}
	// Anyone can look a check up; the number may be typed loosely.
	st, err := public.CheckStatus(ctx, strings.ReplaceAll(ch.Fastcheck, "-", " "))
	if err != nil || !st.Status || st.Fastcheck != ch.Fastcheck || st.Amount != 158000 || st.Expiration != ch.Expiration {
		t.Fatalf("status = %+v, %v", st, err)
	}

	acc, err := bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	if err != nil || acc.Message != "ok" || acc.Amount != 158000 || acc.Balance == nil || *acc.Balance != demoBalance+158000 {
		t.Fatalf("accept = %+v, %v", acc, err)
	}
	balanceIs(t, bob, demoBalance+158000)
	balanceIs(t, alice, demoBalance-158000)
	if active, err := alice.ActiveChecks(ctx); err != nil || len(active) != 0 {
		t.Fatalf("active after accept = %+v, %v", active, err)
	}
	ah, err := alice.History(ctx)
	if err != nil || len(ah) != 1 || ah[0].Type != api.TypeCreated || ah[0].Status != api.CheckUsed || ah[0].UsedAt == "" {
		t.Fatalf("alice history = %+v, %v", ah, err)
	}
	bh, err := bob.History(ctx)
	if err != nil || len(bh) != 1 || bh[0].Type != api.TypeAccepted || bh[0].AcceptedAt == "" || bh[0].Fastcheck != ch.Fastcheck {
		t.Fatalf("bob history = %+v, %v", bh, err)
	}
	st, err = public.CheckStatus(ctx, ch.Fastcheck)
	if err != nil || st.Status || st.State != api.CheckUsed {
		t.Fatalf("status after use = %+v, %v", st, err)
	}

	// Used checks are gone; a second accept moves nothing.
	_, err = bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	wantKind(t, err, client.ErrGone)

	// Refusals map to their kinds.
	_, err = alice.CreateCheck(ctx, demoBalance, "RUB")
	wantKind(t, err, client.ErrInsufficientFunds)
	_, err = alice.CreateCheck(ctx, 100, "USD")
	wantKind(t, err, client.ErrBadRequest)
	_, err = alice.CreateCheck(ctx, 0, "RUB")
	wantKind(t, err, client.ErrBadRequest)
	own, err := alice.CreateCheck(ctx, 100, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	_, err = alice.AcceptCheck(ctx, own.Fastcheck, own.Code)
	wantKind(t, err, client.ErrConflict)
	_, err = public.CheckStatus(ctx, "0000-0000-0000")
	wantKind(t, err, client.ErrNotFound)
	_, err = public.CheckStatus(ctx, "12-34")
	wantKind(t, err, client.ErrBadRequest)

	// Two logical calls are two checks: the idempotency key is per call.
	if _, err := bob.CreateCheck(ctx, 10, "RUB"); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.CreateCheck(ctx, 10, "RUB"); err != nil {
		t.Fatal(err)
	}
	if active, err := bob.ActiveChecks(ctx); err != nil || len(active) != 2 {
		t.Fatalf("bob active = %+v, %v", active, err)
	}
	balanceIs(t, bob, demoBalance+158000-20)
	servertest.RequireAudit(t, env)
}

func TestWrongCodesLockTheCheck(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	alice := login(t, env, env.URL, "alice")
	bob := login(t, env, env.URL, "bob")
	ch, err := alice.CreateCheck(ctx, 5000, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "0000"
	if ch.Code == wrong {
		wrong = "1111"
	}
	// An unknown check answers exactly like a wrong code.
	_, err = bob.AcceptCheck(ctx, "0000-0000-0001", wrong)
	if e := wantKind(t, err, client.ErrNotFoundOrWrongCode); e.Status != 404 || e.Message != "not authorized" {
		t.Fatalf("unknown check = %+v", e)
	}
	if errors.Is(err, client.ErrNotFound) {
		t.Fatal("a 404 on accept must not read as a plain ErrNotFound")
	}
	for i := 1; i <= 5; i++ {
		_, err = bob.AcceptCheck(ctx, ch.Fastcheck, wrong)
		wantKind(t, err, client.ErrNotFoundOrWrongCode)
	}
	// Locked now: even the right code is refused.
	_, err = bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	if e := wantKind(t, err, client.ErrLocked); e.Status != 423 || e.Message == "" {
		t.Fatalf("locked = %+v", e)
	}
	active, err := alice.ActiveChecks(ctx)
	if err != nil || len(active) != 1 || !active[0].Locked {
		t.Fatalf("active = %+v, %v", active, err)
	}
	// The creator gets the money back.
	res, err := alice.CancelCheck(ctx, ch.Fastcheck)
	if err != nil || res.Balance != demoBalance || res.Amount != 5000 {
		t.Fatalf("cancel locked = %+v, %v", res, err)
	}
	balanceIs(t, bob, demoBalance)
	servertest.RequireAudit(t, env)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	alice := login(t, env, env.URL, "alice")
	bob := login(t, env, env.URL, "bob")
	ch, err := alice.CreateCheck(ctx, 7000, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bob.CancelCheck(ctx, ch.Fastcheck)
	wantKind(t, err, client.ErrForbidden)
	res, err := alice.CancelCheck(ctx, ch.Fastcheck)
	if err != nil || res.Message != "ok" || res.Fastcheck != ch.Fastcheck || res.Amount != 7000 || res.Balance != demoBalance {
		t.Fatalf("cancel = %+v, %v", res, err)
	}
	balanceIs(t, alice, demoBalance)
	_, err = alice.CancelCheck(ctx, ch.Fastcheck)
	wantKind(t, err, client.ErrGone)
	_, err = bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	wantKind(t, err, client.ErrGone)
	_, err = alice.CancelCheck(ctx, "not a number")
	wantKind(t, err, client.ErrBadRequest)
	h, err := alice.History(ctx)
	if err != nil || len(h) != 1 || h[0].Status != api.CheckCancelled {
		t.Fatalf("history = %+v, %v", h, err)
	}
}

func TestClockSkewIsCorrectedOnce(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, func(c *server.Config) {
				c.Now = func() time.Time { return time.Now().Add(skew) }
			})
			ctx := ctxT(t)
			cnt := newCounter()
			c := newClient(t, env.URL, servertest.NewKey(t), func(o *client.Options) { o.HTTPClient = &http.Client{Transport: cnt} })
			ws, err := c.CreateWebsession(ctx)
			if err != nil {
				t.Fatalf("create websession with a skewed clock: %v", err)
			}
			if n := cnt.get("GET /api/websession"); n != 2 {
				t.Fatalf("%d requests, want the refused one and one re-signed retry", n)
			}
			if d := c.ClockOffset() - skew; d < -time.Second || d > 3*time.Second {
				t.Fatalf("learned offset %v, server is off by %v", c.ClockOffset(), skew)
			}
			// The phone corrects its own clock, and the offset sticks: no
			// more refusals after the first.
			phone := newClient(t, env.URL, servertest.Demo(t, "alice"))
			if _, err := phone.Approve(ctx, ws.SessionID, c.Fingerprint()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.WaitForLogin(ctx, ws.SessionID); err != nil {
				t.Fatal(err)
			}
			balanceIs(t, c, demoBalance)
			if n := cnt.get("GET /api/websession/" + ws.SessionID); n != 1 {
				t.Fatalf("%d status requests after the offset was learned, want 1", n)
			}
		})
	}
}

func TestClockSkewWithoutRetries(t *testing.T) {
	t.Parallel()
	// The skew correction is not a transient retry: it happens even with
	// retries switched off, and only once.
	env := servertest.Start(t)
	env.Clock.Advance(5 * time.Minute)
	c := newClient(t, env.URL, servertest.NewKey(t), func(o *client.Options) { o.Retries = -1 })
	if _, err := c.CreateWebsession(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// A client whose clock jumps after it learned the offset is refused
	// once, relearns, and succeeds.
	var jump atomic.Int64
	c2 := newClient(t, env.URL, servertest.NewKey(t), func(o *client.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(jump.Load())) }
	})
	if _, err := c2.CreateWebsession(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	jump.Store(int64(time.Hour))
	if _, err := c2.CreateWebsession(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t, func(c *server.Config) { c.Limits.StatusPerMinute = 1 })
	c := newClient(t, env.URL, nil)
	if _, err := c.CheckStatus(ctxT(t), "0000-0000-0000"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("first look-up: %v", err)
	}
	start := time.Now()
	_, err := c.CheckStatus(ctxT(t), "0000-0000-0000")
	e := wantKind(t, err, client.ErrRateLimited)
	// The server asks for about a minute: far beyond what a call waits for
	// on its own, so it returns at once and says when to come back.
	if e.Status != 429 || e.RetryAfter < 30*time.Second || time.Since(start) > 3*time.Second {
		t.Fatalf("rate limited = %+v after %v", e, time.Since(start))
	}
}

func TestApproveURLRoundTrip(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	u := c.ApproveURL(ws.SessionID)
	base, id, err := client.ParseApproveTarget(u)
	if err != nil || base != env.URL || id != ws.SessionID {
		t.Fatalf("ParseApproveTarget(%q) = %q, %q, %v", u, base, id, err)
	}
	// The URL is a real page of the server (a phone may open it).
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The phone approves with a client built from what it scanned.
	phone := newClient(t, base, servertest.Demo(t, "bob"))
	pw, err := phone.PhoneWebsession(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := phone.Approve(ctxT(t), id, pw.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForLogin(ctxT(t), ws.SessionID); err != nil {
		t.Fatal(err)
	}
}

// TestLoginURLFromPublicURL: a server with a public URL announces the
// approve address in the websession it creates, and the login QR carries
// it (a phone on the LAN cannot reach the loopback address the client
// uses); the client's own ApproveBase wins over it, and an announced URL
// that is not this session's approve page over http(s) is ignored.
func TestLoginURLFromPublicURL(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t, func(c *server.Config) { c.PublicURL = "http://192.168.1.20:8080/" })
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := "http://192.168.1.20:8080/approve/" + ws.SessionID
	if ws.ApproveURL != want || c.LoginURL(ws) != want {
		t.Fatalf("approveUrl %q, LoginURL %q, want %q", ws.ApproveURL, c.LoginURL(ws), want)
	}
	own, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t), ApproveBase: "http://127.0.0.1:9/x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := own.LoginURL(ws); got != "http://127.0.0.1:9/x/approve/"+ws.SessionID {
		t.Fatalf("with ApproveBase, LoginURL = %q", got)
	}
	fallback := c.ApproveURL(ws.SessionID)
	for _, bad := range []string{
		"javascript:alert(1)//approve/" + ws.SessionID,
		"ftp://host/approve/" + ws.SessionID,
		"http:///approve/" + ws.SessionID,
		"http://user:pw@host/approve/" + ws.SessionID,
		"http://host/approve/OTHERSESSION",
		"http://host/approve/" + ws.SessionID + "?x=1",
		"http://host/approve/" + ws.SessionID + "#f",
		"http://host/\x1b[2J/approve/" + ws.SessionID,
		"http://host/" + strings.Repeat("a", 3000) + "/approve/" + ws.SessionID,
		"%zz",
	} {
		w := ws
		w.ApproveURL = bad
		if got := c.LoginURL(w); got != fallback {
			t.Errorf("announced %q: LoginURL = %q, want the client's own %q", bad, got, fallback)
		}
	}
	// Without a public URL nothing is announced.
	plain := servertest.Start(t)
	pc := newClient(t, plain.URL, servertest.NewKey(t))
	pws, err := pc.CreateWebsession(ctxT(t))
	if err != nil || pws.ApproveURL != "" || pc.LoginURL(pws) != pc.ApproveURL(pws.SessionID) {
		t.Fatalf("without a public URL: %+v, %v", pws, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	alice := login(t, env, env.URL, "alice")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := alice.Balance(ctxT(t))
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := alice.CreateCheck(ctxT(t), 1, "RUB")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	balanceIs(t, alice, demoBalance-8)
}

func TestContextDeadline(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// A long-poll that would hold 25 s ends with the caller's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Websession(ctx, ws.SessionID, 25*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("long-poll with a 300 ms deadline: %v after %v", err, time.Since(start))
	}
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.WaitForLogin(ctx, ws.SessionID)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("WaitForLogin with a 300 ms deadline: %v after %v", err, time.Since(start))
	}
	// A cancelled context sends nothing.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := c.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("ping with a cancelled context: %v", err)
	}
}

// When the server's clock steps backward after it started (an NTP step, a
// VM restore), signed requests must still get through: the server's
// replay fence against signatures made before its start is kept in the
// current clock's frame (server/auth.go).
func TestServerClockSteppingBackDoesNotLockEveryoneOut(t *testing.T) {
	env := servertest.Start(t)
	env.Clock.Advance(-5 * time.Minute)
	c := newClient(t, env.URL, servertest.NewKey(t))
	if _, err := c.CreateWebsession(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
