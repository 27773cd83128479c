package sqlite

import (
	"context"
	"fmt"
	"time"

	"fastcheck/ledger"
)

var _ ledger.Staff = (*Store)(nil)

// FindAccounts returns up to limit user accounts whose userId starts with
// prefix, in userId order: a range scan of the user_id index.
func (s *Store) FindAccounts(ctx context.Context, prefix string, limit int) ([]ledger.Account, error) {
	lo, hi, err := ledger.PrefixRange(prefix)
	if err != nil {
		return nil, fmt.Errorf("ledger/sqlite: %w", err)
	}
	rows, err := s.rdb.QueryContext(ctxOrBackground(ctx), `SELECT id, user_id, currency, balance, created_at FROM accounts
		WHERE user_id >= ? AND user_id < ? ORDER BY user_id LIMIT ?`, lo, hi, ledger.FindLimit(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.Account{}
	for rows.Next() {
		var a account
		if err := rows.Scan(&a.id, &a.userID, &a.currency, &a.balance, &a.createdAt); err != nil {
			return nil, err
		}
		out = append(out, a.public())
	}
	return out, rows.Err()
}

// LogStaffRead appends e to the staff audit log through the writer, so it
// is durable (committed) when this returns.
func (s *Store) LogStaffRead(ctx context.Context, e ledger.StaffRead) (ledger.StaffRead, error) {
	if err := e.Validate(); err != nil {
		return ledger.StaffRead{}, fmt.Errorf("ledger/sqlite: %w", err)
	}
	e.At = fromMS(ms(e.At))
	err := s.do(ctx, func(tx *wtx) error {
		return tx.QueryRowContext(bg, `INSERT INTO staff_reads (at, staff, action, subject, client_ip)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, ms(e.At), e.Staff, e.Action, e.Subject, e.ClientIP).Scan(&e.ID)
	})
	if err != nil {
		return ledger.StaffRead{}, err
	}
	return e, nil
}

// StaffReads returns the log's entries at or after since, oldest first.
func (s *Store) StaffReads(ctx context.Context, since time.Time, limit int) ([]ledger.StaffRead, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.rdb.QueryContext(ctxOrBackground(ctx), `SELECT id, at, staff, action, subject, client_ip FROM staff_reads
		WHERE at >= ? ORDER BY id LIMIT ?`, ms(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ledger.StaffRead{}
	for rows.Next() {
		var e ledger.StaffRead
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Staff, &e.Action, &e.Subject, &e.ClientIP); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
