package ledgertest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"fastcheck/ledger"
)

func testIdempotency(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	e.open("bob", "RUB")

	req := e.createReq("alice", 1000)
	req.Idem = idem("k1", "create 1000")
	r1, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck with a key", err)
	before := e.audit()
	e.clock.Advance(time.Minute)
	r2, err := s.CreateCheck(ctx, req)
	must(t, "replayed CreateCheck", err)
	if !r2.Replayed || r2.Check.Number != r1.Check.Number || r2.Balance != r1.Balance || r2.Check.Code != r1.Check.Code {
		t.Fatalf("replayed CreateCheck = %+v, want the first outcome %+v replayed", r2, r1)
	}
	if after := e.audit(); after.Transactions != before.Transactions || after.Checks != before.Checks || after.Entries != before.Entries {
		t.Fatalf("replayed CreateCheck added rows: transactions %d -> %d, checks %d -> %d",
			before.Transactions, after.Transactions, before.Checks, after.Checks)
	}
	e.wantBalance("alice", 9000)
	other := e.createReq("alice", 2000)
	other.Idem = idem("k1", "create 2000")
	_, err = s.CreateCheck(ctx, other)
	wantErr(t, "same key, another request", err, ledger.ErrIdempotencyReuse)
	e.wantBalance("alice", 9000)

	// Keys belong to their user: bob's "k1" is his own.
	acc := ledger.AcceptCheck{UserID: "bob", Number: r1.Check.Number, Code: r1.Check.Code, Now: e.now(), Idem: idem("k1", "accept")}
	a1, err := s.AcceptCheck(ctx, acc)
	must(t, "AcceptCheck with a key", err)
	e.fund("bob", 50)
	before = e.audit()
	a2, err := s.AcceptCheck(ctx, acc)
	must(t, "replayed AcceptCheck", err)
	if !a2.Replayed || a2.Balance != a1.Balance || a2.Check.Number != a1.Check.Number || a2.Check.Status != ledger.StatusUsed {
		t.Fatalf("replayed AcceptCheck = %+v, want %+v replayed", a2, a1)
	}
	if after := e.audit(); after.Transactions != before.Transactions {
		t.Fatal("replayed AcceptCheck added a transaction")
	}
	e.wantBalance("bob", 1050)

	// A wrong code is replayed, not counted again.
	c2 := e.create("alice", 500)
	wrong := ledger.AcceptCheck{UserID: "bob", Number: c2.Number, Code: otherCode(c2.Code), Now: e.now(), Idem: idem("k2", "wrong")}
	_, err = s.AcceptCheck(ctx, wrong)
	wantErr(t, "wrong code with a key", err, ledger.ErrWrongCode)
	fails, err := s.FailedAccepts(ctx, "bob", Start)
	must(t, "FailedAccepts", err)
	for i := 0; i < 3; i++ {
		_, err = s.AcceptCheck(ctx, wrong)
		wantErr(t, "replayed wrong code", err, ledger.ErrWrongCode)
	}
	if got := e.check(c2.Number); got.FailedAttempts != 1 {
		t.Fatalf("replayed wrong codes counted: failed_attempts = %d, want 1", got.FailedAttempts)
	}
	fails2, err := s.FailedAccepts(ctx, "bob", Start)
	must(t, "FailedAccepts", err)
	if len(fails2) != len(fails) {
		t.Fatalf("replayed wrong codes recorded %d more failures", len(fails2)-len(fails))
	}

	cr := ledger.CancelCheck{UserID: "alice", Number: c2.Number, Now: e.now(), Idem: idem("k3", "cancel")}
	x1, err := s.CancelCheck(ctx, cr)
	must(t, "CancelCheck with a key", err)
	x2, err := s.CancelCheck(ctx, cr)
	must(t, "replayed CancelCheck", err)
	if !x2.Replayed || x2.Balance != x1.Balance || x2.Check.Status != ledger.StatusCancelled || x2.Check.Number != c2.Number {
		t.Fatalf("replayed CancelCheck = %+v, want %+v replayed", x2, x1)
	}
	cr.Idem = idem("k3", "cancel something else")
	_, err = s.CancelCheck(ctx, cr)
	wantErr(t, "cancel key reused with another request", err, ledger.ErrIdempotencyReuse)
	e.wantBalance("alice", 9000)
}

