package server

import (
	"context"
	"strings"
	"testing"
)

// The queue runs user calls before callbacks' re-reads before
// reconciliation, coalesces jobs by key (moving a job up when a more
// urgent push comes), and releases the waiters of jobs it never ran.
func TestBriaQueueOrder(t *testing.T) {
	q := newBriaQueue()
	var ran []string
	job := func(name string) func(context.Context) { return func(context.Context) { ran = append(ran, name) } }
	q.push(prioReconcile, "order:1", job("poll 1"))
	q.push(prioReconcile, "order:2", job("poll 2"))
	q.push(prioCallback, "order:3", job("refetch 3"))
	q.push(prioUser, "", job("createorder A"))
	if j := q.push(prioReconcile, "order:1", job("poll 1 again")); j == nil {
		t.Fatal("a coalesced push returned nil")
	}
	q.push(prioCallback, "order:2", job("never: coalesced into poll 2")) // moves poll 2 up
	q.push(prioUser, "", job("transfer B"))
	if n := q.waiting(prioReconcile); n != 1 {
		t.Fatalf("%d reconcile jobs waiting, want 1", n)
	}
	for j := q.pop(); j != nil; j = q.pop() {
		j.run(context.Background())
		close(j.done)
	}
	want := "createorder A, transfer B, refetch 3, poll 2, poll 1"
	if got := strings.Join(ran, ", "); got != want {
		t.Fatalf("ran %s, want %s", got, want)
	}
	left := q.push(prioReconcile, "order:9", job("never"))
	q.close()
	select {
	case <-left.done:
	default:
		t.Fatal("close left a waiter hanging")
	}
	if q.push(prioUser, "", job("never")) != nil {
		t.Fatal("a closed queue took a job")
	}
}
