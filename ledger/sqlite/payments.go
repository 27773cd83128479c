package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"fastcheck/ledger"
)

var _ ledger.Payments = (*Store)(nil)

const orderSelect = `SELECT o.id, o.user_account, o.public_id, o.provider, o.external_id, a.user_id, o.currency,
	o.expected, o.paid_total, o.paid_native, o.credited, o.status, o.source, o.meta,
	o.created_at, o.updated_at, o.expires_at, o.checked_at
	FROM orders o JOIN accounts a ON a.id = o.user_account`

// orderRow is an orders row with its row ids.
type orderRow struct {
	id, account int64
	o           ledger.Order
}

func scanOrder(sc scanner) (orderRow, error) {
	var r orderRow
	var created, updated, expires, checked int64
	err := sc.Scan(&r.id, &r.account, &r.o.ID, &r.o.Provider, &r.o.ExternalID, &r.o.UserID, &r.o.Currency,
		&r.o.Expected, &r.o.PaidTotal, &r.o.PaidNative, &r.o.Credited, &r.o.Status, &r.o.Source, &r.o.Meta,
		&created, &updated, &expires, &checked)
	if err != nil {
		return orderRow{}, err
	}
	r.o.CreatedAt, r.o.UpdatedAt, r.o.ExpiresAt, r.o.CheckedAt = fromMS(created), fromMS(updated), fromMS(expires), fromMS(checked)
	return r, nil
}

