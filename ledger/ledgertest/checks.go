package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

func testAccounts(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	_, err := s.Account(ctx, "nobody")
	wantErr(t, "Account of an unknown user", err, ledger.ErrNotFound)

	opened := e.now()
	a := e.open("alice", "RUB")
	if a.UserID != "alice" || a.Currency != "RUB" || a.Balance != 0 || !a.CreatedAt.Equal(opened) {
		t.Fatalf("OpenAccount = %+v", a)
	}
	e.clock.Advance(time.Minute)
	a2, err := s.OpenAccount(ctx, "alice", "USD", e.now())
	must(t, "OpenAccount again", err)
	if a2.Currency != "RUB" || !a2.CreatedAt.Equal(opened) {
		t.Fatalf("OpenAccount changed an existing account: %+v", a2)
	}

	dep := ledger.Deposit{UserID: "alice", Amount: 1000, Currency: "RUB", Source: ledger.ExternalBankIn, Ref: "bank:1", Now: e.now()}
	r, err := s.Deposit(ctx, dep)
	must(t, "Deposit", err)
	if r.Balance != 1000 || r.Replayed {
		t.Fatalf("Deposit = %+v, want balance 1000, not replayed", r)
	}
	dep2 := dep
	dep2.Amount, dep2.Ref = 500, "bank:2"
	r, err = s.Deposit(ctx, dep2)
	must(t, "second Deposit", err)
	if r.Balance != 1500 {
		t.Fatalf("second Deposit balance = %d, want 1500", r.Balance)
	}
	before := e.audit()
	r, err = s.Deposit(ctx, dep)
	must(t, "replayed Deposit", err)
	if !r.Replayed || r.Balance != 1000 {
		t.Fatalf("replayed Deposit = %+v, want Replayed with the first call's balance 1000", r)
	}
	if after := e.audit(); after.Transactions != before.Transactions || after.Entries != before.Entries {
		t.Fatalf("replayed Deposit added rows: %d/%d transactions, %d/%d entries",
			before.Transactions, after.Transactions, before.Entries, after.Entries)
	}
	e.wantBalance("alice", 1500)

	bad := dep
	bad.Amount = 999
	_, err = s.Deposit(ctx, bad)
	wantErr(t, "Deposit reusing a Ref with another amount", err, ledger.ErrIdempotencyReuse)

	e.open("bob", "RUB")
	bad = dep
	bad.UserID = "bob"
	_, err = s.Deposit(ctx, bad)
	wantErr(t, "Deposit reusing a Ref for another user", err, ledger.ErrIdempotencyReuse)

	bad = dep
	bad.UserID, bad.Ref = "nobody", "bank:3"
	_, err = s.Deposit(ctx, bad)
	wantErr(t, "Deposit to an unknown user", err, ledger.ErrNotFound)

	bad = dep
	bad.Currency, bad.Ref = "USD", "bank:4"
	_, err = s.Deposit(ctx, bad)
	wantErr(t, "Deposit in another currency", err, ledger.ErrCurrencyMismatch)

	for _, amount := range []int64{0, -1, api.MaxAmount + 1} {
		bad = dep
		bad.Amount, bad.Ref = amount, fmt.Sprintf("bank:bad:%d", amount)
		if _, err := s.Deposit(ctx, bad); err == nil {
			t.Fatalf("Deposit of %d succeeded", amount)
		}
	}
	e.wantBalance("alice", 1500)
	e.wantBalance("bob", 0)

	rep := e.audit()
	if tot := rep.Totals["RUB"]; tot.Users != 1500 || tot.Inflows != 1500 || tot.Outflows != 0 || tot.Active != 0 {
		t.Fatalf("RUB totals = %+v, want users and inflows 1500", tot)
	}
	if rep.Transactions != 2 || rep.Checks != 0 {
		t.Fatalf("audit counts %d transactions and %d checks, want 2 and 0", rep.Transactions, rep.Checks)
	}
}

