package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
)

// Payments configures top-ups (a bank card, Briacoin) and withdrawals
// (to a Briacoin wallet). Config.Payments nil turns them off: the
// endpoints then answer 404.
type Payments struct {
	// PublicURL is the server's root as the providers and browsers reach
	// it (http://127.0.0.1:8080, no base path): the bank's webhook goes
	// to <PublicURL>/callbacks/bank, the Briacoin backurl is
	// <PublicURL>/callbacks/briacoin, and the bank sends the browser back
	// to <PublicURL>/topup/<id>/return. Required.
	PublicURL string

	// Bank is the card top-up provider; nil turns bank top-ups off.
	Bank bank.Provider

	// Briacoin is the client of the server's merchant account; nil turns
	// Briacoin top-ups and withdrawals off. BriacoinAccount and
	// BriacoinSecret are that account's userid and secret (from
	// configuration, never built in), to verify the service's callbacks.
	// Rate converts between coins and the accounts' currency
	// ("1 coin = 100.00 RUB").
	Briacoin        briacoin.Service
	BriacoinAccount int64
	BriacoinSecret  string
	Rate            briacoin.Rate
	// KeyPeriod is the TOTP step of the Briacoin keys (0 means 30 s) and
	// KeySkew the steps a callback key may be off (0 means 1). The
	// Briacoin client must use the same period.
	KeyPeriod time.Duration
	KeySkew   int

	// TopupTTL is how long a top-up waits for its payment before the
	// server stops polling it (0 means 24 h). Money that arrives later is
	// still credited.
	TopupTTL time.Duration
	// ReconcileInterval is the reconciler's pace (0 means 30 s): expiry,
	// bank status look-ups, Briacoin polls of open orders within the call
	// budget, and withdrawals of unknown outcome.
	ReconcileInterval time.Duration
	// RequestWait bounds how long POST /topup and POST /withdraw wait for
	// their Briacoin calls (0 means 45 s); a withdrawal still pending then
	// is answered as pending and goes on in the background.
	// CallbackWait bounds how long a Briacoin callback waits for its
	// getorderstatus before answering 503, so the service retries
	// (0 means 10 s).
	RequestWait  time.Duration
	CallbackWait time.Duration
	// MaxQueue bounds the user calls waiting for the Briacoin budget; past
	// it a top-up or withdrawal gets 503 (0 means 64).
	MaxQueue int
	// PerUserPerMinute limits top-ups and withdrawals per user (0 means 20).
	PerUserPerMinute float64
	// TransferLease is how long a withdrawal lease lasts (0 means 15 s).
	// A claimed withdrawal without an outcome once its sender's lease has
	// ended was interrupted (the sender died) and becomes unknown, so a
	// sender renews its lease every sixth of this while the transfer call
	// runs, and cuts the call off if it could not renew for three quarters
	// of it; the last quarter covers the replicas' clock differences. A
	// shorter lease finds a dead sender's withdrawal sooner.
	TransferLease time.Duration
}

// leaseOwner names this process for the withdrawal leases: host, pid and
// a random part, so no two processes (or runs) share a name.
func leaseOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", api.Truncate(host, 64), os.Getpid(), api.NewID()[:8])
}

// Provider names in the ledger.
const (
	providerBriacoin = "briacoin"
	bankPrefix       = "bank:"
)

// payments is the running payment integration of a Server.
type payments struct {
	s        *Server
	cfg      Payments
	store    ledger.Payments
	bankName string
	rate     briacoin.Rate
	keys     briacoin.AccountKeys
	outID    string // the durable step fence's id for outgoing keys
	queue    *briaQueue
	limit    *limiter

	owner    string // this process, as the holder of withdrawal leases
	mu       sync.Mutex
	flights  map[string]*flight
	lastWarn map[string]time.Time
}

// flight serializes requests with one (user, Idempotency-Key): the second
// waits for the first, then replays its stored outcome.
type flight struct {
	done chan struct{}
}

