package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
)

// RunPayments runs the conformance suite of ledger.Payments: top-up orders
// credited exactly once per cumulative paid amount (every notice delivered
// three times, shuffled, concurrently), partial, over- and late payments,
// expiry, and withdrawals that are never lost and never paid twice,
// whatever the transfer's outcome. open must return a new, empty store
// that also implements ledger.Payments; RunPayments closes it.
//
// Beyond the interface's comments, the suite pins down these choices:
//   - a notice reporting less than the recorded paid total (an old one,
//     delivered late) changes nothing;
//   - a payment after close or after expiry is credited all the same;
//   - OpenOrders excludes closed, expired and declined orders.
func RunPayments(t *testing.T, open func(t *testing.T) ledger.Store) {
	tests := []struct {
		name string
		fn   func(e *penv)
	}{
		{"Orders", testOrders},
		{"CallbacksThreeTimesShuffled", testCallbacksShuffled},
		{"PartialThenRest", testPartialThenRest},
		{"OverPayment", testOverPayment},
		{"PaymentAfterClose", testPaymentAfterClose},
		{"ExpiredOrder", testExpiredOrder},
		{"PollOrders", testPollOrders},
		{"Declined", testDeclined},
		{"WithdrawalSent", testWithdrawalSent},
		{"WithdrawalDefiniteFailure", testWithdrawalFailed},
		{"WithdrawalUnknown", testWithdrawalUnknown},
		{"WithdrawalRaces", testWithdrawalRaces},
		{"WithdrawalIdempotency", testWithdrawalIdempotency},
		{"WithdrawalLeases", testWithdrawalLeases},
		{"WithdrawalWorkers", testWithdrawalWorkers},
		{"TOTPSteps", testTOTPSteps},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			p, ok := s.(ledger.Payments)
			if !ok {
				t.Fatalf("%T does not implement ledger.Payments", s)
			}
			e := &penv{env: newEnv(t, s), p: p}
			tc.fn(e)
			if !t.Failed() {
				RequireAudit(t, s)
			}
		})
	}
}

type penv struct {
	*env
	p   ledger.Payments
	ids atomic.Int64
}

const testProvider = "briacoin"

// order opens a RUB account for user if needed and records an order for
// expected minor units.
func (e *penv) order(user string, expected int64) ledger.Order {
	e.t.Helper()
	if _, err := e.s.Account(e.ctx, user); errors.Is(err, ledger.ErrNotFound) {
		e.open(user, "RUB")
	}
	n := e.ids.Add(1)
	o, replayed, err := e.p.CreateOrder(e.ctx, ledger.NewOrder{
		ID: fmt.Sprintf("%032X", n), Provider: testProvider, ExternalID: fmt.Sprint(n), UserID: user,
		Currency: "RUB", Expected: expected, Source: ledger.ExternalBriaIn, Meta: `{"wallet":"B123"}`,
		Now: e.now(), ExpiresAt: e.now().Add(time.Hour),
	})
	if err != nil || replayed {
		e.t.Fatalf("CreateOrder: %v (replayed %v)", err, replayed)
	}
	return o
}

func (e *penv) pay(o ledger.Order, event string, paid int64, status string) ledger.PaymentResult {
	e.t.Helper()
	r, err := e.p.RecordPayment(e.ctx, ledger.PaymentUpdate{Provider: o.Provider, EventID: event, ExternalID: o.ExternalID,
		PaidTotal: paid, PaidNative: paid * 1000, Status: status, Now: e.now()})
	if err != nil {
		e.t.Fatalf("RecordPayment(%s, %d, %s): %v", event, paid, status, err)
	}
	return r
}

func (e *penv) getOrder(id string) ledger.Order {
	e.t.Helper()
	o, err := e.p.Order(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Order(%s): %v", id, err)
	}
	return o
}

func (e *penv) wantOrder(id string, paid, credited int64, status string) ledger.Order {
	e.t.Helper()
	o := e.getOrder(id)
	if o.PaidTotal != paid || o.Credited != credited || o.Status != status {
		e.t.Fatalf("order %s: paid %d credited %d %s, want paid %d credited %d %s", id, o.PaidTotal, o.Credited, o.Status, paid, credited, status)
	}
	return o
}

