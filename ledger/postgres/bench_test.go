package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
)

// BenchmarkCreateAccept runs CreateCheck + AcceptCheck pairs from 8
// goroutines (SetParallelism(4) × 2 CPUs here), each with its own creator
// and redeemer, on a fresh database. One op is one pair; ops/s counts
// ledger calls (two per pair), the figure to set against pgbench's tps.
// Every call commits on its own (synchronous_commit as configured).
//
// "idempotent" calls as the server does for the client library, which
// sends an Idempotency-Key with every money-moving request; "plain"
// without keys.
func BenchmarkCreateAccept(b *testing.B) {
	b.Run("idempotent", func(b *testing.B) { benchCreateAccept(b, true) })
	b.Run("plain", func(b *testing.B) { benchCreateAccept(b, false) })
}

func benchCreateAccept(b *testing.B, keyed bool) {
	s := open(b, freshDB(b))
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
		for i := 0; pb.Next(); i++ {
			var ci, ai *ledger.Idempotency
			if keyed {
				ci = &ledger.Idempotency{Key: fmt.Sprintf("c%d", i), Hash: []byte("create")}
				ai = &ledger.Idempotency{Key: fmt.Sprintf("a%d", i), Hash: []byte("accept")}
			}
			r, err := s.CreateCheck(ctx, ledger.CreateCheck{UserID: creator, Amount: 100, Currency: "RUB",
				Now: now, ExpiresAt: now.Add(time.Hour), Idem: ci})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := s.AcceptCheck(ctx, ledger.AcceptCheck{UserID: redeemer, Number: r.Check.Number,
				Code: r.Check.Code, Now: now, MaxFailuresPerHour: 20, Idem: ai}); err != nil {
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
