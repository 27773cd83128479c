package servertest

import (
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
	"fastcheck/server"
)

// PaymentOptions configure StartPayments. Zero values take test defaults:
// short TOTP steps and retries, so a test pays in well under a second.
type PaymentOptions struct {
	// Period is the TOTP step of the simulator, the server's client and
	// its callback verifier (default 250 ms).
	Period time.Duration
	// Rate is the server's rate (default "1 coin = 100.00 RUB").
	Rate string
	// ReconcileInterval is the reconciler's pace (default 300 ms).
	ReconcileInterval time.Duration
	// ClientTimeout bounds each Briacoin HTTP exchange (default 2 s): a
	// stalled simulator answers nothing, and this is how long the server
	// waits before the outcome is unknown.
	ClientTimeout time.Duration
	// CallbackWait bounds a callback's wait for its re-fetch (default 5 s).
	CallbackWait time.Duration
	// BackURL, when set, replaces the server's callback URL in the
	// simulator's account: a dead URL makes every callback get lost.
	BackURL string
	// Wrap, when set, wraps the server's handler (to lose a webhook).
	Wrap func(http.Handler) http.Handler
}

// Payments is the payment side of a test server: the sandbox bank mounted
// at /bank/, the Briacoin simulator at /briacoin/, the merchant account
// the server uses, and a second client of it for tests to look with.
type Payments struct {
	Bank      *bank.Sandbox
	Sim       *briacoin.Simulator
	Account   int64
	Secret    string
	Period    time.Duration
	Endpoint  string // the simulator's API URL
	SimRoot   string // where /sim/pay is: Endpoint without its trailing slash
	Rate      briacoin.Rate
	WebhookTo string // the bank's webhook URL
	// WebhookSecret signs the sandbox bank's webhooks.
	WebhookSecret []byte
}

// StartPayments runs a server with top-ups and withdrawals on: the real
// sandbox bank and the real Briacoin simulator, mounted in the same
// server as in the reference server's demo, and the server's merchant
// account created in the simulator.
func StartPayments(t testing.TB, po PaymentOptions, opts ...Option) (*Env, *Payments) {
	t.Helper()
	if po.Period <= 0 {
		po.Period = 250 * time.Millisecond
	}
	if po.Rate == "" {
		po.Rate = "1 coin = 100.00 RUB"
	}
	if po.ReconcileInterval <= 0 {
		po.ReconcileInterval = 300 * time.Millisecond
	}
	if po.ClientTimeout <= 0 {
		po.ClientTimeout = 2 * time.Second
	}
	if po.CallbackWait <= 0 {
		po.CallbackWait = 5 * time.Second
	}
	rate, err := briacoin.ParseRate(po.Rate)
	if err != nil {
		t.Fatal(err)
	}
	pay := &Payments{Account: 1, Period: po.Period, Rate: rate}
	env := start(t, func(env *Env, cfg *server.Config) {
		webhookSecret := make([]byte, 32)
		rand.Read(webhookSecret)
		sb, err := bank.NewSandbox(bank.SandboxConfig{WebhookSecret: webhookSecret, BaseURL: env.Root,
			RetryBase: 50 * time.Millisecond, RetryMax: time.Second, RetryAttempts: 30})
		if err != nil {
			t.Fatal(err)
		}
		sim, err := briacoin.NewSimulator(briacoin.SimConfig{Period: po.Period,
			RetryBase: 50 * time.Millisecond, RetryMax: time.Second, RetryAttempts: 30})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sb.Close()
			sim.Close()
		})
		secret, err := briacoin.NewSecret(nil)
		if err != nil {
			t.Fatal(err)
		}
		backURL := env.Root + "/callbacks/briacoin"
		if po.BackURL != "" {
			backURL = po.BackURL
		}
		if err := sim.AddAccount(pay.Account, secret, backURL); err != nil {
			t.Fatal(err)
		}
		pay.Bank, pay.Sim, pay.Secret, pay.WebhookSecret = sb, sim, secret, webhookSecret
		pay.Endpoint, pay.SimRoot = env.Root+"/briacoin/", env.Root+"/briacoin"
		pay.WebhookTo = env.Root + "/callbacks/bank"
		client, err := briacoin.NewClient(briacoin.Config{Endpoint: pay.Endpoint, UserID: pay.Account, Secret: secret,
			Period: po.Period, Timeout: po.ClientTimeout})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Payments = &server.Payments{
			PublicURL:         env.Root,
			Bank:              &bank.SandboxProvider{BaseURL: env.Root, WebhookSecret: webhookSecret},
			Briacoin:          client,
			BriacoinAccount:   pay.Account,
			BriacoinSecret:    secret,
			Rate:              rate,
			KeyPeriod:         po.Period,
			ReconcileInterval: po.ReconcileInterval,
			CallbackWait:      po.CallbackWait,
			RequestWait:       20 * time.Second,
			PerUserPerMinute:  6000,
		}
		env.wrap = po.Wrap
		cfg.Mounts = map[string]http.Handler{"/bank/": sb, "/briacoin/": http.StripPrefix("/briacoin", sim)}
	}, opts)
	env.Pay = pay
	return env, pay
}
