package sqlite

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

// checkRow is a checks row with its parties' user ids.
type checkRow struct {
	id       int64
	creator  int64 // account ids
	redeemer sql.NullInt64
	c        ledger.Check
}

const checkSelect = `SELECT c.id, c.creator_account, c.redeemer_account, c.number, c.code, c.amount, c.currency,
	ca.user_id, COALESCE(ra.user_id, ''), c.status, c.failed_attempts, c.created_at, c.expires_at, c.resolved_at
	FROM checks c JOIN accounts ca ON ca.id = c.creator_account LEFT JOIN accounts ra ON ra.id = c.redeemer_account`

type scanner interface{ Scan(dest ...any) error }

func scanCheck(sc scanner) (checkRow, error) {
	var r checkRow
	var created, expires int64
	var resolved sql.NullInt64
	err := sc.Scan(&r.id, &r.creator, &r.redeemer, &r.c.Number, &r.c.Code, &r.c.Amount, &r.c.Currency,
		&r.c.Creator, &r.c.Redeemer, &r.c.Status, &r.c.FailedAttempts, &created, &expires, &resolved)
	if err != nil {
		return checkRow{}, err
	}
	r.c.CreatedAt, r.c.ExpiresAt, r.c.ResolvedAt = fromMS(created), fromMS(expires), fromNullMS(resolved)
	return r, nil
}

