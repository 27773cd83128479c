package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"fastcheck/ledger"
)

var _ ledger.TOTP = (*Store)(nil)

// EnrolTOTP implements ledger.TOTP: one upsert. A handle another user
// holds (or commits concurrently) trips the unique index.
func (s *Store) EnrolTOTP(ctx context.Context, e ledger.TOTPEnrolment) error {
	if err := ledger.CheckTOTPEnrolment(e); err != nil {
		return err
	}
	return s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO phone_totp (user_id, handle, secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle, secret = excluded.secret, updated_at = excluded.updated_at`,
			e.UserID, e.Handle, e.Secret, ms(e.CreatedAt))
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "phone_totp_handle_key" {
			return ledger.ErrHandleTaken
		}
		return err
	})
}

// TOTPByHandle implements ledger.TOTP.
func (s *Store) TOTPByHandle(ctx context.Context, handle string) (ledger.TOTPEnrolment, error) {
	var e ledger.TOTPEnrolment
	err := s.run(ctx, func(ctx context.Context) error {
		var created, last int64
		err := s.pool.QueryRow(ctx, `SELECT user_id, handle, secret, created_at, last_step
			FROM phone_totp WHERE handle = $1`, handle).Scan(&e.UserID, &e.Handle, &e.Secret, &created, &last)
		if noRows(err) {
			return ledger.ErrNotFound
		}
		e.CreatedAt = fromMS(created)
		if last > 0 {
			e.LastStep = uint64(last)
		}
		return err
	})
	return e, err
}

// totpAttempt runs fn in a transaction that holds the user's enrolment row
// locked (so attempts on one account are serialized) after counting the
// failures in the window; it fails with ErrNotFound or *TooManyFailures
// before fn runs.
func (s *Store) totpAttempt(ctx context.Context, a ledger.TOTPAttempt, fn func(tx pgx.Tx, failures int) error) error {
	if err := ledger.CheckTOTPAttempt(a); err != nil {
		return err
	}
	return s.run(ctx, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM phone_totp WHERE user_id = $1 FOR NO KEY UPDATE`, a.UserID).Scan(&one)
			if noRows(err) {
				return ledger.ErrNotFound
			}
			if err != nil {
				return err
			}
			var n int
			var oldest *int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*), MIN(at) FROM phone_totp_failures WHERE user_id = $1 AND at > $2`,
				a.UserID, ms(a.Now.Add(-a.Window))).Scan(&n, &oldest); err != nil {
				return err
			}
			if n >= a.MaxFailures {
				return &ledger.TooManyFailures{RetryAfter: ledger.RetryAfterFailures(fromMS(*oldest), a.Now, a.Window)}
			}
			return fn(tx, n)
		})
	})
}

// UseTOTPStep implements ledger.TOTP.
func (s *Store) UseTOTPStep(ctx context.Context, a ledger.TOTPAttempt) (bool, error) {
	var ok bool
	err := s.totpAttempt(ctx, a, func(tx pgx.Tx, _ int) error {
		tag, err := tx.Exec(ctx, `UPDATE phone_totp SET last_step = $1, updated_at = $2
			WHERE user_id = $3 AND last_step < $1`, int64(a.Step), ms(a.Now), a.UserID)
		if ok = err == nil && tag.RowsAffected() == 1; !ok {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM phone_totp_failures WHERE user_id = $1`, a.UserID)
		return err
	})
	return ok && err == nil, err
}

// FailTOTP implements ledger.TOTP.
func (s *Store) FailTOTP(ctx context.Context, a ledger.TOTPAttempt) (int, error) {
	var left int
	err := s.totpAttempt(ctx, a, func(tx pgx.Tx, n int) error {
		if _, err := tx.Exec(ctx, `DELETE FROM phone_totp_failures WHERE user_id = $1 AND at <= $2`,
			a.UserID, ms(a.Now.Add(-a.Window))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO phone_totp_failures (user_id, at) VALUES ($1, $2)`,
			a.UserID, ms(a.Now)); err != nil {
			return err
		}
		left = a.MaxFailures - n - 1
		return nil
	})
	return left, err
}
