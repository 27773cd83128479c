package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

// These tests run top-ups and withdrawals over real HTTP against the real
// sandbox bank and the real Briacoin simulator, mounted in the server as
// the demo does, with short TOTP steps.

const aliceStart = 15_000_000 // 150,000.00 RUB, the demo seed

func topup(t *testing.T, c *servertest.Caller, method string, amount int64) api.Topup {
	t.Helper()
	r := c.Do(t, "POST", "/topup", []byte(fmt.Sprintf(`{"method":%q,"amount":%d,"currency":"RUB"}`, method, amount)))
	if r.Status != 200 {
		t.Fatalf("POST /topup %s: %d %s", method, r.Status, r.Body)
	}
	var tp api.Topup
	r.JSON(t, &tp)
	if !hex32.MatchString(tp.ID) || tp.Method != method || tp.Amount != amount || tp.Status != api.TopupNew || tp.Credited != 0 {
		t.Fatalf("new top-up = %+v", tp)
	}
	return tp
}

func getTopup(t *testing.T, c *servertest.Caller, id string) api.Topup {
	t.Helper()
	r := c.Do(t, "GET", "/topup/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("GET /topup/%s: %d %s", id, r.Status, r.Body)
	}
	var tp api.Topup
	r.JSON(t, &tp)
	return tp
}

// waitTopup polls until cond holds and returns every distinct status seen.
func waitTopup(t *testing.T, c *servertest.Caller, id string, cond func(api.Topup) bool) (api.Topup, []string) {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		tp := getTopup(t, c, id)
		if len(seen) == 0 || seen[len(seen)-1] != tp.Status {
			seen = append(seen, tp.Status)
		}
		if cond(tp) {
			return tp, seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("top-up %s never got there: %+v (statuses %v)", id, tp, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func credited(want int64) func(api.Topup) bool {
	return func(tp api.Topup) bool { return tp.Credited == want }
}

// nextExpiry is a card expiry date in the future, MM/YY.
func nextExpiry() string {
	return time.Now().AddDate(1, 0, 0).Format("01/06")
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}

// payPage drives the hosted payment page as a browser would: load the
// form, post it with a card, and return where the bank redirects.
func payPage(t *testing.T, pageURL, card string) *url.URL {
	t.Helper()
	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `name="card_number"`) {
		t.Fatalf("payment page: %d\n%s", resp.StatusCode, page)
	}
	resp, err = noRedirect.PostForm(pageURL, url.Values{"card_number": {card}, "expiry": {nextExpiry()}, "cvc": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paying: %d, want a 303 to the return URL", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// onBackends runs test on each backend (SQLite, and PostgreSQL when
// scripts/with-services provides one), in parallel.
func onBackends(t *testing.T, test func(t *testing.T, store servertest.Option)) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			test(t, servertest.WithStore(b.Open(t)))
		})
	}
}

func TestTopupBank(t *testing.T) { onBackends(t, testTopupBank) }

func testTopupBank(t *testing.T, store servertest.Option) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, store)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBank, 250_000)
	if !strings.HasPrefix(tp.PaymentURL, env.Root+"/bank/pay/") || !strings.HasPrefix(tp.TransactionID, "txn_") {
		t.Fatalf("bank top-up = %+v", tp)
	}
	ret := payPage(t, tp.PaymentURL, "4242 4242 4242 4242")
	if ret.Path != "/topup/"+tp.ID+"/return" || ret.Query().Get("transactionId") != tp.TransactionID || ret.Query().Get("status") != "succeeded" {
		t.Fatalf("redirected to %s", ret)
	}
	got, _ := waitTopup(t, alice, tp.ID, credited(250_000))
	if got.Status != api.TopupClose || got.Paid != 250_000 {
		t.Fatalf("paid top-up = %+v", got)
	}
	balanceIs(t, alice, aliceStart+250_000)
	// The return page says so too (flow step 6).
	resp, err := http.Get(ret.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `data-status="credited"`) {
		t.Fatalf("return page: %d\n%s", resp.StatusCode, page)
	}
	// Paying again charges nothing and sends no second webhook: the page
	// says it is paid and the form posts straight back.
	resp, err = noRedirect.PostForm(tp.PaymentURL, url.Values{"card_number": {"4242424242424242"}, "expiry": {nextExpiry()}, "cvc": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paying twice: %d", resp.StatusCode)
	}

	// A declined card credits nothing.
	d := topup(t, alice, api.MethodBank, 10_000)
	payPage(t, d.PaymentURL, "4000 0000 0000 0002")
	got, _ = waitTopup(t, alice, d.ID, func(tp api.Topup) bool { return tp.Status == api.TopupDeclined })
	if got.Credited != 0 {
		t.Fatalf("declined top-up credited %d", got.Credited)
	}
	balanceIs(t, alice, aliceStart+250_000)

	var list api.Topups
	alice.Do(t, "GET", "/topups", nil).JSON(t, &list)
	if len(list.Topups) != 2 || list.Topups[0].ID != d.ID || list.Topups[1].ID != tp.ID {
		t.Fatalf("GET /topups = %+v", list)
	}
	// Another user cannot see it.
	bob := env.Login(t, servertest.Demo(t, "bob"))
	if r := bob.Do(t, "GET", "/topup/"+tp.ID, nil); r.Status != 404 {
		t.Fatalf("bob reading alice's top-up: %d %s", r.Status, r.Body)
	}
	waitIdle(t, pay)
	servertest.RequireAudit(t, env)
}

