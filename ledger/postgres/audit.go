package postgres

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"fastcheck/ledger"
)

// conservationSQL reads every currency's conservation sums in one
// statement, so they come from one snapshot. Inflows are the transfers out
// of external accounts (money entering the books), outflows the transfers
// into them. Escrow is the sum of the currency's escrow shards.
const conservationSQL = `
WITH cur(currency) AS (SELECT currency FROM accounts UNION SELECT currency FROM checks),
ext AS (
	SELECT a.currency,
		COALESCE(SUM(t.amount) FILTER (WHERE t.debit_account = a.id), 0)::bigint AS inflows,
		COALESCE(SUM(t.amount) FILTER (WHERE t.credit_account = a.id), 0)::bigint AS outflows
	FROM transfers t JOIN accounts a ON a.id IN (t.debit_account, t.credit_account)
	WHERE a.kind = 'external' GROUP BY a.currency)
SELECT cur.currency,
	(SELECT COALESCE(SUM(balance), 0)::bigint FROM accounts WHERE kind = 'user' AND currency = cur.currency),
	(SELECT COALESCE(SUM(amount), 0)::bigint FROM checks WHERE status = 'active' AND currency = cur.currency),
	(SELECT COALESCE(SUM(balance), 0)::bigint FROM accounts WHERE kind = 'escrow' AND name = 'escrow:checks' AND currency = cur.currency),
	(SELECT COALESCE(SUM(balance), 0)::bigint FROM accounts WHERE kind = 'escrow' AND name LIKE 'pending:%' AND currency = cur.currency),
	(SELECT COALESCE(SUM(amount), 0)::bigint FROM withdrawals WHERE status IN ('pending', 'unknown') AND currency = cur.currency),
	COALESCE(ext.inflows, 0), COALESCE(ext.outflows, 0)
FROM cur LEFT JOIN ext ON ext.currency = cur.currency
ORDER BY cur.currency`

// moves is the journal as entries: each transfer is a debit and a credit.
const moves = `moves AS (
	SELECT id, credit_account AS account_id, amount, credit_balance AS after FROM transfers
	UNION ALL
	SELECT id, debit_account, -amount, debit_balance FROM transfers)`

// Audit checks the invariants of the ledger guide that the database can
// show, all in one REPEATABLE READ, READ ONLY transaction (one snapshot;
// the conservation sums are besides read in one statement):
//   - conservation per currency: users + active checks + pending outflows
//     = inflows - outflows, escrow (all shards) = active checks, and the
//     pending-outflow accounts hold exactly the pending and unknown
//     withdrawals; each shard holds exactly the active checks that name it;
//   - every stored balance equals the sum of its transfers (replay), and
//     the balance recorded after each transfer is the running sum;
//   - every transfer stays within one currency, and deposits go from an
//     external account to a user;
//   - no negative balance outside the external accounts;
//   - every check has exactly one creating transfer, a resolved check
//     exactly one resolving transfer of the matching kind, an active check
//     none, and each of them moved the check's amount between the right
//     accounts (its creator, its escrow shard, its redeemer);
//   - statuses are valid, used checks have a redeemer other than the
//     creator and were used before they expired, failed_attempts is 0..5;
//   - top-up orders and withdrawals (see payments below).
//
// Transactions counts transfers; Entries counts two per transfer.
func (s *Store) Audit(ctx context.Context) (ledger.AuditReport, error) {
	var r ledger.AuditReport
	err := s.run(ctx, func(ctx context.Context) error {
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(tx pgx.Tx) error {
				r = ledger.AuditReport{Totals: map[string]ledger.Totals{}}
				a := &auditor{ctx: ctx, tx: tx, r: &r}
				a.audit()
				return a.err
			})
	})
	if err != nil {
		return ledger.AuditReport{}, err
	}
	sort.Strings(r.Violations)
	return r, nil
}

