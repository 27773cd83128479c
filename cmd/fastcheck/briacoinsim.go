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
	addr := fs.String("addr", "127.0.0.1:8090", tr.T("cli.server.flagaddr"))
	state := fs.String("state", "", tr.T("cli.sim.flagstate"))
	step := fs.Duration("step", briacoin.DefaultPeriod, tr.T("cli.sim.flagstep"))
	account := fs.Int64("account", 0, tr.Tf("cli.sim.flagaccount", envBriacoinSecret))
	secret := fs.String("secret", "", tr.Tf("cli.sim.flagsecret", envBriacoinSecret))
	backURL := fs.String("backurl", "", tr.T("cli.sim.flagbackurl"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.sim.usage")+`

`+tr.T("cli.help.examples")+`
  fastcheck briacoin-sim --addr 127.0.0.1:8090 --state /tmp/sim.json
  FASTCHECK_BRIACOIN_SECRET=... fastcheck briacoin-sim --account 1 --backurl http://127.0.0.1:8080/callbacks/briacoin
  fastcheck briacoin-sim pay BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5
  fastcheck briacoin-sim pay --sim http://127.0.0.1:8090 BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 10

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck briacoin-sim: %s\n", tr.Tf("cli.unexpectedarg", fs.Arg(0)))
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
			fmt.Fprintln(os.Stderr, "fastcheck briacoin-sim: "+tr.T("cli.sim.needsbackurl"))
			return exitUsage
		}
		s, err := simAccount(sim, *account, firstOf(*secret, os.Getenv(envBriacoinSecret)), *backURL)
		if err != nil {
			log.Error("cannot create the account", "err", err)
			return exitError
		}
		if firstOf(*secret, os.Getenv(envBriacoinSecret)) == "" {
			fmt.Println(tr.Tf("cli.sim.account", *account, s, envBriacoinSecret))
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
	simURL := fs.String("sim", "", tr.Tf("cli.sim.flagsim", envBriacoinSim, defaultSimURL))
	asJSON := fs.Bool("json", false, tr.T("cli.sim.flagjson"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.sim.payusage")+"\n\n"+examples(
			"fastcheck briacoin-sim pay BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 2.5",
			"fastcheck briacoin-sim pay --sim http://127.0.0.1:8090 --json BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 10",
		)+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, reorder(fs, args)); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "fastcheck briacoin-sim pay: "+tr.T("cli.sim.payargs"))
		return exitUsage
	}
	coins, err := briacoin.ParseCoins(fs.Arg(1))
	if err != nil || coins <= 0 {
		fmt.Fprintln(os.Stderr, "fastcheck briacoin-sim pay: "+tr.Tf("cli.sim.badcoins", fs.Arg(1)))
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
	fmt.Println(tr.Tf("cli.sim.paid", coins, st.OrderID, st.Paid, st.Amount, st.Status))
	return exitOK
}
