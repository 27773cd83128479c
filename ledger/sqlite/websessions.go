package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

const websessionSelect = `SELECT id, public_key, client_ip, created_at, expires_at, state,
	COALESCE(user_id, ''), COALESCE(user_session_id, ''), approved_at FROM websessions`

func scanWebsession(sc scanner) (ledger.Websession, error) {
	var w ledger.Websession
	var created, expires int64
	var approved sql.NullInt64
	err := sc.Scan(&w.ID, &w.PublicKey, &w.ClientIP, &created, &expires, &w.State, &w.UserID, &w.UserSessionID, &approved)
	if errors.Is(err, sql.ErrNoRows) {
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
		return errors.New("ledger/sqlite: empty websession id")
	}
	if w.State == "" {
		w.State = ledger.SessionPending
	}
	if w.PublicKey == nil {
		w.PublicKey = []byte{}
	}
	return s.do(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(bg, `INSERT INTO websessions
			(id, public_key, client_ip, created_at, expires_at, state, user_id, user_session_id, approved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, w.PublicKey, w.ClientIP, ms(w.CreatedAt), ms(w.ExpiresAt), w.State,
			nullString(w.UserID), nullString(w.UserSessionID), nullMS(w.ApprovedAt))
		return err
	})
}

// Websession returns the websession as stored (deleted ones included, with
// State "deleted"), or ledger.ErrNotFound. Every signed request reads its
// session, so the sessions read are kept in memory (Store.ws). That is
// exact because this process is the only one that writes the file, and
// every change of a session (approve, delete, purge) forgets it after its
// commit; a read that raced such a change is not kept (PutIfUnchanged).
// Callers still judge expiry by the clock.
func (s *Store) Websession(ctx context.Context, id string) (ledger.Websession, error) {
	if w, ok := s.ws.Get(id); ok {
		return w, nil
	}
	gen := s.ws.Generation()
	w, err := scanWebsession(s.wsByID.QueryRowContext(ctxOrBackground(ctx), id))
	if err == nil {
		s.ws.PutIfUnchanged(gen, id, w)
	}
	return w, err
}

// SessionNonce implements ledger.Store: both halves are in this process
// (the session usually in wsCache, the nonce in MemShared).
func (s *Store) SessionNonce(ctx context.Context, id, key string, until, now time.Time) (ledger.Websession, bool, error) {
	fresh, err := s.UseNonce(ctx, key, until, now)
	if err != nil {
		return ledger.Websession{}, false, err
	}
	w, err := s.Websession(ctx, id)
	return w, fresh, err
}

// ApproveWebsession approves a pending, unexpired websession exactly once,
// and opens the user's account (in a.Currency, or api.DefaultCurrency if
// empty) in the same transaction if the user has none.
func (s *Store) ApproveWebsession(ctx context.Context, a ledger.Approval) (ledger.Websession, error) {
	if a.UserID == "" {
		return ledger.Websession{}, errors.New("ledger/sqlite: empty userID")
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
	defer s.ws.Forget(a.SessionID) // after the commit, whatever the outcome
	err := s.do(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(bg, `UPDATE websessions
			SET state = 'approved', user_id = ?, user_session_id = ?, approved_at = ?, expires_at = ?
			WHERE id = ? AND state = 'pending' AND expires_at > ?`,
			a.UserID, nullString(a.UserSessionID), now, ms(a.ExpiresAt), a.SessionID, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			w, err := scanWebsession(tx.QueryRowContext(bg, websessionSelect+` WHERE id = ?`, a.SessionID))
			switch {
			case err != nil:
				return err // ErrNotFound included
			case w.State != ledger.SessionPending:
				return ledger.ErrSessionNotPending
			default:
				return ledger.ErrSessionExpired
			}
		}
		if _, err := openUserAccount(tx, a.UserID, currency, now); err != nil {
			return err
		}
		out, err = scanWebsession(tx.QueryRowContext(bg, websessionSelect+` WHERE id = ?`, a.SessionID))
		return err
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
	defer s.ws.Forget(id) // after the commit, whatever the outcome
	return s.do(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(bg, `UPDATE websessions SET state = 'deleted', expires_at = MIN(expires_at, ?)
			WHERE id = ? AND state <> 'deleted'`, ms(now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ledger.ErrNotFound
		}
		return nil
	})
}

// Purge removes websessions that ended before sessionsBefore (a deleted
// session ended when it was deleted), idempotency records created before
// idemBefore, and failed accepts older than idemBefore (the failure limit
// looks back one hour; idemBefore is at least 24 h back).
func (s *Store) Purge(ctx context.Context, sessionsBefore, idemBefore time.Time) error {
	defer s.ws.ForgetAll() // after the commit, whatever the outcome
	return s.do(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(bg, `DELETE FROM websessions WHERE expires_at < ?`, ms(sessionsBefore)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(bg, `DELETE FROM idempotency WHERE created_at < ?`, ms(idemBefore)); err != nil {
			return err
		}
		_, err := tx.ExecContext(bg, `DELETE FROM accept_failures WHERE at < ?`, ms(idemBefore))
		return err
	})
}
