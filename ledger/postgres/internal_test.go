package postgres

import (
	"context"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger/postgres/pgtest"
)

// The nonce statement turns synchronous_commit off for its own commit
// only: the connection goes back to the pool committing durably, or every
// later money transaction on it would be acknowledged before its flush.
func TestSessionNonceLeavesSynchronousCommitOn(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.FreshDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var before, during, after string
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(conn.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&before))
	now := time.Now()
	rows, err := conn.Query(ctx, sessionNonceSQL, api.NewID(), "k/n", ms(now.Add(time.Minute)), ms(now))
	must(err)
	for rows.Next() {
		vals, err := rows.Values()
		must(err)
		during = vals[1].(string)
	}
	must(rows.Err())
	must(conn.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&after))
	if before != "on" || during != "off" || after != "on" {
		t.Fatalf("synchronous_commit before %q, in the nonce statement %q, after %q; want on, off, on", before, during, after)
	}
}
