package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/ledger"
	"fastcheck/ledger/backend"
	"fastcheck/server"
)

// Support staff: `fastcheck support` (the read-only staff view, in the
// wallet's TUI or as commands) and `fastcheck server audit-log` (what
// staff read).

// staffList is the server's staff: the userIds given to --staff (comma
// separated), and with demo the demo's "support" identity.
func staffList(flagValue string, demo bool) []string {
	var ids []string
	if demo {
		ids = server.DemoStaff()
	}
	for _, id := range strings.Split(flagValue, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func supportCommand(tuiArgs []string) cliCommand {
	return cliCommand{
		name:     "support",
		synopsis: "[find PREFIX | account USERID | check NUMBER]",
		summary:  "the read-only staff view: find accounts, read an account, look up any check",
		about: `For support staff: the server lists their userIds (fastcheck server --staff).
Staff log in with the same QR as everyone (fastcheck login); anyone else
gets "forbidden". Everything here only reads, and the server writes every
read to its staff audit log (fastcheck server audit-log) before it reads.
Check codes are never shown.

With no subcommand it opens the wallet's full-screen staff view (marked
STAFF, read-only): search accounts by userId prefix, read one (balance,
active checks, history, failed accepts and locked checks), look up a check.
With --demo it starts the embedded demo server and logs in as its demo
"support" identity.

  find PREFIX      accounts whose userId starts with PREFIX (at least 4
                   characters); at most 50, and says when there are more
  account USERID   an account: balance, active checks (locked ones marked),
                   history and failed accepts of the last 7 days
  check NUMBER     any check: amount, state, creator, redeemer, wrong codes`,
		examples: []string{
			"fastcheck login --profile staff          # the phone of a staff member approves",
			"fastcheck support --profile staff",
			"fastcheck support find Tx9k --profile staff",
			"fastcheck support account 'Tx9k…(43 characters)' --json --profile staff",
			"fastcheck support check 1234-5678-0001 --profile staff",
			"fastcheck support --demo                 # the staff view of the demo",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			demo := fs.Bool("demo", false, "the full-screen view of an embedded demo server, as its \"support\" identity")
			return func(args []string) int {
				if len(args) == 0 {
					if *demo {
						return cmdSupportDemo(tuiArgs)
					}
					return cmdWallet(append([]string{"--support"}, tuiArgs...))
				}
				if *demo {
					return usageError("support", "--demo opens the full-screen view; it takes no subcommand")
				}
				switch sub, rest := args[0], args[1:]; {
				case sub == "find" && len(rest) == 1:
					return supportFind(g, rest[0])
				case sub == "account" && len(rest) == 1:
					return supportAccount(g, rest[0])
				case sub == "check" && len(rest) == 1:
					return supportCheck(g, rest[0])
				case sub == "find" || sub == "account" || sub == "check":
					return usageError("support", "%s takes one argument", sub)
				default:
					return usageError("support", "unknown subcommand %q (find, account, check)", api.Truncate(sub, 40))
				}
			}
		},
	}
}

// cmdSupport runs `fastcheck support`: the full-screen staff view, or one
// of its commands.
func cmdSupport(args []string) int {
	return runCLI(supportCommand(args), args)
}

// staffRead runs one staff read for a CLI subcommand and prints its
// answer: as JSON with --json, else with human.
func staffRead[T any](g *globals, read func(ctx context.Context, c *client.Client) (T, error), human func(T)) int {
	w, err := g.loggedIn()
	if err != nil {
		return failCLI("support", err, w.set)
	}
	ctx, stop := g.context(true)
	defer stop()
	v, err := read(ctx, w.c)
	if err != nil {
		return failCLI("support", err, w.set)
	}
	if g.json {
		return printJSON(v)
	}
	human(v)
	return exitOK
}

func supportFind(g *globals, prefix string) int {
	if err := api.CheckUserIDPrefix(prefix); err != nil {
		return usageError("support", "%v", err)
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffAccounts, error) {
		found, more, err := c.StaffFindAccounts(ctx, prefix)
		if found == nil {
			found = []api.StaffAccountRow{}
		}
		return api.StaffAccounts{Accounts: found, More: more}, err
	}, func(res api.StaffAccounts) {
		if len(res.Accounts) == 0 {
			fmt.Println("No account's userId starts with " + prefix + ".")
			return
		}
		t := table{head: []string{"USERID", "BALANCE", "OPENED"}, right: map[int]bool{1: true}}
		for _, a := range res.Accounts {
			t.add(client.Sanitize(a.UserID), money(a.Balance, a.Currency), when(a.CreatedAt))
		}
		t.write(os.Stdout)
		fmt.Print("\n" + tr.N("cli.support.accounts", int64(len(res.Accounts)), len(res.Accounts)))
		if res.More {
			fmt.Print(" More match: give a longer prefix.")
		}
		fmt.Println()
	})
}

func supportAccount(g *globals, userID string) int {
	if _, err := api.ParseUserID(userID); err != nil {
		return usageError("support", "%v", err)
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffAccount, error) {
		return c.StaffAccount(ctx, userID)
	}, func(a api.StaffAccount) {
		fields(os.Stdout, "Account", client.Sanitize(a.UserID), "Balance", money(a.Balance, a.Currency), "Opened", when(a.CreatedAt))
		fmt.Printf("\nActive checks (%d):\n", len(a.Active))
		if len(a.Active) > 0 {
			t := table{head: []string{"NUMBER", "AMOUNT", "STATE", "WRONG CODES", "CREATED", "EXPIRES"}, right: map[int]bool{1: true, 3: true}}
			for _, ch := range a.Active {
				t.add(client.Sanitize(ch.Fastcheck), money(ch.Amount, ch.Currency), client.Sanitize(ch.State),
					strconv.Itoa(ch.FailedAttempts), when(ch.CreatedAt), when(ch.Expiration))
			}
			t.write(os.Stdout)
		}
		more := ""
		if a.HistoryMore {
			more = ", the newest; there is more"
		}
		fmt.Printf("\nHistory (%d%s):\n", len(a.History), more)
		if len(a.History) > 0 {
			t := table{head: []string{"NUMBER", "AMOUNT", "STATE", "ROLE", "RESOLVED"}, right: map[int]bool{1: true}}
			for _, ch := range a.History {
				role := "created"
				if ch.Creator != a.UserID {
					role = "accepted"
				}
				t.add(client.Sanitize(ch.Fastcheck), money(ch.Amount, ch.Currency), client.Sanitize(ch.State), role, when(ch.ResolvedAt))
			}
			t.write(os.Stdout)
		}
		fmt.Printf("\nFailed accepts, last 7 days (%d):\n", len(a.FailedAccepts))
		if len(a.FailedAccepts) > 0 {
			t := table{head: []string{"WHEN", "NUMBER", "REASON"}}
			for _, f := range a.FailedAccepts {
				t.add(when(f.At), client.Sanitize(f.Fastcheck), strings.ReplaceAll(client.Sanitize(f.Reason), "_", " "))
			}
			t.write(os.Stdout)
		}
	})
}

