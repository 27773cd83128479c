// Package ledger is the server's book of record: accounts, checks and their
// double-entry journal, websessions, idempotency keys, and the payments
// (top-up orders, withdrawals). Store is the one interface every backend
// implements (SQLite and PostgreSQL); the conformance suite in
// ledger/ledgertest runs against each of them.
//
// Money is int64 minor units. Every movement is one transaction of balanced
// entries between accounts; money enters or leaves only through named
// external accounts, so the whole book always sums to zero.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Names of the system accounts. User accounts are named "user:<userId>".
// Escrow holds the money of active checks; external accounts are where
// money enters or leaves the books, and the only ones allowed below zero.
const (
	AccountEscrow     = "escrow:checks"
	ExternalDemoSeed  = "external:demo-seed"
	ExternalBankIn    = "external:bank-inflow"
	ExternalBriaIn    = "external:briacoin-inflow"
	ExternalBriaOut   = "external:briacoin-outflow"
	MaxCodeFailures   = 5 // wrong codes after which a check locks
	IdempotencyMinTTL = 24 * time.Hour
)

// Check states as stored. A locked check is stored as active with
// FailedAttempts >= MaxCodeFailures.
const (
	StatusActive    = "active"
	StatusUsed      = "used"
	StatusExpired   = "expired"
	StatusCancelled = "cancelled"
)

// Websession states as stored. Expiry is a matter of time, not of state.
const (
	SessionPending  = "pending"
	SessionApproved = "approved"
	SessionDeleted  = "deleted"
)

// Errors. Handlers map them to HTTP answers.
var (
	ErrNotFound          = errors.New("not found")
	ErrWrongCode         = errors.New("wrong code")
	ErrLocked            = errors.New("check is locked after too many wrong codes")
	ErrExpired           = errors.New("check has expired")
	ErrResolved          = errors.New("check is no longer active")
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrCurrencyMismatch  = errors.New("currency differs from the account's")
	ErrOwnCheck          = errors.New("cannot accept your own check")
	ErrNotCreator        = errors.New("only the check's creator can cancel it")
	ErrIdempotencyReuse  = errors.New("idempotency key was used with a different request")
	ErrSessionNotPending = errors.New("websession is not waiting for approval")
	ErrSessionExpired    = errors.New("websession has expired")
	ErrBalanceLimit      = errors.New("balance would exceed the account limit")
)

// TooManyFailures is returned by AcceptCheck when the account has failed too
// many accepts recently. RetryAfter says when the oldest failure ages out.
type TooManyFailures struct{ RetryAfter time.Duration }

func (e *TooManyFailures) Error() string {
	return fmt.Sprintf("too many failed accepts; try again in %s", e.RetryAfter.Round(time.Second))
}

// MaxBalance bounds any balance so sums of balances cannot overflow int64.
const MaxBalance int64 = 1_000_000_000_000_000

// Account is a user's account. Each user has one balance in one currency.
type Account struct {
	UserID    string
	Currency  string
	Balance   int64
	CreatedAt time.Time
}

// Check is a check as stored.
type Check struct {
	Number         string
	Code           string
	Amount         int64
	Currency       string
	Creator        string // userId
	Redeemer       string // userId, set once used
	Status         string
	FailedAttempts int
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ResolvedAt     time.Time // zero while active
}

// Locked reports whether the check refuses accepts for too many wrong codes.
func (c Check) Locked() bool {
	return c.Status == StatusActive && c.FailedAttempts >= MaxCodeFailures
}

// Idempotency identifies a money-moving request. Hash is a digest of the
// request (method, path and body). The same Key with the same Hash replays
// the first outcome; with another Hash the call fails with
// ErrIdempotencyReuse. The record is written in the same database
// transaction as the money it moves.
type Idempotency struct {
	Key  string
	Hash []byte
}

// Result is what a money-moving call produced. Balance is the caller's
// balance right after the call. Replayed is true when an idempotency key
// replayed an earlier outcome; the fields are then those of the first call.
type Result struct {
	Check    Check
	Balance  int64
	Replayed bool
}

// CreateCheck asks to move Amount from the user's balance into a new check.
type CreateCheck struct {
	UserID    string
	Amount    int64
	Currency  string
	Now       time.Time
	ExpiresAt time.Time
	Idem      *Idempotency
}

// AcceptCheck asks to move a check's money to UserID's balance.
// MaxFailuresPerHour limits failed accepts per account (0 = no limit).
type AcceptCheck struct {
	UserID             string
	Number             string
	Code               string
	Now                time.Time
	MaxFailuresPerHour int
	Idem               *Idempotency
}

