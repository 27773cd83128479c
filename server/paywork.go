package server

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"time"

	"fastcheck/ledger"
	"fastcheck/payments/briacoin"
)

// --- keyed Briacoin calls ---

// keyed makes one keyed Briacoin call after the durable step fence: the
// current TOTP step is recorded in the ledger first, and a step already
// recorded (by this process, or by one that ran before a restart) is
// waited out. So no key is ever sent twice, across restarts too, and the
// service never refuses a call for a reused key. Only the worker calls it.
func (p *payments) keyed(ctx context.Context, call func(ctx context.Context) error) error {
	if err := p.fence(ctx); err != nil {
		return &briacoin.CallError{Method: "fence", Err: err}
	}
	return call(ctx)
}

func (p *payments) fence(ctx context.Context) error {
	period := p.cfg.KeyPeriod
	margin := min(period/5, 2*time.Second)
	for {
		now := time.Now()
		step := briacoin.StepAt(now, period)
		next := stepStart(step+1, period)
		if next.Sub(now) < margin {
			// Too close to the step's end: the call's key could fall
			// into the next step, which the fence has not recorded.
			if err := sleepCtx(ctx, next.Sub(now)); err != nil {
				return err
			}
			continue
		}
		ok, err := p.store.AdvanceStep(ctx, p.outID, step)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := sleepCtx(ctx, next.Sub(now)); err != nil {
			return err
		}
	}
}

