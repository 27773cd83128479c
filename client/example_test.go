package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"fastcheck/api"
	"fastcheck/client"
)

// The terminal side of the QR login, then a check. (Compiled, not run: it
// needs a server.)
func Example() {
	_, key, _ := ed25519.GenerateKey(rand.Reader) // kept in the OS keyring in real use
	c, err := client.New(client.Options{BaseURL: "https://fastcheck.store/api", Key: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ws, err := c.CreateWebsession(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("scan", c.ApproveURL(ws.SessionID), "and check the fingerprint", c.Fingerprint())
	if _, err := c.WaitForLogin(ctx, ws.SessionID); errors.Is(err, client.ErrGone) {
		fmt.Println("the code expired; press a key for a new one")
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}

	ch, err := c.CreateCheck(ctx, 158000, "RUB") // 1,580.00 RUB
	switch {
	case errors.Is(err, client.ErrInsufficientFunds):
		fmt.Println("not enough money")
	case err != nil:
		fmt.Println(err) // *client.Error: its Message is safe to print
	default:
		fmt.Println("check", ch.Fastcheck, "code", ch.Code, "for", api.FormatMinor(ch.Amount, ch.Currency))
	}
}

// The phone side: approve what was scanned.
func ExampleParseApproveTarget() {
	base, id, err := client.ParseApproveTarget("https://fastcheck.store/api/approve/1AF3781BF6B94604B771AEA1D44FA63A")
	fmt.Println(base, id, err)
	// Output: https://fastcheck.store/api 1AF3781BF6B94604B771AEA1D44FA63A <nil>
}