func testIdempotencyConcurrent(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	req := e.createReq("alice", 700)
	req.Idem = idem("same-key", "create 700")
	results := make([]ledger.Result, 8)
	errs := make([]error, 8)
	parallel(8, func(i int) { results[i], errs[i] = s.CreateCheck(ctx, req) })
	fresh := 0
	for i := range results {
		must(t, "concurrent CreateCheck with one key", errs[i])
		if !results[i].Replayed {
			fresh++
		}
		if results[i].Check.Number != results[0].Check.Number || results[i].Balance != 9300 {
			t.Fatalf("concurrent replays disagree: %+v vs %+v", results[i], results[0])
		}
	}
	if fresh != 1 {
		t.Fatalf("%d calls were not replays, want exactly 1", fresh)
	}
	if rep := e.audit(); rep.Checks != 1 {
		t.Fatalf("one key created %d checks", rep.Checks)
	}
	e.wantBalance("alice", 9300)
}

// testAcceptRace is the guide's race test: 200 checks, each accepted by 8
// users at once. Exactly one accept per check may win.
func testAcceptRace(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	const checks, racers, amount = 200, 8, 100
	e.fund("creator", checks*amount)
	for i := 0; i < racers; i++ {
		e.open(fmt.Sprintf("racer%d", i), "RUB")
	}
	list := make([]ledger.Check, checks)
	parallel(8, func(w int) {
		for i := w; i < checks; i += 8 {
			r, err := s.CreateCheck(ctx, e.createReq("creator", amount))
			if err != nil {
				t.Errorf("CreateCheck: %v", err)
				return
			}
			list[i] = r.Check
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	wins := make([]atomic.Int32, checks)
	var unexpected atomic.Int32
	parallel(checks*racers, func(i int) {
		c := list[i/racers]
		user := fmt.Sprintf("racer%d", i%racers)
		_, err := e.accept(user, c.Number, c.Code)
		switch {
		case err == nil:
			wins[i/racers].Add(1)
		case errors.Is(err, ledger.ErrResolved):
		default:
			if unexpected.Add(1) <= 5 {
				t.Errorf("accept by %s: %v", user, err)
			}
		}
	})
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Fatalf("check %s was accepted %d times, want exactly once", list[i].Number, n)
		}
	}
	if unexpected.Load() > 0 {
		t.Fatalf("%d accepts failed with an unexpected error", unexpected.Load())
	}
	var total int64
	for i := 0; i < racers; i++ {
		total += e.balance(fmt.Sprintf("racer%d", i))
	}
	if total != checks*amount {
		t.Fatalf("racers hold %d, want %d", total, checks*amount)
	}
	rep := e.audit()
	if tot := rep.Totals["RUB"]; tot.Active != 0 || tot.Users != checks*amount {
		t.Fatalf("RUB totals = %+v", tot)
	}
	if rep.Transactions != 1+2*checks {
		t.Fatalf("%d transactions, want %d (deposit + create and accept per check)", rep.Transactions, 1+2*checks)
	}
}

// testBankWorkload runs a mixed workload from several goroutines for about
// two seconds while an auditor checks the invariants from one-snapshot
// totals, and a sweeper expires checks. Every acknowledged deposit must be
// accounted for at the end.
func testBankWorkload(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	const users, workers = 10, 6
	duration := 2 * time.Second
	var deposited atomic.Int64
	name := func(i int) string { return fmt.Sprintf("user%02d", i) }
	for i := 0; i < users; i++ {
		e.fund(name(i), 1_000_000)
		deposited.Add(1_000_000)
	}

	type issued struct {
		number, code string
		creator      int
	}
	var (
		mu   sync.Mutex
		pool []issued
		refs atomic.Int64
	)
	var counts [8]atomic.Int64 // create, accept, cancel, deposit, read, expire, audit, businessErr
	deadline := time.Now().Add(duration)
	stop := make(chan struct{})
	var bg sync.WaitGroup

	business := func(err error) bool {
		for _, b := range []error{ledger.ErrInsufficientFunds, ledger.ErrResolved, ledger.ErrExpired, ledger.ErrOwnCheck,
			ledger.ErrWrongCode, ledger.ErrLocked, ledger.ErrNotCreator, ledger.ErrNotFound} {
			if errors.Is(err, b) {
				return true
			}
		}
		return false
	}
	report := func(what string, err error) {
		if err == nil {
			return
		}
		if business(err) {
			counts[7].Add(1)
			return
		}
		t.Errorf("%s: %v", what, err)
	}

	// The auditor: the invariants must hold in every snapshot.
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			rep, problems, err := AuditProblems(ctx, s)
			if err != nil {
				t.Errorf("Audit during the workload: %v", err)
				return
			}
			if len(problems) > 0 {
				t.Errorf("Audit during the workload found:\n  %s", joinLines(problems))
				return
			}
			tot := rep.Totals["RUB"]
			if tot.Inflows > deposited.Load()+1_000_000 || tot.Outflows != 0 {
				t.Errorf("inflows %d exceed what was deposited", tot.Inflows)
			}
			counts[6].Add(1)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	// The sweeper.
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			got, err := s.ExpireDue(ctx, e.now(), 20)
			report("ExpireDue", err)
			counts[5].Add(int64(len(got)))
		}
	}()

	parallel(workers, func(w int) {
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		for time.Now().Before(deadline) && !t.Failed() {
			e.clock.Advance(time.Second)
			u := rng.IntN(users)
			switch p := rng.IntN(100); {
			case p < 35:
				now := e.now()
				req := ledger.CreateCheck{UserID: name(u), Amount: 1 + rng.Int64N(50_000), Currency: "RUB",
					Now: now, ExpiresAt: now.Add(time.Duration(1+rng.IntN(10)) * time.Minute)}
				if rng.IntN(4) == 0 {
					req.Idem = idem(fmt.Sprintf("w%d-%d", w, rng.IntN(1000)), fmt.Sprint(req.Amount))
				}
				r, err := s.CreateCheck(ctx, req)
				if errors.Is(err, ledger.ErrIdempotencyReuse) {
					continue
				}
				report("CreateCheck", err)
				if err == nil {
					counts[0].Add(1)
					mu.Lock()
					pool = append(pool, issued{r.Check.Number, r.Check.Code, u})
					mu.Unlock()
				}
			case p < 70:
				mu.Lock()
				if len(pool) == 0 {
					mu.Unlock()
					continue
				}
				c := pool[rng.IntN(len(pool))]
				mu.Unlock()
				code := c.code
				if rng.IntN(10) == 0 {
					code = otherCode(code)
				}
				// The time is read after the check was seen, so it is not
				// before the check's creation.
				_, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: name(u), Number: c.number, Code: code, Now: e.now()})
				report("AcceptCheck", err)
				if err == nil {
					counts[1].Add(1)
				}
			case p < 80:
				mu.Lock()
				if len(pool) == 0 {
					mu.Unlock()
					continue
				}
				c := pool[rng.IntN(len(pool))]
				mu.Unlock()
				_, err := s.CancelCheck(ctx, ledger.CancelCheck{UserID: name(c.creator), Number: c.number, Now: e.now()})
				report("CancelCheck", err)
				if err == nil {
					counts[2].Add(1)
				}
			case p < 85:
				amount := 1 + rng.Int64N(100_000)
				_, err := s.Deposit(ctx, ledger.Deposit{UserID: name(u), Amount: amount, Currency: "RUB",
					Source: ledger.ExternalBankIn, Ref: fmt.Sprintf("wl:%d", refs.Add(1)), Now: e.now()})
				report("Deposit", err)
				if err == nil {
					deposited.Add(amount)
					counts[3].Add(1)
				}
			default:
				_, err := s.Account(ctx, name(u))
				report("Account", err)
				_, err = s.ActiveChecks(ctx, name(u))
				report("ActiveChecks", err)
				_, err = s.History(ctx, name(u), 20)
				report("History", err)
				mu.Lock()
				var num string
				if len(pool) > 0 {
					num = pool[rng.IntN(len(pool))].number
				}
				mu.Unlock()
				if num != "" {
					_, err = s.Check(ctx, num)
					report("Check", err)
				}
				counts[4].Add(1)
			}
		}
	})
	close(stop)
	bg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("workload: %d creates, %d accepts, %d cancels, %d deposits, %d reads, %d expired, %d audits, %d business errors",
		counts[0].Load(), counts[1].Load(), counts[2].Load(), counts[3].Load(), counts[4].Load(), counts[5].Load(), counts[6].Load(), counts[7].Load())
	if counts[0].Load() == 0 || counts[1].Load() == 0 || counts[6].Load() == 0 {
		t.Fatal("the workload did not create, accept and audit at least once each")
	}
	rep := e.audit()
	tot := rep.Totals["RUB"]
	if tot.Inflows != deposited.Load() || tot.Users+tot.Active != deposited.Load() {
		t.Fatalf("RUB totals %+v, but %d was deposited", tot, deposited.Load())
	}
	// Whatever the sweeper missed, one last sweep refunds.
	if _, err := s.ExpireDue(ctx, e.now().Add(time.Hour), 1_000_000); err != nil {
		t.Fatalf("final ExpireDue: %v", err)
	}
	var sum int64
	for i := 0; i < users; i++ {
		sum += e.balance(name(i))
	}
	if tot := e.audit().Totals["RUB"]; sum != deposited.Load() || tot.Active != 0 {
		t.Fatalf("after the final sweep users hold %d (active %d), want all %d deposited", sum, tot.Active, deposited.Load())
	}
}
