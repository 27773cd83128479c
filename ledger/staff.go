package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"fastcheck/api"
)

// Staff is the ledger side of support staff: finding accounts by userId
// prefix, and the append-only log of every staff read. It is a separate
// interface from Store; a backend implements both (SQLite and PostgreSQL
// do). The log lives in the same database as the ledger, and its rows can
// only be added: the schema refuses UPDATE and DELETE on them.
type Staff interface {
	// FindAccounts returns the user accounts whose userId starts with
	// prefix, in byte order of userId, at most limit (values outside
	// 1..MaxFindAccounts mean MaxFindAccounts). The prefix must pass
	// PrefixRange.
	FindAccounts(ctx context.Context, prefix string, limit int) ([]Account, error)
	// LogStaffRead appends one entry to the staff audit log, durably, and
	// returns it with its ID. The entry must pass StaffRead.Validate.
	LogStaffRead(ctx context.Context, e StaffRead) (StaffRead, error)
	// StaffReads returns the log's entries at or after since, oldest first,
	// at most limit (0 = all).
	StaffReads(ctx context.Context, since time.Time, limit int) ([]StaffRead, error)
}

// MaxFindAccounts bounds what one FindAccounts returns.
const MaxFindAccounts = 100

// What a staff member read (StaffRead.Action).
const (
	StaffFind    = "find"    // a search by userId prefix; Subject is the prefix
	StaffAccount = "account" // one account's details; Subject is its userId
	StaffCheck   = "check"   // one check's details; Subject is its number
)

// Bounds of a staff log entry's fields, in bytes.
const (
	MaxStaffIDLen  = 128
	MaxSubjectLen  = 256
	MaxClientIPLen = 64
	MaxPrefixLen   = 64
)

// StaffRead is one entry of the staff audit log: who read what, when, and
// from which address.
type StaffRead struct {
	ID       int64
	At       time.Time
	Staff    string // the staff member's userId
	Action   string // StaffFind, StaffAccount or StaffCheck
	Subject  string // the prefix searched, the userId or the check number read
	ClientIP string
}

// Validate reports whether the entry can be logged.
func (e StaffRead) Validate() error {
	switch {
	case e.At.IsZero():
		return errors.New("staff log entry: the time is not set")
	case e.Staff == "" || len(e.Staff) > MaxStaffIDLen:
		return fmt.Errorf("staff log entry: staff id must be 1 to %d bytes", MaxStaffIDLen)
	case e.Action != StaffFind && e.Action != StaffAccount && e.Action != StaffCheck:
		return fmt.Errorf("staff log entry: unknown action %q", api.Truncate(e.Action, 16))
	case len(e.Subject) > MaxSubjectLen:
		return fmt.Errorf("staff log entry: subject is longer than %d bytes", MaxSubjectLen)
	case len(e.ClientIP) > MaxClientIPLen:
		return fmt.Errorf("staff log entry: client address is longer than %d bytes", MaxClientIPLen)
	case !plainText(e.Staff) || !plainText(e.Subject) || !plainText(e.ClientIP):
		return errors.New("staff log entry: fields must be valid UTF-8 without control characters")
	}
	return nil
}

// plainText reports whether s is valid UTF-8 without control characters,
// which every backend stores as it is.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// PrefixRange returns the half-open range [lo, hi) of strings, in byte
// order, that start with prefix: the backends find accounts with an index
// range scan over it. The prefix must be 1 to MaxPrefixLen printable ASCII
// characters without spaces, so that hi (prefix with its last byte
// incremented) is valid text in every backend.
func PrefixRange(prefix string) (lo, hi string, err error) {
	if prefix == "" || len(prefix) > MaxPrefixLen {
		return "", "", fmt.Errorf("prefix must be 1 to %d characters", MaxPrefixLen)
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c <= ' ' || c >= 0x7f {
			return "", "", errors.New("prefix must be printable ASCII without spaces")
		}
	}
	b := []byte(prefix)
	b[len(b)-1]++
	return prefix, string(b), nil
}

// FindLimit clamps a FindAccounts limit to 1..MaxFindAccounts.
func FindLimit(limit int) int {
	if limit <= 0 || limit > MaxFindAccounts {
		return MaxFindAccounts
	}
	return limit
}