// checkByNumber reads a check, or ErrNotFound.
func checkByNumber(ctx context.Context, q queryer, number string) (checkRow, error) {
	r, err := scanCheck(q.QueryRowContext(ctx, checkSelect+` WHERE c.number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return checkRow{}, ledger.ErrNotFound
	}
	return r, err
}

func checkByID(tx *wtx, id int64) (checkRow, error) {
	return scanCheck(tx.QueryRowContext(bg, checkSelect+` WHERE c.id = ?`, id))
}

func queryChecks(ctx context.Context, q queryer, query string, args ...any) ([]ledger.Check, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Check{}
	for rows.Next() {
		r, err := scanCheck(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.c)
	}
	return out, rows.Err()
}

// Idempotency records. Outcomes other than "ok" are business errors whose
// writes were committed (a counted wrong code, a recorded failed accept);
// replaying them returns the same error without counting it again.
const (
	opCreate = "create"
	opAccept = "accept"
	opCancel = "cancel"
)

var recordedErrors = map[string]error{
	"wrong_code": ledger.ErrWrongCode,
	"not_found":  ledger.ErrNotFound,
}

func outcomeName(err error) string {
	for name, e := range recordedErrors {
		if errors.Is(err, e) {
			return name
		}
	}
	panic(fmt.Sprintf("ledger/sqlite: no outcome name for %v", err))
}

func checkIdem(idem *ledger.Idempotency) error {
	if idem != nil && (idem.Key == "" || len(idem.Hash) == 0) {
		return errors.New("ledger/sqlite: idempotency key and hash must not be empty")
	}
	return nil
}

// replay looks up (user, key). found is false when the key is new. When it
// is known, replay returns the first outcome again, or ErrIdempotencyReuse
// if the request differs.
func replay(tx *wtx, userID string, idem *ledger.Idempotency, op string) (res ledger.Result, found bool, err error) {
	if idem == nil {
		return ledger.Result{}, false, nil
	}
	var hash []byte
	var storedOp, outcome string
	var number sql.NullString
	var balance int64
	err = tx.QueryRowContext(bg, `SELECT hash, op, check_number, outcome, balance FROM idempotency WHERE user_id = ? AND key = ?`,
		userID, idem.Key).Scan(&hash, &storedOp, &number, &outcome, &balance)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Result{}, false, nil
	}
	if err != nil {
		return ledger.Result{}, false, err
	}
	if storedOp != op || !bytes.Equal(hash, idem.Hash) {
		return ledger.Result{}, true, ledger.ErrIdempotencyReuse
	}
	if outcome != "ok" {
		e, ok := recordedErrors[outcome]
		if !ok {
			return ledger.Result{}, true, fmt.Errorf("ledger/sqlite: unknown stored outcome %q", outcome)
		}
		return ledger.Result{}, true, e
	}
	r, err := checkByNumber(bg, tx, number.String)
	if err != nil {
		return ledger.Result{}, true, err
	}
	return ledger.Result{Check: r.c, Balance: balance, Replayed: true}, true, nil
}

// remember stores the outcome of a request that carried an idempotency key,
// in the transaction of the money it moved.
func remember(tx *wtx, userID string, idem *ledger.Idempotency, op, number string, outcome error, balance, now int64) error {
	if idem == nil {
		return nil
	}
	name := "ok"
	if outcome != nil {
		name = outcomeName(outcome)
	}
	_, err := tx.ExecContext(bg, `INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, userID, idem.Key, idem.Hash, op, nullString(number), name, balance, now)
	return err
}

// CreateCheck moves c.Amount from the user's balance to escrow and issues a
// check with a random number and code.
func (s *Store) CreateCheck(ctx context.Context, c ledger.CreateCheck) (ledger.Result, error) {
	if err := checkAmount(c.Amount); err != nil {
		return ledger.Result{}, err
	}
	if err := checkCurrency(c.Currency); err != nil {
		return ledger.Result{}, err
	}
	if err := checkIdem(c.Idem); err != nil {
		return ledger.Result{}, err
	}
	if err := needTime(c.Now); err != nil {
		return ledger.Result{}, err
	}
	now, expires := ms(c.Now), ms(c.ExpiresAt)
	if expires <= now {
		return ledger.Result{}, errors.New("ledger/sqlite: a check must expire after it is created")
	}
	var res ledger.Result
	err := s.do(ctx, func(tx *wtx) error {
		r, found, err := replay(tx, c.UserID, c.Idem, opCreate)
		if found || err != nil {
			res = r
			return err
		}
		acc, err := userAccount(bg, tx, c.UserID)
		if err != nil {
			return err
		}
		if acc.currency != c.Currency {
			return ledger.ErrCurrencyMismatch
		}
		if acc.balance < c.Amount {
			return ledger.ErrInsufficientFunds // transfer would say so too; this skips the work
		}
		escrow, err := systemAccount(tx, "escrow", ledger.AccountEscrow, c.Currency, now)
		if err != nil {
			return err
		}
		code, number := api.NewCheckCode(), ""
		var id int64
		for attempt := 0; ; attempt++ {
			if attempt == 20 {
				return errors.New("ledger/sqlite: could not find a free check number")
			}
			number = api.NewCheckNumber()
			ins, err := tx.ExecContext(bg, `INSERT INTO checks (number, code, creator_account, amount, currency, status, failed_attempts, created_at, expires_at)
				VALUES (?, ?, ?, ?, ?, 'active', 0, ?, ?) ON CONFLICT (number) DO NOTHING`,
				number, code, acc.id, c.Amount, c.Currency, now, expires)
			if err != nil {
				return err
			}
			if n, err := ins.RowsAffected(); err != nil {
				return err
			} else if n == 1 { // 0: the number is taken; draw another
				if id, err = ins.LastInsertId(); err != nil {
					return err
				}
				break
			}
		}
		bal, _, err := transfer(tx, "create", id, "", now, acc.id, escrow, c.Amount)
		if err != nil {
			return err
		}
		if err := remember(tx, c.UserID, c.Idem, opCreate, number, nil, bal, now); err != nil {
			return err
		}
		res = ledger.Result{Balance: bal, Check: ledger.Check{
			Number: number, Code: code, Amount: c.Amount, Currency: c.Currency, Creator: c.UserID,
			Status: ledger.StatusActive, CreatedAt: fromMS(now), ExpiresAt: fromMS(expires),
		}}
		return nil
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

const failureWindow = time.Hour

// AcceptCheck moves a check's money from escrow to the user, if the code is
// right and the check is active, unexpired and unlocked. A wrong code is
// counted on the check and recorded as a failed accept of the user, and so
// is an unknown number; those writes commit although the call fails.
func (s *Store) AcceptCheck(ctx context.Context, a ledger.AcceptCheck) (ledger.Result, error) {
	if err := checkIdem(a.Idem); err != nil {
		return ledger.Result{}, err
	}
	if err := needTime(a.Now); err != nil {
		return ledger.Result{}, err
	}
	now := ms(a.Now)
	var res ledger.Result
	err := s.do(ctx, func(tx *wtx) error {
		r, found, err := replay(tx, a.UserID, a.Idem, opAccept)
		if found || err != nil {
			res = r
			return err
		}
		if a.MaxFailuresPerHour > 0 {
			var n int
			var oldest sql.NullInt64
			if err := tx.QueryRowContext(bg, `SELECT COUNT(*), MIN(at) FROM accept_failures WHERE user_id = ? AND at > ?`,
				a.UserID, now-failureWindow.Milliseconds()).Scan(&n, &oldest); err != nil {
				return err
			}
			if n >= a.MaxFailuresPerHour {
				wait := time.Duration(oldest.Int64+failureWindow.Milliseconds()-now) * time.Millisecond
				return &ledger.TooManyFailures{RetryAfter: wait}
			}
		}
		acc, err := userAccount(bg, tx, a.UserID)
		if err != nil {
			return err
		}
		// fail records a failed accept that the caller will see as err.
		fail := func(reason string, err error) error {
			if _, e := tx.ExecContext(bg, `INSERT INTO accept_failures (user_id, number, reason, at) VALUES (?, ?, ?, ?)`,
				a.UserID, api.Truncate(a.Number, 32), reason, now); e != nil {
				return e
			}
			if e := remember(tx, a.UserID, a.Idem, opAccept, "", err, acc.balance, now); e != nil {
				return e
			}
			return keep(err)
		}
		c, err := checkByNumber(bg, tx, a.Number)
		if errors.Is(err, ledger.ErrNotFound) {
			return fail("not_found", ledger.ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch {
		case c.c.Status == ledger.StatusExpired:
			return ledger.ErrExpired
		case c.c.Status != ledger.StatusActive:
			return ledger.ErrResolved
		case now >= ms(c.c.ExpiresAt):
			return ledger.ErrExpired // even if the sweeper has not run yet
		case c.c.FailedAttempts >= ledger.MaxCodeFailures:
			return ledger.ErrLocked
		case c.creator == acc.id:
			return ledger.ErrOwnCheck
		}
		if subtle.ConstantTimeCompare([]byte(a.Code), []byte(c.c.Code)) != 1 {
			upd, err := tx.ExecContext(bg, `UPDATE checks SET failed_attempts = failed_attempts + 1
				WHERE id = ? AND status = 'active' AND failed_attempts < ?`, c.id, ledger.MaxCodeFailures)
			if err != nil {
				return err
			}
			if n, err := upd.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return ledger.ErrLocked
			}
			return fail("wrong_code", ledger.ErrWrongCode)
		}
		if c.c.Currency != acc.currency {
			return ledger.ErrCurrencyMismatch
		}
		var amount int64
		err = tx.QueryRowContext(bg, `UPDATE checks SET status = 'used', redeemer_account = ?, resolved_at = ?
			WHERE id = ? AND status = 'active' AND expires_at > ? AND failed_attempts < ? RETURNING amount`,
			acc.id, now, c.id, now, ledger.MaxCodeFailures).Scan(&amount)
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.ErrResolved
		}
		if err != nil {
			return err
		}
		escrow, err := systemAccount(tx, "escrow", ledger.AccountEscrow, c.c.Currency, now)
		if err != nil {
			return err
		}
		_, bal, err := transfer(tx, "accept", c.id, "", now, escrow, acc.id, amount)
		if err != nil {
			return err
		}
		used := c.c
		used.Status, used.Redeemer, used.ResolvedAt = ledger.StatusUsed, a.UserID, fromMS(now)
		if err := remember(tx, a.UserID, a.Idem, opAccept, used.Number, nil, bal, now); err != nil {
			return err
		}
		res = ledger.Result{Check: used, Balance: bal}
		return nil
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

// CancelCheck returns an active check's money (locked or not) to its
// creator. A check past its expiry that the sweeper has not reached yet
// can still be cancelled: the money goes to the same place either way.
func (s *Store) CancelCheck(ctx context.Context, c ledger.CancelCheck) (ledger.Result, error) {
	if err := checkIdem(c.Idem); err != nil {
		return ledger.Result{}, err
	}
	if err := needTime(c.Now); err != nil {
		return ledger.Result{}, err
	}
	now := ms(c.Now)
	var res ledger.Result
	err := s.do(ctx, func(tx *wtx) error {
		r, found, err := replay(tx, c.UserID, c.Idem, opCancel)
		if found || err != nil {
			res = r
			return err
		}
		acc, err := userAccount(bg, tx, c.UserID)
		if err != nil {
			return err
		}
		chk, err := checkByNumber(bg, tx, c.Number)
		if err != nil {
			return err
		}
		if chk.creator != acc.id {
			return ledger.ErrNotCreator
		}
		switch chk.c.Status {
		case ledger.StatusActive:
		case ledger.StatusExpired:
			return ledger.ErrExpired
		default:
			return ledger.ErrResolved
		}
		bal, err := refund(tx, chk.id, "cancel", now)
		if err != nil {
			return err
		}
		row, err := checkByID(tx, chk.id)
		if err != nil {
			return err
		}
		if err := remember(tx, c.UserID, c.Idem, opCancel, row.c.Number, nil, bal, now); err != nil {
			return err
		}
		res = ledger.Result{Check: row.c, Balance: bal}
		return nil
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

// refund resolves an active check as cancelled or expired and moves its
// money from escrow back to the creator, returning the creator's balance.
func refund(tx *wtx, checkID int64, kind string, now int64) (int64, error) {
	status := ledger.StatusCancelled
	cond := ``
	if kind == "expire" {
		status, cond = ledger.StatusExpired, ` AND expires_at <= ?3`
	}
	var amount, creator int64
	var currency string
	err := tx.QueryRowContext(bg, `UPDATE checks SET status = ?1, resolved_at = ?3
		WHERE id = ?2 AND status = 'active'`+cond+` RETURNING amount, creator_account, currency`,
		status, checkID, now).Scan(&amount, &creator, &currency)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ledger.ErrResolved
	}
	if err != nil {
		return 0, err
	}
	escrow, err := systemAccount(tx, "escrow", ledger.AccountEscrow, currency, now)
	if err != nil {
		return 0, err
	}
	_, bal, err := transfer(tx, kind, checkID, "", now, escrow, creator, amount)
	return bal, err
}

// DefaultExpireLimit is what ExpireDue does with a limit <= 0.
const DefaultExpireLimit = 1000

// ExpireDue refunds up to limit active checks whose expiry is at or before
// now, in one transaction, and returns them as expired. Each check is
// refunded exactly once: the conditional update and the unique index on a
// check's resolving transaction see to it even if callers race. A check
// whose refund would pass the creator's balance limit is skipped and left
// active.
func (s *Store) ExpireDue(ctx context.Context, now time.Time, limit int) ([]ledger.Check, error) {
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	if err := needTime(now); err != nil {
		return nil, err
	}
	t := ms(now)
	var out []ledger.Check
	err := s.do(ctx, func(tx *wtx) error {
		out = []ledger.Check{}
		rows, err := tx.QueryContext(bg, `SELECT id FROM checks WHERE status = 'active' AND expires_at <= ?
			ORDER BY expires_at, id LIMIT ?`, t, limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.exec(`SAVEPOINT expire`); err != nil {
				return err
			}
			_, err := refund(tx, id, "expire", t)
			if errors.Is(err, ledger.ErrBalanceLimit) {
				clear(tx.sys)
				if err := tx.exec(`ROLLBACK TO expire`); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			if err := tx.exec(`RELEASE expire`); err != nil {
				return err
			}
			if err == nil {
				row, err := checkByID(tx, id)
				if err != nil {
					return err
				}
				out = append(out, row.c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Check returns the check with this number, or ledger.ErrNotFound.
func (s *Store) Check(ctx context.Context, number string) (ledger.Check, error) {
	r, err := checkByNumber(ctxOrBackground(ctx), s.rdb, number)
	if err != nil {
		return ledger.Check{}, err
	}
	return r.c, nil
}

// ActiveChecks returns the checks the user created that are still stored
// as active (locked ones included, and expired ones the sweeper has not
// reached yet: compare ExpiresAt with the time), newest first.
func (s *Store) ActiveChecks(ctx context.Context, userID string) ([]ledger.Check, error) {
	return queryChecks(ctxOrBackground(ctx), s.rdb, checkSelect+`
		WHERE c.creator_account = (SELECT id FROM accounts WHERE user_id = ?) AND c.status = 'active'
		ORDER BY c.created_at DESC, c.id DESC`, userID)
}

// History returns the resolved checks the user created or redeemed, newest
// resolution first, at most limit (0 = all).
func (s *Store) History(ctx context.Context, userID string, limit int) ([]ledger.Check, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return queryChecks(ctxOrBackground(ctx), s.rdb, checkSelect+`
		WHERE c.id IN (
			SELECT id FROM checks WHERE creator_account = (SELECT id FROM accounts WHERE user_id = ?1) AND status <> 'active'
			UNION
			SELECT id FROM checks WHERE redeemer_account = (SELECT id FROM accounts WHERE user_id = ?1))
		ORDER BY c.resolved_at DESC, c.id DESC LIMIT ?2`, userID, limit)
}

// FailedAccepts returns the user's failed accepts at or after since, oldest
// first.
func (s *Store) FailedAccepts(ctx context.Context, userID string, since time.Time) ([]ledger.FailedAccept, error) {
	rows, err := s.rdb.QueryContext(ctxOrBackground(ctx), `SELECT number, reason, at FROM accept_failures
		WHERE user_id = ? AND at >= ? ORDER BY at, id`, userID, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.FailedAccept{}
	for rows.Next() {
		f := ledger.FailedAccept{UserID: userID}
		var at int64
		if err := rows.Scan(&f.Number, &f.Reason, &at); err != nil {
			return nil, err
		}
		f.At = fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
