package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/client"
)

// The money commands: balance, active, history, check, create, accept, cancel.

func balanceCommand() cliCommand {
	return cliCommand{
		name:    "balance",
		summary: tr.T("cli.balance.summary"),
		about:   tr.T("cli.balance.about"),
		examples: []string{
			"fastcheck balance",
			"fastcheck balance --json | jq .balance",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("balance", "cli.unexpectedarg", args[0])
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("balance", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				b, err := w.c.Balance(ctx)
				if err != nil {
					return failCLI("balance", err, w.set)
				}
				if g.json {
					return printJSON(b)
				}
				fmt.Println(tr.Tf("cli.balance.line", money(b.Balance, b.Currency)))
				return exitOK
			}
		},
	}
}

func activeCommand() cliCommand {
	return cliCommand{
		name:    "active",
		summary: tr.T("cli.active.summary"),
		about:   tr.T("cli.active.about"),
		examples: []string{
			"fastcheck active",
			"fastcheck active --json | jq -r '.checks[] | .fastcheck + \" \" + .code'",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("active", "cli.unexpectedarg", args[0])
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("active", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				checks, err := w.c.ActiveChecks(ctx)
				if err != nil {
					return failCLI("active", err, w.set)
				}
				if checks == nil {
					checks = []api.ActiveCheck{}
				}
				sort.SliceStable(checks, func(i, j int) bool {
					a, b := checks[i], checks[j]
					return newer(a.CreatedAt, a.Amount, a.Fastcheck, b.CreatedAt, b.Amount, b.Fastcheck)
				})
				if g.json {
					return printJSON(api.ActiveChecks{Checks: checks})
				}
				if len(checks) == 0 {
					fmt.Println(tr.T("cli.active.none"))
					return exitOK
				}
				t := table{head: []string{tr.T("cli.col.number"), tr.T("cli.col.amount"), tr.T("cli.col.code"), tr.T("cli.col.created"), tr.T("cli.col.expires"), tr.T("cli.col.status")}, right: map[int]bool{1: true}}
				sum := map[string]int64{}
				for _, c := range checks {
					status := stateWord(c.Status)
					if c.Locked {
						status = tr.T("cli.active.locked")
					}
					t.add(client.Sanitize(c.Fastcheck), money(c.Amount, c.Currency), client.Sanitize(c.Code), when(c.CreatedAt), when(c.Expiration), status)
					sum[c.Currency] += c.Amount
				}
				t.write(os.Stdout)
				fmt.Println("\n" + tr.N("cli.active.total", int64(len(checks)), len(checks), totals(sum)))
				return exitOK
			}
		},
	}
}

func historyCommand() cliCommand {
	return cliCommand{
		name:    "history",
		summary: tr.T("cli.history.summary"),
		about:   tr.T("cli.history.about"),
		examples: []string{
			"fastcheck history",
			"fastcheck history --type accepted --since 7d",
			"fastcheck history --status expired --since 2026-01-01 --until 2026-01-31 --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			typ := fs.String("type", "", tr.T("cli.history.flagtype"))
			status := fs.String("status", "", tr.T("cli.history.flagstatus"))
			since := fs.String("since", "", tr.T("cli.history.flagsince"))
			until := fs.String("until", "", tr.T("cli.history.flaguntil"))
			limit := fs.Int("limit", 0, tr.T("cli.history.flaglimit"))
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("history", "cli.unexpectedarg", args[0])
				}
				var f historyFilter
				var err error
				switch *typ {
				case "", api.TypeCreated, api.TypeAccepted:
					f.typ = *typ
				default:
					return usageError("history", "cli.history.badtype", *typ)
				}
				switch *status {
				case "", api.CheckUsed, api.CheckExpired, api.CheckCancelled:
					f.status = *status
				default:
					return usageError("history", "cli.history.badstatus", *status)
				}
				now := time.Now()
				if f.since, err = parseWhen(*since, false, now); err != nil {
					return usageError("history", "--since: %v", err)
				}
				if f.until, err = parseWhen(*until, true, now); err != nil {
					return usageError("history", "--until: %v", err)
				}
				if *limit < 0 {
					return usageError("history", "cli.history.badlimit")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("history", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				all, err := w.c.History(ctx)
				if err != nil {
					return failCLI("history", err, w.set)
				}
				rows := f.apply(all)
				if *limit > 0 && len(rows) > *limit {
					rows = rows[:*limit]
				}
				if g.json {
					return printJSON(api.HistoryChecks{Checks: rows})
				}
				if len(rows) == 0 {
					if len(all) == 0 {
						fmt.Println(tr.T("cli.history.none"))
					} else {
						fmt.Println(tr.N("cli.history.nomatch", int64(len(all)), len(all)))
					}
					return exitOK
				}
				t := table{head: []string{tr.T("cli.col.date"), tr.T("cli.col.type"), tr.T("cli.col.number"), tr.T("cli.col.amount"), tr.T("cli.col.status")}, right: map[int]bool{3: true}}
				for _, h := range rows {
					t.add(when(historyDate(h)), typeWord(h.Type), client.Sanitize(h.Fastcheck), money(h.Amount, h.Currency), stateWord(h.Status))
				}
				t.write(os.Stdout)
				return exitOK
			}
		},
	}
}