func supportCheck(g *globals, number string) int {
	n, err := checkNumberArg(number)
	if err != nil {
		return usageError("support", "%v", err)
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffCheck, error) {
		return c.StaffCheck(ctx, n)
	}, func(ch api.StaffCheck) {
		redeemer := client.Sanitize(ch.Redeemer)
		if redeemer == "" {
			redeemer = "-"
		}
		fields(os.Stdout,
			"Check", client.Sanitize(ch.Fastcheck),
			"Amount", money(ch.Amount, ch.Currency),
			"State", client.Sanitize(ch.State),
			"Wrong codes", fmt.Sprintf("%d of %d", ch.FailedAttempts, ledger.MaxCodeFailures),
			"Created by", client.Sanitize(ch.Creator),
			"Accepted by", redeemer,
			"Created", when(ch.CreatedAt),
			"Expires", when(ch.Expiration),
			"Resolved", when(ch.ResolvedAt),
		)
	})
}

// cmdServerAuditLog prints the staff audit log.
func cmdServerAuditLog(args []string) int {
	fs := flag.NewFlagSet("fastcheck server audit-log", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDBPath(), tr.T("cli.server.flagdb"))
	since := fs.String("since", "", "only entries from this `TIME` on: a date (2026-01-19), an RFC 3339 time, today, yesterday, or an age (7d, 36h)")
	limit := fs.Int("limit", 0, "print at most `N` entries, the oldest first (0: all)")
	asJSON := fs.Bool("json", false, "print the entries as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: fastcheck server audit-log --db PATH|URL [--since TIME] [--limit N] [--json]

Prints the staff audit log: every read support staff made through the staff
API (who, when, what, which account or check, from which address), oldest
first. The log is kept in the ledger's database, and the database refuses
to change or delete its entries. (The ledger's own check is "server audit".)

Examples:
  fastcheck server audit-log --db ~/.local/share/fastcheck/fastcheck.db --since 7d
  fastcheck server audit-log --db 'postgres://fastcheck@db:5432/fastcheck' --json

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageError("server audit-log", "unexpected argument %q", api.Truncate(fs.Arg(0), 40))
	}
	from, err := parseWhen(*since, false, time.Now())
	if err != nil {
		return usageError("server audit-log", "--since: %v", err)
	}
	if *limit < 0 {
		return usageError("server audit-log", "--limit must not be negative")
	}
	st, ok := openExisting("server audit-log", *dbPath)
	if !ok {
		return exitError
	}
	defer st.Close()
	log, ok := st.(ledger.Staff)
	if !ok {
		fmt.Fprintf(os.Stderr, "fastcheck server audit-log: this backend keeps no staff audit log\n")
		return exitError
	}
	entries, err := log.StaffReads(context.Background(), from, *limit)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck server audit-log: %v\n", err)
		return exitError
	}
	if *asJSON {
		out := make([]auditLogRow, 0, len(entries))
		for _, e := range entries {
			out = append(out, auditLogRow{ID: e.ID, At: api.FormatTime(e.At), Staff: e.Staff, Action: e.Action, Subject: e.Subject, ClientIP: e.ClientIP})
		}
		return printJSON(map[string]any{"entries": out})
	}
	if len(entries) == 0 {
		fmt.Println("No staff reads.")
		return exitOK
	}
	t := table{head: []string{"ID", "WHEN (UTC)", "STAFF", "READ", "WHAT", "FROM"}, right: map[int]bool{0: true}}
	for _, e := range entries {
		t.add(strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02 15:04:05"), client.Sanitize(e.Staff),
			e.Action, client.Sanitize(e.Subject), client.Sanitize(e.ClientIP))
	}
	t.write(os.Stdout)
	fmt.Println("\n" + tr.N("cli.auditlog.reads", int64(len(entries)), len(entries)))
	return exitOK
}

