package ledgertest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

// RunShared runs the conformance suite of ledger.Shared: nonces used
// once (also under concurrent use), their reuse once they end, token
// buckets that hand out exactly burst tokens at once and refill, and
// the purge. open must return a new, empty store; RunShared closes it.
func RunShared(t *testing.T, open func(t *testing.T) ledger.Store) {
	for _, tc := range []struct {
		name string
		fn   func(e *env)
	}{
		{"Nonces", testNonces},
		{"TokenBuckets", testTokenBuckets},
		{"SessionNonce", testSessionNonce},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(newEnv(t, s))
		})
	}
}

func testNonces(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	use := func(key string, until time.Time) bool {
		t.Helper()
		fresh, err := s.UseNonce(ctx, key, until, e.now())
		must(t, "UseNonce", err)
		return fresh
	}
	until := e.now().Add(70 * time.Second)
	if !use("k1/n1", until) {
		t.Fatal("a new nonce was refused")
	}
	if use("k1/n1", until) {
		t.Fatal("a used nonce was accepted again")
	}
	if !use("k2/n1", until) {
		t.Fatal("another key's nonce was refused")
	}
	for _, bad := range []string{"", string(make([]byte, 300))} {
		if _, err := s.UseNonce(ctx, bad, until, e.now()); err == nil {
			t.Fatalf("UseNonce accepted a key of %d bytes", len(bad))
		}
	}
	if _, err := s.UseNonce(ctx, "k3", until, time.Time{}); err == nil {
		t.Fatal("UseNonce accepted an unset time")
	}
	// A purge before the nonce ends keeps it.
	must(t, "PurgeShared", s.PurgeShared(ctx, e.now().Add(time.Minute)))
	if use("k1/n1", until) {
		t.Fatal("a purge forgot a nonce still in use")
	}
	var wins atomic.Int32
	parallel(8, func(int) {
		if fresh, err := s.UseNonce(ctx, "race", until, e.now()); err != nil {
			t.Errorf("UseNonce: %v", err)
		} else if fresh {
			wins.Add(1)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent uses of one nonce accepted, want 1", wins.Load())
	}
	// Once it ends, the key may be used again (its signature has
	// expired long before), purged or not.
	e.clock.Advance(71 * time.Second)
	if !use("k1/n1", e.now().Add(70*time.Second)) {
		t.Fatal("a nonce that ended was refused")
	}
	must(t, "PurgeShared", s.PurgeShared(ctx, e.now()))
	if !use("k2/n1", e.now().Add(70*time.Second)) {
		t.Fatal("a purged nonce was refused")
	}
	if use("k1/n1", e.now().Add(70*time.Second)) {
		t.Fatal("a purge forgot a nonce still in use")
	}
}

// testSessionNonce: SessionNonce is UseNonce and Websession together. The
// nonce is recorded whether or not the session exists, and it is the same
// store of nonces UseNonce uses.
func testSessionNonce(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	until := e.now().Add(70 * time.Second)
	w := e.newSession()
	got, fresh, err := s.SessionNonce(ctx, w.ID, "sn/1", until, e.now())
	must(t, "SessionNonce", err)
	if !fresh {
		t.Fatal("a new nonce was refused")
	}
	sameSession(e, "SessionNonce", got, w)
	if _, fresh, err := s.SessionNonce(ctx, w.ID, "sn/1", until, e.now()); err != nil || fresh {
		t.Fatalf("the same nonce again: fresh %v, %v", fresh, err)
	}
	if ok, err := s.UseNonce(ctx, "sn/1", until, e.now()); err != nil || ok {
		t.Fatalf("UseNonce of a nonce SessionNonce used: fresh %v, %v", ok, err)
	}
	_, fresh, err = s.SessionNonce(ctx, api.NewID(), "sn/2", until, e.now())
	wantErr(t, "SessionNonce(unknown session)", err, ledger.ErrNotFound)
	if !fresh {
		t.Fatal("SessionNonce(unknown session) called a new nonce used")
	}
	if ok, err := s.UseNonce(ctx, "sn/2", until, e.now()); err != nil || ok {
		t.Fatalf("a nonce given with an unknown session was not recorded: fresh %v, %v", ok, err)
	}
	ap, err := s.ApproveWebsession(ctx, e.approval(w, "phone"))
	must(t, "ApproveWebsession", err)
	got, fresh, err = s.SessionNonce(ctx, w.ID, "sn/3", until, e.now())
	must(t, "SessionNonce", err)
	if !fresh {
		t.Fatal("a new nonce was refused")
	}
	sameSession(e, "SessionNonce after the approval", got, ap)
	if _, _, err := s.SessionNonce(ctx, w.ID, "", until, e.now()); err == nil {
		t.Fatal("SessionNonce accepted an empty nonce key")
	}
	var wins atomic.Int32
	parallel(8, func(int) {
		if _, fresh, err := s.SessionNonce(ctx, w.ID, "sn/race", until, e.now()); err != nil {
			t.Errorf("SessionNonce: %v", err)
		} else if fresh {
			wins.Add(1)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent uses of one nonce accepted, want 1", wins.Load())
	}
}

func testTokenBuckets(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	take := func(key string) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := s.TakeToken(ctx, key, 1, 3, e.now())
		must(t, "TakeToken", err)
		return ok, wait
	}
	for i := 0; i < 3; i++ {
		if ok, _ := take("ip:a"); !ok {
			t.Fatalf("take %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := take("ip:a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("take beyond the burst = %v, retry after %v; want refused, within 1 s", ok, wait)
	}
	if ok, _ := take("ip:b"); !ok {
		t.Fatal("another key's bucket was empty")
	}
	e.clock.Advance(500 * time.Millisecond)
	if ok, wait := take("ip:a"); ok || wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("half a token later = %v, retry after %v", ok, wait)
	}
	e.clock.Advance(500 * time.Millisecond)
	if ok, _ := take("ip:a"); !ok {
		t.Fatal("a refilled token was refused")
	}
	if ok, _ := take("ip:a"); ok {
		t.Fatal("a second token after refilling one was given")
	}
	for _, bad := range []struct {
		key          string
		rate, burst  float64
		unsetTheTime bool
	}{{"", 1, 3, false}, {"k", 0, 3, false}, {"k", -1, 3, false}, {"k", 1, 0.5, false}, {"k", 1, 3, true}} {
		now := e.now()
		if bad.unsetTheTime {
			now = time.Time{}
		}
		if _, _, err := s.TakeToken(ctx, bad.key, bad.rate, bad.burst, now); err == nil {
			t.Fatalf("TakeToken accepted %+v", bad)
		}
	}
	// Concurrent takes: exactly burst of them get a token.
	var got atomic.Int32
	parallel(20, func(int) {
		ok, _, err := s.TakeToken(ctx, "race", 0.001, 5, e.now())
		if err != nil {
			t.Errorf("TakeToken: %v", err)
		} else if ok {
			got.Add(1)
		}
	})
	if got.Load() != 5 {
		t.Fatalf("%d of 20 concurrent takes got a token from a bucket of 5, want 5", got.Load())
	}
	// A purge keeps buckets that have not refilled yet.
	must(t, "PurgeShared", s.PurgeShared(ctx, e.now()))
	if ok, _, err := s.TakeToken(ctx, "race", 0.001, 5, e.now()); err != nil || ok {
		t.Fatalf("after a purge, an empty bucket gave a token (%v, %v)", ok, err)
	}
	// A refilled bucket is purged and starts full again.
	e.clock.Advance(time.Hour)
	must(t, "PurgeShared", s.PurgeShared(ctx, e.now()))
	for i := 0; i < 3; i++ {
		if ok, _ := take(fmt.Sprintf("ip:%c", 'a'+i)); !ok {
			t.Fatalf("a refilled bucket refused a token")
		}
	}
}