func testCreateCheck(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	req := e.createReq("alice", 2500)
	r, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck", err)
	c := r.Check
	if r.Balance != 7500 || r.Replayed {
		t.Fatalf("CreateCheck = %+v, want balance 7500", r)
	}
	if !api.ValidCheckNumber(c.Number) || !api.ValidCheckCode(c.Code) {
		t.Fatalf("check number %q / code %q are malformed", c.Number, c.Code)
	}
	want := ledger.Check{Number: c.Number, Code: c.Code, Amount: 2500, Currency: "RUB", Creator: "alice",
		Status: ledger.StatusActive, CreatedAt: req.Now, ExpiresAt: req.ExpiresAt}
	sameCheck(t, "created check", c, want)
	sameCheck(t, "Check()", e.check(c.Number), want)
	if c.Locked() {
		t.Fatal("a new check is locked")
	}
	e.wantBalance("alice", 7500)

	act, err := s.ActiveChecks(ctx, "alice")
	must(t, "ActiveChecks", err)
	if len(act) != 1 || act[0].Code != c.Code {
		t.Fatalf("ActiveChecks = %+v, want the one check with its code", act)
	}
	act, err = s.ActiveChecks(ctx, "nobody")
	if err != nil || len(act) != 0 {
		t.Fatalf("ActiveChecks(unknown user) = %v, %v; want empty", act, err)
	}
	_, err = s.Check(ctx, "0000-0000-0000")
	wantErr(t, "Check(unknown)", err, ledger.ErrNotFound)

	before := e.audit()
	_, err = s.CreateCheck(ctx, e.createReq("alice", 7501))
	wantErr(t, "CreateCheck beyond the balance", err, ledger.ErrInsufficientFunds)
	req2 := e.createReq("alice", 100)
	req2.Currency = "USD"
	_, err = s.CreateCheck(ctx, req2)
	wantErr(t, "CreateCheck in another currency", err, ledger.ErrCurrencyMismatch)
	_, err = s.CreateCheck(ctx, e.createReq("nobody", 100))
	wantErr(t, "CreateCheck by an unknown user", err, ledger.ErrNotFound)
	for _, amount := range []int64{0, -100, api.MaxAmount + 1} {
		if _, err := s.CreateCheck(ctx, e.createReq("alice", amount)); err == nil {
			t.Fatalf("CreateCheck of %d succeeded", amount)
		}
	}
	req3 := e.createReq("alice", 100)
	req3.ExpiresAt = req3.Now
	if _, err := s.CreateCheck(ctx, req3); err == nil {
		t.Fatal("CreateCheck expiring at its creation succeeded")
	}
	if after := e.audit(); after.Transactions != before.Transactions || after.Checks != before.Checks {
		t.Fatalf("failed creates left rows: transactions %d -> %d, checks %d -> %d",
			before.Transactions, after.Transactions, before.Checks, after.Checks)
	}
	e.wantBalance("alice", 7500)

	// Many checks get distinct numbers; the whole balance can be spent.
	numbers := map[string]bool{c.Number: true}
	for i := 0; i < 49; i++ {
		n := e.create("alice", 150).Number
		if numbers[n] {
			t.Fatalf("check number %s issued twice", n)
		}
		numbers[n] = true
	}
	r, err = s.CreateCheck(ctx, e.createReq("alice", 150))
	must(t, "CreateCheck of the whole balance", err)
	if r.Balance != 0 {
		t.Fatalf("balance after spending it all = %d", r.Balance)
	}
	rep := e.audit()
	if tot := rep.Totals["RUB"]; tot.Active != 10000 || tot.Escrow != 10000 || tot.Users != 0 {
		t.Fatalf("RUB totals = %+v, want 10000 active and in escrow", tot)
	}
	if rep.Checks != 51 {
		t.Fatalf("audit counts %d checks, want 51", rep.Checks)
	}
}