func testOrders(e *penv) {
	t, p, ctx := e.t, e.p, e.ctx
	e.open("alice", "RUB")
	e.open("usd", "USD")
	req := ledger.NewOrder{ID: "A1", Provider: "bank:sandbox", ExternalID: "txn_1", UserID: "alice", Currency: "RUB",
		Expected: 5000, Source: ledger.ExternalBankIn, Meta: `{"paymentUrl":"http://x"}`, Now: e.now(),
		ExpiresAt: e.now().Add(time.Hour), Idem: idem("k1", "topup 5000")}
	o, replayed, err := p.CreateOrder(ctx, req)
	must(t, "CreateOrder", err)
	if replayed || o.ID != "A1" || o.Status != ledger.OrderNew || o.Expected != 5000 || o.Credited != 0 || o.UserID != "alice" ||
		o.Meta != `{"paymentUrl":"http://x"}` || !o.ExpiresAt.Equal(e.now().Add(time.Hour)) {
		t.Fatalf("CreateOrder = %+v (replayed %v)", o, replayed)
	}
	o2, replayed, err := p.CreateOrder(ctx, req)
	if err != nil || !replayed || o2.ID != o.ID {
		t.Fatalf("replayed CreateOrder = %+v, %v, %v", o2, replayed, err)
	}
	byKey, h, err := p.OrderByKey(ctx, "alice", "k1")
	if err != nil || byKey.ID != o.ID || string(h) != string(req.Idem.Hash) {
		t.Fatalf("OrderByKey = %+v, %x, %v", byKey, h, err)
	}
	if _, _, err := p.OrderByKey(ctx, "alice", "k2"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("OrderByKey of an unused key: %v", err)
	}
	if _, _, err := p.OrderByKey(ctx, "bob", "k1"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("OrderByKey of another user's key: %v", err)
	}
	other := req
	other.Expected, other.Idem = 6000, idem("k1", "topup 6000")
	_, _, err = p.CreateOrder(ctx, other)
	wantErr(t, "same key, another order", err, ledger.ErrIdempotencyReuse)
	dup := req
	dup.ID, dup.Idem = "A2", nil
	if _, _, err := p.CreateOrder(ctx, dup); err == nil {
		t.Fatal("a second order with the same provider and external id was recorded")
	}
	cur := req
	cur.ID, cur.ExternalID, cur.UserID, cur.Idem = "A3", "txn_3", "usd", nil
	_, _, err = p.CreateOrder(ctx, cur)
	wantErr(t, "order in another currency than the account's", err, ledger.ErrCurrencyMismatch)
	nobody := req
	nobody.ID, nobody.ExternalID, nobody.UserID, nobody.Idem = "A4", "txn_4", "nobody", nil
	_, _, err = p.CreateOrder(ctx, nobody)
	wantErr(t, "order of an unknown user", err, ledger.ErrNotFound)
	bad := req
	bad.ID, bad.ExternalID, bad.Idem, bad.Source = "A5", "txn_5", nil, "user:alice"
	if _, _, err := p.CreateOrder(ctx, bad); err == nil {
		t.Fatal("an order credited from a non-external account was recorded")
	}

	got, err := p.OrderByExternal(ctx, "bank:sandbox", "txn_1")
	if err != nil || got.ID != "A1" {
		t.Fatalf("OrderByExternal = %+v, %v", got, err)
	}
	if _, err := p.Order(ctx, "nope"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("Order(nope): %v", err)
	}
	e.clock.Advance(time.Second)
	b := e.order("alice", 100)
	list, err := p.OrdersByUser(ctx, "alice", 0)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != "A1" {
		t.Fatalf("OrdersByUser = %+v, %v", list, err)
	}
	if list, err := p.OrdersByUser(ctx, "nobody", 0); err != nil || len(list) != 0 {
		t.Fatalf("OrdersByUser(nobody) = %+v, %v", list, err)
	}
	open, err := p.OpenOrders(ctx, testProvider, 0)
	if err != nil || len(open) != 1 || open[0].ID != b.ID {
		t.Fatalf("OpenOrders = %+v, %v", open, err)
	}
	if _, err := p.RecordPayment(ctx, ledger.PaymentUpdate{Provider: testProvider, EventID: "x", ExternalID: "999",
		PaidTotal: 1, Status: ledger.OrderPart, Now: e.now()}); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("payment for an unknown order: %v", err)
	}
	e.wantBalance("alice", 0)
}

// testCallbacksShuffled: an order paid in three steps, each notice
// delivered three times, plus reconciliation reads, all shuffled and
// concurrent. The money is credited exactly once per cumulative amount.
func testCallbacksShuffled(e *penv) {
	t := e.t
	for round := 0; round < 5; round++ {
		o := e.order("alice", 1000)
		type notice struct {
			event  string
			paid   int64
			status string
		}
		steps := []notice{{o.ID + "-e1", 300, ledger.OrderPart}, {o.ID + "-e2", 700, ledger.OrderPart}, {o.ID + "-e3", 1000, ledger.OrderClose}}
		var all []notice
		for _, s := range steps {
			for i := 0; i < 3; i++ {
				all = append(all, s)
			}
			all = append(all, notice{"", s.paid, s.status}) // a reconciliation read
		}
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		before := e.balance("alice")
		var credited, dups atomic.Int64
		var mu sync.Mutex
		var errs []error
		parallel(len(all), func(i int) {
			n := all[i]
			r, err := e.p.RecordPayment(e.ctx, ledger.PaymentUpdate{Provider: o.Provider, EventID: n.event, ExternalID: o.ExternalID,
				PaidTotal: n.paid, PaidNative: n.paid, Status: n.status, Now: e.now()})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			credited.Add(r.Credited)
			if r.Duplicate {
				dups.Add(1)
			}
			if r.Order.Credited > r.Order.PaidTotal {
				mu.Lock()
				errs = append(errs, fmt.Errorf("credited %d above paid %d", r.Order.Credited, r.Order.PaidTotal))
				mu.Unlock()
			}
		})
		if len(errs) > 0 {
			t.Fatalf("round %d: %v", round, errs)
		}
		if credited.Load() != 1000 || dups.Load() != 6 {
			t.Fatalf("round %d: the calls credited %d (want 1000) with %d duplicates (want 6)", round, credited.Load(), dups.Load())
		}
		e.wantOrder(o.ID, 1000, 1000, ledger.OrderClose)
		e.wantBalance("alice", before+1000)
		e.audit()
	}
}

