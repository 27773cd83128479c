package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"fastcheck/ledger"
)

// The read pool cannot write, whatever a future read method tries.
func TestReadPoolIsReadOnly(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.rdb.Exec(`INSERT INTO accept_failures (user_id, number, reason, at) VALUES ('u', 'n', 'r', 0)`); err == nil {
		t.Fatal("a write through the read pool succeeded")
	}
	var fk int
	if err := s.rdb.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("read pool foreign_keys = %d, %v", fk, err)
	}
}

// A job abandoned while it waits in the queue never runs; a job that the
// writer has started runs to its end even if its caller's context ends.
func TestQueueCancellation(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	started, release := make(chan struct{}), make(chan struct{})
	blockerCtx, cancelBlocker := context.WithCancel(context.Background())
	blockerDone := make(chan error, 1)
	go func() {
		blockerDone <- s.do(blockerCtx, func(tx *wtx) error {
			close(started)
			<-release
			_, err := tx.ExecContext(bg, `INSERT INTO accept_failures (user_id, number, reason, at) VALUES ('blocker', 'n', 'r', 0)`)
			return err
		})
	}()
	<-started
	cancelBlocker() // the blocker is running: it must still complete

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ran := false
	err = s.do(ctx, func(tx *wtx) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued job with an ended context: %v", err)
	}
	close(release)
	if err := <-blockerDone; err != nil {
		t.Fatalf("the started job did not complete: %v", err)
	}
	// A later job runs after the abandoned one was skipped.
	if err := s.do(context.Background(), func(tx *wtx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("an abandoned job ran")
	}
	var n int
	if err := s.rdb.QueryRow(`SELECT COUNT(*) FROM accept_failures WHERE user_id = 'blocker'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the started job's write: %d rows, %v", n, err)
	}
}

// keep(err) commits the job's writes and reports err; a plain error or a
// panic undoes them; neither disturbs the other jobs of the batch.
func TestJobOutcomes(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	insert := func(tx *wtx, who string) error {
		_, err := tx.ExecContext(bg, `INSERT INTO accept_failures (user_id, number, reason, at) VALUES (?, 'n', 'r', 0)`, who)
		return err
	}
	boom := errors.New("boom")
	ctx := context.Background()
	if err := s.do(ctx, func(tx *wtx) error { insert(tx, "kept"); return keep(boom) }); !errors.Is(err, boom) {
		t.Fatalf("kept error: %v", err)
	}
	if err := s.do(ctx, func(tx *wtx) error { insert(tx, "undone"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("plain error: %v", err)
	}
	if err := s.do(ctx, func(tx *wtx) error { insert(tx, "panicked"); panic("bug") }); err == nil {
		t.Fatal("a panicking job reported success")
	}
	if err := s.do(ctx, func(tx *wtx) error { return insert(tx, "ok") }); err != nil {
		t.Fatal(err)
	}
	rows, err := s.rdb.Query(`SELECT user_id FROM accept_failures ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var u string
		rows.Scan(&u)
		got = append(got, u)
	}
	if len(got) != 2 || got[0] != "kept" || got[1] != "ok" {
		t.Fatalf("committed writes = %v, want [kept ok]", got)
	}
}

// A row read before a change of the session, and offered to the cache
// after the change's forget, is not kept: the next read goes to the
// database.
func TestWebsessionCacheRefusesRowsReadBeforeAChange(t *testing.T) {
	var s Store
	c := &s.ws
	stale := ledger.Websession{ID: "s1", State: ledger.SessionApproved}
	gen := c.Generation()              // the reader starts
	c.Forget("s1")                     // a delete commits meanwhile
	c.PutIfUnchanged(gen, "s1", stale) // the reader offers what it read before
	if w, ok := c.Get("s1"); ok {
		t.Fatalf("the cache kept a row read before the change: %+v", w)
	}
	c.PutIfUnchanged(c.Generation(), "s1", stale)
	if _, ok := c.Get("s1"); !ok {
		t.Fatal("the cache did not keep a row read after the last change")
	}
	c.ForgetAll()
	if _, ok := c.Get("s1"); ok {
		t.Fatal("ForgetAll left a row")
	}
}

// A system account made by a job that is then rolled back is not
// remembered: the next job makes it again and gets an id that exists.
func TestSystemAccountIDsForgottenOnRollback(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	undo := errors.New("undo this job")
	err = s.do(ctx, func(tx *wtx) error {
		if _, err := systemAccount(tx, "external", "ext:test", "RUB", 1); err != nil {
			return err
		}
		if _, err := systemAccount(tx, "external", "ext:test", "RUB", 1); err != nil { // found: remembered
			return err
		}
		return undo
	})
	if !errors.Is(err, undo) {
		t.Fatalf("job = %v", err)
	}
	var id int64
	var n int
	err = s.do(ctx, func(tx *wtx) (err error) {
		if id, err = systemAccount(tx, "external", "ext:test", "RUB", 2); err != nil {
			return err
		}
		return tx.QueryRowContext(bg, `SELECT COUNT(*) FROM accounts WHERE id = ? AND name = 'ext:test'`, id).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Fatalf("after the rollback systemAccount gave id %d, which exists %d times (%v)", id, n, err)
	}
}