// waitIdle waits for the simulators' deliveries to end.
func waitIdle(t *testing.T, pay *servertest.Payments) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for pay.Bank.PendingWebhooks() > 0 || pay.Sim.PendingCallbacks() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending: %d webhooks, %d callbacks", pay.Bank.PendingWebhooks(), pay.Sim.PendingCallbacks())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTopupBankLostWebhook: a webhook that never arrives is made up for
// by the reconciler's look-up of the payment.
func TestTopupBankLostWebhook(t *testing.T) {
	t.Parallel()
	var lost atomic.Int32
	// A reconcile pace well above the time this test needs between the
	// payment and its first look, so a loaded machine cannot let the
	// reconciler in early.
	env, _ := servertest.StartPayments(t, servertest.PaymentOptions{ReconcileInterval: 3 * time.Second, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/callbacks/bank" {
				lost.Add(1)
				http.Error(w, "lost", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBank, 5_000)
	payPage(t, tp.PaymentURL, "4242424242424242")
	for lost.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if got := getTopup(t, alice, tp.ID); got.Credited != 0 {
		t.Fatalf("credited without a webhook or a look-up: %+v", got)
	}
	env.Clock.Advance(time.Minute) // past the reconcile interval since the order was checked
	waitTopup(t, alice, tp.ID, credited(5_000))
	balanceIs(t, alice, aliceStart+5_000)
	servertest.RequireAudit(t, env)
}

// TestBankWebhooks: forged, stale and unknown webhooks are refused; a
// genuine one delivered three times, shuffled and concurrently, credits
// once.
func TestBankWebhooks(t *testing.T) {
	t.Parallel()
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBank, 7_000)
	ev := bank.Event{ID: "evt_test1", Type: bank.EventSucceeded, Created: time.Now().Unix(), Data: bank.PaymentInfo{
		TransactionID: tp.TransactionID, Reference: tp.ID, Amount: 7_000, Currency: "RUB", Status: bank.StatusSucceeded}}
	body, _ := json.Marshal(ev)
	send := func(sig string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", pay.WebhookTo, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(bank.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		name string
		sig  string
		body []byte
		want int
	}{
		{"no signature", "", body, 401},
		{"forged HMAC", bank.SignWebhook([]byte("not the secret"), time.Now(), body), body, 401},
		// Well past the 300 s tolerance, so that a slow machine (seconds
		// between signing and checking) cannot carry them back inside it;
		// payments/bank tests the exact boundary with a fixed clock.
		{"stale timestamp", bank.SignWebhook(pay.WebhookSecret, time.Now().Add(-330*time.Second), body), body, 401},
		{"from the future", bank.SignWebhook(pay.WebhookSecret, time.Now().Add(330*time.Second), body), body, 401},
		{"body changed after signing", bank.SignWebhook(pay.WebhookSecret, time.Now(), body), []byte(strings.Replace(string(body), "7000", "700000", 1)), 401},
		{"unknown payment", "", nil, 404},
		{"malformed event", "", []byte(`{"id":"x"}`), 400},
	} {
		b, sig := c.body, c.sig
		if c.name == "unknown payment" {
			u := ev
			u.ID, u.Data.TransactionID = "evt_unknown", "txn_nosuch"
			b, _ = json.Marshal(u)
		}
		if sig == "" && c.name != "no signature" {
			sig = bank.SignWebhook(pay.WebhookSecret, time.Now(), b)
		}
		if code, msg := send(sig, b); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, msg, c.want)
		}
	}
	if got := getTopup(t, alice, tp.ID); got.Credited != 0 {
		t.Fatalf("a refused webhook credited: %+v", got)
	}
	// The genuine one, three times each of two signings, shuffled, at once.
	var sigs []string
	for i := 0; i < 6; i++ {
		sigs = append(sigs, bank.SignWebhook(pay.WebhookSecret, time.Now().Add(-time.Duration(i)*time.Second), body))
	}
	rand.Shuffle(len(sigs), func(i, j int) { sigs[i], sigs[j] = sigs[j], sigs[i] })
	var wg sync.WaitGroup
	for _, sig := range sigs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, msg := send(sig, body); code != 200 {
				t.Errorf("genuine webhook: %d %s", code, msg)
			}
		}()
	}
	wg.Wait()
	got := getTopup(t, alice, tp.ID)
	if got.Credited != 7_000 || got.Status != api.TopupClose {
		t.Fatalf("after the genuine webhooks: %+v", got)
	}
	balanceIs(t, alice, aliceStart+7_000)
	servertest.RequireAudit(t, env)
}

