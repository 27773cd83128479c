package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/payments/briacoin"
)

// The payment commands: topup and withdraw.

func topupCommand() cliCommand {
	return cliCommand{
		name:     "topup",
		synopsis: "bank|briacoin AMOUNT | status ID",
		summary:  tr.T("cli.topup.summary"),
		about:    tr.T("cli.topup.about"),
		examples: []string{
			"fastcheck topup bank 1000 --wait",
			"fastcheck topup briacoin 250.50",
			"fastcheck topup status 4E3F0B9C1D2A4B6C8E0F1A3B5C7D9E1F --wait",
			"fastcheck topup briacoin 100 --json | jq -r .wallet",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			wait := fs.Bool("wait", false, tr.T("cli.topup.flagwait"))
			noQR := fs.Bool("no-qr", false, tr.T("cli.topup.flagnoqr"))
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("topup", "cli.topup.args")
				}
				method := strings.ToLower(args[0])
				if method != "status" && method != api.MethodBank && method != api.MethodBriacoin {
					return usageError("topup", "cli.topup.badmethod", args[0])
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("topup", err, w.set)
				}
				ctx, stop := g.context(!*wait)
				defer stop()
				var tp api.Topup
				if method == "status" {
					if tp, err = w.c.TopupStatus(ctx, strings.TrimSpace(args[1])); err != nil {
						return failCLI("topup", err, w.set)
					}
				} else {
					b, err := w.c.Balance(ctx)
					if err != nil {
						return failCLI("topup", err, w.set)
					}
					amount, err := api.ParseMajor(args[1], b.Currency)
					if err != nil {
						return usageError("topup", "%s", tr.AmountProblem(args[1], b.Currency))
					}
					if tp, err = w.c.Topup(ctx, method, amount, b.Currency); err != nil {
						return failCLI("topup", err, w.set)
					}
				}
				if !*wait {
					if g.json {
						return printJSON(tp)
					}
					showTopup(os.Stdout, tp, method == "status", *noQR)
					return exitOK
				}
				if !g.json {
					showTopup(os.Stdout, tp, method == "status", *noQR)
					fmt.Println("\n" + tr.T("cli.topup.waiting"))
				}
				shown := ""
				if !g.json && method == "status" {
					shown = topupProgress(tp) // already on screen
				}
				final, err := w.c.WaitTopup(ctx, tp.ID, time.Second, func(t api.Topup) {
					if g.json {
						printJSONLine(t)
					} else if line := topupProgress(t); line != shown {
						fmt.Println("  " + line)
						shown = ""
					}
				})
				if err != nil {
					return failCLI("topup", err, w.set)
				}
				if final.Status != api.TopupClose {
					if !g.json {
						fmt.Fprintf(os.Stderr, "fastcheck topup: %s\n", tr.Tf("cli.topup.notclosed", topupWord(final.Status), money(final.Credited, final.Currency)))
					}
					return exitError
				}
				if !g.json {
					if b, err := w.c.Balance(ctx); err == nil {
						fmt.Println(tr.Tf("cli.balance.line", money(b.Balance, b.Currency)))
					}
				}
				return exitOK
			}
		},
	}
}