// CancelCheck asks to return an active (or locked) check to its creator.
type CancelCheck struct {
	UserID string
	Number string
	Now    time.Time
	Idem   *Idempotency
}

// Deposit credits a user from an external account. Ref is unique per
// deposit: a second Deposit with the same Ref adds nothing and reports
// Replayed.
type Deposit struct {
	UserID   string
	Amount   int64
	Currency string
	Source   string // an External* account name
	Ref      string
	Now      time.Time
}

// Websession is a QR login. It is bound to the client's public key from
// creation; an approval adds the user.
type Websession struct {
	ID            string
	PublicKey     []byte // the client's Ed25519 public key
	ClientIP      string
	CreatedAt     time.Time
	ExpiresAt     time.Time // pending: the QR's end; approved: the session's end
	State         string
	UserID        string
	UserSessionID string
	ApprovedAt    time.Time
}

// Approval approves a pending websession.
type Approval struct {
	SessionID     string
	UserID        string
	Currency      string // of the account opened if the user is new
	UserSessionID string
	Now           time.Time
	ExpiresAt     time.Time // the approved session's end
}

// FailedAccept is one recorded failed accept attempt.
type FailedAccept struct {
	UserID string
	Number string
	Reason string
	At     time.Time
}

// AuditReport lists what Audit found. OK is true when Violations is empty.
type AuditReport struct {
	Accounts     int
	Checks       int
	Transactions int
	Entries      int
	Totals       map[string]Totals // by currency
	Violations   []string
}

// Totals are the conservation sums for one currency, read in one snapshot.
type Totals struct {
	Users    int64 // Σ user balances
	Active   int64 // Σ active check amounts
	Escrow   int64 // the escrow account's balance
	Pending  int64 // Σ pending-outflow balances: withdrawals not yet sent or refunded
	Inflows  int64 // Σ money that entered through external accounts
	Outflows int64 // Σ money that left through external accounts
}

// OK reports whether the audit found no violation.
func (r AuditReport) OK() bool { return len(r.Violations) == 0 }

// Store is the ledger backend. Every money-moving method is one atomic
// database transaction; correctness rests on conditional updates and
// constraints, never on read-then-write in application code. Its payment
// methods are grouped in Payments, the state replicas share beside the
// books in Shared.
type Store interface {
	Payments
	Shared

	// OpenAccount creates the user's account if it does not exist and
	// returns it. It never changes an existing account.
	OpenAccount(ctx context.Context, userID, currency string, now time.Time) (Account, error)
	Account(ctx context.Context, userID string) (Account, error)
	Deposit(ctx context.Context, d Deposit) (Result, error)

	CreateCheck(ctx context.Context, c CreateCheck) (Result, error)
	AcceptCheck(ctx context.Context, a AcceptCheck) (Result, error)
	CancelCheck(ctx context.Context, c CancelCheck) (Result, error)
	// ExpireDue refunds up to limit active checks with ExpiresAt <= now,
	// each exactly once, and returns them.
	ExpireDue(ctx context.Context, now time.Time, limit int) ([]Check, error)

	Check(ctx context.Context, number string) (Check, error)
	ActiveChecks(ctx context.Context, userID string) ([]Check, error)
	// History returns the resolved checks the user created or redeemed,
	// newest resolution first, at most limit (0 = all).
	History(ctx context.Context, userID string, limit int) ([]Check, error)
	FailedAccepts(ctx context.Context, userID string, since time.Time) ([]FailedAccept, error)

	CreateWebsession(ctx context.Context, w Websession) error
	Websession(ctx context.Context, id string) (Websession, error)
	// SessionNonce is UseNonce(key, until, now) and Websession(id) in one
	// step (one round trip where the database is remote): it records the
	// nonce whether or not the session exists, and returns the session
	// (ErrNotFound if there is none) and whether the nonce was fresh. The
	// nonce needs to be durable only once a later write of the same
	// request is (see the PostgreSQL backend).
	SessionNonce(ctx context.Context, id, key string, until, now time.Time) (w Websession, fresh bool, err error)
	// ApproveWebsession approves a pending, unexpired websession exactly
	// once and opens the user's account if needed.
	ApproveWebsession(ctx context.Context, a Approval) (Websession, error)
	DeleteWebsession(ctx context.Context, id string, now time.Time) error
	// Purge removes websessions that ended before sessionsBefore and
	// idempotency records created before idemBefore.
	Purge(ctx context.Context, sessionsBefore, idemBefore time.Time) error

	Audit(ctx context.Context) (AuditReport, error)
	Close() error
}
