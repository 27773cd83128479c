package briacoin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultEndpoint is the service's one API URL.
const DefaultEndpoint = "https://api.briacoin.com/api/"

// The service's method names.
const (
	MethodCreateAccount     = "createaccount"
	MethodUpdateAccount     = "updateaccount"
	MethodGetAccountBalance = "getaccountbalance"
	MethodCreateOrder       = "createorder"
	MethodGetOrderStatus    = "getorderstatus"
	MethodTransferToAddress = "transfertoaddress"
)

// Status is an order's state. It only moves forward: new → part → close.
type Status string

// The order states of the document.
const (
	StatusNew   Status = "new"   // nothing paid yet
	StatusPart  Status = "part"  // paid in part
	StatusClose Status = "close" // paid in full and closed; the coins are on the account balance
)

// Rank orders the states for forward-only updates: new 1, part 2, close 3,
// anything else 0.
func (s Status) Rank() int {
	switch s {
	case StatusNew:
		return 1
	case StatusPart:
		return 2
	case StatusClose:
		return 3
	}
	return 0
}

// ParseStatus reads an order state leniently ("Close", " part ", "closed").
func ParseStatus(s string) (Status, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "new":
		return StatusNew, nil
	case "part", "partial":
		return StatusPart, nil
	case "close", "closed":
		return StatusClose, nil
	}
	return "", fmt.Errorf("briacoin: unknown order status %q", truncate(s, 32))
}

// Account is the answer to createaccount.
type Account struct {
	UserID    int64  `json:"userid"`
	Secret    string `json:"secret"`
	Balance   Coins  `json:"balance"`
	BackURL   string `json:"backurl"`
	Timestamp int64  `json:"timestamp"`
}

// AccountUpdate is the answer to updateaccount.
type AccountUpdate struct {
	UserID    int64  `json:"userid"`
	BackURL   string `json:"backurl"`
	Timestamp int64  `json:"timestamp"`
}

// Balance is the answer to getaccountbalance.
type Balance struct {
	UserID    int64 `json:"userid"`
	Balance   Coins `json:"balance"`
	Timestamp int64 `json:"timestamp"`
}

// Order is the answer to createorder.
type Order struct {
	UserID    int64  `json:"userid"`
	OrderID   int64  `json:"orderid"`
	Wallet    string `json:"wallet"`
	Amount    Coins  `json:"amount"`
	Timestamp int64  `json:"timestamp"`
}

// OrderStatus is the answer to getorderstatus.
type OrderStatus struct {
	UserID    int64  `json:"userid"`
	OrderID   int64  `json:"orderid"`
	Wallet    string `json:"wallet"`
	Amount    Coins  `json:"amount"`
	Paid      Coins  `json:"paid"`
	Status    Status `json:"orderstatus"`
	Timestamp int64  `json:"timestamp"`
}

// Transfer is the answer to transfertoaddress.
type Transfer struct {
	UserID    int64  `json:"userid"`
	TxID      string `json:"txid"`
	Timestamp int64  `json:"timestamp"`
}

// APIError is the service's error envelope,
// {"result":{"status":"error","data":"...","timestamp":...}}: the service
// refused the call, so it did nothing. Data is kept as the service wrote it
// ("Authorization filed!").
type APIError struct {
	Method     string
	Data       string
	Timestamp  int64
	HTTPStatus int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("briacoin %s: %s", e.Method, e.Data)
}

// IsAuth reports whether the service refused the key or the account
// ("Authorization filed!", the document's typo, or "failed").
func (e *APIError) IsAuth() bool {
	return strings.Contains(strings.ToLower(e.Data), "authori")
}

// ErrOutcomeUnknown is matched (errors.Is) by errors after which the call may
// or may not have been executed: a timeout or lost connection after the
// request was sent, or an answer that is not the service's envelope. Such a
// call must not be retried blindly (transfertoaddress has no idempotency
// key); reconcile instead.
var ErrOutcomeUnknown = errors.New("briacoin: outcome unknown")

