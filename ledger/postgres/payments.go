package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"fastcheck/ledger"
)

// Payments (ledger.Payments) on PostgreSQL. Each call is one READ
// COMMITTED transaction. Where a decision has to read first, the row it
// decides about is locked first (the order in RecordPayment, the user's
// account in StartWithdrawal); everything else is a conditional UPDATE ...
// RETURNING whose row lock serializes racing writers. The lock order is
// the one of the checks: the order or withdrawal row, then the user's
// account, then the pending-outflow account, then an external account.

const orderCols = `o.id, o.user_account, o.public_id, o.provider, o.external_id, a.user_id, o.currency::text,
	o.expected, o.paid_total, o.paid_native, o.credited, o.status, o.source, o.meta,
	o.created_at, o.updated_at, o.expires_at, o.checked_at`

const orderSelect = `SELECT ` + orderCols + ` FROM orders o JOIN accounts a ON a.id = o.user_account`

// orderRow is an orders row with its row ids.
type orderRow struct {
	id, account int64
	o           ledger.Order
}

func scanOrder(row pgx.Row) (orderRow, error) {
	var r orderRow
	var created, updated, expires, checked int64
	err := row.Scan(&r.id, &r.account, &r.o.ID, &r.o.Provider, &r.o.ExternalID, &r.o.UserID, &r.o.Currency,
		&r.o.Expected, &r.o.PaidTotal, &r.o.PaidNative, &r.o.Credited, &r.o.Status, &r.o.Source, &r.o.Meta,
		&created, &updated, &expires, &checked)
	if noRows(err) {
		return orderRow{}, ledger.ErrNotFound
	}
	if err != nil {
		return orderRow{}, err
	}
	r.o.CreatedAt, r.o.UpdatedAt, r.o.ExpiresAt, r.o.CheckedAt = fromMS(created), fromMS(updated), fromMS(expires), fromMS(checked)
	return r, nil
}

func queryOrders(ctx context.Context, q querier, query string, args ...any) ([]ledger.Order, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Order{}
	for rows.Next() {
		r, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.o)
	}
	return out, rows.Err()
}

const withdrawalCols = `w.id, w.user_account, w.ref, a.user_id, w.amount, w.currency::text, w.destination, w.provider,
	w.outflow, w.status, COALESCE(w.txid, ''), COALESCE(w.reason, ''), w.meta, w.created_at, w.updated_at, w.attempted_at,
	COALESCE(w.claimed_by, ''), w.lease_until`

const withdrawalSelect = `SELECT ` + withdrawalCols + ` FROM withdrawals w JOIN accounts a ON a.id = w.user_account`

type withdrawalRow struct {
	id, account int64
	w           ledger.Withdrawal
}

func scanWithdrawal(row pgx.Row) (withdrawalRow, error) {
	var r withdrawalRow
	var created, updated int64
	var attempted, lease *int64
	err := row.Scan(&r.id, &r.account, &r.w.Ref, &r.w.UserID, &r.w.Amount, &r.w.Currency, &r.w.Destination, &r.w.Provider,
		&r.w.Outflow, &r.w.Status, &r.w.TxID, &r.w.Reason, &r.w.Meta, &created, &updated, &attempted, &r.w.ClaimedBy, &lease)
	if noRows(err) {
		return withdrawalRow{}, ledger.ErrNotFound
	}
	if err != nil {
		return withdrawalRow{}, err
	}
	r.w.CreatedAt, r.w.UpdatedAt, r.w.AttemptedAt = fromMS(created), fromMS(updated), fromNullMS(attempted)
	r.w.LeaseUntil = fromNullMS(lease)
	return r, nil
}

func queryWithdrawals(ctx context.Context, q querier, query string, args ...any) ([]ledger.Withdrawal, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Withdrawal{}
	for rows.Next() {
		r, err := scanWithdrawal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.w)
	}
	return out, rows.Err()
}

// tx runs fn in one READ COMMITTED transaction, retried as run retries.
func (s *Store) tx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.run(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
	})
}

