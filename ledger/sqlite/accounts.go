package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

// queryer is what *sql.DB, *sql.Tx and *wtx have in common. Jobs pass a
// background context: once a job runs, it runs to its end.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

var bg = context.Background()

// account is an accounts row.
type account struct {
	id        int64
	userID    string
	currency  string
	balance   int64
	createdAt int64
}

func (a account) public() ledger.Account {
	return ledger.Account{UserID: a.userID, Currency: a.currency, Balance: a.balance, CreatedAt: fromMS(a.createdAt)}
}

func userAccountName(userID string) string { return "user:" + userID }

// userAccount reads a user's account, or ErrNotFound.
func userAccount(ctx context.Context, q queryer, userID string) (account, error) {
	var a account
	err := q.QueryRowContext(ctx, `SELECT id, user_id, currency, balance, created_at FROM accounts WHERE user_id = ?`, userID).
		Scan(&a.id, &a.userID, &a.currency, &a.balance, &a.createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return account{}, ledger.ErrNotFound
	}
	return a, err
}

// openUserAccount creates the user's account unless it exists, and returns
// the account as it is.
func openUserAccount(tx *wtx, userID, currency string, now int64) (account, error) {
	if _, err := tx.ExecContext(bg, `INSERT INTO accounts (name, kind, user_id, currency, balance, created_at)
		VALUES (?, 'user', ?, ?, 0, ?) ON CONFLICT (user_id) DO NOTHING`,
		userAccountName(userID), userID, currency, now); err != nil {
		return account{}, err
	}
	return userAccount(bg, tx, userID)
}

// systemAccount returns the id of the escrow or an external account for the
// currency, creating it on first use.
func systemAccount(tx *wtx, kind, name, currency string, now int64) (int64, error) {
	key := sysKey{name, currency}
	if a, ok := tx.sys[key]; ok && a.kind == kind {
		return a.id, nil
	}
	var id int64
	var k string
	err := tx.QueryRowContext(bg, `SELECT id, kind FROM accounts WHERE name = ? AND currency = ?`, name, currency).Scan(&id, &k)
	if err == nil {
		tx.sys[key] = sysAccount{id, k}
	}
	if errors.Is(err, sql.ErrNoRows) {
		k = kind
		err = tx.QueryRowContext(bg, `INSERT INTO accounts (name, kind, currency, balance, created_at)
			VALUES (?, ?, ?, 0, ?) RETURNING id`, name, kind, currency, now).Scan(&id)
	}
	if err != nil {
		return 0, err
	}
	if k != kind {
		return 0, fmt.Errorf("ledger/sqlite: account %s is a %s account, not %s", name, k, kind)
	}
	return id, nil
}

// transfer moves amount from one account to another as one journal
// transaction of two entries, and updates both cached balances with
// conditional updates: the debit fails with ErrInsufficientFunds unless
// the source is external or has the money, the credit with ErrBalanceLimit
// if the target would pass ledger.MaxBalance. It returns both balances
// after the move. The caller's savepoint undoes everything on error.
func transfer(tx *wtx, kind string, checkID int64, ref string, now int64, from, to, amount int64) (fromBal, toBal int64, err error) {
	return transferFor(tx, kind, txLink{check: checkID}, ref, now, from, to, amount)
}

