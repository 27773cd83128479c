package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"fastcheck/ledger"
)

// conservationSQL reads every currency's conservation sums in one
// statement, so they come from one snapshot. Inflows are the debits of
// external accounts (money entering the books), outflows their credits.
const conservationSQL = `
WITH cur(currency) AS (SELECT currency FROM accounts UNION SELECT currency FROM checks),
ext AS (
	SELECT a.currency,
		COALESCE(SUM(CASE WHEN e.amount < 0 THEN -e.amount END), 0) AS inflows,
		COALESCE(SUM(CASE WHEN e.amount > 0 THEN e.amount END), 0) AS outflows
	FROM entries e JOIN accounts a ON a.id = e.account_id
	WHERE a.kind = 'external' GROUP BY a.currency)
SELECT cur.currency,
	(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'user' AND currency = cur.currency),
	(SELECT COALESCE(SUM(amount), 0) FROM checks WHERE status = 'active' AND currency = cur.currency),
	(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow' AND name = 'escrow:checks' AND currency = cur.currency),
	(SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'escrow' AND name LIKE 'pending:%' AND currency = cur.currency),
	(SELECT COALESCE(SUM(amount), 0) FROM withdrawals WHERE status IN ('pending', 'unknown') AND currency = cur.currency),
	COALESCE(ext.inflows, 0), COALESCE(ext.outflows, 0)
FROM cur LEFT JOIN ext ON ext.currency = cur.currency
ORDER BY cur.currency`

