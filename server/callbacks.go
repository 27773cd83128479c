package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
)

// The provider-facing endpoints. They are not signed by a user: the bank's
// webhook carries an HMAC over its timestamp and raw body, the Briacoin
// callback a TOTP key of the merchant secret. Both are checked before
// anything in the body is trusted, and neither body's amount is credited
// as it stands: the bank's is checked against the order, and a Briacoin
// callback only triggers a getorderstatus, whose answer is what counts.

// handleBankWebhook is POST /callbacks/bank (flow step 4): verify the
// signature before parsing, deduplicate by event id, credit exactly once,
// answer 2xx fast.
func (s *Server) handleBankWebhook(w http.ResponseWriter, r *http.Request) {
	if s.pay == nil || s.pay.cfg.Bank == nil {
		writeError(w, http.StatusNotFound, "bank top-ups are not enabled on this server")
		return
	}
	p := s.pay
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	ev, err := p.cfg.Bank.VerifyWebhook(r.Header, body)
	switch {
	case errors.Is(err, bank.ErrMalformedEvent):
		writeError(w, http.StatusBadRequest, "malformed event")
		return
	case err != nil:
		p.warn("bank-webhook", "bank webhook refused", "err", err, "ip", s.clientIP(r))
		writeError(w, http.StatusUnauthorized, "not authorized: "+webhookReason(err))
		return
	}
	o, err := p.store.OrderByExternal(r.Context(), p.bankName, ev.Data.TransactionID)
	if errors.Is(err, ledger.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown payment")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	upd, err := bankUpdate(o, ev.Data)
	if err != nil {
		s.log.Error("bank webhook does not match its order", "order", o.ID, "event", ev.ID, "err", err)
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	upd.Provider, upd.EventID, upd.Now = p.bankName, ev.ID, s.now()
	res, err := p.store.RecordPayment(r.Context(), upd)
	if err != nil {
		s.internalError(w, err)
		return
	}
	p.logPayment("bank webhook", res)
	msg := "ok"
	if res.Duplicate {
		msg = "ok (duplicate event)"
	}
	writeJSON(w, http.StatusOK, api.Message{Message: msg})
}

func webhookReason(err error) string {
	switch {
	case errors.Is(err, bank.ErrStaleTimestamp):
		return "timestamp outside the tolerance"
	case errors.Is(err, bank.ErrBadSignature):
		return "signature does not match"
	case errors.Is(err, bank.ErrMalformedSignature):
		return "malformed signature header"
	}
	return "webhook not verified"
}

// bankUpdate turns what the bank says about a payment into a ledger update
// for its order. The bank's reference must be the order's id and the
// currency the order's; a succeeded payment credits the amount the bank
// charged.
func bankUpdate(o ledger.Order, info bank.PaymentInfo) (ledger.PaymentUpdate, error) {
	if info.Reference != "" && info.Reference != o.ID {
		return ledger.PaymentUpdate{}, errors.New("the payment's reference is another order's")
	}
	if info.Currency != o.Currency {
		return ledger.PaymentUpdate{}, errors.New("the payment's currency is not the order's")
	}
	u := ledger.PaymentUpdate{ExternalID: o.ExternalID, Status: ledger.OrderNew}
	switch info.Status {
	case bank.StatusSucceeded:
		if info.Amount <= 0 || info.Amount > ledger.MaxBalance {
			return ledger.PaymentUpdate{}, errors.New("the payment's amount is out of range")
		}
		u.PaidTotal, u.PaidNative, u.Status = info.Amount, info.Amount, ledger.OrderClose
	case bank.StatusDeclined:
		u.Status = ledger.OrderDeclined
	}
	return u, nil
}

// handleBriacoinCallback is POST /callbacks/briacoin, the account's
// backurl. The key is verified (one use per step, durably) before anything
// else; the callback's amount is not credited: a getorderstatus re-fetch
// of the cumulative paid amount is, through the Briacoin queue. The answer
// is 200 once that is recorded, or 503 when the re-fetch could not be made
// in time, so that the service delivers the callback again.
func (s *Server) handleBriacoinCallback(w http.ResponseWriter, r *http.Request) {
	if s.pay == nil || s.pay.cfg.Briacoin == nil {
		writeError(w, http.StatusNotFound, "Briacoin is not enabled on this server")
		return
	}
	p := s.pay
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	cb, err := briacoin.VerifyCallback(body, r.Header.Get("Content-Type"), p.keys)
	if errors.Is(err, briacoin.ErrCallback) {
		writeError(w, http.StatusBadRequest, "malformed callback")
		return
	}
	if err != nil {
		if errors.Is(err, briacoin.ErrKeyReused) || errors.Is(err, briacoin.ErrKeyInvalid) ||
			errors.Is(err, briacoin.ErrKeyMalformed) || errors.Is(err, briacoin.ErrUnknownAccount) {
			p.warn("briacoin-callback", "Briacoin callback refused", "err", err, "order", cb.OrderID, "ip", s.clientIP(r))
			// Nothing in it is trusted, but a poll of one of our own
			// orders costs little and catches a genuine payment whose
			// callback was garbled: at most one is queued per order.
			if cb.UserID == p.keys.UserID && cb.OrderID > 0 {
				if o, err := p.store.OrderByExternal(r.Context(), providerBriacoin, strconv.FormatInt(cb.OrderID, 10)); err == nil {
					p.pushRefetch(prioReconcile, o, "")
				}
			}
			writeError(w, http.StatusUnauthorized, "not authorized: "+keyReason(err))
			return
		}
		s.internalError(w, err)
		return
	}
	o, err := p.store.OrderByExternal(r.Context(), providerBriacoin, strconv.FormatInt(cb.OrderID, 10))
	if errors.Is(err, ledger.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown order")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	if int64(cb.Amount) <= o.PaidNative {
		// Nothing new: an earlier callback or poll already saw this much.
		writeJSON(w, http.StatusOK, api.Message{Message: "ok (already recorded)"})
		return
	}
	event := "callback:" + strconv.FormatInt(cb.OrderID, 10) + ":" + cb.Amount.String()
	j := p.pushRefetch(prioCallback, o, event)
	if j != nil {
		t := time.NewTimer(p.cfg.CallbackWait)
		select {
		case <-j.done:
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	if cur, err := p.store.Order(r.Context(), o.ID); err == nil && cur.PaidNative >= int64(cb.Amount) {
		writeJSON(w, http.StatusOK, api.Message{Message: "ok"})
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(p.cfg.KeyPeriod/time.Second)+1))
	writeError(w, http.StatusServiceUnavailable, "the order's status could not be confirmed yet; deliver again later")
}

func keyReason(err error) string {
	switch {
	case errors.Is(err, briacoin.ErrKeyReused):
		return "key of an already used time step"
	case errors.Is(err, briacoin.ErrUnknownAccount):
		return "unknown account"
	}
	return "wrong key"
}
