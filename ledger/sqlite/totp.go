package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"fastcheck/ledger"
)

var _ ledger.TOTP = (*Store)(nil)

// EnrolTOTP implements ledger.TOTP. The single writer makes the handle
// check and the upsert one atomic step.
func (s *Store) EnrolTOTP(ctx context.Context, e ledger.TOTPEnrolment) error {
	if err := ledger.CheckTOTPEnrolment(e); err != nil {
		return err
	}
	now := ms(e.CreatedAt)
	return s.do(ctx, func(tx *wtx) error {
		var holder string
		err := tx.QueryRowContext(bg, `SELECT user_id FROM phone_totp WHERE handle = ?`, e.Handle).Scan(&holder)
		switch {
		case err == nil && holder != e.UserID:
			return ledger.ErrHandleTaken
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(bg, `INSERT INTO phone_totp (user_id, handle, secret, created_at, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?4)
			ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle, secret = excluded.secret, updated_at = excluded.updated_at`,
			e.UserID, e.Handle, e.Secret, now)
		return err
	})
}

// TOTPByHandle implements ledger.TOTP.
func (s *Store) TOTPByHandle(ctx context.Context, handle string) (ledger.TOTPEnrolment, error) {
	var e ledger.TOTPEnrolment
	var created, last int64
	err := s.rdb.QueryRowContext(ctxOrBackground(ctx), `SELECT user_id, handle, secret, created_at, last_step
		FROM phone_totp WHERE handle = ?`, handle).Scan(&e.UserID, &e.Handle, &e.Secret, &created, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ledger.ErrNotFound
	}
	if err != nil {
		return e, err
	}
	e.CreatedAt = fromMS(created)
	if last > 0 {
		e.LastStep = uint64(last)
	}
	return e, nil
}

// totpFailures counts the user's failures in the window, or fails with
// ErrNotFound (unknown user) or *TooManyFailures (no more allowed).
func totpFailures(tx *wtx, a ledger.TOTPAttempt) (int, error) {
	var n int
	var oldest sql.NullInt64
	err := tx.QueryRowContext(bg, `SELECT COUNT(f.at), MIN(f.at) FROM phone_totp t
		LEFT JOIN phone_totp_failures f ON f.user_id = t.user_id AND f.at > ?2
		WHERE t.user_id = ?1 GROUP BY t.user_id`, a.UserID, ms(a.Now.Add(-a.Window))).Scan(&n, &oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ledger.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if n >= a.MaxFailures {
		return n, &ledger.TooManyFailures{RetryAfter: ledger.RetryAfterFailures(fromMS(oldest.Int64), a.Now, a.Window)}
	}
	return n, nil
}

// UseTOTPStep implements ledger.TOTP.
func (s *Store) UseTOTPStep(ctx context.Context, a ledger.TOTPAttempt) (bool, error) {
	if err := ledger.CheckTOTPAttempt(a); err != nil {
		return false, err
	}
	var ok bool
	err := s.do(ctx, func(tx *wtx) error {
		if _, err := totpFailures(tx, a); err != nil {
			return err
		}
		res, err := tx.ExecContext(bg, `UPDATE phone_totp SET last_step = ?1, updated_at = ?2
			WHERE user_id = ?3 AND last_step < ?1`, int64(a.Step), ms(a.Now), a.UserID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if ok = n == 1; err != nil || !ok {
			return err
		}
		_, err = tx.ExecContext(bg, `DELETE FROM phone_totp_failures WHERE user_id = ?`, a.UserID)
		return err
	})
	return ok, err
}

// FailTOTP implements ledger.TOTP.
func (s *Store) FailTOTP(ctx context.Context, a ledger.TOTPAttempt) (int, error) {
	if err := ledger.CheckTOTPAttempt(a); err != nil {
		return 0, err
	}
	var left int
	err := s.do(ctx, func(tx *wtx) error {
		n, err := totpFailures(tx, a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(bg, `DELETE FROM phone_totp_failures WHERE user_id = ? AND at <= ?`,
			a.UserID, ms(a.Now.Add(-a.Window))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(bg, `INSERT INTO phone_totp_failures (user_id, at) VALUES (?, ?)`,
			a.UserID, ms(a.Now)); err != nil {
			return err
		}
		left = a.MaxFailures - n - 1
		return nil
	})
	return left, err
}