// moveSQL is one transfer inside a payment's transaction: the debit and
// the credit of one amount and the journal row with both balances after
// it. The first account's row is updated (locked) first: the data
// dependency of the second UPDATE on the first forces the order. The
// schema refuses a negative balance (accounts_balance_nonnegative) and one
// above the limit (accounts_balance_limit); mapError turns those into
// ledger errors.
const moveSQL = `WITH a1 AS (
	UPDATE accounts SET balance = balance + $2::bigint WHERE id = $1 RETURNING balance
), a2 AS (
	UPDATE accounts a SET balance = a.balance + $4::bigint FROM a1 WHERE a.id = $3 RETURNING a.balance
), tr AS (
	INSERT INTO transfers (kind, ref, order_id, withdrawal_id, debit_account, credit_account, amount,
		debit_balance, credit_balance, created_at)
	SELECT $5::text::transfer_kind, $6, $7, $8, $9, $10, $11::bigint,
		CASE WHEN $9 = $1 THEN a1.balance ELSE a2.balance END,
		CASE WHEN $10 = $1 THEN a1.balance ELSE a2.balance END, $12
	FROM a1, a2
	RETURNING debit_balance, credit_balance
)
SELECT tr.debit_balance, tr.credit_balance
FROM (SELECT fastcheck_assert((SELECT count(*) FROM tr) = 1, $5) AS ok) one LEFT JOIN tr ON true
WHERE one.ok`

// link is what a transfer belongs to (row ids; 0 for none).
type link struct{ order, withdrawal int64 }

// move transfers amount from one account to another in tx. creditFirst
// says which row to lock first (the global lock order). It returns both
// balances after the move.
func move(ctx context.Context, tx pgx.Tx, kind string, l link, ref string, now int64, from, to, amount int64, creditFirst bool) (fromBal, toBal int64, err error) {
	if amount <= 0 {
		return 0, 0, fmt.Errorf("ledger/postgres: transfer of %d", amount)
	}
	first, d1, second, d2 := from, -amount, to, amount
	if creditFirst {
		first, d1, second, d2 = to, amount, from, -amount
	}
	err = tx.QueryRow(ctx, moveSQL, first, d1, second, d2, kind, nullString(ref), nullID(l.order), nullID(l.withdrawal),
		from, to, amount, now).Scan(&fromBal, &toBal)
	return fromBal, toBal, err
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func limitArg(limit int) *int64 {
	if limit <= 0 {
		return nil // LIMIT NULL: no limit
	}
	l := int64(limit)
	return &l
}

// idemLookup finds an earlier request of this account with the same
// idempotency key (query selects its hash and its id). found reports a
// replay of the same request; a different request under the key is
// ErrIdempotencyReuse.
func idemLookup(ctx context.Context, q querier, query string, accountID int64, idem *ledger.Idempotency) (id string, found bool, err error) {
	if idem == nil {
		return "", false, nil
	}
	var stored []byte
	err = q.QueryRow(ctx, query, accountID, idem.Key).Scan(&stored, &id)
	switch {
	case noRows(err):
		return "", false, nil
	case err != nil:
		return "", false, err
	case !bytes.Equal(stored, idem.Hash):
		return "", false, ledger.ErrIdempotencyReuse
	}
	return id, true, nil
}

// idemCols returns the idempotency columns of a new row (NULLs for none).
func idemCols(idem *ledger.Idempotency) (key *string, hash []byte) {
	if idem == nil {
		return nil, nil
	}
	k := idem.Key
	return &k, idem.Hash
}

// CreateOrder implements ledger.Payments.
func (s *Store) CreateOrder(ctx context.Context, n ledger.NewOrder) (ledger.Order, bool, error) {
	if err := n.Validate(); err != nil {
		return ledger.Order{}, false, err
	}
	meta, _ := ledger.CheckMeta(n.Meta)
	now := ms(n.Now)
	var err error
	key, hash := idemCols(n.Idem)
	const byKey = `SELECT idem_hash, public_id FROM orders WHERE user_account = $1 AND idem_key = $2`
	var out ledger.Order
	var replayed bool
	err = s.run(ctx, func(ctx context.Context) error {
		var accID int64
		var currency string
		err := s.pool.QueryRow(ctx, `SELECT id, currency FROM accounts WHERE user_id = $1`, n.UserID).Scan(&accID, &currency)
		if noRows(err) {
			return ledger.ErrNotFound
		}
		if err != nil {
			return err
		}
		replay := func() (bool, error) {
			publicID, found, err := idemLookup(ctx, s.pool, byKey, accID, n.Idem)
			if err != nil || !found {
				return false, err
			}
			r, err := scanOrder(s.pool.QueryRow(ctx, orderSelect+` WHERE o.public_id = $1`, publicID))
			out, replayed = r.o, true
			return true, err
		}
		if done, err := replay(); done || err != nil {
			return err
		}
		if currency != n.Currency {
			return ledger.ErrCurrencyMismatch
		}
		r, err := scanOrder(s.pool.QueryRow(ctx, `WITH o AS (
			INSERT INTO orders (public_id, provider, external_id, user_account, currency, expected,
				status, source, meta, idem_key, idem_hash, created_at, updated_at, expires_at, checked_at)
			VALUES ($1, $2, $3, $4, $5::text, $6, 'new', $7, $8, $9, $10, $11, $11, $12, $11)
			ON CONFLICT DO NOTHING RETURNING *)
			SELECT `+orderCols+` FROM o JOIN accounts a ON a.id = o.user_account`,
			n.ID, n.Provider, n.ExternalID, accID, n.Currency, n.Expected, n.Source, meta, key, hash, now, ms(n.ExpiresAt)))
		if errors.Is(err, ledger.ErrNotFound) {
			// A unique key was taken (ON CONFLICT waited for its
			// writer to commit): the same idempotency key replays,
			// anything else is a second order for the same ids.
			if done, err := replay(); done || err != nil {
				return err
			}
			return fmt.Errorf("ledger/postgres: order %s or %s %s is already recorded", n.ID, n.Provider, n.ExternalID)
		}
		out = r.o
		return err
	})
	if err != nil {
		return ledger.Order{}, false, err
	}
	return out, replayed, nil
}

// Order implements ledger.Payments.
func (s *Store) Order(ctx context.Context, id string) (ledger.Order, error) {
	var r orderRow
	err := s.run(ctx, func(ctx context.Context) (err error) {
		r, err = scanOrder(s.pool.QueryRow(ctx, orderSelect+` WHERE o.public_id = $1`, id))
		return err
	})
	return r.o, err
}

// OrderByExternal implements ledger.Payments.
func (s *Store) OrderByExternal(ctx context.Context, provider, externalID string) (ledger.Order, error) {
	var r orderRow
	err := s.run(ctx, func(ctx context.Context) (err error) {
		r, err = scanOrder(s.pool.QueryRow(ctx, orderSelect+` WHERE o.provider = $1 AND o.external_id = $2`, provider, externalID))
		return err
	})
	return r.o, err
}

// OrderByKey implements ledger.Payments.
func (s *Store) OrderByKey(ctx context.Context, userID, key string) (ledger.Order, []byte, error) {
	var r orderRow
	var hash []byte
	err := s.run(ctx, func(ctx context.Context) error {
		row := s.pool.QueryRow(ctx, `SELECT o.idem_hash, `+orderCols+` FROM orders o JOIN accounts a ON a.id = o.user_account
			WHERE a.user_id = $1 AND o.idem_key = $2`, userID, key)
		var err error
		r, err = scanOrder(prefixed{row, []any{&hash}})
		return err
	})
	if err != nil {
		return ledger.Order{}, nil, err
	}
	return r.o, hash, nil
}

// prefixed scans a row whose first columns go to dest and the rest to
// the inner scanner's destinations.
type prefixed struct {
	row  pgx.Row
	dest []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.dest, dest...)...) }

