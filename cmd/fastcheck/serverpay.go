package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"fastcheck/ledger"
	"fastcheck/ledger/backend"
	"fastcheck/payments/bank"
	"fastcheck/payments/briacoin"
	"fastcheck/server"
)

// The server's payment flags: top-ups by the sandbox bank and Briacoin,
// withdrawals to Briacoin. Secrets come from flags or, better (flags show
// in ps), from the environment; nothing is built in. --demo turns the
// embedded sandbox bank and Briacoin simulator on unless told otherwise.

// Environment variables of the payment settings.
const (
	envBankWebhookSecret = "FASTCHECK_BANK_WEBHOOK_SECRET"
	envBankAPIKey        = "FASTCHECK_BANK_API_KEY"
	envBriacoinAccount   = "FASTCHECK_BRIACOIN_ACCOUNT"
	envBriacoinSecret    = "FASTCHECK_BRIACOIN_SECRET"
	envBriacoinRate      = "FASTCHECK_BRIACOIN_RATE"
	envBriacoinURL       = "FASTCHECK_BRIACOIN_URL"
)

const demoRate = "1 coin = 100.00 RUB"

type payFlags struct {
	fs *flag.FlagSet

	sandboxBank   *bool
	bankURL       *string
	webhookSecret *string
	bankAPIKey    *string

	briacoinSim   *bool
	simState      *string
	briacoinURL   *string
	account       *string
	secret        *string
	rate          *string
	step          *time.Duration
	reconcile     *time.Duration
	topupTTL      *time.Duration
	clientTimeout *time.Duration
}

func registerPaymentFlags(fs *flag.FlagSet) *payFlags {
	return &payFlags{
		fs:            fs,
		sandboxBank:   fs.Bool("sandbox-bank", false, tr.T("cli.pay.flagsandbox")),
		bankURL:       fs.String("bank-url", "", tr.T("cli.pay.flagbankurl")),
		webhookSecret: fs.String("bank-webhook-secret", "", tr.Tf("cli.pay.flagwebhook", envBankWebhookSecret)),
		bankAPIKey:    fs.String("bank-api-key", "", tr.Tf("cli.pay.flagapikey", envBankAPIKey)),
		briacoinSim:   fs.Bool("briacoin-sim", false, tr.T("cli.pay.flagsim")),
		simState:      fs.String("briacoin-sim-state", "", tr.T("cli.pay.flagsimstate")),
		briacoinURL:   fs.String("briacoin-url", "", tr.Tf("cli.pay.flagbriaurl", envBriacoinURL)),
		account:       fs.String("briacoin-account", "", tr.Tf("cli.pay.flagaccount", envBriacoinAccount)),
		secret:        fs.String("briacoin-secret", "", tr.Tf("cli.pay.flagsecret", envBriacoinSecret)),
		rate:          fs.String("briacoin-rate", "", tr.Tf("cli.pay.flagrate", envBriacoinRate, demoRate)),
		step:          fs.Duration("briacoin-step", briacoin.DefaultPeriod, tr.T("cli.pay.flagstep")),
		reconcile:     fs.Duration("reconcile-interval", 30*time.Second, tr.T("cli.pay.flagreconcile")),
		topupTTL:      fs.Duration("topup-ttl", 24*time.Hour, tr.T("cli.pay.flagtopupttl")),
		clientTimeout: fs.Duration("briacoin-timeout", 30*time.Second, tr.T("cli.pay.flagtimeout")),
	}
}

// payments is what setup made: the server's payment config, the handlers
// to mount, and what to close at the end.
type paySetup struct {
	cfg    *server.Payments
	mounts map[string]http.Handler
	closer []func()
}

