package server

import (
	"context"
	"sync"
)

// The Briacoin service accepts one keyed call per TOTP step (30 s) per
// merchant secret, so this process's calls are a scarce budget spent by
// one worker, one call at a time, most urgent first:
//
//	prioUser       a user waits: createorder for a top-up, a withdrawal's
//	               balance read and transfertoaddress
//	prioCallback   a verified callback waits for its getorderstatus
//	prioReconcile  the reconciler: polls of open orders, resolution of
//	               withdrawals of unknown outcome
//
// Jobs with a key are coalesced: pushing a key already queued returns the
// queued job (moved up if the new push is more urgent), so a burst of
// callbacks or reconciler passes costs one call per order.
type priority int

const (
	prioUser priority = iota
	prioCallback
	prioReconcile
	numPrio
)

// briaJob is one unit of work for the worker. run gets the worker's
// context, which ends when the server closes.
type briaJob struct {
	key  string
	prio priority
	run  func(ctx context.Context)
	done chan struct{} // closed after run (or when the queue is closed)
}

// briaQueue is a priority queue with coalescing by key. Safe for
// concurrent use.
type briaQueue struct {
	mu     sync.Mutex
	q      [numPrio][]*briaJob
	keyed  map[string]*briaJob
	wake   chan struct{}
	closed bool
}

func newBriaQueue() *briaQueue {
	return &briaQueue{keyed: map[string]*briaJob{}, wake: make(chan struct{}, 1)}
}

// push queues run at prio, or returns the job already queued under key.
// It returns nil when the queue is closed.
func (q *briaQueue) push(prio priority, key string, run func(ctx context.Context)) *briaJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	if key != "" {
		if j, ok := q.keyed[key]; ok {
			if prio < j.prio {
				q.remove(j)
				j.prio = prio
				q.q[prio] = append(q.q[prio], j)
			}
			return j
		}
	}
	j := &briaJob{key: key, prio: prio, run: run, done: make(chan struct{})}
	q.q[prio] = append(q.q[prio], j)
	if key != "" {
		q.keyed[key] = j
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return j
}

func (q *briaQueue) remove(j *briaJob) {
	list := q.q[j.prio]
	for i, x := range list {
		if x == j {
			q.q[j.prio] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// pop takes the most urgent job, or nil when none is queued. A popped
// job's key is free again: a push during its run queues a new job (the
// state may have changed since the run started).
func (q *briaQueue) pop() *briaJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	for p := range q.q {
		if len(q.q[p]) > 0 {
			j := q.q[p][0]
			q.q[p] = q.q[p][1:]
			if j.key != "" {
				delete(q.keyed, j.key)
			}
			return j
		}
	}
	return nil
}

// waiting is the number of jobs queued at prio.
func (q *briaQueue) waiting(prio priority) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.q[prio])
}

// close refuses new jobs and releases the waiters of the queued ones,
// which never run.
func (q *briaQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for p := range q.q {
		for _, j := range q.q[p] {
			close(j.done)
		}
		q.q[p] = nil
	}
	q.keyed = map[string]*briaJob{}
}

// work runs jobs until ctx ends.
func (q *briaQueue) work(ctx context.Context) {
	for {
		j := q.pop()
		if j == nil {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			close(j.done)
			return
		}
		j.run(ctx)
		close(j.done)
	}
}