// showTopup prints what to pay and where.
func showTopup(out io.Writer, tp api.Topup, status, noQR bool) {
	colors := isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""
	amount := money(tp.Amount, tp.Currency)
	switch {
	case status:
		kv := []string{tr.T("cli.topup.id"), client.Sanitize(tp.ID), tr.T("cli.topup.method"), methodWord(tp.Method), tr.T("cli.check.status"), topupProgress(tp)}
		if tp.PaymentURL != "" && tp.Status == api.TopupNew {
			kv = append(kv, tr.T("cli.topup.payat"), client.Sanitize(tp.PaymentURL))
		}
		if tp.Wallet != "" && !tp.Done() {
			kv = append(kv, tr.T("cli.topup.wallet"), client.Sanitize(tp.Wallet), tr.T("cli.topup.coins"), client.Sanitize(tp.Coins))
		}
		fields(out, kv...)
	case tp.Method == api.MethodBriacoin:
		fmt.Fprintln(out, tr.Tf("cli.topup.coinhead", amount, client.Sanitize(tp.Coins)))
		if !noQR {
			fmt.Fprint(out, qrText(tp.Wallet, colors))
		}
		fields(out,
			"  "+tr.T("cli.topup.wallet"), client.Sanitize(tp.Wallet),
			"  "+tr.T("cli.topup.coins"), client.Sanitize(tp.Coins),
			"  "+tr.T("cli.topup.rate"), client.Sanitize(tp.Rate),
			"  "+tr.T("cli.topup.order"), fmt.Sprint(tp.OrderID),
			"  "+tr.T("cli.topup.id"), client.Sanitize(tp.ID))
		fmt.Fprintln(out, tr.T("cli.topup.parts"))
	default:
		fmt.Fprintln(out, tr.Tf("cli.topup.bankhead", amount))
		if !noQR {
			fmt.Fprint(out, qrText(tp.PaymentURL, colors))
		}
		fields(out,
			"  "+tr.T("cli.topup.payat"), client.Sanitize(tp.PaymentURL),
			"  "+tr.T("cli.topup.banktxn"), client.Sanitize(tp.TransactionID),
			"  "+tr.T("cli.topup.id"), client.Sanitize(tp.ID))
	}
}

// topupProgress is one line of a top-up's state: "part: 4.0 of 10.0 coins
// paid, 400.00 RUB credited".
func topupProgress(t api.Topup) string {
	cur := t.Currency
	switch t.Status {
	case api.TopupNew:
		return tr.T("cli.topup.new")
	case api.TopupPart:
		if t.Method == api.MethodBriacoin {
			return tr.Tf("cli.topup.partcoins", client.Sanitize(t.CoinsPaid), client.Sanitize(t.Coins), money(t.Credited, cur))
		}
		return tr.Tf("cli.topup.part", money(t.Credited, cur))
	case api.TopupClose:
		return tr.Tf("cli.topup.close", money(t.Credited, cur))
	case api.TopupDeclined:
		return tr.T("cli.topup.declined")
	case api.TopupExpired:
		return tr.Tf("cli.topup.expired", money(t.Credited, cur))
	}
	return client.Sanitize(t.Status)
}

// printJSONLine prints v as one line of JSON (for streams of events).
func printJSONLine(v any) {
	b, _ := json.Marshal(v)
	os.Stdout.Write(append(b, '\n'))
}

func withdrawCommand() cliCommand {
	return cliCommand{
		name:     "withdraw",
		synopsis: "WALLET AMOUNT | status REF",
		summary:  tr.T("cli.withdraw.summary"),
		about:    tr.T("cli.withdraw.about"),
		examples: []string{
			"fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 500",
			"fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 12.50 --yes --json | jq -r .txid",
			"fastcheck withdraw status W1A2B3C4D5E6F708192A3B4C5D6E7F80",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, tr.T("cli.withdraw.flagyes"))
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("withdraw", "cli.withdraw.args")
				}
				if args[0] == "status" {
					return withdrawStatus(g, strings.TrimSpace(args[1]))
				}
				wallet := strings.TrimSpace(args[0])
				if err := briacoin.CheckWallet(wallet); err != nil {
					return usageError("withdraw", "cli.withdraw.badwallet", api.Truncate(wallet, 64))
				}
				if g.json && !*yes {
					return usageError("withdraw", "cli.jsonneedsyes")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("withdraw", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				b, err := w.c.Balance(ctx)
				if err != nil {
					return failCLI("withdraw", err, w.set)
				}
				amount, err := api.ParseMajor(args[1], b.Currency)
				if err != nil {
					return usageError("withdraw", "%s", tr.AmountProblem(args[1], b.Currency))
				}
				if !*yes {
					ok, err := confirm(os.Stdin, os.Stdout, tr.Tf("cli.withdraw.ask",
						money(amount, b.Currency), money(b.Balance, b.Currency), wallet)+" "+tr.T("cli.yesno")+" ")
					if err != nil {
						return failCLI("withdraw", err, w.set)
					}
					if !ok {
						fmt.Println(tr.T("cli.withdraw.no"))
						return exitError
					}
				}
				wd, err := w.c.Withdraw(ctx, wallet, amount)
				if err != nil {
					return failCLI("withdraw", err, w.set)
				}
				if !wd.Final() {
					if !g.json {
						fmt.Println(tr.Tf("cli.withdraw.waiting", client.Sanitize(wd.Ref), withdrawWord(wd.Status)))
					}
					if got, err := w.c.WaitWithdrawal(ctx, wd.Ref, time.Second, nil); err == nil {
						wd = got
					} else if !errors.Is(err, context.DeadlineExceeded) {
						return failCLI("withdraw", err, w.set)
					} else if got.Ref != "" {
						wd = got
					}
				}
				return showWithdrawal(g, wd)
			}
		},
	}
}

