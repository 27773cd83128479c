// Package ledgertest is the conformance suite every ledger.Store backend
// must pass: each method's happy path and errors, idempotency, the
// concurrency races of the ledger guide (single resolution under 8
// concurrent accepts, the wrong-code lock, concurrent expiry sweeps,
// single-use websession approval), a mixed concurrent workload audited
// while it runs, and durability across a restart.
//
// Time comes from a controllable Clock through the Now fields of the
// parameters, never from the wall clock.
//
// Beyond the interface's comments, the suite pins down these choices:
//   - lists (ActiveChecks, History, FailedAccepts) of an unknown user are
//     empty, not an error; AcceptCheck and CancelCheck by a user without an
//     account fail with ErrNotFound;
//   - an unknown check number and a wrong code are recorded as failed
//     accepts and count against MaxFailuresPerHour (failures younger than
//     one hour); an expired, resolved or locked check is not a failure;
//   - the fifth wrong code returns ErrWrongCode, every later accept
//     ErrLocked, even with the right code; the creator can still cancel;
//   - a wrong code made with an idempotency key replays as ErrWrongCode
//     without counting again;
//   - a replayed Deposit reports the balance right after the first one;
//   - DeleteWebsession keeps the row with State "deleted"; approving it
//     fails with ErrSessionNotPending.
package ledgertest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
)

// Start is the suite's initial clock time.
var Start = time.Date(2026, 1, 19, 9, 0, 0, 0, time.UTC)

// Lifetime is how long the suite's checks live unless a test says otherwise.
const Lifetime = 7 * 24 * time.Hour

// Clock is a controllable, goroutine-safe clock with millisecond steps
// (the resolution the backends store).
type Clock struct{ ms atomic.Int64 }

// NewClock returns a clock showing t, truncated to the millisecond.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.ms.Store(t.UnixMilli())
	return c
}

// Now returns the clock's time in UTC.
func (c *Clock) Now() time.Time { return time.UnixMilli(c.ms.Load()).UTC() }

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	return time.UnixMilli(c.ms.Add(d.Milliseconds())).UTC()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ms.Store(t.UnixMilli()) }

// AuditProblems runs Audit and returns what is wrong: the backend's own
// violations, plus the suite's own reading of the one-snapshot totals
// (users + active = inflows - outflows, escrow = active, per currency).
func AuditProblems(ctx context.Context, s ledger.Store) (ledger.AuditReport, []string, error) {
	r, err := s.Audit(ctx)
	if err != nil {
		return r, nil, err
	}
	problems := append([]string(nil), r.Violations...)
	for cur, t := range r.Totals {
		if t.Users+t.Active+t.Pending != t.Inflows-t.Outflows {
			problems = append(problems, fmt.Sprintf("suite: %s totals do not conserve money: users %d + active %d + pending outflows %d != inflows %d - outflows %d",
				cur, t.Users, t.Active, t.Pending, t.Inflows, t.Outflows))
		}
		if t.Escrow != t.Active {
			problems = append(problems, fmt.Sprintf("suite: %s escrow %d != active checks %d", cur, t.Escrow, t.Active))
		}
		if t.Users < 0 || t.Active < 0 || t.Pending < 0 {
			problems = append(problems, fmt.Sprintf("suite: %s negative totals %+v", cur, t))
		}
	}
	if len(r.Violations) == 0 != r.OK() {
		problems = append(problems, "suite: AuditReport.OK disagrees with Violations")
	}
	return r, problems, nil
}

// RequireAudit fails the test with every violation Audit reports, and
// returns the report.
func RequireAudit(t testing.TB, s ledger.Store) ledger.AuditReport {
	t.Helper()
	r, problems, err := AuditProblems(context.Background(), s)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if len(problems) > 0 {
		t.Fatalf("Audit found %d problems:\n  %s", len(problems), joinLines(problems))
	}
	return r
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n  "
		}
		out += s
	}
	return out
}

// Run runs the conformance suite. open must return a new, empty store each
// time it is called; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) ledger.Store) {
	tests := []struct {
		name string
		fn   func(e *env)
	}{
		{"Accounts", testAccounts},
		{"CreateCheck", testCreateCheck},
		{"AcceptCheck", testAcceptCheck},
		{"History", testHistory},
		{"WrongCodeLock", testWrongCodeLock},
		{"WrongCodeLockConcurrent", testWrongCodeLockConcurrent},
		{"FailureLimit", testFailureLimit},
		{"CancelCheck", testCancelCheck},
		{"Expiry", testExpiry},
		{"ExpireDueConcurrent", testExpireDueConcurrent},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"AcceptRace", testAcceptRace},
		{"Websessions", testWebsessions},
		{"WebsessionApprovalRace", testWebsessionApprovalRace},
		{"WebsessionDeleteApproveRace", testWebsessionDeleteApproveRace},
		{"WebsessionReadsRaceChanges", testWebsessionReadsRaceChanges},
		{"Purge", testPurge},
		{"CanceledContext", testCanceledContext},
		{"BankWorkload", testBankWorkload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			e := newEnv(t, s)
			tc.fn(e)
			if !t.Failed() {
				RequireAudit(t, s)
			}
		})
	}
}

