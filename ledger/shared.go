package ledger

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Shared is the small state that server replicas behind one load
// balancer must share beside the books: the signature nonces already
// used (a replay is refused at any replica) and the rate-limit buckets (a
// limit hit at one replica holds at the others). It is part of Store.
//
// A backend whose database one process owns (SQLite) may keep it in that
// process's memory: the process is then the only replica.
type Shared interface {
	// UseNonce records key as used until until and reports whether it was
	// unused; a key recorded until a time at or before now is unused again.
	// Concurrent uses of one key have one winner.
	UseNonce(ctx context.Context, key string, until, now time.Time) (fresh bool, err error)
	// TakeToken takes one token from key's bucket, which holds at most
	// burst tokens and refills at perSecond. With none left it takes
	// nothing and reports how long until one is back.
	TakeToken(ctx context.Context, key string, perSecond, burst float64, now time.Time) (ok bool, retryAfter time.Duration, err error)
	// PurgeShared removes nonces no longer in use at now and buckets that
	// have refilled by now (they carry no state).
	PurgeShared(ctx context.Context, now time.Time) error
}

// CheckToken validates TakeToken's arguments.
func CheckToken(key string, perSecond, burst float64, now time.Time) error {
	if err := CheckText("rate key", key, 256); err != nil {
		return err
	}
	if !(perSecond > 0) || !(burst >= 1) || burst > 1e9 {
		return errors.New("ledger: a rate limit needs a positive rate and a burst of at least 1")
	}
	if now.IsZero() {
		return ErrNoTime
	}
	return nil
}

// CheckNonce validates UseNonce's arguments.
func CheckNonce(key string, until, now time.Time) error {
	if err := CheckText("nonce key", key, 256); err != nil {
		return err
	}
	if now.IsZero() || until.IsZero() {
		return ErrNoTime
	}
	return nil
}

// RetryAfter is how long a bucket with tokens left (below 1) takes to
// hold one again at perSecond.
func RetryAfter(tokens, perSecond float64) time.Duration {
	return time.Duration((1 - tokens) / perSecond * float64(time.Second))
}

// MemShared is Shared in one process's memory, for a backend whose
// database that one process owns (SQLite): there the process is the only
// replica, and memory is its shared state. A nonce is forgotten on
// restart; the server refuses signatures made before it started, which
// covers that. The zero value is ready to use.
type MemShared struct {
	mu      sync.Mutex
	nonces  map[string]time.Time // key → until
	buckets map[string]*memBucket
}

type memBucket struct {
	tokens float64
	last   time.Time
	fullAt time.Time
}

// UseNonce implements Shared.
func (m *MemShared) UseNonce(ctx context.Context, key string, until, now time.Time) (bool, error) {
	if err := CheckNonce(key, until, now); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nonces == nil {
		m.nonces = map[string]time.Time{}
	}
	if old, used := m.nonces[key]; used && old.After(now) {
		return false, nil
	}
	m.nonces[key] = until
	return true, nil
}

// TakeToken implements Shared.
func (m *MemShared) TakeToken(ctx context.Context, key string, perSecond, burst float64, now time.Time) (bool, time.Duration, error) {
	if err := CheckToken(key, perSecond, burst, now); err != nil {
		return false, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buckets == nil {
		m.buckets = map[string]*memBucket{}
	}
	b, ok := m.buckets[key]
	if !ok {
		b = &memBucket{tokens: burst, last: now}
		m.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(burst, b.tokens+el*perSecond)
		b.last = now
	}
	ok = b.tokens >= 1
	if ok {
		b.tokens--
	}
	b.fullAt = b.last.Add(time.Duration((burst - b.tokens) / perSecond * float64(time.Second)))
	if ok {
		return true, 0, nil
	}
	return false, RetryAfter(b.tokens, perSecond), nil
}

// PurgeShared implements Shared.
func (m *MemShared) PurgeShared(ctx context.Context, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, until := range m.nonces {
		if !until.After(now) {
			delete(m.nonces, k)
		}
	}
	for k, b := range m.buckets {
		if !b.fullAt.After(now) {
			delete(m.buckets, k)
		}
	}
	return nil
}
