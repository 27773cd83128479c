package postgres

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"fastcheck/api"
	"fastcheck/ledger"
)

// checkRow is a checks row with its account ids.
type checkRow struct {
	id       int64
	creator  int64 // account ids
	escrow   int64
	redeemer *int64
	c        ledger.Check
}

const checkSelect = `SELECT c.id, c.creator_account, c.escrow_account, c.redeemer_account, c.number, c.code, c.amount,
	c.currency, ca.user_id, COALESCE(ra.user_id, ''), c.status, c.failed_attempts, c.created_at, c.expires_at, c.resolved_at
	FROM checks c JOIN accounts ca ON ca.id = c.creator_account LEFT JOIN accounts ra ON ra.id = c.redeemer_account`

func scanCheck(row pgx.Row) (checkRow, error) {
	var r checkRow
	var created, expires int64
	var resolved *int64
	err := row.Scan(&r.id, &r.creator, &r.escrow, &r.redeemer, &r.c.Number, &r.c.Code, &r.c.Amount, &r.c.Currency,
		&r.c.Creator, &r.c.Redeemer, &r.c.Status, &r.c.FailedAttempts, &created, &expires, &resolved)
	if err != nil {
		return checkRow{}, err
	}
	r.c.CreatedAt, r.c.ExpiresAt, r.c.ResolvedAt = fromMS(created), fromMS(expires), fromNullMS(resolved)
	return r, nil
}

// querier is what a pool and a connection have in common.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var _ querier = (*pgxpool.Pool)(nil)