func newPayments(s *Server, cfg Payments, st ledger.Store) (*payments, error) {
	ps := st
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server: Payments.PublicURL %q must be an absolute http(s) URL", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.KeyPeriod <= 0 {
		cfg.KeyPeriod = briacoin.DefaultPeriod
	}
	if cfg.TopupTTL <= 0 {
		cfg.TopupTTL = 24 * time.Hour
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = 30 * time.Second
	}
	if cfg.RequestWait <= 0 {
		cfg.RequestWait = 45 * time.Second
	}
	if cfg.CallbackWait <= 0 {
		cfg.CallbackWait = 10 * time.Second
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 64
	}
	if cfg.PerUserPerMinute <= 0 {
		cfg.PerUserPerMinute = 20
	}
	if cfg.TransferLease <= 0 {
		cfg.TransferLease = 15 * time.Second
	}
	p := &payments{
		s: s, cfg: cfg, store: ps, rate: cfg.Rate, queue: newBriaQueue(),
		limit: newLimiter("payments", cfg.PerUserPerMinute/60, cfg.PerUserPerMinute/4+1),
		owner: leaseOwner(), flights: map[string]*flight{}, lastWarn: map[string]time.Time{},
	}
	if cfg.Bank != nil {
		p.bankName = bankPrefix + cfg.Bank.Name()
	}
	if cfg.Briacoin != nil {
		if cfg.Rate.IsZero() {
			return nil, errors.New("server: Briacoin needs Payments.Rate (\"1 coin = 100.00 RUB\")")
		}
		if cfg.Rate.Currency() != s.cfg.Currency {
			return nil, fmt.Errorf("server: the Briacoin rate is in %s but accounts are in %s", cfg.Rate.Currency(), s.cfg.Currency)
		}
		if cfg.BriacoinAccount <= 0 {
			return nil, errors.New("server: Payments.BriacoinAccount (the merchant userid) is required")
		}
		secret, err := briacoin.NormalizeSecret(cfg.BriacoinSecret)
		if err != nil {
			return nil, fmt.Errorf("server: Payments.BriacoinSecret: %w", err)
		}
		p.keys = briacoin.AccountKeys{UserID: cfg.BriacoinAccount, Secret: secret, Verifier: &briacoin.Verifier{
			Period: cfg.KeyPeriod, Skew: cfg.KeySkew, Store: stepStore{ps},
		}}
		p.outID = "out:" + briacoin.SecretID(secret)
	}
	return p, nil
}

// stepStore is the durable briacoin.StepStore on the ledger.
type stepStore struct{ p ledger.Payments }

func (s stepStore) Advance(id string, step uint64) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.p.AdvanceStep(ctx, "in:"+id, step)
}

// start runs the Briacoin worker and the reconciler until stop closes.
func (p *payments) start(stop <-chan struct{}, wg *sync.WaitGroup) {
	ctx, cancel := context.WithCancel(context.Background())
	wg.Add(3)
	go func() {
		defer wg.Done()
		<-stop
		cancel()
		p.queue.close()
	}()
	go func() {
		defer wg.Done()
		if p.cfg.Briacoin != nil {
			p.queue.work(ctx)
		}
	}()
	go func() {
		defer wg.Done()
		p.reconcileLoop(ctx)
	}()
}

// userLimit answers 429 when the user starts top-ups or withdrawals too
// fast.
func (p *payments) userLimit(w http.ResponseWriter, user string) bool {
	return p.s.limit(w, p.limit, user)
}

