package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
)

// maxBatch bounds how many jobs share one COMMIT.
const maxBatch = 64

// A jobFunc runs inside the writer's transaction, in its own savepoint.
//
// It returns nil to keep its writes, keep(err) to keep its writes and still
// report err to its caller (a "committed business error", such as a wrong
// code whose failed attempt must be counted), or any other error to undo
// its writes. It must have no effect outside the transaction: a batch can
// fail as a whole at COMMIT, and then every job in it reports that error.
// It must not use the caller's context: once a job has started it runs to
// the end.
type jobFunc func(tx *wtx) error

// kept marks an error whose job's writes are committed all the same.
type kept struct{ err error }

func (k *kept) Error() string { return k.err.Error() }
func (k *kept) Unwrap() error { return k.err }

// keep reports err to the caller after committing the job's writes.
func keep(err error) error { return &kept{err} }

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

type job struct {
	ctx   context.Context
	fn    jobFunc
	state atomic.Int32
	err   error      // the job's own outcome, before COMMIT
	done  chan error // buffered; receives the final outcome once
}

// take claims a queued job for execution. It fails if the caller has gone.
func (j *job) take() bool {
	if !j.state.CompareAndSwap(jobQueued, jobTaken) {
		return false
	}
	if err := j.ctx.Err(); err != nil {
		j.done <- err
		return false
	}
	return true
}

// do queues fn for the writer and waits for its outcome, which is reported
// only after the batch that ran it has committed. ctx is honoured while
// the job waits in the queue; once the writer has taken it, do waits for
// the outcome.
func (s *Store) do(ctx context.Context, fn jobFunc) error {
	ctx = ctxOrBackground(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		return <-j.done // already running: its outcome is the truth
	}
}

// wtx is the writer's connection inside its transaction. It prepares each
// distinct query once and keeps the statement for the life of the
// connection (parsing is a large part of a job's cost otherwise).
//
// It also remembers the ids of the system accounts (escrow, external)
// that its SELECTs found: accounts are never deleted and their names never
// change, so an id stays right unless the savepoint or batch that made the
// account is rolled back; every rollback forgets them all.
type wtx struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
	sys   map[sysKey]sysAccount
}

type sysKey struct{ name, currency string }

type sysAccount struct {
	id   int64
	kind string
}

func (w *wtx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(bg, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

func (w *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (w *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (w *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := w.stmt(query)
	if err != nil {
		return w.conn.QueryRowContext(ctx, query, args...) // reports the same error through the Row
	}
	return st.QueryRowContext(ctx, args...)
}

// exec runs a statement without arguments (transaction control).
func (w *wtx) exec(query string) error {
	_, err := w.ExecContext(bg, query)
	return err
}

func (w *wtx) close() {
	for _, st := range w.stmts {
		st.Close()
	}
	w.conn.Close()
}

// writer owns the write connection. It ends when the queue is closed and
// drained.
func (s *Store) writer(conn *sql.Conn) {
	defer close(s.done)
	w := &wtx{conn: conn, stmts: map[string]*sql.Stmt{}, sys: map[sysKey]sysAccount{}}
	defer w.close()
	for j := range s.jobs {
		if j.take() {
			s.batch(w, j)
		}
	}
}

// batch runs first and whatever else is queued (up to maxBatch jobs) in one
// transaction, commits it, and only then reports each job's outcome.
func (s *Store) batch(tx *wtx, first *job) {
	if err := tx.exec("BEGIN IMMEDIATE"); err != nil {
		first.done <- fmt.Errorf("ledger/sqlite: begin: %w", err)
		return
	}
	batch := make([]*job, 0, maxBatch)
	var broken error // set when the transaction can no longer be trusted
	run := func(j *job) {
		batch = append(batch, j)
		j.err, broken = runJob(tx, j.fn)
	}
	run(first)
drain:
	for broken == nil && len(batch) < maxBatch {
		select {
		case j, ok := <-s.jobs:
			if !ok {
				break drain // closed: the loop in writer sees it next
			}
			if j.take() {
				run(j)
			}
		default:
			break drain
		}
	}
	if broken != nil {
		tx.exec("ROLLBACK")
		clear(tx.sys)
		for _, j := range batch {
			j.done <- fmt.Errorf("ledger/sqlite: transaction rolled back: %w", broken)
		}
		return
	}
	if err := tx.exec("COMMIT"); err != nil {
		tx.exec("ROLLBACK") // if the transaction is still open; harmless if not
		clear(tx.sys)
		for _, j := range batch {
			j.done <- fmt.Errorf("ledger/sqlite: commit: %w", err)
		}
		return
	}
	for _, j := range batch {
		j.done <- j.err
	}
}

// runJob runs fn in a savepoint. It returns the job's outcome, and a
// non-nil broken error if the savepoint could not be released or rolled
// back (SQLite has then rolled back the whole transaction, for example on
// an I/O error, and no job of the batch may be acknowledged).
func runJob(tx *wtx, fn jobFunc) (outcome, broken error) {
	if err := tx.exec("SAVEPOINT j"); err != nil {
		return err, err
	}
	err := safeCall(tx, fn)
	var k *kept
	switch {
	case err == nil:
	case errors.As(err, &k):
		err = k.err
	default:
		clear(tx.sys) // the job may have made an account it then saw
		if rerr := tx.exec("ROLLBACK TO j"); rerr != nil {
			return err, fmt.Errorf("rollback to savepoint after %v: %w", err, rerr)
		}
	}
	if rerr := tx.exec("RELEASE j"); rerr != nil {
		return err, fmt.Errorf("release savepoint: %w", rerr)
	}
	return err, nil
}

// safeCall turns a panicking job into an error so that the writer survives
// and the job's writes are rolled back.
func safeCall(tx *wtx, fn jobFunc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ledger/sqlite: job panicked: %v", r)
		}
	}()
	return fn(tx)
}
