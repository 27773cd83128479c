package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/ledger/backend"
	"fastcheck/server"
	"fastcheck/store"
)

func cmdServer(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "audit":
			return cmdServerAudit(args[1:])
		case "migrate":
			return cmdServerMigrate(args[1:])
		case "audit-log":
			return cmdServerAuditLog(args[1:])
		}
	}
	fs := flag.NewFlagSet("fastcheck server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dbPath := fs.String("db", defaultDBPath(), dbFlagHelp)
	demo := fs.Bool("demo", false, "seed the demo users (alice and bob, 150,000.00 RUB each) and their phone identities")
	basePath := fs.String("base-path", "/api", "second mount point of the API (the spec's root is fastcheck.store/api)")
	wsTTL := fs.Duration("websession-ttl", server.DefaultWebsessionTTL, "how long a login QR stays valid")
	sessTTL := fs.Duration("session-ttl", server.DefaultSessionTTL, "how long an approved session stays valid")
	checkTTL := fs.Duration("check-ttl", server.DefaultCheckTTL, "how long a check lives before its money goes back")
	publicURL := fs.String("public-url", "", "base URL to put in login QR codes (default: as the client reached us)")
	trustProxy := fs.Bool("trust-proxy", false, "take client IP and scheme from X-Forwarded-* (only behind your own proxy)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	staff := fs.String("staff", "", "comma-separated `USERIDS` of support staff: they may use the read-only staff API, and every read is logged (see server audit-log); --demo adds the demo's \"support\"")
	payFlags := registerPaymentFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck server [flags]
       fastcheck server audit --db PATH|URL [--json]
       fastcheck server migrate --db PATH|URL
       fastcheck server audit-log --db PATH|URL [--since AGE|TIME] [--json]

Runs the reference Fastcheck server: every API of the spec on a
double-entry ledger in SQLite (one server process), or in PostgreSQL when
--db is a postgres:// URL (any number of replicas may share it). Schema
migrations apply at startup, or with "server migrate".

Examples:
  fastcheck server --demo        # also the sandbox bank at /bank/ and the Briacoin simulator at /briacoin/
  FASTCHECK_BRIACOIN_SECRET=... fastcheck server --briacoin-url https://api.briacoin.com/api/ \
      --briacoin-account 42 --briacoin-rate "1 coin = 100.00 RUB" --public-url https://fastcheck.example
  fastcheck server --addr 127.0.0.1:9090 --db /tmp/fc.db --check-ttl 24h
  fastcheck server --db 'postgres://fastcheck@db:5432/fastcheck?sslmode=disable'
  fastcheck server audit --db ~/.local/share/fastcheck/fastcheck.db

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck server: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server: --log-level: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := backend.Open(ctx, *dbPath)
	if err != nil {
		log.Error("cannot open the database", "db", backend.Describe(*dbPath), "err", err)
		return exitError
	}
	defer st.Close()
	if *demo {
		users, err := server.SeedDemo(ctx, st, time.Now())
		if err != nil {
			log.Error("cannot seed demo data", "err", err)
			return exitError
		}
		for _, u := range users {
			log.Info("demo user ready", "name", u.Name, "userId", api.UserID(u.PhoneKey().Public().(ed25519.PublicKey)))
		}
	}
	pay, err := payFlags.setup(log, st, *addr, *publicURL, *basePath, *dbPath, *demo)
	if err != nil {
		log.Error("cannot set up top-ups and withdrawals", "err", err)
		return exitUsage
	}
	defer pay.close()
	srv, err := server.New(server.Config{
		Store: st, Logger: log, BasePath: *basePath,
		WebsessionTTL: *wsTTL, SessionTTL: *sessTTL, CheckTTL: *checkTTL,
		PublicURL: *publicURL, TrustProxy: *trustProxy,
		Payments: pay.cfg, Mounts: pay.mounts, Staff: staffList(*staff, *demo),
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	err = srv.Serve(ctx, *addr, func(a net.Addr) {
		log.Info("fastcheck server listening", "url", "http://"+a.String()+*basePath, "db", backend.Describe(*dbPath), "backend", backend.Kind(*dbPath), "demo", *demo)
		if pay.cfg != nil {
			log.Info("top-ups and withdrawals on", "bank", pay.cfg.Bank != nil, "briacoin", pay.cfg.Briacoin != nil, "callbacks", pay.cfg.PublicURL+"/callbacks/")
		}
	})
	if err != nil {
		log.Error("server stopped", "err", err)
		return exitError
	}
	log.Info("server stopped cleanly")
	return exitOK
}

func cmdServerAudit(args []string) int {
	fs := flag.NewFlagSet("fastcheck server audit", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDBPath(), dbFlagHelp)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck server audit --db PATH|URL [--json]

Checks every ledger invariant on a database (conservation, no negative
balance, single resolution, journal replay, balanced transactions, expiry,
monotonic status). Exits 0 when all hold, 1 on any violation.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	st, ok := openExisting("server audit", *dbPath)
	if !ok {
		return exitError
	}
	defer st.Close()
	rep, err := st.Audit(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server audit: %v\n", err)
		return exitError
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(auditJSON(rep))
	} else {
		printAudit(rep)
	}
	if !rep.OK() {
		return exitError
	}
	return exitOK
}

// dbFlagHelp describes --db.
const dbFlagHelp = "SQLite database file, or a postgres:// (postgresql://) URL for PostgreSQL"

func cmdServerMigrate(args []string) int {
	fs := flag.NewFlagSet("fastcheck server migrate", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDBPath(), dbFlagHelp)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck server migrate --db PATH|URL

Applies the ledger's schema migrations (the server also applies them when
it starts) and prints the schema version. An SQLite file is created if it
does not exist. On PostgreSQL an advisory lock keeps concurrent migrations
from racing.

Examples:
  fastcheck server migrate --db 'postgres://fastcheck@db:5432/fastcheck?sslmode=disable'
  fastcheck server migrate --db /var/lib/fastcheck/fastcheck.db

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck server migrate: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v, err := backend.Migrate(ctx, *dbPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server migrate: %v\n", err)
		return exitError
	}
	fmt.Printf("%s %s: schema version %d\n", backend.Kind(*dbPath), backend.Describe(*dbPath), v)
	return exitOK
}

func auditJSON(r ledger.AuditReport) any {
	v := r.Violations
	if v == nil {
		v = []string{}
	}
	return map[string]any{
		"ok": r.OK(), "accounts": r.Accounts, "checks": r.Checks,
		"transactions": r.Transactions, "entries": r.Entries,
		"totals": r.Totals, "violations": v,
	}
}

func printAudit(r ledger.AuditReport) {
	fmt.Printf("accounts %d, checks %d, transactions %d, entries %d\n", r.Accounts, r.Checks, r.Transactions, r.Entries)
	for cur, t := range r.Totals {
		fmt.Printf("%s: users %s + active checks %s + pending withdrawals %s = inflows %s - outflows %s (escrow %s)\n", cur,
			api.FormatMinor(t.Users, cur), api.FormatMinor(t.Active, cur), api.FormatMinor(t.Pending, cur),
			api.FormatMinor(t.Inflows, cur), api.FormatMinor(t.Outflows, cur), api.FormatMinor(t.Escrow, cur))
	}
	if r.OK() {
		fmt.Println("OK: every invariant holds")
		return
	}
	fmt.Printf("VIOLATIONS: %d\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Println("  " + v)
	}
}

// defaultDBPath is under the user's XDG data dir.
func defaultDBPath() string { return filepath.Join(store.DataDir(), "fastcheck.db") }

func flagExit(err error) int {
	if err == flag.ErrHelp {
		return exitOK
	}
	return exitUsage
}