func testPartialThenRest(e *penv) {
	o := e.order("alice", 1000)
	r := e.pay(o, "p1", 400, ledger.OrderPart)
	if r.Credited != 400 || r.Balance != 400 || r.Order.Status != ledger.OrderPart {
		e.t.Fatalf("first part: %+v", r)
	}
	e.audit()
	// An old notice delivered late changes nothing.
	if r := e.pay(o, "p0", 100, ledger.OrderNew); r.Credited != 0 || r.Order.PaidTotal != 400 || r.Order.Status != ledger.OrderPart {
		e.t.Fatalf("late old notice: %+v", r)
	}
	r = e.pay(o, "p2", 1000, ledger.OrderClose)
	if r.Credited != 600 || r.Balance != 1000 {
		e.t.Fatalf("the rest: %+v", r)
	}
	e.wantOrder(o.ID, 1000, 1000, ledger.OrderClose)
	open, err := e.p.OpenOrders(e.ctx, testProvider, 0)
	if err != nil || len(open) != 0 {
		e.t.Fatalf("OpenOrders after close = %+v, %v", open, err)
	}
	settled, err := e.p.SettledNative(e.ctx, testProvider)
	if err != nil || settled != 1000*1000 {
		e.t.Fatalf("SettledNative = %d, %v", settled, err)
	}
	if list, err := e.p.ClosedSince(e.ctx, testProvider, e.now().Add(-time.Millisecond), 0); err != nil || len(list) != 1 || list[0].ID != o.ID {
		e.t.Fatalf("ClosedSince just before the close = %+v, %v", list, err)
	}
	if list, err := e.p.ClosedSince(e.ctx, testProvider, e.now(), 0); err != nil || len(list) != 0 {
		e.t.Fatalf("ClosedSince the close = %+v, %v", list, err)
	}
}

func testOverPayment(e *penv) {
	o := e.order("alice", 1000)
	e.pay(o, "o1", 1500, ledger.OrderClose)
	e.wantOrder(o.ID, 1500, 1500, ledger.OrderClose)
	e.wantBalance("alice", 1500)
}

func testPaymentAfterClose(e *penv) {
	o := e.order("alice", 1000)
	e.pay(o, "c1", 1000, ledger.OrderClose)
	// The service keeps crediting coins sent to a closed order's wallet;
	// so do we, and the status stays close even if a notice says part.
	r := e.pay(o, "c2", 1200, ledger.OrderPart)
	if r.Credited != 200 || r.Order.Status != ledger.OrderClose {
		e.t.Fatalf("payment after close: %+v", r)
	}
	e.wantOrder(o.ID, 1200, 1200, ledger.OrderClose)
	e.wantBalance("alice", 1200)
}

func testExpiredOrder(e *penv) {
	t, p, ctx := e.t, e.p, e.ctx
	o := e.order("alice", 1000)
	keep := e.order("alice", 500)
	e.pay(keep, "k1", 100, ledger.OrderPart)
	e.clock.Advance(30 * time.Minute)
	if got, err := p.ExpireOrders(ctx, e.now(), 0); err != nil || len(got) != 0 {
		t.Fatalf("ExpireOrders before expiry = %+v, %v", got, err)
	}
	e.clock.Advance(30 * time.Minute)
	later := e.order("alice", 700) // expires an hour from now
	got, err := p.ExpireOrders(ctx, e.now(), 0)
	if err != nil || len(got) != 2 || got[0].Status != ledger.OrderExpired || got[1].Status != ledger.OrderExpired {
		t.Fatalf("ExpireOrders = %+v, %v", got, err)
	}
	if got, err := p.ExpireOrders(ctx, e.now(), 0); err != nil || len(got) != 0 {
		t.Fatalf("second ExpireOrders = %+v, %v", got, err)
	}
	open, err := p.OpenOrders(ctx, testProvider, 0)
	if err != nil || len(open) != 1 || open[0].ID != later.ID {
		t.Fatalf("OpenOrders after expiry = %+v, %v", open, err)
	}
	e.wantOrder(keep.ID, 100, 100, ledger.OrderExpired)
	// Money that arrives after expiry is still the user's: it is credited;
	// a part payment leaves the order expired, a full one closes it.
	r := e.pay(o, "late1", 300, ledger.OrderPart)
	if r.Credited != 300 || r.Order.Status != ledger.OrderExpired {
		t.Fatalf("part payment after expiry: %+v", r)
	}
	r = e.pay(o, "late2", 1000, ledger.OrderClose)
	if r.Credited != 700 || r.Order.Status != ledger.OrderClose {
		t.Fatalf("full payment after expiry: %+v", r)
	}
	e.wantBalance("alice", 1100)
}

