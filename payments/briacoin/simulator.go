package briacoin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fastcheck/payments/internal/retry"
)

// SimConfig configures a Simulator. The zero value is usable.
type SimConfig struct {
	// Period is the key step (0 means 30 s) and Skew the steps accepted
	// either side (0 means 1). Tests use short periods.
	Period time.Duration
	Skew   int
	// Clock is the time source for keys and timestamps; zero means the
	// system clock.
	Clock Clock
	// HTTPClient posts the callbacks; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	// CallbackFormat is the encoding of the callbacks (JSON by default).
	CallbackFormat CallbackFormat
	// RetryAttempts, RetryBase and RetryMax bound the callback retries:
	// at most RetryAttempts POSTs (0 means 12), waiting about RetryBase·2^n
	// (0 means 1 s) capped at RetryMax (0 means 5 min) between them.
	RetryAttempts int
	RetryBase     time.Duration
	RetryMax      time.Duration
	// StatePath, when set, is a JSON file the state is loaded from and
	// saved to after every change. Pending callbacks are not saved.
	StatePath string
	// Rand is the randomness for secrets, wallets and txids; nil means
	// crypto/rand.
	Rand io.Reader
	// Logf receives a line per notable event; nil discards them.
	Logf func(format string, args ...any)
}

// Faults are failures a test can switch on in a running Simulator.
type Faults struct {
	// Delay holds every API call this long before it is handled (the
	// call is not executed if the client gives up meanwhile).
	Delay time.Duration
	// Stall makes every API call hang, unexecuted, until the client gives
	// up or the simulator is closed; then the connection is dropped.
	Stall bool
	// StallAfterTransfer makes transfertoaddress commit the transfer and
	// then hang and drop the connection: the caller cannot know the
	// outcome.
	StallAfterTransfer bool
	// DuplicateCallbacks sends each callback attempt this many extra
	// times, concurrently, with the same body and key.
	DuplicateCallbacks int
}

// SimAccount is an account of the simulator.
type SimAccount struct {
	UserID  int64  `json:"userid"`
	Secret  string `json:"secret,omitempty"`
	BackURL string `json:"backurl"`
	Balance Coins  `json:"balance"`
	Created int64  `json:"created"`
}

// SimPayment is one incoming payment to an order's wallet.
type SimPayment struct {
	Amount Coins `json:"amount"`
	At     int64 `json:"at"`
}

// SimOrder is an order of the simulator.
type SimOrder struct {
	OrderID  int64        `json:"orderid"`
	UserID   int64        `json:"userid"`
	Wallet   string       `json:"wallet"`
	Amount   Coins        `json:"amount"`
	Paid     Coins        `json:"paid"`
	Status   Status       `json:"orderstatus"`
	Payments []SimPayment `json:"payments,omitempty"`
	Created  int64        `json:"created"`
}

// SimTransfer is a committed transfertoaddress.
type SimTransfer struct {
	TxID   string `json:"txid"`
	UserID int64  `json:"userid"`
	Wallet string `json:"wallet"`
	Amount Coins  `json:"amount"`
	At     int64  `json:"at"`
}

// Delivery is one POST of a callback to a backurl.
type Delivery struct {
	UserID   int64
	OrderID  int64
	Amount   Coins
	Key      string
	Attempt  int // 0-based retry number
	Copy     int // 0, or the duplicate's number
	HTTPCode int // 0 when there was no answer
	Err      string
	At       time.Time
}

type simState struct {
	NextUser  int64                 `json:"nextUser"`
	NextOrder int64                 `json:"nextOrder"`
	Accounts  map[int64]*SimAccount `json:"accounts"`
	Orders    map[int64]*SimOrder   `json:"orders"`
	Transfers []SimTransfer         `json:"transfers"`
	Steps     map[string]uint64     `json:"steps"`
}

const maxDeliveryLog = 10000

// Simulator is the Briacoin service in memory, an http.Handler: the API
// (POST with method dispatch, on any path outside /sim/), plus
// POST /sim/pay {"wallet","amount"} to simulate an incoming payment and
// GET /sim/state for a look at the state (without secrets). After a
// payment it POSTs the success callback to the account's backurl with a
// fresh key, retrying with backoff until a 2xx. Safe for concurrent use;
// Close stops the deliveries.
type Simulator struct {
	cfg      SimConfig
	policy   retry.Policy
	verifier *Verifier
	steps    *MemoryStepStore
	hc       *http.Client
	mux      *http.ServeMux
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu         sync.Mutex
	st         simState
	wallets    map[string]int64
	faults     Faults
	cbKeys     map[int64]*KeySource
	deliveries []Delivery
	pending    int
	closed     bool
}

