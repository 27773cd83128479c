package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fastcheck/assets"
	"fastcheck/sshwallet"
	"fastcheck/store"
)

// cmdSSH serves the wallet over SSH: `fastcheck ssh`.
func cmdSSH(args []string) int {
	fs := flag.NewFlagSet("fastcheck ssh", flag.ContinueOnError)
	addr := fs.String("addr", sshwallet.DefaultAddr, "address the SSH server listens on")
	serverURL := fs.String("server", "", "the Fastcheck API every wallet talks to (default $FASTCHECK_SERVER, else "+store.DefaultServer+")")
	demo := fs.Bool("demo", false, "run an embedded server with the demo users, shared by every visitor, and offer the demo approve key")
	demoAddr := fs.String("demo-addr", "127.0.0.1:8080", "with --demo: where the embedded server listens; if that port is taken, any free one")
	demoDB := fs.String("demo-db", "", "with --demo: keep the demo's database in this SQLite file (default: a new temporary one)")
	hostKey := fs.String("host-key", "", "the server's host key, made if missing (default "+filepath.Join(store.DataDir(), "ssh_host_ed25519_key")+")")
	authKeys := fs.String("authorized-keys", "", "only the keys in this authorized_keys file may connect (default: anyone may)")
	maxSessions := fs.Int("max-sessions", sshwallet.DefaultMaxSessions, "sessions at once; one more is refused with a message")
	rate := fs.Float64("rate-limit", sshwallet.DefaultConnsPerMinute, "new connections a minute from one IP address, in bursts of as many (0: no limit)")
	idle := fs.Duration("idle-timeout", sshwallet.DefaultIdleTimeout, "end a session after this long without a key press")
	allowHTTP := fs.Bool("allow-insecure-http", false, "allow a plain http:// --server that is not on loopback")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck ssh [--addr HOST:PORT] [--server URL | --demo] [flags]

Serves the wallet over SSH: every visitor gets a wallet of their own, with a
signing key made for that SSH session and forgotten when it ends. Visitors
connect with any SSH client, from a terminal (a PTY is required):
  ssh -p 23234 HOST

With --demo, every visitor shares one embedded server with the demo users,
and the login screen's demo key approves as alice; connect as bob@HOST to
log in as bob. Checks written by one visitor can be accepted by another.

The host key is kept in the data dir. Without --authorized-keys anyone who
can reach the address may connect. SIGINT or SIGTERM ends every session
with a goodbye, then stops.

Examples:
  fastcheck ssh --demo
  fastcheck ssh --addr 0.0.0.0:23234 --demo --max-sessions 50
  fastcheck ssh --server https://fastcheck.store/api --authorized-keys ~/.ssh/authorized_keys

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageError("ssh", "unexpected argument %q", fs.Arg(0))
	}
	if *demo && *serverURL != "" {
		return usageError("ssh", "--server and --demo exclude each other: --demo runs its own server")
	}
	if *maxSessions <= 0 {
		return usageError("ssh", "--max-sessions must be at least 1")
	}
	if *rate < 0 {
		return usageError("ssh", "--rate-limit must be 0 (no limit) or more")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError("ssh", "--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *hostKey == "" {
		*hostKey = filepath.Join(store.DataDir(), "ssh_host_ed25519_key")
	}
	cfg := sshwallet.Config{
		Addr: *addr, HostKeyPath: *hostKey, AuthorizedKeysPath: *authKeys,
		AllowInsecureHTTP: *allowHTTP, MaxSessions: *maxSessions,
		ConnsPerMinute: *rate, IdleTimeout: *idle, Logger: log,
	}
	if *rate == 0 {
		cfg.ConnsPerMinute = -1 // the package's "no limit"
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *demo {
		// Every visitor reaches the demo server through this process: it
		// takes their address from X-Forwarded-For, so its per-IP limits
		// count visitors, not the SSH server.
		d, err := startDemoServer(ctx, demoOptions{Addr: *demoAddr, DB: *demoDB, TrustProxy: true, Log: log})
		if err != nil {
			log.Error("cannot start the demo server", "err", err)
			return exitError
		}
		defer d.Close()
		cfg.ServerURL = d.URL
		for _, u := range assets.DemoUsers() {
			cfg.DemoUsers = append(cfg.DemoUsers, u.Name)
		}
		base := d.URL
		cfg.DemoApprove = func(ctx context.Context, hc *http.Client, user, id, fingerprint string) error {
			approve, err := demoApprover(base, user, hc)
			if err != nil {
				return err
			}
			return approve(ctx, id, fingerprint)
		}
	} else {
		cfg.ServerURL = *serverURL
		if cfg.ServerURL == "" {
			cfg.ServerURL = os.Getenv(store.EnvServer)
		}
		if cfg.ServerURL == "" {
			cfg.ServerURL = store.DefaultServer
		}
	}
	srv, err := sshwallet.New(cfg)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	err = srv.ListenAndServe(ctx, func(a net.Addr) {
		host, port, _ := net.SplitHostPort(a.String())
		log.Info("ssh wallet listening", "addr", a.String(), "server", cfg.ServerURL, "demo", *demo,
			"host_key", *hostKey, "max_sessions", *maxSessions, "connect", "ssh -p "+port+" "+host)
	})
	if err != nil {
		log.Error("ssh server failed", "err", err)
		return exitError
	}
	log.Info("stopped")
	return exitOK
}
