package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/payments/briacoin"
	"fastcheck/server/servertest"
)

// loseFirstAnswer is a transport whose first answer to a POST of path is
// read and thrown away: the server did the work, the client saw a broken
// connection and retries.
type loseFirstAnswer struct {
	path string
	lost atomic.Int32
	next http.RoundTripper
}

func (l *loseFirstAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == "POST" && r.URL.Path == l.path && l.lost.CompareAndSwap(0, 1) {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset (test)")
	}
	return resp, err
}

func TestTopupAndWithdraw(t *testing.T) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	ctx := ctxT(t)
	lose := &loseFirstAnswer{path: "/api/withdraw", next: http.DefaultTransport.(*http.Transport).Clone()}
	c := login(t, env, env.URL, "alice", func(o *client.Options) { o.HTTPClient = &http.Client{Transport: lose} })

	tp, err := c.Topup(ctx, api.MethodBriacoin, 50_000, "RUB")
	if err != nil || tp.Coins != "5.0" || tp.Wallet == "" {
		t.Fatalf("Topup = %+v, %v", tp, err)
	}
	var statuses []string
	done := make(chan struct{})
	var final api.Topup
	var waitErr error
	go func() {
		defer close(done)
		final, waitErr = c.WaitTopup(ctx, tp.ID, 20*time.Millisecond, func(t api.Topup) { statuses = append(statuses, t.Status) })
	}()
	for _, coins := range []string{"2", "3"} {
		time.Sleep(100 * time.Millisecond)
		if _, err := briacoin.SimPay(ctx, nil, pay.SimRoot, tp.Wallet, briacoin.MustCoins(coins)); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if waitErr != nil || final.Credited != 50_000 || final.Status != api.TopupClose {
		t.Fatalf("WaitTopup = %+v, %v", final, waitErr)
	}
	if len(statuses) < 2 || statuses[0] != api.TopupNew || statuses[len(statuses)-1] != api.TopupClose {
		t.Fatalf("statuses seen: %v", statuses)
	}
	list, err := c.Topups(ctx)
	if err != nil || len(list) != 1 || list[0].ID != tp.ID {
		t.Fatalf("Topups = %+v, %v", list, err)
	}
	balanceIs(t, c, demoBalance+50_000)

	// The first answer is lost; the retry carries the same key and gets
	// the same withdrawal: one transfer, one debit.
	w, err := c.Withdraw(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", 20_000)
	if err != nil || lose.lost.Load() != 1 {
		t.Fatalf("Withdraw = %+v, %v (answers lost: %d)", w, err, lose.lost.Load())
	}
	w, err = c.WaitWithdrawal(ctx, w.Ref, 20*time.Millisecond, nil)
	if err != nil || w.Status != api.WithdrawSent || w.TxID == "" || w.Coins != "2.0" {
		t.Fatalf("WaitWithdrawal = %+v, %v", w, err)
	}
	if trs := pay.Sim.Transfers(); len(trs) != 1 {
		t.Fatalf("%d transfers, want 1", len(trs))
	}
	balanceIs(t, c, demoBalance+30_000)
	if _, err := c.WithdrawalStatus(ctx, "W"+api.NewID()[1:]); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("unknown withdrawal: %v", err)
	}
	_, err = c.Withdraw(ctx, "not a wallet", 100)
	wantKind(t, err, client.ErrBadRequest)
	_, err = c.Withdraw(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", 1_000_000_000)
	wantKind(t, err, client.ErrInsufficientFunds)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.WaitTopup(short, api.NewID(), 0, nil); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("WaitTopup of an unknown top-up: %v", err)
	}
	servertest.RequireAudit(t, env)
}