func stepStart(step uint64, period time.Duration) time.Time {
	return time.Unix(0, int64(step*uint64(period)))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(max(d, time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// --- orders ---

// pushRefetch queues a getorderstatus of a Briacoin order whose answer is
// recorded (with event, a callback's id, or as a reconciliation read).
func (p *payments) pushRefetch(prio priority, o ledger.Order, event string) *briaJob {
	id, err := strconv.ParseInt(o.ExternalID, 10, 64)
	if err != nil {
		return nil
	}
	meta := readOrderMeta(o)
	return p.queue.push(prio, "order:"+o.ExternalID, func(ctx context.Context) {
		var st briacoin.OrderStatus
		err := p.keyed(ctx, func(ctx context.Context) (err error) {
			st, err = p.cfg.Briacoin.GetOrderStatus(ctx, id)
			return err
		})
		if err != nil {
			p.warn("getorderstatus", "Briacoin getorderstatus failed", "order", o.ID, "orderid", id, "err", err)
			return
		}
		rate := p.rate
		if r, err := briacoin.ParseRate(meta.Rate); err == nil {
			rate = r // the order's own rate, even if the configured one changed since
		}
		paid, err := rate.MinorDown(st.Paid)
		if err != nil {
			p.s.log.Error("Briacoin order paid out of range", "order", o.ID, "paid", st.Paid.String(), "err", err)
			return
		}
		status := ledger.OrderNew
		switch st.Status {
		case briacoin.StatusPart:
			status = ledger.OrderPart
		case briacoin.StatusClose:
			status = ledger.OrderClose
		}
		res, err := p.store.RecordPayment(context.WithoutCancel(ctx), ledger.PaymentUpdate{
			Provider: providerBriacoin, EventID: event, ExternalID: o.ExternalID,
			PaidTotal: paid, PaidNative: int64(st.Paid), Status: status, Now: p.s.now(),
		})
		if err != nil {
			p.s.log.Error("recording a Briacoin payment failed", "order", o.ID, "err", err)
			return
		}
		p.logPayment("Briacoin order status", res)
	})
}

func (p *payments) logPayment(what string, res ledger.PaymentResult) {
	if res.Credited > 0 {
		p.s.metrics.ledgerOp("topup", "ok", 1)
		p.s.log.Info("top-up credited", "via", what, "order", res.Order.ID, "credited", res.Credited,
			"paid", res.Order.PaidTotal, "status", res.Order.Status)
	}
}

// warn logs at most once a minute per kind, so a flood of forged callbacks
// or an outage does not flood the log.
func (p *payments) warn(kind, msg string, args ...any) {
	p.mu.Lock()
	now := time.Now()
	if now.Sub(p.lastWarn[kind]) < time.Minute {
		p.mu.Unlock()
		p.s.log.Debug(msg, args...)
		return
	}
	p.lastWarn[kind] = now
	p.mu.Unlock()
	p.s.log.Warn(msg, args...)
}

// --- withdrawals ---

// pushTransfer queues the sending of a pending withdrawal.
func (p *payments) pushTransfer(prio priority, ref string) *briaJob {
	return p.queue.push(prio, "withdraw:"+ref, func(ctx context.Context) { p.sendWithdrawal(ctx, ref) })
}

// lease returns the end of a withdrawal lease taken now.
func (p *payments) lease() (now, until time.Time) {
	now = p.s.now()
	return now, now.Add(p.cfg.TransferLease)
}

// sendWithdrawal sends one pending withdrawal: lease it (which also takes
// the provider's one transfer slot, across replicas), read the merchant
// balance, claim the withdrawal durably (with that balance, for a later
// reconciliation, and a lease that outlasts the call), call
// transfertoaddress, record the outcome. Only a definite failure refunds;
// a lost answer leaves it unknown, for resolveWithdrawal. No transfer
// starts while another's outcome is unknown (the slot), so balance
// comparisons stay unambiguous.
func (p *payments) sendWithdrawal(ctx context.Context, ref string) {
	bg := context.WithoutCancel(ctx)
	w, err := p.store.Withdrawal(bg, ref)
	now, until := p.lease()
	if err != nil || w.Status != ledger.WithdrawPending || w.Attempted() || w.Leased(p.owner, now) {
		return
	}
	w, err = p.store.LeaseWithdrawal(bg, ref, p.owner, now, until)
	if err != nil {
		if errors.Is(err, ledger.ErrTransferBusy) {
			p.warn("withdraw-blocked", "withdrawals wait: another's transfer is in flight or being reconciled", "waiting", ref)
		}
		return
	}
	if w.Status != ledger.WithdrawPending || w.Attempted() {
		// Claimed meanwhile by a sender whose lease has since ended: it
		// may have gone out, so it is never sent (or refused) here; the
		// reconciler marks it unknown.
		return
	}
	claimed := false
	defer func() {
		if !claimed { // never sent: give the slot back for another try
			if cur, err := p.store.Withdrawal(bg, ref); err == nil && cur.Status == ledger.WithdrawPending &&
				!cur.Attempted() && cur.ClaimedBy == p.owner {
				p.finish(bg, ref, ledger.WithdrawPending, "", "")
			}
		}
	}()
	meta := readWithdrawMeta(w)
	coins, err := briacoin.ParseCoins(meta.Coins)
	if err != nil || coins <= 0 {
		claimed = true
		p.finish(bg, ref, ledger.WithdrawFailed, "", "the coin amount could not be read")
		return
	}
	var bal briacoin.Balance
	if err := p.keyed(ctx, func(ctx context.Context) (err error) {
		bal, err = p.cfg.Briacoin.GetAccountBalance(ctx)
		return err
	}); err != nil {
		p.warn("getaccountbalance", "Briacoin getaccountbalance failed; the withdrawal waits", "ref", ref, "err", err)
		return
	}
	if bal.Balance < coins {
		claimed = true
		p.finish(bg, ref, ledger.WithdrawFailed, "", "the service's balance is too low for this withdrawal; the money is back in your balance")
		return
	}
	settled, err := p.store.SettledNative(bg, providerBriacoin)
	if err != nil {
		return
	}
	b0 := int64(bal.Balance)
	meta.BalanceBefore, meta.SettledBefore = &b0, &settled
	mb, _ := json.Marshal(meta)
	now, until = p.lease()
	if _, err := p.store.ClaimWithdrawal(bg, ref, p.owner, string(mb), now, until); err != nil {
		return
	}
	claimed = true
	cctx, release := p.holdLease(ctx, ref)
	defer release()
	var tr briacoin.Transfer
	err = p.keyed(cctx, func(ctx context.Context) (err error) {
		tr, err = p.cfg.Briacoin.TransferToAddress(ctx, w.Destination, coins)
		return err
	})
	var ce *briacoin.CallError
	switch {
	case err == nil:
		p.finish(bg, ref, ledger.WithdrawSent, tr.TxID, "")
	case briacoin.IsDefinite(err) && errors.As(err, &ce) && !ce.MaybeExecuted &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ce.Method == "fence"):
		// Never sent because we stopped first: try again later.
		p.finish(bg, ref, ledger.WithdrawPending, "", "")
	case briacoin.IsDefinite(err):
		p.finish(bg, ref, ledger.WithdrawFailed, "", "the service refused the transfer ("+refusal(err)+"); the money is back in your balance")
	default:
		p.s.log.Warn("Briacoin transfer outcome unknown; it will be reconciled", "ref", ref, "err", err)
		p.finish(bg, ref, ledger.WithdrawUnknown, "", "the service's answer was lost; the transfer is being reconciled")
	}
}

// holdLease keeps this process's lease on withdrawal ref alive while a
// call runs: it renews the lease every sixth of TransferLease, and cancels
// the returned context once three quarters of a lease pass without a
// renewal (the database out of reach, or the withdrawal taken over), so
// that the call is over before any replica may take the withdrawal for
// interrupted. The last quarter is the margin for the replicas' clocks.
// stop ends the renewals.
func (p *payments) holdLease(ctx context.Context, ref string) (cctx context.Context, stop func()) {
	lease := p.cfg.TransferLease
	cctx, cancel := context.WithCancel(ctx)
	watchdog := time.AfterFunc(lease*3/4, cancel)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(lease / 6)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-cctx.Done():
				return
			case <-t.C:
			}
			now, until := p.lease()
			_, err := p.store.LeaseWithdrawal(cctx, ref, p.owner, now, until) // the watchdog bounds a slow one
			if err != nil {
				p.warn("lease-renew", "renewing a withdrawal's lease failed", "ref", ref, "err", err)
				continue
			}
			watchdog.Reset(lease * 3 / 4)
			p.s.metrics.ledgerOp("withdraw_lease_renew", "ok", 1)
		}
	}()
	return cctx, func() {
		close(done)
		watchdog.Stop()
		cancel()
	}
}