func testAcceptCheck(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	e.open("bob", "RUB")
	e.open("carol", "USD")
	c := e.create("alice", 3000)

	_, err := e.accept("alice", c.Number, c.Code)
	wantErr(t, "accepting one's own check", err, ledger.ErrOwnCheck)
	_, err = e.accept("carol", c.Number, c.Code)
	wantErr(t, "accepting into an account in another currency", err, ledger.ErrCurrencyMismatch)
	_, err = e.accept("nobody", c.Number, c.Code)
	wantErr(t, "accepting without an account", err, ledger.ErrNotFound)
	if got := e.check(c.Number); got.Status != ledger.StatusActive || got.FailedAttempts != 0 {
		t.Fatalf("refused accepts changed the check: %+v", got)
	}

	e.clock.Advance(time.Hour)
	r, err := e.accept("bob", c.Number, c.Code)
	must(t, "AcceptCheck", err)
	want := c
	want.Status, want.Redeemer, want.ResolvedAt = ledger.StatusUsed, "bob", e.now()
	if r.Balance != 3000 || r.Replayed {
		t.Fatalf("AcceptCheck = %+v, want balance 3000", r)
	}
	sameCheck(t, "accepted check", r.Check, want)
	sameCheck(t, "Check() after accept", e.check(c.Number), want)
	e.wantBalance("alice", 7000)
	e.wantBalance("bob", 3000)

	_, err = e.accept("bob", c.Number, c.Code)
	wantErr(t, "accepting a used check again", err, ledger.ErrResolved)
	e.open("dave", "RUB")
	_, err = e.accept("dave", c.Number, c.Code)
	wantErr(t, "accepting a used check", err, ledger.ErrResolved)

	since := e.now()
	_, err = e.accept("bob", "1111-2222-3333", "1234")
	wantErr(t, "accepting an unknown number", err, ledger.ErrNotFound)
	fails, err := s.FailedAccepts(ctx, "bob", since)
	must(t, "FailedAccepts", err)
	if len(fails) != 1 || fails[0].Number != "1111-2222-3333" || fails[0].UserID != "bob" || fails[0].Reason == "" || !fails[0].At.Equal(since) {
		t.Fatalf("FailedAccepts = %+v, want the unknown number", fails)
	}
	fails, err = s.FailedAccepts(ctx, "bob", since.Add(time.Millisecond))
	if err != nil || len(fails) != 0 {
		t.Fatalf("FailedAccepts after the failure = %v, %v; want none", fails, err)
	}

	act, err := s.ActiveChecks(ctx, "alice")
	if err != nil || len(act) != 0 {
		t.Fatalf("ActiveChecks after accept = %v, %v", act, err)
	}
	for _, user := range []string{"alice", "bob"} {
		h, err := s.History(ctx, user, 0)
		must(t, "History", err)
		if len(h) != 1 {
			t.Fatalf("History(%s) = %+v, want the used check", user, h)
		}
		sameCheck(t, "History("+user+")", h[0], want)
	}
	h, err := s.History(ctx, "dave", 0)
	if err != nil || len(h) != 0 {
		t.Fatalf("History(dave) = %v, %v; want empty", h, err)
	}
	if tot := e.audit().Totals["RUB"]; tot.Active != 0 || tot.Escrow != 0 || tot.Users != 10000 {
		t.Fatalf("RUB totals after accept = %+v", tot)
	}
}

