package server_test

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger/sqlite"
	"fastcheck/server/servertest"
)

// BenchmarkHTTPCreateAccept measures signed create+accept pairs over real
// HTTP against SQLite with synchronous=FULL, and prints the figure beside
// the raw single-writer commit rate of the same kind of database measured
// in the same run. Each pair is two ledger transactions.
//
// The raw rate is measured just before and just after the pairs, and
// their mean is the ratio's divisor: the disk's fsync time drifts on this
// shared machine (one-second samples here ranged from 1,800 to 4,100
// commits/s), and right after the pairs it is still writing their pages.
func BenchmarkHTTPCreateAccept(b *testing.B) {
	env := servertest.Start(b)
	before, err := sqlite.MeasureRawCommitRate(b.TempDir(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	txPerSec, lat := createAcceptPairs(b, env)
	if len(lat) == 0 {
		return
	}
	after, err := sqlite.MeasureRawCommitRate(b.TempDir(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	raw := (before + after) / 2
	b.ReportMetric(txPerSec, "http-tx/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(raw, "raw-commits/s")
	b.ReportMetric(txPerSec/raw, "ratio")
	if b.N > 100 {
		fmt.Printf("\nHTTP create+accept over signed requests: %.0f tx/s (p50 %.2f ms, p99 %.2f ms); raw SQLite FULL commits: %.0f/s (%.0f before, %.0f after); ratio %.2f (target >= 0.8)\n",
			txPerSec, float64(lat[len(lat)/2].Microseconds())/1000, float64(lat[len(lat)*99/100].Microseconds())/1000, raw, before, after, txPerSec/raw)
	}
	servertest.RequireAudit(b, env)
}

// BenchmarkHTTPCreateAcceptPostgres is the same pairs against one server
// on PostgreSQL (scripts/with-services; skipped without it), where every
// signed request also records its nonce in the database.
func BenchmarkHTTPCreateAcceptPostgres(b *testing.B) {
	env := servertest.Start(b, servertest.WithStore(servertest.Postgres(b)))
	txPerSec, lat := createAcceptPairs(b, env)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(txPerSec, "http-tx/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	servertest.RequireAudit(b, env)
}

// createAcceptPairs runs b.N signed create+accept pairs over HTTP from 8
// goroutines per CPU and returns the ledger transactions per second and
// the sorted latencies of the requests. Each goroutine has a creator and
// a redeemer of its own, so that no account's row lock serializes them.
func createAcceptPairs(b *testing.B, env *servertest.Env) (float64, []time.Duration) {
	const perCPU = 8
	type pair struct{ creator, redeemer *servertest.Caller }
	pairs := make(chan pair, perCPU*runtime.GOMAXPROCS(0))
	for range cap(pairs) {
		pairs <- pair{env.Login(b, env.Fund(b, 1_000_000_000)), env.Login(b, env.Fund(b, 0))}
	}
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N*2)
	b.SetParallelism(perCPU)
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		p := <-pairs
		alice, bob := p.creator, p.redeemer
		local := make([]time.Duration, 0, 256)
		for pb.Next() {
			t0 := time.Now()
			r := alice.Do(b, "POST", "/fastcheck", []byte(`{"amount":1,"currency":"RUB"}`))
			t1 := time.Now()
			if r.Status != 200 {
				b.Errorf("create = %d %s", r.Status, r.Body)
				return
			}
			var cr api.CreateCheckResponse
			r.JSON(b, &cr)
			r = bob.Do(b, "POST", "/fastcheck", []byte(`{"fastcheck":"`+cr.Fastcheck+`","code":"`+cr.Code+`"}`))
			if r.Status != 200 {
				b.Errorf("accept = %d %s", r.Status, r.Body)
				return
			}
			local = append(local, t1.Sub(t0), time.Since(t1))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	if len(lat) > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/tx")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(len(lat)) / elapsed.Seconds(), lat
}

// processCPU is the CPU time this process (server and load generator
// both) has used: a figure that a busy machine disturbs less than
// throughput.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