func refusal(err error) string {
	var ae *briacoin.APIError
	if errors.As(err, &ae) {
		return ae.Data
	}
	return "not sent"
}

func (p *payments) finish(ctx context.Context, ref, status, txid, reason string) {
	w, err := p.store.FinishWithdrawal(ctx, ledger.FinishWithdrawal{Ref: ref, Status: status, TxID: txid, Reason: reason, Now: p.s.now()})
	if errors.Is(err, ledger.ErrWithdrawalState) {
		p.s.log.Debug("withdrawal outcome already recorded", "ref", ref, "status", status)
		return
	}
	if err != nil {
		p.s.log.Error("recording a withdrawal's outcome failed", "ref", ref, "status", status, "err", err)
		return
	}
	if status == ledger.WithdrawPending {
		return
	}
	p.s.metrics.ledgerOp("withdraw_"+status, "ok", 1)
	p.s.log.Info("withdrawal "+w.Status, "ref", ref, "txid", txid, "amount", w.Amount)
}

// resolveWithdrawal settles a withdrawal of unknown outcome by comparing
// the merchant balance with the one read just before the transfer, net of
// the coins closed orders brought in meanwhile as far as the ledger knows
// (SettledNative):
//
//	d = (balance now − balance before) − (settled now − settled before)
//
// d = −coins: the coins left, so it was sent; d = 0: nothing left, so it
// was not, and the money goes back. Anything else (an inflow the ledger
// has not seen yet) proves nothing: it stays unknown and is tried again
// on the next pass. No transfer starts meanwhile, and nobody else spends
// from the merchant account (an operating assumption).
func (p *payments) resolveWithdrawal(ctx context.Context, ref string) {
	bg := context.WithoutCancel(ctx)
	now, until := p.lease()
	w, err := p.store.LeaseWithdrawal(bg, ref, p.owner, now, until) // one resolver at a time, across replicas
	if err != nil || w.Status != ledger.WithdrawUnknown {
		return
	}
	meta := readWithdrawMeta(w)
	coins, err := briacoin.ParseCoins(meta.Coins)
	if err != nil || meta.BalanceBefore == nil || meta.SettledBefore == nil {
		p.s.log.Error("withdrawal of unknown outcome lacks its reconciliation data; resolve it by hand", "ref", ref)
		return
	}
	var bal briacoin.Balance
	if err := p.keyed(ctx, func(ctx context.Context) (err error) {
		bal, err = p.cfg.Briacoin.GetAccountBalance(ctx)
		return err
	}); err != nil {
		p.warn("getaccountbalance", "Briacoin getaccountbalance failed; reconciliation waits", "ref", ref, "err", err)
		return
	}
	settled, err := p.store.SettledNative(bg, providerBriacoin)
	if err != nil {
		return
	}
	d := (int64(bal.Balance) - *meta.BalanceBefore) - (settled - *meta.SettledBefore)
	// An order the provider had closed before the claim but the ledger
	// recorded only after it (its callback late) is in the balance before
	// but not in the settled figure before: it lowers d by its coins. Such
	// orders are among those recorded closed since the claim.
	var late []int64
	if d != 0 {
		orders, err := p.store.ClosedSince(bg, providerBriacoin, w.AttemptedAt, maxLateOrders+1)
		if err != nil {
			return
		}
		for _, o := range orders {
			late = append(late, o.PaidNative)
		}
	}
	sent, notSent := explain(d, int64(coins), late)
	switch {
	case sent && !notSent:
		p.finish(bg, ref, ledger.WithdrawSent, "", "sent (confirmed by the account balance)")
	case notSent && !sent:
		p.finish(bg, ref, ledger.WithdrawFailed, "", "not sent (confirmed by the account balance); the money is back in your balance")
	default:
		p.warn("withdraw-ambiguous", "withdrawal of unknown outcome: the balance change does not tell; will look again",
			"ref", ref, "change", d, "coins", int64(coins), "late-orders", len(late))
	}
}

