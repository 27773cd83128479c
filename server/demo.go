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

// SeedDemo opens the demo users' accounts and funds them once, and, when
// the ledger stores authenticator apps, enrols each user's demo TOTP
// secret under their name (the approve page's account handle). It is safe
// to call on every start: each deposit has a fixed reference, so a restart
// adds nothing, and enrolling the same secret again changes nothing.
func SeedDemo(ctx context.Context, st ledger.Store, now time.Time) ([]assets.DemoUser, error) {
	users := assets.DemoUsers()
	for _, u := range users {
		id := api.UserID(u.PhoneKey().Public().(ed25519.PublicKey))
		if _, err := st.OpenAccount(ctx, id, u.Currency, now); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Name, err)
		}
		if t, ok := st.(ledger.TOTP); ok {
			if err := t.EnrolTOTP(ctx, ledger.TOTPEnrolment{UserID: id, Handle: u.Name, Secret: u.TOTPSecret(), CreatedAt: now}); err != nil {
				return nil, fmt.Errorf("demo user %s: authenticator app: %w", u.Name, err)
			}
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
