package harness

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/assets"
)

var perfDuration = flag.Duration("perf.duration", 15*time.Second, "how long BenchmarkPerformance drives each configuration")

// perfRow is one line of the table.
type perfRow struct {
	name          string
	ops, pairs    float64 // per second
	p50, p99      time.Duration
	errs          int
	commitsPerOp  float64 // PostgreSQL commits per op (0: not measured)
	skipped, note string
}

// perfClients is how many clients drive the server at once: as many as
// pgbench's -c 8.
const perfClients = 8

// perfPairs logs in a creator and a redeemer for each client, and funds
// each creator with a check of 1,000.00 RUB from alice. Each client has
// its own two accounts, as each pgbench client updates accounts of its
// own choosing: with one creator for all, every create would wait for the
// one before it to commit (its row lock).
func (s *system) perfPairs(ctx context.Context) (creators, redeemers []*user, err error) {
	d, ok := assets.FindDemoUser("alice")
	if !ok {
		return nil, nil, errors.New("no demo user alice")
	}
	alice, err := s.login(ctx, "alice", d.PhoneKey())
	if err != nil {
		return nil, nil, err
	}
	for i := range perfClients {
		var pair [2]*user
		for j, role := range []string{"creator", "redeemer"} {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			if pair[j], err = s.login(ctx, fmt.Sprintf("%s%d", role, i), k); err != nil {
				return nil, nil, err
			}
		}
		cr, err := alice.c.CreateCheck(ctx, 100_000, "RUB")
		if err != nil {
			return nil, nil, err
		}
		if _, err := pair[0].c.AcceptCheck(ctx, cr.Fastcheck, cr.Code); err != nil {
			return nil, nil, err
		}
		creators, redeemers = append(creators, pair[0]), append(redeemers, pair[1])
	}
	return creators, redeemers, nil
}