// NewSimulator makes a Simulator, loading cfg.StatePath if it exists.
func NewSimulator(cfg SimConfig) (*Simulator, error) {
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Period <= 0 {
		cfg.Period = DefaultPeriod
	}
	s := &Simulator{
		cfg:     cfg,
		policy:  retry.Policy{Attempts: cfg.RetryAttempts, Base: cfg.RetryBase, Max: cfg.RetryMax}.Defaults(),
		steps:   new(MemoryStepStore),
		hc:      cfg.HTTPClient,
		wallets: map[string]int64{},
		cbKeys:  map[int64]*KeySource{},
		st: simState{
			NextUser: 1, NextOrder: 1,
			Accounts: map[int64]*SimAccount{}, Orders: map[int64]*SimOrder{},
		},
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.verifier = &Verifier{Period: cfg.Period, Skew: cfg.Skew, Clock: cfg.Clock, Store: s.steps}
	if cfg.StatePath != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /sim/pay", s.handlePay)
	s.mux.HandleFunc("GET /sim/state", s.handleState)
	s.mux.HandleFunc("/sim/", func(w http.ResponseWriter, r *http.Request) {
		writePlain(w, http.StatusNotFound, map[string]string{"error": "no such simulator endpoint"})
	})
	s.mux.HandleFunc("/", s.handleAPI)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops callback deliveries and stalled calls and waits for the
// delivery goroutines to end.
func (s *Simulator) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// SetFaults switches failures on or off.
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

func (s *Simulator) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Simulator) now() time.Time { return s.cfg.Clock.now() }

// AddAccount creates an account with a known id and secret, for a demo
// whose server is configured with them. It fails if the id is taken.
func (s *Simulator) AddAccount(userID int64, secret, backURL string) error {
	if userID <= 0 {
		return errors.New("briacoin: userid must be positive")
	}
	if _, err := NormalizeSecret(secret); err != nil {
		return err
	}
	if err := checkBackURL(backURL); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Accounts[userID]; ok {
		return fmt.Errorf("briacoin: account %d exists", userID)
	}
	s.st.Accounts[userID] = &SimAccount{UserID: userID, Secret: secret, BackURL: backURL, Created: s.now().Unix()}
	if userID >= s.st.NextUser {
		s.st.NextUser = userID + 1
	}
	s.saveLocked()
	return nil
}

// Account returns a copy of an account.
func (s *Simulator) Account(userID int64) (SimAccount, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.Accounts[userID]
	if !ok {
		return SimAccount{}, false
	}
	return *a, true
}

// Order returns a copy of an order.
func (s *Simulator) Order(orderID int64) (SimOrder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.Orders[orderID]
	if !ok {
		return SimOrder{}, false
	}
	c := *o
	c.Payments = slices.Clone(o.Payments)
	return c, true
}

// Transfers returns the committed transfers, oldest first.
func (s *Simulator) Transfers() []SimTransfer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.Transfers)
}

// Deliveries returns the log of callback POSTs (the last 10000).
func (s *Simulator) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// PendingCallbacks is the number of callbacks still being delivered
// (including those waiting to retry).
func (s *Simulator) PendingCallbacks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// ErrUnknownWallet is returned by Pay for a wallet that is no order's.
var ErrUnknownWallet = errors.New("briacoin: no order has this wallet")