func withdrawStatus(g *globals, ref string) int {
	w, err := g.loggedIn()
	if err != nil {
		return failCLI("withdraw", err, w.set)
	}
	ctx, stop := g.context(true)
	defer stop()
	wd, err := w.c.WithdrawalStatus(ctx, ref)
	if err != nil {
		return failCLI("withdraw", err, w.set)
	}
	return showWithdrawal(g, wd)
}

// showWithdrawal prints a withdrawal's outcome and picks the exit code.
func showWithdrawal(g *globals, wd api.Withdrawal) int {
	code := exitOK
	if wd.Status != api.WithdrawSent {
		code = exitError
	}
	if g.json {
		printJSON(wd)
		return code
	}
	what := tr.Tf("cli.withdraw.what", money(wd.Amount, wd.Currency), client.Sanitize(wd.Coins), client.Sanitize(wd.Wallet))
	switch wd.Status {
	case api.WithdrawSent:
		fmt.Println(tr.Tf("cli.withdraw.sent", what))
		fields(os.Stdout, "  "+tr.T("cli.withdraw.txid"), client.Sanitize(wd.TxID), "  "+tr.T("cli.withdraw.ref"), client.Sanitize(wd.Ref))
	case api.WithdrawFailed:
		fmt.Println(tr.Tf("cli.withdraw.failed", what, client.Sanitize(wd.Reason)))
	case api.WithdrawUnknown:
		fmt.Println(tr.Tf("cli.withdraw.unknown", what, client.Sanitize(wd.Reason), client.Sanitize(wd.Ref)))
	default:
		fmt.Println(tr.Tf("cli.withdraw.pending", what, withdrawWord(wd.Status), client.Sanitize(wd.Ref)))
	}
	if wd.Balance != nil {
		fmt.Println(tr.Tf("cli.balance.line", money(*wd.Balance, wd.Currency)))
	}
	return code
}

// methodWord, topupWord and withdrawWord are a top-up's method and
// status and a withdrawal's status (JSON values) in words.
func methodWord(m string) string        { return word(methodIDs, m) }
func topupWord(status string) string    { return word(topupIDs, status) }
func withdrawWord(status string) string { return word(withdrawIDs, status) }

var (
	methodIDs   = map[string]string{api.MethodBank: "cli.topup.bank", api.MethodBriacoin: "cli.topup.briacoin"}
	topupIDs    = map[string]string{api.TopupDeclined: "cli.topup.statusdeclined", api.TopupExpired: "cli.topup.statusexpired"}
	withdrawIDs = map[string]string{api.WithdrawPending: "cli.withdraw.statuspending", api.WithdrawUnknown: "cli.withdraw.statusunknown"}
)
