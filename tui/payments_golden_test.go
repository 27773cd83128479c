package tui

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"fastcheck/api"
)

// fakeTopup is the fake server's one top-up, whose state the test moves.
type fakeTopup struct {
	mu sync.Mutex
	t  api.Topup
}

func (ft *fakeTopup) set(fn func(*api.Topup)) {
	ft.mu.Lock()
	fn(&ft.t)
	ft.mu.Unlock()
}

func (ft *fakeTopup) get(*http.Request) (int, any) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return 200, ft.t
}

// runPayGolden is runGolden at 80×24 with a fast status poll and a
// stand-in browser opener.
func runPayGolden(t *testing.T, lang string, setup func(*fakeAPI)) *goldenRun {
	t.Helper()
	f := newFakeAPI()
	f.approved = true
	if setup != nil {
		setup(f)
	}
	clock := &testClock{t: fixedNow}
	o := fakeOptions(t, f, lang, fakeSession)
	o.Now = clock.Now
	o.PaymentPollInterval = 10 * time.Millisecond
	o.OpenURL = func(string) error { return nil }
	m := newModel(t.Context(), o)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(m.shutdown)
	return &goldenRun{t: t, tm: tm, f: f, c: clock}
}

func bankTopup() api.Topup {
	return api.Topup{ID: "T1", Method: api.MethodBank, Amount: 500000, Currency: "RUB", Status: api.TopupNew,
		CreatedAt: "2026-01-20T10:00:00Z", ExpiresAt: "2026-01-20T10:30:00Z",
		PaymentURL: "https://fastcheck.store/bank/pay/7f3a9c2e51d04b8a", TransactionID: "7f3a9c2e51d04b8a"}
}

func coinTopup() api.Topup {
	return api.Topup{ID: "T2", Method: api.MethodBriacoin, Amount: 500000, Currency: "RUB", Status: api.TopupNew,
		CreatedAt: "2026-01-20T10:00:00Z", ExpiresAt: "2026-01-20T10:30:00Z",
		Wallet: "brc1q9x8c7v6b5n4m3l2k1j0h9g8f7d6s5a4", Coins: "50", CoinsPaid: "0", OrderID: 42, Rate: "100.00"}
}

var topupHeading = map[string]string{"en": "Top up the balance", "ru": "Пополнить баланс"}

func TestGoldenTopup(t *testing.T) {
	for _, lang := range both {
		t.Run(lang, func(t *testing.T) {
			t.Run("choose", func(t *testing.T) {
				g := runPayGolden(t, lang, nil)
				g.wait("7700-1200-3344")
				g.key("t")
				g.wait(topupHeading[lang])
				g.key("right")
				g.key("tab")
				g.typeText("5000")
				g.wait("5000")
				g.require()
			})
			t.Run("bank", func(t *testing.T) {
				ft := &fakeTopup{t: bankTopup()}
				g := runPayGolden(t, lang, func(f *fakeAPI) {
					f.routes["POST /topup"] = ft.get
					f.routes["GET /topup/T1"] = ft.get
				})
				g.wait("7700-1200-3344")
				g.key("t")
				g.wait(topupHeading[lang])
				g.key("tab")
				g.typeText("5000")
				g.key("enter")
				g.wait("bank/pay")
				g.require()
			})
			t.Run("briacoin-part", func(t *testing.T) {
				ft := &fakeTopup{t: coinTopup()}
				g := runPayGolden(t, lang, func(f *fakeAPI) {
					f.routes["POST /topup"] = ft.get
					f.routes["GET /topup/T2"] = ft.get
				})
				g.wait("7700-1200-3344")
				g.key("t")
				g.wait(topupHeading[lang])
				g.key("right")
				g.key("tab")
				g.typeText("5000")
				g.key("enter")
				g.wait("brc1q9x8c7v6b5n4")
				ft.set(func(t *api.Topup) { t.Status, t.Paid, t.Credited, t.CoinsPaid = api.TopupPart, 200000, 200000, "20" })
				g.wait(map[string]string{"en": "2,000.00", "ru": "2\u00a0000,00"}[lang])
				g.require()
			})
			t.Run("closed", func(t *testing.T) {
				ft := &fakeTopup{t: coinTopup()}
				g := runPayGolden(t, lang, func(f *fakeAPI) {
					f.routes["POST /topup"] = ft.get
					f.routes["GET /topup/T2"] = ft.get
				})
				g.wait("7700-1200-3344")
				g.key("t")
				g.wait(topupHeading[lang])
				g.key("right")
				g.key("tab")
				g.typeText("5000")
				g.key("enter")
				g.wait("brc1q9x8c7v6b5n4")
				g.f.set("GET /balance", func(*http.Request) (int, any) { return 200, api.Balance{Balance: 15_341_950, Currency: "RUB"} })
				ft.set(func(t *api.Topup) { t.Status, t.Paid, t.Credited, t.CoinsPaid = api.TopupClose, 500000, 500000, "50" })
				g.wait("153")
				g.require()
			})
		})
	}
}

var withdrawHeading = map[string]string{"en": "Withdraw to a Briacoin wallet", "ru": "Вывести на кошелёк Briacoin"}

func TestGoldenWithdraw(t *testing.T) {
	const wallet = "brc1qz7y6x5w4v3u2t1s0r9q8p7o6n5m4"
	form := func(g *goldenRun, lang string) {
		g.wait("7700-1200-3344")
		g.key("w")
		g.wait(withdrawHeading[lang])
		g.typeText(wallet)
		g.key("tab")
		g.typeText("1500")
		g.wait("1500")
	}
	confirm := map[string]string{"en": "Send this withdrawal?", "ru": "Отправить вывод?"}
	for _, lang := range both {
		t.Run(lang, func(t *testing.T) {
			t.Run("form", func(t *testing.T) {
				g := runPayGolden(t, lang, nil)
				form(g, lang)
				g.require()
			})
			t.Run("confirm", func(t *testing.T) {
				g := runPayGolden(t, lang, nil)
				form(g, lang)
				g.key("enter")
				g.wait(confirm[lang])
				g.require()
			})
			t.Run("result", func(t *testing.T) {
				var mu sync.Mutex
				w := api.Withdrawal{Ref: "W1", Status: api.WithdrawPending, Wallet: wallet, Amount: 150000, Currency: "RUB", Coins: "15",
					CreatedAt: "2026-01-20T10:00:00Z", UpdatedAt: "2026-01-20T10:00:00Z"}
				get := func(*http.Request) (int, any) { mu.Lock(); defer mu.Unlock(); return 200, w }
				g := runPayGolden(t, lang, func(f *fakeAPI) {
					f.routes["POST /withdraw"] = get
					f.routes["GET /withdraw/W1"] = get
				})
				form(g, lang)
				g.key("enter")
				g.wait(confirm[lang])
				g.f.set("GET /balance", func(*http.Request) (int, any) { return 200, api.Balance{Balance: 14_691_950, Currency: "RUB"} })
				mu.Lock()
				w.Status, w.TxID = api.WithdrawSent, "e3b0c44298fc1c149afbf4c8996fb924"
				mu.Unlock()
				g.key("enter")
				g.wait(map[string]string{"en": "now RUB 146,919.50", "ru": "теперь 146"}[lang])
				g.require()
			})
		})
	}
}
