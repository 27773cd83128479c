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
	lang := fs.String("lang", "", "language of the wallet: en or ru (default from LANG)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck [wallet] [flags]

Opens the wallet: the login QR, then balance, active checks and history.
With no server configured, the first screen offers the demo.

Examples:
  fastcheck
  fastcheck wallet --profile work
  FASTCHECK_SERVER=https://fastcheck.store/api fastcheck

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	g.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { g.given[f.Name] = true })
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("wallet", "the wallet needs a terminal; for scripts use the commands (fastcheck --help)")
	}
	_, set, err := g.settings()
	if err != nil {
		return failCLI("wallet", err, set)
	}
	opts := tui.Options{Lang: *lang}
	if set.ServerFrom != "default" {
		// Warnings about insecure storage go out before the screen
		// takes over; during it they would tear the frame.
		ps, err := store.OpenProfile(set, os.Stderr)
		if err == nil {
			_, _, err = ps.Key(true)
		}
		if err != nil {
			return failCLI("wallet", err, set)
		}
		ps, _ = store.OpenProfile(set, io.Discard)
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
	err = tui.Run(ctx, opts, os.Stdin, os.Stdout)
	if errors.Is(err, tui.ErrDemoRequested) {
		return runDemo(ctx, "127.0.0.1:8080", "", *lang, os.Stderr)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "fastcheck: %v\n", err)
		return exitError
	}
	return exitOK
}

// cmdDemo runs the whole system on this machine: an embedded reference
// server with the demo users, and the wallet against it.
func cmdDemo(args []string) int {
	fs := flag.NewFlagSet("fastcheck demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "where the embedded server listens; if that port is taken, any free one")
	db := fs.String("db", "", "keep the demo's database in this SQLite file (default: a new temporary one)")
	lang := fs.String("lang", "", "language of the wallet: en or ru (default from LANG)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck demo [flags]

Starts an embedded reference server with the demo users alice and bob
(150,000.00 RUB each) and opens the wallet against it. On the login
screen, press the demo key to approve as alice, or from a second terminal:
  fastcheck phone approve --demo bob --server URL <session id>

Examples:
  fastcheck demo
  fastcheck demo --addr 127.0.0.1:8080 --db ~/fastcheck-demo.db

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("demo", "the demo wallet needs a terminal; for a headless demo server run: fastcheck server --demo")
	}
	ctx, stop := (&globals{}).context(false)
	defer stop()
	return runDemo(ctx, *addr, *db, *lang, os.Stderr)
}

// runDemo starts the embedded server, then the wallet. The server logs to
// a file next to its database, not over the wallet's screen.
func runDemo(ctx context.Context, addr, dbPath, lang string, errOut io.Writer) int {
	d, err := startDemoServer(ctx, demoOptions{Addr: addr, DB: dbPath})
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
	c, err := client.New(client.Options{BaseURL: d.URL, Key: key, MaxResponseBytes: walletResponseCap})
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	const user = "alice"
	approve, err := demoApprover(d.URL, user, nil)
	if err != nil {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	err = tui.Run(ctx, tui.Options{Client: c, Lang: lang, DemoUser: user, DemoApprove: approve}, os.Stdin, os.Stdout)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(errOut, "fastcheck demo: %v\n", err)
		return exitError
	}
	fmt.Fprintf(errOut, "Demo ended. The server's log was %s.\n", d.LogPath)
	return exitOK
}
