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
		summary:  "add money to your balance by bank card or Briacoin",
		about: `Starts a top-up of AMOUNT (major units of your balance's currency, like
create takes them).

  bank      prints the bank's payment page URL, and a QR code of it to pay on
            a phone; open it, pay with a card, and the money arrives once the
            bank confirms.
  briacoin  prints the wallet address to pay and the exact coins, with a QR
            code of the address; the money arrives as the coins do, in parts
            if you pay in parts (new -> part -> close).

--wait blocks until the money is credited, showing each change, then the
new balance; it exits 1 if the payment is declined or expires. "topup
status ID" shows one top-up (with --wait, waits for it). --json prints the
API's top-up object; with --wait one object per change, one per line.`,
		examples: []string{
			"fastcheck topup bank 1000 --wait",
			"fastcheck topup briacoin 250.50",
			"fastcheck topup status 4E3F0B9C1D2A4B6C8E0F1A3B5C7D9E1F --wait",
			"fastcheck topup briacoin 100 --json | jq -r .wallet",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			wait := fs.Bool("wait", false, "wait until the money is credited (or the payment fails)")
			noQR := fs.Bool("no-qr", false, "print the URL or address only, without the QR code")
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("topup", "give a method and an amount, like: fastcheck topup bank 1000 (or: fastcheck topup status ID)")
				}
				method := strings.ToLower(args[0])
				if method != "status" && method != api.MethodBank && method != api.MethodBriacoin {
					return usageError("topup", "the method is bank or briacoin, not %q", args[0])
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
						return usageError("topup", "%v", err)
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
					fmt.Println("\nWaiting for the payment… (Ctrl+C stops waiting; the top-up stays open)")
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
						fmt.Fprintf(os.Stderr, "fastcheck topup: the payment %s; %s credited\n", final.Status, money(final.Credited, final.Currency))
					}
					return exitError
				}
				if !g.json {
					if b, err := w.c.Balance(ctx); err == nil {
						fmt.Printf("Balance: %s\n", money(b.Balance, b.Currency))
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
		kv := []string{"Top-up", client.Sanitize(tp.ID), "Method", client.Sanitize(tp.Method), "Status", topupProgress(tp)}
		if tp.PaymentURL != "" && tp.Status == api.TopupNew {
			kv = append(kv, "Pay at", client.Sanitize(tp.PaymentURL))
		}
		if tp.Wallet != "" && !tp.Done() {
			kv = append(kv, "Wallet", client.Sanitize(tp.Wallet), "Coins", client.Sanitize(tp.Coins))
		}
		fields(out, kv...)
	case tp.Method == api.MethodBriacoin:
		fmt.Fprintf(out, "Top-up of %s by Briacoin: send exactly %s coins to this wallet.\n", amount, client.Sanitize(tp.Coins))
		if !noQR {
			fmt.Fprint(out, qrText(tp.Wallet, colors))
		}
		fields(out,
			"  Wallet", client.Sanitize(tp.Wallet),
			"  Coins", client.Sanitize(tp.Coins),
			"  Rate", client.Sanitize(tp.Rate),
			"  Order", fmt.Sprint(tp.OrderID),
			"  Top-up", client.Sanitize(tp.ID))
		fmt.Fprintln(out, "You may pay in parts; each part is credited as it arrives.")
	default:
		fmt.Fprintf(out, "Top-up of %s by bank card: pay on the bank's page (open the link, or scan the code with a phone).\n", amount)
		if !noQR {
			fmt.Fprint(out, qrText(tp.PaymentURL, colors))
		}
		fields(out,
			"  Pay at", client.Sanitize(tp.PaymentURL),
			"  Bank transaction", client.Sanitize(tp.TransactionID),
			"  Top-up", client.Sanitize(tp.ID))
	}
}