// measure drives signed create+accept pairs over HTTP with perfClients
// concurrent clients for d: each client's creator creates a check of
// 0.01 RUB, and its redeemer accepts it. Each create and each accept is
// one ledger transaction: one operation.
func (s *system) measure(ctx context.Context, d time.Duration) (perfRow, error) {
	creators, redeemers, err := s.perfPairs(ctx)
	if err != nil {
		return perfRow{}, err
	}
	// Warm up: connections, prepared statements, caches.
	for i := range perfClients {
		for range 3 {
			cr, err := creators[i].c.CreateCheck(ctx, 1, "RUB")
			if err != nil {
				return perfRow{}, err
			}
			if _, err := redeemers[i].c.AcceptCheck(ctx, cr.Fastcheck, cr.Code); err != nil {
				return perfRow{}, err
			}
		}
	}
	var c0 int64
	if s.pg != nil {
		time.Sleep(1500 * time.Millisecond) // let the statistics catch up
		if c0, err = s.pg.commits(s.dbName); err != nil {
			return perfRow{}, err
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range perfClients {
		creator, redeemer := creators[i], redeemers[i]
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			bad := 0
			for wctx.Err() == nil {
				t0 := time.Now()
				cr, err := creator.c.CreateCheck(wctx, 1, "RUB")
				t1 := time.Now()
				if err != nil {
					if wctx.Err() == nil {
						bad++
					}
					continue
				}
				_, err = redeemer.c.AcceptCheck(ctx, cr.Fastcheck, cr.Code)
				if err != nil {
					bad++
					continue
				}
				local = append(local, t1.Sub(t0), time.Since(t1))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return perfRow{}, errors.New("no operation succeeded")
	}
	slices.Sort(lat)
	row := perfRow{ops: float64(len(lat)) / elapsed.Seconds(), pairs: float64(len(lat)/2) / elapsed.Seconds(),
		p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], errs: errs}
	if s.pg != nil {
		time.Sleep(1500 * time.Millisecond)
		c1, err := s.pg.commits(s.dbName)
		if err != nil {
			return perfRow{}, err
		}
		// Replicas commit on their own too (sweeper, reconciler): a few.
		row.commitsPerOp = float64(c1-c0) / float64(len(lat))
	}
	return row, nil
}

var perfDone bool

// BenchmarkPerformance prints one table: create+accept throughput and
// latency over signed HTTP on SQLite and on PostgreSQL with 1 and 3
// replicas, and pgbench's TPC-B-like tps on the same PostgreSQL cluster in
// the same run, with our operations per second divided by it. Run it once:
// go test -run '^$' -bench '^BenchmarkPerformance$' -benchtime 1x ./harness/
func BenchmarkPerformance(b *testing.B) {
	if perfDone {
		return // the table is printed once, whatever b.N
	}
	perfDone = true
	ctx := context.Background()
	d := *perfDuration
	var rows []perfRow

	s := newSystem(b, "perf-sqlite", nil, 1, false)
	row, err := s.measure(ctx, d)
	if err != nil {
		b.Fatalf("SQLite: %v", err)
	}
	row.name = "SQLite, 1 server"
	rows = append(rows, row)
	for _, r := range s.reps {
		r.stop()
	}

	var pg *pgCluster
	if pgBinDir() != "" || os.Getenv("FASTCHECK_REQUIRE_SERVICES") != "" {
		pg = startPG(b, b)
	}
	var tps float64
	if pg == nil {
		rows = append(rows, perfRow{name: "PostgreSQL, 1 replica", skipped: "no PostgreSQL here"},
			perfRow{name: "PostgreSQL, 3 replicas", skipped: "no PostgreSQL here"})
	} else {
		// pgbench runs before and after our PostgreSQL rows, and the ratio
		// is taken to the mean of both: the machine is shared, and its load
		// drifts during the run.
		pg.createDB(b, "pgbench")
		if out, err := pg.pgbench("pgbench", "-i", "-s", "10", "-q"); err != nil {
			b.Fatalf("pgbench -i: %v\n%s", err, out)
		}
		before := runPgbench(b, pg, "pgbench before")
		for _, n := range []int{1, 3} {
			s := newSystem(b, fmt.Sprintf("perf-pg%d", n), pg, n, false)
			row, err := s.measure(ctx, d)
			if err != nil {
				b.Fatalf("PostgreSQL x%d: %v", n, err)
			}
			row.name = fmt.Sprintf("PostgreSQL, %d replica%s", n, map[bool]string{true: "s"}[n > 1])
			rows = append(rows, row)
			for _, r := range s.reps {
				r.stop()
			}
		}
		after := runPgbench(b, pg, "pgbench after")
		tps = (before.ops + after.ops) / 2
		rows = append(rows, before, after)
	}
	fmt.Print(perfTable(rows, tps, d))
}

// runPgbench is pgbench's TPC-B-like run as in the issue: 8 clients, 2
// threads, 20 s, prepared statements.
func runPgbench(b *testing.B, pg *pgCluster, name string) perfRow {
	out, err := pg.pgbench("pgbench", "-c", "8", "-j", "2", "-T", "20", "-M", "prepared")
	if err != nil {
		b.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`).FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no tps in pgbench's output:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(m[1], 64)
	r := perfRow{name: name + " (-c 8 -j 2 -T 20 -M prepared)", ops: tps}
	if lat := regexp.MustCompile(`latency average = ([0-9.]+) ms`).FindStringSubmatch(out); lat != nil {
		r.note = "latency average " + lat[1] + " ms"
	}
	return r
}

// loadAverage is the 1-minute load average, to show how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// perfTable renders the rows.
func perfTable(rows []perfRow, tps float64, d time.Duration) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nPerformance: signed create+accept over HTTP, %d clients (a creator and a redeemer each), %s a configuration; pgbench scale 10 on the same PostgreSQL cluster; %d CPUs, load average %s at the end\n",
		perfClients, d, runtime.NumCPU(), loadAverage())
	fmt.Fprintf(&sb, "%-54s %10s %9s %8s %8s %7s %s\n", "configuration", "ops/s", "pairs/s", "p50 ms", "p99 ms", "÷pgb", "")
	ms := func(x time.Duration) string { return strconv.FormatFloat(float64(x.Microseconds())/1000, 'f', 2, 64) }
	for _, r := range rows {
		switch {
		case r.skipped != "":
			fmt.Fprintf(&sb, "%-54s %10s %9s %8s %8s %7s %s\n", r.name, "-", "-", "-", "-", "-", "skipped: "+r.skipped)
		case strings.HasPrefix(r.name, "pgbench"):
			fmt.Fprintf(&sb, "%-54s %10.0f %9s %8s %8s %7s %s\n", r.name, r.ops, "-", "-", "-", "-", "tps; "+r.note)
		default:
			ratio := "-"
			if tps > 0 {
				ratio = strconv.FormatFloat(r.ops/tps, 'f', 2, 64)
			}
			var notes []string
			if r.commitsPerOp > 0 {
				notes = append(notes, fmt.Sprintf("%.1f commits/op", r.commitsPerOp))
			}
			if r.errs > 0 {
				notes = append(notes, fmt.Sprintf("%d failed calls", r.errs))
			}
			note := strings.Join(notes, "; ")
			fmt.Fprintf(&sb, "%-54s %10.0f %9.0f %8s %8s %7s %s\n", r.name, r.ops, r.pairs, ms(r.p50), ms(r.p99), ratio, note)
		}
	}
	return sb.String()
}