// env is one subtest's store, clock and helpers.
type env struct {
	t     *testing.T
	s     ledger.Store
	ctx   context.Context
	clock *Clock
	refs  atomic.Int64
}

func newEnv(t *testing.T, s ledger.Store) *env {
	return &env{t: t, s: s, ctx: context.Background(), clock: NewClock(Start)}
}

func (e *env) now() time.Time { return e.clock.Now() }

// open opens an account or fails the test.
func (e *env) open(user, currency string) ledger.Account {
	e.t.Helper()
	a, err := e.s.OpenAccount(e.ctx, user, currency, e.now())
	if err != nil {
		e.t.Fatalf("OpenAccount(%s, %s): %v", user, currency, err)
	}
	return a
}

// fund opens a RUB account if needed and deposits amount into it.
func (e *env) fund(user string, amount int64) ledger.Result {
	e.t.Helper()
	if _, err := e.s.Account(e.ctx, user); errors.Is(err, ledger.ErrNotFound) {
		e.open(user, "RUB")
	}
	r, err := e.s.Deposit(e.ctx, ledger.Deposit{
		UserID: user, Amount: amount, Currency: "RUB", Source: ledger.ExternalDemoSeed,
		Ref: fmt.Sprintf("test:%s:%d", user, e.refs.Add(1)), Now: e.now(),
	})
	if err != nil {
		e.t.Fatalf("Deposit(%s, %d): %v", user, amount, err)
	}
	return r
}

func (e *env) createReq(user string, amount int64) ledger.CreateCheck {
	return ledger.CreateCheck{UserID: user, Amount: amount, Currency: "RUB", Now: e.now(), ExpiresAt: e.now().Add(Lifetime)}
}

// create creates a RUB check or fails the test.
func (e *env) create(user string, amount int64) ledger.Check {
	e.t.Helper()
	r, err := e.s.CreateCheck(e.ctx, e.createReq(user, amount))
	if err != nil {
		e.t.Fatalf("CreateCheck(%s, %d): %v", user, amount, err)
	}
	return r.Check
}

func (e *env) accept(user, number, code string) (ledger.Result, error) {
	return e.s.AcceptCheck(e.ctx, ledger.AcceptCheck{UserID: user, Number: number, Code: code, Now: e.now()})
}

func (e *env) balance(user string) int64 {
	e.t.Helper()
	a, err := e.s.Account(e.ctx, user)
	if err != nil {
		e.t.Fatalf("Account(%s): %v", user, err)
	}
	return a.Balance
}

func (e *env) wantBalance(user string, want int64) {
	e.t.Helper()
	if got := e.balance(user); got != want {
		e.t.Fatalf("balance of %s = %d, want %d", user, got, want)
	}
}

func (e *env) check(number string) ledger.Check {
	e.t.Helper()
	c, err := e.s.Check(e.ctx, number)
	if err != nil {
		e.t.Fatalf("Check(%s): %v", number, err)
	}
	return c
}

func (e *env) audit() ledger.AuditReport {
	e.t.Helper()
	return RequireAudit(e.t, e.s)
}

// wantErr fails unless err matches target (errors.Is).
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func idem(key, request string) *ledger.Idempotency {
	return &ledger.Idempotency{Key: key, Hash: hash(request)}
}

// otherCode returns a valid code that is not code.
func otherCode(code string) string {
	n := 0
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%04d", (n+1)%10000)
}

// sameCheck compares two checks field by field (times with Equal).
func sameCheck(t testing.TB, what string, got, want ledger.Check) {
	t.Helper()
	if got.Number != want.Number || got.Code != want.Code || got.Amount != want.Amount ||
		got.Currency != want.Currency || got.Creator != want.Creator || got.Redeemer != want.Redeemer ||
		got.Status != want.Status || got.FailedAttempts != want.FailedAttempts ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || !got.ResolvedAt.Equal(want.ResolvedAt) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// parallel runs n goroutines released at the same moment and waits.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}