// Audit checks the invariants of the ledger guide that the database can
// show, all in one read transaction (one WAL snapshot):
//   - conservation per currency: users + active checks + pending outflows
//     = inflows - outflows, escrow = active checks, and the pending-outflow
//     accounts hold exactly the pending and unknown withdrawals;
//   - every stored balance equals the sum of its entries (replay);
//   - every transaction has at least two entries summing to zero per currency;
//   - no negative balance outside the external accounts;
//   - every check has exactly one creating transaction, a resolved check
//     exactly one resolving transaction of the matching kind, an active
//     check none, and each of them moved the check's amount between the
//     right accounts (an expired or cancelled check's refund went to its
//     creator, an accepted one's money to its redeemer);
//   - statuses are valid, used checks have a redeemer other than the
//     creator and were used before they expired, failed_attempts is 0..5;
//   - top-up orders and withdrawals (see payments below).
func (s *Store) Audit(ctx context.Context) (ledger.AuditReport, error) {
	ctx = ctxOrBackground(ctx)
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ledger.AuditReport{}, err
	}
	defer tx.Rollback()
	r := ledger.AuditReport{Totals: map[string]ledger.Totals{}}
	a := &auditor{ctx: ctx, tx: tx, r: &r}

	a.query(conservationSQL, func(rows *sql.Rows) error {
		var cur string
		var t ledger.Totals
		var open int64
		if err := rows.Scan(&cur, &t.Users, &t.Active, &t.Escrow, &t.Pending, &open, &t.Inflows, &t.Outflows); err != nil {
			return err
		}
		r.Totals[cur] = t
		if t.Users+t.Active+t.Pending != t.Inflows-t.Outflows {
			a.violate("conservation %s: users %d + active checks %d + pending outflows %d = %d, but inflows %d - outflows %d = %d",
				cur, t.Users, t.Active, t.Pending, t.Users+t.Active+t.Pending, t.Inflows, t.Outflows, t.Inflows-t.Outflows)
		}
		if t.Escrow != t.Active {
			a.violate("escrow %s: balance %d but active checks sum to %d", cur, t.Escrow, t.Active)
		}
		if t.Pending != open {
			a.violate("pending outflows %s: balance %d but pending and unknown withdrawals sum to %d", cur, t.Pending, open)
		}
		return nil
	})
	a.scalar(`SELECT COUNT(*) FROM accounts`, &r.Accounts)
	a.scalar(`SELECT COUNT(*) FROM checks`, &r.Checks)
	a.scalar(`SELECT COUNT(*) FROM transactions`, &r.Transactions)
	a.scalar(`SELECT COUNT(*) FROM entries`, &r.Entries)

	a.rows(`SELECT a.name, a.currency, a.balance, COALESCE(SUM(e.amount), 0) AS s
		FROM accounts a LEFT JOIN entries e ON e.account_id = a.id GROUP BY a.id HAVING a.balance <> s`,
		"account %s (%s): stored balance %d but its entries sum to %d")
	a.rows(`SELECT name, currency, balance FROM accounts WHERE kind <> 'external' AND balance < 0`,
		"account %s (%s) has a negative balance %d")
	a.rows(`SELECT e.tx_id, a.currency, SUM(e.amount) FROM entries e JOIN accounts a ON a.id = e.account_id
		GROUP BY e.tx_id, a.currency HAVING SUM(e.amount) <> 0`,
		"transaction %d: its %s entries sum to %d, not 0")
	a.rows(`SELECT t.id, t.kind, COUNT(e.id) FROM transactions t LEFT JOIN entries e ON e.tx_id = t.id
		GROUP BY t.id HAVING COUNT(e.id) < 2`,
		"transaction %d (%s) has %d entries")
	a.rows(`SELECT c.number, COUNT(t.id) FROM checks c LEFT JOIN transactions t ON t.check_id = c.id AND t.kind = 'create'
		GROUP BY c.id HAVING COUNT(t.id) <> 1`,
		"check %s has %d creating transactions")
	a.rows(`SELECT c.number, c.status, COUNT(t.id), COALESCE(GROUP_CONCAT(t.kind), '') FROM checks c
		LEFT JOIN transactions t ON t.check_id = c.id AND t.kind IN ('accept', 'cancel', 'expire')
		GROUP BY c.id
		HAVING NOT ((c.status = 'active' AND COUNT(t.id) = 0)
			OR (COUNT(t.id) = 1 AND (c.status, MAX(t.kind)) IN (VALUES ('used', 'accept'), ('cancelled', 'cancel'), ('expired', 'expire'))))`,
		"check %s is %s but has %d resolving transactions (%s)")
	a.rows(`SELECT c.number, t.id, t.kind FROM transactions t JOIN checks c ON c.id = t.check_id
		LEFT JOIN accounts esc ON esc.kind = 'escrow' AND esc.name = 'escrow:checks' AND esc.currency = c.currency
		WHERE NOT ((SELECT COUNT(*) FROM entries e WHERE e.tx_id = t.id) = 2
			AND EXISTS (SELECT 1 FROM entries e WHERE e.tx_id = t.id AND e.amount = -c.amount
				AND e.account_id = CASE t.kind WHEN 'create' THEN c.creator_account ELSE esc.id END)
			AND EXISTS (SELECT 1 FROM entries e WHERE e.tx_id = t.id AND e.amount = c.amount
				AND e.account_id = CASE t.kind WHEN 'create' THEN esc.id WHEN 'accept' THEN c.redeemer_account ELSE c.creator_account END))`,
		"check %s: transaction %d (%s) does not move the check's amount between the right accounts")
	a.rows(`SELECT c.number, c.status FROM checks c WHERE c.status NOT IN ('active', 'used', 'expired', 'cancelled')
		OR (c.status = 'active') <> (c.resolved_at IS NULL)`,
		"check %s has an invalid status %q or resolution time")
	a.rows(`SELECT number, failed_attempts FROM checks WHERE failed_attempts NOT BETWEEN 0 AND 5`,
		"check %s has failed_attempts %d")
	a.rows(`SELECT number FROM checks WHERE status = 'used'
		AND (redeemer_account IS NULL OR redeemer_account = creator_account OR resolved_at >= expires_at)`,
		"check %s is used but lacks a valid redeemer or was used outside its lifetime")
	a.rows(`SELECT number FROM checks WHERE status = 'expired' AND resolved_at < expires_at`,
		"check %s expired before its expiry time")
	a.rows(`SELECT c.number, c.currency, a.currency FROM checks c JOIN accounts a
		ON a.id = c.creator_account OR a.id = c.redeemer_account WHERE a.currency <> c.currency OR a.kind <> 'user'`,
		"check %s in %s touches an account in %s or a non-user account")

	a.payments()

	if a.err != nil {
		return ledger.AuditReport{}, a.err
	}
	sort.Strings(r.Violations)
	return r, nil
}

