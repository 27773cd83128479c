package briacoin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/pquerna/otp/hotp"

	"fastcheck/totp"
)

// The service's keys are Google Authenticator codes: TOTP (RFC 6238) with
// HMAC-SHA1, 6 digits and a 30 s step; the arithmetic is package totp's.
const (
	DefaultPeriod = totp.DefaultPeriod
	KeyDigits     = totp.Digits
	DefaultSkew   = totp.DefaultSkew
)

// keyOpts are the service's HOTP options, always spelled out.
func keyOpts() hotp.ValidateOpts { return totp.Opts() }

// Errors of key verification. Wrong and out-of-window keys are both
// ErrKeyInvalid: the verifier cannot tell them apart.
var (
	ErrKeyMalformed = errors.New("briacoin: key is not 6 digits")
	ErrKeyInvalid   = errors.New("briacoin: key is wrong or outside the time window")
	ErrKeyReused    = errors.New("briacoin: key of an already used time step")
	ErrSecret       = errors.New("briacoin: secret is not base32")
)

// NormalizeSecret validates a base32 secret as the service writes it
// ("qta3whcytmysb2tq": lower case, no padding) and returns it upper case
// without padding or spaces, the form pquerna/otp decodes. It must decode to
// at least 10 bytes (80 bits, the service's own secrets).
func NormalizeSecret(s string) (string, error) {
	n, err := totp.NormalizeSecret(s)
	if err != nil {
		return "", ErrSecret
	}
	return n, nil
}

// NewSecret returns a fresh secret in the service's form: 10 random bytes
// as 16 lower-case base32 characters.
func NewSecret(r io.Reader) (string, error) { return totp.NewSecret(r, 10) }

// StepAt is the TOTP time step of t: floor(unix time / period).
func StepAt(t time.Time, period time.Duration) uint64 { return totp.StepAt(t, period) }

// stepStart is the first instant of step.
func stepStart(step uint64, period time.Duration) time.Time { return totp.StepStart(step, period) }

// KeyAt is the 6-digit key of secret for a time step.
func KeyAt(secret string, step uint64) (string, error) {
	return codeAt(secret, step, keyOpts())
}

// GenerateKey is the 6-digit key of secret at time t with the given period
// (0 means 30 s).
func GenerateKey(secret string, t time.Time, period time.Duration) (string, error) {
	return KeyAt(secret, StepAt(t, period))
}

func codeAt(secret string, step uint64, opts hotp.ValidateOpts) (string, error) {
	code, err := totp.CodeAt(secret, step, opts)
	if errors.Is(err, totp.ErrSecret) {
		return "", ErrSecret
	}
	return code, err
}

// Clock is the time source of KeySource and Verifier. After must return a
// channel that fires once the clock has advanced by d (time.After for the
// real clock; tests with a fake clock advance it and return a ready channel).
type Clock struct {
	Now   func() time.Time
	After func(d time.Duration) <-chan time.Time
}

func (c Clock) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Clock) after(d time.Duration) <-chan time.Time {
	if c.After != nil {
		return c.After(d)
	}
	return time.After(d)
}

// KeySource hands out the keys of one secret for outgoing calls. Calls are
// serialized, and each gets a key of a time step no earlier call used: when
// the current step is taken, the next call waits for the next step
// (honouring its context). A service that, as RFC 6238 §5.2 requires,
// accepts each step once per secret therefore never sees a key twice, and
// sees them in step order. Safe for concurrent use.
type KeySource struct {
	secret string
	period time.Duration
	clock  Clock
	sem    chan struct{}
	used   bool
	last   uint64
}

// NewKeySource makes a KeySource for secret. period 0 means 30 s.
func NewKeySource(secret string, period time.Duration, clock Clock) (*KeySource, error) {
	s, err := NormalizeSecret(secret)
	if err != nil {
		return nil, err
	}
	if period <= 0 {
		period = DefaultPeriod
	}
	return &KeySource{secret: s, period: period, clock: clock, sem: make(chan struct{}, 1)}, nil
}

// Period is the key step length.
func (k *KeySource) Period() time.Duration { return k.period }

