// Package retry holds the bounded exponential backoff shared by the
// simulators' callback and webhook deliveries.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy bounds a delivery: at most Attempts tries, waiting about
// Base·2^n (capped at Max, with jitter) between them.
type Policy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// Defaults fills zero fields: 12 attempts, 1 s doubling up to 5 min (about
// 25 minutes in all).
func (p Policy) Defaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = 12
	}
	if p.Base <= 0 {
		p.Base = time.Second
	}
	if p.Max <= 0 {
		p.Max = 5 * time.Minute
	}
	if p.Max < p.Base {
		p.Max = p.Base
	}
	return p
}

// Delay is the wait after failed attempt n (0-based): between half and all
// of min(Base·2^n, Max).
func (p Policy) Delay(n int) time.Duration {
	p = p.Defaults()
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// Sleep waits d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