// Pay simulates coins arriving at an order's wallet: the order's paid sum
// grows, its state moves new → part → close (close once paid >= amount;
// more is recorded as over-payment), and a callback is sent. When the
// order closes, all its coins go to the account balance; coins paid after
// that go there directly.
func (s *Simulator) Pay(wallet string, amount Coins) (OrderStatus, error) {
	if amount <= 0 || amount > MaxCoins {
		return OrderStatus{}, fmt.Errorf("briacoin: payment amount %s out of range", amount)
	}
	s.mu.Lock()
	id, ok := s.wallets[strings.TrimSpace(wallet)]
	if !ok {
		s.mu.Unlock()
		return OrderStatus{}, ErrUnknownWallet
	}
	o := s.st.Orders[id]
	a := s.st.Accounts[o.UserID]
	paid, err := o.Paid.Add(amount)
	if err != nil {
		s.mu.Unlock()
		return OrderStatus{}, err
	}
	credit := Coins(0)
	switch {
	case o.Status == StatusClose:
		credit = amount
	case paid >= o.Amount:
		credit = paid
		o.Status = StatusClose
	default:
		o.Status = StatusPart
	}
	bal, err := a.Balance.Add(credit)
	if err != nil {
		s.mu.Unlock()
		return OrderStatus{}, err
	}
	now := s.now()
	o.Paid, a.Balance = paid, bal
	o.Payments = append(o.Payments, SimPayment{Amount: amount, At: now.Unix()})
	st := s.orderStatusLocked(o)
	s.saveLocked()
	closed := s.closed
	if !closed {
		s.wg.Add(1)
		s.pending++
	}
	s.mu.Unlock()
	s.logf("briacoin-sim: order %d paid %s (total %s, %s)", o.OrderID, amount, paid, st.Status)
	if !closed {
		go s.deliver(st)
	}
	return st, nil
}

func (s *Simulator) orderStatusLocked(o *SimOrder) OrderStatus {
	return OrderStatus{UserID: o.UserID, OrderID: o.OrderID, Wallet: o.Wallet, Amount: o.Amount,
		Paid: o.Paid, Status: o.Status, Timestamp: s.now().Unix()}
}

// deliver POSTs the callback for a payment until a 2xx, within the retry
// policy, each attempt with a fresh key of a step not used before.
func (s *Simulator) deliver(st OrderStatus) {
	defer func() {
		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
		s.wg.Done()
	}()
	ks, err := s.callbackKeys(st.UserID)
	if err != nil {
		s.logf("briacoin-sim: callback for order %d: %v", st.OrderID, err)
		return
	}
	for attempt := 0; attempt < s.policy.Attempts; attempt++ {
		if attempt > 0 && retry.Sleep(s.ctx, s.policy.Delay(attempt-1)) != nil {
			return
		}
		s.mu.Lock()
		backURL := s.st.Accounts[st.UserID].BackURL
		dups := max(s.faults.DuplicateCallbacks, 0)
		s.mu.Unlock()
		delivered := false
		err := ks.Do(s.ctx, func(key string) error {
			cb := Callback{UserID: st.UserID, OrderID: st.OrderID, Amount: st.Paid, Key: key,
				Timestamp: s.now().Unix(), Extra: map[string]string{"orderstatus": string(st.Status)}}
			body, ct := EncodeCallback(cb, s.cfg.CallbackFormat)
			var wg sync.WaitGroup
			var mu sync.Mutex
			for c := 0; c <= dups; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, err := s.post(backURL, body, ct)
					d := Delivery{UserID: st.UserID, OrderID: st.OrderID, Amount: st.Paid, Key: key,
						Attempt: attempt, Copy: c, HTTPCode: code, At: s.now()}
					if err != nil {
						d.Err = err.Error()
					}
					mu.Lock()
					if code >= 200 && code <= 299 {
						delivered = true
					}
					mu.Unlock()
					s.record(d)
				}()
			}
			wg.Wait()
			return nil
		})
		if err != nil {
			return // closed
		}
		if delivered {
			return
		}
	}
	s.logf("briacoin-sim: callback for order %d not delivered after %d attempts", st.OrderID, s.policy.Attempts)
}

func (s *Simulator) post(backURL string, body []byte, contentType string) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, backURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "briacoin-sim")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Simulator) record(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deliveries) >= maxDeliveryLog {
		s.deliveries = slices.Delete(s.deliveries, 0, len(s.deliveries)-maxDeliveryLog+1)
	}
	s.deliveries = append(s.deliveries, d)
}

func (s *Simulator) callbackKeys(userID int64) (*KeySource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ks, ok := s.cbKeys[userID]; ok {
		return ks, nil
	}
	a, ok := s.st.Accounts[userID]
	if !ok {
		return nil, errors.New("no such account")
	}
	ks, err := NewKeySource(a.Secret, s.cfg.Period, s.cfg.Clock)
	if err != nil {
		return nil, err
	}
	s.cbKeys[userID] = ks
	return ks, nil
}

// The service's error texts. "Authorization filed!" keeps the document's
// typo: clients match it as it is.
const (
	ErrTextAuth         = "Authorization filed!"
	ErrTextMethod       = "Unknown method"
	ErrTextRequest      = "Invalid request"
	ErrTextAmount       = "Invalid amount"
	ErrTextBackURL      = "Invalid backurl"
	ErrTextWallet       = "Invalid wallet"
	ErrTextOrder        = "Order not found"
	ErrTextInsufficient = "Insufficient funds"
)