// topupProgress is one line of a top-up's state: "part: 4.0 of 10.0 coins
// paid, 400.00 RUB credited".
func topupProgress(t api.Topup) string {
	cur := t.Currency
	switch t.Status {
	case api.TopupNew:
		return "new: waiting for the payment"
	case api.TopupPart:
		if t.Method == api.MethodBriacoin {
			return fmt.Sprintf("part: %s of %s coins paid, %s credited", client.Sanitize(t.CoinsPaid), client.Sanitize(t.Coins), money(t.Credited, cur))
		}
		return fmt.Sprintf("part: %s credited", money(t.Credited, cur))
	case api.TopupClose:
		return fmt.Sprintf("close: %s credited", money(t.Credited, cur))
	case api.TopupDeclined:
		return "declined: nothing was charged"
	case api.TopupExpired:
		return fmt.Sprintf("expired: %s credited", money(t.Credited, cur))
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
		summary:  "send money from your balance to a Briacoin wallet",
		about: `Sends AMOUNT (major units of your balance's currency) to a Briacoin
WALLET, as coins at the server's rate. The money leaves your balance at
once and is held until the service confirms the transfer (then the txid is
shown) or refuses it (then it comes back). If the service's answer is lost,
the server reconciles the transfer; the money is held meanwhile, never lost
and never sent twice.

Asks first unless --yes; without a terminal, --yes is required. Waits for
the outcome up to --timeout. "withdraw status REF" shows one withdrawal.
--json (with --yes) prints the API's withdrawal object. Exits 1 when the
withdrawal failed or its outcome is not known yet.`,
		examples: []string{
			"fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 500",
			"fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 12.50 --yes --json | jq -r .txid",
			"fastcheck withdraw status W1A2B3C4D5E6F708192A3B4C5D6E7F80",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			yes := fs.Bool("yes", false, "withdraw without asking")
			return func(args []string) int {
				if len(args) != 2 {
					return usageError("withdraw", "give a wallet and an amount, like: fastcheck withdraw BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ 500")
				}
				if args[0] == "status" {
					return withdrawStatus(g, strings.TrimSpace(args[1]))
				}
				wallet := strings.TrimSpace(args[0])
				if err := briacoin.CheckWallet(wallet); err != nil {
					return usageError("withdraw", "%s", strings.TrimPrefix(err.Error(), "briacoin: "))
				}
				if g.json && !*yes {
					return usageError("withdraw", "--json needs --yes (there is no one to ask)")
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
					return usageError("withdraw", "%v", err)
				}
				if !*yes {
					ok, err := confirm(os.Stdin, os.Stdout, fmt.Sprintf("Send %s from your balance (%s) to Briacoin wallet %s? [y/N] ",
						money(amount, b.Currency), money(b.Balance, b.Currency), wallet))
					if err != nil {
						return failCLI("withdraw", err, w.set)
					}
					if !ok {
						fmt.Println("Not withdrawn.")
						return exitError
					}
				}
				wd, err := w.c.Withdraw(ctx, wallet, amount)
				if err != nil {
					return failCLI("withdraw", err, w.set)
				}
				if !wd.Final() {
					if !g.json {
						fmt.Printf("Withdrawal %s is %s; waiting for the service…\n", client.Sanitize(wd.Ref), client.Sanitize(wd.Status))
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
	what := fmt.Sprintf("%s (%s coins) to %s", money(wd.Amount, wd.Currency), client.Sanitize(wd.Coins), client.Sanitize(wd.Wallet))
	switch wd.Status {
	case api.WithdrawSent:
		fmt.Printf("Sent %s.\n", what)
		fields(os.Stdout, "  Txid", client.Sanitize(wd.TxID), "  Reference", client.Sanitize(wd.Ref))
	case api.WithdrawFailed:
		fmt.Printf("The withdrawal of %s failed: %s\n", what, client.Sanitize(wd.Reason))
	case api.WithdrawUnknown:
		fmt.Printf("The outcome of the withdrawal of %s is not known yet: %s.\nThe money is held, not lost, and will not be sent twice. Check again with: fastcheck withdraw status %s\n",
			what, client.Sanitize(wd.Reason), client.Sanitize(wd.Ref))
	default:
		fmt.Printf("The withdrawal of %s is still %s. Check again with: fastcheck withdraw status %s\n",
			what, client.Sanitize(wd.Status), client.Sanitize(wd.Ref))
	}
	if wd.Balance != nil {
		fmt.Printf("Balance: %s\n", money(*wd.Balance, wd.Currency))
	}
	return code
}
