package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// system is one configuration under test: a database (an SQLite file, or
// a database of the harness's PostgreSQL cluster), one or more replicas
// of the real server on it, the round-robin client side, and the payment
// providers.
type system struct {
	name     string
	db       string
	dbName   string // on PostgreSQL
	pg       *pgCluster
	reps     []*replica
	rr       *roundRobin
	front    *front
	prov     *providers
	payments bool           // the replicas run with top-ups and withdrawals
	dir      string         // the replicas' logs (and the SQLite database)
	keepLogs bool           // a failed run keeps dir
	late     sync.WaitGroup // accepts timed for a check's expiry
}

// newSystem starts a configuration: SQLite when pg is nil (one replica:
// SQLite mode is one server process), else a fresh database on pg with
// n replicas. withPayments asks for the payment rails; a backend without
// them yet runs without (and says so). extra are more server flags.
func newSystem(t testing.TB, name string, pg *pgCluster, n int, withPayments bool, extra ...string) *system {
	t.Helper()
	dir, err := os.MkdirTemp("", "fastcheck-harness-"+name+".")
	if err != nil {
		t.Fatal(err)
	}
	s := &system{name: name, pg: pg, dir: dir}
	if pg == nil {
		s.db = filepath.Join(dir, "fastcheck.db")
	} else {
		s.dbName = "harness_" + strings.ReplaceAll(name, "-", "_")
		s.db = pg.createDB(t, s.dbName)
	}
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	}
	s.rr = newRoundRobin(addrs)
	s.front = startFront(t, s.rr)
	s.prov = startProviders(t, "http://"+s.front.addr)
	payArgs, payEnv := s.prov.serverArgs()
	for i, a := range addrs {
		s.reps = append(s.reps, &replica{name: fmt.Sprintf("%s replica %d", name, i+1), addr: a,
			args: append([]string{"--db", s.db, "--demo", "--public-url", "http://" + s.front.addr + "/api", "--log-level", "warn"},
				extra...),
			logPath: filepath.Join(dir, fmt.Sprintf("replica%d.log", i+1))})
	}
	t.Cleanup(func() {
		for _, r := range s.reps {
			r.kill()
		}
		if !s.keepLogs {
			os.RemoveAll(dir)
		}
	})
	s.payments = withPayments
	for i, r := range s.reps {
		if s.payments {
			r.args = append(r.args, payArgs...)
			r.env = payEnv
		}
		err := r.start()
		// A ledger without the payment rails yet: with --demo the server
		// warns and serves without them; without, it refuses to start.
		if i == 0 && s.payments && (err != nil && strings.Contains(err.Error(), "does not support top-ups and withdrawals") ||
			err == nil && logsMention(s.reps[:1], "top-ups and withdrawals are off")) {
			r.kill()
			t.Logf("%s: the %s ledger has no top-ups and withdrawals yet; this run goes without the payment rails", name, kindOf(s.db))
			s.payments = false
			r.args, r.env = r.args[:len(r.args)-len(payArgs)], nil
			err = r.start()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func kindOf(db string) string {
	if strings.HasPrefix(db, "postgres") {
		return "PostgreSQL"
	}
	return "SQLite"
}

// auditResult is what one run of `fastcheck server audit --json` found.
type auditResult struct {
	ran        bool // the audit read the database (false: it could not connect)
	ok         bool
	violations []string
	output     string
}

// audit runs the real `fastcheck server audit` on the system's database:
// every invariant read from one snapshot.
func (s *system) audit(ctx context.Context) auditResult {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, code, err := runBinary(ctx, "server", "audit", "--db", s.db, "--json")
	res := auditResult{output: out}
	if err != nil {
		return res
	}
	var rep struct {
		OK         *bool    `json:"ok"`
		Violations []string `json:"violations"`
	}
	i := strings.Index(out, "{")
	if i < 0 || json.Unmarshal([]byte(out[i:]), &rep) != nil || rep.OK == nil {
		return res // no report: the database was out of reach
	}
	res.ran, res.ok, res.violations = true, *rep.OK && code == 0, rep.Violations
	if !res.ok && len(res.violations) == 0 {
		res.violations = []string{fmt.Sprintf("audit exited %d: %s", code, strings.TrimSpace(out))}
	}
	return res
}

// auditor runs the audit over and over while the workload runs.
type auditor struct {
	mu         sync.Mutex
	runs, miss int
	violations []string
}

func (a *auditor) loop(ctx context.Context, s *system, every time.Duration) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		res := s.audit(ctx)
		if ctx.Err() != nil {
			return
		}
		a.mu.Lock()
		if res.ran {
			a.runs++
			for _, v := range res.violations {
				a.violations = append(a.violations, "live audit: "+v)
			}
		} else {
			a.miss++
		}
		a.mu.Unlock()
	}
}
