package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"fastcheck/ledger"
)

const accountSelect = `SELECT user_id, currency, balance, created_at FROM accounts`

func scanAccount(row pgx.Row) (ledger.Account, error) {
	var a ledger.Account
	var created int64
	err := row.Scan(&a.UserID, &a.Currency, &a.Balance, &created)
	if noRows(err) {
		return ledger.Account{}, ledger.ErrNotFound
	}
	if err != nil {
		return ledger.Account{}, err
	}
	a.CreatedAt = fromMS(created)
	return a, nil
}

func userAccountName(userID string) string { return "user:" + userID }

// openAccountSQL inserts the account unless the user has one and returns
// the account as it is. If another transaction inserted it after this
// statement's snapshot, it returns no row and the caller retries (the
// next statement sees it).
const openAccountSQL = `WITH ins AS (
	INSERT INTO accounts (name, kind, user_id, currency, balance, created_at)
	VALUES ($1, 'user', $2, $3::text, 0, $4) ON CONFLICT (user_id) DO NOTHING
	RETURNING user_id, currency, balance, created_at)
SELECT * FROM ins
UNION ALL
SELECT user_id, currency, balance, created_at FROM accounts WHERE user_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)`

// OpenAccount creates the user's account in currency unless the user has
// one, and returns the account as stored (an existing account keeps its
// currency).
func (s *Store) OpenAccount(ctx context.Context, userID, currency string, now time.Time) (ledger.Account, error) {
	if userID == "" {
		return ledger.Account{}, errors.New("ledger/postgres: empty userID")
	}
	if err := checkCurrency(currency); err != nil {
		return ledger.Account{}, err
	}
	if err := needTime(now); err != nil {
		return ledger.Account{}, err
	}
	var a ledger.Account
	err := s.run(ctx, func(ctx context.Context) (err error) {
		a, err = scanAccount(s.pool.QueryRow(ctx, openAccountSQL, userAccountName(userID), userID, currency, ms(now)))
		if errors.Is(err, ledger.ErrNotFound) {
			return errRetry
		}
		return err
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return a, nil
}

// Account returns the user's account, or ledger.ErrNotFound.
func (s *Store) Account(ctx context.Context, userID string) (ledger.Account, error) {
	var a ledger.Account
	err := s.run(ctx, func(ctx context.Context) (err error) {
		a, err = scanAccount(s.pool.QueryRow(ctx, accountSelect+` WHERE user_id = $1`, userID))
		return err
	})
	if err != nil {
		return ledger.Account{}, err
	}
	return a, nil
}

// depositSQL credits the user from the external account in one statement,
// unless the reference is already in the journal. The user's account is
// locked first, the external account last. It always returns one row: the
// new balance (NULL if nothing moved), the user's account id and currency
// (NULL if none), and the earlier transfer with the same reference, if any.
const depositSQL = `WITH prior AS (
	SELECT kind, debit_account, credit_account, amount, credit_balance FROM transfers WHERE ref = $5
), cred AS (
	UPDATE accounts SET balance = balance + $2::bigint
	WHERE user_id = $1 AND currency = $3::text AND $4::bigint > 0 AND NOT EXISTS (SELECT 1 FROM prior)
	RETURNING id, balance
), deb AS (
	UPDATE accounts a SET balance = a.balance - $2::bigint FROM cred
	WHERE a.id = $4 AND a.kind = 'external' AND a.name = $7 AND a.currency = $3::text
	RETURNING a.balance
), tr AS (
	INSERT INTO transfers (kind, ref, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
	SELECT 'deposit', $5, $4, cred.id, $2::bigint, deb.balance, cred.balance, $6 FROM cred, deb
	RETURNING 1
)
SELECT cred.balance, acc.id, acc.currency, p.kind, p.credit_account, p.amount, p.credit_balance, src.name
FROM (SELECT fastcheck_assert((SELECT count(*) FROM cred) = (SELECT count(*) FROM tr), 'deposit') AS ok) one
LEFT JOIN cred ON true
LEFT JOIN accounts acc ON acc.user_id = $1
LEFT JOIN prior p ON true
LEFT JOIN accounts src ON src.id = p.debit_account
WHERE one.ok`

// Deposit credits d.UserID from the external account d.Source. A Ref seen
// before replays: nothing moves and the result carries the balance right
// after the first deposit (recorded with its transfer), with Replayed set;
// a Ref reused for another user, amount or source fails with
// ErrIdempotencyReuse.
func (s *Store) Deposit(ctx context.Context, d ledger.Deposit) (ledger.Result, error) {
	if err := checkAmount(d.Amount); err != nil {
		return ledger.Result{}, err
	}
	if err := checkCurrency(d.Currency); err != nil {
		return ledger.Result{}, err
	}
	if !strings.HasPrefix(d.Source, "external:") {
		return ledger.Result{}, fmt.Errorf("ledger/postgres: deposit source %q is not an external account", d.Source)
	}
	if err := needTime(d.Now); err != nil {
		return ledger.Result{}, err
	}
	now := ms(d.Now)
	var res ledger.Result
	err := s.run(ctx, func(ctx context.Context) error {
		ext, err := s.externalAccount(ctx, d.Source, d.UserID, d.Currency, now)
		if err != nil {
			return err
		}
		var (
			bal, accID                          *int64
			currency, priorKind, priorSource    *string
			priorAccount, priorAmount, priorBal *int64
		)
		if err := s.pool.QueryRow(ctx, depositSQL, d.UserID, d.Amount, d.Currency, ext, nullString(d.Ref), now, d.Source).
			Scan(&bal, &accID, &currency, &priorKind, &priorAccount, &priorAmount, &priorBal, &priorSource); err != nil {
			return err
		}
		switch {
		case accID == nil:
			return ledger.ErrNotFound
		case priorKind != nil:
			if *priorKind != "deposit" || *priorAccount != *accID || *priorAmount != d.Amount ||
				*currency != d.Currency || priorSource == nil || *priorSource != d.Source {
				return ledger.ErrIdempotencyReuse
			}
			res = ledger.Result{Balance: *priorBal, Replayed: true}
			return nil
		case *currency != d.Currency:
			return ledger.ErrCurrencyMismatch
		case bal == nil:
			// The account matches but nothing moved: the external account
			// was not there (created concurrently). Try again.
			return errRetry
		}
		res = ledger.Result{Balance: *bal}
		return nil
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}
