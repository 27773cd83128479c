package server

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/ledger"
)

// SeedDemo opens the demo users' accounts and funds them once. It is safe
// to call on every start: each deposit has a fixed reference, so a restart
// adds nothing.
func SeedDemo(ctx context.Context, st ledger.Store, now time.Time) ([]assets.DemoUser, error) {
	users := assets.DemoUsers()
	for _, u := range users {
		id := api.UserID(u.PhoneKey().Public().(ed25519.PublicKey))
		if _, err := st.OpenAccount(ctx, id, u.Currency, now); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Name, err)
		}
		if u.Balance == 0 {
			continue
		}
		if _, err := st.Deposit(ctx, ledger.Deposit{
			UserID: id, Amount: u.Balance, Currency: u.Currency,
			Source: ledger.ExternalDemoSeed, Ref: "demo-seed:" + u.Name, Now: now,
		}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Name, err)
		}
	}
	return users, nil
}