// txLink is what a journal transaction belongs to: a check, a top-up
// order or a withdrawal (row ids; 0 for none).
type txLink struct{ check, order, withdrawal int64 }

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// transferFor is transfer for a transaction linked to a check, an order or
// a withdrawal.
func transferFor(tx *wtx, kind string, link txLink, ref string, now int64, from, to, amount int64) (fromBal, toBal int64, err error) {
	if amount <= 0 {
		return 0, 0, fmt.Errorf("ledger/sqlite: transfer of %d", amount)
	}
	err = tx.QueryRowContext(bg, `UPDATE accounts SET balance = balance - ?1
		WHERE id = ?2 AND (kind = 'external' OR balance >= ?1) RETURNING balance`, amount, from).Scan(&fromBal)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ledger.ErrInsufficientFunds
	}
	if err != nil {
		return 0, 0, err
	}
	err = tx.QueryRowContext(bg, `UPDATE accounts SET balance = balance + ?1
		WHERE id = ?2 AND balance <= ?3 - ?1 RETURNING balance`, amount, to, ledger.MaxBalance).Scan(&toBal)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ledger.ErrBalanceLimit
	}
	if err != nil {
		return 0, 0, err
	}
	// Exec and LastInsertId, not RETURNING: the same id, without a result
	// set to build and read.
	ins, err := tx.ExecContext(bg, `INSERT INTO transactions (kind, check_id, order_id, withdrawal_id, ref, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		kind, nullID(link.check), nullID(link.order), nullID(link.withdrawal), nullString(ref), now)
	if err != nil {
		return 0, 0, err
	}
	txID, err := ins.LastInsertId()
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(bg, `INSERT INTO entries (tx_id, account_id, amount) VALUES (?1, ?2, -?4), (?1, ?3, ?4)`,
		txID, from, to, amount); err != nil {
		return 0, 0, err
	}
	return fromBal, toBal, nil
}

func checkAmount(v int64) error {
	if err := api.CheckAmount(v); err != nil {
		return fmt.Errorf("ledger/sqlite: %w", err)
	}
	return nil
}

func checkCurrency(c string) error {
	if c == "" || len(c) > 8 {
		return fmt.Errorf("ledger/sqlite: invalid currency %q", api.Truncate(c, 16))
	}
	return nil
}

// OpenAccount creates the user's account in currency unless the user has
// one, and returns the account as stored (an existing account keeps its
// currency).
func (s *Store) OpenAccount(ctx context.Context, userID, currency string, now time.Time) (ledger.Account, error) {
	if userID == "" {
		return ledger.Account{}, errors.New("ledger/sqlite: empty userID")
	}
	if err := checkCurrency(currency); err != nil {
		return ledger.Account{}, err
	}
	if err := needTime(now); err != nil {
		return ledger.Account{}, err
	}
	var a account
	err := s.do(ctx, func(tx *wtx) (err error) {
		a, err = openUserAccount(tx, userID, currency, ms(now))
		return err
	})
	return a.public(), err
}

// Account returns the user's account, or ledger.ErrNotFound.
func (s *Store) Account(ctx context.Context, userID string) (ledger.Account, error) {
	a, err := userAccount(ctxOrBackground(ctx), s.rdb, userID)
	if err != nil {
		return ledger.Account{}, err
	}
	return a.public(), nil
}

// Deposit credits d.UserID from the external account d.Source. A Ref seen
// before replays: nothing moves and the result carries the balance right
// after the first deposit, with Replayed set; a Ref reused for another
// user or amount fails with ErrIdempotencyReuse.
func (s *Store) Deposit(ctx context.Context, d ledger.Deposit) (ledger.Result, error) {
	if err := checkAmount(d.Amount); err != nil {
		return ledger.Result{}, err
	}
	if err := checkCurrency(d.Currency); err != nil {
		return ledger.Result{}, err
	}
	if !strings.HasPrefix(d.Source, "external:") {
		return ledger.Result{}, fmt.Errorf("ledger/sqlite: deposit source %q is not an external account", d.Source)
	}
	if err := needTime(d.Now); err != nil {
		return ledger.Result{}, err
	}
	now := ms(d.Now)
	var res ledger.Result
	err := s.do(ctx, func(tx *wtx) error {
		acc, err := userAccount(bg, tx, d.UserID)
		if err != nil {
			return err
		}
		if d.Ref != "" {
			var txID int64
			err := tx.QueryRowContext(bg, `SELECT id FROM transactions WHERE ref = ?`, d.Ref).Scan(&txID)
			if err == nil {
				return replayDeposit(tx, d, acc, txID, &res)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if acc.currency != d.Currency {
			return ledger.ErrCurrencyMismatch
		}
		ext, err := systemAccount(tx, "external", d.Source, d.Currency, now)
		if err != nil {
			return err
		}
		_, bal, err := transfer(tx, "deposit", 0, d.Ref, now, ext, acc.id, d.Amount)
		if err != nil {
			return err
		}
		res = ledger.Result{Balance: bal}
		return nil
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

// replayDeposit answers a Deposit whose Ref is already in the journal.
func replayDeposit(tx *wtx, d ledger.Deposit, acc account, txID int64, res *ledger.Result) error {
	var kind string
	var credited sql.NullInt64
	var source sql.NullString
	err := tx.QueryRowContext(bg, `SELECT t.kind,
		(SELECT SUM(amount) FROM entries WHERE tx_id = t.id AND account_id = ?),
		(SELECT a.name FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.tx_id = t.id AND e.amount < 0)
		FROM transactions t WHERE t.id = ?`, acc.id, txID).Scan(&kind, &credited, &source)
	if err != nil {
		return err
	}
	if kind != "deposit" || !credited.Valid || credited.Int64 != d.Amount || acc.currency != d.Currency || source.String != d.Source {
		return ledger.ErrIdempotencyReuse
	}
	var bal int64
	if err := tx.QueryRowContext(bg, `SELECT COALESCE(SUM(amount), 0) FROM entries WHERE account_id = ? AND tx_id <= ?`,
		acc.id, txID).Scan(&bal); err != nil {
		return err
	}
	*res = ledger.Result{Balance: bal, Replayed: true}
	return nil
}