func queryChecks(ctx context.Context, q querier, query string, args ...any) ([]ledger.Check, error) {
	rows, err := q.Query(ctx, query, args...)
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

// prior is an idempotency record as read (all nil when there is none).
type prior struct {
	hash    []byte
	op      *string
	outcome *string
	balance *int64
	number  *string
}

func (p *prior) dest() []any { return []any{&p.hash, &p.op, &p.outcome, &p.balance, &p.number} }

func (p *prior) found() bool { return p.op != nil }

// replay returns the first outcome of a known key again, or
// ErrIdempotencyReuse if the request differs.
func (s *Store) replay(ctx context.Context, q querier, p prior, op string, idem *ledger.Idempotency) (ledger.Result, error) {
	if *p.op != op || !bytes.Equal(p.hash, idem.Hash) {
		return ledger.Result{}, ledger.ErrIdempotencyReuse
	}
	if *p.outcome != "ok" {
		e, ok := recordedErrors[*p.outcome]
		if !ok {
			return ledger.Result{}, fmt.Errorf("ledger/postgres: unknown stored outcome %q", *p.outcome)
		}
		return ledger.Result{}, e
	}
	if p.number == nil || p.balance == nil {
		return ledger.Result{}, errors.New("ledger/postgres: idempotency record without a check")
	}
	r, err := scanCheck(q.QueryRow(ctx, checkSelect+` WHERE c.number = $1`, *p.number))
	if err != nil {
		return ledger.Result{}, err
	}
	return ledger.Result{Check: r.c, Balance: *p.balance, Replayed: true}, nil
}

// createSQL moves the amount from the user to an escrow shard and issues
// the check, in one statement: the user's row is locked first, the escrow
// shard last. Nothing moves if the key is known, the account is missing or
// in another currency, or the balance is short; the final row carries the
// new balance (NULL then) and the idempotency record.
const createSQL = `WITH prior AS (
	SELECT hash, op, outcome, balance, check_number FROM idempotency WHERE user_id = $1 AND key = $8
), debit AS (
	UPDATE accounts SET balance = balance - $2::bigint
	WHERE user_id = $1 AND currency = $3::text AND balance >= $2::bigint AND $6::bigint > 0 AND NOT EXISTS (SELECT 1 FROM prior)
	RETURNING id, balance
), chk AS (
	INSERT INTO checks (number, code, creator_account, escrow_account, amount, currency, status, failed_attempts, created_at, expires_at)
	SELECT $4, $5, debit.id, $6, $2::bigint, $3::text, 'active', 0, $7, $9 FROM debit
	RETURNING id
), credit AS (
	UPDATE accounts a SET balance = a.balance + $2::bigint FROM chk
	WHERE a.id = $6 AND a.kind = 'escrow' AND a.currency = $3::text
	RETURNING a.balance
), tr AS (
	INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
	SELECT 'create', chk.id, debit.id, $6, $2::bigint, debit.balance, credit.balance, $7 FROM chk, debit, credit
	RETURNING 1
), idem AS (
	INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
	SELECT $1, $8, $10, 'create', $4, 'ok', debit.balance, $7 FROM debit WHERE $8::text IS NOT NULL
)
SELECT debit.balance, p.hash, p.op, p.outcome, p.balance, p.check_number
FROM (SELECT fastcheck_assert((SELECT count(*) FROM debit) = (SELECT count(*) FROM tr), 'create') AS ok) one
LEFT JOIN debit ON true
LEFT JOIN prior p ON true
WHERE one.ok`

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
		return ledger.Result{}, errors.New("ledger/postgres: a check must expire after it is created")
	}
	key, hash := idemArgs(c.Idem)
	var res ledger.Result
	err := s.run(ctx, func(ctx context.Context) error {
		escrow, err := s.escrowShard(ctx, c.UserID, c.Currency, now)
		if err != nil {
			return err
		}
		number, code := api.NewCheckNumber(), api.NewCheckCode()
		var bal *int64
		var p prior
		if err := s.pool.QueryRow(ctx, createSQL, c.UserID, c.Amount, c.Currency, number, code, escrow, now, key, expires, hash).
			Scan(append([]any{&bal}, p.dest()...)...); err != nil {
			return err
		}
		switch {
		case p.found():
			res, err = s.replay(ctx, s.pool, p, opCreate, c.Idem)
			return err
		case bal != nil:
			res = ledger.Result{Balance: *bal, Check: ledger.Check{
				Number: number, Code: code, Amount: c.Amount, Currency: c.Currency, Creator: c.UserID,
				Status: ledger.StatusActive, CreatedAt: fromMS(now), ExpiresAt: fromMS(expires),
			}}
			return nil
		}
		// Nothing moved and the key was not known: say why. The account's
		// currency never changes; if it matches, the balance was short
		// when the debit looked.
		var currency string
		if err := s.pool.QueryRow(ctx, `SELECT currency FROM accounts WHERE user_id = $1`, c.UserID).Scan(&currency); noRows(err) {
			return ledger.ErrNotFound
		} else if err != nil {
			return err
		}
		switch {
		case currency != c.Currency:
			return ledger.ErrCurrencyMismatch
		case escrow == 0:
			return errRetry // the account appeared after the escrow lookup
		default:
			return ledger.ErrInsufficientFunds
		}
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

const failureWindow = time.Hour

// The first round trip of AcceptCheck, pipelined after BEGIN: lock the
// check, then the redeemer's account (so that the failure count below is
// exact for the account), then read the account's recent failures and the
// idempotency record in a snapshot taken after both locks.
const (
	// (The redeemer is not read: a check that has one is refused.)
	acceptLockCheckSQL = `SELECT c.id, c.creator_account, c.escrow_account, NULL::bigint, c.number, c.code, c.amount,
	c.currency, ca.user_id, '', c.status, c.failed_attempts, c.created_at, c.expires_at, c.resolved_at
	FROM checks c JOIN accounts ca ON ca.id = c.creator_account
	WHERE c.number = $1 FOR NO KEY UPDATE OF c`
	acceptLockAccountSQL = `SELECT id, currency, balance FROM accounts WHERE user_id = $1 FOR NO KEY UPDATE`
	acceptContextSQL     = `SELECT f.n, f.oldest, p.hash, p.op, p.outcome, p.balance, p.check_number
FROM (SELECT count(*) AS n, min(at) AS oldest FROM accept_failures WHERE user_id = $1 AND at > $3) f
LEFT JOIN idempotency p ON p.user_id = $1 AND p.key = $2`
)

// acceptSQL moves the check's money from its escrow shard to the redeemer
// (whose row this transaction already holds), escrow last.
const acceptSQL = `WITH upd AS (
	UPDATE checks SET status = 'used', redeemer_account = $2, resolved_at = $3
	WHERE id = $1 AND status = 'active' AND expires_at > $3 AND failed_attempts < 5
	RETURNING id, amount, escrow_account
), credit AS (
	UPDATE accounts a SET balance = a.balance + upd.amount FROM upd WHERE a.id = $2
	RETURNING a.balance
), debit AS (
	UPDATE accounts a SET balance = a.balance - upd.amount FROM upd, credit WHERE a.id = upd.escrow_account
	RETURNING a.balance
), tr AS (
	INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
	SELECT 'accept', upd.id, upd.escrow_account, $2, upd.amount, debit.balance, credit.balance, $3 FROM upd, credit, debit
	RETURNING 1
), idem AS (
	INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
	SELECT $4, $5, $6, 'accept', $7, 'ok', credit.balance, $3 FROM credit WHERE $5::text IS NOT NULL
)
SELECT credit.balance
FROM (SELECT fastcheck_assert((SELECT count(*) FROM upd) = (SELECT count(*) FROM tr), 'accept') AS ok) one
LEFT JOIN credit ON true
WHERE one.ok`

// wrongCodeSQL counts a wrong code on the (locked) check and records the
// failed accept and its idempotency outcome.
const wrongCodeSQL = `WITH upd AS (
	UPDATE checks SET failed_attempts = failed_attempts + 1
	WHERE id = $1 AND status = 'active' AND failed_attempts < 5
	RETURNING id
), fail AS (
	INSERT INTO accept_failures (user_id, number, reason, at) SELECT $2, $3, 'wrong_code', $4 FROM upd
), idem AS (
	INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
	SELECT $2, $5, $6, 'accept', NULL, 'wrong_code', $7, $4 FROM upd WHERE $5::text IS NOT NULL
)
SELECT count(*) FROM upd`

// notFoundSQL records an accept of an unknown number.
const notFoundSQL = `WITH fail AS (
	INSERT INTO accept_failures (user_id, number, reason, at) VALUES ($1, $2, 'not_found', $3)
)
INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
SELECT $1, $4, $5, 'accept', NULL, 'not_found', $6, $3 WHERE $4::text IS NOT NULL`

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
	var res ledger.Result
	err := s.run(ctx, func(ctx context.Context) (err error) {
		res, err = s.accept(ctx, a)
		return err
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

// txConn is a pooled connection with a transaction opened by hand, so that
// BEGIN and COMMIT travel in the same round trip as the statements next to
// them.
type txConn struct {
	c    *pgxpool.Conn
	open bool
}

func (s *Store) acquire(ctx context.Context) (*txConn, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &txConn{c: c}, nil
}

// release rolls back a transaction still open and returns the connection
// to the pool (which discards it if it is not idle).
func (t *txConn) release() {
	if t.open || t.c.Conn().PgConn().TxStatus() != 'I' {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.c.Exec(ctx, "ROLLBACK")
		cancel()
	}
	t.c.Release()
}

// commit sends stmt and COMMIT in one round trip. With dest, it scans
// stmt's one row into dest (pgx.ErrNoRows if there is none; the COMMIT
// happens all the same).
func (t *txConn) commit(ctx context.Context, stmt string, args []any, dest ...any) error {
	b := &pgx.Batch{}
	b.Queue(stmt, args...)
	b.Queue("COMMIT")
	br := t.c.SendBatch(ctx, b)
	var err error
	if len(dest) == 0 {
		_, err = br.Exec()
	} else {
		err = br.QueryRow().Scan(dest...)
	}
	tag, cerr := br.Exec()
	if e := br.Close(); cerr == nil {
		cerr = e
	}
	if cerr == nil && tag.String() != "COMMIT" {
		cerr = fmt.Errorf("ledger/postgres: COMMIT answered %q", tag.String())
	}
	if cerr == nil {
		t.open = false
	}
	if err != nil && !noRows(err) {
		return err
	}
	if cerr != nil {
		return cerr
	}
	return err
}

// acceptState is what the first round trip of an accept read.
type acceptState struct {
	chk           checkRow
	chkFound      bool
	accFound      bool
	accID, accBal int64
	accCurrency   string
	failures      int
	oldest        *int64
	p             prior
}

// begin opens the accept's transaction and reads its state, locking the
// check and the account, in one round trip.
func (t *txConn) beginAccept(ctx context.Context, a ledger.AcceptCheck, key *string, now int64) (st acceptState, err error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(acceptLockCheckSQL, a.Number)
	b.Queue(acceptLockAccountSQL, a.UserID)
	b.Queue(acceptContextSQL, a.UserID, key, now-failureWindow.Milliseconds())
	t.open = true
	br := t.c.SendBatch(ctx, b)
	defer func() {
		if e := br.Close(); err == nil {
			err = e
		}
	}()
	if _, err = br.Exec(); err != nil {
		return st, err
	}
	st.chkFound, st.accFound = true, true
	if st.chk, err = scanCheck(br.QueryRow()); noRows(err) {
		st.chkFound, err = false, nil
	}
	if err != nil {
		return st, err
	}
	if err = br.QueryRow().Scan(&st.accID, &st.accCurrency, &st.accBal); noRows(err) {
		st.accFound, err = false, nil
	}
	if err != nil {
		return st, err
	}
	err = br.QueryRow().Scan(append([]any{&st.failures, &st.oldest}, st.p.dest()...)...)
	return st, err
}

func (s *Store) accept(ctx context.Context, a ledger.AcceptCheck) (ledger.Result, error) {
	now := ms(a.Now)
	key, hash := idemArgs(a.Idem)
	t, err := s.acquire(ctx)
	if err != nil {
		return ledger.Result{}, err
	}
	defer t.release()
	st, err := t.beginAccept(ctx, a, key, now)
	if err != nil {
		return ledger.Result{}, err
	}
	chk := st.chk
	// The decision is made: from here the call runs to its end even if the
	// caller goes away, so that a wrong code is always counted.
	ctx = context.WithoutCancel(ctx)
	switch {
	case st.p.found():
		return s.replay(ctx, t.c, st.p, opAccept, a.Idem)
	case a.MaxFailuresPerHour > 0 && st.failures >= a.MaxFailuresPerHour:
		wait := time.Duration(*st.oldest+failureWindow.Milliseconds()-now) * time.Millisecond
		return ledger.Result{}, &ledger.TooManyFailures{RetryAfter: wait}
	case !st.accFound:
		return ledger.Result{}, ledger.ErrNotFound
	case !st.chkFound:
		if err := t.commit(ctx, notFoundSQL, []any{a.UserID, api.Truncate(a.Number, 32), now, key, hash, st.accBal}); err != nil {
			return ledger.Result{}, err
		}
		return ledger.Result{}, ledger.ErrNotFound
	case chk.c.Status == ledger.StatusExpired:
		return ledger.Result{}, ledger.ErrExpired
	case chk.c.Status != ledger.StatusActive:
		return ledger.Result{}, ledger.ErrResolved
	case now >= ms(chk.c.ExpiresAt):
		return ledger.Result{}, ledger.ErrExpired // even if the sweeper has not run yet
	case chk.c.FailedAttempts >= ledger.MaxCodeFailures:
		return ledger.Result{}, ledger.ErrLocked
	case chk.creator == st.accID:
		return ledger.Result{}, ledger.ErrOwnCheck
	}
	if subtle.ConstantTimeCompare([]byte(a.Code), []byte(chk.c.Code)) != 1 {
		var n int
		if err := t.commit(ctx, wrongCodeSQL, []any{chk.id, a.UserID, api.Truncate(a.Number, 32), now, key, hash, st.accBal}, &n); err != nil {
			return ledger.Result{}, err
		}
		if n != 1 {
			return ledger.Result{}, ledger.ErrLocked // not reached: the check is locked and was checked
		}
		return ledger.Result{}, ledger.ErrWrongCode
	}
	if chk.c.Currency != st.accCurrency {
		return ledger.Result{}, ledger.ErrCurrencyMismatch
	}
	var bal *int64
	if err := t.commit(ctx, acceptSQL, []any{chk.id, st.accID, now, a.UserID, key, hash, chk.c.Number}, &bal); err != nil {
		return ledger.Result{}, err
	}
	if bal == nil {
		return ledger.Result{}, ledger.ErrResolved // not reached: the check is locked and was checked
	}
	used := chk.c
	used.Status, used.Redeemer, used.ResolvedAt = ledger.StatusUsed, a.UserID, fromMS(now)
	return ledger.Result{Check: used, Balance: *bal}, nil
}

// cancelSQL returns an active check to its creator in one statement: the
// check is locked first (by the conditional UPDATE), then the creator's
// account, then the escrow shard. Its one row carries the cancelled check
// (NULLs if nothing moved), the creator's new balance, and the idempotency
// record.
const cancelSQL = `WITH prior AS (
	SELECT hash, op, outcome, balance, check_number FROM idempotency WHERE user_id = $1 AND key = $4
), upd AS (
	UPDATE checks c SET status = 'cancelled', resolved_at = $3
	FROM accounts a
	WHERE c.number = $2 AND c.status = 'active' AND a.user_id = $1 AND c.creator_account = a.id
		AND NOT EXISTS (SELECT 1 FROM prior)
	RETURNING c.id, c.number, c.code, c.amount, c.currency, c.creator_account, c.escrow_account,
		c.failed_attempts, c.created_at, c.expires_at
), credit AS (
	UPDATE accounts a SET balance = a.balance + upd.amount FROM upd WHERE a.id = upd.creator_account
	RETURNING a.balance
), debit AS (
	UPDATE accounts a SET balance = a.balance - upd.amount FROM upd, credit WHERE a.id = upd.escrow_account
	RETURNING a.balance
), tr AS (
	INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
	SELECT 'cancel', upd.id, upd.escrow_account, upd.creator_account, upd.amount, debit.balance, credit.balance, $3
	FROM upd, credit, debit
	RETURNING 1
), idem AS (
	INSERT INTO idempotency (user_id, key, hash, op, check_number, outcome, balance, created_at)
	SELECT $1, $4, $5, 'cancel', upd.number, 'ok', credit.balance, $3 FROM upd, credit WHERE $4::text IS NOT NULL
)
SELECT upd.number, upd.code, upd.amount, upd.currency, upd.failed_attempts, upd.created_at, upd.expires_at,
	credit.balance, p.hash, p.op, p.outcome, p.balance, p.check_number
FROM (SELECT fastcheck_assert((SELECT count(*) FROM upd) = (SELECT count(*) FROM tr), 'cancel') AS ok) one
LEFT JOIN upd ON true
LEFT JOIN credit ON true
LEFT JOIN prior p ON true
WHERE one.ok`

// cancelRefusedSQL explains, from a fresh snapshot, why cancelSQL moved
// nothing.
const cancelRefusedSQL = `SELECT acc.id, c.creator_account, c.status, p.hash, p.op, p.outcome, p.balance, p.check_number
FROM (SELECT 1) one
LEFT JOIN accounts acc ON acc.user_id = $1
LEFT JOIN checks c ON c.number = $2
LEFT JOIN idempotency p ON p.user_id = $1 AND p.key = $3`

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
	key, hash := idemArgs(c.Idem)
	var res ledger.Result
	err := s.run(ctx, func(ctx context.Context) error {
		var (
			number, code, currency *string
			amount, bal            *int64
			attempts               *int
			created, expires       *int64
			p                      prior
		)
		if err := s.pool.QueryRow(ctx, cancelSQL, c.UserID, c.Number, now, key, hash).Scan(append([]any{
			&number, &code, &amount, &currency, &attempts, &created, &expires, &bal}, p.dest()...)...); err != nil {
			return err
		}
		if p.found() {
			var err error
			res, err = s.replay(ctx, s.pool, p, opCancel, c.Idem)
			return err
		}
		if number != nil {
			res = ledger.Result{Balance: *bal, Check: ledger.Check{
				Number: *number, Code: *code, Amount: *amount, Currency: *currency, Creator: c.UserID,
				Status: ledger.StatusCancelled, FailedAttempts: *attempts,
				CreatedAt: fromMS(*created), ExpiresAt: fromMS(*expires), ResolvedAt: fromMS(now),
			}}
			return nil
		}
		// Nothing moved. Find out why from a fresh snapshot: a concurrent
		// call with the same key may have committed meanwhile.
		var accID, creator *int64
		var status *string
		p = prior{}
		if err := s.pool.QueryRow(ctx, cancelRefusedSQL, c.UserID, c.Number, key).
			Scan(append([]any{&accID, &creator, &status}, p.dest()...)...); err != nil {
			return err
		}
		switch {
		case p.found():
			var err error
			res, err = s.replay(ctx, s.pool, p, opCancel, c.Idem)
			return err
		case accID == nil || creator == nil:
			return ledger.ErrNotFound
		case *creator != *accID:
			return ledger.ErrNotCreator
		case *status == ledger.StatusExpired:
			return ledger.ErrExpired
		case *status != ledger.StatusActive:
			return ledger.ErrResolved
		default:
			return errRetry // the account or check appeared after the first snapshot
		}
	})
	if err != nil {
		return ledger.Result{}, err
	}
	return res, nil
}

// DefaultExpireLimit is what ExpireDue does with a limit <= 0.
const DefaultExpireLimit = 1000

const (
	// expireClaimSQL claims due checks that no other transaction holds,
	// so sweepers on several replicas share the work without waiting.
	expireClaimSQL = `SELECT id, amount, creator_account, escrow_account FROM checks
	WHERE status = 'active' AND expires_at <= $1
	ORDER BY expires_at, id LIMIT $2
	FOR NO KEY UPDATE SKIP LOCKED`
	// expireLockSQL locks the creators' accounts, then the escrow shards,
	// each in id order: the global lock order.
	expireLockSQL = `SELECT id, balance FROM accounts WHERE id = ANY($1)
	ORDER BY kind = 'escrow', id FOR NO KEY UPDATE`
	// expireSQL refunds the claimed checks, with one balance update per
	// account. The balances after each refund, recorded in the journal, are
	// running sums over the locked accounts' balances (which the statement
	// reads as they are: this transaction holds their locks).
	expireSQL = `WITH upd AS (
	UPDATE checks c SET status = 'expired', resolved_at = $2
	WHERE c.id = ANY($1) AND c.status = 'active' AND c.expires_at <= $2
	RETURNING c.id, c.number, c.code, c.amount, c.currency, c.creator_account, c.escrow_account,
		c.failed_attempts, c.created_at, c.expires_at
), seq AS (
	SELECT upd.*, ca.user_id AS creator,
		ca.balance + SUM(upd.amount) OVER (PARTITION BY upd.creator_account ORDER BY upd.expires_at, upd.id) AS creator_balance,
		ea.balance - SUM(upd.amount) OVER (PARTITION BY upd.escrow_account ORDER BY upd.expires_at, upd.id) AS escrow_balance
	FROM upd JOIN accounts ca ON ca.id = upd.creator_account JOIN accounts ea ON ea.id = upd.escrow_account
), cred AS (
	UPDATE accounts a SET balance = a.balance + s.amount
	FROM (SELECT creator_account AS id, SUM(amount)::bigint AS amount FROM upd GROUP BY creator_account) s
	WHERE a.id = s.id
	RETURNING 1
), deb AS (
	UPDATE accounts a SET balance = a.balance - s.amount
	FROM (SELECT escrow_account AS id, SUM(amount)::bigint AS amount FROM upd GROUP BY escrow_account) s
	WHERE a.id = s.id
	RETURNING 1
), tr AS (
	INSERT INTO transfers (kind, check_id, debit_account, credit_account, amount, debit_balance, credit_balance, created_at)
	SELECT 'expire', id, escrow_account, creator_account, amount, escrow_balance, creator_balance, $2
	FROM seq ORDER BY expires_at, id
	RETURNING 1
)
SELECT seq.number, seq.code, seq.amount, seq.currency, seq.creator, seq.failed_attempts, seq.created_at, seq.expires_at
FROM (SELECT fastcheck_assert((SELECT count(*) FROM upd) = (SELECT count(*) FROM tr)
	AND (SELECT count(*) FROM cred) = (SELECT count(DISTINCT creator_account) FROM upd)
	AND (SELECT count(*) FROM deb) = (SELECT count(DISTINCT escrow_account) FROM upd), 'expire') AS ok) one
LEFT JOIN seq ON true
WHERE one.ok AND seq.id IS NOT NULL
ORDER BY seq.expires_at, seq.id`
)

// ExpireDue refunds up to limit active checks whose expiry is at or before
// now, in one transaction, and returns them as expired. Checks are claimed
// with FOR NO KEY UPDATE SKIP LOCKED, so concurrent sweeps (on any number
// of replicas) take disjoint sets and each check is refunded exactly once;
// a check that an accept holds at that moment is left for the next sweep.
// A check whose refund would pass the creator's balance limit is skipped
// and left active.
func (s *Store) ExpireDue(ctx context.Context, now time.Time, limit int) ([]ledger.Check, error) {
	if limit <= 0 {
		limit = DefaultExpireLimit
	}
	if err := needTime(now); err != nil {
		return nil, err
	}
	var out []ledger.Check
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = s.expire(ctx, ms(now), limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) expire(ctx context.Context, now int64, limit int) ([]ledger.Check, error) {
	t, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer t.release()
	type claim struct{ id, amount, creator, escrow int64 }
	var claims []claim
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(expireClaimSQL, now, limit)
	t.open = true
	br := t.c.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		var rows pgx.Rows
		if rows, err = br.Query(); err == nil {
			for rows.Next() {
				var c claim
				if err = rows.Scan(&c.id, &c.amount, &c.creator, &c.escrow); err != nil {
					break
				}
				claims = append(claims, c)
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
	}
	if e := br.Close(); err == nil {
		err = e
	}
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return []ledger.Check{}, nil
	}

	var ids []int64
	seen := map[int64]bool{}
	for _, c := range claims {
		for _, id := range []int64{c.creator, c.escrow} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	balances := map[int64]int64{}
	rows, err := t.c.Query(ctx, expireLockSQL, ids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, bal int64
		if err := rows.Scan(&id, &bal); err != nil {
			rows.Close()
			return nil, err
		}
		balances[id] = bal
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var keep []int64
	for _, c := range claims {
		if balances[c.creator] > ledger.MaxBalance-c.amount {
			continue // the refund would pass the creator's limit: left active
		}
		balances[c.creator] += c.amount
		keep = append(keep, c.id)
	}
	if len(keep) == 0 {
		return []ledger.Check{}, nil
	}

	b = &pgx.Batch{}
	b.Queue(expireSQL, keep, now)
	b.Queue("COMMIT")
	br = t.c.SendBatch(ctx, b)
	out := make([]ledger.Check, 0, len(keep))
	rows, err = br.Query()
	if err == nil {
		for rows.Next() {
			var c ledger.Check
			var created, expires int64
			if err = rows.Scan(&c.Number, &c.Code, &c.Amount, &c.Currency, &c.Creator, &c.FailedAttempts,
				&created, &expires); err != nil {
				break
			}
			c.Status, c.CreatedAt, c.ExpiresAt, c.ResolvedAt = ledger.StatusExpired, fromMS(created), fromMS(expires), fromMS(now)
			out = append(out, c)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	var tag string
	if err == nil {
		var ct pgconn.CommandTag
		if ct, err = br.Exec(); err == nil {
			tag = ct.String()
		}
	}
	if e := br.Close(); err == nil {
		err = e
	}
	if err != nil {
		return nil, err
	}
	if tag != "COMMIT" {
		return nil, fmt.Errorf("ledger/postgres: COMMIT answered %q", tag)
	}
	t.open = false
	if len(out) != len(keep) {
		// Not reached: the claimed rows were locked. Committed all the
		// same, consistently (every refund is one statement's rows).
		return out, fmt.Errorf("ledger/postgres: expired %d of %d claimed checks", len(out), len(keep))
	}
	return out, nil
}

// Check returns the check with this number, or ledger.ErrNotFound.
func (s *Store) Check(ctx context.Context, number string) (ledger.Check, error) {
	var r checkRow
	err := s.run(ctx, func(ctx context.Context) (err error) {
		r, err = scanCheck(s.pool.QueryRow(ctx, checkSelect+` WHERE c.number = $1`, number))
		if noRows(err) {
			return ledger.ErrNotFound
		}
		return err
	})
	if err != nil {
		return ledger.Check{}, err
	}
	return r.c, nil
}

// ActiveChecks returns the checks the user created that are still stored
// as active (locked ones included, and expired ones the sweeper has not
// reached yet: compare ExpiresAt with the time), newest first.
func (s *Store) ActiveChecks(ctx context.Context, userID string) ([]ledger.Check, error) {
	var out []ledger.Check
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryChecks(ctx, s.pool, checkSelect+`
			WHERE c.creator_account = (SELECT id FROM accounts WHERE user_id = $1) AND c.status = 'active'
			ORDER BY c.created_at DESC, c.id DESC`, userID)
		return err
	})
	return out, err
}

// History returns the resolved checks the user created or redeemed, newest
// resolution first, at most limit (0 = all).
func (s *Store) History(ctx context.Context, userID string, limit int) ([]ledger.Check, error) {
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	var out []ledger.Check
	err := s.run(ctx, func(ctx context.Context) (err error) {
		out, err = queryChecks(ctx, s.pool, checkSelect+`
			WHERE c.id IN (
				SELECT id FROM checks WHERE creator_account = (SELECT id FROM accounts WHERE user_id = $1) AND status <> 'active'
				UNION
				SELECT id FROM checks WHERE redeemer_account = (SELECT id FROM accounts WHERE user_id = $1))
			ORDER BY c.resolved_at DESC, c.id DESC LIMIT $2`, userID, lim)
		return err
	})
	return out, err
}

// FailedAccepts returns the user's failed accepts at or after since, oldest
// first.
func (s *Store) FailedAccepts(ctx context.Context, userID string, since time.Time) ([]ledger.FailedAccept, error) {
	var out []ledger.FailedAccept
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT number, reason, at FROM accept_failures
			WHERE user_id = $1 AND at >= $2 ORDER BY at, id`, userID, ms(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []ledger.FailedAccept{}
		for rows.Next() {
			f := ledger.FailedAccept{UserID: userID}
			var at int64
			if err := rows.Scan(&f.Number, &f.Reason, &at); err != nil {
				return err
			}
			f.At = fromMS(at)
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}
