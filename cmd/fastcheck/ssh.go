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

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/sshwallet"
	"fastcheck/store"
)

// cmdSSH serves the wallet over SSH: `fastcheck ssh`.
func cmdSSH(args []string) int {
	fs := flag.NewFlagSet("fastcheck ssh", flag.ContinueOnError)
	addr := fs.String("addr", sshwallet.DefaultAddr, tr.T("cli.ssh.flagaddr"))
	serverURL := fs.String("server", "", tr.Tf("cli.ssh.flagserver", store.DefaultServer))
	demo := fs.Bool("demo", false, tr.T("cli.ssh.flagdemo"))
	demoAddr := fs.String("demo-addr", "127.0.0.1:8080", tr.T("cli.ssh.flagdemoaddr"))
	demoDB := fs.String("demo-db", "", tr.T("cli.ssh.flagdemodb"))
	hostKey := fs.String("host-key", "", tr.Tf("cli.ssh.flaghostkey", filepath.Join(store.DataDir(), "ssh_host_ed25519_key")))
	authKeys := fs.String("authorized-keys", "", tr.T("cli.ssh.flagauthkeys"))
	maxSessions := fs.Int("max-sessions", sshwallet.DefaultMaxSessions, tr.T("cli.ssh.flagmaxsessions"))
	rate := fs.Float64("rate-limit", sshwallet.DefaultConnsPerMinute, tr.T("cli.ssh.flagrate"))
	idle := fs.Duration("idle-timeout", sshwallet.DefaultIdleTimeout, tr.T("cli.ssh.flagidle"))
	allowHTTP := fs.Bool("allow-insecure-http", false, tr.T("cli.ssh.flagallowhttp"))
	logLevel := fs.String("log-level", "info", tr.T("cli.server.flagloglevel"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.ssh.usage")+`

`+tr.T("cli.help.examples")+`
  fastcheck ssh --demo
  fastcheck ssh --addr 0.0.0.0:23234 --demo --max-sessions 50
  fastcheck ssh --server https://fastcheck.store/api --authorized-keys ~/.ssh/authorized_keys

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError("ssh", "cli.unexpectedarg", fs.Arg(0))
	}
	if *demo && *serverURL != "" {
		return usageError("ssh", "cli.ssh.serverdemo")
	}
	if *maxSessions <= 0 {
		return usageError("ssh", "cli.ssh.badmaxsessions")
	}
	if *rate < 0 {
		return usageError("ssh", "cli.ssh.badrate")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError("ssh", "cli.server.badloglevel", api.Truncate(*logLevel, 32))
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
