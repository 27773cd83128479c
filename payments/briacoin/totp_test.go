package briacoin

import (
	"context"
	"encoding/base32"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is RFC 6238's SHA1 test secret, ASCII "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// TestRFC6238Vectors checks the six SHA1 vectors of RFC 6238 appendix B
// (8 digits) through our step arithmetic and through pquerna/otp's totp
// package with every option set explicitly.
func TestRFC6238Vectors(t *testing.T) {
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	eight := hotp.ValidateOpts{Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
	topts := totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0).UTC()
		if got, err := codeAt(rfcSecret, StepAt(at, 30*time.Second), eight); err != nil || got != v.code {
			t.Errorf("T=%d: codeAt = %s, %v; want %s", v.unix, got, err, v.code)
		}
		if got, err := totp.GenerateCodeCustom(rfcSecret, at, topts); err != nil || got != v.code {
			t.Errorf("T=%d: totp.GenerateCodeCustom = %s, %v; want %s", v.unix, got, err, v.code)
		}
		if ok, err := totp.ValidateCustom(v.code, rfcSecret, at, topts); !ok || err != nil {
			t.Errorf("T=%d: totp.ValidateCustom = %v, %v", v.unix, ok, err)
		}
	}
}

// TestPquernaDigitsPitfall documents why Digits is always set: with it
// unset, pquerna/otp v1.5.0 refuses every code.
func TestPquernaDigitsPitfall(t *testing.T) {
	now := time.Unix(1493195829, 0)
	code, err := GenerateKey("qta3whcytmysb2tq", now, 0)
	if err != nil || len(code) != 6 {
		t.Fatal(code, err)
	}
	if ok, err := totp.ValidateCustom(code, "qta3whcytmysb2tq", now, totp.ValidateOpts{Period: 30, Algorithm: otp.AlgorithmSHA1}); ok || err == nil {
		t.Fatalf("unset Digits accepted a code (%v, %v): the pitfall is gone, revisit", ok, err)
	}
	ok, err := totp.ValidateCustom(code, "qta3whcytmysb2tq", now, totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if !ok || err != nil {
		t.Fatalf("our key is not Google Authenticator's: %v %v", ok, err)
	}
	// Same as totp's own generator, over many steps.
	for i := range int64(500) {
		at := now.Add(time.Duration(i) * 17 * time.Second)
		want, _ := totp.GenerateCodeCustom("qta3whcytmysb2tq", at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if got, _ := GenerateKey("qta3whcytmysb2tq", at, 30*time.Second); got != want {
			t.Fatalf("at %v: %s, totp says %s", at, got, want)
		}
	}
}

func TestStepAt(t *testing.T) {
	if got := StepAt(time.Unix(59, 0), 0); got != 1 {
		t.Fatal(got)
	}
	if got := StepAt(time.Unix(1, 500_000_000), 250*time.Millisecond); got != 6 {
		t.Fatal(got)
	}
	if got := StepAt(time.Unix(-5, 0), time.Second); got != 0 {
		t.Fatal(got)
	}
	// Far future with a sub-second period: no overflow.
	if got := StepAt(time.Unix(20000000000, 0), 100*time.Millisecond); got != 200000000000 {
		t.Fatal(got)
	}
	for _, p := range []time.Duration{30 * time.Second, 100 * time.Millisecond, 1500 * time.Millisecond} {
		for _, s := range []uint64{0, 1, 7, 123456} {
			at := stepStart(s, p)
			if StepAt(at, p) != s || StepAt(at.Add(-time.Nanosecond), p) != s-1 && s > 0 {
				t.Fatalf("period %v step %d: start %v", p, s, at)
			}
		}
	}
}

func TestSecrets(t *testing.T) {
	s, err := NewSecret(nil)
	if err != nil || len(s) != 16 {
		t.Fatal(s, err)
	}
	if _, err := NormalizeSecret(s); err != nil {
		t.Fatal(err)
	}
	if n, err := NormalizeSecret(" qta3 whcy tmys b2tq "); err != nil || n != "QTA3WHCYTMYSB2TQ" {
		t.Fatal(n, err)
	}
	for _, bad := range []string{"", "qta3whcy", "not base32!", "0189", "QTA3WHCYTMYSB2T1"} {
		if _, err := NormalizeSecret(bad); !errors.Is(err, ErrSecret) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// fakeClock is a settable clock. Its After advances the clock by d and
// fires at once, so waits for the next step take no real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1493195829, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func (c *fakeClock) Clock() Clock { return Clock{Now: c.Now, After: c.After} }

func TestKeySourceNeverRepeatsAStep(t *testing.T) {
	fc := newFakeClock()
	ks, err := NewKeySource("qta3whcytmysb2tq", 0, fc.Clock())
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Clock: Clock{Now: fc.Now}}
	start := fc.Now()
	var steps []uint64
	for range 5 {
		key, err := ks.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		step, err := v.Verify("qta3whcytmysb2tq", key)
		if err != nil {
			t.Fatalf("key %s refused: %v", key, err)
		}
		steps = append(steps, step)
	}
	for i := 1; i < len(steps); i++ {
		if steps[i] != steps[i-1]+1 {
			t.Fatalf("steps %v: not one per call", steps)
		}
	}
	if waited := fc.Now().Sub(start); waited < 4*DefaultPeriod-30*time.Second || waited > 4*DefaultPeriod {
		t.Fatalf("clock moved %v for 5 keys", waited)
	}
}

func TestKeySourceHonoursContext(t *testing.T) {
	fc := newFakeClock()
	never := Clock{Now: fc.Now, After: func(time.Duration) <-chan time.Time { return nil }}
	ks, _ := NewKeySource("qta3whcytmysb2tq", 0, never)
	if _, err := ks.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := ks.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline while waiting for the next step, got %v", err)
	}
	// A caller queued behind a holder also gives up with its context.
	hold := make(chan struct{})
	go func() {
		_ = ks.Do(context.Background(), func(string) error { <-hold; return nil })
	}()
	time.Sleep(10 * time.Millisecond)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	err := ks.Do(ctx2, func(string) error { t.Error("ran"); return nil })
	close(hold)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
}

// TestKeySourceConcurrent: 20 concurrent callers on the real clock with a
// short period; a verifier checking inside Do accepts every key, so no two
// share a step and they arrive in step order.
func TestKeySourceConcurrent(t *testing.T) {
	const period = 20 * time.Millisecond
	ks, _ := NewKeySource("qta3whcytmysb2tq", period, Clock{})
	v := &Verifier{Period: period}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := ks.Do(context.Background(), func(key string) error {
				_, err := v.Verify("qta3whcytmysb2tq", key)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestVerifier(t *testing.T) {
	const secret = "qta3whcytmysb2tq"
	fc := newFakeClock()
	v := &Verifier{Clock: Clock{Now: fc.Now}}
	at := func(d time.Duration) string {
		k, err := GenerateKey(secret, fc.Now().Add(d), 0)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	want := func(key string, wantErr error) {
		t.Helper()
		_, err := v.Verify(secret, key)
		if !errors.Is(err, wantErr) {
			t.Fatalf("key %q: %v, want %v", key, err, wantErr)
		}
	}
	prev := at(-30 * time.Second)
	cur := at(0)
	wrong := "000000"
	if wrong == cur || wrong == prev {
		wrong = "000001"
	}
	want(wrong, ErrKeyInvalid)
	want("12345", ErrKeyMalformed)
	want("12345a", ErrKeyMalformed)
	want(at(-90*time.Second), ErrKeyInvalid) // 3 steps back: out of window
	want(at(90*time.Second), ErrKeyInvalid)  // 3 steps ahead
	want(prev, nil)                          // one step back: skew
	want(prev, ErrKeyReused)                 // same step again
	want(cur, nil)
	want(cur, ErrKeyReused)
	want(prev, ErrKeyReused) // an older step after a newer one
	next := at(30 * time.Second)
	want(next, nil) // one step ahead: skew
	fc.Advance(30 * time.Second)
	want(at(0), ErrKeyReused) // that step is used
	if _, err := v.Verify("bad secret!", cur); !errors.Is(err, ErrSecret) {
		t.Fatal(err)
	}

	// No skew: only the current step.
	strict := &Verifier{Clock: Clock{Now: fc.Now}, Skew: -1}
	if _, err := strict.Verify(secret, at(-30*time.Second)); !errors.Is(err, ErrKeyInvalid) {
		t.Fatal(err)
	}
	if _, err := strict.Verify(secret, at(0)); err != nil {
		t.Fatal(err)
	}
	// Secrets are tracked separately, and by hash, case-insensitively.
	other := &Verifier{Clock: Clock{Now: fc.Now}}
	if _, err := other.Verify("QTA3WHCYTMYSB2TQ", at(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(secret, at(0)); !errors.Is(err, ErrKeyReused) {
		t.Fatal(err)
	}
	k2, _ := GenerateKey("mzxw6ytboi2tkmzx", fc.Now(), 0)
	if _, err := other.Verify("mzxw6ytboi2tkmzx", k2); err != nil {
		t.Fatal(err)
	}
}

// failingStore shows that a store error is reported, not taken as a pass.
type failingStore struct{}

func (failingStore) Advance(string, uint64) (bool, error) { return false, errors.New("db down") }

func TestVerifierStoreError(t *testing.T) {
	v := &Verifier{Store: failingStore{}}
	k, _ := GenerateKey("qta3whcytmysb2tq", time.Now(), 0)
	if _, err := v.Verify("qta3whcytmysb2tq", k); err == nil || err.Error() != "db down" {
		t.Fatal(err)
	}
}

func TestMemoryStepStoreSnapshot(t *testing.T) {
	var m MemoryStepStore
	if ok, _ := m.Advance("a", 5); !ok {
		t.Fatal()
	}
	snap := m.Snapshot()
	var n MemoryStepStore
	n.Restore(snap)
	if ok, _ := n.Advance("a", 5); ok {
		t.Fatal("restored store accepted a used step")
	}
	if ok, _ := n.Advance("a", 6); !ok {
		t.Fatal()
	}
}