type historyFilter struct {
	typ, status  string
	since, until time.Time // zero: unbounded; until is exclusive
}

// apply filters rows and sorts them newest first.
func (f historyFilter) apply(all []api.HistoryCheck) []api.HistoryCheck {
	rows := []api.HistoryCheck{}
	for _, h := range all {
		if f.typ != "" && h.Type != f.typ || f.status != "" && h.Status != f.status {
			continue
		}
		if !f.since.IsZero() || !f.until.IsZero() {
			t, err := api.ParseTime(historyDate(h))
			if err != nil || !f.since.IsZero() && t.Before(f.since) || !f.until.IsZero() && !t.Before(f.until) {
				continue
			}
		}
		rows = append(rows, h)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		return newer(historyDate(a), a.Amount, a.Fastcheck, historyDate(b), b.Amount, b.Fastcheck)
	})
	return rows
}

// newer orders lists newest first; checks of the same second by larger
// amount, then by number, so the order never depends on the server's.
func newer(at1 string, amount1 int64, n1 string, at2 string, amount2 int64, n2 string) bool {
	t1, _ := api.ParseTime(at1)
	t2, _ := api.ParseTime(at2)
	switch {
	case !t1.Equal(t2):
		return t1.After(t2)
	case amount1 != amount2:
		return amount1 > amount2
	}
	return n1 < n2
}

// historyDate is when a history row's check ended for this user.
func historyDate(h api.HistoryCheck) string {
	for _, s := range []string{h.ResolvedAt, h.UsedAt, h.AcceptedAt, h.CreatedAt} {
		if s != "" {
			return s
		}
	}
	return ""
}

// parseWhen reads --since/--until: a date (local midnight; with end set,
// the midnight after it), an RFC 3339 time, today, yesterday, or an age
// (7d, 36h, 90m) before now.
func parseWhen(s string, end bool, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	day := func(t time.Time) time.Time {
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, now.Location())
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	switch s {
	case "":
		return time.Time{}, nil
	case "today":
		return day(now), nil
	case "yesterday":
		return day(now.AddDate(0, 0, -1)), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, now.Location()); err == nil {
		return day(t), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 && d <= 36500 {
			return now.AddDate(0, 0, -d), nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, errors.New(tr.Tf("cli.history.badwhen", api.Truncate(s, 40)))
}

func checkCommand() cliCommand {
	return cliCommand{
		name:     "check",
		synopsis: "NUMBER",
		summary:  tr.T("cli.check.summary"),
		about:    tr.T("cli.check.about"),
		examples: []string{
			"fastcheck check 1234-5678-0001",
			"fastcheck check '1234 5678 0001' --json | jq .Status",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) != 1 {
					return usageError("check", "cli.check.args")
				}
				n, err := checkNumberArg(args[0])
				if err != nil {
					return usageError("check", "%v", err)
				}
				_, set, err := g.settings()
				if err != nil {
					return failCLI("check", err, set)
				}
				c, err := newClient(set, nil, "")
				if err != nil {
					return failCLI("check", err, set)
				}
				ctx, stop := g.context(true)
				defer stop()
				st, err := c.CheckStatus(ctx, n)
				if err != nil {
					return failCLI("check", err, set)
				}
				if g.json {
					return printJSON(st)
				}
				kv := []string{tr.T("cli.check.number"), client.Sanitize(st.Fastcheck), tr.T("cli.check.status"), checkState(st)}
				if st.Currency != "" {
					kv = append(kv, tr.T("cli.check.amount"), money(st.Amount, st.Currency))
				}
				kv = append(kv, tr.T("cli.check.expires"), when(st.Expiration))
				fields(os.Stdout, kv...)
				return exitOK
			}
		},
	}
}