func testDeclined(e *penv) {
	o := e.order("alice", 1000)
	r := e.pay(o, "d1", 0, ledger.OrderDeclined)
	if r.Credited != 0 || r.Order.Status != ledger.OrderDeclined {
		e.t.Fatalf("declined: %+v", r)
	}
	open, err := e.p.OpenOrders(e.ctx, testProvider, 0)
	if err != nil || len(open) != 0 {
		e.t.Fatalf("OpenOrders after decline = %+v, %v", open, err)
	}
	e.wantBalance("alice", 0)
}

func (e *penv) withdrawal(user, ref string, amount int64) ledger.Withdrawal {
	e.t.Helper()
	w, replayed, err := e.p.StartWithdrawal(e.ctx, ledger.NewWithdrawal{Ref: ref, UserID: user, Amount: amount, Currency: "RUB",
		Destination: "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", Provider: testProvider, Outflow: ledger.ExternalBriaOut,
		Meta: `{"coins":"1.5"}`, Now: e.now()})
	if err != nil || replayed {
		e.t.Fatalf("StartWithdrawal(%s): %v (replayed %v)", ref, err, replayed)
	}
	return w
}

// leaseFor is how long the suite's withdrawal leases last.
const leaseFor = time.Minute

// claimAs leases the withdrawal for owner and claims it for sending.
func (e *penv) claimAs(owner, ref, meta string) (ledger.Withdrawal, error) {
	if _, err := e.p.LeaseWithdrawal(e.ctx, ref, owner, e.now(), e.now().Add(leaseFor)); err != nil {
		return ledger.Withdrawal{}, err
	}
	return e.p.ClaimWithdrawal(e.ctx, ref, owner, meta, e.now(), e.now().Add(leaseFor))
}

func (e *penv) claim(ref, meta string) (ledger.Withdrawal, error) {
	return e.claimAs("worker", ref, meta)
}

func (e *penv) finish(ref, status, txid string) (ledger.Withdrawal, error) {
	return e.p.FinishWithdrawal(e.ctx, ledger.FinishWithdrawal{Ref: ref, Status: status, TxID: txid, Reason: "test", Now: e.now()})
}

func (e *penv) wantPending(cur string, want int64) {
	e.t.Helper()
	if got := e.audit().Totals[cur].Pending; got != want {
		e.t.Fatalf("pending outflows %s = %d, want %d", cur, got, want)
	}
}

func testWithdrawalSent(e *penv) {
	t := e.t
	e.fund("alice", 10000)
	w := e.withdrawal("alice", "W1", 4000)
	if w.Status != ledger.WithdrawPending || w.Attempted() || w.Amount != 4000 || w.UserID != "alice" {
		t.Fatalf("StartWithdrawal = %+v", w)
	}
	e.wantBalance("alice", 6000)
	e.wantPending("RUB", 4000)
	// Sent needs a claim first: nothing unclaimed can have been sent.
	_, err := e.finish("W1", ledger.WithdrawSent, "tx1")
	wantErr(t, "sent before the claim", err, ledger.ErrWithdrawalState)
	c, err := e.claim("W1", `{"coins":"1.5","balanceBefore":"10.0"}`)
	if err != nil || !c.Attempted() || c.Meta != `{"coins":"1.5","balanceBefore":"10.0"}` {
		t.Fatalf("ClaimWithdrawal = %+v, %v", c, err)
	}
	_, err = e.claim("W1", "")
	wantErr(t, "second claim", err, ledger.ErrWithdrawalState)
	s, err := e.finish("W1", ledger.WithdrawSent, "tx1")
	if err != nil || s.Status != ledger.WithdrawSent || s.TxID != "tx1" {
		t.Fatalf("FinishWithdrawal(sent) = %+v, %v", s, err)
	}
	before := e.audit()
	if s, err := e.finish("W1", ledger.WithdrawSent, "tx1"); err != nil || s.Status != ledger.WithdrawSent {
		t.Fatalf("repeated sent = %+v, %v", s, err)
	}
	for _, st := range []string{ledger.WithdrawFailed, ledger.WithdrawUnknown, ledger.WithdrawPending} {
		_, err = e.finish("W1", st, "")
		wantErr(t, "sent, then "+st, err, ledger.ErrWithdrawalState)
	}
	_, err = e.finish("W1", ledger.WithdrawSent, "tx2")
	wantErr(t, "sent again with another txid", err, ledger.ErrWithdrawalState)
	if after := e.audit(); after.Transactions != before.Transactions {
		t.Fatal("a repeated outcome added a transaction")
	}
	e.wantBalance("alice", 6000)
	e.wantPending("RUB", 0)
	if tot := e.audit().Totals["RUB"]; tot.Outflows != 4000 {
		t.Fatalf("outflows = %d, want 4000", tot.Outflows)
	}
	if list, err := e.p.PendingWithdrawals(e.ctx, 0); err != nil || len(list) != 0 {
		t.Fatalf("PendingWithdrawals = %+v, %v", list, err)
	}
	if list, err := e.p.WithdrawalsByUser(e.ctx, "alice", 0); err != nil || len(list) != 1 || list[0].Ref != "W1" {
		t.Fatalf("WithdrawalsByUser = %+v, %v", list, err)
	}
	_, _, err = e.p.StartWithdrawal(e.ctx, ledger.NewWithdrawal{Ref: "W2", UserID: "alice", Amount: 6001, Currency: "RUB",
		Destination: "B1", Provider: testProvider, Outflow: ledger.ExternalBriaOut, Now: e.now()})
	wantErr(t, "withdrawing more than the balance", err, ledger.ErrInsufficientFunds)
	if _, err := e.p.Withdrawal(e.ctx, "W2"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a refused withdrawal was recorded: %v", err)
	}
}