// enter serializes requests with the same (user, key); it returns the
// function to call when done.
func (p *payments) enter(ctx context.Context, user string, idem *ledger.Idempotency) (func(), error) {
	if idem == nil {
		return func() {}, nil
	}
	k := user + "\x00" + idem.Key
	for {
		p.mu.Lock()
		f, busy := p.flights[k]
		if !busy {
			f = &flight{done: make(chan struct{})}
			p.flights[k] = f
			p.mu.Unlock()
			return func() {
				p.mu.Lock()
				delete(p.flights, k)
				p.mu.Unlock()
				close(f.done)
			}, nil
		}
		p.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Server) paymentsOff(w http.ResponseWriter) bool {
	if s.pay == nil {
		writeError(w, http.StatusNotFound, "top-ups and withdrawals are not enabled on this server")
		return true
	}
	return false
}

// --- views ---

type orderMeta struct {
	PaymentURL    string `json:"paymentUrl,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	Wallet        string `json:"wallet,omitempty"`
	Coins         string `json:"coins,omitempty"`
	OrderID       int64  `json:"orderId,omitempty"`
	Rate          string `json:"rate,omitempty"`
}

func readOrderMeta(o ledger.Order) orderMeta {
	var m orderMeta
	json.Unmarshal([]byte(o.Meta), &m)
	return m
}

func (p *payments) topupView(o ledger.Order) api.Topup {
	m := readOrderMeta(o)
	t := api.Topup{
		ID: o.ID, Amount: o.Expected, Currency: o.Currency, Status: o.Status,
		Paid: o.PaidTotal, Credited: o.Credited,
		CreatedAt: api.FormatTime(o.CreatedAt), ExpiresAt: api.FormatTime(o.ExpiresAt),
	}
	if o.Provider == providerBriacoin {
		t.Method = api.MethodBriacoin
		t.Wallet, t.Coins, t.OrderID, t.Rate = m.Wallet, m.Coins, m.OrderID, m.Rate
		t.CoinsPaid = briacoin.Coins(o.PaidNative).String()
	} else {
		t.Method = api.MethodBank
		t.PaymentURL, t.TransactionID = m.PaymentURL, m.TransactionID
	}
	return t
}

type withdrawMeta struct {
	Coins         string `json:"coins"`
	Rate          string `json:"rate"`
	BalanceBefore *int64 `json:"balanceBefore,omitempty"` // coin units on the merchant account just before
	SettledBefore *int64 `json:"settledBefore,omitempty"` // ledger.SettledNative just before
}

func readWithdrawMeta(w ledger.Withdrawal) withdrawMeta {
	var m withdrawMeta
	json.Unmarshal([]byte(w.Meta), &m)
	return m
}

func withdrawalView(w ledger.Withdrawal) api.Withdrawal {
	m := readWithdrawMeta(w)
	return api.Withdrawal{
		Ref: w.Ref, Status: w.Status, TxID: w.TxID, Wallet: w.Destination, Amount: w.Amount, Currency: w.Currency,
		Coins: m.Coins, Reason: w.Reason, CreatedAt: api.FormatTime(w.CreatedAt), UpdatedAt: api.FormatTime(w.UpdatedAt),
	}
}

// --- POST /topup ---

func (s *Server) handleTopup(w http.ResponseWriter, r *http.Request) {
	if s.paymentsOff(w) {
		return
	}
	p := s.pay
	c, body, ok := s.begin(w, r, session, "")
	if !ok {
		return
	}
	obj, err := api.DecodeObject(body)
	if err == nil {
		err = obj.Only("method", "amount", "currency")
	}
	var method, currency string
	var amount int64
	if err == nil {
		method, err = obj.String("method")
	}
	if err == nil {
		amount, err = obj.Int64("amount")
	}
	if err == nil {
		err = api.CheckAmount(amount)
	}
	if err == nil {
		currency, err = obj.String("currency")
	}
	if err == nil {
		err = api.CheckCurrency(currency)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	idem, err := idempotency(r, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch method {
	case api.MethodBank:
		if p.cfg.Bank == nil {
			writeError(w, http.StatusBadRequest, "bank top-ups are not enabled on this server")
			return
		}
	case api.MethodBriacoin:
		if p.cfg.Briacoin == nil {
			writeError(w, http.StatusBadRequest, "Briacoin top-ups are not enabled on this server")
			return
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("method must be %q or %q", api.MethodBank, api.MethodBriacoin))
		return
	}
	acc, err := s.store.Account(r.Context(), c.ws.UserID)
	if err != nil {
		s.internalError(w, err)
		return
	}
	if acc.Currency != currency {
		writeError(w, http.StatusBadRequest, "currency differs from your account's currency")
		return
	}
	if !p.userLimit(w, c.ws.UserID) {
		return
	}
	leave, err := p.enter(r.Context(), c.ws.UserID, idem)
	if err != nil {
		s.internalError(w, err)
		return
	}
	defer leave()
	if idem != nil { // a retry of a top-up already made replays it
		o, ok, err := p.replayOrder(r.Context(), c.ws.UserID, idem)
		if err != nil {
			s.writeLedgerError(w, err)
			return
		}
		if ok {
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, p.topupView(o))
			return
		}
	}
	now := s.now()
	n := ledger.NewOrder{ID: api.NewID(), UserID: c.ws.UserID, Currency: currency, Expected: amount,
		Now: now, ExpiresAt: now.Add(p.cfg.TopupTTL), Idem: idem}
	if method == api.MethodBank {
		err = p.startBank(r.Context(), &n)
	} else {
		err = p.startBriacoin(r.Context(), &n)
	}
	if err != nil {
		p.writeProviderError(w, err)
		return
	}
	o, replayed, err := p.store.CreateOrder(context.WithoutCancel(r.Context()), n)
	if err != nil {
		s.writeLedgerError(w, err)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	s.log.Info("top-up started", "id", o.ID, "method", method, "amount", api.FormatMinor(amount, currency), "user", api.ShortUserID(c.ws.UserID))
	writeJSON(w, http.StatusOK, p.topupView(o))
}

// replayOrder finds the order an earlier request with the same (user,
// Idempotency-Key) made, so that a retry is answered without asking the
// provider for a second order. A key reused with another body is a 409.
func (p *payments) replayOrder(ctx context.Context, user string, idem *ledger.Idempotency) (ledger.Order, bool, error) {
	o, hash, err := p.store.OrderByKey(ctx, user, idem.Key)
	if errors.Is(err, ledger.ErrNotFound) {
		return ledger.Order{}, false, nil
	}
	if err != nil {
		return ledger.Order{}, false, err
	}
	if !bytes.Equal(hash, idem.Hash) {
		return ledger.Order{}, false, ledger.ErrIdempotencyReuse
	}
	return o, true, nil
}

// errProvider wraps a provider failure for the answer.
type errProvider struct {
	status int
	msg    string
	err    error
}

func (e *errProvider) Error() string { return e.msg + ": " + e.err.Error() }
func (e *errProvider) Unwrap() error { return e.err }

func (p *payments) writeProviderError(w http.ResponseWriter, err error) {
	var pe *errProvider
	if errors.As(err, &pe) {
		p.s.log.Warn("payment provider failed", "err", err)
		if pe.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		writeError(w, pe.status, pe.msg)
		return
	}
	p.s.internalError(w, err)
}

func (p *payments) startBank(ctx context.Context, n *ledger.NewOrder) error {
	pay, err := p.cfg.Bank.CreatePayment(ctx, bank.PaymentRequest{
		Amount: n.Expected, Currency: n.Currency,
		ReturnURL:   p.cfg.PublicURL + "/topup/" + n.ID + "/return",
		CallbackURL: p.cfg.PublicURL + "/callbacks/bank",
		Reference:   n.ID, Description: "Fastcheck wallet top-up",
	})
	if err != nil {
		return &errProvider{http.StatusBadGateway, "the bank did not start the payment; try again", err}
	}
	meta, _ := json.Marshal(orderMeta{PaymentURL: pay.PaymentURL, TransactionID: pay.TransactionID})
	n.Provider, n.ExternalID, n.Source, n.Meta = p.bankName, pay.TransactionID, ledger.ExternalBankIn, string(meta)
	return nil
}

func (p *payments) startBriacoin(ctx context.Context, n *ledger.NewOrder) error {
	coins, err := p.rate.CoinsUp(n.Expected)
	if err != nil || coins <= 0 {
		return &errProvider{http.StatusBadRequest, "amount cannot be converted to coins", fmt.Errorf("%v", err)}
	}
	if p.queue.waiting(prioUser) >= p.cfg.MaxQueue {
		return &errProvider{http.StatusServiceUnavailable, "the Briacoin service is busy; try again shortly", errors.New("queue full")}
	}
	var order briacoin.Order
	var callErr error
	ran := false
	rctx := ctx
	j := p.queue.push(prioUser, "", func(wctx context.Context) {
		if rctx.Err() != nil {
			return // the user gave up before our turn: spend nothing
		}
		ran = true
		callErr = p.keyed(wctx, func(ctx context.Context) (err error) {
			order, err = p.cfg.Briacoin.CreateOrder(ctx, coins)
			return err
		})
	})
	if j == nil {
		return &errProvider{http.StatusServiceUnavailable, "the server is shutting down", errors.New("queue closed")}
	}
	t := time.NewTimer(p.cfg.RequestWait)
	defer t.Stop()
	select {
	case <-j.done:
	case <-t.C:
		return &errProvider{http.StatusServiceUnavailable, "the Briacoin service is busy; try again shortly", errors.New("timed out in the queue")}
	case <-ctx.Done():
		return ctx.Err()
	}
	if !ran {
		return &errProvider{http.StatusServiceUnavailable, "the Briacoin service is busy; try again shortly", errors.New("not run")}
	}
	if callErr != nil {
		return &errProvider{http.StatusBadGateway, "the Briacoin service did not create the order; try again", callErr}
	}
	meta, _ := json.Marshal(orderMeta{Wallet: order.Wallet, Coins: order.Amount.String(), OrderID: order.OrderID, Rate: p.rate.String()})
	n.Provider, n.ExternalID, n.Source, n.Meta = providerBriacoin, strconv.FormatInt(order.OrderID, 10), ledger.ExternalBriaIn, string(meta)
	return nil
}

// --- GET /topup/{id}, GET /topups ---

func (s *Server) handleTopupGet(w http.ResponseWriter, r *http.Request) {
	if s.paymentsOff(w) {
		return
	}
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	o, err := s.pay.store.Order(r.Context(), id)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && o.UserID != c.ws.UserID) {
		writeError(w, http.StatusNotFound, "no such top-up")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.pay.topupView(o))
}

func (s *Server) handleTopups(w http.ResponseWriter, r *http.Request) {
	if s.paymentsOff(w) {
		return
	}
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	orders, err := s.pay.store.OrdersByUser(r.Context(), c.ws.UserID, 100)
	if err != nil {
		s.internalError(w, err)
		return
	}
	out := api.Topups{Topups: []api.Topup{}}
	for _, o := range orders {
		out.Topups = append(out.Topups, s.pay.topupView(o))
	}
	writeJSON(w, http.StatusOK, out)
}

// --- GET /topup/{id}/return: where the bank sends the browser (flow 6) ---

var returnPage = template.Must(template.New("return").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Fastcheck top-up</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">
<h1>Fastcheck top-up</h1>
{{if not .Found}}<p id="status">There is no top-up with this link.</p>
{{else if .Credited}}<p id="status" data-status="credited">Your payment of {{.Amount}} was received and credited to your wallet.</p>
{{else if eq .Status "declined"}}<p id="status" data-status="declined">The payment was declined; nothing was charged.</p>
{{else}}<p id="status" data-status="pending">Thank you. The bank is confirming the payment of {{.Amount}}; it appears in your wallet in a moment.</p>
{{end}}<p>You can close this page and return to your wallet.</p>
</body></html>
`))