func testHistory(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	e.open("bob", "RUB")
	c1 := e.create("alice", 100)
	c2 := e.create("alice", 200)
	req := e.createReq("alice", 300)
	req.ExpiresAt = req.Now.Add(30 * time.Minute)
	r, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck", err)
	c3 := r.Check
	c4 := e.create("alice", 400)

	e.clock.Advance(10 * time.Minute)
	_, err = e.accept("bob", c1.Number, c1.Code)
	must(t, "accept c1", err)
	e.clock.Advance(10 * time.Minute)
	_, err = s.CancelCheck(ctx, ledger.CancelCheck{UserID: "alice", Number: c2.Number, Now: e.now()})
	must(t, "cancel c2", err)
	e.clock.Advance(10 * time.Minute)
	exp, err := s.ExpireDue(ctx, e.now(), 10)
	must(t, "ExpireDue", err)
	if len(exp) != 1 || exp[0].Number != c3.Number {
		t.Fatalf("ExpireDue = %+v, want c3", exp)
	}

	wantOrder := func(user string, limit int, want ...ledger.Check) {
		t.Helper()
		h, err := s.History(ctx, user, limit)
		must(t, "History", err)
		if len(h) != len(want) {
			t.Fatalf("History(%s, %d) has %d checks, want %d: %+v", user, limit, len(h), len(want), h)
		}
		for i := range want {
			if h[i].Number != want[i].Number {
				t.Fatalf("History(%s, %d)[%d] = %s, want %s (newest resolution first)", user, limit, i, h[i].Number, want[i].Number)
			}
		}
	}
	wantOrder("alice", 0, c3, c2, c1)
	wantOrder("alice", 2, c3, c2)
	wantOrder("bob", 0, c1)
	if got := e.check(c4.Number); got.Status != ledger.StatusActive {
		t.Fatalf("c4 = %+v, want active", got)
	}
}

func testWrongCodeLock(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 1000)
	e.open("bob", "RUB")
	c := e.create("alice", 1000)
	wrong := otherCode(c.Code)
	since := e.now()
	for i := 1; i <= ledger.MaxCodeFailures; i++ {
		_, err := e.accept("bob", c.Number, wrong)
		wantErr(t, fmt.Sprintf("wrong code #%d", i), err, ledger.ErrWrongCode)
		if got := e.check(c.Number); got.FailedAttempts != i || got.Status != ledger.StatusActive {
			t.Fatalf("after %d wrong codes the check is %+v", i, got)
		}
	}
	_, err := e.accept("bob", c.Number, wrong)
	wantErr(t, "wrong code after the lock", err, ledger.ErrLocked)
	_, err = e.accept("bob", c.Number, c.Code)
	wantErr(t, "right code after the lock", err, ledger.ErrLocked)
	got := e.check(c.Number)
	if !got.Locked() || got.FailedAttempts != ledger.MaxCodeFailures {
		t.Fatalf("check after the lock = %+v, want locked", got)
	}
	fails, err := s.FailedAccepts(ctx, "bob", since)
	must(t, "FailedAccepts", err)
	if len(fails) != ledger.MaxCodeFailures {
		t.Fatalf("%d failed accepts recorded, want %d", len(fails), ledger.MaxCodeFailures)
	}
	e.wantBalance("bob", 0)

	// The creator gets a locked check's money back by cancelling it.
	r, err := s.CancelCheck(ctx, ledger.CancelCheck{UserID: "alice", Number: c.Number, Now: e.now()})
	must(t, "cancelling a locked check", err)
	if r.Balance != 1000 || r.Check.Status != ledger.StatusCancelled {
		t.Fatalf("CancelCheck of a locked check = %+v", r)
	}
}

