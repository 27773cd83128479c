package client

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"fastcheck/api"
)

// Top-ups and withdrawals (extensions of the reference server).

// paymentWait is how much longer than a plain call a top-up or withdrawal
// attempt may take: the server may wait for the Briacoin call budget (one
// keyed call per 30 s step) before it answers.
const paymentWait = 60 * time.Second

// Topup starts a top-up (POST /topup): method api.MethodBank answers with
// the bank's payment page (PaymentURL) and transaction id, api.MethodBriacoin
// with a wallet and the coins to send. amount is in minor units of
// currency, which must be the account's. The call carries one
// Idempotency-Key across its retries, so it starts at most one top-up.
// Follow it with TopupStatus or WaitTopup.
func (c *Client) Topup(ctx context.Context, method string, amount int64, currency string) (api.Topup, error) {
	var t api.Topup
	body, _ := json.Marshal(api.TopupRequest{Method: method, Amount: amount, Currency: currency})
	err := c.do(ctx, &call{method: "POST", path: "/topup", body: body, auth: signedAuth,
		retry: retryKeyed, idemKey: api.NewNonce(), wait: paymentWait}, &t)
	return t, err
}

// TopupStatus reads a top-up (GET /topup/{id}): its status (new, part,
// close, declined, expired) and how much was paid and credited so far.
func (c *Client) TopupStatus(ctx context.Context, id string) (api.Topup, error) {
	var t api.Topup
	cl := &call{method: "GET", path: "/topup/" + url.PathEscape(id), auth: signedAuth}
	if id == "" {
		return t, localError(cl, ErrBadRequest, "top-up id is empty")
	}
	err := c.do(ctx, cl, &t)
	return t, err
}

// Topups lists the user's top-ups, newest first (GET /topups).
func (c *Client) Topups(ctx context.Context) ([]api.Topup, error) {
	var res api.Topups
	err := c.do(ctx, &call{method: "GET", path: "/topups", auth: signedAuth}, &res)
	return res.Topups, err
}

// WaitTopup polls a top-up every interval (0 means 1 s) until it is done
// (api.Topup.Done: paid and credited, declined or expired) or ctx ends.
// progress, if set, is called with the first state and with every change
// of status or of the credited amount. A failed poll is retried on the
// next tick unless the error says the session is gone or the top-up does
// not exist.
func (c *Client) WaitTopup(ctx context.Context, id string, interval time.Duration, progress func(api.Topup)) (api.Topup, error) {
	if interval <= 0 {
		interval = time.Second
	}
	var last api.Topup
	seen := false
	for {
		t, err := c.TopupStatus(ctx, id)
		switch {
		case err == nil:
			if progress != nil && (!seen || t.Status != last.Status || t.Credited != last.Credited || t.Paid != last.Paid) {
				progress(t)
			}
			last, seen = t, true
			if t.Done() {
				return t, nil
			}
		case isFinal(err) || ctx.Err() != nil:
			return last, err
		}
		if err := sleep(ctx, interval); err != nil {
			return last, ctxError(&call{method: "GET", path: "/topup/{id}"}, err, nil)
		}
	}
}

// isFinal reports whether polling again cannot help.
func isFinal(err error) bool {
	e, ok := err.(*Error)
	return ok && (e.Kind == ErrNotLoggedIn || e.Kind == ErrNotFound || e.Kind == ErrBadRequest || e.Kind == ErrForbidden)
}

// Withdraw sends amount (minor units of the account's currency) to a
// Briacoin wallet (POST /withdraw). The money leaves the balance at once
// and is held until the service confirms the transfer (WithdrawSent, with
// TxID) or refuses it (WithdrawFailed: it comes back). WithdrawPending
// and WithdrawUnknown are not final: follow with WaitWithdrawal. One
// Idempotency-Key is kept across retries, so the money is sent at most
// once.
func (c *Client) Withdraw(ctx context.Context, wallet string, amount int64) (api.Withdrawal, error) {
	var w api.Withdrawal
	body, _ := json.Marshal(api.WithdrawRequest{Wallet: wallet, Amount: amount})
	err := c.do(ctx, &call{method: "POST", path: "/withdraw", body: body, auth: signedAuth,
		retry: retryKeyed, idemKey: api.NewNonce(), wait: paymentWait}, &w)
	return w, err
}

// WithdrawalStatus reads a withdrawal (GET /withdraw/{ref}).
func (c *Client) WithdrawalStatus(ctx context.Context, ref string) (api.Withdrawal, error) {
	var w api.Withdrawal
	cl := &call{method: "GET", path: "/withdraw/" + url.PathEscape(ref), auth: signedAuth}
	if ref == "" {
		return w, localError(cl, ErrBadRequest, "withdrawal ref is empty")
	}
	err := c.do(ctx, cl, &w)
	return w, err
}

// WaitWithdrawal polls a withdrawal every interval (0 means 1 s) until it
// is sent or failed, or ctx ends; progress, if set, sees the first state
// and every change.
func (c *Client) WaitWithdrawal(ctx context.Context, ref string, interval time.Duration, progress func(api.Withdrawal)) (api.Withdrawal, error) {
	if interval <= 0 {
		interval = time.Second
	}
	var last api.Withdrawal
	seen := false
	for {
		w, err := c.WithdrawalStatus(ctx, ref)
		switch {
		case err == nil:
			if progress != nil && (!seen || w.Status != last.Status) {
				progress(w)
			}
			last, seen = w, true
			if w.Final() {
				return w, nil
			}
		case isFinal(err) || ctx.Err() != nil:
			return last, err
		}
		if err := sleep(ctx, interval); err != nil {
			return last, ctxError(&call{method: "GET", path: "/withdraw/{ref}"}, err, nil)
		}
	}
}