func testWithdrawalFailed(e *penv) {
	t := e.t
	e.fund("alice", 10000)
	// Failed before any attempt (e.g. the provider's balance was short).
	e.withdrawal("alice", "F1", 1000)
	w, err := e.finish("F1", ledger.WithdrawFailed, "")
	if err != nil || w.Status != ledger.WithdrawFailed {
		t.Fatalf("FinishWithdrawal(failed) = %+v, %v", w, err)
	}
	// Failed after the attempt: the provider refused it (a definite answer).
	e.withdrawal("alice", "F2", 2000)
	_, err = e.claim("F2", "")
	must(t, "claim", err)
	_, err = e.finish("F2", ledger.WithdrawFailed, "")
	must(t, "failed after the claim", err)
	_, err = e.finish("F2", ledger.WithdrawSent, "tx")
	wantErr(t, "failed, then sent", err, ledger.ErrWithdrawalState)
	_, err = e.claim("F2", "")
	wantErr(t, "claim after failure", err, ledger.ErrWithdrawalState)
	e.wantBalance("alice", 10000)
	e.wantPending("RUB", 0)
	// A request that surely never left is released and tried again.
	e.withdrawal("alice", "F3", 500)
	_, err = e.claim("F3", "")
	must(t, "claim", err)
	w, err = e.finish("F3", ledger.WithdrawPending, "")
	if err != nil || w.Status != ledger.WithdrawPending || w.Attempted() {
		t.Fatalf("release = %+v, %v", w, err)
	}
	_, err = e.claim("F3", "")
	must(t, "claim after release", err)
	_, err = e.finish("F3", ledger.WithdrawSent, "tx3")
	must(t, "sent after release", err)
	e.wantBalance("alice", 9500)
}

func testWithdrawalUnknown(e *penv) {
	t := e.t
	e.fund("alice", 10000)
	for i, outcome := range []string{ledger.WithdrawSent, ledger.WithdrawFailed} {
		ref := fmt.Sprintf("U%d", i)
		e.withdrawal("alice", ref, 1000)
		_, err := e.claim(ref, "")
		must(t, "claim", err)
		w, err := e.finish(ref, ledger.WithdrawUnknown, "")
		if err != nil || w.Status != ledger.WithdrawUnknown {
			t.Fatalf("unknown = %+v, %v", w, err)
		}
		e.wantPending("RUB", 1000)
		// Never sent twice: an unknown withdrawal cannot be claimed again
		// or released.
		_, err = e.claim(ref, "")
		wantErr(t, "claim of an unknown withdrawal", err, ledger.ErrWithdrawalState)
		_, err = e.finish(ref, ledger.WithdrawPending, "")
		wantErr(t, "release of an unknown withdrawal", err, ledger.ErrWithdrawalState)
		list, err := e.p.PendingWithdrawals(e.ctx, 0)
		if err != nil || len(list) != 1 || list[0].Ref != ref {
			t.Fatalf("PendingWithdrawals = %+v, %v", list, err)
		}
		// Reconciliation resolves it either way.
		w, err = e.finish(ref, outcome, "")
		if err != nil || w.Status != outcome {
			t.Fatalf("resolve unknown as %s = %+v, %v", outcome, w, err)
		}
		e.wantPending("RUB", 0)
	}
	e.wantBalance("alice", 9000)
}

// testWithdrawalRaces: concurrent claims have one winner; concurrent
// outcomes have one winner; the money moves once.
func testWithdrawalRaces(e *penv) {
	t := e.t
	e.fund("alice", 100000)
	for round := 0; round < 10; round++ {
		ref := fmt.Sprintf("R%d", round)
		e.withdrawal("alice", ref, 1000)
		var wins atomic.Int32
		parallel(8, func(i int) {
			if _, err := e.claimAs(fmt.Sprintf("worker-%d", i), ref, ""); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, ledger.ErrWithdrawalState) {
				t.Errorf("claim: %v", err)
			}
		})
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
		var sent, failed atomic.Int32
		parallel(8, func(i int) {
			st := ledger.WithdrawSent
			if i%2 == 1 {
				st = ledger.WithdrawFailed
			}
			w, err := e.finish(ref, st, "")
			switch {
			case err == nil && w.Status == ledger.WithdrawSent:
				sent.Add(1)
			case err == nil && w.Status == ledger.WithdrawFailed:
				failed.Add(1)
			case !errors.Is(err, ledger.ErrWithdrawalState):
				t.Errorf("finish: %v", err)
			}
		})
		if (sent.Load() == 0) == (failed.Load() == 0) {
			t.Fatalf("both or neither outcome applied: sent %d, failed %d", sent.Load(), failed.Load())
		}
		e.audit()
	}
}