func testWrongCodeLockConcurrent(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 1000)
	c := e.create("alice", 1000)
	const guessers = 16
	for i := 0; i < guessers; i++ {
		e.open(fmt.Sprintf("guesser%02d", i), "RUB")
	}
	e.open("bob", "RUB")
	wrong := otherCode(c.Code)
	errs := make([]error, guessers*2)
	parallel(guessers, func(i int) {
		for j := 0; j < 2; j++ {
			_, errs[i*2+j] = e.accept(fmt.Sprintf("guesser%02d", i), c.Number, wrong)
		}
	})
	var wrongs, locked int
	for _, err := range errs {
		switch {
		case errors.Is(err, ledger.ErrWrongCode):
			wrongs++
		case errors.Is(err, ledger.ErrLocked):
			locked++
		default:
			t.Fatalf("concurrent wrong guess: unexpected %v", err)
		}
	}
	if wrongs != ledger.MaxCodeFailures || locked != len(errs)-ledger.MaxCodeFailures {
		t.Fatalf("%d wrong-code and %d locked answers, want %d and %d", wrongs, locked, ledger.MaxCodeFailures, len(errs)-ledger.MaxCodeFailures)
	}
	if got := e.check(c.Number); got.FailedAttempts != ledger.MaxCodeFailures || !got.Locked() {
		t.Fatalf("check after concurrent guesses = %+v", got)
	}
	recorded := 0
	for i := 0; i < guessers; i++ {
		f, err := s.FailedAccepts(ctx, fmt.Sprintf("guesser%02d", i), Start)
		must(t, "FailedAccepts", err)
		recorded += len(f)
	}
	if recorded != ledger.MaxCodeFailures {
		t.Fatalf("%d failed accepts recorded, want %d", recorded, ledger.MaxCodeFailures)
	}
	_, err := e.accept("bob", c.Number, c.Code)
	wantErr(t, "right code after a concurrent lock", err, ledger.ErrLocked)
	e.wantBalance("bob", 0)
}

func testFailureLimit(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 10000)
	e.open("bob", "RUB")
	e.open("carol", "RUB")
	c := e.create("alice", 100)
	t0 := e.now()
	limited := func(user, number, code string, max int) (ledger.Result, error) {
		return s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: user, Number: number, Code: code, Now: e.now(), MaxFailuresPerHour: max})
	}
	for i := 0; i < 3; i++ {
		_, err := limited("bob", fmt.Sprintf("9999-9999-000%d", i), "0000", 3)
		wantErr(t, "unknown number", err, ledger.ErrNotFound)
		e.clock.Advance(time.Minute)
	}
	_, err := limited("bob", c.Number, c.Code, 3)
	var tmf *ledger.TooManyFailures
	if !errors.As(err, &tmf) {
		t.Fatalf("4th accept within the hour: got %v, want TooManyFailures", err)
	}
	if d := tmf.RetryAfter - 57*time.Minute; d < -time.Second || d > time.Second {
		t.Fatalf("RetryAfter = %s, want 57m (when the oldest failure is an hour old)", tmf.RetryAfter)
	}
	if got := e.check(c.Number); got.Status != ledger.StatusActive || got.FailedAttempts != 0 {
		t.Fatalf("a refused accept touched the check: %+v", got)
	}
	fails, err := s.FailedAccepts(ctx, "bob", t0)
	must(t, "FailedAccepts", err)
	if len(fails) != 3 {
		t.Fatalf("FailedAccepts = %d, want 3 (a limited attempt is not another failure)", len(fails))
	}
	for i, f := range fails {
		if !f.At.Equal(t0.Add(time.Duration(i) * time.Minute)) {
			t.Fatalf("FailedAccepts[%d].At = %s, want %s (oldest first)", i, f.At, t0.Add(time.Duration(i)*time.Minute))
		}
	}

	e.clock.Set(t0.Add(time.Hour + time.Second))
	r, err := limited("bob", c.Number, c.Code, 3)
	must(t, "accept once the oldest failure aged out", err)
	if r.Balance != 100 {
		t.Fatalf("balance = %d", r.Balance)
	}

	// Wrong codes count too; a limit of 0 means none.
	c2 := e.create("alice", 100)
	c3 := e.create("alice", 100)
	for i := 0; i < 2; i++ {
		_, err := limited("carol", c2.Number, otherCode(c2.Code), 2)
		wantErr(t, "wrong code", err, ledger.ErrWrongCode)
	}
	_, err = limited("carol", c3.Number, c3.Code, 2)
	if !errors.As(err, &tmf) {
		t.Fatalf("accept after 2 wrong codes with limit 2: got %v, want TooManyFailures", err)
	}
	_, err = limited("carol", c3.Number, c3.Code, 0)
	must(t, "accept without a limit", err)
}

