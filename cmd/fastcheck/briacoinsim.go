package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"fastcheck/payments/briacoin"
)

// envBriacoinSim is where `briacoin-sim pay` finds the simulator.
const envBriacoinSim = "FASTCHECK_BRIACOIN_SIM"

// defaultSimURL is the simulator embedded in `fastcheck server --demo`.
const defaultSimURL = "http://127.0.0.1:8080/briacoin"

func cmdBriacoinSim(args []string) int {
	if len(args) > 0 && args[0] == "pay" {
		return cmdBriacoinSimPay(args[1:])
	}
	fs := flag.NewFlagSet("fastcheck briacoin-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	state := fs.String("state", "", "JSON `FILE` to keep accounts, orders and transfers in across restarts (default: memory only)")
	step := fs.Duration("step", briacoin.DefaultPeriod, "TOTP step of the keys (shorter only for tests)")
	account := fs.Int64("account", 0, "create this merchant account `ID` at start (with --backurl; the secret from --secret or $"+envBriacoinSecret+", or a new one, printed)")
	secret := fs.String("secret", "", "the secret of --account (default $"+envBriacoinSecret+")")
	backURL := fs.String("backurl", "", "callback `URL` of --account, e.g. http://127.0.0.1:8080/callbacks/briacoin")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck briacoin-sim [flags]
       fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Runs a simulator of the Briacoin payment service: its one POST endpoint
with every method of the document (createaccount, updateaccount,
getaccountbalance, createorder, getorderstatus, transfertoaddress), TOTP
keys that are refused when wrong or reused, orders paid in parts (new ->
part -> close), and success callbacks to each account's backurl, retried
with backoff. POST /sim/pay {"wallet","amount"} (or "briacoin-sim pay")
simulates coins arriving at an order's wallet; GET /sim/state shows the
state without secrets. "fastcheck server --demo" embeds one at /briacoin/.

Examples:
  fastcheck briacoin-sim --addr 127.0.0.1:8090 --state /tmp/sim.json
  FASTCHECK_BRIACOIN_SECRET=... fastcheck briacoin-sim --account 1 --backurl http://127.0.0.1:8080/callbacks/briacoin
  fastcheck briacoin-sim pay BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5
  fastcheck briacoin-sim pay --sim http://127.0.0.1:8090 BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 10

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck briacoin-sim: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	sim, err := briacoin.NewSimulator(briacoin.SimConfig{Period: *step, StatePath: *state,
		Logf: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }})
	if err != nil {
		log.Error("cannot start the simulator", "err", err)
		return exitError
	}
	defer sim.Close()
	if *account != 0 {
		if *backURL == "" {
			fmt.Fprintln(os.Stderr, "fastcheck briacoin-sim: --account needs --backurl")
			return exitUsage
		}
		s, err := simAccount(sim, *account, firstOf(*secret, os.Getenv(envBriacoinSecret)), *backURL)
		if err != nil {
			log.Error("cannot create the account", "err", err)
			return exitError
		}
		if firstOf(*secret, os.Getenv(envBriacoinSecret)) == "" {
			fmt.Printf("Account %d, secret %s (give it to the server as $%s)\n", *account, s, envBriacoinSecret)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("cannot listen", "addr", *addr, "err", err)
		return exitError
	}
	hs := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("Briacoin simulator listening", "api", "http://"+ln.Addr().String()+"/", "state", *state, "step", *step)
	select {
	case err := <-errc:
		log.Error("simulator stopped", "err", err)
		return exitError
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return exitError
	}
	return exitOK
}

func cmdBriacoinSimPay(args []string) int {
	fs := flag.NewFlagSet("fastcheck briacoin-sim pay", flag.ContinueOnError)
	simURL := fs.String("sim", "", "the simulator's root `URL` (default $"+envBriacoinSim+", then "+defaultSimURL+", the demo server's)")
	asJSON := fs.Bool("json", false, "print the order's status as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck briacoin-sim pay [--sim URL] [--json] WALLET COINS

Simulates COINS (a decimal: 2.5) arriving at an order's WALLET: the order's
paid sum grows, its status moves new -> part -> close (more than asked is an
over-payment), and the simulator sends the success callback.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "fastcheck briacoin-sim pay: give a wallet and an amount of coins, like: BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5")
		return exitUsage
	}
	coins, err := briacoin.ParseCoins(fs.Arg(1))
	if err != nil || coins <= 0 {
		fmt.Fprintf(os.Stderr, "fastcheck briacoin-sim pay: %q is not a positive amount of coins\n", fs.Arg(1))
		return exitUsage
	}
	base := firstOf(*simURL, os.Getenv(envBriacoinSim), defaultSimURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := briacoin.SimPay(ctx, nil, base, fs.Arg(0), coins)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck briacoin-sim pay: %v\n", err)
		if errors.Is(err, briacoin.ErrUnknownWallet) || strings.Contains(err.Error(), "no order has this wallet") {
			return exitNotFound
		}
		return exitError
	}
	if *asJSON {
		return printJSON(st)
	}
	fmt.Printf("Paid %s coins to order %d: %s of %s paid, status %s.\n", coins, st.OrderID, st.Paid, st.Amount, st.Status)
	return exitOK
}
