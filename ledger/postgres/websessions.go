package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"fastcheck/api"
	"fastcheck/ledger"
)

const websessionCols = `id, public_key, client_ip, created_at, expires_at, state,
	COALESCE(user_id, ''), COALESCE(user_session_id, ''), approved_at`

const websessionSelect = `SELECT ` + websessionCols + ` FROM websessions`

func scanWebsession(row pgx.Row) (ledger.Websession, error) {
	var w ledger.Websession
	var created, expires int64
	var approved *int64
	err := row.Scan(&w.ID, &w.PublicKey, &w.ClientIP, &created, &expires, &w.State, &w.UserID, &w.UserSessionID, &approved)
	if noRows(err) {
		return ledger.Websession{}, ledger.ErrNotFound
	}
	if err != nil {
		return ledger.Websession{}, err
	}
	w.CreatedAt, w.ExpiresAt, w.ApprovedAt = fromMS(created), fromMS(expires), fromNullMS(approved)
	return w, nil
}

// CreateWebsession stores a new websession. An empty State means pending.
func (s *Store) CreateWebsession(ctx context.Context, w ledger.Websession) error {
	if w.ID == "" {
		return errors.New("ledger/postgres: empty websession id")
	}
	if w.State == "" {
		w.State = ledger.SessionPending
	}
	if w.PublicKey == nil {
		w.PublicKey = []byte{}
	}
	return s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO websessions
			(id, public_key, client_ip, created_at, expires_at, state, user_id, user_session_id, approved_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			w.ID, w.PublicKey, w.ClientIP, ms(w.CreatedAt), ms(w.ExpiresAt), w.State,
			nullString(w.UserID), nullString(w.UserSessionID), nullMS(w.ApprovedAt))
		return err
	})
}

// Websession returns the websession as stored (deleted ones included, with
// State "deleted"), or ledger.ErrNotFound.
func (s *Store) Websession(ctx context.Context, id string) (ledger.Websession, error) {
	var w ledger.Websession
	err := s.run(ctx, func(ctx context.Context) (err error) {
		w, err = scanWebsession(s.pool.QueryRow(ctx, websessionSelect+` WHERE id = $1`, id))
		return err
	})
	return w, err
}

// sessionNonceSQL records a nonce (as UseNonce) and reads a websession in
// one statement; the session's columns are NULL if there is none. It sets
// synchronous_commit off for its own transaction (set_config's third
// argument): the statement runs alone, so that transaction is just this
// statement, and its commit waits for no WAL flush.
const sessionNonceSQL = `WITH n AS (
	INSERT INTO nonces (key, until) VALUES ($2, $3)
	ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE nonces.until <= $4
	RETURNING 1
)
SELECT (SELECT count(*) FROM n), set_config('synchronous_commit', 'off', true),
	w.id, w.public_key, w.client_ip, w.created_at, w.expires_at, w.state,
	COALESCE(w.user_id, ''), COALESCE(w.user_session_id, ''), w.approved_at
FROM (SELECT 1) one LEFT JOIN websessions w ON w.id = $1`

// SessionNonce implements ledger.Store in one statement. It commits
// without waiting for a WAL flush. That is safe because a nonce only has
// to outlive a crash if its request's write did, and that write commits
// later with a flush that carries every WAL record before it, this nonce
// included. (A request that writes nothing may lose its nonce in a crash;
// replaying a read changes nothing.)
func (s *Store) SessionNonce(ctx context.Context, id, key string, until, now time.Time) (ledger.Websession, bool, error) {
	if err := ledger.CheckNonce(key, until, now); err != nil {
		return ledger.Websession{}, false, err
	}
	var w ledger.Websession
	var fresh bool
	err := s.run(ctx, func(ctx context.Context) error {
		var n int
		var syncOff string
		var sid, ip, state, user, userSession *string
		var pub []byte
		var created, expires, approved *int64
		if err := s.pool.QueryRow(ctx, sessionNonceSQL, id, key, ms(until), ms(now)).
			Scan(&n, &syncOff, &sid, &pub, &ip, &created, &expires, &state, &user, &userSession, &approved); err != nil {
			return err
		}
		fresh = n == 1
		if sid == nil {
			w = ledger.Websession{}
			return nil
		}
		w = ledger.Websession{ID: *sid, PublicKey: pub, ClientIP: *ip, CreatedAt: fromMS(*created), ExpiresAt: fromMS(*expires),
			State: *state, UserID: *user, UserSessionID: *userSession, ApprovedAt: fromNullMS(approved)}
		return nil
	})
	if err != nil {
		return ledger.Websession{}, false, err
	}
	if w.ID == "" {
		return ledger.Websession{}, fresh, ledger.ErrNotFound
	}
	return w, fresh, nil
}

