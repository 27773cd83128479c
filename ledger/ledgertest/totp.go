package ledgertest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/ledger"
)

// RunTOTP runs the conformance suite of ledger.TOTP: enrolment and its
// handles, single use of each time step (also under 8 concurrent calls),
// and the failure limit (exact under concurrent wrong codes). open must
// return a new, empty store that also implements ledger.TOTP; RunTOTP
// closes it.
//
// Beyond the interface's comments, the suite pins down these choices:
//   - re-enrolling keeps the last used step, so a code of an old step is
//     not accepted again with the new secret either;
//   - a reused step is not a failure: it does not count against the limit.
func RunTOTP(t *testing.T, open func(t *testing.T) ledger.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ledger.TOTP, c *Clock)
	}{
		{"Enrolment", testTOTPEnrolment},
		{"StepsOnce", testTOTPStepsOnce},
		{"ConcurrentSameStep", testTOTPConcurrentStep},
		{"FailureLimit", testTOTPFailureLimit},
		{"ConcurrentFailures", testTOTPConcurrentFailures},
		{"ConcurrentHandle", testTOTPConcurrentHandle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			ts, ok := s.(ledger.TOTP)
			if !ok {
				t.Fatalf("%T does not implement ledger.TOTP", s)
			}
			tc.fn(t, ts, NewClock(Start))
		})
	}
}

const (
	totpSecretA = "JBSWY3DPEHPK3PXPJBSWY3DP"
	totpSecretB = "GEZDGNBVGY3TQOJQGEZDGNBV"
)

func enrol(t *testing.T, s ledger.TOTP, c *Clock, user, handle, secret string) {
	t.Helper()
	if err := s.EnrolTOTP(context.Background(), ledger.TOTPEnrolment{UserID: user, Handle: handle, Secret: secret, CreatedAt: c.Now()}); err != nil {
		t.Fatalf("EnrolTOTP(%s, %s): %v", user, handle, err)
	}
}

func attempt(c *Clock, user string, step uint64) ledger.TOTPAttempt {
	return ledger.TOTPAttempt{UserID: user, Step: step, Now: c.Now(), Window: 15 * time.Minute, MaxFailures: 3}
}

func testTOTPEnrolment(t *testing.T, s ledger.TOTP, c *Clock) {
	ctx := context.Background()
	if _, err := s.TOTPByHandle(ctx, "alice"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("unknown handle: %v, want ErrNotFound", err)
	}
	enrol(t, s, c, "user-a", "alice", totpSecretA)
	e, err := s.TOTPByHandle(ctx, "alice")
	if err != nil || e.UserID != "user-a" || e.Handle != "alice" || e.Secret != totpSecretA || !e.CreatedAt.Equal(c.Now()) || e.LastStep != 0 {
		t.Fatalf("TOTPByHandle = %+v, %v", e, err)
	}
	if err := s.EnrolTOTP(ctx, ledger.TOTPEnrolment{UserID: "user-b", Handle: "alice", Secret: totpSecretB, CreatedAt: c.Now()}); !errors.Is(err, ledger.ErrHandleTaken) {
		t.Fatalf("another user's handle: %v, want ErrHandleTaken", err)
	}
	// Re-enrolment replaces the secret and the handle; the old handle is free.
	if ok, err := s.UseTOTPStep(ctx, attempt(c, "user-a", 100)); !ok || err != nil {
		t.Fatalf("UseTOTPStep: %v, %v", ok, err)
	}
	enrol(t, s, c, "user-a", "alice-2", totpSecretB)
	if _, err := s.TOTPByHandle(ctx, "alice"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("the old handle still answers: %v", err)
	}
	e, err = s.TOTPByHandle(ctx, "alice-2")
	if err != nil || e.UserID != "user-a" || e.Secret != totpSecretB || e.LastStep != 100 {
		t.Fatalf("after re-enrolment: %+v, %v (the last step must stay 100)", e, err)
	}
	if ok, err := s.UseTOTPStep(ctx, attempt(c, "user-a", 100)); ok || err != nil {
		t.Fatalf("a used step was accepted again after re-enrolment: %v, %v", ok, err)
	}
	enrol(t, s, c, "user-b", "alice", totpSecretB)
	for _, bad := range []ledger.TOTPEnrolment{
		{UserID: "u", Handle: "Al", Secret: totpSecretA, CreatedAt: c.Now()},
		{UserID: "u", Handle: "ALICE", Secret: totpSecretA, CreatedAt: c.Now()},
		{UserID: "u", Handle: "-abc", Secret: totpSecretA, CreatedAt: c.Now()},
		{UserID: "", Handle: "abc", Secret: totpSecretA, CreatedAt: c.Now()},
		{UserID: "u", Handle: "abc", Secret: "", CreatedAt: c.Now()},
		{UserID: "u", Handle: "abc", Secret: totpSecretA},
	} {
		if err := s.EnrolTOTP(ctx, bad); err == nil {
			t.Errorf("EnrolTOTP(%+v) succeeded", bad)
		}
	}
}

