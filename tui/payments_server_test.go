package tui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"fastcheck/client"
	"fastcheck/payments/briacoin"
	"fastcheck/server/servertest"
)

// startRealPay is startReal with a quick status poll, against a server
// with payments (servertest.StartPayments).
func startRealPay(t *testing.T, env *servertest.Env, lang string) *realWallet {
	t.Helper()
	cl, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	rw := &realWallet{env: env, cl: cl, store: &sessionStore{}, out: &syncBuffer{}}
	rw.driver = newDriver(t, Options{
		Client: cl, Renderer: plainRenderer(rw.out), Lang: lang,
		SaveSession: rw.store.save, ClearSession: rw.store.clear,
		PingInterval: time.Hour, RefreshInterval: time.Hour,
		PaymentPollInterval: 50 * time.Millisecond,
	}, 80, 24)
	return rw
}

// A Briacoin top-up paid in two parts through the simulator: the screen
// shows the part, then the close and the new balance; then the coins go
// back out with a withdrawal that shows its txid.
func TestRealTopupBriacoinAndWithdraw(t *testing.T) {
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	rw := startRealPay(t, env, "en")
	rw.login(t, "alice")
	rw.waitFor("the balance", func() bool { return rw.m.c.bal != nil })
	start := rw.m.c.bal.Balance

	rw.key("t")
	rw.waitView("Top up the balance")
	rw.key("right") // Briacoin
	rw.key("tab")
	rw.typeText("1000")
	rw.key("enter")
	rw.waitView("Send Briacoin")
	wallet := rw.m.topup.t.Wallet
	if wallet == "" || !strings.Contains(rw.m.View(), wallet) {
		t.Fatalf("the wallet is not on the screen:\n%s", rw.m.View())
	}
	rw.waitView("10.0 BRC")
	if _, err := decodeScreenQR(rw.m.View()); err != nil {
		t.Fatalf("the wallet QR does not decode: %v\n%s", err, rw.m.View())
	}
	simPay := func(coins string) {
		t.Helper()
		if _, err := briacoin.SimPay(context.Background(), nil, pay.SimRoot, wallet, briacoin.MustCoins(coins)); err != nil {
			t.Fatal(err)
		}
	}
	simPay("4")
	rw.waitView("Paid RUB 400.00 of RUB 1,000.00")
	rw.waitView("of 10.0 BRC")
	simPay("6")
	rw.waitView("Credited RUB 1,000.00")
	rw.waitFor("the new balance", func() bool { return rw.m.c.bal != nil && rw.m.c.bal.Balance == start+100_000 })
	rw.waitView("Balance now " + rw.m.c.tr.Money(start+100_000, "RUB"))

	// Nothing polls off screen.
	rw.key("enter")
	rw.waitView("Active checks")
	gen := rw.m.topup.gen
	rw.drain(150 * time.Millisecond)
	if rw.m.topup.gen != gen || rw.m.topup.on {
		t.Fatal("the top-up screen is still polling")
	}

	rw.key("w")
	rw.waitView("Withdraw to a Briacoin wallet")
	rw.typeText("BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ")
	rw.key("tab")
	rw.typeText("350")
	rw.waitView("✓ RUB 350.00")
	rw.key("enter")
	rw.waitView("Send this withdrawal?")
	rw.key("y")
	rw.waitView("✓ Sent")
	rw.waitView("txid")
	trs := pay.Sim.Transfers()
	if len(trs) != 1 || trs[0].TxID == "" || !strings.Contains(rw.m.View(), trs[0].TxID) {
		t.Fatalf("transfers %+v; screen:\n%s", trs, rw.m.View())
	}
	rw.waitFor("the balance after", func() bool { return rw.m.c.bal != nil && rw.m.c.bal.Balance == start+100_000-35_000 })
}

// A bank top-up: the page URL is on the screen and in the QR; paying on
// the sandbox page (as a browser would) credits the balance.
func TestRealTopupBank(t *testing.T) {
	env, _ := servertest.StartPayments(t, servertest.PaymentOptions{})
	rw := startRealPay(t, env, "en")
	rw.login(t, "alice")
	rw.waitFor("the balance", func() bool { return rw.m.c.bal != nil })
	start := rw.m.c.bal.Balance

	rw.key("t")
	rw.waitView("Top up the balance")
	rw.key("tab")
	rw.typeText("250.50")
	rw.key("enter")
	rw.waitView("Waiting for the payment")
	page := rw.m.topup.t.PaymentURL
	if got, err := decodeScreenQR(rw.m.View()); err != nil || got != page {
		t.Fatalf("QR %q, %v; want %q\n%s", got, err, page, rw.m.View())
	}
	if strings.Contains(rw.m.View(), "open in browser") {
		t.Fatal("the open key shows without a browser opener")
	}

	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `name="card_number"`) {
		t.Fatalf("payment page: %d\n%s", resp.StatusCode, body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err = noRedirect.PostForm(page, url.Values{"card_number": {"4242424242424242"},
		"expiry": {time.Now().AddDate(1, 0, 0).Format("01/06")}, "cvc": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paying: %d", resp.StatusCode)
	}
	rw.waitView("Credited RUB 250.50")
	rw.waitFor("the new balance", func() bool { return rw.m.c.bal != nil && rw.m.c.bal.Balance == start+25_050 })
	rw.waitView("Balance now " + rw.m.c.tr.Money(start+25_050, "RUB"))
}