// OrdersByUser implements ledger.Payments.
func (s *Store) OrdersByUser(ctx context.Context, userID string, limit int) ([]ledger.Order, error) {
	var out []ledger.Order
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryOrders(ctx, s.pool, orderSelect+`
			WHERE o.user_account = (SELECT id FROM accounts WHERE user_id = $1)
			ORDER BY o.created_at DESC, o.id DESC LIMIT $2`, userID, limitArg(limit))
		return err
	})
	return out, err
}

// OpenOrders implements ledger.Payments.
func (s *Store) OpenOrders(ctx context.Context, provider string, limit int) ([]ledger.Order, error) {
	var out []ledger.Order
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryOrders(ctx, s.pool, orderSelect+`
			WHERE o.provider = $1 AND o.status IN ('new', 'part')
			ORDER BY o.checked_at, o.id LIMIT $2`, provider, limitArg(limit))
		return err
	})
	return out, err
}

// ClosedSince implements ledger.Payments.
func (s *Store) ClosedSince(ctx context.Context, provider string, since time.Time, limit int) ([]ledger.Order, error) {
	var out []ledger.Order
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryOrders(ctx, s.pool, orderSelect+`
			WHERE o.provider = $1 AND o.status = 'close' AND o.updated_at > $2
			ORDER BY o.updated_at DESC, o.id DESC LIMIT $3`, provider, ms(since), limitArg(limit))
		return err
	})
	return out, err
}

