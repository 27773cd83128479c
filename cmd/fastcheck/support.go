package main

import (
	"context"
	"flag"
	"fmt"
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
		summary:  tr.T("cli.support.summary"),
		about:    tr.T("cli.support.about"),
		examples: []string{
			"fastcheck login --profile staff          # " + tr.T("cli.support.example1"),
			"fastcheck support --profile staff",
			"fastcheck support find Tx9k --profile staff",
			"fastcheck support account 'Tx9k…(43 characters)' --json --profile staff",
			"fastcheck support check 1234-5678-0001 --profile staff",
			"fastcheck support --demo                 # " + tr.T("cli.support.example2"),
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			demo := fs.Bool("demo", false, tr.T("cli.support.flagdemo"))
			addr := fs.String("addr", "127.0.0.1:8080", tr.T("cli.support.flagaddr"))
			return func(args []string) int {
				if len(args) == 0 {
					if *demo {
						return cmdSupportDemo(*addr)
					}
					return cmdWallet(append([]string{"--support"}, tuiArgs...))
				}
				if *demo {
					return usageError("support", "cli.support.demosub")
				}
				switch sub, rest := args[0], args[1:]; {
				case sub == "find" && len(rest) == 1:
					return supportFind(g, rest[0])
				case sub == "account" && len(rest) == 1:
					return supportAccount(g, rest[0])
				case sub == "check" && len(rest) == 1:
					return supportCheck(g, rest[0])
				case sub == "find" || sub == "account" || sub == "check":
					return usageError("support", "cli.support.onearg", sub)
				default:
					return usageError("support", "cli.support.unknownsub", api.Truncate(sub, 40))
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
		return usageError("support", "cli.support.badprefix", api.Truncate(prefix, 50))
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffAccounts, error) {
		found, more, err := c.StaffFindAccounts(ctx, prefix)
		if found == nil {
			found = []api.StaffAccountRow{}
		}
		return api.StaffAccounts{Accounts: found, More: more}, err
	}, func(res api.StaffAccounts) {
		if len(res.Accounts) == 0 {
			fmt.Println(tr.Tf("cli.support.nomatch", client.Sanitize(prefix)))
			return
		}
		t := table{head: []string{"USERID", tr.T("cli.support.colbalance"), tr.T("cli.support.colopened")}, right: map[int]bool{1: true}}
		for _, a := range res.Accounts {
			t.add(client.Sanitize(a.UserID), money(a.Balance, a.Currency), when(a.CreatedAt))
		}
		t.write(os.Stdout)
		fmt.Print("\n" + tr.N("cli.support.accounts", int64(len(res.Accounts)), len(res.Accounts)))
		if res.More {
			fmt.Print(" " + tr.T("cli.support.more"))
		}
		fmt.Println()
	})
}

func supportAccount(g *globals, userID string) int {
	if _, err := api.ParseUserID(userID); err != nil {
		return usageError("support", "cli.support.baduserid", api.Truncate(userID, 50))
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffAccount, error) {
		return c.StaffAccount(ctx, userID)
	}, func(a api.StaffAccount) {
		fields(os.Stdout, tr.T("cli.support.account"), client.Sanitize(a.UserID), tr.T("cli.support.balance"), money(a.Balance, a.Currency), tr.T("cli.support.opened"), when(a.CreatedAt))
		fmt.Println("\n" + tr.Tf("cli.support.active", len(a.Active)))
		if len(a.Active) > 0 {
			t := table{head: []string{tr.T("cli.col.number"), tr.T("cli.col.amount"), tr.T("cli.col.status"), tr.T("cli.support.colwrong"), tr.T("cli.col.created"), tr.T("cli.col.expires")}, right: map[int]bool{1: true, 3: true}}
			for _, ch := range a.Active {
				t.add(client.Sanitize(ch.Fastcheck), money(ch.Amount, ch.Currency), stateWord(ch.State),
					strconv.Itoa(ch.FailedAttempts), when(ch.CreatedAt), when(ch.Expiration))
			}
			t.write(os.Stdout)
		}
		if a.HistoryMore {
			fmt.Println("\n" + tr.Tf("cli.support.historymore", len(a.History)))
		} else {
			fmt.Println("\n" + tr.Tf("cli.support.history", len(a.History)))
		}
		if len(a.History) > 0 {
			t := table{head: []string{tr.T("cli.col.number"), tr.T("cli.col.amount"), tr.T("cli.col.status"), tr.T("cli.support.colrole"), tr.T("cli.support.colresolved")}, right: map[int]bool{1: true}}
			for _, ch := range a.History {
				role := typeWord(api.TypeCreated)
				if ch.Creator != a.UserID {
					role = typeWord(api.TypeAccepted)
				}
				t.add(client.Sanitize(ch.Fastcheck), money(ch.Amount, ch.Currency), stateWord(ch.State), role, when(ch.ResolvedAt))
			}
			t.write(os.Stdout)
		}
		fmt.Println("\n" + tr.Tf("cli.support.failed", len(a.FailedAccepts)))
		if len(a.FailedAccepts) > 0 {
			t := table{head: []string{tr.T("cli.support.colwhen"), tr.T("cli.col.number"), tr.T("cli.support.colreason")}}
			for _, f := range a.FailedAccepts {
				t.add(when(f.At), client.Sanitize(f.Fastcheck), reasonWord(f.Reason))
			}
			t.write(os.Stdout)
		}
	})
}

