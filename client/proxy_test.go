package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/server/servertest"
)

// flakyProxy is a loopback TCP proxy in front of the real server that
// breaks connections on demand:
//   - kill: close the next N accepted connections before reading anything
//     (the request never reaches the server);
//   - cut: on the next N responses, let the request through, wait until the
//     server starts answering (so it has committed), then close both sides
//     without forwarding a byte of the answer.
type flakyProxy struct {
	t        *testing.T
	ln       net.Listener
	upstream string
	kill     atomic.Int32
	cut      atomic.Int32
	accepted atomic.Int32
	killed   atomic.Int32
	cuts     atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newFlakyProxy(t *testing.T, env *servertest.Env) *flakyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(env.Root)
	p := &flakyProxy{t: t, ln: ln, upstream: u.Host}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// URL is the API base through the proxy.
func (p *flakyProxy) URL() string { return "http://" + p.ln.Addr().String() + "/api" }

// take decrements n if it is positive and reports whether it did.
func take(n *atomic.Int32) bool {
	for {
		v := n.Load()
		if v <= 0 {
			return false
		}
		if n.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

func (p *flakyProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *flakyProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		if take(&p.kill) {
			p.killed.Add(1)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, like a crashing middlebox
			}
			c.Close()
			continue
		}
		p.track(c)
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *flakyProxy) handle(c net.Conn) {
	defer p.wg.Done()
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		c.Close()
		return
	}
	p.track(up)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		io.Copy(up, c)
		up.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			if take(&p.cut) {
				// The server has answered: it committed. The client
				// never sees a byte of it.
				p.cuts.Add(1)
				c.Close()
				up.Close()
				return
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				up.Close()
				return
			}
		}
		if err != nil {
			c.Close()
			return
		}
	}
}

