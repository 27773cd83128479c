package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

// MeasureRawCommitRate measures the raw single-writer commit rate of a
// fresh database in dir with the ledger's DSN (WAL, synchronous=FULL):
// serial transactions of one small INSERT each, for about d. It returns
// commits per second and removes its database file afterwards. It is the
// ceiling a writer without group commit could reach on this disk.
func MeasureRawCommitRate(dir string, d time.Duration) (float64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(dir, "rawcommit-*.db")
	if err != nil {
		return 0, err
	}
	path := f.Name()
	f.Close()
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
	}()
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	commit, err := rawCommitter(db)
	if err != nil {
		return 0, err
	}
	n := 0
	start := time.Now()
	for time.Since(start) < d || n == 0 {
		if err := commit(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// rawCommitter prepares db for the raw commit measurement and returns a
// function that runs one BEGIN IMMEDIATE; INSERT; COMMIT.
func rawCommitter(db *sql.DB) (func() error, error) {
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS raw_commit (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("ledger/sqlite: raw commit table: %w", err)
	}
	i := 0
	return func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		i++
		if _, err := tx.ExecContext(ctx, `INSERT INTO raw_commit (v) VALUES (?)`, i); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}, nil
}