func testCancelCheck(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 5000)
	e.fund("bob", 10)
	c := e.create("alice", 1000)
	cancel := func(user, number string) (ledger.Result, error) {
		return s.CancelCheck(ctx, ledger.CancelCheck{UserID: user, Number: number, Now: e.now()})
	}
	_, err := cancel("bob", c.Number)
	wantErr(t, "cancel by another user", err, ledger.ErrNotCreator)
	_, err = cancel("alice", "0000-1111-2222")
	wantErr(t, "cancel of an unknown number", err, ledger.ErrNotFound)
	_, err = cancel("nobody", c.Number)
	wantErr(t, "cancel by a user without an account", err, ledger.ErrNotFound)

	e.clock.Advance(time.Minute)
	r, err := cancel("alice", c.Number)
	must(t, "CancelCheck", err)
	want := c
	want.Status, want.ResolvedAt = ledger.StatusCancelled, e.now()
	if r.Balance != 5000 || r.Replayed {
		t.Fatalf("CancelCheck = %+v, want balance 5000", r)
	}
	sameCheck(t, "cancelled check", r.Check, want)
	sameCheck(t, "Check() after cancel", e.check(c.Number), want)
	_, err = cancel("alice", c.Number)
	wantErr(t, "cancelling twice", err, ledger.ErrResolved)
	_, err = e.accept("bob", c.Number, c.Code)
	wantErr(t, "accepting a cancelled check", err, ledger.ErrResolved)

	used := e.create("alice", 500)
	_, err = e.accept("bob", used.Number, used.Code)
	must(t, "accept", err)
	_, err = cancel("alice", used.Number)
	wantErr(t, "cancelling a used check", err, ledger.ErrResolved)

	req := e.createReq("alice", 700)
	req.ExpiresAt = req.Now.Add(time.Hour)
	res, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck", err)
	e.clock.Advance(time.Hour)
	_, err = s.ExpireDue(ctx, e.now(), 10)
	must(t, "ExpireDue", err)
	_, err = cancel("alice", res.Check.Number)
	wantErr(t, "cancelling an expired check", err, ledger.ErrExpired)
	e.wantBalance("alice", 4500)
	e.wantBalance("bob", 510)
}

