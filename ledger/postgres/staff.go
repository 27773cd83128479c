package postgres

import (
	"context"
	"fmt"
	"time"

	"fastcheck/ledger"
)

var _ ledger.Staff = (*Store)(nil)

// FindAccounts returns up to limit user accounts whose userId starts with
// prefix, in byte order of userId: a range scan of the "C"-collated index.
func (s *Store) FindAccounts(ctx context.Context, prefix string, limit int) ([]ledger.Account, error) {
	lo, hi, err := ledger.PrefixRange(prefix)
	if err != nil {
		return nil, fmt.Errorf("ledger/postgres: %w", err)
	}
	var out []ledger.Account
	err = s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, accountSelect+` WHERE user_id IS NOT NULL
			AND user_id COLLATE "C" >= $1 AND user_id COLLATE "C" < $2
			ORDER BY user_id COLLATE "C" LIMIT $3`, lo, hi, ledger.FindLimit(limit))
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []ledger.Account{}
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// LogStaffRead appends e to the staff audit log; it is committed when this
// returns.
func (s *Store) LogStaffRead(ctx context.Context, e ledger.StaffRead) (ledger.StaffRead, error) {
	if err := e.Validate(); err != nil {
		return ledger.StaffRead{}, fmt.Errorf("ledger/postgres: %w", err)
	}
	e.At = fromMS(ms(e.At))
	err := s.run(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `INSERT INTO staff_reads (at, staff, action, subject, client_ip)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, ms(e.At), e.Staff, e.Action, e.Subject, e.ClientIP).Scan(&e.ID)
	})
	if err != nil {
		return ledger.StaffRead{}, err
	}
	return e, nil
}

// StaffReads returns the log's entries at or after since, oldest first.
func (s *Store) StaffReads(ctx context.Context, since time.Time, limit int) ([]ledger.StaffRead, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	var out []ledger.StaffRead
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT id, at, staff, action, subject, client_ip FROM staff_reads
			WHERE at >= $1 ORDER BY id LIMIT $2`, ms(since), lim)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []ledger.StaffRead{}
		for rows.Next() {
			var e ledger.StaffRead
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.Staff, &e.Action, &e.Subject, &e.ClientIP); err != nil {
				return err
			}
			e.At = fromMS(at)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
