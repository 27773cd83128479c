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
		summary: "show your balance",
		about: `Shows the balance of the logged-in account. --json prints the API's answer:
{"balance": <minor units>, "currency": "RUB"}.`,
		examples: []string{
			"fastcheck balance",
			"fastcheck balance --json | jq .balance",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("balance", "unexpected argument %q", args[0])
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
				fmt.Printf("Balance: %s\n", money(b.Balance, b.Currency))
				return exitOK
			}
		},
	}
}

func activeCommand() cliCommand {
	return cliCommand{
		name:    "active",
		summary: "list your active checks, with their codes",
		about: `Lists the checks you created that nobody has accepted yet, with their codes,
newest first. A locked check (too many wrong codes) can only be cancelled.
--json prints {"checks": [...]} with the API's fields.`,
		examples: []string{
			"fastcheck active",
			"fastcheck active --json | jq -r '.checks[] | .fastcheck + \" \" + .code'",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("active", "unexpected argument %q", args[0])
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
					fmt.Println("No active checks.")
					return exitOK
				}
				t := table{head: []string{"NUMBER", "AMOUNT", "CODE", "CREATED", "EXPIRES", "STATUS"}, right: map[int]bool{1: true}}
				sum := map[string]int64{}
				for _, c := range checks {
					status := client.Sanitize(c.Status)
					if c.Locked {
						status = "locked (cancel it to get the money back)"
					}
					t.add(client.Sanitize(c.Fastcheck), money(c.Amount, c.Currency), client.Sanitize(c.Code), when(c.CreatedAt), when(c.Expiration), status)
					sum[c.Currency] += c.Amount
				}
				t.write(os.Stdout)
				fmt.Printf("\n%s, %s in total.\n", plural(len(checks), "active check", "active checks"), totals(sum))
				return exitOK
			}
		},
	}
}

