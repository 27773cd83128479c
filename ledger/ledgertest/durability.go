package ledgertest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
)

// RunDurability checks that every acknowledged operation survives closing
// and reopening the store, including operations that were in flight when
// Close was called. Each call of open must return a store on the same
// database (for SQLite: the same file); the first call gets an empty one.
func RunDurability(t *testing.T, open func(t *testing.T) ledger.Store) {
	s := open(t)
	e := newEnv(t, s)
	ctx := e.ctx

	e.fund("alice", 100_000)
	e.fund("bob", 5_000)
	e.open("carol", "RUB")
	var created []ledger.Check
	for i := 0; i < 20; i++ {
		req := e.createReq("alice", int64(100+i))
		req.Idem = idem(fmt.Sprintf("dur-%d", i), fmt.Sprint(i))
		r, err := s.CreateCheck(ctx, req)
		must(t, "CreateCheck", err)
		created = append(created, r.Check)
	}
	want := map[string]ledger.Check{}
	for i, c := range created {
		e.clock.Advance(time.Second)
		switch i % 4 {
		case 0:
			r, err := e.accept("carol", c.Number, c.Code)
			must(t, "AcceptCheck", err)
			c = r.Check
		case 1:
			r, err := s.CancelCheck(ctx, ledger.CancelCheck{UserID: "alice", Number: c.Number, Now: e.now()})
			must(t, "CancelCheck", err)
			c = r.Check
		case 2:
			_, err := e.accept("bob", c.Number, otherCode(c.Code))
			wantErr(t, "wrong code", err, ledger.ErrWrongCode)
			c.FailedAttempts = 1
		}
		want[c.Number] = c
	}
	w := e.newSession()
	approved, err := s.ApproveWebsession(ctx, e.approval(w, "dave"))
	must(t, "ApproveWebsession", err)
	balances := map[string]int64{}
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		balances[u] = e.balance(u)
	}

	// Deposits race Close: the acknowledged ones must all be there after
	// the restart; the others may or may not be.
	var (
		mu               sync.Mutex
		acked            []ledger.Deposit
		ackedSum, triedS atomic.Int64
		closed           = make(chan struct{})
	)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				d := ledger.Deposit{UserID: "bob", Amount: int64(1 + g), Currency: "RUB", Source: ledger.ExternalBankIn,
					Ref: fmt.Sprintf("late:%d:%d", g, i), Now: e.now()}
				triedS.Add(d.Amount)
				_, err := s.Deposit(ctx, d)
				if err != nil {
					return // closed (or failing because of it): not acknowledged
				}
				ackedSum.Add(d.Amount)
				mu.Lock()
				acked = append(acked, d)
				mu.Unlock()
				select {
				case <-closed:
					return // a store that still acknowledges after Close is checked below all the same
				default:
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	must(t, "Close under load", s.Close())
	close(closed)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no deposit was acknowledged before Close")
	}

	s2 := open(t)
	t.Cleanup(func() { s2.Close() })
	e2 := newEnv(t, s2)
	e2.clock.Set(e.now())
	for num, c := range want {
		sameCheck(t, "check after restart", e2.check(num), c)
	}
	got, err := s2.Websession(ctx, w.ID)
	must(t, "Websession after restart", err)
	sameSession(e2, "websession after restart", got, approved)
	for u, b := range balances {
		if u == "bob" {
			got := e2.balance(u)
			if got < b+ackedSum.Load() || got > b+triedS.Load() {
				t.Fatalf("bob's balance after restart = %d, want between %d (acknowledged) and %d (attempted)",
					got, b+ackedSum.Load(), b+triedS.Load())
			}
			continue
		}
		e2.wantBalance(u, b)
	}
	for _, d := range acked {
		r, err := s2.Deposit(context.Background(), d)
		must(t, "replaying an acknowledged deposit", err)
		if !r.Replayed {
			t.Fatalf("acknowledged deposit %s was lost", d.Ref)
		}
	}
	// Idempotency records survive too.
	req := ledger.CreateCheck{UserID: "alice", Amount: 100, Currency: "RUB", Now: e2.now(), ExpiresAt: e2.now().Add(Lifetime),
		Idem: idem("dur-0", "0")}
	r, err := s2.CreateCheck(ctx, req)
	must(t, "replay after restart", err)
	if !r.Replayed || r.Check.Number != created[0].Number {
		t.Fatalf("idempotency record lost in the restart: %+v", r)
	}
	RequireAudit(t, s2)
}