// maxLateOrders bounds the orders explain weighs; with more, it gives up.
const maxLateOrders = 20

// explain says which outcomes of a withdrawal of coins fit d, the
// merchant balance's change net of the coins the ledger saw settle since
// the claim, when the coins of any subset of the late orders (closed at
// the provider before the claim, recorded after it) may also be missing
// from d: sent fits d = −coins − Σ subset, not sent d = −Σ subset. Both
// true means it cannot tell (too many late orders counts as that).
func explain(d, coins int64, late []int64) (sent, notSent bool) {
	if len(late) > maxLateOrders {
		return true, true
	}
	sums := map[int64]bool{0: true}
	for _, c := range late {
		for s := range maps.Clone(sums) {
			sums[s+c] = true
		}
		if len(sums) > 1<<16 {
			return true, true
		}
	}
	return sums[-d-coins], sums[-d]
}

// --- the reconciler ---

func (p *payments) reconcileLoop(ctx context.Context) {
	t := time.NewTicker(p.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		p.ReconcileOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReconcileOnce is one pass: expire overdue orders, look open bank
// payments up, queue polls of open Briacoin orders when the queue has
// nothing better to do, and carry withdrawals on (send what was never
// sent, mark unknown what a crash interrupted (an attempted withdrawal
// whose sender's lease ended), resolve the unknown). Replicas share the
// work through the leases and SKIP LOCKED picks of the ledger.
func (p *payments) ReconcileOnce(ctx context.Context) {
	bg := context.WithoutCancel(ctx)
	if _, err := p.store.ExpireOrders(bg, p.s.now(), 500); err != nil {
		p.warn("expire-orders", "expiring orders failed", "err", err)
	}
	if p.cfg.Bank != nil {
		p.reconcileBank(ctx)
	}
	if p.cfg.Briacoin == nil {
		return
	}
	if p.queue.waiting(prioReconcile) == 0 {
		now := p.s.now()
		open, err := p.store.PollOrders(bg, providerBriacoin, now.Add(-p.cfg.ReconcileInterval), now, 2)
		if err == nil {
			for _, o := range open {
				p.pushRefetch(prioReconcile, o, "")
			}
		}
	}
	ws, err := p.store.PendingWithdrawals(bg, 100)
	if err != nil {
		return
	}
	for _, w := range ws {
		now, until := p.lease()
		live := w.ClaimedBy != "" && w.LeaseUntil.After(now) // someone (maybe this process) works on it
		switch {
		case w.Status == ledger.WithdrawUnknown && (!live || w.ClaimedBy == p.owner):
			p.queue.push(prioReconcile, "resolve:"+w.Ref, func(ctx context.Context) { p.resolveWithdrawal(ctx, w.Ref) })
		case live:
		case w.Status == ledger.WithdrawPending && !w.Attempted():
			p.pushTransfer(prioCallback, w.Ref)
		case w.Status == ledger.WithdrawPending:
			// Claimed, and its sender's lease ended without an outcome:
			// the process died or gave up mid-transfer (here or on
			// another replica). It may have gone out.
			if _, err := p.store.LeaseWithdrawal(bg, w.Ref, p.owner, now, until); err != nil {
				continue // another replica took it over first
			}
			p.s.log.Warn("withdrawal interrupted mid-transfer; its outcome is unknown and will be reconciled", "ref", w.Ref,
				"sender", w.ClaimedBy)
			p.finish(bg, w.Ref, ledger.WithdrawUnknown, "", "the transfer was interrupted; it is being reconciled")
		}
	}
}

func (p *payments) reconcileBank(ctx context.Context) {
	bg := context.WithoutCancel(ctx)
	now := p.s.now()
	open, err := p.store.PollOrders(bg, p.bankName, now.Add(-p.cfg.ReconcileInterval), now, 20)
	if err != nil {
		return
	}
	for _, o := range open {
		if ctx.Err() != nil {
			return
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		info, err := p.cfg.Bank.PaymentStatus(cctx, o.ExternalID)
		cancel()
		if err != nil {
			p.warn("bank-status", "bank payment status look-up failed", "order", o.ID, "err", err)
			continue
		}
		upd, err := bankUpdate(o, info)
		if err != nil {
			p.s.log.Error("bank payment does not match its order", "order", o.ID, "err", err)
			continue
		}
		upd.Provider, upd.Now = p.bankName, p.s.now()
		res, err := p.store.RecordPayment(bg, upd)
		if err != nil {
			p.s.log.Error("recording a bank payment failed", "order", o.ID, "err", err)
			continue
		}
		p.logPayment("bank status look-up", res)
	}
}
