package api

import (
	"errors"
	"fmt"
)

// The read-only staff API (extension): support staff, configured on the
// server by userId, look accounts and checks up. Every read is written to
// the server's staff audit log first. Check codes are never part of these
// answers: whoever reads a code can take the money.

// Bounds of a userId prefix search (GET /staff/accounts?prefix=).
const (
	MinUserIDPrefix = 4
	MaxUserIDPrefix = 43 // a whole userId
)

// CheckUserIDPrefix reports whether p can be searched for: MinUserIDPrefix
// to MaxUserIDPrefix characters of the userId alphabet (standard base64).
func CheckUserIDPrefix(p string) error {
	if len(p) < MinUserIDPrefix || len(p) > MaxUserIDPrefix {
		return fmt.Errorf("prefix must be %d to %d characters of a userId", MinUserIDPrefix, MaxUserIDPrefix)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return errors.New("prefix may contain only the characters of a userId: A-Z, a-z, 0-9, + and /")
		}
	}
	return nil
}

// StaffAccountRow is one account found by a prefix search.
type StaffAccountRow struct {
	UserID    string `json:"userId"`
	Balance   int64  `json:"balance"`
	Currency  string `json:"currency"`
	CreatedAt string `json:"createdAt"`
}

// StaffAccounts is GET /staff/accounts?prefix=. More is true when more
// accounts match than are listed: make the prefix longer.
type StaffAccounts struct {
	Accounts []StaffAccountRow `json:"accounts"`
	More     bool              `json:"more"`
}

// StaffCheck is everything about a check but its code
// (GET /staff/check/{number}, and the lists of GET /staff/account).
// State is active, locked, used, expired or cancelled, as a person should
// see it (an unswept check past its expiry is expired).
type StaffCheck struct {
	Fastcheck      string `json:"fastcheck"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	State          string `json:"state"`
	Creator        string `json:"creator"`
	Redeemer       string `json:"redeemer,omitempty"`
	FailedAttempts int    `json:"failedAttempts"`
	CreatedAt      string `json:"createdAt"`
	Expiration     string `json:"expiration"`
	ResolvedAt     string `json:"resolvedAt,omitempty"`
}

// StaffFailedAccept is one failed accept attempt made by an account.
// Reason is "wrong_code" or "not_found".
type StaffFailedAccept struct {
	Fastcheck string `json:"fastcheck"`
	Reason    string `json:"reason"`
	At        string `json:"at"`
}

// StaffAccount is GET /staff/account?userId=: the balance, the active
// checks the account created (locked ones have state "locked"), its
// history (newest first; HistoryMore when there is more than listed), and
// its failed accept attempts of the last 7 days, newest first.
type StaffAccount struct {
	UserID        string              `json:"userId"`
	Balance       int64               `json:"balance"`
	Currency      string              `json:"currency"`
	CreatedAt     string              `json:"createdAt"`
	Active        []StaffCheck        `json:"active"`
	History       []StaffCheck        `json:"history"`
	HistoryMore   bool                `json:"historyMore"`
	FailedAccepts []StaffFailedAccept `json:"failedAccepts"`
}