// approveSQL approves a pending, unexpired websession (a conditional
// update: of racing approvals exactly one matches) and opens the user's
// account in the same statement.
const approveSQL = `WITH upd AS (
	UPDATE websessions
	SET state = 'approved', user_id = $2, user_session_id = $3, approved_at = $4, expires_at = $5
	WHERE id = $1 AND state = 'pending' AND expires_at > $4
	RETURNING ` + websessionCols + `
), acc AS (
	INSERT INTO accounts (name, kind, user_id, currency, balance, created_at)
	SELECT $6, 'user', $2, $7, 0, $4 FROM upd
	ON CONFLICT (user_id) DO NOTHING
)
SELECT * FROM upd`

// ApproveWebsession approves a pending, unexpired websession exactly once,
// and opens the user's account (in a.Currency, or api.DefaultCurrency if
// empty) in the same transaction if the user has none.
func (s *Store) ApproveWebsession(ctx context.Context, a ledger.Approval) (ledger.Websession, error) {
	if a.UserID == "" {
		return ledger.Websession{}, errors.New("ledger/postgres: empty userID")
	}
	currency := a.Currency
	if currency == "" {
		currency = api.DefaultCurrency
	}
	if err := checkCurrency(currency); err != nil {
		return ledger.Websession{}, err
	}
	if err := needTime(a.Now); err != nil {
		return ledger.Websession{}, err
	}
	now := ms(a.Now)
	var out ledger.Websession
	err := s.run(ctx, func(ctx context.Context) error {
		w, err := scanWebsession(s.pool.QueryRow(ctx, approveSQL, a.SessionID, a.UserID, nullString(a.UserSessionID),
			now, ms(a.ExpiresAt), userAccountName(a.UserID), currency))
		if err == nil {
			out = w
			return nil
		}
		if !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		// Nothing matched: say why, from a fresh snapshot.
		w, err = scanWebsession(s.pool.QueryRow(ctx, websessionSelect+` WHERE id = $1`, a.SessionID))
		switch {
		case err != nil:
			return err // ErrNotFound included
		case w.State != ledger.SessionPending:
			return ledger.ErrSessionNotPending
		default:
			return ledger.ErrSessionExpired
		}
	})
	if err != nil {
		return ledger.Websession{}, err
	}
	return out, nil
}

// DeleteWebsession marks the websession deleted and ends it at now at the
// latest. It fails with ledger.ErrNotFound if the id is unknown or already
// deleted.
func (s *Store) DeleteWebsession(ctx context.Context, id string, now time.Time) error {
	if err := needTime(now); err != nil {
		return err
	}
	return s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `UPDATE websessions SET state = 'deleted', expires_at = LEAST(expires_at, $1)
			WHERE id = $2 AND state <> 'deleted'`, ms(now), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ledger.ErrNotFound
		}
		return nil
	})
}

// Purge removes websessions that ended before sessionsBefore (a deleted
// session ended when it was deleted), idempotency records created before
// idemBefore, and failed accepts older than idemBefore (the failure limit
// looks back one hour; idemBefore is at least 24 h back). One statement,
// so all or nothing.
func (s *Store) Purge(ctx context.Context, sessionsBefore, idemBefore time.Time) error {
	return s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `WITH w AS (
				DELETE FROM websessions WHERE expires_at < $1
			), i AS (
				DELETE FROM idempotency WHERE created_at < $2
			)
			DELETE FROM accept_failures WHERE at < $2`, ms(sessionsBefore), ms(idemBefore))
		return err
	})
}