func testTOTPStepsOnce(t *testing.T, s ledger.TOTP, c *Clock) {
	ctx := context.Background()
	enrol(t, s, c, "user-a", "alice", totpSecretA)
	enrol(t, s, c, "user-b", "bob", totpSecretB)
	for i, tc := range []struct {
		user string
		step uint64
		want bool
	}{
		{"user-a", 10, true}, {"user-a", 10, false}, {"user-a", 9, false}, {"user-a", 11, true},
		{"user-b", 10, true}, // steps are per account
		{"user-a", 11, false}, {"user-a", 1 << 40, true},
	} {
		ok, err := s.UseTOTPStep(ctx, attempt(c, tc.user, tc.step))
		if err != nil || ok != tc.want {
			t.Errorf("%d: UseTOTPStep(%s, %d) = %v, %v; want %v", i, tc.user, tc.step, ok, err, tc.want)
		}
	}
	if _, err := s.UseTOTPStep(ctx, attempt(c, "nobody", 12)); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	if _, err := s.FailTOTP(ctx, attempt(c, "nobody", 0)); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("FailTOTP of an unknown user: %v, want ErrNotFound", err)
	}
	if _, err := s.UseTOTPStep(ctx, attempt(c, "user-a", 1<<63)); err == nil {
		t.Errorf("a step beyond int64 was accepted")
	}
	if e, _ := s.TOTPByHandle(ctx, "alice"); e.LastStep != 1<<40 {
		t.Errorf("LastStep = %d, want %d", e.LastStep, uint64(1<<40))
	}
}

func testTOTPConcurrentStep(t *testing.T, s ledger.TOTP, c *Clock) {
	enrol(t, s, c, "user-a", "alice", totpSecretA)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.UseTOTPStep(context.Background(), attempt(c, "user-a", 777))
			if err != nil {
				t.Errorf("UseTOTPStep: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 8 concurrent uses of one step won, want exactly 1", wins.Load())
	}
}

func testTOTPFailureLimit(t *testing.T, s ledger.TOTP, c *Clock) {
	ctx := context.Background()
	enrol(t, s, c, "user-a", "alice", totpSecretA)
	enrol(t, s, c, "user-b", "bob", totpSecretB)
	first := c.Now()
	for want := 2; want >= 0; want-- {
		left, err := s.FailTOTP(ctx, attempt(c, "user-a", 0))
		if err != nil || left != want {
			t.Fatalf("FailTOTP = %d, %v; want %d left", left, err, want)
		}
		c.Advance(time.Minute)
	}
	var tmf *ledger.TooManyFailures
	if _, err := s.FailTOTP(ctx, attempt(c, "user-a", 0)); !errors.As(err, &tmf) {
		t.Fatalf("a fourth failure: %v, want TooManyFailures", err)
	} else if want := first.Add(15 * time.Minute).Sub(c.Now()); tmf.RetryAfter != want {
		t.Errorf("RetryAfter = %s, want %s (when the oldest failure ages out)", tmf.RetryAfter, want)
	}
	if ok, err := s.UseTOTPStep(ctx, attempt(c, "user-a", 50)); ok || !errors.As(err, &tmf) {
		t.Fatalf("a right code while limited: %v, %v; want TooManyFailures", ok, err)
	}
	if ok, err := s.UseTOTPStep(ctx, attempt(c, "user-b", 50)); !ok || err != nil {
		t.Fatalf("another account is not limited: %v, %v", ok, err)
	}
	// The oldest failure ages out: one more is allowed.
	c.Set(first.Add(15*time.Minute + time.Millisecond))
	if left, err := s.FailTOTP(ctx, attempt(c, "user-a", 0)); err != nil || left != 0 {
		t.Fatalf("after the oldest aged out: %d, %v; want 0 left", left, err)
	}
	c.Advance(30 * time.Minute)
	if ok, err := s.UseTOTPStep(ctx, attempt(c, "user-a", 51)); !ok || err != nil {
		t.Fatalf("UseTOTPStep after the window: %v, %v", ok, err)
	}
	// A success clears the failures: three more are allowed at once.
	if left, err := s.FailTOTP(ctx, attempt(c, "user-a", 0)); err != nil || left != 2 {
		t.Fatalf("after a success: %d, %v; want 2 left", left, err)
	}
}

func testTOTPConcurrentFailures(t *testing.T, s ledger.TOTP, c *Clock) {
	enrol(t, s, c, "user-a", "alice", totpSecretA)
	var recorded, refused atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.FailTOTP(context.Background(), attempt(c, "user-a", 0))
			var tmf *ledger.TooManyFailures
			switch {
			case err == nil:
				recorded.Add(1)
			case errors.As(err, &tmf):
				refused.Add(1)
			default:
				t.Errorf("FailTOTP: %v", err)
			}
		}()
	}
	wg.Wait()
	if recorded.Load() != 3 || refused.Load() != 7 {
		t.Fatalf("10 concurrent wrong codes with a limit of 3: %d recorded, %d refused; want 3 and 7", recorded.Load(), refused.Load())
	}
}

func testTOTPConcurrentHandle(t *testing.T, s ledger.TOTP, c *Clock) {
	var wins, taken atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.EnrolTOTP(context.Background(), ledger.TOTPEnrolment{UserID: string(rune('a'+i)) + "-user",
				Handle: "shared", Secret: totpSecretA, CreatedAt: c.Now()})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ledger.ErrHandleTaken):
				taken.Add(1)
			default:
				t.Errorf("EnrolTOTP: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || taken.Load() != 5 {
		t.Fatalf("6 users enrolling one handle: %d won, %d refused; want 1 and 5", wins.Load(), taken.Load())
	}
}