// ErrNoAccount is returned by keyed methods of a Client without an account.
var ErrNoAccount = errors.New("briacoin: client has no userid and secret")

// CallError is a failure other than the service's error envelope.
// MaybeExecuted is false when the request certainly did not reach the
// service (it was never written: dial error, context done while waiting for
// a key), true otherwise.
type CallError struct {
	Method        string
	MaybeExecuted bool
	HTTPStatus    int // 0 when there was no answer
	Err           error
}

func (e *CallError) Error() string {
	s := "briacoin " + e.Method + ": "
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.HTTPStatus)
	}
	s += e.Err.Error()
	if e.MaybeExecuted {
		s += " (outcome unknown)"
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOutcomeUnknown) true when the call may have run.
func (e *CallError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.MaybeExecuted
}

// IsDefinite reports whether err says for sure that the call did not take
// effect: the service's error envelope, or a request that was never sent.
// A withdrawal may be refunded only on a definite failure.
func IsDefinite(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return true
	}
	return !errors.Is(err, ErrOutcomeUnknown)
}

// Config configures a Client.
type Config struct {
	// Endpoint is the API URL; "" means DefaultEndpoint.
	Endpoint string
	// UserID and Secret are the merchant account (from createaccount).
	// Leave them empty to call only CreateAccount.
	UserID int64
	Secret string
	// HTTPClient is used for the calls; nil means a client with no
	// overall timeout (each call has Timeout).
	HTTPClient *http.Client
	// Period is the key step, 0 means 30 s. Clock is the time source of
	// the keys; zero means the system clock.
	Period time.Duration
	Clock  Clock
	// Keys, when set, is the KeySource of Secret to use instead of a new
	// one: clients of the same account in one process must share it, or
	// their keys collide (Period and Clock are then the KeySource's).
	Keys *KeySource
	// Timeout bounds each HTTP exchange (not the wait for a fresh key,
	// which only the caller's context bounds); 0 means 30 s.
	Timeout time.Duration
	// MaxResponseBytes caps an answer; 0 means 1 MiB.
	MaxResponseBytes int64
}

// Service is what a merchant server needs from Briacoin after its account
// exists: top-ups (CreateOrder, then GetOrderStatus to credit and to
// reconcile lost callbacks), withdrawals (TransferToAddress) and the
// account balance (to resolve a withdrawal of unknown outcome). *Client
// implements it; tests can substitute a fake.
type Service interface {
	CreateOrder(ctx context.Context, amount Coins) (Order, error)
	GetOrderStatus(ctx context.Context, orderID int64) (OrderStatus, error)
	GetAccountBalance(ctx context.Context) (Balance, error)
	TransferToAddress(ctx context.Context, wallet string, amount Coins) (Transfer, error)
}

var _ Service = (*Client)(nil)

// Client calls the service. Keyed calls are serialized through one
// KeySource, so use one Client per account per process. Safe for concurrent
// use.
type Client struct {
	endpoint string
	userID   int64
	hc       *http.Client
	keys     *KeySource
	timeout  time.Duration
	maxResp  int64
}