// kv is one member of an ordered JSON object, so answers read like the
// document's examples.
type kv struct {
	k string
	v any
}

type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (s *Simulator) writeOK(w http.ResponseWriter, members ...kv) {
	res := append(obj{{"status", "ok"}}, members...)
	res = append(res, kv{"timestamp", s.now().Unix()})
	writePlain(w, http.StatusOK, obj{{"result", res}})
}

// writeError answers with the document's envelope, HTTP 200 as a service
// that always answers "ok or error" in the body does.
func (s *Simulator) writeError(w http.ResponseWriter, data string) {
	writePlain(w, http.StatusOK, obj{{"result", obj{{"status", "error"}, {"data", data}, {"timestamp", s.now().Unix()}}}})
}

func writePlain(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// hang waits until the client gives up or the simulator closes, then drops
// the connection without an answer.
func (s *Simulator) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
	panic(http.ErrAbortHandler)
}

func (s *Simulator) handleAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writePlain(w, http.StatusMethodNotAllowed, obj{{"result", obj{{"status", "error"}, {"data", "Use POST"}, {"timestamp", s.now().Unix()}}}})
		return
	}
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	if f.Stall {
		s.hang(r)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler)
		case <-s.ctx.Done():
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil || len(body) > 64<<10 {
		s.writeError(w, ErrTextRequest)
		return
	}
	req, err := decodeFields(fixJSON(body))
	if err != nil {
		s.writeError(w, ErrTextRequest)
		return
	}
	method, _, _ := req.text("method")
	switch strings.ToLower(strings.TrimSpace(method)) {
	case MethodCreateAccount:
		s.apiCreateAccount(w, req)
	case MethodUpdateAccount:
		s.apiUpdateAccount(w, req)
	case MethodGetAccountBalance:
		s.apiBalance(w, req)
	case MethodCreateOrder:
		s.apiCreateOrder(w, req)
	case MethodGetOrderStatus:
		s.apiOrderStatus(w, req)
	case MethodTransferToAddress:
		s.apiTransfer(w, r, req, f)
	default:
		s.writeError(w, ErrTextMethod)
	}
}

// auth checks userid and key and consumes the key's step. Unknown
// accounts, wrong, out-of-window and reused keys all answer the same.
func (s *Simulator) auth(req fields) (int64, bool) {
	uid, ok, err := req.int64("userid")
	if !ok || err != nil || uid <= 0 {
		return 0, false
	}
	key, _, _ := req.text("key")
	s.mu.Lock()
	a, ok := s.st.Accounts[uid]
	var secret string
	if ok {
		secret = a.Secret
	}
	s.mu.Unlock()
	if !ok {
		return 0, false
	}
	if _, err := s.verifier.Verify(secret, key); err != nil {
		s.logf("briacoin-sim: account %d: %v", uid, err)
		return 0, false
	}
	if s.cfg.StatePath != "" { // the used step must survive a restart
		s.mu.Lock()
		s.saveLocked()
		s.mu.Unlock()
	}
	return uid, true
}

func checkBackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2048 {
		return errors.New("briacoin: backurl must be an absolute http(s) URL")
	}
	return nil
}

func (s *Simulator) apiCreateAccount(w http.ResponseWriter, req fields) {
	backURL, _, _ := req.text("backurl")
	if checkBackURL(backURL) != nil {
		s.writeError(w, ErrTextBackURL)
		return
	}
	secret, err := NewSecret(s.cfg.Rand)
	if err != nil {
		s.writeError(w, "Internal error")
		return
	}
	s.mu.Lock()
	id := s.st.NextUser
	s.st.NextUser++
	a := &SimAccount{UserID: id, Secret: secret, BackURL: backURL, Created: s.now().Unix()}
	s.st.Accounts[id] = a
	s.saveLocked()
	s.mu.Unlock()
	s.writeOK(w, kv{"userid", id}, kv{"secret", secret}, kv{"balance", Coins(0)}, kv{"backurl", backURL})
}

func (s *Simulator) apiUpdateAccount(w http.ResponseWriter, req fields) {
	uid, ok := s.auth(req)
	if !ok {
		s.writeError(w, ErrTextAuth)
		return
	}
	backURL, _, _ := req.text("backurl")
	if checkBackURL(backURL) != nil {
		s.writeError(w, ErrTextBackURL)
		return
	}
	s.mu.Lock()
	s.st.Accounts[uid].BackURL = backURL
	s.saveLocked()
	s.mu.Unlock()
	s.writeOK(w, kv{"userid", uid}, kv{"backurl", backURL})
}