func TestRetriesWhenConnectionsAreKilled(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	p := newFlakyProxy(t, env)
	// No keep-alive, so that every attempt is a new connection.
	c := newClient(t, p.URL(), nil, func(o *client.Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	p.kill.Store(2)
	if err := c.Ping(ctxT(t)); err != nil {
		t.Fatalf("ping through two killed connections: %v", err)
	}
	if p.killed.Load() != 2 || p.accepted.Load() != 3 {
		t.Fatalf("killed %d of %d connections, want 2 of 3", p.killed.Load(), p.accepted.Load())
	}
	// More failures than retries: ErrUnavailable, carrying the network
	// error, after 1 + 3 attempts and well under the backoff cap.
	p.kill.Store(100)
	before := p.accepted.Load()
	start := time.Now()
	err := c.Ping(ctxT(t))
	e := wantKind(t, err, client.ErrUnavailable)
	if e.Status != 0 || e.Message == "" || errors.Unwrap(e) == nil {
		t.Fatalf("unavailable = %+v", e)
	}
	if n := p.accepted.Load() - before; n != 4 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d attempts in %v, want 4", n, time.Since(start))
	}
	p.kill.Store(0)
}

func TestCreateCheckIsNotDuplicatedWhenTheAnswerIsLost(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	p := newFlakyProxy(t, env)
	ctx := ctxT(t)
	alice := login(t, env, p.URL(), "alice")
	bob := login(t, env, p.URL(), "bob")

	// The create reaches the server and commits; its answer is cut twice.
	p.cut.Store(2)
	ch, err := alice.CreateCheck(ctx, 4200, "RUB")
	if err != nil {
		t.Fatalf("create through lost answers: %v", err)
	}
	if p.cuts.Load() != 2 {
		t.Fatalf("the proxy cut %d answers, want 2", p.cuts.Load())
	}
	active, err := alice.ActiveChecks(ctx)
	if err != nil || len(active) != 1 || active[0].Fastcheck != ch.Fastcheck || active[0].Code != ch.Code {
		t.Fatalf("active after retried create = %+v, %v; want exactly the one check %s", active, err, ch.Fastcheck)
	}
	balanceIs(t, alice, demoBalance-4200)

	// Same for accept: bob is credited once.
	p.cut.Store(1)
	acc, err := bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	if err != nil || acc.Balance == nil || *acc.Balance != demoBalance+4200 {
		t.Fatalf("accept through a lost answer = %+v, %v", acc, err)
	}
	balanceIs(t, bob, demoBalance+4200)

	// And for cancel: the money comes back once.
	ch2, err := alice.CreateCheck(ctx, 300, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	p.cut.Store(1)
	res, err := alice.CancelCheck(ctx, ch2.Fastcheck)
	if err != nil || res.Balance != demoBalance-4200 {
		t.Fatalf("cancel through a lost answer = %+v, %v", res, err)
	}
	balanceIs(t, alice, demoBalance-4200)

	// A lost answer to a read, possibly on a reused connection, is
	// retried with a fresh signature.
	p.cut.Store(1)
	balanceIs(t, alice, demoBalance-4200)

	// A lost logout answer: the retry finds it gone, which is success.
	p.cut.Store(1)
	if err := bob.DeleteWebsession(ctx, bob.Session()); err != nil {
		t.Fatalf("logout through a lost answer: %v", err)
	}
	if p.cuts.Load() != 6 {
		t.Fatalf("the proxy cut %d answers, want 6", p.cuts.Load())
	}
	servertest.RequireAudit(t, env)
}

func TestApproveIsNotRetriedWhenTheAnswerIsLost(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	p := newFlakyProxy(t, env)
	ctx := ctxT(t)
	c := newClient(t, env.URL, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	phone := newClient(t, p.URL(), servertest.Demo(t, "alice"))
	p.cut.Store(1)
	// Approval has no idempotency key; a blind retry would answer 409 and
	// hide that the first try worked. The client reports the lost answer.
	_, err = phone.Approve(ctx, ws.SessionID, c.Fingerprint())
	wantKind(t, err, client.ErrUnavailable)
	if got, err := c.WaitForLogin(ctx, ws.SessionID); err != nil || !got.Status {
		t.Fatalf("the first approve did commit: %+v, %v", got, err)
	}
}

// middlebox is an HTTP reverse proxy in front of the real server whose
// handler decides, request by request, to forward or to answer itself.
// It stands for a load balancer or gateway, not for our server.
func middlebox(t *testing.T, env *servertest.Env, h func(n int, w http.ResponseWriter, r *http.Request, forward http.Handler)) string {
	t.Helper()
	u, _ := url.Parse(env.Root)
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host the client signed
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(int(n.Add(1)), w, r, rp)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/api"
}

// swallow forwards the request to the server but replaces its answer.
func swallow(w http.ResponseWriter, r *http.Request, forward http.Handler, status int) {
	rec := httptest.NewRecorder()
	forward.ServeHTTP(rec, r)
	w.WriteHeader(status)
	io.WriteString(w, "<html>bad gateway</html>")
}

func TestServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	var created atomic.Int32
	base := middlebox(t, env, func(n int, w http.ResponseWriter, r *http.Request, forward http.Handler) {
		if r.Method == "POST" && r.URL.Path == "/api/fastcheck" {
			if k := created.Add(1); k <= 2 {
				// The server commits; the gateway answers 502, then 500.
				swallow(w, r, forward, []int{502, 500}[k-1])
				return
			}
		}
		forward.ServeHTTP(w, r)
	})
	alice := login(t, env, base, "alice")
	ch, err := alice.CreateCheck(ctx, 999, "RUB")
	if err != nil {
		t.Fatalf("create through 502 and 500: %v", err)
	}
	if created.Load() != 3 {
		t.Fatalf("%d create attempts, want 3", created.Load())
	}
	active, err := alice.ActiveChecks(ctx)
	if err != nil || len(active) != 1 || active[0].Fastcheck != ch.Fastcheck {
		t.Fatalf("active = %+v, %v; want one check", active, err)
	}
	balanceIs(t, alice, demoBalance-999)
}

func TestSafeCallsRetryOnlyTransientStatuses(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	var pings atomic.Int32
	var fail atomic.Int32 // the status to answer, 0 to forward
	base := middlebox(t, env, func(n int, w http.ResponseWriter, r *http.Request, forward http.Handler) {
		if strings.HasSuffix(r.URL.Path, "/ping") {
			pings.Add(1)
			if s := fail.Load(); s != 0 {
				fail.Store(0)
				if s == 429 {
					w.Header().Set("Retry-After", "1")
				}
				w.WriteHeader(int(s))
				io.WriteString(w, `{"message":"try later"}`)
				return
			}
		}
		forward.ServeHTTP(w, r)
	})
	c := newClient(t, base, nil)
	for _, status := range []int32{502, 503, 504} {
		pings.Store(0)
		fail.Store(status)
		if err := c.Ping(ctxT(t)); err != nil || pings.Load() != 2 {
			t.Fatalf("ping through one %d: %v after %d requests", status, err, pings.Load())
		}
	}
	// 429 with Retry-After: 1 is honored.
	pings.Store(0)
	fail.Store(429)
	start := time.Now()
	if err := c.Ping(ctxT(t)); err != nil || pings.Load() != 2 || time.Since(start) < time.Second {
		t.Fatalf("ping through a 429: %v after %d requests in %v", err, pings.Load(), time.Since(start))
	}
	// A 500 on a read is not transient: no retry.
	pings.Store(0)
	fail.Store(500)
	err := c.Ping(ctxT(t))
	if e := wantKind(t, err, client.ErrUnavailable); e.Status != 500 || e.Message != "try later" || pings.Load() != 1 {
		t.Fatalf("ping through a 500: %+v after %d requests", e, pings.Load())
	}
}

func TestRetriesStopAtTheDeadline(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	var n atomic.Int32
	base := middlebox(t, env, func(_ int, w http.ResponseWriter, r *http.Request, forward http.Handler) {
		n.Add(1)
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(503)
	})
	c := newClient(t, base, nil, func(o *client.Options) { o.Retries = 10 })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Ping(ctx)
	// Waiting 2 s would only end in the deadline: the call returns the 503
	// at once instead.
	if e := wantKind(t, err, client.ErrUnavailable); e.Status != 503 || e.RetryAfter != 2*time.Second || n.Load() != 1 || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("503 with a short deadline: %+v after %d requests in %v", e, n.Load(), time.Since(start))
	}
}

func TestHangingServerHonorsDeadline(t *testing.T) {
	t.Parallel()
	// A peer that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); io.Copy(io.Discard, c) }()
		}
	}()
	c := newClient(t, "http://"+ln.Addr().String()+"/api", servertest.NewKey(t))
	c.SetSession(api.NewID())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.CreateCheck(ctx, 100, "RUB")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("create against a silent server: %v after %v", err, time.Since(start))
	}
	ln.Close()
}