// payments checks the invariants of top-ups and withdrawals:
//   - an order's credited never exceeds its paid total, and equals the sum
//     of its top-up credits, each of which moved money from the order's
//     source account to its user;
//   - a withdrawal has exactly one debit (user -> pending outflow), and an
//     outcome transaction exactly when it is final: a payout (pending ->
//     its outflow account) when sent, a refund (pending -> the user) when
//     failed, none while pending or unknown;
//   - a withdrawal that may have been sent (unknown, sent) was claimed.
func (a *auditor) payments() {
	a.rows(`SELECT public_id, credited, paid_total FROM orders WHERE credited > paid_total OR credited < 0`,
		"order %s: credited %d exceeds paid %d")
	a.rows(`SELECT o.public_id, o.credited, COALESCE((SELECT SUM(e.amount) FROM transactions t JOIN entries e ON e.tx_id = t.id
			WHERE t.order_id = o.id AND e.account_id = o.user_account), 0) AS s
		FROM orders o WHERE o.credited <> s`,
		"order %s: credited %d but its top-up credits sum to %d")
	a.rows(`SELECT t.id, COALESCE(o.public_id, '?') FROM transactions t LEFT JOIN orders o ON o.id = t.order_id
		WHERE t.kind = 'topup' AND NOT ((SELECT COUNT(*) FROM entries e WHERE e.tx_id = t.id) = 2
			AND EXISTS (SELECT 1 FROM entries e WHERE e.tx_id = t.id AND e.amount > 0 AND e.account_id = o.user_account)
			AND EXISTS (SELECT 1 FROM entries e JOIN accounts x ON x.id = e.account_id WHERE e.tx_id = t.id AND e.amount < 0
				AND x.kind = 'external' AND x.name = o.source AND x.currency = o.currency))`,
		"top-up transaction %d (order %s) does not move money from the order's source to its user")
	a.rows(`SELECT w.ref, w.status, COALESCE(GROUP_CONCAT(t.kind), '') FROM withdrawals w
		LEFT JOIN transactions t ON t.withdrawal_id = w.id
		GROUP BY w.id
		HAVING SUM(t.kind = 'withdraw') IS NOT 1
			OR SUM(t.kind = 'payout') IS NOT (w.status = 'sent')
			OR SUM(t.kind = 'refund') IS NOT (w.status = 'failed')`,
		"withdrawal %s is %s but its transactions are [%s]")
	a.rows(`SELECT w.ref, t.id, t.kind FROM transactions t JOIN withdrawals w ON w.id = t.withdrawal_id
		LEFT JOIN accounts p ON p.kind = 'escrow' AND p.name = 'pending:' || substr(w.outflow, 10) AND p.currency = w.currency
		LEFT JOIN accounts x ON x.kind = 'external' AND x.name = w.outflow AND x.currency = w.currency
		WHERE NOT ((SELECT COUNT(*) FROM entries e WHERE e.tx_id = t.id) = 2
			AND EXISTS (SELECT 1 FROM entries e WHERE e.tx_id = t.id AND e.amount = -w.amount
				AND e.account_id = CASE t.kind WHEN 'withdraw' THEN w.user_account ELSE p.id END)
			AND EXISTS (SELECT 1 FROM entries e WHERE e.tx_id = t.id AND e.amount = w.amount
				AND e.account_id = CASE t.kind WHEN 'withdraw' THEN p.id WHEN 'payout' THEN x.id ELSE w.user_account END))`,
		"withdrawal %s: transaction %d (%s) does not move its amount between the right accounts")
	a.rows(`SELECT ref, status FROM withdrawals WHERE status IN ('sent', 'unknown') AND attempted_at IS NULL`,
		"withdrawal %s is %s but was never claimed for sending")
	a.rows(`SELECT o.public_id, o.currency, a.currency FROM orders o JOIN accounts a ON a.id = o.user_account
		WHERE a.currency <> o.currency OR a.kind <> 'user'
		UNION ALL
		SELECT w.ref, w.currency, a.currency FROM withdrawals w JOIN accounts a ON a.id = w.user_account
		WHERE a.currency <> w.currency OR a.kind <> 'user'`,
		"%s in %s belongs to an account in %s or a non-user account")
}

// auditor runs the audit queries, remembering the first database error.
type auditor struct {
	ctx context.Context
	tx  *sql.Tx
	r   *ledger.AuditReport
	err error
}

func (a *auditor) violate(format string, args ...any) {
	a.r.Violations = append(a.r.Violations, fmt.Sprintf(format, args...))
}

func (a *auditor) scalar(query string, dst *int) {
	if a.err == nil {
		a.err = a.tx.QueryRowContext(a.ctx, query).Scan(dst)
	}
}

func (a *auditor) query(query string, each func(*sql.Rows) error) {
	if a.err != nil {
		return
	}
	rows, err := a.tx.QueryContext(a.ctx, query)
	if err != nil {
		a.err = err
		return
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			a.err = err
			return
		}
	}
	a.err = rows.Err()
}

// rows reports one violation per row of query, formatting its columns.
// Violations are capped per query so a broken database gives a readable
// report.
func (a *auditor) rows(query, format string) {
	const maxPerQuery = 20
	n := 0
	a.query(query, func(rows *sql.Rows) error {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		n++
		switch {
		case n <= maxPerQuery:
			a.violate(format, vals...)
		case n == maxPerQuery+1:
			a.violate("(more violations like %q not listed)", fmt.Sprintf(format, vals...))
		}
		return nil
	})
}
