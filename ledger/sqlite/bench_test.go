package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
	"fastcheck/ledger/sqlite"
)

// BenchmarkRawCommit is the single-writer commit rate of the ledger's DSN
// (WAL, synchronous=FULL): one small INSERT per COMMIT, serial. It is the
// ceiling for a writer that commits every operation on its own; group
// commit is how the ledger gets past it.
func BenchmarkRawCommit(b *testing.B) {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", sqlite.DSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE raw (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw (v) VALUES (?)`, i); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkCreateAccept runs CreateCheck + AcceptCheck pairs from 8
// goroutines (2 per CPU here) through the group-committing writer. One op
// is one pair; ops/s counts ledger calls (two per pair).
func BenchmarkCreateAccept(b *testing.B) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := next.Add(1)
		creator, redeemer := fmt.Sprintf("creator%d", id), fmt.Sprintf("redeemer%d", id)
		for _, u := range []string{creator, redeemer} {
			if _, err := s.OpenAccount(ctx, u, "RUB", now); err != nil {
				b.Error(err)
				return
			}
		}
		if _, err := s.Deposit(ctx, ledger.Deposit{UserID: creator, Amount: 1_000_000_000, Currency: "RUB",
			Source: ledger.ExternalDemoSeed, Ref: creator, Now: now}); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			r, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: creator, Amount: 100, Currency: "RUB",
				Now: now, ExpiresAt: now.Add(time.Hour)})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: redeemer, Number: r.Check.Number,
				Code: r.Check.Code, Now: now}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/sec, "checks/s")
	b.ReportMetric(float64(2*b.N)/sec, "ops/s")
	if r, err := s.Audit(ctx); err != nil || !r.OK() {
		b.Fatalf("audit after the benchmark: %v %v", err, r.Violations)
	}
}
