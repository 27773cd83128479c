package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"fastcheck/client"
	"fastcheck/store"
	"fastcheck/tui"
)

// walletResponseCap lets the wallet read long histories (the client's
// default cap is sized for single answers).
const walletResponseCap = 64 << 20

// cmdWallet opens the wallet TUI for the configured server: `fastcheck`
// with no arguments, or `fastcheck wallet`.
func cmdWallet(args []string) int {
	fs := flag.NewFlagSet("fastcheck wallet", flag.ContinueOnError)
	var g globals
	g.register(fs, globalsAll)
	support := fs.Bool("support", false, tr.T("cli.wallet.flagsupport"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.wallet.usage")+`

`+tr.T("cli.help.examples")+`
  fastcheck
  fastcheck wallet --profile work
  FASTCHECK_SERVER=https://fastcheck.store/api fastcheck

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	g.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { g.given[f.Name] = true })
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("wallet", "cli.wallet.noterminal")
	}
	_, set, err := g.settings()
	if err != nil {
		return failCLI("wallet", err, set)
	}
	opts := tui.Options{Lang: tr.Lang(), Support: *support}
	if set.ServerFrom != "default" {
		// The insecure-storage warning goes out with this first read,
		// before the screen takes over (FileSecrets warns once, so saving
		// the session later cannot tear the frame). One keyring look-up
		// each for the key and the session: each is a D-Bus round trip
		// on the way to the first frame.
		ps, err := store.OpenProfile(set, os.Stderr)
		if err != nil {
			return failCLI("wallet", err, set)
		}
		key, _, err := ps.Key(true)
		if err != nil {
			return failCLI("wallet", err, set)
		}
		session, err := ps.Session()
		if errors.Is(err, store.ErrNotFound) {
			session = ""
		} else if err != nil {
			return failCLI("wallet", err, set)
		}
		c, err := client.New(client.Options{BaseURL: set.Server, Key: key, SessionID: session,
			AllowInsecureHTTP: set.AllowInsecureHTTP, MaxResponseBytes: walletResponseCap})
		if err != nil {
			return failCLI("wallet", err, set)
		}
		opts.Client, opts.SaveSession, opts.ClearSession = c, ps.SetSession, ps.DeleteSession
	}
	ctx, stop := g.context(false)
	defer stop()
	var restore func()
	opts.Settled = func() { restore = walletProcs() }
	err = tui.Run(ctx, opts, os.Stdin, os.Stdout)
	if restore != nil {
		restore()
	}
	if errors.Is(err, tui.ErrDemoRequested) {
		return runDemo(ctx, "127.0.0.1:8080", "", tr.Lang(), *support, os.Stderr)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "fastcheck: %s\n", describe(err))
		return exitError
	}
	return exitOK
}

// walletProcs runs the wallet on one P (GOMAXPROCS=1) until restore, once
// it has settled (tui.Options.Settled: after its first load, so start-up
// and a long history's first download keep every core). Alone in its
// process the waiting wallet is an event loop, the renderer's 60 fps timer
// and a few HTTP calls; with two Ps the scheduler keeps handing that timer
// between threads and waking the network poller, which costs more than
// the work itself (BenchmarkWalletIdleCPU: idle CPU a fifth lower on one
// P, below the bare framework's on two). Not when GOMAXPROCS is set, and
// not for the demo, whose server shares the process.
func walletProcs() (restore func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	runtime.GOMAXPROCS(1)
	return runtime.SetDefaultGOMAXPROCS
}

// cmdDemo runs the whole system on this machine: an embedded reference
// server with the demo users, and the wallet against it.
func cmdDemo(args []string) int {
	fs := flag.NewFlagSet("fastcheck demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", tr.T("cli.demo.flagaddr"))
	db := fs.String("db", "", tr.T("cli.demo.flagdb"))
	showTOTP := fs.Bool("totp", false, tr.T("cli.demo.flagtotp"))
	publicURL := fs.String("public-url", "", tr.T("cli.demo.flagpublicurl"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.Tf("cli.demo.usage", tr.Money(15000000, "RUB"))+`

`+tr.T("cli.help.examples")+`
  fastcheck demo
  fastcheck demo --addr 127.0.0.1:8080 --db ~/fastcheck-demo.db
  fastcheck demo --totp --addr 0.0.0.0:8080 --public-url http://192.168.1.20:8080

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	run := demoRun{Addr: *addr, DB: *db, Lang: tr.Lang(), PublicURL: *publicURL, ShowTOTP: *showTOTP}
	if _, err := run.approveBase(); err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck demo: %v\n%s\n", err, tr.Tf("cli.seehelp", "demo"))
		return exitUsage
	}
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("demo", "cli.demo.noterminal")
	}
	ctx, stop := (&globals{}).context(false)
	defer stop()
	return runDemoWith(ctx, run, os.Stderr)
}

// runDemo starts the embedded server, then the wallet (with support, the
// staff view, logging in as the demo's "support"). The server logs to a
// file next to its database, not over the wallet's screen.
func runDemo(ctx context.Context, addr, dbPath, lang string, support bool, errOut io.Writer) int {
	return runDemoWith(ctx, demoRun{Addr: addr, DB: dbPath, Lang: lang, Support: support}, errOut)
}

// runDemoWith is runDemo with the demo command's options.
func runDemoWith(ctx context.Context, o demoRun, errOut io.Writer) int {
	addr, dbPath, lang, support := o.Addr, o.DB, o.Lang, o.Support
	approveBase, err := o.approveBase()
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitUsage
	}
	d, err := startDemoServer(ctx, demoOptions{Addr: addr, DB: dbPath, PublicURL: strings.TrimSuffix(approveBase, "/api")})
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	defer d.Close()

	// The demo terminal's key lives in memory for this run only.
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	c, err := client.New(client.Options{BaseURL: d.URL, Key: key, MaxResponseBytes: walletResponseCap, ApproveBase: approveBase})
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	if o.ShowTOTP {
		showDemoTOTP(os.Stdin)
	}
	user := "alice"
	if support {
		user = "support"
	}
	approve, err := demoApprover(d.URL, user, nil)
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	err = tui.Run(ctx, tui.Options{Client: c, Lang: lang, DemoUser: user, DemoApprove: approve, Support: support}, os.Stdin, os.Stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	fmt.Fprintln(errOut, tr.Tf("cli.demo.ended", d.LogPath))
	return exitOK
}