func TestLoginPollsWhenWaitIsRefused(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := ctxT(t)
	var waits, polls, answered atomic.Int32
	// A gateway in front of the real server that refuses the long-poll
	// extension, as a strict server speaking only the documents might.
	base := middlebox(t, env, func(_ int, w http.ResponseWriter, r *http.Request, forward http.Handler) {
		if strings.HasPrefix(r.URL.Path, "/api/websession/") {
			if r.URL.Query().Has("wait") {
				waits.Add(1)
				w.WriteHeader(400)
				io.WriteString(w, `{"message": "unknown parameter wait"}`)
				return
			}
			polls.Add(1)
			forward.ServeHTTP(w, r)
			answered.Add(1)
			return
		}
		forward.ServeHTTP(w, r)
	})
	c := newClient(t, base, servertest.NewKey(t))
	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Approve once the first plain poll has been answered (pending).
	approved := approveWhen(ctx, newClient(t, env.URL, servertest.Demo(t, "alice")), ws.SessionID, c.Fingerprint(),
		func() bool { return answered.Load() > 0 }, 0)
	got, err := c.WaitForLogin(ctx, ws.SessionID)
	if err != nil || !got.Status {
		t.Fatalf("WaitForLogin = %+v, %v", got, err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if waits.Load() != 1 || polls.Load() != 2 {
		t.Fatalf("%d long-polls and %d polls; want 1 refused long-poll, then polls at the server's 2 s interval", waits.Load(), polls.Load())
	}
}

func TestLostWrongCodeAnswerCountsOnce(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	p := newFlakyProxy(t, env)
	ctx := ctxT(t)
	alice := login(t, env, env.URL, "alice")
	bob := login(t, env, p.URL(), "bob")
	ch, err := alice.CreateCheck(ctx, 100, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "0000"
	if ch.Code == wrong {
		wrong = "1111"
	}
	// The first wrong guess reaches the server, its 404 is lost, and the
	// retry (same Idempotency-Key) gets the recorded 404 back instead of
	// spending a second of the check's five tries.
	p.cut.Store(1)
	_, err = bob.AcceptCheck(ctx, ch.Fastcheck, wrong)
	wantKind(t, err, client.ErrNotFoundOrWrongCode)
	if p.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d answers, want 1", p.cuts.Load())
	}
	for i := 2; i <= 5; i++ {
		_, err = bob.AcceptCheck(ctx, ch.Fastcheck, wrong)
		wantKind(t, err, client.ErrNotFoundOrWrongCode)
	}
	_, err = bob.AcceptCheck(ctx, ch.Fastcheck, ch.Code)
	wantKind(t, err, client.ErrLocked)
}
