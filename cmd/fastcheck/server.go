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
	addr := fs.String("addr", "127.0.0.1:8080", tr.T("cli.server.flagaddr"))
	dbPath := fs.String("db", defaultDBPath(), tr.T("cli.server.flagdb"))
	demo := fs.Bool("demo", false, tr.Tf("cli.server.flagdemo", tr.Money(15000000, "RUB")))
	basePath := fs.String("base-path", "/api", tr.T("cli.server.flagbasepath"))
	wsTTL := fs.Duration("websession-ttl", server.DefaultWebsessionTTL, tr.T("cli.server.flagwsttl"))
	sessTTL := fs.Duration("session-ttl", server.DefaultSessionTTL, tr.T("cli.server.flagsessttl"))
	checkTTL := fs.Duration("check-ttl", server.DefaultCheckTTL, tr.T("cli.server.flagcheckttl"))
	publicURL := fs.String("public-url", "", tr.T("cli.server.flagpublicurl"))
	trustProxy := fs.Bool("trust-proxy", false, tr.T("cli.server.flagtrustproxy"))
	logLevel := fs.String("log-level", "info", tr.T("cli.server.flagloglevel"))
	staff := fs.String("staff", "", tr.T("cli.server.flagstaff"))
	payFlags := registerPaymentFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.server.usage")+`

`+tr.T("cli.help.examples")+`
  fastcheck server --demo        # `+tr.T("cli.server.example")+`
  FASTCHECK_BRIACOIN_SECRET=... fastcheck server --briacoin-url https://api.briacoin.com/api/ \
      --briacoin-account 42 --briacoin-rate "1 coin = 100.00 RUB" --public-url https://fastcheck.example
  fastcheck server --addr 127.0.0.1:9090 --db /tmp/fc.db --check-ttl 24h
  fastcheck server --db 'postgres://fastcheck@db:5432/fastcheck?sslmode=disable'
  fastcheck server audit --db ~/.local/share/fastcheck/fastcheck.db

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck server: %s\n", tr.Tf("cli.unexpectedarg", fs.Arg(0)))
		return exitUsage
	}
	bp, err := server.CleanBasePath(*basePath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server: %s\n", tr.Tf("cli.server.badbasepath", api.Truncate(*basePath, 32)))
		return exitUsage
	}
	*basePath = bp
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server: %s\n", tr.Tf("cli.server.badloglevel", api.Truncate(*logLevel, 32)))
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
	dbPath := fs.String("db", defaultDBPath(), tr.T("cli.server.flagdb"))
	asJSON := fs.Bool("json", false, tr.T("cli.server.flagauditjson"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.server.auditusage")+"\n\n"+examples(
			"fastcheck server audit --db ~/.local/share/fastcheck/fastcheck.db",
			"fastcheck server audit --db 'postgres://fastcheck@db:5432/fastcheck' --json | jq .violations",
			"fastcheck server audit --db /tmp/fc.db || echo 'the ledger needs a look'",
		)+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
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

func cmdServerMigrate(args []string) int {
	fs := flag.NewFlagSet("fastcheck server migrate", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDBPath(), tr.T("cli.server.flagdb"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.server.migrateusage")+`

`+tr.T("cli.help.examples")+`
  fastcheck server migrate --db 'postgres://fastcheck@db:5432/fastcheck?sslmode=disable'
  fastcheck server migrate --db /var/lib/fastcheck/fastcheck.db

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fastcheck server migrate: %s\n", tr.Tf("cli.unexpectedarg", fs.Arg(0)))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v, err := backend.Migrate(ctx, *dbPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server migrate: %v\n", err)
		return exitError
	}
	fmt.Println(tr.Tf("cli.server.migrated", backend.Kind(*dbPath), backend.Describe(*dbPath), v))
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
	fmt.Println(tr.Tf("cli.audit.counts", r.Accounts, r.Checks, r.Transactions, r.Entries))
	for cur, t := range r.Totals {
		fmt.Println(tr.Tf("cli.audit.totals", cur,
			tr.Money(t.Users, cur), tr.Money(t.Active, cur), tr.Money(t.Pending, cur),
			tr.Money(t.Inflows, cur), tr.Money(t.Outflows, cur), tr.Money(t.Escrow, cur)))
	}
	if r.OK() {
		fmt.Println(tr.T("cli.audit.ok"))
		return
	}
	fmt.Println(tr.Tf("cli.audit.violations", len(r.Violations)))
	for _, v := range r.Violations {
		fmt.Println("  " + v)
	}
}

// defaultDBPath is under the user's XDG data dir.
func defaultDBPath() string { return filepath.Join(store.DataDir(), "fastcheck.db") }