func testExpiry(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 1000)
	e.open("bob", "RUB")
	mk := func(amount int64, life time.Duration) ledger.Check {
		t.Helper()
		req := e.createReq("alice", amount)
		req.ExpiresAt = req.Now.Add(life)
		r, err := s.CreateCheck(ctx, req)
		must(t, "CreateCheck", err)
		return r.Check
	}
	c1 := mk(100, time.Hour)
	c2 := mk(200, time.Hour)
	c3 := mk(300, time.Hour)
	c4 := mk(400, 2*time.Hour)
	expiry := c1.ExpiresAt

	e.clock.Set(expiry.Add(-time.Millisecond))
	r, err := e.accept("bob", c1.Number, c1.Code)
	must(t, "accept 1 ms before expiry", err)
	if r.Balance != 100 {
		t.Fatalf("balance = %d", r.Balance)
	}
	e.clock.Set(expiry)
	_, err = e.accept("bob", c2.Number, c2.Code)
	wantErr(t, "accept at expires_at (sweeper not run)", err, ledger.ErrExpired)
	e.clock.Set(expiry.Add(time.Minute))
	_, err = e.accept("bob", c3.Number, c3.Code)
	wantErr(t, "accept after expires_at (sweeper not run)", err, ledger.ErrExpired)
	if got := e.check(c2.Number); got.Status != ledger.StatusActive || got.FailedAttempts != 0 {
		t.Fatalf("refused late accept changed the check: %+v", got)
	}
	e.wantBalance("bob", 100)

	got, err := s.ExpireDue(ctx, expiry.Add(-time.Millisecond), 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("ExpireDue before any expiry = %v, %v; want none", got, err)
	}
	got, err = s.ExpireDue(ctx, expiry, 1)
	must(t, "ExpireDue", err)
	if len(got) != 1 {
		t.Fatalf("ExpireDue(limit 1) returned %d checks", len(got))
	}
	got2, err := s.ExpireDue(ctx, expiry, 10)
	must(t, "ExpireDue", err)
	got = append(got, got2...)
	if len(got) != 2 {
		t.Fatalf("ExpireDue expired %d checks, want c2 and c3", len(got))
	}
	for _, c := range got {
		if c.Number != c2.Number && c.Number != c3.Number {
			t.Fatalf("ExpireDue expired %s, which was not due", c.Number)
		}
		if c.Status != ledger.StatusExpired || c.ResolvedAt.IsZero() {
			t.Fatalf("ExpireDue returned %+v, want it expired", c)
		}
		if st := e.check(c.Number); st.Status != ledger.StatusExpired {
			t.Fatalf("check %s is %s after ExpireDue", c.Number, st.Status)
		}
	}
	e.wantBalance("alice", 1000-100-400)
	got, err = s.ExpireDue(ctx, e.now(), 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("second ExpireDue = %v, %v; want none", got, err)
	}
	_, err = e.accept("bob", c2.Number, c2.Code)
	wantErr(t, "accepting an expired check", err, ledger.ErrExpired)
	if st := e.check(c4.Number); st.Status != ledger.StatusActive {
		t.Fatalf("c4 is %s, want active", st.Status)
	}
	rep := e.audit()
	if tot := rep.Totals["RUB"]; tot.Active != 400 || tot.Users != 600 {
		t.Fatalf("RUB totals = %+v, want 400 active and 600 with users", tot)
	}
}

func testExpireDueConcurrent(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	const n = 40
	e.fund("alice", n*100)
	e.fund("bob", 50)
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		req := e.createReq("alice", 100)
		req.ExpiresAt = req.Now.Add(time.Duration(i+1) * time.Second)
		if i%2 == 1 {
			req.UserID, req.Amount = "bob", 1
		}
		r, err := s.CreateCheck(ctx, req)
		must(t, "CreateCheck", err)
		want[r.Check.Number] = true
	}
	e.clock.Advance(time.Hour)
	var mu sync.Mutex
	seen := map[string]int{}
	parallel(8, func(int) {
		for {
			got, err := s.ExpireDue(ctx, e.now(), 3)
			if err != nil {
				t.Errorf("ExpireDue: %v", err)
				return
			}
			if len(got) > 3 {
				t.Errorf("ExpireDue(limit 3) returned %d checks", len(got))
			}
			if len(got) == 0 {
				return
			}
			mu.Lock()
			for _, c := range got {
				seen[c.Number]++
			}
			mu.Unlock()
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	if len(seen) != n {
		t.Fatalf("concurrent sweeps expired %d distinct checks, want %d", len(seen), n)
	}
	for num, k := range seen {
		if k != 1 || !want[num] {
			t.Fatalf("check %s was returned %d times by concurrent sweeps", num, k)
		}
	}
	e.wantBalance("alice", n*100)
	e.wantBalance("bob", 50)
}

func testCanceledContext(e *env) {
	t, s := e.t, e.s
	e.fund("alice", 1000)
	before := e.audit()
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	req := e.createReq("alice", 100)
	if _, err := s.CreateCheck(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateCheck with a cancelled context: got %v, want context.Canceled", err)
	}
	if after := e.audit(); after.Transactions != before.Transactions || after.Checks != before.Checks {
		t.Fatal("a cancelled CreateCheck left rows")
	}
	e.wantBalance("alice", 1000)
}