func (a *auditor) audit() {
	r := a.r
	a.query(conservationSQL, func(rows pgx.Rows) error {
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
	a.scalar(`SELECT COUNT(*) FROM transfers`, &r.Transactions)
	r.Entries = 2 * r.Transactions

	a.rows(`WITH `+moves+`, sums AS (SELECT account_id, SUM(amount)::bigint AS s FROM moves GROUP BY account_id)
		SELECT a.name, a.shard, a.currency, a.balance, COALESCE(s.s, 0)
		FROM accounts a LEFT JOIN sums s ON s.account_id = a.id WHERE a.balance <> COALESCE(s.s, 0)`,
		"account %s #%d (%s): stored balance %d but its transfers sum to %d")
	a.rows(`WITH `+moves+`, run AS (
			SELECT id, account_id, after, SUM(amount) OVER (PARTITION BY account_id ORDER BY id)::bigint AS s FROM moves)
		SELECT id, account_id, after, s FROM run WHERE after <> s`,
		"transfer %d: account %d's balance after it is recorded as %d, but its transfers up to it sum to %d")
	a.rows(`SELECT a.shard, a.currency, a.balance, COALESCE(SUM(c.amount), 0)::bigint
		FROM accounts a LEFT JOIN checks c ON c.escrow_account = a.id AND c.status = 'active'
		WHERE a.kind = 'escrow' AND a.name = 'escrow:checks' GROUP BY a.id HAVING a.balance <> COALESCE(SUM(c.amount), 0)`,
		"escrow shard %d (%s): balance %d but its active checks sum to %d")
	a.rows(`SELECT name, currency, balance FROM accounts WHERE kind <> 'external' AND balance < 0`,
		"account %s (%s) has a negative balance %d")
	a.rows(`SELECT t.id, t.kind, d.currency, c.currency FROM transfers t
		JOIN accounts d ON d.id = t.debit_account JOIN accounts c ON c.id = t.credit_account
		WHERE d.currency <> c.currency OR (t.kind IN ('deposit', 'topup') AND (d.kind <> 'external' OR c.kind <> 'user'))`,
		"transfer %d (%s) from %s to %s: not within one currency, or a deposit or top-up not from an external account to a user")
	a.rows(`SELECT c.number, COUNT(t.id) FROM checks c LEFT JOIN transfers t ON t.check_id = c.id AND t.kind = 'create'
		GROUP BY c.id HAVING COUNT(t.id) <> 1`,
		"check %s has %d creating transfers")
	a.rows(`SELECT c.number, c.status, COUNT(t.id), COALESCE(string_agg(t.kind::text, ','), '') FROM checks c
		LEFT JOIN transfers t ON t.check_id = c.id AND t.kind IN ('accept', 'cancel', 'expire')
		GROUP BY c.id
		HAVING NOT ((c.status = 'active' AND COUNT(t.id) = 0)
			OR (COUNT(t.id) = 1 AND (c.status::text, MAX(t.kind)::text) IN (VALUES ('used', 'accept'), ('cancelled', 'cancel'), ('expired', 'expire'))))`,
		"check %s is %s but has %d resolving transfers (%s)")
	a.rows(`SELECT c.number, t.id, t.kind FROM transfers t JOIN checks c ON c.id = t.check_id
		WHERE t.amount <> c.amount
			OR t.debit_account <> CASE t.kind WHEN 'create' THEN c.creator_account ELSE c.escrow_account END
			OR t.credit_account IS DISTINCT FROM CASE t.kind WHEN 'create' THEN c.escrow_account
				WHEN 'accept' THEN c.redeemer_account ELSE c.creator_account END`,
		"check %s: transfer %d (%s) does not move the check's amount between the right accounts")
	a.rows(`SELECT c.number, c.status FROM checks c WHERE (c.status = 'active') <> (c.resolved_at IS NULL)`,
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
	a.rows(`SELECT c.number, c.currency FROM checks c JOIN accounts a ON a.id = c.escrow_account
		WHERE a.currency <> c.currency OR a.kind <> 'escrow'`,
		"check %s in %s is held by an account that is not an escrow shard of its currency")

	a.payments()
}

// payments checks the invariants of top-ups and withdrawals:
//   - an order's credited never exceeds its paid total, and equals the sum
//     of its top-up transfers, each of which moved money from the order's
//     source account to its user;
//   - a withdrawal has exactly one debit (user -> pending outflow), and an
//     outcome transfer exactly when it is final: a payout (pending -> its
//     outflow account) when sent, a refund (pending -> the user) when
//     failed, none while pending or unknown; each moves its amount;
//   - a withdrawal that may have been sent (unknown, sent) was claimed.
func (a *auditor) payments() {
	a.rows(`SELECT public_id, credited, paid_total FROM orders WHERE credited > paid_total OR credited < 0`,
		"order %s: credited %d exceeds paid %d")
	a.rows(`SELECT o.public_id, o.credited, COALESCE(SUM(t.amount), 0)::bigint FROM orders o
		LEFT JOIN transfers t ON t.order_id = o.id AND t.credit_account = o.user_account
		GROUP BY o.id HAVING o.credited <> COALESCE(SUM(t.amount), 0)`,
		"order %s: credited %d but its top-up credits sum to %d")
	a.rows(`SELECT t.id, COALESCE(o.public_id, '?') FROM transfers t LEFT JOIN orders o ON o.id = t.order_id
		LEFT JOIN accounts x ON x.id = t.debit_account
		WHERE (t.kind = 'topup' OR t.order_id IS NOT NULL) AND (o.id IS NULL OR t.kind <> 'topup' OR t.credit_account <> o.user_account
			OR x.kind <> 'external' OR x.name <> o.source OR x.currency <> o.currency)`,
		"top-up transfer %d (order %s) does not move money from the order's source to its user")
	a.rows(`SELECT w.ref, w.status, COALESCE(string_agg(t.kind::text, ',' ORDER BY t.id), '') FROM withdrawals w
		LEFT JOIN transfers t ON t.withdrawal_id = w.id
		GROUP BY w.id
		HAVING count(t.id) FILTER (WHERE t.kind = 'withdraw') <> 1
			OR count(t.id) FILTER (WHERE t.kind = 'payout') <> (w.status = 'sent')::int
			OR count(t.id) FILTER (WHERE t.kind = 'refund') <> (w.status = 'failed')::int`,
		"withdrawal %s is %s but its transfers are [%s]")
	a.rows(`SELECT w.ref, t.id, t.kind FROM transfers t JOIN withdrawals w ON w.id = t.withdrawal_id
		LEFT JOIN accounts p ON p.kind = 'escrow' AND p.name = 'pending:' || substr(w.outflow, 10) AND p.currency = w.currency AND p.shard = 0
		LEFT JOIN accounts x ON x.kind = 'external' AND x.name = w.outflow AND x.currency = w.currency
		WHERE t.amount <> w.amount
			OR t.debit_account IS DISTINCT FROM CASE t.kind WHEN 'withdraw' THEN w.user_account ELSE p.id END
			OR t.credit_account IS DISTINCT FROM CASE t.kind WHEN 'withdraw' THEN p.id WHEN 'payout' THEN x.id ELSE w.user_account END`,
		"withdrawal %s: transfer %d (%s) does not move its amount between the right accounts")
	a.rows(`SELECT ref, status FROM withdrawals WHERE status IN ('sent', 'unknown') AND attempted_at IS NULL`,
		"withdrawal %s is %s but was never claimed for sending")
	a.rows(`SELECT o.public_id, o.currency::text, a.currency::text FROM orders o JOIN accounts a ON a.id = o.user_account
		WHERE a.currency <> o.currency OR a.kind <> 'user'
		UNION ALL
		SELECT w.ref, w.currency::text, a.currency::text FROM withdrawals w JOIN accounts a ON a.id = w.user_account
		WHERE a.currency <> w.currency OR a.kind <> 'user'`,
		"%s in %s belongs to an account in %s or a non-user account")
}

// auditor runs the audit queries, remembering the first database error.
type auditor struct {
	ctx context.Context
	tx  pgx.Tx
	r   *ledger.AuditReport
	err error
}

func (a *auditor) violate(format string, args ...any) {
	a.r.Violations = append(a.r.Violations, fmt.Sprintf(format, args...))
}

func (a *auditor) scalar(query string, dst *int) {
	if a.err == nil {
		a.err = a.tx.QueryRow(a.ctx, query).Scan(dst)
	}
}

func (a *auditor) query(query string, each func(pgx.Rows) error) {
	if a.err != nil {
		return
	}
	rows, err := a.tx.Query(a.ctx, query)
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
	a.query(query, func(rows pgx.Rows) error {
		vals, err := rows.Values()
		if err != nil {
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