func (s *Server) handleTopupReturn(w http.ResponseWriter, r *http.Request) {
	d := struct {
		Found, Credited bool
		Amount, Status  string
	}{}
	if s.pay != nil && api.ValidID(r.PathValue("id")) {
		if o, err := s.pay.store.Order(r.Context(), r.PathValue("id")); err == nil {
			d.Found, d.Amount, d.Status = true, api.FormatMinor(o.Expected, o.Currency), o.Status
			d.Credited = o.Status == ledger.OrderClose && o.Credited >= o.PaidTotal
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if !d.Found {
		w.WriteHeader(http.StatusNotFound)
	}
	returnPage.Execute(w, d)
}

// --- POST /withdraw, GET /withdraw/{ref} ---

func (s *Server) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	if s.paymentsOff(w) {
		return
	}
	p := s.pay
	c, body, ok := s.begin(w, r, session, "")
	if !ok {
		return
	}
	if p.cfg.Briacoin == nil {
		writeError(w, http.StatusNotFound, "withdrawals are not enabled on this server")
		return
	}
	obj, err := api.DecodeObject(body)
	if err == nil {
		err = obj.Only("wallet", "amount")
	}
	var wallet string
	var amount int64
	if err == nil {
		wallet, err = obj.String("wallet")
	}
	if err == nil {
		err = briacoin.CheckWallet(strings.TrimSpace(wallet))
		if err != nil {
			err = errors.New(strings.TrimPrefix(err.Error(), "briacoin: "))
		}
	}
	if err == nil {
		amount, err = obj.Int64("amount")
	}
	if err == nil {
		err = api.CheckAmount(amount)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	wallet = strings.TrimSpace(wallet)
	idem, err := idempotency(r, body)
	if err == nil && idem == nil {
		err = errors.New("a withdrawal needs an Idempotency-Key header, so that a retry cannot send the money twice")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	coins, err := p.rate.CoinsDown(amount)
	if err != nil || coins <= 0 {
		writeError(w, http.StatusBadRequest, "amount is too small to send as coins")
		return
	}
	if !p.userLimit(w, c.ws.UserID) {
		return
	}
	leave, err := p.enter(r.Context(), c.ws.UserID, idem)
	if err != nil {
		s.internalError(w, err)
		return
	}
	defer leave()
	meta, _ := json.Marshal(withdrawMeta{Coins: coins.String(), Rate: p.rate.String()})
	wd, replayed, err := p.store.StartWithdrawal(context.WithoutCancel(r.Context()), ledger.NewWithdrawal{
		Ref: "W" + api.NewID()[1:], UserID: c.ws.UserID, Amount: amount, Currency: p.rate.Currency(), Destination: wallet,
		Provider: providerBriacoin, Outflow: ledger.ExternalBriaOut, Meta: string(meta), Now: s.now(), Idem: idem,
	})
	if err != nil {
		s.metrics.ledgerOp("withdraw", outcome(err), 1)
		s.writeLedgerError(w, err)
		return
	}
	s.metrics.ledgerOp("withdraw", "ok", 1)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.log.Info("withdrawal started", "ref", wd.Ref, "amount", api.FormatMinor(amount, wd.Currency), "coins", coins.String(),
			"user", api.ShortUserID(c.ws.UserID))
	}
	if wd.Status == ledger.WithdrawPending && !wd.Attempted() {
		if j := p.pushTransfer(prioUser, wd.Ref); j != nil {
			t := time.NewTimer(p.cfg.RequestWait)
			select {
			case <-j.done:
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
		if cur, err := p.store.Withdrawal(context.WithoutCancel(r.Context()), wd.Ref); err == nil {
			wd = cur
		}
	}
	s.writeWithdrawal(w, r, wd)
}

func (s *Server) writeWithdrawal(w http.ResponseWriter, r *http.Request, wd ledger.Withdrawal) {
	v := withdrawalView(wd)
	if a, err := s.store.Account(context.WithoutCancel(r.Context()), wd.UserID); err == nil {
		v.Balance = &a.Balance
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleWithdrawGet(w http.ResponseWriter, r *http.Request) {
	if s.paymentsOff(w) {
		return
	}
	c, ok := s.authRead(w, r)
	if !ok {
		return
	}
	wd, err := s.pay.store.Withdrawal(r.Context(), r.PathValue("ref"))
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && wd.UserID != c.ws.UserID) {
		writeError(w, http.StatusNotFound, "no such withdrawal")
		return
	}
	if err != nil {
		s.internalError(w, err)
		return
	}
	s.writeWithdrawal(w, r, wd)
}