func testWithdrawalIdempotency(e *penv) {
	t, p := e.t, e.p
	e.fund("alice", 10000)
	req := ledger.NewWithdrawal{Ref: "I1", UserID: "alice", Amount: 1000, Currency: "RUB", Destination: "B1",
		Provider: testProvider, Outflow: ledger.ExternalBriaOut, Now: e.now(), Idem: idem("wk", "withdraw 1000")}
	w, replayed, err := p.StartWithdrawal(e.ctx, req)
	if err != nil || replayed {
		t.Fatalf("StartWithdrawal = %v, %v", replayed, err)
	}
	// The same key replays whatever ref a retry carries.
	again := req
	again.Ref = "I2"
	w2, replayed, err := p.StartWithdrawal(e.ctx, again)
	if err != nil || !replayed || w2.Ref != w.Ref {
		t.Fatalf("replay by key = %+v, %v, %v", w2, replayed, err)
	}
	other := req
	other.Ref, other.Amount, other.Idem = "I3", 2000, idem("wk", "withdraw 2000")
	_, _, err = p.StartWithdrawal(e.ctx, other)
	wantErr(t, "same key, another withdrawal", err, ledger.ErrIdempotencyReuse)
	// The same ref without a key replays when the terms agree.
	byRef := req
	byRef.Idem = nil
	if _, replayed, err := p.StartWithdrawal(e.ctx, byRef); err != nil || !replayed {
		t.Fatalf("replay by ref = %v, %v", replayed, err)
	}
	byRef.Amount = 999
	_, _, err = p.StartWithdrawal(e.ctx, byRef)
	wantErr(t, "same ref, other terms", err, ledger.ErrIdempotencyReuse)
	var wins atomic.Int32
	parallel(8, func(i int) {
		r := req
		r.Ref, r.Idem = fmt.Sprintf("C%d", i), idem("concurrent", "withdraw 1000")
		if _, replayed, err := p.StartWithdrawal(e.ctx, r); err != nil {
			t.Errorf("concurrent StartWithdrawal: %v", err)
		} else if !replayed {
			wins.Add(1)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent withdrawals with one key debited, want 1", wins.Load())
	}
	e.wantBalance("alice", 8000)
}

func testTOTPSteps(e *penv) {
	t, p := e.t, e.p
	for _, c := range []struct {
		step uint64
		want bool
	}{{100, true}, {100, false}, {99, false}, {101, true}, {0, false}} {
		ok, err := p.AdvanceStep(e.ctx, "secret-a", c.step)
		if err != nil || ok != c.want {
			t.Fatalf("AdvanceStep(%d) = %v, %v; want %v", c.step, ok, err, c.want)
		}
	}
	if ok, err := p.AdvanceStep(e.ctx, "secret-b", 100); err != nil || !ok {
		t.Fatalf("another secret's step: %v, %v", ok, err)
	}
	var wins atomic.Int32
	parallel(8, func(int) {
		if ok, err := p.AdvanceStep(e.ctx, "secret-a", 200); err != nil {
			t.Errorf("AdvanceStep: %v", err)
		} else if ok {
			wins.Add(1)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent uses of one step accepted, want 1", wins.Load())
	}
}

// SeedPayments fills an empty store for the schema and audit tests of a
// backend: alice in RUB, order O1 (briacoin external id "1") paid 600 of
// 1000, and withdrawal W1 of 100 pending. The audit must pass.
func SeedPayments(t testing.TB, s ledger.Store) {
	t.Helper()
	ctx, now := context.Background(), Start
	if _, err := s.OpenAccount(ctx, "alice", "RUB", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateOrder(ctx, ledger.NewOrder{ID: "O1", Provider: "briacoin", ExternalID: "1", UserID: "alice",
		Currency: "RUB", Expected: 1000, Source: ledger.ExternalBriaIn, Now: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordPayment(ctx, ledger.PaymentUpdate{Provider: "briacoin", EventID: "e1", ExternalID: "1",
		PaidTotal: 600, Status: ledger.OrderPart, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StartWithdrawal(ctx, ledger.NewWithdrawal{Ref: "W1", UserID: "alice", Amount: 100, Currency: "RUB",
		Destination: "B1", Provider: "briacoin", Outflow: ledger.ExternalBriaOut, Now: now}); err != nil {
		t.Fatal(err)
	}
	RequireAudit(t, s)
}

// testWithdrawalLeases: a withdrawal is worked on by one lease holder at a
// time; an attempted withdrawal whose lease ended was interrupted and is
// taken over; a provider's transfers never overlap.
func testWithdrawalLeases(e *penv) {
	t, p, ctx := e.t, e.p, e.ctx
	e.fund("alice", 100000)
	e.withdrawal("alice", "L1", 1000)
	e.withdrawal("alice", "L2", 2000)
	lease := func(owner, ref string) (ledger.Withdrawal, error) {
		return p.LeaseWithdrawal(ctx, ref, owner, e.now(), e.now().Add(leaseFor))
	}
	w, err := lease("A", "L1")
	if err != nil || w.ClaimedBy != "A" || !w.LeaseUntil.Equal(e.now().Add(leaseFor)) || w.Attempted() {
		t.Fatalf("LeaseWithdrawal = %+v, %v", w, err)
	}
	_, err = lease("B", "L1")
	wantErr(t, "a second owner's lease", err, ledger.ErrWithdrawalState)
	_, err = lease("B", "L2")
	wantErr(t, "a second withdrawal while one holds the transfer slot", err, ledger.ErrTransferBusy)
	_, err = p.ClaimWithdrawal(ctx, "L1", "B", "", e.now(), e.now().Add(leaseFor))
	wantErr(t, "a claim without the lease", err, ledger.ErrWithdrawalState)
	if _, err := p.LeaseWithdrawal(ctx, "L1", "A", e.now(), e.now()); err == nil {
		t.Fatal("a lease ending at once was accepted")
	}
	if _, err := p.LeaseWithdrawal(ctx, "nope", "A", e.now(), e.now().Add(leaseFor)); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("lease of an unknown withdrawal: %v", err)
	}
	c, err := p.ClaimWithdrawal(ctx, "L1", "A", `{"balanceBefore":1}`, e.now(), e.now().Add(leaseFor))
	if err != nil || !c.Attempted() || c.ClaimedBy != "A" {
		t.Fatalf("ClaimWithdrawal = %+v, %v", c, err)
	}
	e.clock.Advance(leaseFor / 2)
	_, err = lease("B", "L1")
	wantErr(t, "taking over a live lease", err, ledger.ErrWithdrawalState)
	// A's lease ends without an outcome: A died or gave up mid-transfer.
	e.clock.Advance(leaseFor / 2)
	if list, err := p.PendingWithdrawals(ctx, 0); err != nil || len(list) != 2 || list[0].Ref != "L1" ||
		!list[0].Attempted() || list[0].Leased("B", e.now()) {
		t.Fatalf("PendingWithdrawals = %+v, %v", list, err)
	}
	if w, err := lease("B", "L1"); err != nil || w.ClaimedBy != "B" || !w.Attempted() {
		t.Fatalf("taking over an ended lease = %+v, %v", w, err)
	}
	_, err = p.ClaimWithdrawal(ctx, "L1", "B", "", e.now(), e.now().Add(leaseFor))
	wantErr(t, "claiming an interrupted withdrawal again", err, ledger.ErrWithdrawalState)
	if _, err := e.finish("L1", ledger.WithdrawUnknown, ""); err != nil {
		t.Fatalf("interrupted, so unknown: %v", err)
	}
	_, err = lease("B", "L2")
	wantErr(t, "a transfer while another's outcome is unknown", err, ledger.ErrTransferBusy)
	// A's answer arrives late after all: it still lands.
	if w, err := e.finish("L1", ledger.WithdrawSent, "txL1"); err != nil || w.Status != ledger.WithdrawSent {
		t.Fatalf("late outcome = %+v, %v", w, err)
	}
	_, err = lease("B", "L1")
	wantErr(t, "lease of a sent withdrawal", err, ledger.ErrWithdrawalState)
	// The slot is free again. A lease that ends before any attempt is
	// taken over too; the earlier owner can then no longer claim.
	if _, err := lease("B", "L2"); err != nil {
		t.Fatal(err)
	}
	_, err = lease("A", "L2")
	wantErr(t, "a second owner's lease", err, ledger.ErrWithdrawalState)
	e.clock.Advance(leaseFor)
	if _, err := lease("A", "L2"); err != nil {
		t.Fatalf("taking over an ended, unattempted lease: %v", err)
	}
	_, err = p.ClaimWithdrawal(ctx, "L2", "B", "", e.now(), e.now().Add(leaseFor))
	wantErr(t, "claim by the earlier owner", err, ledger.ErrWithdrawalState)
	// Released (surely never sent): anyone may lease it; racing owners
	// have one winner.
	if w, err := e.finish("L2", ledger.WithdrawPending, ""); err != nil || w.ClaimedBy != "" || !w.LeaseUntil.IsZero() {
		t.Fatalf("release = %+v, %v", w, err)
	}
	var wins atomic.Int32
	parallel(8, func(i int) {
		if _, err := lease(fmt.Sprintf("R%d", i), "L2"); err == nil {
			wins.Add(1)
		} else if !errors.Is(err, ledger.ErrWithdrawalState) {
			t.Errorf("lease: %v", err)
		}
	})
	if wins.Load() != 1 {
		t.Fatalf("%d racing leases won, want 1", wins.Load())
	}
	if _, err := e.finish("L2", ledger.WithdrawFailed, ""); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", 100000-1000)
	e.wantPending("RUB", 0)
}

// testWithdrawalWorkers: four workers (server replicas) send 12
// withdrawals concurrently, each taking what it can lease: every
// withdrawal is sent exactly once, and no two transfers are ever in
// flight at once.
func testWithdrawalWorkers(e *penv) {
	t, p, ctx := e.t, e.p, e.ctx
	const n = 12
	e.fund("alice", 100000)
	for i := 0; i < n; i++ {
		e.withdrawal("alice", fmt.Sprintf("K%02d", i), 100)
	}
	var inflight, most, sends atomic.Int32
	parallel(4, func(worker int) {
		owner := fmt.Sprintf("replica-%d", worker)
		for round := 0; round < 1000; round++ {
			list, err := p.PendingWithdrawals(ctx, 0)
			if err != nil {
				t.Errorf("PendingWithdrawals: %v", err)
				return
			}
			if len(list) == 0 {
				return
			}
			for _, w := range list {
				if w.Leased(owner, e.now()) {
					continue
				}
				if _, err := p.LeaseWithdrawal(ctx, w.Ref, owner, e.now(), e.now().Add(leaseFor)); err != nil {
					if !errors.Is(err, ledger.ErrWithdrawalState) && !errors.Is(err, ledger.ErrTransferBusy) {
						t.Errorf("lease: %v", err)
					}
					continue
				}
				if _, err := p.ClaimWithdrawal(ctx, w.Ref, owner, "", e.now(), e.now().Add(leaseFor)); err != nil {
					t.Errorf("claim after a won lease: %v", err)
					return
				}
				cur := inflight.Add(1)
				for m := most.Load(); cur > m && !most.CompareAndSwap(m, cur); m = most.Load() {
				}
				sends.Add(1)
				inflight.Add(-1)
				if _, err := e.finish(w.Ref, ledger.WithdrawSent, "tx-"+w.Ref); err != nil {
					t.Errorf("finish: %v", err)
				}
			}
		}
		t.Errorf("%s: withdrawals still pending after 1000 rounds", owner)
	})
	if sends.Load() != n || most.Load() != 1 {
		t.Fatalf("%d sends (want %d), at most %d in flight at once (want 1)", sends.Load(), n, most.Load())
	}
	e.wantBalance("alice", 100000-n*100)
	e.wantPending("RUB", 0)
}

// testPollOrders: the reconciler's pick of orders to look up takes the
// least recently checked open ones, marks them, and never gives one order
// to two pollers in one interval.
func testPollOrders(e *penv) {
	t, p, ctx := e.t, e.p, e.ctx
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, e.order("alice", 100).ID)
		e.clock.Advance(time.Second)
	}
	e.clock.Advance(time.Minute)
	poll := func(limit int) []string {
		t.Helper()
		got, err := p.PollOrders(ctx, testProvider, e.now().Add(-30*time.Second), e.now(), limit)
		must(t, "PollOrders", err)
		var out []string
		for _, o := range got {
			if !o.CheckedAt.Equal(e.now()) || o.Provider != testProvider {
				t.Fatalf("polled order %+v: not marked checked now", o)
			}
			out = append(out, o.ID)
		}
		return out
	}
	if got := poll(2); fmt.Sprint(got) != fmt.Sprint(ids[:2]) {
		t.Fatalf("first poll = %v, want %v", got, ids[:2])
	}
	if got := poll(2); fmt.Sprint(got) != fmt.Sprint(ids[2:]) {
		t.Fatalf("second poll = %v, want %v", got, ids[2:])
	}
	if got := poll(2); len(got) != 0 {
		t.Fatalf("a poll within the interval = %v", got)
	}
	e.clock.Advance(time.Minute)
	o, err := p.Order(ctx, ids[1])
	must(t, "Order", err)
	e.pay(o, "poll-1", 100, ledger.OrderClose)
	if got := poll(0); fmt.Sprint(got) != fmt.Sprint([]string{ids[0], ids[2]}) {
		t.Fatalf("poll after one closed = %v", got)
	}
	// Concurrent pollers share the open orders without overlap.
	for i := 0; i < 5; i++ {
		e.order("alice", 100)
	}
	e.clock.Advance(time.Minute)
	var mu sync.Mutex
	seen := map[string]int{}
	parallel(8, func(int) {
		got, err := p.PollOrders(ctx, testProvider, e.now().Add(-30*time.Second), e.now(), 1)
		if err != nil {
			t.Errorf("PollOrders: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, o := range got {
			seen[o.ID]++
		}
	})
	if len(seen) != 7 {
		t.Fatalf("8 pollers of 7 open orders took %d distinct orders: %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("order %s was polled %d times in one interval", id, n)
		}
	}
}