// Do waits for its turn and for a time step no earlier call used, then runs
// fn with that step's key while holding the source, so that the request fn
// makes reaches the service before any later key is issued. fn's error is
// returned as is.
func (k *KeySource) Do(ctx context.Context, fn func(key string) error) error {
	select {
	case k.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-k.sem }()
	for {
		now := k.clock.now()
		step := StepAt(now, k.period)
		if !k.used || step > k.last {
			key, err := codeAt(k.secret, step, keyOpts())
			if err != nil {
				return err
			}
			k.used, k.last = true, step
			return fn(key)
		}
		wait := stepStart(k.last+1, k.period).Sub(now)
		if wait <= 0 {
			wait = time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-k.clock.after(wait):
		}
	}
}

// Next returns a fresh key without holding the source during its use.
// Prefer Do: with Next, two keys of consecutive steps may reach the service
// out of order, and the older one is then refused.
func (k *KeySource) Next(ctx context.Context) (string, error) {
	var key string
	err := k.Do(ctx, func(s string) error { key = s; return nil })
	return key, err
}

// StepStore remembers, per secret, the last time step a Verifier accepted.
// Advance must be atomic: it records step and returns true only if step is
// later than the recorded one (or none is recorded). A server keeps this in
// its database (a conditional UPDATE) so that reuse is refused across
// restarts and replicas.
type StepStore interface {
	Advance(secretID string, step uint64) (bool, error)
}

// MemoryStepStore is an in-memory StepStore. Safe for concurrent use.
type MemoryStepStore struct {
	mu   sync.Mutex
	last map[string]uint64
}

// Advance implements StepStore.
func (m *MemoryStepStore) Advance(id string, step uint64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		m.last = make(map[string]uint64)
	}
	if last, ok := m.last[id]; ok && step <= last {
		return false, nil
	}
	m.last[id] = step
	return true, nil
}

// Snapshot copies the recorded steps, for persistence.
func (m *MemoryStepStore) Snapshot() map[string]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]uint64, len(m.last))
	for k, v := range m.last {
		out[k] = v
	}
	return out
}

// Restore replaces the recorded steps.
func (m *MemoryStepStore) Restore(steps map[string]uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = make(map[string]uint64, len(steps))
	for k, v := range steps {
		m.last[k] = v
	}
}

// SecretID is the key under which a StepStore records a secret: a hash,
// so that stores never hold secrets.
func SecretID(secret string) string {
	s, err := NormalizeSecret(secret)
	if err != nil {
		s = secret
	}
	h := sha256.Sum256([]byte("briacoin-totp:" + s))
	return hex.EncodeToString(h[:16])
}

// Verifier checks incoming keys: the key must be the 6-digit SHA1 code of
// the secret for the current step or one step either side (Skew), and its
// step must be later than the last step accepted for that secret (RFC 6238
// §5.2: a code is accepted once). Safe for concurrent use.
type Verifier struct {
	// Period is the step length; 0 means 30 s.
	Period time.Duration
	// Skew is the number of steps accepted either side of the current
	// one; 0 means DefaultSkew (1), negative means none.
	Skew int
	// Clock is the time source; zero means the system clock.
	Clock Clock
	// Store records accepted steps; nil means an in-memory store created
	// on first use.
	Store StepStore

	once sync.Once
	mem  *MemoryStepStore
}

func (v *Verifier) store() StepStore {
	if v.Store != nil {
		return v.Store
	}
	v.once.Do(func() { v.mem = new(MemoryStepStore) })
	return v.mem
}

// Verify checks key against secret at the verifier's current time and
// consumes its step. It returns the accepted step, or ErrKeyMalformed,
// ErrKeyInvalid, ErrKeyReused, ErrSecret, or the store's error.
func (v *Verifier) Verify(secret, key string) (uint64, error) {
	s, err := NormalizeSecret(secret)
	if err != nil {
		return 0, err
	}
	matched, err := totp.Matches(s, key, v.Clock.now(), v.Period, v.Skew)
	switch {
	case errors.Is(err, totp.ErrMalformed):
		return 0, ErrKeyMalformed
	case errors.Is(err, totp.ErrInvalid):
		return 0, ErrKeyInvalid
	case err != nil:
		return 0, err
	}
	id := SecretID(s)
	for _, step := range matched {
		ok, err := v.store().Advance(id, step)
		if err != nil {
			return 0, err
		}
		if ok {
			return step, nil
		}
	}
	return 0, ErrKeyReused
}
