package postgres

import (
	"context"
	"fmt"
	"time"

	"fastcheck/ledger"
)

// The state replicas share beside the books (ledger.Shared): one upsert
// per call, whose row lock serializes the replicas' takes of one key.

// refill is a bucket's tokens at $2 (now, ms), refilled at $3 per second
// up to $4.
const refill = `LEAST($4::float8, b.tokens + GREATEST(0, $2::bigint - b.last) * $3::float8 / 1000.0)`

var takeTokenSQL = fmt.Sprintf(`INSERT INTO rate_buckets AS b (key, tokens, last, ok, full_at)
	VALUES ($1, $4::float8 - 1, $2::bigint, true, $2::bigint + ceil(1000.0 / $3::float8)::bigint)
	ON CONFLICT (key) DO UPDATE SET
		tokens = CASE WHEN %[1]s >= 1 THEN %[1]s - 1 ELSE %[1]s END,
		last = GREATEST(b.last, $2::bigint),
		ok = %[1]s >= 1,
		full_at = GREATEST(b.last, $2::bigint) + ceil(($4::float8 - CASE WHEN %[1]s >= 1 THEN %[1]s - 1 ELSE %[1]s END) * 1000.0 / $3::float8)::bigint
	RETURNING tokens, ok`, refill)

// TakeToken implements ledger.Shared.
func (s *Store) TakeToken(ctx context.Context, key string, perSecond, burst float64, now time.Time) (bool, time.Duration, error) {
	if err := ledger.CheckToken(key, perSecond, burst, now); err != nil {
		return false, 0, err
	}
	var tokens float64
	var ok bool
	err := s.run(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, takeTokenSQL, key, ms(now), perSecond, burst).Scan(&tokens, &ok)
	})
	if err != nil || ok {
		return ok, 0, err
	}
	return false, ledger.RetryAfter(tokens, perSecond), nil
}

// UseNonce implements ledger.Shared.
func (s *Store) UseNonce(ctx context.Context, key string, until, now time.Time) (bool, error) {
	if err := ledger.CheckNonce(key, until, now); err != nil {
		return false, err
	}
	var fresh bool
	err := s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `INSERT INTO nonces (key, until) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE nonces.until <= $3`, key, ms(until), ms(now))
		fresh = err == nil && tag.RowsAffected() == 1
		return err
	})
	return fresh, err
}

// PurgeShared implements ledger.Shared, in one statement.
func (s *Store) PurgeShared(ctx context.Context, now time.Time) error {
	return s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `WITH n AS (DELETE FROM nonces WHERE until <= $1)
			DELETE FROM rate_buckets WHERE full_at <= $1`, ms(now))
		return err
	})
}