// simPay pays a wallet through the simulator's HTTP endpoint.
func simPay(t *testing.T, pay *servertest.Payments, wallet, coins string) {
	t.Helper()
	if _, err := briacoin.SimPay(context.Background(), nil, pay.SimRoot, wallet, briacoin.MustCoins(coins)); err != nil {
		t.Fatal(err)
	}
}

func TestTopupBriacoinTwoParts(t *testing.T) { onBackends(t, testTopupBriacoinTwoParts) }

func testTopupBriacoinTwoParts(t *testing.T, store servertest.Option) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, store)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBriacoin, 100_000) // 1,000.00 RUB = 10 coins
	if tp.Coins != "10.0" || briacoin.CheckWallet(tp.Wallet) != nil || tp.OrderID <= 0 || tp.Rate != "1 coin = 100.00 RUB" {
		t.Fatalf("Briacoin top-up = %+v", tp)
	}
	simPay(t, pay, tp.Wallet, "4")
	got, _ := waitTopup(t, alice, tp.ID, credited(40_000))
	if got.Status != api.TopupPart || got.CoinsPaid != "4.0" {
		t.Fatalf("after 4 coins: %+v", got)
	}
	balanceIs(t, alice, aliceStart+40_000)
	simPay(t, pay, tp.Wallet, "6")
	got, _ = waitTopup(t, alice, tp.ID, credited(100_000))
	if got.Status != api.TopupClose || got.Paid != 100_000 {
		t.Fatalf("after 10 coins: %+v", got)
	}
	balanceIs(t, alice, aliceStart+100_000)
	// Over-payment after close is credited too.
	simPay(t, pay, tp.Wallet, "0.5")
	waitTopup(t, alice, tp.ID, credited(105_000))
	balanceIs(t, alice, aliceStart+105_000)
	waitIdle(t, pay)
	servertest.RequireAudit(t, env)
}

// TestBriacoinCallbacksDuplicated: the simulator delivers every callback
// three times at once with the same key (two are refused as reused), and
// copies sent with fresh keys arrive shuffled: each paid amount is
// credited once.
func TestBriacoinCallbacksDuplicated(t *testing.T) { onBackends(t, testBriacoinCallbacksDuplicated) }

func testBriacoinCallbacksDuplicated(t *testing.T, store servertest.Option) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, store)
	pay.Sim.SetFaults(briacoin.Faults{DuplicateCallbacks: 2})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBriacoin, 90_000) // 9 coins
	for _, c := range []string{"2", "3", "4"} {
		simPay(t, pay, tp.Wallet, c)
	}
	waitTopup(t, alice, tp.ID, credited(90_000))
	waitIdle(t, pay)
	reused := 0
	for _, d := range pay.Sim.Deliveries() {
		if d.HTTPCode == 401 {
			reused++
		}
	}
	if reused == 0 {
		t.Fatalf("no duplicate was refused: %+v", pay.Sim.Deliveries())
	}
	// Replay the callbacks of the paid amounts, shuffled, each three
	// times concurrently with one fresh key: nothing more is credited.
	amounts := []string{"2.0", "5.0", "9.0"}
	rand.Shuffle(len(amounts), func(i, j int) { amounts[i], amounts[j] = amounts[j], amounts[i] })
	for _, a := range amounts {
		codes := sendCallback3(t, env, pay, tp.OrderID, a, "")
		ok := 0
		for _, c := range codes {
			if c == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("callback %s three times at once: %v, want one 200", a, codes)
		}
	}
	got := getTopup(t, alice, tp.ID)
	if got.Credited != 90_000 || got.Status != api.TopupClose {
		t.Fatalf("after the replays: %+v", got)
	}
	balanceIs(t, alice, aliceStart+90_000)
	servertest.RequireAudit(t, env)
}