// NewClient makes a Client.
func NewClient(cfg Config) (*Client, error) {
	c := &Client{endpoint: cfg.Endpoint, userID: cfg.UserID, hc: cfg.HTTPClient, timeout: cfg.Timeout, maxResp: cfg.MaxResponseBytes}
	if c.endpoint == "" {
		c.endpoint = DefaultEndpoint
	}
	if !strings.HasPrefix(c.endpoint, "https://") && !strings.HasPrefix(c.endpoint, "http://") {
		return nil, fmt.Errorf("briacoin: endpoint %q is not an http(s) URL", c.endpoint)
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.maxResp <= 0 {
		c.maxResp = 1 << 20
	}
	if cfg.Secret != "" || cfg.UserID != 0 || cfg.Keys != nil {
		if cfg.UserID <= 0 {
			return nil, errors.New("briacoin: a secret needs a positive userid")
		}
		c.keys = cfg.Keys
		if c.keys == nil {
			ks, err := NewKeySource(cfg.Secret, cfg.Period, cfg.Clock)
			if err != nil {
				return nil, err
			}
			c.keys = ks
		}
	}
	return c, nil
}

// UserID is the account the client acts for (0 if none).
func (c *Client) UserID() int64 { return c.userID }

// Keys is the client's KeySource (nil without an account), to share with
// another Client of the same account (Config.Keys).
func (c *Client) Keys() *KeySource { return c.keys }

type createAccountReq struct {
	Method  string `json:"method"`
	BackURL string `json:"backurl"`
}

// CreateAccount registers a new account whose success callbacks go to
// backURL. The answer's secret is shown once: store it.
func (c *Client) CreateAccount(ctx context.Context, backURL string) (Account, error) {
	f, err := c.call(ctx, MethodCreateAccount, false, func(string) any {
		return createAccountReq{MethodCreateAccount, backURL}
	})
	if err != nil {
		return Account{}, err
	}
	var a Account
	r := reader{method: MethodCreateAccount, f: f}
	a.UserID = r.int64("userid", true)
	a.Secret = r.text("secret", true)
	a.Balance = r.coins("balance", false)
	a.BackURL = r.text("backurl", false)
	a.Timestamp = r.int64("timestamp", false)
	if r.err == nil && a.UserID <= 0 {
		r.fail("userid %d is not positive", a.UserID)
	}
	if r.err == nil {
		if _, err := NormalizeSecret(a.Secret); err != nil {
			r.fail("secret is not base32")
		}
	}
	return a, r.err
}

type updateAccountReq struct {
	Method  string `json:"method"`
	BackURL string `json:"backurl"`
	UserID  int64  `json:"userid"`
	Key     string `json:"key"`
}

// UpdateAccount changes the account's callback URL.
func (c *Client) UpdateAccount(ctx context.Context, backURL string) (AccountUpdate, error) {
	f, err := c.call(ctx, MethodUpdateAccount, true, func(key string) any {
		return updateAccountReq{MethodUpdateAccount, backURL, c.userID, key}
	})
	if err != nil {
		return AccountUpdate{}, err
	}
	r := reader{method: MethodUpdateAccount, f: f}
	u := AccountUpdate{
		UserID:    r.int64("userid", false),
		BackURL:   r.text("backurl", false),
		Timestamp: r.int64("timestamp", false),
	}
	return u, r.err
}

type userReq struct {
	Method string `json:"method"`
	UserID int64  `json:"userid"`
	Key    string `json:"key"`
}

// GetAccountBalance returns the account's coin balance.
func (c *Client) GetAccountBalance(ctx context.Context) (Balance, error) {
	f, err := c.call(ctx, MethodGetAccountBalance, true, func(key string) any {
		return userReq{MethodGetAccountBalance, c.userID, key}
	})
	if err != nil {
		return Balance{}, err
	}
	r := reader{method: MethodGetAccountBalance, f: f}
	b := Balance{
		UserID:    r.int64("userid", false),
		Balance:   r.coins("balance", true),
		Timestamp: r.int64("timestamp", false),
	}
	return b, r.err
}

type createOrderReq struct {
	Method string `json:"method"`
	Amount Coins  `json:"amount"`
	UserID int64  `json:"userid"`
	Key    string `json:"key"`
}

// CreateOrder opens an order for amount coins and returns its deposit
// wallet.
func (c *Client) CreateOrder(ctx context.Context, amount Coins) (Order, error) {
	if amount <= 0 || amount > MaxCoins {
		return Order{}, &CallError{Method: MethodCreateOrder, Err: fmt.Errorf("amount %s out of range", amount)}
	}
	f, err := c.call(ctx, MethodCreateOrder, true, func(key string) any {
		return createOrderReq{MethodCreateOrder, amount, c.userID, key}
	})
	if err != nil {
		return Order{}, err
	}
	r := reader{method: MethodCreateOrder, f: f}
	o := Order{
		UserID:    r.int64("userid", false),
		OrderID:   r.int64("orderid", true),
		Wallet:    strings.TrimSpace(r.text("wallet", true)),
		Amount:    r.coins("amount", false),
		Timestamp: r.int64("timestamp", false),
	}
	if o.Amount == 0 {
		o.Amount = amount
	}
	if r.err == nil && o.Wallet == "" {
		r.fail("empty wallet")
	}
	return o, r.err
}

type orderReq struct {
	Method  string `json:"method"`
	OrderID int64  `json:"orderid"`
	UserID  int64  `json:"userid"`
	Key     string `json:"key"`
}

// GetOrderStatus returns an order's amount, the coins paid so far and its
// state.
func (c *Client) GetOrderStatus(ctx context.Context, orderID int64) (OrderStatus, error) {
	f, err := c.call(ctx, MethodGetOrderStatus, true, func(key string) any {
		return orderReq{MethodGetOrderStatus, orderID, c.userID, key}
	})
	if err != nil {
		return OrderStatus{}, err
	}
	r := reader{method: MethodGetOrderStatus, f: f}
	o := OrderStatus{
		UserID:    r.int64("userid", false),
		OrderID:   r.int64("orderid", false),
		Wallet:    strings.TrimSpace(r.text("wallet", false)),
		Amount:    r.coins("amount", false),
		Paid:      r.coins("paid", true),
		Timestamp: r.int64("timestamp", false),
	}
	if o.OrderID == 0 {
		o.OrderID = orderID
	}
	if s := r.text("orderstatus", true); r.err == nil {
		st, err := ParseStatus(s)
		if err != nil {
			r.fail("%v", err)
		}
		o.Status = st
	}
	return o, r.err
}

type transferReq struct {
	Method string `json:"method"`
	UserID int64  `json:"userid"`
	Wallet string `json:"wallet"`
	Amount Coins  `json:"amount"`
	Key    string `json:"key"`
}

// TransferToAddress sends amount coins from the account balance to wallet.
// On an error, check IsDefinite: only a definite failure means no coins
// left; otherwise (errors.Is(err, ErrOutcomeUnknown)) the transfer may have
// happened and must be reconciled, not retried.
func (c *Client) TransferToAddress(ctx context.Context, wallet string, amount Coins) (Transfer, error) {
	wallet = strings.TrimSpace(wallet)
	if err := CheckWallet(wallet); err != nil {
		return Transfer{}, &CallError{Method: MethodTransferToAddress, Err: err}
	}
	if amount <= 0 || amount > MaxCoins {
		return Transfer{}, &CallError{Method: MethodTransferToAddress, Err: fmt.Errorf("amount %s out of range", amount)}
	}
	f, err := c.call(ctx, MethodTransferToAddress, true, func(key string) any {
		return transferReq{MethodTransferToAddress, c.userID, wallet, amount, key}
	})
	if err != nil {
		return Transfer{}, err
	}
	r := reader{method: MethodTransferToAddress, f: f}
	t := Transfer{
		UserID:    r.int64("userid", false),
		TxID:      strings.TrimSpace(r.text("txid", true)),
		Timestamp: r.int64("timestamp", false),
	}
	if r.err == nil && t.TxID == "" {
		r.fail("empty txid")
	}
	return t, r.err
}

// CheckWallet explains why s does not look like a Briacoin address: 26 to
// 35 base58 characters starting with B (the document's are 34).
func CheckWallet(s string) error {
	if len(s) < 26 || len(s) > 35 || s[0] != 'B' {
		return fmt.Errorf("briacoin: wallet %q is not a Briacoin address (B…, 26–35 characters)", truncate(s, 40))
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(base58, s[i]) < 0 {
			return fmt.Errorf("briacoin: wallet %q has a character outside base58", truncate(s, 40))
		}
	}
	return nil
}

const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// call sends one request and returns the "result" object of an "ok"
// answer. build makes the request body for a key ("" when unkeyed).
func (c *Client) call(ctx context.Context, method string, keyed bool, build func(key string) any) (fields, error) {
	if !keyed {
		return c.post(ctx, method, build(""))
	}
	if c.keys == nil {
		return nil, &CallError{Method: method, Err: ErrNoAccount}
	}
	var f fields
	var callErr error
	err := c.keys.Do(ctx, func(key string) error {
		f, callErr = c.post(ctx, method, build(key))
		return nil
	})
	if err != nil { // context done while waiting for a key: nothing was sent
		return nil, &CallError{Method: method, Err: err}
	}
	return f, callErr
}

func (c *Client) post(ctx context.Context, method string, req any) (fields, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &CallError{Method: method, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &CallError{Method: method, Err: err}
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, &CallError{Method: method, MaybeExecuted: wrote.Load(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResp+1))
	if err != nil {
		return nil, &CallError{Method: method, MaybeExecuted: true, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if int64(len(data)) > c.maxResp {
		return nil, &CallError{Method: method, MaybeExecuted: true, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("answer larger than %d bytes", c.maxResp)}
	}
	return decodeEnvelope(method, resp.StatusCode, data)
}

// decodeEnvelope reads {"result":{"status":"ok"|"error",...}}. An answer
// without the "result" wrapper but with a status is read the same way.
func decodeEnvelope(method string, httpStatus int, data []byte) (fields, error) {
	unknown := func(format string, args ...any) error {
		return &CallError{Method: method, MaybeExecuted: true, HTTPStatus: httpStatus, Err: fmt.Errorf(format, args...)}
	}
	top, err := decodeFields(fixJSON(data))
	if err != nil {
		return nil, unknown("answer is not the service's JSON (%v): %q", err, truncate(string(data), 120))
	}
	res := top
	if raw, ok := top.raw("result"); ok {
		res, err = decodeFields(fixJSON(raw))
		if err != nil {
			return nil, unknown("result is not an object: %v", err)
		}
	}
	status, _, _ := res.text("status")
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "ok", "success":
		if httpStatus < 200 || httpStatus > 299 {
			return nil, unknown("status ok with HTTP %d", httpStatus)
		}
		return res, nil
	case "error", "fail", "failed":
		e := &APIError{Method: method, HTTPStatus: httpStatus}
		if d, ok, err := res.text("data"); ok && err == nil {
			e.Data = d
		} else if raw, ok := res.raw("data"); ok {
			e.Data = string(raw)
		}
		e.Timestamp, _, _ = res.int64("timestamp")
		return nil, e
	}
	return nil, unknown("answer has no status ok or error: %q", truncate(string(data), 120))
}

// reader pulls typed fields out of an "ok" result, keeping the first error.
type reader struct {
	method string
	f      fields
	err    error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = &CallError{Method: r.method, MaybeExecuted: true, HTTPStatus: 200, Err: fmt.Errorf("answer: "+format, args...)}
	}
}

func (r *reader) int64(name string, required bool) int64 {
	v, ok, err := r.f.int64(name)
	if err != nil {
		r.fail("%v", err)
	} else if !ok && required {
		r.fail("no %s", name)
	}
	return v
}

func (r *reader) coins(name string, required bool) Coins {
	v, ok, err := r.f.coins(name)
	if err != nil {
		r.fail("%v", err)
	} else if !ok && required {
		r.fail("no %s", name)
	}
	return v
}

func (r *reader) text(name string, required bool) string {
	v, ok, err := r.f.text(name)
	if err != nil {
		r.fail("%v", err)
	} else if !ok && required {
		r.fail("no %s", name)
	}
	return v
}