func oneOrder(ctx context.Context, q queryer, where string, args ...any) (orderRow, error) {
	r, err := scanOrder(q.QueryRowContext(ctx, orderSelect+` WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return orderRow{}, ledger.ErrNotFound
	}
	return r, err
}

func queryOrders(ctx context.Context, q queryer, query string, args ...any) ([]ledger.Order, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

func limitArg(limit int) int {
	if limit <= 0 {
		return -1 // SQLite: no limit
	}
	return limit
}

// CreateOrder implements ledger.Payments.
func (s *Store) CreateOrder(ctx context.Context, n ledger.NewOrder) (ledger.Order, bool, error) {
	if err := n.Validate(); err != nil {
		return ledger.Order{}, false, err
	}
	meta, _ := ledger.CheckMeta(n.Meta)
	now := ms(n.Now)
	var err error
	var out ledger.Order
	var replayed bool
	err = s.do(ctx, func(tx *wtx) error {
		acc, err := userAccount(bg, tx, n.UserID)
		if err != nil {
			return err
		}
		key, hash, publicID, found, err := idemLookup(tx, `SELECT idem_hash, public_id FROM orders WHERE user_account = ? AND idem_key = ?`, acc.id, n.Idem)
		if err != nil {
			return err
		}
		if found {
			r, err := oneOrder(bg, tx, `o.public_id = ?`, publicID)
			out, replayed = r.o, true
			return err
		}
		if acc.currency != n.Currency {
			return ledger.ErrCurrencyMismatch
		}
		var id int64
		err = tx.QueryRowContext(bg, `INSERT INTO orders (public_id, provider, external_id, user_account, currency, expected,
			status, source, meta, idem_key, idem_hash, created_at, updated_at, expires_at, checked_at)
			VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING RETURNING id`,
			n.ID, n.Provider, n.ExternalID, acc.id, n.Currency, n.Expected, n.Source, meta, key, hash,
			now, now, ms(n.ExpiresAt), now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("ledger/sqlite: order %s or %s %s is already recorded", n.ID, n.Provider, n.ExternalID)
		}
		if err != nil {
			return err
		}
		r, err := oneOrder(bg, tx, `o.id = ?`, id)
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
	r, err := oneOrder(ctxOrBackground(ctx), s.rdb, `o.public_id = ?`, id)
	return r.o, err
}

// OrderByExternal implements ledger.Payments.
func (s *Store) OrderByExternal(ctx context.Context, provider, externalID string) (ledger.Order, error) {
	r, err := oneOrder(ctxOrBackground(ctx), s.rdb, `o.provider = ? AND o.external_id = ?`, provider, externalID)
	return r.o, err
}

// OrderByKey implements ledger.Payments.
func (s *Store) OrderByKey(ctx context.Context, userID, key string) (ledger.Order, []byte, error) {
	var hash []byte
	var publicID string
	ctx = ctxOrBackground(ctx)
	err := s.rdb.QueryRowContext(ctx, `SELECT o.idem_hash, o.public_id FROM orders o JOIN accounts a ON a.id = o.user_account
		WHERE a.user_id = ? AND o.idem_key = ?`, userID, key).Scan(&hash, &publicID)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Order{}, nil, ledger.ErrNotFound
	}
	if err != nil {
		return ledger.Order{}, nil, err
	}
	r, err := oneOrder(ctx, s.rdb, `o.public_id = ?`, publicID)
	return r.o, hash, err
}

// OrdersByUser implements ledger.Payments.
func (s *Store) OrdersByUser(ctx context.Context, userID string, limit int) ([]ledger.Order, error) {
	return queryOrders(ctxOrBackground(ctx), s.rdb, orderSelect+`
		WHERE o.user_account = (SELECT id FROM accounts WHERE user_id = ?)
		ORDER BY o.created_at DESC, o.id DESC LIMIT ?`, userID, limitArg(limit))
}

// OpenOrders implements ledger.Payments.
func (s *Store) OpenOrders(ctx context.Context, provider string, limit int) ([]ledger.Order, error) {
	return queryOrders(ctxOrBackground(ctx), s.rdb, orderSelect+`
		WHERE o.provider = ? AND o.status IN ('new', 'part')
		ORDER BY o.checked_at, o.id LIMIT ?`, provider, limitArg(limit))
}

// ClosedSince implements ledger.Payments.
func (s *Store) ClosedSince(ctx context.Context, provider string, since time.Time, limit int) ([]ledger.Order, error) {
	return queryOrders(ctxOrBackground(ctx), s.rdb, orderSelect+`
		WHERE o.provider = ? AND o.status = 'close' AND o.updated_at > ?
		ORDER BY o.updated_at DESC, o.id DESC LIMIT ?`, provider, ms(since), limitArg(limit))
}

// SettledNative implements ledger.Payments.
func (s *Store) SettledNative(ctx context.Context, provider string) (int64, error) {
	var n int64
	err := s.rdb.QueryRowContext(ctxOrBackground(ctx),
		`SELECT COALESCE(SUM(paid_native), 0) FROM orders WHERE provider = ? AND status = 'close'`, provider).Scan(&n)
	return n, err
}

// RecordPayment implements ledger.Payments.
func (s *Store) RecordPayment(ctx context.Context, p ledger.PaymentUpdate) (ledger.PaymentResult, error) {
	if err := p.Validate(); err != nil {
		return ledger.PaymentResult{}, err
	}
	var err error
	now := ms(p.Now)
	var res ledger.PaymentResult
	err = s.do(ctx, func(tx *wtx) error {
		r, err := oneOrder(bg, tx, `o.provider = ? AND o.external_id = ?`, p.Provider, p.ExternalID)
		if err != nil {
			return err
		}
		if p.EventID != "" {
			ins, err := tx.ExecContext(bg, `INSERT INTO provider_events (provider, event_id, order_id, received_at)
				VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.Provider, p.EventID, r.id, now)
			if err != nil {
				return err
			}
			if n, err := ins.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				res = ledger.PaymentResult{Order: r.o, Duplicate: true}
				return nil
			}
		}
		o := r.o
		next := o.Apply(p)
		paid, native, status, updated := next.PaidTotal, next.PaidNative, next.Status, ms(next.UpdatedAt)
		if _, err := tx.ExecContext(bg, `UPDATE orders SET paid_total = ?, paid_native = ?, status = ?, updated_at = ?, checked_at = ?
			WHERE id = ?`, paid, native, status, updated, max(now, ms(o.CheckedAt)), r.id); err != nil {
			return err
		}
		// The credit: exactly paid − credited, once. The conditional
		// update is what makes it exactly-once; the unique ref of the
		// journal transaction would catch a second one anyway.
		upd, err := tx.ExecContext(bg, `UPDATE orders SET credited = ?1 WHERE id = ?2 AND credited < ?1`, paid, r.id)
		if err != nil {
			return err
		}
		n, err := upd.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			delta := paid - o.Credited
			src, err := systemAccount(tx, "external", o.Source, o.Currency, now)
			if err != nil {
				return err
			}
			_, bal, err := transferFor(tx, "topup", txLink{order: r.id}, "topup:"+o.ID+":"+strconv.FormatInt(paid, 10), now, src, r.account, delta)
			if err != nil {
				return err
			}
			res.Credited, res.Balance = delta, bal
		}
		r, err = oneOrder(bg, tx, `o.id = ?`, r.id)
		res.Order = r.o
		return err
	})
	if err != nil {
		return ledger.PaymentResult{}, err
	}
	return res, nil
}

