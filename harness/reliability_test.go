package harness

import (
	"context"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
)

var reliabilityDuration = flag.Duration("reliability.duration", 0,
	"how long the workload runs on each configuration (0: the short run of make test, 20s; make reliability: 3m)")

// reliabilityFlags: checks live 15 s, so the ones the workload leaves
// active expire during the run and the sweepers (one per replica) refund
// them, under the same faults.
var reliabilityFlags = []string{"--check-ttl", "15s"}

// faults counts what was injected.
type faults struct {
	mu                    sync.Mutex
	kills, pgStops, stall int
	notes                 map[string]int // what was done, how often
}

// result is one configuration's part of the summary.
type result struct {
	name                string
	ops, acked, unknown int64
	faults              int
	kills, pg, stall    int
	audits              int
	violations          []string
	payments            bool
}

// TestReliability is the Jepsen-bank-style workload on each configuration:
// SQLite, PostgreSQL with one replica, PostgreSQL with three replicas
// behind the round-robin client. It prints one summary line and fails on
// any violation.
func TestReliability(t *testing.T) {
	d := *reliabilityDuration
	if d <= 0 {
		d = 20 * time.Second
		if testing.Short() {
			d = 8 * time.Second
		}
	}
	var results []result
	parent := t
	t.Run("sqlite", func(t *testing.T) {
		s := newSystem(t, "sqlite", nil, 1, true, reliabilityFlags...)
		results = append(results, runReliability(t, s, d))
	})
	var pg *pgCluster
	t.Run("postgres-1", func(t *testing.T) {
		pg = startPG(t, parent)
		s := newSystem(t, "postgres-1", pg, 1, true, reliabilityFlags...)
		results = append(results, runReliability(t, s, d))
	})
	t.Run("postgres-3", func(t *testing.T) {
		if pg == nil {
			pg = startPG(t, parent)
		}
		s := newSystem(t, "postgres-3", pg, 3, true, reliabilityFlags...)
		results = append(results, runReliability(t, s, d))
	})
	var ops, acked, unknown int64
	var nf, kills, pgs, stalls, audits, nv int
	var names []string
	for _, r := range results {
		ops, acked, unknown = ops+r.ops, acked+r.acked, unknown+r.unknown
		nf, kills, pgs, stalls, audits, nv = nf+r.faults, kills+r.kills, pgs+r.pg, stalls+r.stall, audits+r.audits, nv+len(r.violations)
		n := r.name
		if !r.payments {
			n += " (no payment rails)"
		}
		names = append(names, n)
	}
	fmt.Printf("reliability: %s: %d operations (%d acknowledged, %d indeterminate), %d faults injected (kill -9 %d, pg_ctl stop -m immediate %d, provider stall %d), %d live audits, %d violations\n",
		strings.Join(names, ", "), ops, acked, unknown, nf, kills, pgs, stalls, audits, nv)
}

