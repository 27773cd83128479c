package briacoin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// simPeriod is the key step of the HTTP tests: short, so that waiting for
// fresh steps costs little, and long enough for loopback calls under -race
// to land within one step of skew.
const simPeriod = 150 * time.Millisecond

type simEnv struct {
	sim    *Simulator
	srv    *httptest.Server
	m      *merchant
	mSrv   *httptest.Server
	client *Client
	acct   Account
}

// newSimEnv starts a simulator and a merchant receiving its callbacks, and
// registers the merchant's account through the API.
func newSimEnv(t *testing.T, cfg SimConfig) *simEnv {
	t.Helper()
	if cfg.Period == 0 {
		cfg.Period = simPeriod
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 10*time.Millisecond, 80*time.Millisecond
	}
	if cfg.RetryAttempts == 0 {
		cfg.RetryAttempts = 40
	}
	sim, err := NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &simEnv{sim: sim}
	e.srv = httptest.NewServer(sim)
	e.m = &merchant{credited: map[int64]Coins{}, status: map[int64]Status{}}
	e.mSrv = httptest.NewServer(e.m)
	t.Cleanup(func() {
		sim.Close()
		e.srv.Close()
		e.mSrv.Close()
	})
	anon, err := NewClient(Config{Endpoint: e.srv.URL + "/api/"})
	if err != nil {
		t.Fatal(err)
	}
	e.acct, err = anon.CreateAccount(context.Background(), e.mSrv.URL+"/accept")
	if err != nil {
		t.Fatal(err)
	}
	e.client, err = NewClient(Config{Endpoint: e.srv.URL + "/api/", UserID: e.acct.UserID, Secret: e.acct.Secret, Period: simPeriod})
	if err != nil {
		t.Fatal(err)
	}
	e.m.setup(e.acct, e.client)
	return e
}

// merchant is a test receiver of callbacks doing what the server will do:
// verify the key (TOTP, no reuse), re-fetch the order with getorderstatus,
// credit paid − credited, move the status forward only.
type merchant struct {
	mu       sync.Mutex
	keys     AccountKeys
	client   *Client
	credited map[int64]Coins
	status   map[int64]Status
	credits  []Coins // every credit made
	bodies   [][2]string
	failing  int // answer 503 to this many more callbacks
	verified int
	refused  int
	amounts  map[int64][]Coins // verified callback amounts per order
}

func (m *merchant) setup(a Account, c *Client) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = AccountKeys{UserID: a.UserID, Secret: a.Secret, Verifier: &Verifier{Period: simPeriod}}
	m.client = c
	m.amounts = map[int64][]Coins{}
}