func historyCommand() cliCommand {
	return cliCommand{
		name:    "history",
		summary: "list used, expired and cancelled checks you created or accepted",
		about: `Lists the checks that are over: used, expired or cancelled, both those you
created and those you accepted, newest first. DATE is when the check was
used, accepted, expired or cancelled; --since and --until filter on it and
take a date (2026-01-19, local time), an RFC 3339 time, "today",
"yesterday", or an age such as 7d or 36h. --until's date is inclusive.
--json prints {"checks": [...]} with the API's fields, filtered the same way.`,
		examples: []string{
			"fastcheck history",
			"fastcheck history --type accepted --since 7d",
			"fastcheck history --status expired --since 2026-01-01 --until 2026-01-31 --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			typ := fs.String("type", "", "only checks of this `TYPE`: created|accepted")
			status := fs.String("status", "", "only checks in this `STATE`: used|expired|cancelled")
			since := fs.String("since", "", "only checks that ended at or after `WHEN` (a date, time or age)")
			until := fs.String("until", "", "only checks that ended on or before `WHEN`")
			limit := fs.Int("limit", 0, "show at most `N` checks (newest first); 0 means all")
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("history", "unexpected argument %q", args[0])
				}
				var f historyFilter
				var err error
				switch *typ {
				case "", api.TypeCreated, api.TypeAccepted:
					f.typ = *typ
				default:
					return usageError("history", "--type must be created or accepted, not %q", *typ)
				}
				switch *status {
				case "", api.CheckUsed, api.CheckExpired, api.CheckCancelled:
					f.status = *status
				default:
					return usageError("history", "--status must be used, expired or cancelled, not %q", *status)
				}
				now := time.Now()
				if f.since, err = parseWhen(*since, false, now); err != nil {
					return usageError("history", "--since: %v", err)
				}
				if f.until, err = parseWhen(*until, true, now); err != nil {
					return usageError("history", "--until: %v", err)
				}
				if *limit < 0 {
					return usageError("history", "--limit must not be negative")
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
						fmt.Println("No history yet.")
					} else {
						fmt.Printf("No checks match (%s in the history).\n", plural(len(all), "check", "checks"))
					}
					return exitOK
				}
				t := table{head: []string{"DATE", "TYPE", "NUMBER", "AMOUNT", "STATUS"}, right: map[int]bool{3: true}}
				for _, h := range rows {
					t.add(when(historyDate(h)), client.Sanitize(h.Type), client.Sanitize(h.Fastcheck), money(h.Amount, h.Currency), client.Sanitize(h.Status))
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
	return time.Time{}, fmt.Errorf("%q is not a date (2026-01-19), a time (2026-01-19T09:08:18Z), today, yesterday or an age (7d, 36h)", api.Truncate(s, 40))
}

func checkCommand() cliCommand {
	return cliCommand{
		name:     "check",
		synopsis: "NUMBER",
		summary:  "look up a check's public status (no login needed)",
		about: `Shows whether a check can still be accepted, and what it holds. The number
may be typed loosely (1234 5678 0001, 123456780001). No login is needed.
Exits 4 when there is no such check. --json prints the API's answer.`,
		examples: []string{
			"fastcheck check 1234-5678-0001",
			"fastcheck check '1234 5678 0001' --json | jq .Status",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) != 1 {
					return usageError("check", "give one check number, like 1234-5678-0001")
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
				kv := []string{"Check", client.Sanitize(st.Fastcheck), "Status", checkState(st)}
				if st.Currency != "" {
					kv = append(kv, "Amount", money(st.Amount, st.Currency))
				}
				kv = append(kv, "Expires", when(st.Expiration))
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
		return "active: it can be accepted"
	case st.State == api.CheckLocked:
		return "locked after too many wrong codes; only its creator can cancel it"
	case st.State != "":
		return client.Sanitize(st.State) + ": it can no longer be accepted"
	}
	return "not active: it can no longer be accepted"
}

func createCommand() cliCommand {
	return cliCommand{
		name:     "create",
		synopsis: "AMOUNT [CURRENCY]",
		summary:  "create a check: move money from your balance into a new check",
		about: `Creates a check holding AMOUNT, in major units (1580, 1580.00, 1,580.00 or
1 580,00), parsed exactly with the currency's decimals. CURRENCY defaults
to your balance's. Prints the check's number and code: give both to the
person who should get the money. --json prints the API's answer
(fastcheck, code, expiration, amount in minor units, currency).`,
		examples: []string{
			"fastcheck create 1580.00",
			"fastcheck create 25 RUB --json | jq -r '.fastcheck + \" \" + .code'",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) < 1 || len(args) > 2 {
					return usageError("create", "give an amount and optionally a currency, like: fastcheck create 1580.00 RUB")
				}
				cur := ""
				if len(args) == 2 {
					cur = strings.ToUpper(strings.TrimSpace(args[1]))
					if err := api.CheckCurrency(cur); err != nil {
						return usageError("create", "%v", err)
					}
					if _, err := api.ParseMajor(args[0], cur); err != nil {
						return usageError("create", "%v", err)
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
					return usageError("create", "%v", err)
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
				fmt.Printf("Created check %s.\n\n", n)
				fields(os.Stdout,
					"  Number", n,
					"  Code", client.Sanitize(res.Code),
					"  Amount", money(res.Amount, res.Currency),
					"  Expires", when(res.Expiration))
				fmt.Printf("\nGive the number and the code to the recipient. They run:\n  fastcheck accept %s %s\n", n, client.Sanitize(res.Code))
				return exitOK
			}
		},
	}
}

func acceptCommand() cliCommand {
	return cliCommand{
		name:     "accept",
		synopsis: "NUMBER CODE",
		summary:  "accept a check: move its money into your balance",
		about: `Looks the check up first and shows what it holds, asks, then accepts it
into your balance. --yes skips the question (for scripts); without a
terminal, --yes is required. A wrong code and an unknown check both exit 4
(the server does not say which); after 5 wrong codes the check locks.
--json (with --yes) prints {"message", "fastcheck", "amount", "currency", "balance"}.`,
		examples: []string{
			"fastcheck accept 1234-5678-0001 0042",
			"fastcheck accept 1234-5678-0001 0042 --yes --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, "accept without asking")
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("accept", "give the check number and its 4-digit code, like: fastcheck accept 1234-5678-0001 0042")
				}
				n, err := checkNumberArg(args[0])
				if err != nil {
					return usageError("accept", "%v", err)
				}
				code := strings.TrimSpace(args[1])
				if !api.ValidCheckCode(code) {
					return usageError("accept", "the code is 4 digits, like 0042")
				}
				if g.json && !*yes {
					return usageError("accept", "--json needs --yes (there is no one to ask)")
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
					return failCLI("accept", fmt.Errorf("check %s is %s", n, checkState(st)), w.set)
				}
				what := "(the server does not say how much it holds)"
				if st.Currency != "" {
					what = "for " + money(st.Amount, st.Currency)
				}
				if !*yes {
					ok, err := confirm(os.Stdin, os.Stdout, fmt.Sprintf("Accept check %s %s into your balance? [y/N] ", n, what))
					if err != nil {
						return failCLI("accept", err, w.set)
					}
					if !ok {
						fmt.Println("Not accepted.")
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
				fmt.Printf("Accepted check %s: %s.\n", n, money(out.Amount, out.Currency))
				if out.Balance != nil {
					fmt.Printf("Balance: %s\n", money(*out.Balance, out.Currency))
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
		summary:  "cancel one of your active checks: its money comes back",
		about: `Cancels a check you created that nobody has accepted (a locked one too);
its money goes back to your balance. Asks first unless --yes; without a
terminal, --yes is required. --json (with --yes) prints the API's answer.`,
		examples: []string{
			"fastcheck cancel 1234-5678-0001",
			"fastcheck cancel 1234-5678-0001 --yes --json",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, "cancel without asking")
			return func(args []string) int {
				if len(args) != 1 {
					return usageError("cancel", "give one check number, like 1234-5678-0001")
				}
				n, err := checkNumberArg(args[0])
				if err != nil {
					return usageError("cancel", "%v", err)
				}
				if g.json && !*yes {
					return usageError("cancel", "--json needs --yes (there is no one to ask)")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("cancel", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				if !*yes {
					what := ""
					if st, err := w.c.CheckStatus(ctx, n); err == nil && st.Currency != "" {
						what = " (" + money(st.Amount, st.Currency) + ")"
					} else if errors.Is(err, client.ErrNotFound) {
						return failCLI("cancel", err, w.set)
					}
					ok, err := confirm(os.Stdin, os.Stdout, fmt.Sprintf("Cancel check %s%s? The money goes back to your balance. [y/N] ", n, what))
					if err != nil {
						return failCLI("cancel", err, w.set)
					}
					if !ok {
						fmt.Println("Not cancelled.")
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
				fmt.Printf("Cancelled check %s: %s is back in your balance.\nBalance: %s\n", n, money(res.Amount, res.Currency), money(res.Balance, res.Currency))
				return exitOK
			}
		},
	}
}