func (s *Simulator) apiBalance(w http.ResponseWriter, req fields) {
	uid, ok := s.auth(req)
	if !ok {
		s.writeError(w, ErrTextAuth)
		return
	}
	s.mu.Lock()
	bal := s.st.Accounts[uid].Balance
	s.mu.Unlock()
	s.writeOK(w, kv{"userid", uid}, kv{"balance", bal})
}

func (s *Simulator) apiCreateOrder(w http.ResponseWriter, req fields) {
	uid, ok := s.auth(req)
	if !ok {
		s.writeError(w, ErrTextAuth)
		return
	}
	amount, ok, err := req.coins("amount")
	if !ok || err != nil || amount <= 0 || amount > MaxCoins {
		s.writeError(w, ErrTextAmount)
		return
	}
	s.mu.Lock()
	wallet, err := s.newWalletLocked()
	if err != nil {
		s.mu.Unlock()
		s.writeError(w, "Internal error")
		return
	}
	id := s.st.NextOrder
	s.st.NextOrder++
	s.st.Orders[id] = &SimOrder{OrderID: id, UserID: uid, Wallet: wallet, Amount: amount, Status: StatusNew, Created: s.now().Unix()}
	s.wallets[wallet] = id
	s.saveLocked()
	s.mu.Unlock()
	s.writeOK(w, kv{"userid", uid}, kv{"orderid", id}, kv{"wallet", wallet}, kv{"amount", amount})
}

func (s *Simulator) apiOrderStatus(w http.ResponseWriter, req fields) {
	uid, ok := s.auth(req)
	if !ok {
		s.writeError(w, ErrTextAuth)
		return
	}
	id, _, err := req.int64("orderid")
	s.mu.Lock()
	o, ok := s.st.Orders[id]
	if err != nil || !ok || o.UserID != uid {
		s.mu.Unlock()
		s.writeError(w, ErrTextOrder)
		return
	}
	c := *o
	s.mu.Unlock()
	s.writeOK(w, kv{"userid", uid}, kv{"orderid", c.OrderID}, kv{"wallet", c.Wallet},
		kv{"amount", c.Amount}, kv{"paid", c.Paid}, kv{"orderstatus", c.Status})
}

func (s *Simulator) apiTransfer(w http.ResponseWriter, r *http.Request, req fields, f Faults) {
	uid, ok := s.auth(req)
	if !ok {
		s.writeError(w, ErrTextAuth)
		return
	}
	wallet, _, _ := req.text("wallet")
	wallet = strings.TrimSpace(wallet)
	if CheckWallet(wallet) != nil {
		s.writeError(w, ErrTextWallet)
		return
	}
	amount, ok, err := req.coins("amount")
	if !ok || err != nil || amount <= 0 || amount > MaxCoins {
		s.writeError(w, ErrTextAmount)
		return
	}
	var txb [32]byte
	if _, err := io.ReadFull(s.cfg.Rand, txb[:]); err != nil {
		s.writeError(w, "Internal error")
		return
	}
	s.mu.Lock()
	a := s.st.Accounts[uid]
	if a.Balance < amount {
		s.mu.Unlock()
		s.writeError(w, ErrTextInsufficient)
		return
	}
	a.Balance -= amount
	tx := SimTransfer{TxID: hex.EncodeToString(txb[:]), UserID: uid, Wallet: wallet, Amount: amount, At: s.now().Unix()}
	s.st.Transfers = append(s.st.Transfers, tx)
	_, internal := s.wallets[wallet]
	s.saveLocked()
	s.mu.Unlock()
	s.logf("briacoin-sim: account %d sent %s to %s (tx %s)", uid, amount, wallet, tx.TxID)
	if internal {
		// Coins sent to one of the simulator's own deposit wallets pay
		// that order, as on a real chain.
		_, _ = s.Pay(wallet, amount)
	}
	if f.StallAfterTransfer {
		s.hang(r)
	}
	s.writeOK(w, kv{"userid", uid}, kv{"txid", tx.TxID})
}