// checkState says in words what a check status means.
func checkState(st api.CheckStatus) string {
	switch {
	case st.Status:
		return tr.T("cli.check.canaccept")
	case st.State == api.CheckLocked:
		return tr.T("cli.check.locked")
	case st.State != "":
		return tr.Tf("cli.check.over", stateWord(st.State))
	}
	return tr.T("cli.check.inactive")
}

func createCommand() cliCommand {
	return cliCommand{
		name:     "create",
		synopsis: "AMOUNT [CURRENCY]",
		summary:  tr.T("cli.create.summary"),
		about:    tr.T("cli.create.about"),
		examples: []string{
			"fastcheck create 1580.00",
			"fastcheck create 25 RUB --json | jq -r '.fastcheck + \" \" + .code'",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) < 1 || len(args) > 2 {
					return usageError("create", "cli.create.args")
				}
				cur := ""
				if len(args) == 2 {
					cur = strings.ToUpper(strings.TrimSpace(args[1]))
					if err := api.CheckCurrency(cur); err != nil {
						return usageError("create", "cli.badcurrency", api.Truncate(cur, 16))
					}
					if _, err := api.ParseMajor(args[0], cur); err != nil {
						return usageError("create", "%s", tr.AmountProblem(args[0], cur))
					}
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("create", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				if cur == "" {
					b, err := w.c.Balance(ctx)
					if err != nil {
						return failCLI("create", err, w.set)
					}
					cur = b.Currency
				}
				amount, err := api.ParseMajor(args[0], cur)
				if err != nil {
					return usageError("create", "%s", tr.AmountProblem(args[0], cur))
				}
				res, err := w.c.CreateCheck(ctx, amount, cur)
				if err != nil {
					return failCLI("create", err, w.set)
				}
				if g.json {
					return printJSON(res)
				}
				if res.Currency == "" { // a server without the extension fields
					res.Amount, res.Currency = amount, cur
				}
				n := client.Sanitize(res.Fastcheck)
				fmt.Printf("%s\n\n", tr.Tf("cli.create.done", n))
				fields(os.Stdout,
					"  "+tr.T("cli.create.number"), n,
					"  "+tr.T("cli.check.code"), client.Sanitize(res.Code),
					"  "+tr.T("cli.check.amount"), money(res.Amount, res.Currency),
					"  "+tr.T("cli.check.expires"), when(res.Expiration))
				fmt.Printf("\n%s\n  fastcheck accept %s %s\n", tr.T("cli.create.give"), n, client.Sanitize(res.Code))
				return exitOK
			}
		},
	}
}

