package sshwallet

import (
	"sync"
	"time"
)

// ipLimiter is a token bucket per IP address: rate tokens a second, at
// most burst. Buckets that have refilled are dropped now and then, so the
// map stays as small as the set of recent visitors.
type ipLimiter struct {
	rate, burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newIPLimiter(perSecond, burst float64) *ipLimiter {
	if burst < 1 {
		burst = 1
	}
	return &ipLimiter{rate: perSecond, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for ip, if it has one.
func (l *ipLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls++; l.calls%1024 == 0 {
		l.prune(now)
	}
	b := l.buckets[ip]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	} else {
		b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune drops the buckets that are full again (as if never used).
func (l *ipLimiter) prune(now time.Time) {
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, ip)
		}
	}
}