// openExisting opens the ledger named by db for an offline tool: an SQLite
// file must exist already (a typo must not create an empty database). On
// failure it has said why.
func openExisting(cmd, db string) (ledger.Store, bool) {
	if backend.Kind(db) == backend.SQLite {
		if _, err := os.Stat(db); err != nil {
			fmt.Fprintf(os.Stderr, "fastcheck %s: %v\n", cmd, err)
			return nil, false
		}
	}
	st, err := backend.Open(context.Background(), db)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fastcheck %s: %v\n", cmd, err)
		return nil, false
	}
	return st, true
}

// auditLogRow is one entry of `server audit-log --json`.
type auditLogRow struct {
	ID       int64  `json:"id"`
	At       string `json:"at"`
	Staff    string `json:"staff"`
	Action   string `json:"action"`
	Subject  string `json:"subject"`
	ClientIP string `json:"clientIp"`
}

// cmdSupportDemo is `fastcheck support --demo`: the embedded demo server
// and the staff view against it, logging in as the demo's "support".
func cmdSupportDemo(args []string) int {
	fs := flag.NewFlagSet("fastcheck support", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Bool("demo", true, "")
	if err := fs.Parse(args); err != nil {
		return usageError("support", "%v", err)
	}
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("support", "the staff view needs a terminal; for scripts use find, account and check")
	}
	ctx, stop := (&globals{}).context(false)
	defer stop()
	return runDemo(ctx, "127.0.0.1:8080", "", tr.Lang(), true, os.Stderr)
}