// ExpireOrders implements ledger.Payments.
func (s *Store) ExpireOrders(ctx context.Context, now time.Time, limit int) ([]ledger.Order, error) {
	if err := needTime(now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	return s.updateOrders(ctx, `UPDATE orders SET status = 'expired', updated_at = ?1
			WHERE id IN (SELECT id FROM orders WHERE status IN ('new', 'part') AND expires_at <= ?1 ORDER BY expires_at, id LIMIT ?2)
			RETURNING id`, ms(now), limit)
}

// PollOrders implements ledger.Payments.
func (s *Store) PollOrders(ctx context.Context, provider string, checkedBefore, now time.Time, limit int) ([]ledger.Order, error) {
	if err := needTime(now); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	return s.updateOrders(ctx, `UPDATE orders SET checked_at = ?1
			WHERE id IN (SELECT id FROM orders WHERE provider = ?2 AND status IN ('new', 'part') AND checked_at <= ?3
				ORDER BY checked_at, id LIMIT ?4)
			RETURNING id`, ms(now), provider, ms(checkedBefore), limit)
}

// updateOrders runs an UPDATE of orders that returns their ids and
// returns the orders as updated, in id order.
func (s *Store) updateOrders(ctx context.Context, update string, args ...any) ([]ledger.Order, error) {
	var out []ledger.Order
	err := s.do(ctx, func(tx *wtx) error {
		rows, err := tx.QueryContext(bg, update, args...)
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
		slices.Sort(ids)
		out = []ledger.Order{}
		for _, id := range ids {
			r, err := oneOrder(bg, tx, `o.id = ?`, id)
			if err != nil {
				return err
			}
			out = append(out, r.o)
		}
		return nil
	})
	return out, err
}

const withdrawalSelect = `SELECT w.id, w.user_account, w.ref, a.user_id, w.amount, w.currency, w.destination, w.provider,
	w.outflow, w.status, COALESCE(w.txid, ''), COALESCE(w.reason, ''), w.meta, w.created_at, w.updated_at, w.attempted_at,
	COALESCE(w.claimed_by, ''), w.lease_until
	FROM withdrawals w JOIN accounts a ON a.id = w.user_account`

type withdrawalRow struct {
	id, account int64
	w           ledger.Withdrawal
}

func scanWithdrawal(sc scanner) (withdrawalRow, error) {
	var r withdrawalRow
	var created, updated int64
	var attempted, lease sql.NullInt64
	err := sc.Scan(&r.id, &r.account, &r.w.Ref, &r.w.UserID, &r.w.Amount, &r.w.Currency, &r.w.Destination, &r.w.Provider,
		&r.w.Outflow, &r.w.Status, &r.w.TxID, &r.w.Reason, &r.w.Meta, &created, &updated, &attempted, &r.w.ClaimedBy, &lease)
	if err != nil {
		return withdrawalRow{}, err
	}
	r.w.CreatedAt, r.w.UpdatedAt, r.w.AttemptedAt = fromMS(created), fromMS(updated), fromNullMS(attempted)
	r.w.LeaseUntil = fromNullMS(lease)
	return r, nil
}

func oneWithdrawal(ctx context.Context, q queryer, where string, args ...any) (withdrawalRow, error) {
	r, err := scanWithdrawal(q.QueryRowContext(ctx, withdrawalSelect+` WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return withdrawalRow{}, ledger.ErrNotFound
	}
	return r, err
}

func queryWithdrawals(ctx context.Context, q queryer, query string, args ...any) ([]ledger.Withdrawal, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

// StartWithdrawal implements ledger.Payments.
func (s *Store) StartWithdrawal(ctx context.Context, n ledger.NewWithdrawal) (ledger.Withdrawal, bool, error) {
	if err := n.Validate(); err != nil {
		return ledger.Withdrawal{}, false, err
	}
	meta, _ := ledger.CheckMeta(n.Meta)
	now := ms(n.Now)
	var err error
	var out ledger.Withdrawal
	var replayed bool
	err = s.do(ctx, func(tx *wtx) error {
		acc, err := userAccount(bg, tx, n.UserID)
		if err != nil {
			return err
		}
		key, hash, ref, found, err := idemLookup(tx, `SELECT idem_hash, ref FROM withdrawals WHERE user_account = ? AND idem_key = ?`, acc.id, n.Idem)
		if err != nil {
			return err
		}
		if found {
			r, err := oneWithdrawal(bg, tx, `w.ref = ?`, ref)
			out, replayed = r.w, true
			return err
		}
		if r, err := oneWithdrawal(bg, tx, `w.ref = ?`, n.Ref); err == nil {
			w := r.w
			if !n.Same(w) {
				return ledger.ErrIdempotencyReuse
			}
			out, replayed = w, true
			return nil
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		if acc.currency != n.Currency {
			return ledger.ErrCurrencyMismatch
		}
		if acc.balance < n.Amount {
			return ledger.ErrInsufficientFunds
		}
		pending, err := systemAccount(tx, "escrow", ledger.PendingAccount(n.Outflow), n.Currency, now)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(bg, `INSERT INTO withdrawals (ref, user_account, amount, currency, destination, provider,
			outflow, status, meta, idem_key, idem_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?) RETURNING id`,
			n.Ref, acc.id, n.Amount, n.Currency, n.Destination, n.Provider, n.Outflow, meta, key, hash, now, now).Scan(&id); err != nil {
			return err
		}
		if _, _, err := transferFor(tx, "withdraw", txLink{withdrawal: id}, "", now, acc.id, pending, n.Amount); err != nil {
			return err
		}
		r, err := oneWithdrawal(bg, tx, `w.id = ?`, id)
		out = r.w
		return err
	})
	if err != nil {
		return ledger.Withdrawal{}, false, err
	}
	return out, replayed, nil
}

// Withdrawal implements ledger.Payments.
func (s *Store) Withdrawal(ctx context.Context, ref string) (ledger.Withdrawal, error) {
	r, err := oneWithdrawal(ctxOrBackground(ctx), s.rdb, `w.ref = ?`, ref)
	return r.w, err
}

// WithdrawalsByUser implements ledger.Payments.
func (s *Store) WithdrawalsByUser(ctx context.Context, userID string, limit int) ([]ledger.Withdrawal, error) {
	return queryWithdrawals(ctxOrBackground(ctx), s.rdb, withdrawalSelect+`
		WHERE w.user_account = (SELECT id FROM accounts WHERE user_id = ?)
		ORDER BY w.created_at DESC, w.id DESC LIMIT ?`, userID, limitArg(limit))
}

// PendingWithdrawals implements ledger.Payments.
func (s *Store) PendingWithdrawals(ctx context.Context, limit int) ([]ledger.Withdrawal, error) {
	return queryWithdrawals(ctxOrBackground(ctx), s.rdb, withdrawalSelect+`
		WHERE w.status IN ('pending', 'unknown') ORDER BY w.created_at, w.id LIMIT ?`, limitArg(limit))
}

// LeaseWithdrawal implements ledger.Payments. The one writer serializes
// it, so it reads first and then writes; the transfer slot's unique index
// backs the check.
func (s *Store) LeaseWithdrawal(ctx context.Context, ref, owner string, now, until time.Time) (ledger.Withdrawal, error) {
	if err := ledger.CheckLease(ref, owner, now, until); err != nil {
		return ledger.Withdrawal{}, err
	}
	var out ledger.Withdrawal
	err := s.do(ctx, func(tx *wtx) error {
		cur, err := oneWithdrawal(bg, tx, `w.ref = ?`, ref)
		if err != nil {
			return err
		}
		w := cur.w
		if (w.Status != ledger.WithdrawPending && w.Status != ledger.WithdrawUnknown) || w.Leased(owner, now) {
			return ledger.ErrWithdrawalState
		}
		var busy int
		if err := tx.QueryRowContext(bg, `SELECT COUNT(*) FROM withdrawals WHERE provider = ? AND id <> ?
			AND (status = 'unknown' OR (status = 'pending' AND (attempted_at IS NOT NULL OR claimed_by IS NOT NULL)))`,
			w.Provider, cur.id).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return ledger.ErrTransferBusy
		}
		if _, err := tx.ExecContext(bg, `UPDATE withdrawals SET claimed_by = ?, lease_until = ? WHERE id = ?`,
			owner, ms(until), cur.id); err != nil {
			return err
		}
		r, err := oneWithdrawal(bg, tx, `w.id = ?`, cur.id)
		out = r.w
		return err
	})
	return out, err
}

// ClaimWithdrawal implements ledger.Payments.
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
	err := s.do(ctx, func(tx *wtx) error {
		var id int64
		err := tx.QueryRowContext(bg, `UPDATE withdrawals SET attempted_at = ?1, updated_at = ?1, lease_until = ?5,
			meta = CASE WHEN ?2 = '' THEN meta ELSE ?2 END
			WHERE ref = ?3 AND status = 'pending' AND attempted_at IS NULL AND claimed_by = ?4 AND lease_until > ?1
			RETURNING id`, ms(now), meta, ref, owner, ms(until)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := oneWithdrawal(bg, tx, `w.ref = ?`, ref); err != nil {
				return err
			}
			return ledger.ErrWithdrawalState
		}
		if err != nil {
			return err
		}
		r, err := oneWithdrawal(bg, tx, `w.id = ?`, id)
		out = r.w
		return err
	})
	return out, err
}

// FinishWithdrawal implements ledger.Payments.
func (s *Store) FinishWithdrawal(ctx context.Context, f ledger.FinishWithdrawal) (ledger.Withdrawal, error) {
	cond, err := f.Check()
	if err != nil {
		return ledger.Withdrawal{}, err
	}
	now := ms(f.Now)
	var out ledger.Withdrawal
	err = s.do(ctx, func(tx *wtx) error {
		cur, err := oneWithdrawal(bg, tx, `w.ref = ?`, f.Ref)
		if err != nil {
			return err
		}
		var upd sql.Result
		if f.Status == ledger.WithdrawPending {
			upd, err = tx.ExecContext(bg, `UPDATE withdrawals SET attempted_at = NULL, claimed_by = NULL, lease_until = NULL, updated_at = ?
				WHERE id = ? AND `+cond, now, cur.id)
		} else {
			upd, err = tx.ExecContext(bg, `UPDATE withdrawals SET status = ?, txid = ?, reason = ?, updated_at = ? WHERE id = ? AND `+cond,
				f.Status, nullString(f.TxID), nullString(f.Reason), now, cur.id)
		}
		if err != nil {
			return err
		}
		if n, err := upd.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if f.Repeats(cur.w) {
				out = cur.w // a repeated outcome
				return nil
			}
			return ledger.ErrWithdrawalState
		}
		w := cur.w
		if f.Status == ledger.WithdrawSent || f.Status == ledger.WithdrawFailed {
			pending, err := systemAccount(tx, "escrow", ledger.PendingAccount(w.Outflow), w.Currency, now)
			if err != nil {
				return err
			}
			to, kind := cur.account, "refund"
			if f.Status == ledger.WithdrawSent {
				kind = "payout"
				if to, err = systemAccount(tx, "external", w.Outflow, w.Currency, now); err != nil {
					return err
				}
			}
			if _, _, err := transferFor(tx, kind, txLink{withdrawal: cur.id}, "", now, pending, to, w.Amount); err != nil {
				return err
			}
		}
		r, err := oneWithdrawal(bg, tx, `w.id = ?`, cur.id)
		out = r.w
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
		return false, errors.New("ledger/sqlite: TOTP step out of range")
	}
	var ok bool
	err := s.do(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(bg, `INSERT INTO totp_steps (secret_id, step) VALUES (?1, ?2)
			ON CONFLICT (secret_id) DO UPDATE SET step = excluded.step WHERE excluded.step > totp_steps.step`,
			secretID, int64(step))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// idemLookup finds an earlier request of this account with the same
// idempotency key (query selects its hash and its id). found reports a
// replay of the same request; a different request under the key is
// ErrIdempotencyReuse. key and hash are what a new row stores.
func idemLookup(tx *wtx, query string, accountID int64, idem *ledger.Idempotency) (key sql.NullString, hash []byte, id string, found bool, err error) {
	if idem == nil {
		return sql.NullString{}, nil, "", false, nil
	}
	key, hash = sql.NullString{String: idem.Key, Valid: true}, idem.Hash
	var stored []byte
	err = tx.QueryRowContext(bg, query, accountID, idem.Key).Scan(&stored, &id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return key, hash, "", false, nil
	case err != nil:
		return key, hash, "", false, err
	case !bytes.Equal(stored, hash):
		return key, hash, "", false, ledger.ErrIdempotencyReuse
	}
	return key, hash, id, true, nil
}