// newWalletLocked makes a fresh deposit address: B and 33 base58
// characters (34 in all, like the document's).
func (s *Simulator) newWalletLocked() (string, error) {
	for {
		b := make([]byte, 0, 34)
		b = append(b, 'B')
		var buf [64]byte
		for len(b) < 34 {
			if _, err := io.ReadFull(s.cfg.Rand, buf[:]); err != nil {
				return "", err
			}
			for _, c := range buf {
				if c < 232 && len(b) < 34 { // 232 = 4·58: no modulo bias
					b = append(b, base58[c%58])
				}
			}
		}
		w := string(b)
		if _, taken := s.wallets[w]; !taken {
			return w, nil
		}
	}
}

type payRequest struct {
	Wallet string `json:"wallet"`
	Amount Coins  `json:"amount"`
}

func (s *Simulator) handlePay(w http.ResponseWriter, r *http.Request) {
	var req payRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	if err := dec.Decode(&req); err != nil {
		writePlain(w, http.StatusBadRequest, map[string]string{"error": "want {\"wallet\": \"B…\", \"amount\": 1.5}: " + err.Error()})
		return
	}
	st, err := s.Pay(req.Wallet, req.Amount)
	switch {
	case errors.Is(err, ErrUnknownWallet):
		writePlain(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case err != nil:
		writePlain(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	default:
		writePlain(w, http.StatusOK, st)
	}
}

func (s *Simulator) handleState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := struct {
		Accounts  []SimAccount  `json:"accounts"`
		Orders    []SimOrder    `json:"orders"`
		Transfers []SimTransfer `json:"transfers"`
	}{}
	for _, id := range slices.Sorted(maps.Keys(s.st.Accounts)) {
		a := *s.st.Accounts[id]
		a.Secret = ""
		out.Accounts = append(out.Accounts, a)
	}
	for _, id := range slices.Sorted(maps.Keys(s.st.Orders)) {
		out.Orders = append(out.Orders, *s.st.Orders[id])
	}
	out.Transfers = slices.Clone(s.st.Transfers)
	s.mu.Unlock()
	writePlain(w, http.StatusOK, out)
}

// saveLocked writes the state to cfg.StatePath (write and rename), if set.
func (s *Simulator) saveLocked() {
	if s.cfg.StatePath == "" {
		return
	}
	s.st.Steps = s.steps.Snapshot()
	b, err := json.MarshalIndent(&s.st, "", "  ")
	if err == nil {
		tmp := s.cfg.StatePath + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, s.cfg.StatePath)
		}
	}
	if err != nil {
		s.logf("briacoin-sim: saving state: %v", err)
	}
}

func (s *Simulator) load() error {
	b, err := os.ReadFile(s.cfg.StatePath)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(filepath.Dir(s.cfg.StatePath), 0o700)
	}
	if err != nil {
		return err
	}
	var st simState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("briacoin: state %s: %w", s.cfg.StatePath, err)
	}
	if st.Accounts == nil {
		st.Accounts = map[int64]*SimAccount{}
	}
	if st.Orders == nil {
		st.Orders = map[int64]*SimOrder{}
	}
	if st.NextUser < 1 {
		st.NextUser = 1
	}
	if st.NextOrder < 1 {
		st.NextOrder = 1
	}
	for id, o := range st.Orders {
		if _, ok := st.Accounts[o.UserID]; !ok || o.OrderID != id {
			return fmt.Errorf("briacoin: state %s: order %d is inconsistent", s.cfg.StatePath, id)
		}
		s.wallets[o.Wallet] = id
	}
	s.steps.Restore(st.Steps)
	s.st = st
	return nil
}

// SimPay asks a running simulator at baseURL (its root, e.g.
// http://127.0.0.1:8090) to simulate a payment: POST /sim/pay. It is what
// `fastcheck briacoin-sim pay WALLET AMOUNT` calls.
func SimPay(ctx context.Context, hc *http.Client, baseURL, wallet string, amount Coins) (OrderStatus, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	body, _ := json.Marshal(payRequest{Wallet: wallet, Amount: amount})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/sim/pay", bytes.NewReader(body))
	if err != nil {
		return OrderStatus{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return OrderStatus{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return OrderStatus{}, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return OrderStatus{}, fmt.Errorf("briacoin-sim pay: %s", e.Error)
		}
		return OrderStatus{}, fmt.Errorf("briacoin-sim pay: HTTP %d", resp.StatusCode)
	}
	var st OrderStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return OrderStatus{}, fmt.Errorf("briacoin-sim pay: %w", err)
	}
	return st, nil
}