// sendCallback3 posts one callback three times at once with one key
// (key "" means a fresh valid one) and returns the status codes.
func sendCallback3(t *testing.T, env *servertest.Env, pay *servertest.Payments, orderID int64, amount, key string) []int {
	t.Helper()
	if key == "" {
		key = freshKey(t, pay)
	}
	body, ct := briacoin.EncodeCallback(briacoin.Callback{UserID: pay.Account, OrderID: orderID, Amount: briacoin.MustCoins(amount),
		Key: key, Timestamp: time.Now().Unix()}, briacoin.FormatJSON)
	codes := make([]int, 3)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = postCallback(t, env, body, ct)
		}()
	}
	wg.Wait()
	return codes
}

func postCallback(t *testing.T, env *servertest.Env, body []byte, ct string) int {
	t.Helper()
	resp, err := http.Post(env.Root+"/callbacks/briacoin", ct, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// freshKey waits for a TOTP step nobody has used and returns its key: the
// simulator's callbacks and this test share the account's secret.
func freshKey(t *testing.T, pay *servertest.Payments) string {
	t.Helper()
	time.Sleep(pay.Period + pay.Period/4)
	k, err := briacoin.GenerateKey(pay.Secret, time.Now(), pay.Period)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBriacoinCallbackRefused: wrong, reused and out-of-window keys,
// another account, an unknown order and a malformed body are refused, and
// none of them credits anything.
func TestBriacoinCallbackRefused(t *testing.T) {
	t.Parallel()
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBriacoin, 10_000)
	cb := func(user, order int64, amount, key string) ([]byte, string) {
		return briacoin.EncodeCallback(briacoin.Callback{UserID: user, OrderID: order, Amount: briacoin.MustCoins(amount),
			Key: key, Timestamp: time.Now().Unix()}, briacoin.FormatRuby)
	}
	wrong := func(k string) string { return fmt.Sprintf("%06d", (atoi(k)+1)%1_000_000) }
	good := freshKey(t, pay)
	old, _ := briacoin.GenerateKey(pay.Secret, time.Now().Add(-5*pay.Period), pay.Period)
	for _, c := range []struct {
		name string
		body func() ([]byte, string)
		want int
	}{
		{"wrong key", func() ([]byte, string) { return cb(pay.Account, tp.OrderID, "1", wrong(good)) }, 401},
		{"out-of-window key", func() ([]byte, string) { return cb(pay.Account, tp.OrderID, "1", old) }, 401},
		{"another account", func() ([]byte, string) { return cb(pay.Account+1, tp.OrderID, "1", good) }, 401},
		{"malformed", func() ([]byte, string) { return []byte(`{"userid": 1, "orderid": `), "application/json" }, 400},
		{"unknown order", func() ([]byte, string) { return cb(pay.Account, 999_999, "1", good) }, 404},
		{"reused key", func() ([]byte, string) { return cb(pay.Account, tp.OrderID, "1", good) }, 401},
	} {
		body, ct := c.body()
		if got := postCallback(t, env, body, ct); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// A valid callback for an unpaid order credits nothing (the re-fetch
	// says paid 0) and is answered 503, so a genuine one would come again.
	body, ct := cb(pay.Account, tp.OrderID, "1", freshKey(t, pay))
	if got := postCallback(t, env, body, ct); got != 503 {
		t.Errorf("a callback the service does not confirm: %d, want 503", got)
	}
	if got := getTopup(t, alice, tp.ID); got.Credited != 0 || got.Status != api.TopupNew {
		t.Fatalf("refused callbacks changed the top-up: %+v", got)
	}
	balanceIs(t, alice, aliceStart)
	servertest.RequireAudit(t, env)
}

func atoi(s string) int {
	n := 0
	fmt.Sscanf(s, "%d", &n)
	return n
}

// TestBriacoinLostCallbacks: callbacks never arrive (the account's
// backurl leads nowhere); the reconciler's getorderstatus polls credit
// all the same.
func TestBriacoinLostCallbacks(t *testing.T) {
	t.Parallel()
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{BackURL: "http://127.0.0.1:1/lost"})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBriacoin, 30_000)
	simPay(t, pay, tp.Wallet, "1")
	_, seen := waitTopup(t, alice, tp.ID, credited(10_000))
	simPay(t, pay, tp.Wallet, "2")
	_, seen2 := waitTopup(t, alice, tp.ID, credited(30_000))
	if got := strings.Join(append(seen, seen2...), " "); !strings.Contains(got, "part") || !strings.HasSuffix(got, "close") {
		t.Fatalf("statuses seen: %s", got)
	}
	balanceIs(t, alice, aliceStart+30_000)
	servertest.RequireAudit(t, env)
}

// TestTopupBadInput: what POST /topup refuses.
func TestTopupBadInput(t *testing.T) {
	t.Parallel()
	env, _ := servertest.StartPayments(t, servertest.PaymentOptions{})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	for _, body := range []string{
		`{"method":"cash","amount":100,"currency":"RUB"}`,
		`{"method":"bank","amount":0,"currency":"RUB"}`,
		`{"method":"bank","amount":1.5,"currency":"RUB"}`,
		`{"method":"bank","amount":100,"currency":"USD"}`,
		`{"method":"bank","amount":100}`,
		`{"method":"bank","amount":100,"currency":"RUB","extra":1}`,
	} {
		if r := alice.Do(t, "POST", "/topup", []byte(body)); r.Status != 400 {
			t.Errorf("POST /topup %s: %d %s", body, r.Status, r.Body)
		}
	}
	// A retry with the same Idempotency-Key replays; another body is a 409.
	req := func(body string) *servertest.Response {
		return servertest.Send(t, alice.Build(t, "POST", "/topup", []byte(body), false, map[string]string{"Idempotency-Key": "k-topup"}))
	}
	r1 := req(`{"method":"briacoin","amount":100,"currency":"RUB"}`)
	r2 := req(`{"method":"briacoin","amount":100,"currency":"RUB"}`)
	var t1, t2 api.Topup
	r1.JSON(t, &t1)
	r2.JSON(t, &t2)
	if r1.Status != 200 || r2.Status != 200 || t1.ID != t2.ID || t1.OrderID != t2.OrderID || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replayed top-up: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	if r := req(`{"method":"briacoin","amount":200,"currency":"RUB"}`); r.Status != 409 {
		t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
	}
	if r := alice.Do(t, "GET", "/topup/"+api.NewID(), nil); r.Status != 404 {
		t.Fatalf("unknown top-up: %d", r.Status)
	}
}

func TestPaymentsOff(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/topup", `{"method":"bank","amount":100,"currency":"RUB"}`},
		{"GET", "/topups", ""},
		{"POST", "/withdraw", `{"wallet":"BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ","amount":100}`},
	} {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		if r := alice.Do(t, c.method, c.path, body); r.Status != 404 || !strings.Contains(r.Message(), "not enabled") {
			t.Errorf("%s %s without payments: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	resp, err := http.Post(env.URL+"/callbacks/bank", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("webhook without payments: %d", resp.StatusCode)
	}
}

const testWallet = "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ"

// fundMerchant tops alice up by Briacoin so that the merchant account
// holds coins to send (a closed order's coins go to its balance).
func fundMerchant(t *testing.T, pay *servertest.Payments, alice *servertest.Caller, coins string, minor int64) {
	t.Helper()
	tp := topup(t, alice, api.MethodBriacoin, minor)
	simPay(t, pay, tp.Wallet, coins)
	waitTopup(t, alice, tp.ID, credited(minor))
	if a, _ := pay.Sim.Account(pay.Account); a.Balance != briacoin.MustCoins(coins) {
		t.Fatalf("merchant balance %s, want %s", a.Balance, coins)
	}
}

func withdraw(t *testing.T, c *servertest.Caller, key, body string) (*servertest.Response, api.Withdrawal) {
	t.Helper()
	hdr := map[string]string{}
	if key != "" {
		hdr["Idempotency-Key"] = key
	}
	r := servertest.Send(t, c.Build(t, "POST", "/withdraw", []byte(body), false, hdr))
	var w api.Withdrawal
	if r.Status == 200 {
		r.JSON(t, &w)
	}
	return r, w
}

func getWithdrawal(t *testing.T, c *servertest.Caller, ref string) api.Withdrawal {
	t.Helper()
	r := c.Do(t, "GET", "/withdraw/"+ref, nil)
	if r.Status != 200 {
		t.Fatalf("GET /withdraw/%s: %d %s", ref, r.Status, r.Body)
	}
	var w api.Withdrawal
	r.JSON(t, &w)
	return w
}

func waitWithdrawal(t *testing.T, c *servertest.Caller, ref string, status string) api.Withdrawal {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := getWithdrawal(t, c, ref)
		if w.Status == status {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("withdrawal %s stays %s (%s), want %s", ref, w.Status, w.Reason, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWithdraw(t *testing.T) { onBackends(t, testWithdraw) }

func testWithdraw(t *testing.T, store servertest.Option) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, store)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	fundMerchant(t, pay, alice, "10", 100_000)
	balance := int64(aliceStart + 100_000)

	body := `{"wallet":"` + testWallet + `","amount":35000}` // 350.00 RUB = 3.5 coins
	r, w := withdraw(t, alice, "w-1", body)
	if r.Status != 200 || w.Status != api.WithdrawSent || w.TxID == "" || w.Coins != "3.5" || w.Amount != 35_000 ||
		w.Wallet != testWallet || w.Balance == nil || *w.Balance != balance-35_000 || !strings.HasPrefix(w.Ref, "W") {
		t.Fatalf("POST /withdraw: %d %s", r.Status, r.Body)
	}
	balance -= 35_000
	trs := pay.Sim.Transfers()
	if len(trs) != 1 || trs[0].TxID != w.TxID || trs[0].Amount != briacoin.MustCoins("3.5") || trs[0].Wallet != testWallet {
		t.Fatalf("the simulator's transfers: %+v", trs)
	}
	// A retry replays: no second transfer.
	r2, w2 := withdraw(t, alice, "w-1", body)
	if r2.Status != 200 || w2.Ref != w.Ref || w2.TxID != w.TxID || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replayed withdrawal: %d %s", r2.Status, r2.Body)
	}
	if got := getWithdrawal(t, alice, w.Ref); got.Status != api.WithdrawSent || got.TxID != w.TxID {
		t.Fatalf("GET /withdraw/%s = %+v", w.Ref, got)
	}
	if r, _ := withdraw(t, alice, "w-1", `{"wallet":"`+testWallet+`","amount":1}`); r.Status != 409 {
		t.Fatalf("same key, other body: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		key, body string
		want      int
	}{
		{"", body, 400},
		{"w-2", `{"wallet":"not-a-wallet","amount":100}`, 400},
		{"w-3", `{"wallet":"` + testWallet + `","amount":-5}`, 400},
		{"w-4", `{"wallet":"` + testWallet + `"}`, 400},
		{"w-5", `{"wallet":"` + testWallet + `","amount":1000000000000}`, 402},
	} {
		if r, _ := withdraw(t, alice, c.key, c.body); r.Status != c.want {
			t.Errorf("withdraw %q %s: %d %s, want %d", c.key, c.body, r.Status, r.Body, c.want)
		}
	}
	// More coins than the merchant account holds: refused before any
	// transfer, and the money comes back.
	r, w = withdraw(t, alice, "w-6", `{"wallet":"`+testWallet+`","amount":1000000}`)
	if r.Status != 200 || w.Status != api.WithdrawFailed || *w.Balance != balance {
		t.Fatalf("withdrawal beyond the merchant balance: %d %s", r.Status, r.Body)
	}
	if len(pay.Sim.Transfers()) != 1 {
		t.Fatal("a refused withdrawal reached the simulator")
	}
	bob := env.Login(t, servertest.Demo(t, "bob"))
	if r := bob.Do(t, "GET", "/withdraw/"+w.Ref, nil); r.Status != 404 {
		t.Fatalf("bob reading alice's withdrawal: %d", r.Status)
	}
	balanceIs(t, alice, balance)
	servertest.RequireAudit(t, env)
}

// stallTransfers wraps the server so that, while on is set, a
// transfertoaddress to the mounted simulator hangs without being executed
// until the caller gives up.
func stallTransfers(on *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() && strings.HasPrefix(r.URL.Path, "/briacoin/") {
				b, _ := io.ReadAll(r.Body)
				if strings.Contains(string(b), briacoin.MethodTransferToAddress) {
					<-r.Context().Done()
					panic(http.ErrAbortHandler)
				}
				r.Body = io.NopCloser(strings.NewReader(string(b)))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestWithdrawTimeoutAfterTransfer: the simulator commits the transfer
// and then never answers. The outcome is unknown: the money stays held,
// nothing is sent again, the next withdrawal waits, and the reconciler
// finds from the balance that it was sent.
func TestWithdrawTimeoutAfterTransfer(t *testing.T) {
	t.Parallel()
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	fundMerchant(t, pay, alice, "10", 100_000)
	balance := int64(aliceStart + 100_000)
	pay.Sim.SetFaults(briacoin.Faults{StallAfterTransfer: true})
	r, w := withdraw(t, alice, "t-1", `{"wallet":"`+testWallet+`","amount":20000}`)
	if r.Status != 200 || !lostAnswer(w, api.WithdrawSent, "confirmed by the account balance") || *w.Balance != balance-20_000 {
		t.Fatalf("withdrawal with a lost answer: %d %s", r.Status, r.Body)
	}
	// A second withdrawal meanwhile waits: it is accepted and held.
	pay.Sim.SetFaults(briacoin.Faults{})
	_, w2 := withdraw(t, alice, "t-2", `{"wallet":"`+testWallet+`","amount":10000}`)
	if w2.Status != api.WithdrawPending && w2.Status != api.WithdrawSent {
		t.Fatalf("second withdrawal: %+v", w2)
	}
	got := waitWithdrawal(t, alice, w.Ref, api.WithdrawSent)
	if !strings.Contains(got.Reason, "confirmed by the account balance") {
		t.Fatalf("resolved withdrawal = %+v", got)
	}
	waitWithdrawal(t, alice, w2.Ref, api.WithdrawSent)
	if trs := pay.Sim.Transfers(); len(trs) != 2 || trs[0].Amount != briacoin.MustCoins("2") || trs[1].Amount != briacoin.MustCoins("1") {
		t.Fatalf("the simulator's transfers: %+v", trs)
	}
	if a, _ := pay.Sim.Account(pay.Account); a.Balance != briacoin.MustCoins("7") {
		t.Fatalf("merchant balance %s, want 7.0", a.Balance)
	}
	balanceIs(t, alice, balance-30_000)
	servertest.RequireAudit(t, env)
}

// lostAnswer tells whether a withdrawal whose transfer answer was lost is
// reported as it must be: of unknown outcome, or (when the reconciler,
// which runs beside the request, resolved it between the lost answer and
// the reply) already resolved from the account balance, to the outcome
// the test expects. Only the balance reconciliation writes those reasons,
// so either way the withdrawal went through the unknown state.
func lostAnswer(w api.Withdrawal, resolved, reason string) bool {
	return w.Status == api.WithdrawUnknown || (w.Status == resolved && strings.Contains(w.Reason, reason))
}

// TestWithdrawLeaseHeldWhileCallRuns: while a transfer call runs, its
// sender renews its lease, so a call longer than a lease is not taken for
// interrupted; once the lease cannot be renewed (here: the withdrawal was
// settled elsewhere), the call is cut off.
func TestWithdrawLeaseHeldWhileCallRuns(t *testing.T) {
	t.Parallel()
	const lease = 6 * time.Second
	env := servertest.Start(t) // no payments: no worker of its own sends the withdrawal
	alice := env.Login(t, servertest.Demo(t, "alice"))
	st := env.Store
	owner, hold := server.LeaseKeeper(st, lease)
	ctx, now := context.Background(), time.Now()
	if _, _, err := st.StartWithdrawal(ctx, ledger.NewWithdrawal{Ref: "WLEASE", UserID: alice.UserID, Amount: 1000, Currency: "RUB",
		Destination: testWallet, Provider: "briacoin", Outflow: ledger.ExternalBriaOut, Meta: `{"coins":"0.1"}`, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LeaseWithdrawal(ctx, "WLEASE", owner, now, now.Add(lease)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ClaimWithdrawal(ctx, "WLEASE", owner, "", now, now.Add(lease)); err != nil {
		t.Fatal(err)
	}
	call, stop := hold(ctx, "WLEASE")
	defer stop()
	time.Sleep(lease + time.Second) // past the first lease: only renewals keep it
	if call.Err() != nil {
		w, _ := st.Withdrawal(ctx, "WLEASE")
		t.Fatalf("the call was cut off although its lease could be renewed: %+v", w)
	}
	if w, err := st.Withdrawal(ctx, "WLEASE"); err != nil || w.Status != ledger.WithdrawPending || !w.LeaseUntil.After(time.Now()) {
		t.Fatalf("withdrawal during a long call = %+v, %v; want pending under a live lease", w, err)
	}
	if _, err := st.FinishWithdrawal(ctx, ledger.FinishWithdrawal{Ref: "WLEASE", Status: ledger.WithdrawFailed, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the call went on although its lease could no longer be renewed")
	}
	servertest.RequireAudit(t, env)
}

// TestWithdrawTimeoutBeforeTransfer: the transfer request hangs without
// being executed. The outcome is unknown until the reconciler finds the
// balance unchanged: then the money goes back, and nothing was sent.
func TestWithdrawTimeoutBeforeTransfer(t *testing.T) {
	t.Parallel()
	var stall atomic.Bool
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{Wrap: stallTransfers(&stall)})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	fundMerchant(t, pay, alice, "10", 100_000)
	balance := int64(aliceStart + 100_000)
	stall.Store(true)
	r, w := withdraw(t, alice, "s-1", `{"wallet":"`+testWallet+`","amount":20000}`)
	if r.Status != 200 || !lostAnswer(w, api.WithdrawFailed, "not sent") ||
		(w.Status == api.WithdrawUnknown && *w.Balance != balance-20_000) {
		t.Fatalf("withdrawal with a lost answer: %d %s", r.Status, r.Body)
	}
	stall.Store(false)
	got := waitWithdrawal(t, alice, w.Ref, api.WithdrawFailed)
	if !strings.Contains(got.Reason, "not sent") {
		t.Fatalf("resolved withdrawal = %+v", got)
	}
	if trs := pay.Sim.Transfers(); len(trs) != 0 {
		t.Fatalf("the simulator's transfers: %+v", trs)
	}
	balanceIs(t, alice, balance)
	servertest.RequireAudit(t, env)
}

// TestWithdrawInterruptedByCrash: a withdrawal claimed for sending by a
// process that then died (claimed in the ledger, its lease run out) is of
// unknown outcome, never sent again, and resolved from the balance: once
// when the dead process had not sent it (refunded), once when it had
// (sent).
func TestWithdrawInterruptedByCrash(t *testing.T) { onBackends(t, testWithdrawInterruptedByCrash) }

func testWithdrawInterruptedByCrash(t *testing.T, store servertest.Option) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, store)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	fundMerchant(t, pay, alice, "10", 100_000)
	ps := env.Store
	ctx := context.Background()
	crash := func(ref string, send bool) {
		t.Helper()
		if _, _, err := ps.StartWithdrawal(ctx, ledger.NewWithdrawal{Ref: ref, UserID: alice.UserID, Amount: 10_000, Currency: "RUB",
			Destination: testWallet, Provider: "briacoin", Outflow: ledger.ExternalBriaOut,
			Meta: `{"coins":"1.0","rate":"1 coin = 100.00 RUB"}`, Now: env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		a, _ := pay.Sim.Account(pay.Account)
		settled, err := ps.SettledNative(ctx, "briacoin")
		if err != nil {
			t.Fatal(err)
		}
		meta := fmt.Sprintf(`{"coins":"1.0","rate":"1 coin = 100.00 RUB","balanceBefore":%d,"settledBefore":%d}`, int64(a.Balance), settled)
		// A sender that then died: its lease runs out without an outcome.
		now := env.Clock.Now()
		if _, err := ps.LeaseWithdrawal(ctx, ref, "dead-process", now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.ClaimWithdrawal(ctx, ref, "dead-process", meta, now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if send { // the dead process's transfer went out
			c, err := briacoin.NewClient(briacoin.Config{Endpoint: pay.Endpoint, UserID: pay.Account, Secret: pay.Secret, Period: pay.Period})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(pay.Period)
			if _, err := c.TransferToAddress(ctx, testWallet, briacoin.MustCoins("1")); err != nil {
				t.Fatal(err)
			}
		}
	}
	crash("WCRASH1", false)
	env.Clock.Advance(time.Minute) // the dead sender's lease ends
	got := waitWithdrawal(t, alice, "WCRASH1", api.WithdrawFailed)
	if len(pay.Sim.Transfers()) != 0 || !strings.Contains(got.Reason, "not sent") {
		t.Fatalf("interrupted, unsent withdrawal: %+v, transfers %+v", got, pay.Sim.Transfers())
	}
	crash("WCRASH2", true)
	env.Clock.Advance(time.Minute)
	waitWithdrawal(t, alice, "WCRASH2", api.WithdrawSent)
	if trs := pay.Sim.Transfers(); len(trs) != 1 {
		t.Fatalf("transfers after the interrupted withdrawals: %+v", trs)
	}
	balanceIs(t, alice, aliceStart+100_000-10_000)
	servertest.RequireAudit(t, env)
}

// TestTopupExpired: an order nobody paid expires (the reconciler stops
// polling it); coins that still arrive are credited all the same, and a
// full payment closes it.
func TestTopupExpired(t *testing.T) {
	t.Parallel()
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{}, func(c *server.Config) { c.SessionTTL = 72 * time.Hour })
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBriacoin, 20_000)
	env.Clock.Advance(25 * time.Hour)
	env.Server.ReconcilePayments(context.Background())
	if got := getTopup(t, alice, tp.ID); got.Status != api.TopupExpired || got.Credited != 0 {
		t.Fatalf("after its lifetime: %+v", got)
	}
	simPay(t, pay, tp.Wallet, "1")
	got, _ := waitTopup(t, alice, tp.ID, credited(10_000))
	if got.Status != api.TopupExpired {
		t.Fatalf("a part payment after expiry: %+v", got)
	}
	simPay(t, pay, tp.Wallet, "1")
	got, _ = waitTopup(t, alice, tp.ID, credited(20_000))
	if got.Status != api.TopupClose {
		t.Fatalf("a full payment after expiry: %+v", got)
	}
	balanceIs(t, alice, aliceStart+20_000)
	servertest.RequireAudit(t, env)
}