func acceptCommand() cliCommand {
	return cliCommand{
		name:     "accept",
		synopsis: "NUMBER CODE",
		summary:  tr.T("cli.accept.summary"),
		about:    tr.T("cli.accept.about"),
		examples: []string{
			"fastcheck accept 1234-5678-0001 0042",
			"fastcheck accept 1234-5678-0001 0042 --yes --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, tr.T("cli.accept.flagyes"))
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("accept", "cli.accept.args")
				}
				n, err := checkNumberArg(args[0])
				if err != nil {
					return usageError("accept", "%v", err)
				}
				code := strings.TrimSpace(args[1])
				if !api.ValidCheckCode(code) {
					return usageError("accept", "cli.accept.badcode")
				}
				if g.json && !*yes {
					return usageError("accept", "cli.jsonneedsyes")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("accept", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				st, err := w.c.CheckStatus(ctx, n)
				if err != nil {
					return failCLI("accept", err, w.set)
				}
				if !st.Status {
					return failCLI("accept", errors.New(tr.Tf("cli.accept.notactive", n, checkState(st))), w.set)
				}
				question := tr.Tf("cli.accept.ask", n)
				if st.Currency != "" {
					question = tr.Tf("cli.accept.askamount", n, money(st.Amount, st.Currency))
				}
				if !*yes {
					ok, err := confirm(os.Stdin, os.Stdout, question+" "+tr.T("cli.yesno")+" ")
					if err != nil {
						return failCLI("accept", err, w.set)
					}
					if !ok {
						fmt.Println(tr.T("cli.accept.no"))
						return exitError
					}
				}
				res, err := w.c.AcceptCheck(ctx, n, code)
				if err != nil {
					return failCLI("accept", err, w.set)
				}
				out := acceptResult{Message: res.Message, Fastcheck: n, Amount: res.Amount, Currency: res.Currency, Balance: res.Balance}
				if out.Currency == "" {
					out.Amount, out.Currency = st.Amount, st.Currency
				}
				if g.json {
					return printJSON(out)
				}
				fmt.Println(tr.Tf("cli.accept.done", n, money(out.Amount, out.Currency)))
				if out.Balance != nil {
					fmt.Println(tr.Tf("cli.balance.line", money(*out.Balance, out.Currency)))
				}
				return exitOK
			}
		},
	}
}

type acceptResult struct {
	Message   string `json:"message"`
	Fastcheck string `json:"fastcheck"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Balance   *int64 `json:"balance,omitempty"`
}

func cancelCommand() cliCommand {
	return cliCommand{
		name:     "cancel",
		synopsis: "NUMBER",
		summary:  tr.T("cli.cancel.summary"),
		about:    tr.T("cli.cancel.about"),
		examples: []string{
			"fastcheck cancel 1234-5678-0001",
			"fastcheck cancel 1234-5678-0001 --yes --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, tr.T("cli.cancel.flagyes"))
			return func(args []string) int {
				if len(args) != 1 {
					return usageError("cancel", "cli.check.args")
				}
				n, err := checkNumberArg(args[0])
				if err != nil {
					return usageError("cancel", "%v", err)
				}
				if g.json && !*yes {
					return usageError("cancel", "cli.jsonneedsyes")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("cancel", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				if !*yes {
					question := tr.Tf("cli.cancel.ask", n)
					if st, err := w.c.CheckStatus(ctx, n); err == nil && st.Currency != "" {
						question = tr.Tf("cli.cancel.askamount", n, money(st.Amount, st.Currency))
					} else if errors.Is(err, client.ErrNotFound) {
						return failCLI("cancel", err, w.set)
					}
					ok, err := confirm(os.Stdin, os.Stdout, question+" "+tr.T("cli.yesno")+" ")
					if err != nil {
						return failCLI("cancel", err, w.set)
					}
					if !ok {
						fmt.Println(tr.T("cli.cancel.no"))
						return exitError
					}
				}
				res, err := w.c.CancelCheck(ctx, n)
				if err != nil {
					return failCLI("cancel", err, w.set)
				}
				if g.json {
					return printJSON(res)
				}
				fmt.Println(tr.Tf("cli.cancel.done", n, money(res.Amount, res.Currency)))
				fmt.Println(tr.Tf("cli.balance.line", money(res.Balance, res.Currency)))
				return exitOK
			}
		},
	}
}

// word is a JSON value (a state, a type, a status) in words: the message
// ids names for it, else the value itself, sanitized.
func word(ids map[string]string, v string) string {
	if id, ok := ids[v]; ok {
		return tr.T(id)
	}
	return client.Sanitize(v)
}

// stateWord is a check's state (active, used, expired, cancelled, locked)
// in words; typeWord a history row's type (created, accepted).
func stateWord(state string) string { return word(stateIDs, state) }
func typeWord(typ string) string    { return word(typeIDs, typ) }

var stateIDs = map[string]string{
	api.CheckActive:    "cli.state.active",
	api.CheckUsed:      "cli.state.used",
	api.CheckExpired:   "cli.state.expired",
	api.CheckCancelled: "cli.state.cancelled",
	api.CheckLocked:    "cli.state.locked",
}

var typeIDs = map[string]string{api.TypeCreated: "cli.type.created", api.TypeAccepted: "cli.type.accepted"}
