package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/payments/briacoin"
)

// jsonLines decodes every line of out that is a JSON object into a top-up.
func jsonLines(t *testing.T, out string) []api.Topup {
	t.Helper()
	var list []api.Topup
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "{") {
			var tp api.Topup
			if err := json.Unmarshal([]byte(l), &tp); err != nil {
				t.Fatalf("not a top-up: %s: %v", l, err)
			}
			list = append(list, tp)
		}
	}
	return list
}

// TestCLIPayments runs the real binaries: the demo server (with its
// embedded sandbox bank and Briacoin simulator, short key steps), alice's
// wallet CLI topping up by Briacoin in two parts with --wait, by bank card
// through the payment page, and withdrawing to a wallet; briacoin-sim pay
// plays the payer.
func TestCLIPayments(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	db := filepath.Join(dir, "fc.db")
	startServer(t, db, addr, "--demo", "--briacoin-step", "300ms", "--reconcile-interval", "300ms")
	base := "http://" + addr + "/api"
	sim := "http://" + addr + "/briacoin"
	alice := newHome(t, base)
	alice.login("alice", "--no-qr", "--insecure-storage")

	// Briacoin, paid in two parts while topup --wait --json streams the
	// states.
	p := start(t, alice.env, "topup", "briacoin", "100", "--wait", "--json")
	var first api.Topup
	deadline := time.Now().Add(30 * time.Second)
	for {
		if lines := jsonLines(t, p.output()); len(lines) > 0 {
			first = lines[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topup printed nothing:\n%s", p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if first.Status != api.TopupNew || first.Coins != "1.0" || first.Wallet == "" {
		t.Fatalf("first state: %+v", first)
	}
	if out, errs, code := alice.run("briacoin-sim", "pay", "--sim", sim, first.Wallet, "0.4"); code != 0 || !strings.Contains(out, "part") {
		t.Fatalf("briacoin-sim pay: exit %d\n%s%s", code, out, errs)
	}
	for !strings.Contains(p.output(), `"status":"part"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no part state:\n%s", p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var paid briacoin.OrderStatus
	alice.json(&paid, "briacoin-sim", "pay", "--sim", sim, first.Wallet, "0.6")
	if paid.Status != briacoin.StatusClose {
		t.Fatalf("after the second part the order is %s", paid.Status)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("topup --wait did not end:\n%s", p.output())
	}
	if p.err != nil {
		t.Fatalf("topup --wait: %v\n%s", p.err, p.output())
	}
	states := jsonLines(t, p.output())
	var seq []string
	for _, s := range states {
		seq = append(seq, s.Status)
	}
	if got := strings.Join(seq, " "); got != "new part close" {
		t.Fatalf("states %q, want new part close\n%s", got, p.output())
	}
	if last := states[len(states)-1]; last.Credited != 10_000 {
		t.Fatalf("final state %+v", last)
	}
	if out := alice.ok("balance"); !strings.Contains(out, "RUB 150,100.00") {
		t.Fatalf("balance after the Briacoin top-up:\n%s", out)
	}
	if _, errs, code := alice.run("briacoin-sim", "pay", "--sim", sim, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", "1"); code != exitNotFound {
		t.Fatalf("paying an unknown wallet: exit %d %s", code, errs)
	}

	// Bank: the QR decodes to the payment URL; paying there credits.
	out := alice.ok("topup", "bank", "25")
	payURL := regexpFind(out, `http://\S+/bank/pay/txn_[0-9a-f]+`)
	if payURL == "" || decodeQR(t, out) != payURL {
		t.Fatalf("bank top-up output (QR must decode to the URL):\n%s", out)
	}
	id := regexpFind(out, `[0-9A-F]{32}`)
	resp, err := http.PostForm(payURL, url.Values{"card_number": {"4242424242424242"}, "expiry": {time.Now().AddDate(1, 0, 0).Format("01/06")}, "cvc": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out = alice.ok("topup", "status", id, "--wait")
	if !strings.Contains(out, "close: RUB 25.00 credited") || !strings.Contains(out, "Balance: RUB 150,125.00") {
		t.Fatalf("topup status --wait:\n%s", out)
	}

	// Withdraw 50.00 RUB = 0.5 coin (the merchant holds 1 coin now).
	if _, errs, code := alice.run("withdraw", "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", "50"); code != exitError || !strings.Contains(errs, "--yes") {
		t.Fatalf("withdraw without a terminal or --yes: exit %d %s", code, errs)
	}
	if _, errs, code := alice.run("withdraw", "not-a-wallet", "50", "--yes"); code != exitUsage {
		t.Fatalf("withdraw to a bad wallet: exit %d %s", code, errs)
	}
	var wd api.Withdrawal
	alice.json(&wd, "withdraw", "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", "50", "--yes")
	if wd.Status != api.WithdrawSent || wd.TxID == "" || wd.Coins != "0.5" || wd.Balance == nil || *wd.Balance != 15_007_500 {
		t.Fatalf("withdraw --json: %+v", wd)
	}
	out = alice.ok("withdraw", "status", wd.Ref)
	if !strings.Contains(out, "Sent RUB 50.00 (0.5 coins)") || !strings.Contains(out, wd.TxID) {
		t.Fatalf("withdraw status:\n%s", out)
	}
	if _, errs, code := alice.run("withdraw", "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", "10000000", "--yes"); code != exitError || !strings.Contains(errs, "insufficient funds") {
		t.Fatalf("withdrawing more than the balance: exit %d %s", code, errs)
	}
	if out, code := runCmd(t, "server", "audit", "--db", db); code != 0 {
		t.Fatalf("audit after the payments: exit %d\n%s", code, out)
	}
}

func regexpFind(s, re string) string { return regexp.MustCompile(re).FindString(s) }