func supportCheck(g *globals, number string) int {
	n, err := checkNumberArg(number)
	if err != nil {
		return usageError("support", "%s", describe(err))
	}
	return staffRead(g, func(ctx context.Context, c *client.Client) (api.StaffCheck, error) {
		return c.StaffCheck(ctx, n)
	}, func(ch api.StaffCheck) {
		redeemer := client.Sanitize(ch.Redeemer)
		if redeemer == "" {
			redeemer = "-"
		}
		fields(os.Stdout,
			tr.T("cli.check.number"), client.Sanitize(ch.Fastcheck),
			tr.T("cli.check.amount"), money(ch.Amount, ch.Currency),
			tr.T("cli.check.status"), stateWord(ch.State),
			tr.T("cli.support.wrongcodes"), tr.Tf("cli.support.wrongof", ch.FailedAttempts, ledger.MaxCodeFailures),
			tr.T("cli.support.createdby"), client.Sanitize(ch.Creator),
			tr.T("cli.support.acceptedby"), redeemer,
			tr.T("cli.support.created"), when(ch.CreatedAt),
			tr.T("cli.check.expires"), when(ch.Expiration),
			tr.T("cli.support.resolved"), when(ch.ResolvedAt),
		)
	})
}

// cmdServerAuditLog prints the staff audit log.
func cmdServerAuditLog(args []string) int {
	fs := flag.NewFlagSet("fastcheck server audit-log", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDBPath(), tr.T("cli.server.flagdb"))
	since := fs.String("since", "", tr.T("cli.auditlog.flagsince"))
	limit := fs.Int("limit", 0, tr.T("cli.auditlog.flaglimit"))
	asJSON := fs.Bool("json", false, tr.T("cli.auditlog.flagjson"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.auditlog.usage")+`

`+tr.T("cli.help.examples")+`
  fastcheck server audit-log --db ~/.local/share/fastcheck/fastcheck.db --since 7d
  fastcheck server audit-log --db 'postgres://fastcheck@db:5432/fastcheck' --json

`+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError("server audit-log", "cli.unexpectedarg", api.Truncate(fs.Arg(0), 40))
	}
	from, err := parseWhen(*since, false, time.Now())
	if err != nil {
		return usageError("server audit-log", "--since: %v", err)
	}
	if *limit < 0 {
		return usageError("server audit-log", "cli.history.badlimit")
	}
	st, ok := openExisting("server audit-log", *dbPath)
	if !ok {
		return exitError
	}
	defer st.Close()
	log, ok := st.(ledger.Staff)
	if !ok {
		fmt.Fprintln(os.Stderr, "fastcheck server audit-log: "+tr.T("cli.auditlog.nolog"))
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
		fmt.Println(tr.T("cli.auditlog.none"))
		return exitOK
	}
	t := table{head: []string{"ID", tr.T("cli.auditlog.colwhen"), tr.T("cli.auditlog.colstaff"), tr.T("cli.auditlog.colread"), tr.T("cli.auditlog.colwhat"), tr.T("cli.auditlog.colfrom")}, right: map[int]bool{0: true}}
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
// at addr (any free port if that one is taken) and the staff view against
// it, logging in as the demo's "support".
func cmdSupportDemo(addr string) int {
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError("support", "cli.support.noterminal")
	}
	ctx, stop := (&globals{}).context(false)
	defer stop()
	return runDemo(ctx, addr, "", tr.Lang(), true, os.Stderr)
}

// reasonWord is a failed accept's reason (a JSON value) in words.
func reasonWord(reason string) string {
	return strings.ReplaceAll(word(map[string]string{"wrong_code": "cli.support.wrongcode", "not_found": "cli.support.notfound"}, reason), "_", " ")
}