// runReliability runs the workload, the faults and the live auditor on s
// for d, lets the payments settle, checks every acknowledged operation and
// the final audit, and returns its part of the summary.
func runReliability(t *testing.T, s *system, d time.Duration) result {
	ctx := context.Background()
	us, err := s.users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := newHistory()
	var f faults
	var aud auditor
	if s.payments {
		// Every callback and webhook is delivered three times, concurrently.
		s.prov.sim.SetFaults(briacoin.Faults{DuplicateCallbacks: 2})
		s.prov.bank.SetFaults(bank.SandboxFaults{DuplicateWebhooks: 2})
	}

	wctx, stop := context.WithTimeout(ctx, d)
	defer stop()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.checkWorker(wctx, us, h) })
	}
	if s.payments {
		for range 2 {
			wg.Go(func() { s.paymentWorker(wctx, us, h) })
		}
	}
	wg.Go(func() { aud.loop(wctx, s, 2*time.Second) })
	wg.Go(func() { s.injectFaults(wctx, t, d, h, &f) })
	wg.Wait()
	s.late.Wait()

	// Everything back up, then let the payments settle.
	s.prov.setStall(false)
	s.recover(t, h)
	settleStart := time.Now()
	s.settle(ctx, t, h)
	t.Logf("%s: the payments settled in %s", s.name, time.Since(settleStart).Round(time.Millisecond))
	s.replays(ctx, us[0], h)
	s.verify(ctx, t, us, h)
	for _, w := range h.stuck {
		h.violate("acknowledged withdrawal %s did not reach sent or failed within 3 minutes of the run (money held)", w)
	}
	for _, r := range s.reps {
		if err := r.stop(); err != nil {
			h.violate("%v\n%s", err, r.logTail(20))
		}
	}
	for _, r := range s.reps {
		if logsMention([]*replica{r}, "panic") {
			h.violate("%s logged a panic:\n%s", r.name, r.logTail(40))
		}
	}
	final := s.audit(ctx)
	switch {
	case !final.ran:
		h.violate("final audit could not read the database:\n%s", final.output)
	case !final.ok:
		for _, v := range final.violations {
			h.violate("final audit: %s", v)
		}
	}
	aud.mu.Lock()
	violations := append(append([]string(nil), aud.violations...), h.violations...)
	audits, missed := aud.runs, aud.miss
	aud.mu.Unlock()
	for _, v := range violations {
		t.Error(v)
	}
	if len(violations) > 0 {
		if path, err := h.dump(s.name); err == nil {
			t.Logf("every acknowledged operation of %s is in %s; the replicas' logs are in %s", s.name, path, s.dir)
		}
		s.keepLogs = true
	}
	f.mu.Lock()
	res := result{name: s.name, ops: h.ops.Load(), acked: h.acked.Load(), unknown: h.unknown.Load(),
		faults: f.kills + f.pgStops + f.stall, kills: f.kills, pg: f.pgStops, stall: f.stall,
		audits: audits, violations: violations, payments: s.payments}
	var done []string
	for _, k := range sortedKeys(f.notes) {
		done = append(done, fmt.Sprintf("%s ×%d", k, f.notes[k]))
	}
	notes := strings.Join(done, "; ")
	f.mu.Unlock()
	var credited, declined, sentW, failedW int
	for _, a := range h.topups {
		if a.t.Credited > 0 {
			credited++
		}
		if a.t.Status == api.TopupDeclined {
			declined++
		}
	}
	for _, a := range h.withdraws {
		switch a.w.Status {
		case api.WithdrawSent:
			sentW++
		case api.WithdrawFailed:
			failedW++
		}
	}
	t.Logf("%s: payments settled: %d top-ups credited, %d declined; %d withdrawals sent, %d failed (refused or the merchant short of coins)",
		s.name, credited, declined, sentW, failedW)
	t.Logf("%s: %d operations (%d acknowledged, %d refused [%s], %d indeterminate of which %d server errors); %d creates, %d checks accepted, %d cancels, %d top-ups, %d withdrawals acknowledged; faults: %s; %d live audits (%d while the database was out of reach); %d violations",
		s.name, res.ops, res.acked, h.refused.Load(), h.refusals(), res.unknown, h.serverErrors.Load(), len(h.creates), len(h.accepts), len(h.cancels),
		len(h.topups), len(h.withdraws), notes, audits, missed, len(violations))
	if res.acked < 50 {
		t.Errorf("%s: only %d operations acknowledged; the load is too light to mean anything", s.name, res.acked)
	}
	return res
}

// injectFaults runs fault cycles until ctx ends: kill -9 of a replica and
// its restart, a stalled Briacoin service (with the payment rails on),
// and on PostgreSQL `pg_ctl stop -m immediate` and a restart. A cycle
// lasts 20 s (or d, if shorter).
func (s *system) injectFaults(ctx context.Context, t *testing.T, d time.Duration, h *history, f *faults) {
	cycle := min(d, 20*time.Second)
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	sleep := func(x time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(x):
			return true
		}
	}
	note := func(format string, args ...any) {
		f.mu.Lock()
		if f.notes == nil {
			f.notes = map[string]int{}
		}
		f.notes[fmt.Sprintf(format, args...)]++
		f.mu.Unlock()
	}
	for {
		if !sleep(cycle / 5) {
			return
		}
		rep := s.reps[r.IntN(len(s.reps))]
		rep.kill()
		f.mu.Lock()
		f.kills++
		f.mu.Unlock()
		note("kill -9 %s", rep.name)
		time.Sleep(500 * time.Millisecond)
		if err := rep.start(); err != nil {
			h.violate("%s did not come back after kill -9: %v", rep.name, err)
			return
		}
		if s.payments {
			if !sleep(cycle / 5) {
				return
			}
			s.prov.setStall(true)
			f.mu.Lock()
			f.stall++
			f.mu.Unlock()
			note("Briacoin and the bank's API stalled 3 s")
			time.Sleep(3 * time.Second)
			s.prov.setStall(false)
		}
		if s.pg != nil {
			if !sleep(cycle / 5) {
				return
			}
			if err := s.pg.crash(); err != nil {
				h.violate("%v", err)
				return
			}
			f.mu.Lock()
			f.pgStops++
			f.mu.Unlock()
			note("pg_ctl stop -m immediate")
			time.Sleep(time.Second)
			if err := s.pg.start(); err != nil {
				h.violate("PostgreSQL did not restart: %v", err)
				return
			}
		}
		for _, rep := range s.reps {
			if !rep.running() {
				h.violate("%s exited on its own during the run:\n%s", rep.name, rep.logTail(20))
				if err := rep.start(); err != nil {
					h.violate("%s did not restart: %v", rep.name, err)
					return
				}
			}
		}
	}
}