// SettledNative implements ledger.Payments.
func (s *Store) SettledNative(ctx context.Context, provider string) (int64, error) {
	var n int64
	err := s.run(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT COALESCE(SUM(paid_native), 0)::bigint FROM orders WHERE provider = $1 AND status = 'close'`,
			provider).Scan(&n)
	})
	return n, err
}

// RecordPayment implements ledger.Payments. The order's row is locked
// first (a concurrent notice of the same order waits, then reads what
// this one wrote); the event id is inserted ON CONFLICT DO NOTHING; the
// credit is the conditional UPDATE ... SET credited = paid WHERE credited <
// paid, and the transfer of exactly the difference.
func (s *Store) RecordPayment(ctx context.Context, p ledger.PaymentUpdate) (ledger.PaymentResult, error) {
	if err := p.Validate(); err != nil {
		return ledger.PaymentResult{}, err
	}
	var err error
	now := ms(p.Now)
	// The order's user and source are needed for the credit's accounts,
	// which are looked up (and created on first use) outside the
	// transaction.
	o, err := s.OrderByExternal(ctx, p.Provider, p.ExternalID)
	if err != nil {
		return ledger.PaymentResult{}, err
	}
	src, err := s.externalAccount(ctxOrBackground(ctx), o.Source, o.UserID, o.Currency, now)
	if err != nil {
		return ledger.PaymentResult{}, err
	}
	if src == 0 {
		return ledger.PaymentResult{}, fmt.Errorf("ledger/postgres: no account for order %s's source %s", o.ID, o.Source)
	}
	var res ledger.PaymentResult
	err = s.tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		res = ledger.PaymentResult{}
		r, err := scanOrder(tx.QueryRow(ctx, orderSelect+` WHERE o.provider = $1 AND o.external_id = $2 FOR NO KEY UPDATE OF o`,
			p.Provider, p.ExternalID))
		if err != nil {
			return err
		}
		if p.EventID != "" {
			tag, err := tx.Exec(ctx, `INSERT INTO provider_events (provider, event_id, order_id, received_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, p.Provider, p.EventID, r.id, now)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				res = ledger.PaymentResult{Order: r.o, Duplicate: true}
				return nil
			}
		}
		cur := r.o
		next := cur.Apply(p)
		paid, native, status, updated := next.PaidTotal, next.PaidNative, next.Status, ms(next.UpdatedAt)
		// The credit: exactly paid − credited, once. The conditional
		// update is what makes it exactly-once; the unique ref of the
		// transfer would catch a second one anyway.
		if _, err := tx.Exec(ctx, `UPDATE orders SET paid_total = $1, paid_native = $2, status = $3, updated_at = $4,
				checked_at = GREATEST(checked_at, $5) WHERE id = $6`,
			paid, native, status, updated, now, r.id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE orders SET credited = $1 WHERE id = $2 AND credited < $1`, paid, r.id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			// cur was read under this transaction's lock of the row.
			delta := paid - cur.Credited
			_, bal, err := move(ctx, tx, "topup", link{order: r.id}, "topup:"+cur.ID+":"+strconv.FormatInt(paid, 10), now,
				src, r.account, delta, true)
			if err != nil {
				return err
			}
			res.Credited, res.Balance = delta, bal
		}
		r, err = scanOrder(tx.QueryRow(ctx, orderSelect+` WHERE o.id = $1`, r.id))
		res.Order = r.o
		return err
	})
	if err != nil {
		return ledger.PaymentResult{}, err
	}
	return res, nil
}

// ExpireOrders implements ledger.Payments. Orders are claimed with FOR
// NO KEY UPDATE SKIP LOCKED: sweeps on several replicas take disjoint
// sets, and an order a payment holds is left for the next sweep.
func (s *Store) ExpireOrders(ctx context.Context, now time.Time, limit int) ([]ledger.Order, error) {
	if err := needTime(now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	return s.updateOrders(ctx, `UPDATE orders SET status = 'expired', updated_at = $1
			WHERE id IN (SELECT id FROM orders WHERE status IN ('new', 'part') AND expires_at <= $1
				ORDER BY expires_at, id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED)`, ms(now), limit)
}

// PollOrders implements ledger.Payments. Orders are picked with FOR NO
// KEY UPDATE SKIP LOCKED and marked checked at now in the same statement,
// so replicas polling together take disjoint sets.
func (s *Store) PollOrders(ctx context.Context, provider string, checkedBefore, now time.Time, limit int) ([]ledger.Order, error) {
	if err := needTime(now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	return s.updateOrders(ctx, `UPDATE orders SET checked_at = $1
			WHERE id IN (SELECT id FROM orders WHERE provider = $2 AND status IN ('new', 'part') AND checked_at <= $3
				ORDER BY checked_at, id LIMIT $4 FOR NO KEY UPDATE SKIP LOCKED)`, ms(now), provider, ms(checkedBefore), limit)
}

// updateOrders runs an UPDATE of orders (without RETURNING) and returns
// the orders as updated, in id order.
func (s *Store) updateOrders(ctx context.Context, update string, args ...any) ([]ledger.Order, error) {
	var out []ledger.Order
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryOrders(ctx, s.pool, `WITH o AS (`+update+` RETURNING *)
			SELECT `+orderCols+` FROM o JOIN accounts a ON a.id = o.user_account ORDER BY o.id`, args...)
		return err
	})
	return out, err
}

// StartWithdrawal implements ledger.Payments. The user's account is
// locked first, so concurrent withdrawals of one user (and retries with
// one idempotency key) are serialized and each sees the others' result.
func (s *Store) StartWithdrawal(ctx context.Context, n ledger.NewWithdrawal) (ledger.Withdrawal, bool, error) {
	if err := n.Validate(); err != nil {
		return ledger.Withdrawal{}, false, err
	}
	meta, _ := ledger.CheckMeta(n.Meta)
	now := ms(n.Now)
	var err error
	key, hash := idemCols(n.Idem)
	var out ledger.Withdrawal
	var replayed bool
	err = s.run(ctx, func(ctx context.Context) error {
		pending, err := s.systemAccount(ctx, ledger.PendingAccount(n.Outflow), "escrow", n.UserID, n.Currency, now)
		if err != nil {
			return err
		}
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			out, replayed = ledger.Withdrawal{}, false
			var accID, balance int64
			var currency string
			err := tx.QueryRow(ctx, `SELECT id, currency, balance FROM accounts WHERE user_id = $1 FOR NO KEY UPDATE`, n.UserID).
				Scan(&accID, &currency, &balance)
			if noRows(err) {
				return ledger.ErrNotFound
			}
			if err != nil {
				return err
			}
			ref, found, err := idemLookup(ctx, tx, `SELECT idem_hash, ref FROM withdrawals WHERE user_account = $1 AND idem_key = $2`, accID, n.Idem)
			if err != nil {
				return err
			}
			if found {
				r, err := scanWithdrawal(tx.QueryRow(ctx, withdrawalSelect+` WHERE w.ref = $1`, ref))
				out, replayed = r.w, true
				return err
			}
			if r, err := scanWithdrawal(tx.QueryRow(ctx, withdrawalSelect+` WHERE w.ref = $1`, n.Ref)); err == nil {
				w := r.w
				if !n.Same(w) {
					return ledger.ErrIdempotencyReuse
				}
				out, replayed = w, true
				return nil
			} else if !errors.Is(err, ledger.ErrNotFound) {
				return err
			}
			if currency != n.Currency {
				return ledger.ErrCurrencyMismatch
			}
			if balance < n.Amount {
				return ledger.ErrInsufficientFunds
			}
			if pending == 0 {
				return errRetry // the account appeared after the look-up
			}
			var id int64
			err = tx.QueryRow(ctx, `INSERT INTO withdrawals (ref, user_account, amount, currency, destination, provider,
				outflow, status, meta, idem_key, idem_hash, created_at, updated_at)
				VALUES ($1, $2, $3, $4::text, $5, $6, $7, 'pending', $8, $9, $10, $11, $11)
				ON CONFLICT DO NOTHING RETURNING id`,
				n.Ref, accID, n.Amount, n.Currency, n.Destination, n.Provider, n.Outflow, meta, key, hash, now).Scan(&id)
			if noRows(err) {
				return errRetry // the ref was taken concurrently: the next attempt compares
			}
			if err != nil {
				return err
			}
			if _, _, err := move(ctx, tx, "withdraw", link{withdrawal: id}, "", now, accID, pending, n.Amount, false); err != nil {
				return err
			}
			r, err := scanWithdrawal(tx.QueryRow(ctx, withdrawalSelect+` WHERE w.id = $1`, id))
			out = r.w
			return err
		})
	})
	if err != nil {
		return ledger.Withdrawal{}, false, err
	}
	return out, replayed, nil
}

// Withdrawal implements ledger.Payments.
func (s *Store) Withdrawal(ctx context.Context, ref string) (ledger.Withdrawal, error) {
	var r withdrawalRow
	err := s.run(ctx, func(ctx context.Context) (err error) {
		r, err = scanWithdrawal(s.pool.QueryRow(ctx, withdrawalSelect+` WHERE w.ref = $1`, ref))
		return err
	})
	return r.w, err
}

// WithdrawalsByUser implements ledger.Payments.
func (s *Store) WithdrawalsByUser(ctx context.Context, userID string, limit int) ([]ledger.Withdrawal, error) {
	var out []ledger.Withdrawal
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryWithdrawals(ctx, s.pool, withdrawalSelect+`
			WHERE w.user_account = (SELECT id FROM accounts WHERE user_id = $1)
			ORDER BY w.created_at DESC, w.id DESC LIMIT $2`, userID, limitArg(limit))
		return err
	})
	return out, err
}

// PendingWithdrawals implements ledger.Payments.
func (s *Store) PendingWithdrawals(ctx context.Context, limit int) ([]ledger.Withdrawal, error) {
	var out []ledger.Withdrawal
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryWithdrawals(ctx, s.pool, withdrawalSelect+`
			WHERE w.status IN ('pending', 'unknown') ORDER BY w.created_at, w.id LIMIT $1`, limitArg(limit))
		return err
	})
	return out, err
}

// LeaseWithdrawal implements ledger.Payments: one conditional UPDATE of
// a row picked with FOR NO KEY UPDATE SKIP LOCKED, so replicas racing for
// one withdrawal never wait for each other: one wins, the others are
// told it is taken. The transfer slot is a unique index
// (withdrawals_transfer_slot): a second withdrawal of the provider
// entering it fails with ErrTransferBusy, after waiting for a concurrent
// one to commit.
func (s *Store) LeaseWithdrawal(ctx context.Context, ref, owner string, now, until time.Time) (ledger.Withdrawal, error) {
	if err := ledger.CheckLease(ref, owner, now, until); err != nil {
		return ledger.Withdrawal{}, err
	}
	var out ledger.Withdrawal
	err := s.run(ctx, func(ctx context.Context) error {
		r, err := scanWithdrawal(s.pool.QueryRow(ctx, `WITH w AS (
			UPDATE withdrawals SET claimed_by = $2, lease_until = $4
			WHERE id = (SELECT id FROM withdrawals WHERE ref = $1 AND status IN ('pending', 'unknown')
				AND (claimed_by IS NULL OR claimed_by = $2 OR lease_until IS NULL OR lease_until <= $3)
				FOR NO KEY UPDATE SKIP LOCKED)
			RETURNING *)
			SELECT `+withdrawalCols+` FROM w JOIN accounts a ON a.id = w.user_account`, ref, owner, ms(now), ms(until)))
		if errors.Is(err, ledger.ErrNotFound) {
			return s.refused(ctx, ref)
		}
		out = r.w
		return err
	})
	return out, err
}

// refused explains why a conditional update of withdrawal ref matched no
// row: it does not exist, or it is not in a state that allows the call.
func (s *Store) refused(ctx context.Context, ref string) error {
	if _, err := scanWithdrawal(s.pool.QueryRow(ctx, withdrawalSelect+` WHERE w.ref = $1`, ref)); err != nil {
		return err
	}
	return ledger.ErrWithdrawalState
}

// ClaimWithdrawal implements ledger.Payments: one conditional UPDATE.
func (s *Store) ClaimWithdrawal(ctx context.Context, ref, owner, meta string, now, until time.Time) (ledger.Withdrawal, error) {
	if err := ledger.CheckLease(ref, owner, now, until); err != nil {
		return ledger.Withdrawal{}, err
	}
	if meta != "" {
		if _, err := ledger.CheckMeta(meta); err != nil {
			return ledger.Withdrawal{}, err
		}
	}
	var out ledger.Withdrawal
	err := s.run(ctx, func(ctx context.Context) error {
		r, err := scanWithdrawal(s.pool.QueryRow(ctx, `WITH w AS (
			UPDATE withdrawals SET attempted_at = $1, updated_at = $1, lease_until = $5,
				meta = CASE WHEN $2::text = '' THEN meta ELSE $2::text END
			WHERE ref = $3 AND status = 'pending' AND attempted_at IS NULL AND claimed_by = $4 AND lease_until > $1
			RETURNING *)
			SELECT `+withdrawalCols+` FROM w JOIN accounts a ON a.id = w.user_account`, ms(now), meta, ref, owner, ms(until)))
		if errors.Is(err, ledger.ErrNotFound) {
			return s.refused(ctx, ref)
		}
		out = r.w
		return err
	})
	return out, err
}

// FinishWithdrawal implements ledger.Payments. The conditional UPDATE of
// the withdrawal's row decides (a concurrent outcome waits for its lock
// and then finds the condition false); the money moves in the same
// transaction.
func (s *Store) FinishWithdrawal(ctx context.Context, f ledger.FinishWithdrawal) (ledger.Withdrawal, error) {
	cond, err := f.Check()
	if err != nil {
		return ledger.Withdrawal{}, err
	}
	now := ms(f.Now)
	// The accounts the money moves between, looked up (and created on
	// first use) outside the transaction.
	cur, err := s.Withdrawal(ctx, f.Ref)
	if err != nil {
		return ledger.Withdrawal{}, err
	}
	var pending, external int64
	if f.Status == ledger.WithdrawSent || f.Status == ledger.WithdrawFailed {
		if pending, err = s.systemAccount(ctxOrBackground(ctx), ledger.PendingAccount(cur.Outflow), "escrow", cur.UserID, cur.Currency, now); err == nil {
			external, err = s.externalAccount(ctxOrBackground(ctx), cur.Outflow, cur.UserID, cur.Currency, now)
		}
		if err != nil {
			return ledger.Withdrawal{}, err
		}
	}
	var out ledger.Withdrawal
	err = s.tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		set, args := `status = $3, txid = $4, reason = $5, updated_at = $2`, []any{f.Ref, now, f.Status, nullString(f.TxID), nullString(f.Reason)}
		if f.Status == ledger.WithdrawPending {
			set, args = `attempted_at = NULL, claimed_by = NULL, lease_until = NULL, updated_at = $2`, args[:2]
		}
		r, err := scanWithdrawal(tx.QueryRow(ctx, `WITH w AS (
			UPDATE withdrawals SET `+set+` WHERE ref = $1 AND `+cond+` RETURNING *)
			SELECT `+withdrawalCols+` FROM w JOIN accounts a ON a.id = w.user_account`, args...))
		if errors.Is(err, ledger.ErrNotFound) {
			got, err := scanWithdrawal(tx.QueryRow(ctx, withdrawalSelect+` WHERE w.ref = $1`, f.Ref))
			if err != nil {
				return err
			}
			if f.Repeats(got.w) {
				out = got.w // a repeated outcome
				return nil
			}
			return ledger.ErrWithdrawalState
		}
		if err != nil {
			return err
		}
		w := r.w
		switch {
		case f.Status == ledger.WithdrawSent && pending != 0 && external != 0:
			_, _, err = move(ctx, tx, "payout", link{withdrawal: r.id}, "", now, pending, external, w.Amount, false)
		case f.Status == ledger.WithdrawFailed && pending != 0:
			_, _, err = move(ctx, tx, "refund", link{withdrawal: r.id}, "", now, pending, r.account, w.Amount, true)
		case f.Status == ledger.WithdrawSent || f.Status == ledger.WithdrawFailed:
			err = errRetry // not reached: the withdrawal's accounts exist
		}
		out = w
		return err
	})
	return out, err
}

// AdvanceStep implements ledger.Payments: one conditional upsert.
func (s *Store) AdvanceStep(ctx context.Context, secretID string, step uint64) (bool, error) {
	if err := ledger.CheckText("secret id", secretID, 128); err != nil {
		return false, err
	}
	if step > math.MaxInt64 {
		return false, errors.New("ledger/postgres: TOTP step out of range")
	}
	var ok bool
	err := s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `INSERT INTO totp_steps (secret_id, step) VALUES ($1, $2)
			ON CONFLICT (secret_id) DO UPDATE SET step = excluded.step WHERE excluded.step > totp_steps.step`,
			secretID, int64(step))
		ok = err == nil && tag.RowsAffected() == 1
		return err
	})
	return ok, err
}

var _ ledger.Payments = (*Store)(nil)