func (m *merchant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxCallbackBytes+1))
	ct := r.Header.Get("Content-Type")
	m.mu.Lock()
	m.bodies = append(m.bodies, [2]string{string(body), ct})
	if m.failing > 0 {
		m.failing--
		m.mu.Unlock()
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	keys := m.keys
	m.mu.Unlock()
	cb, err := VerifyCallback(body, ct, keys)
	if err != nil {
		m.mu.Lock()
		m.refused++
		m.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	st, err := m.client.GetOrderStatus(r.Context(), cb.OrderID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.verified++
	m.amounts[cb.OrderID] = append(m.amounts[cb.OrderID], cb.Amount)
	if d := st.Paid - m.credited[cb.OrderID]; d > 0 {
		m.credited[cb.OrderID] = st.Paid
		m.credits = append(m.credits, d)
	}
	if st.Status.Rank() > m.status[cb.OrderID].Rank() {
		m.status[cb.OrderID] = st.Status
	}
	w.WriteHeader(http.StatusOK)
}

func (m *merchant) snapshot() (credited map[int64]Coins, status map[int64]Status, verified, refused int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	credited, status = map[int64]Coins{}, map[int64]Status{}
	for k, v := range m.credited {
		credited[k] = v
	}
	for k, v := range m.status {
		status[k] = v
	}
	return credited, status, m.verified, m.refused
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var walletRE = regexp.MustCompile(`^B[1-9A-HJ-NP-Za-km-z]{33}$`)

func TestSimulatorLifecycle(t *testing.T) {
	e := newSimEnv(t, SimConfig{})
	ctx := context.Background()
	c := e.client
	if e.acct.UserID != 1 || len(e.acct.Secret) != 16 || e.acct.Balance != 0 {
		t.Fatalf("account %+v", e.acct)
	}
	if u, err := c.UpdateAccount(ctx, e.mSrv.URL+"/payok/"); err != nil || u.BackURL != e.mSrv.URL+"/payok/" {
		t.Fatal(u, err)
	}
	if b, err := c.GetAccountBalance(ctx); err != nil || b.Balance != 0 {
		t.Fatal(b, err)
	}
	o1, err := c.CreateOrder(ctx, MustCoins("12.50"))
	if err != nil || !walletRE.MatchString(o1.Wallet) || o1.Amount != MustCoins("12.5") || o1.OrderID != 1 {
		t.Fatal(o1, err)
	}
	st, err := c.GetOrderStatus(ctx, o1.OrderID)
	if err != nil || st.Status != StatusNew || st.Paid != 0 || st.Wallet != o1.Wallet {
		t.Fatal(st, err)
	}

	// Partial payment, then the rest.
	if p, err := SimPay(ctx, nil, e.srv.URL, o1.Wallet, MustCoins("5")); err != nil || p.Status != StatusPart || p.Paid != MustCoins("5") {
		t.Fatal(p, err)
	}
	st, _ = c.GetOrderStatus(ctx, o1.OrderID)
	b, _ := c.GetAccountBalance(ctx)
	if st.Status != StatusPart || st.Paid != MustCoins("5") || b.Balance != 0 {
		t.Fatalf("after part: %+v, balance %s", st, b.Balance)
	}
	if p, err := SimPay(ctx, nil, e.srv.URL, o1.Wallet, MustCoins("7.5")); err != nil || p.Status != StatusClose {
		t.Fatal(p, err)
	}
	b, _ = c.GetAccountBalance(ctx)
	if b.Balance != MustCoins("12.5") {
		t.Fatalf("balance after close %s", b.Balance)
	}

	// Over-payment of a second order.
	o2, _ := c.CreateOrder(ctx, MustCoins("2.0"))
	if o2.OrderID != 2 || o2.Wallet == o1.Wallet {
		t.Fatal(o2)
	}
	if p, _ := e.sim.Pay(o2.Wallet, MustCoins("3.00000001")); p.Status != StatusClose || p.Paid != MustCoins("3.00000001") {
		t.Fatal(p)
	}
	// Payment after close: recorded, status stays close, balance grows.
	if p, _ := e.sim.Pay(o1.Wallet, MustCoins("1")); p.Status != StatusClose || p.Paid != MustCoins("13.5") {
		t.Fatal(p)
	}
	b, _ = c.GetAccountBalance(ctx)
	if b.Balance != MustCoins("16.50000001") {
		t.Fatalf("balance %s", b.Balance)
	}

	// Every payment's callback arrives, verified, and the merchant's
	// credits follow the paid totals.
	waitFor(t, "callbacks", 20*time.Second, func() bool {
		cr, _, _, _ := e.m.snapshot()
		return cr[1] == MustCoins("13.5") && cr[2] == MustCoins("3.00000001")
	})
	_, status, _, _ := e.m.snapshot()
	if status[1] != StatusClose || status[2] != StatusClose {
		t.Fatal(status)
	}
	waitFor(t, "all four callbacks", 20*time.Second, func() bool {
		e.m.mu.Lock()
		defer e.m.mu.Unlock()
		return len(e.m.amounts[1]) == 3 && len(e.m.amounts[2]) == 1
	})
	e.m.mu.Lock()
	a1 := fmt.Sprint(e.m.amounts[1])
	e.m.mu.Unlock()
	for _, want := range []string{"5.0", "12.5", "13.5"} {
		if !strings.Contains(a1, want) {
			t.Fatalf("callback amounts of order 1: %s (want cumulative 5, 12.5, 13.5)", a1)
		}
	}

	// Withdrawals.
	tr, err := c.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("6.5"))
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tr.TxID) || tr.UserID != 1 {
		t.Fatal(tr, err)
	}
	b, _ = c.GetAccountBalance(ctx)
	if b.Balance != MustCoins("10.00000001") {
		t.Fatalf("balance after transfer %s", b.Balance)
	}
	_, err = c.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("10.00000002"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Data != ErrTextInsufficient || !IsDefinite(err) {
		t.Fatal(err)
	}
	// Coins sent to one of the simulator's deposit wallets pay that order.
	o3, _ := c.CreateOrder(ctx, MustCoins("1"))
	if _, err := c.TransferToAddress(ctx, o3.Wallet, MustCoins("1")); err != nil {
		t.Fatal(err)
	}
	st, _ = c.GetOrderStatus(ctx, o3.OrderID)
	b, _ = c.GetAccountBalance(ctx)
	if st.Status != StatusClose || b.Balance != MustCoins("10.00000001") {
		t.Fatalf("internal transfer: %+v, balance %s", st, b.Balance)
	}
	if n := len(e.sim.Transfers()); n != 2 {
		t.Fatalf("%d transfers", n)
	}
	// Someone else's order is not found.
	if _, err := c.GetOrderStatus(ctx, 999); !errors.As(err, &ae) || ae.Data != ErrTextOrder {
		t.Fatal(err)
	}
}

// rawCall posts a request body as is and returns the result object.
func rawCall(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result map[string]any `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return out.Result
}

func TestSimulatorRejectsKeys(t *testing.T) {
	e := newSimEnv(t, SimConfig{})
	url := e.srv.URL + "/api/"
	secret := e.acct.Secret
	isAuthError := func(res map[string]any) bool {
		return res["status"] == "error" && res["data"] == "Authorization filed!" && res["timestamp"] != nil
	}
	call := func(key string) map[string]any {
		return rawCall(t, url, fmt.Sprintf(`{"method": "getaccountbalance", "userid": %d, "key": %q}`, e.acct.UserID, key))
	}
	now := time.Now()
	cur, _ := GenerateKey(secret, now, simPeriod)
	wrong := fmt.Sprintf("%06d", (atoi(cur)+1)%1000000)
	for name, key := range map[string]string{
		"wrong":    wrong,
		"past":     mustKey(t, secret, now.Add(-4*simPeriod)),
		"future":   mustKey(t, secret, now.Add(4*simPeriod)),
		"short":    "12345",
		"letters":  "abcdef",
		"empty":    "",
		"other":    mustKey(t, "mzxw6ytboi2tkmzx", now),
		"bad-type": "",
	} {
		if key != "" && key == cur {
			continue // a collision with the current code: not a wrong key
		}
		if res := call(key); !isAuthError(res) {
			t.Errorf("%s key %q: %v", name, key, res)
		}
	}
	// A right key once, then the same key again.
	if res := call(cur); res["status"] != "ok" {
		t.Fatalf("fresh key: %v", res)
	}
	if res := call(cur); !isAuthError(res) {
		t.Fatalf("reused key: %v", res)
	}
	// A key of the previous step after the current one was used.
	if prev := mustKey(t, secret, now.Add(-simPeriod)); prev != cur {
		if res := call(prev); !isAuthError(res) {
			t.Fatalf("older step: %v", res)
		}
	}
	// Unknown account, no userid, userid as a string (tolerated).
	if res := rawCall(t, url, `{"method":"getaccountbalance","userid":99,"key":"123456"}`); !isAuthError(res) {
		t.Fatal(res)
	}
	if res := rawCall(t, url, `{"method":"createorder","amount":1}`); !isAuthError(res) {
		t.Fatal(res)
	}
	time.Sleep(simPeriod)
	k := mustKey(t, secret, time.Now())
	if res := rawCall(t, url, fmt.Sprintf(`{"method":"createorder","amount":"12.50","userid":"%d","key":%q}`, e.acct.UserID, k)); res["status"] != "ok" || res["amount"] != 12.5 {
		t.Fatal(res)
	}
	// Not JSON, unknown method, GET.
	if res := rawCall(t, url, `{nope`); res["data"] != ErrTextRequest {
		t.Fatal(res)
	}
	if res := rawCall(t, url, `{"method":"mine"}`); res["data"] != ErrTextMethod {
		t.Fatal(res)
	}
	resp, err := http.Get(url)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	// createaccount needs a usable backurl and no key.
	if res := rawCall(t, url, `{"method":"createaccount","backurl":"ftp://x"}`); res["data"] != ErrTextBackURL {
		t.Fatal(res)
	}
	if res := rawCall(t, url, `{"method": "createaccount", "backurl": "https://myshop.com/accept.php"}`); res["status"] != "ok" || res["userid"] != 2.0 {
		t.Fatal(res)
	}
	// The refused calls did nothing.
	if a, _ := e.sim.Account(e.acct.UserID); a.Balance != 0 {
		t.Fatal(a)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func mustKey(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	k, err := GenerateKey(secret, at, simPeriod)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSimulatorCallbacksDuplicatedShuffled: callbacks are sent 3 times
// each, concurrently, the merchant first fails some, several orders are
// paid concurrently in parts; afterwards every callback body ever sent is
// replayed 3 times, shuffled, concurrently. The merchant credits exactly
// the paid total of every order, once.
func TestSimulatorCallbacksDuplicatedShuffled(t *testing.T) {
	e := newSimEnv(t, SimConfig{CallbackFormat: FormatRuby})
	e.sim.SetFaults(Faults{DuplicateCallbacks: 2})
	e.m.mu.Lock()
	e.m.failing = 3
	e.m.mu.Unlock()
	ctx := context.Background()
	const orders = 4
	var wallets []string
	for range orders {
		o, err := e.client.CreateOrder(ctx, MustCoins("3"))
		if err != nil {
			t.Fatal(err)
		}
		wallets = append(wallets, o.Wallet)
	}
	var wg sync.WaitGroup
	for i, w := range wallets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, a := range []string{"1", "1.5", "0.5", "0.25"}[:2+i%3] {
				if _, err := e.sim.Pay(w, MustCoins(a)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	paid := map[int64]Coins{}
	for id := int64(1); id <= orders; id++ {
		o, _ := e.sim.Order(id)
		paid[id] = o.Paid
	}
	waitFor(t, "credits", 30*time.Second, func() bool {
		cr, _, _, _ := e.m.snapshot()
		for id, p := range paid {
			if cr[id] != p {
				return false
			}
		}
		return true
	})
	// Wait until every payment's delivery has ended.
	waitFor(t, "deliveries", 30*time.Second, func() bool { return e.sim.PendingCallbacks() == 0 })
	ok := 0
	for _, d := range e.sim.Deliveries() {
		if d.HTTPCode == 200 {
			ok++
		}
	}
	if ok != 2+3+4+2 {
		t.Fatalf("%d callbacks answered 200, want one per payment", ok)
	}
	for _, d := range e.sim.Deliveries() {
		if d.Copy > 2 {
			t.Fatalf("copy %d", d.Copy)
		}
	}
	_, _, verified, refused := e.m.snapshot()
	if verified != 11 || refused < 2*11 {
		t.Fatalf("verified %d (want one per payment), refused %d (want >= the 22 duplicates)", verified, refused)
	}

	// Replay everything 3×, shuffled, concurrently.
	e.m.mu.Lock()
	bodies := append([][2]string(nil), e.m.bodies...)
	e.m.mu.Unlock()
	var all [][2]string
	for range 3 {
		all = append(all, bodies...)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var accepted atomic.Int64
	for _, b := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(e.mSrv.URL+"/accept", b[1], strings.NewReader(b[0]))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				accepted.Add(1)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 0 {
		t.Fatalf("%d replayed callbacks accepted", accepted.Load())
	}
	cr, st, _, _ := e.m.snapshot()
	e.m.mu.Lock()
	var sum, total Coins
	for _, c := range e.m.credits {
		sum += c
	}
	e.m.mu.Unlock()
	for id, p := range paid {
		total += p
		if cr[id] != p {
			t.Fatalf("order %d: credited %s, paid %s", id, cr[id], p)
		}
		o, _ := e.sim.Order(id)
		if st[id] != o.Status {
			t.Fatalf("order %d: status %s, simulator %s", id, st[id], o.Status)
		}
	}
	if sum != total {
		t.Fatalf("credits sum to %s, paid %s", sum, total)
	}
}

func TestSimulatorTransferTimeout(t *testing.T) {
	e := newSimEnv(t, SimConfig{})
	ctx := context.Background()
	o, _ := e.client.CreateOrder(ctx, MustCoins("10"))
	e.sim.Pay(o.Wallet, MustCoins("10"))
	before, _ := e.client.GetAccountBalance(ctx)

	e.sim.SetFaults(Faults{StallAfterTransfer: true})
	// A second client of the account shares its KeySource, or their keys
	// would collide.
	short, _ := NewClient(Config{Endpoint: e.srv.URL + "/api/", UserID: e.acct.UserID, Keys: e.client.Keys(), Timeout: 300 * time.Millisecond})
	_, err := short.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("4"))
	if !errors.Is(err, ErrOutcomeUnknown) || IsDefinite(err) {
		t.Fatalf("want an unknown outcome, got %v", err)
	}
	e.sim.SetFaults(Faults{})
	// Resolution by reconciliation: the balance shows the transfer went
	// through, once. No retry was made, so no double payout.
	after, err := e.client.GetAccountBalance(ctx)
	if err != nil || before.Balance-after.Balance != MustCoins("4") {
		t.Fatalf("balance %s → %s, %v", before.Balance, after.Balance, err)
	}
	if tr := e.sim.Transfers(); len(tr) != 1 || tr[0].Amount != MustCoins("4") {
		t.Fatal(tr)
	}

	// A stall before execution: also unknown to the caller, and the
	// balance shows nothing moved.
	e.sim.SetFaults(Faults{Stall: true})
	_, err = short.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("1"))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatal(err)
	}
	e.sim.SetFaults(Faults{})
	if b, _ := e.client.GetAccountBalance(ctx); b.Balance != after.Balance || len(e.sim.Transfers()) != 1 {
		t.Fatalf("stalled transfer moved coins: %s", b.Balance)
	}

	// A delay the caller waits out is just slow.
	e.sim.SetFaults(Faults{Delay: 100 * time.Millisecond})
	if _, err := e.client.GetAccountBalance(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSimulatorCallbackRetriesBounded(t *testing.T) {
	var hits atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer down.Close()
	sim, _ := NewSimulator(SimConfig{Period: 20 * time.Millisecond, RetryAttempts: 4, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond, CallbackFormat: FormatForm})
	defer sim.Close()
	secret, _ := NewSecret(nil)
	if err := sim.AddAccount(7, secret, down.URL); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddAccount(7, secret, down.URL); err == nil {
		t.Fatal("duplicate account")
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, _ := NewClient(Config{Endpoint: srv.URL, UserID: 7, Secret: secret, Period: 20 * time.Millisecond})
	o, err := c.CreateOrder(context.Background(), MustCoins("1"))
	if err != nil {
		t.Fatal(err)
	}
	sim.Pay(o.Wallet, MustCoins("1"))
	waitFor(t, "4 attempts", 10*time.Second, func() bool { return sim.PendingCallbacks() == 0 })
	if n := hits.Load(); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	keys := map[string]bool{}
	for _, d := range sim.Deliveries() {
		if d.HTTPCode != 500 || keys[d.Key] {
			t.Fatalf("delivery %+v (keys so far %v)", d, keys)
		}
		keys[d.Key] = true
	}

	// Close stops a delivery that would otherwise retry for long.
	slow, _ := NewSimulator(SimConfig{Period: 20 * time.Millisecond, RetryAttempts: 100, RetryBase: time.Hour})
	slow.AddAccount(1, secret, down.URL)
	ssrv := httptest.NewServer(slow)
	defer ssrv.Close()
	sc, _ := NewClient(Config{Endpoint: ssrv.URL, UserID: 1, Secret: secret, Period: 20 * time.Millisecond})
	so, _ := sc.CreateOrder(context.Background(), MustCoins("1"))
	slow.Pay(so.Wallet, MustCoins("1"))
	waitFor(t, "first attempt", 5*time.Second, func() bool { return len(slow.Deliveries()) == 1 })
	start := time.Now()
	slow.Close()
	if time.Since(start) > 2*time.Second {
		t.Fatal("Close did not stop the retries")
	}
	if _, err := slow.Pay(so.Wallet, MustCoins("1")); err != nil {
		t.Fatal(err) // paying still works, callbacks are just not sent
	}
}

func TestSimulatorPayEndpoint(t *testing.T) {
	e := newSimEnv(t, SimConfig{})
	ctx := context.Background()
	if _, err := SimPay(ctx, nil, e.srv.URL, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("1")); err == nil || !strings.Contains(err.Error(), "no order") {
		t.Fatal(err)
	}
	o, _ := e.client.CreateOrder(ctx, MustCoins("1"))
	for _, body := range []string{`{"wallet":"` + o.Wallet + `","amount":-1}`, `{"wallet":"` + o.Wallet + `","amount":0}`, `nope`} {
		resp, err := http.Post(e.srv.URL+"/sim/pay", "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %v %v", body, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	resp, err := http.Post(e.srv.URL+"/sim/pay", "application/json", strings.NewReader(`{"wallet":"`+o.Wallet+`","amount":"0.5"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	resp.Body.Close()
	resp, _ = http.Get(e.srv.URL + "/sim/state")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"orderstatus":"part"`) || strings.Contains(string(b), e.acct.Secret) {
		t.Fatalf("state: %s", b)
	}
}

func TestSimulatorPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim", "state.json")
	sim, err := NewSimulator(SimConfig{Period: simPeriod, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	secret := "qta3whcytmysb2tq"
	sim.AddAccount(1, secret, "https://myshop.com/accept.php")
	c, _ := NewClient(Config{Endpoint: srv.URL, UserID: 1, Secret: secret, Period: simPeriod})
	o, err := c.CreateOrder(context.Background(), MustCoins("2"))
	if err != nil {
		t.Fatal(err)
	}
	sim.Pay(o.Wallet, MustCoins("0.5"))
	time.Sleep(simPeriod) // a step createorder did not use
	key := mustKey(t, secret, time.Now())
	first := rawCall(t, srv.URL, fmt.Sprintf(`{"method":"getaccountbalance","userid":1,"key":%q}`, key))
	if first["status"] != "ok" {
		t.Fatal(first)
	}
	srv.Close()
	sim.Close()

	again, err := NewSimulator(SimConfig{Period: simPeriod, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	srv2 := httptest.NewServer(again)
	defer srv2.Close()
	got, ok := again.Order(o.OrderID)
	if !ok || got.Paid != MustCoins("0.5") || got.Status != StatusPart || got.Wallet != o.Wallet {
		t.Fatal(got)
	}
	if _, err := again.Pay(o.Wallet, MustCoins("1.5")); err != nil {
		t.Fatal(err)
	}
	if a, _ := again.Account(1); a.Balance != MustCoins("2") {
		t.Fatal(a)
	}
	// The used step survived the restart.
	if res := rawCall(t, srv2.URL, fmt.Sprintf(`{"method":"getaccountbalance","userid":1,"key":%q}`, key)); res["status"] != "error" {
		t.Fatalf("key reused across a restart: %v", res)
	}
	if _, err := NewSimulator(SimConfig{StatePath: filepath.Join(t.TempDir(), "x.json")}); err != nil {
		t.Fatal(err)
	}
}