func (p *paySetup) close() {
	for i := len(p.closer) - 1; i >= 0; i-- {
		p.closer[i]()
	}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// setup builds the payment configuration from the flags. It returns a nil
// config when payments are off.
func (pf *payFlags) setup(log *slog.Logger, st ledger.Store, addr, publicURL, basePath, dbPath string, demo bool) (*paySetup, error) {
	given := map[string]bool{}
	pf.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	out := &paySetup{mounts: map[string]http.Handler{}}
	sandbox := *pf.sandboxBank || (demo && !given["sandbox-bank"] && *pf.bankURL == "")
	sim := *pf.briacoinSim || (demo && !given["briacoin-sim"] && firstOf(*pf.briacoinURL, os.Getenv(envBriacoinURL)) == "")
	bankURL := *pf.bankURL
	briaURL := firstOf(*pf.briacoinURL, os.Getenv(envBriacoinURL))
	if sandbox && bankURL != "" {
		return nil, errors.New("--sandbox-bank and --bank-url exclude each other")
	}
	if sim && briaURL != "" {
		return nil, errors.New("--briacoin-sim and --briacoin-url exclude each other")
	}
	if !sandbox && bankURL == "" && !sim && briaURL == "" {
		return out, nil
	}
	root, err := publicRoot(addr, publicURL, basePath)
	if err != nil {
		return nil, err
	}
	cfg := &server.Payments{PublicURL: root, KeyPeriod: *pf.step, ReconcileInterval: *pf.reconcile, TopupTTL: *pf.topupTTL}
	out.cfg = cfg

	if sandbox || bankURL != "" {
		secret := []byte(firstOf(*pf.webhookSecret, os.Getenv(envBankWebhookSecret)))
		apiKey := firstOf(*pf.bankAPIKey, os.Getenv(envBankAPIKey))
		if len(secret) == 0 {
			if !sandbox {
				return nil, fmt.Errorf("--bank-url needs the webhook secret (--bank-webhook-secret or $%s)", envBankWebhookSecret)
			}
			secret = make([]byte, 32)
			rand.Read(secret)
			secret = []byte(hex.EncodeToString(secret))
		}
		if sandbox {
			sb, err := bank.NewSandbox(bank.SandboxConfig{WebhookSecret: secret, APIKey: apiKey, BaseURL: root,
				Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
			if err != nil {
				return nil, err
			}
			out.mounts["/bank/"] = sb
			out.closer = append(out.closer, sb.Close)
			bankURL = root
		}
		cfg.Bank = &bank.SandboxProvider{BaseURL: bankURL, APIKey: apiKey, WebhookSecret: secret}
	}

	if sim || briaURL != "" {
		rateText := firstOf(*pf.rate, os.Getenv(envBriacoinRate))
		if rateText == "" && sim {
			rateText = demoRate
		}
		if rateText == "" {
			return nil, fmt.Errorf("the Briacoin exchange rate is not set (--briacoin-rate or $%s, e.g. %q)", envBriacoinRate, demoRate)
		}
		rate, err := briacoin.ParseRate(rateText)
		if err != nil {
			return nil, err
		}
		accountText := firstOf(*pf.account, os.Getenv(envBriacoinAccount))
		if accountText == "" && sim {
			accountText = "1"
		}
		account, err := strconv.ParseInt(accountText, 10, 64)
		if err != nil || account <= 0 {
			return nil, fmt.Errorf("the Briacoin merchant account's userid is not set (--briacoin-account or $%s)", envBriacoinAccount)
		}
		secret := firstOf(*pf.secret, os.Getenv(envBriacoinSecret))
		backURL := root + "/callbacks/briacoin"
		if sim {
			state := *pf.simState
			if state == "" && backend.Kind(dbPath) == backend.SQLite {
				state = dbPath + ".briacoin-sim.json"
			}
			s, err := briacoin.NewSimulator(briacoin.SimConfig{Period: *pf.step, StatePath: state,
				Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
			if err != nil {
				return nil, err
			}
			out.closer = append(out.closer, s.Close)
			secret, err = simAccount(s, account, secret, backURL)
			if err != nil {
				return nil, err
			}
			out.mounts["/briacoin/"] = http.StripPrefix("/briacoin", s)
			briaURL = root + "/briacoin/"
			log.Info("Briacoin simulator ready", "api", briaURL, "pay", "fastcheck briacoin-sim pay --sim "+root+"/briacoin WALLET COINS",
				"account", account, "state", state)
		}
		if secret == "" {
			return nil, fmt.Errorf("the Briacoin merchant account's secret is not set ($%s or --briacoin-secret)", envBriacoinSecret)
		}
		client, err := briacoin.NewClient(briacoin.Config{Endpoint: briaURL, UserID: account, Secret: secret,
			Period: *pf.step, Timeout: *pf.clientTimeout})
		if err != nil {
			return nil, err
		}
		cfg.Briacoin, cfg.BriacoinAccount, cfg.BriacoinSecret, cfg.Rate = client, account, secret, rate
	}
	return out, nil
}

// simAccount makes sure the embedded simulator has the merchant account
// with the server's callback URL and returns its secret: the configured
// one, the one a saved state already holds, or a fresh random one.
func simAccount(s *briacoin.Simulator, id int64, secret, backURL string) (string, error) {
	if a, ok := s.Account(id); ok {
		if secret != "" && secret != a.Secret {
			return "", fmt.Errorf("the simulator's saved account %d has another secret than the configured one", id)
		}
		if a.BackURL != backURL {
			// The saved state points elsewhere (another port): start over.
			return "", fmt.Errorf("the simulator's saved account %d calls back %s, not %s; use another --briacoin-sim-state", id, a.BackURL, backURL)
		}
		return a.Secret, nil
	}
	if secret == "" {
		var err error
		if secret, err = briacoin.NewSecret(nil); err != nil {
			return "", err
		}
	}
	return secret, s.AddAccount(id, secret, backURL)
}

// publicRoot is where providers and browsers reach the server: --public-url
// without the base path, or http://<addr>.
func publicRoot(addr, publicURL, basePath string) (string, error) {
	if publicURL != "" {
		u := strings.TrimRight(publicURL, "/")
		if basePath != "" && strings.HasSuffix(u, strings.TrimRight(basePath, "/")) {
			u = strings.TrimSuffix(u, strings.TrimRight(basePath, "/"))
		}
		return u, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" || port == "" {
		return "", fmt.Errorf("top-ups need a fixed --addr port or --public-url (the providers call back to it)")
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