// recover restarts whatever the last fault left down.
func (s *system) recover(t *testing.T, h *history) {
	if s.pg != nil {
		if _, err := s.pg.run("pg_ctl", "-D", s.pg.data, "status"); err != nil {
			if err := s.pg.start(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The fault loop restarts what it kills before it looks at the clock,
	// so a replica that is down now went down on its own.
	for _, r := range s.reps {
		if !r.running() {
			h.violate("%s exited on its own during the run:\n%s", r.name, r.logTail(20))
			if err := r.start(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// settle waits until every paid top-up and every acknowledged withdrawal
// has reached its end, and the providers have nothing left to deliver.
func (s *system) settle(ctx context.Context, t *testing.T, h *history) {
	if !s.payments {
		return
	}
	// A withdrawal a kill interrupted mid-transfer waits out its sender's
	// lease before it is reconciled (generous: the lease was 2 minutes once).
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range h.topups {
		a := &h.topups[i]
		if !a.paid && !a.declined {
			continue
		}
		wg.Go(func() {
			t0 := time.Now()
			if got, err := a.u.c.WaitTopup(ctx, a.t.ID, 250*time.Millisecond, nil); err == nil {
				a.t = got
			}
			if d := time.Since(t0); d > 10*time.Second {
				t.Logf("%s: top-up %s (%s) took %s to settle: %s, paid %d, credited %d", s.name, a.t.ID, a.t.Method, d.Round(time.Second), a.t.Status, a.t.Paid, a.t.Credited)
			}
		})
	}
	for i := range h.withdraws {
		a := &h.withdraws[i]
		wg.Go(func() {
			t0 := time.Now()
			if got, err := a.u.c.WaitWithdrawal(ctx, a.w.Ref, 250*time.Millisecond, nil); err == nil {
				a.w = got
			}
			if d := time.Since(t0); d > 10*time.Second {
				t.Logf("%s: withdrawal %s took %s to settle: %s %s", s.name, a.w.Ref, d.Round(time.Second), a.w.Status, a.w.Reason)
			}
		})
	}
	wg.Wait()
	waitFor(time.Minute, func() bool { return s.prov.sim.PendingCallbacks() == 0 && s.prov.bank.PendingWebhooks() == 0 })
}

// verify checks every acknowledged operation against what the server
// holds after the run.
func (s *system) verify(ctx context.Context, t *testing.T, us []*user, h *history) {
	type view struct {
		state  string
		amount int64
	}
	created := map[string]view{}        // by the creator's lists
	acceptedBy := map[string][]string{} // accepted rows, by user
	for _, u := range us {
		act, err := u.c.ActiveChecks(ctx)
		if err != nil {
			h.violate("%s: active checks: %v", u.name, err)
			continue
		}
		hist, err := u.c.History(ctx)
		if err != nil {
			h.violate("%s: history: %v", u.name, err)
			continue
		}
		for _, c := range act {
			created[c.Fastcheck] = view{api.CheckActive, c.Amount}
		}
		for _, c := range hist {
			if c.Type == api.TypeAccepted {
				acceptedBy[c.Fastcheck] = append(acceptedBy[c.Fastcheck], u.name)
			} else {
				created[c.Fastcheck] = view{c.Status, c.Amount}
			}
		}
	}
	states := map[string]int{}
	for _, v := range created {
		states[v.state]++
	}
	var st []string
	for _, k := range sortedKeys(states) {
		st = append(st, fmt.Sprintf("%s %d", k, states[k]))
	}
	t.Logf("%s: checks at the end: %s; %d accepts sent in the second of expiry, %d of them acknowledged (before it, says the audit)",
		s.name, strings.Join(st, ", "), h.lateTried.Load(), h.lateAcked.Load())
	for n, who := range acceptedBy {
		if len(who) > 1 {
			h.violate("check %s shows as accepted %d times (%s)", n, len(who), strings.Join(who, ", "))
		}
		if v, ok := created[n]; ok && v.state != api.CheckUsed {
			h.violate("check %s was accepted by %s but its creator sees it %s", n, who[0], v.state)
		}
	}
	for _, n := range sortedKeys(h.creates) {
		c := h.creates[n]
		v, ok := created[n]
		switch {
		case !ok:
			h.violate("acknowledged check %s (%d by %s) is gone", n, c.amount, c.creator.name)
			continue
		case v.amount != c.amount:
			h.violate("acknowledged check %s holds %d, created with %d", n, v.amount, c.amount)
		}
		if acc := h.accepts[n]; len(acc) > 0 {
			if v.state != api.CheckUsed {
				h.violate("acknowledged accept of %s by %s, but the check is %s", n, acc[0].name, v.state)
			}
			if who := acceptedBy[n]; len(who) != 1 || who[0] != acc[0].name {
				h.violate("acknowledged accept of %s by %s, but the accepted rows name %v", n, acc[0].name, who)
			}
		}
		if h.cancels[n] && v.state != api.CheckCancelled {
			h.violate("acknowledged cancel of %s, but the check is %s", n, v.state)
		}
	}
	for _, a := range h.topups {
		tp, err := a.u.c.TopupStatus(ctx, a.t.ID)
		if err != nil {
			h.violate("acknowledged top-up %s of %s: %v", a.t.ID, a.u.name, err)
			continue
		}
		switch {
		case tp.Credited > tp.Paid:
			h.violate("top-up %s credited %d of %d paid", tp.ID, tp.Credited, tp.Paid)
		case a.paid && (tp.Status != api.TopupClose || tp.Credited != tp.Paid || tp.Paid < tp.Amount):
			h.violate("top-up %s (%s) paid in full: status %s, amount %d, paid %d, credited %d", tp.ID, tp.Method, tp.Status, tp.Amount, tp.Paid, tp.Credited)
		case a.declined && (tp.Status != api.TopupDeclined || tp.Credited != 0):
			h.violate("bank top-up %s paid with a declined card: status %s, credited %d", tp.ID, tp.Status, tp.Credited)
		}
	}
	for _, u := range us {
		if !s.payments {
			break
		}
		all, err := u.c.Topups(ctx)
		if err != nil {
			h.violate("%s: top-ups: %v", u.name, err)
			continue
		}
		for _, tp := range all {
			if tp.Credited > tp.Paid {
				h.violate("top-up %s credited %d of %d paid", tp.ID, tp.Credited, tp.Paid)
			}
		}
	}
	sent := map[string]int{}
	for _, tr := range s.prov.sim.Transfers() {
		sent[tr.TxID]++
		if tr.Wallet != harnessWallet {
			h.violate("Briacoin transfer %s went to %s", tr.TxID, tr.Wallet)
		}
	}
	for tx, n := range sent {
		if n > 1 {
			h.violate("Briacoin transfer %s recorded %d times", tx, n)
		}
	}
	for _, a := range h.withdraws {
		w, err := a.u.c.WithdrawalStatus(ctx, a.w.Ref)
		switch {
		case err != nil:
			h.violate("acknowledged withdrawal %s of %s: %v", a.w.Ref, a.u.name, err)
		case !w.Final():
			h.stuck = append(h.stuck, fmt.Sprintf("%s (%s, %d)", w.Ref, w.Status, w.Amount))
		case w.Status == api.WithdrawSent && sent[w.TxID] != 1:
			h.violate("withdrawal %s sent as %s, which the service recorded %d times", w.Ref, w.TxID, sent[w.TxID])
		}
	}
}
