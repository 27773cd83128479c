package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"fastcheck/api"
)

// Payments is the ledger side of top-ups and withdrawals: orders paid
// through an external provider (a bank, Briacoin) and credited exactly once
// per cumulative paid amount, withdrawals held in a pending-outflow account
// until the provider's outcome is known, the provider events already
// processed, and the last TOTP step accepted per secret.
//
// It is part of Store (every backend implements it); the methods are
// grouped here for their documentation. Every method that moves money is
// one atomic database transaction, as in Store.
//
// Money enters only through the order's Source (an external inflow account)
// and leaves only through the withdrawal's Outflow (an external outflow
// account). While a withdrawal is pending or unknown its money sits in the
// pending-outflow account PendingAccount(Outflow), so conservation reads:
// Σ users + Σ active checks + Σ pending outflows = inflows − outflows.
type Payments interface {
	// CreateOrder records a top-up order the provider has just opened. With
	// Idem set, the same (user, key) and hash replays the first order
	// (replayed true); another hash fails with ErrIdempotencyReuse. The
	// user's account must exist and be in Currency.
	CreateOrder(ctx context.Context, o NewOrder) (order Order, replayed bool, err error)
	// Order returns an order by its id, OrderByExternal by the provider's.
	Order(ctx context.Context, id string) (Order, error)
	OrderByExternal(ctx context.Context, provider, externalID string) (Order, error)
	// OrderByKey returns the order the user created with an idempotency
	// key, and that request's hash, so that a retry can be answered
	// before the provider is asked for a second order; ErrNotFound if none.
	OrderByKey(ctx context.Context, userID, key string) (Order, []byte, error)
	// OrdersByUser lists the user's orders, newest first, at most limit
	// (0 = all).
	OrdersByUser(ctx context.Context, userID string, limit int) ([]Order, error)
	// OpenOrders lists the provider's orders still new or part, the least
	// recently checked first, at most limit (0 = all).
	OpenOrders(ctx context.Context, provider string, limit int) ([]Order, error)
	// PollOrders picks up to limit of the provider's new or part orders
	// last checked at or before checkedBefore, the least recently checked
	// first, marks them checked at now and returns them: the reconciler's
	// pick of what to look up. Replicas polling together get disjoint
	// sets, so no order is looked up twice in one interval.
	PollOrders(ctx context.Context, provider string, checkedBefore, now time.Time, limit int) ([]Order, error)
	// RecordPayment applies what the provider said about an order, in one
	// transaction: the event id is recorded (a duplicate changes nothing
	// and reports Duplicate), the paid total only grows, the status only
	// moves forward (OrderRank), and exactly paid − credited is credited
	// to the user from the order's Source. An empty EventID is a
	// reconciliation read: nothing to deduplicate, the conditional credit
	// alone keeps it exactly-once. Unknown orders fail with ErrNotFound.
	RecordPayment(ctx context.Context, p PaymentUpdate) (PaymentResult, error)
	// ExpireOrders moves up to limit new or part orders whose ExpiresAt is
	// at or before now to expired and returns them. What was paid stays
	// credited, and a payment that arrives later is still credited.
	ExpireOrders(ctx context.Context, now time.Time, limit int) ([]Order, error)
	// ClosedSince lists the provider's closed orders updated after since
	// (their close, or a later payment, was recorded then), newest first,
	// at most limit (0 = all): the orders whose coins a withdrawal's
	// reconciliation may have seen in the balance before the ledger.
	ClosedSince(ctx context.Context, provider string, since time.Time, limit int) ([]Order, error)
	// SettledNative is Σ PaidNative of the provider's closed orders: the
	// provider units that a closed order moved onto the merchant account.
	SettledNative(ctx context.Context, provider string) (int64, error)

	// StartWithdrawal debits the user into the pending-outflow account and
	// records the withdrawal as pending. It is idempotent by Ref (same
	// parameters replay, others fail with ErrIdempotencyReuse) and, with
	// Idem set, by (user, key) like the check calls.
	StartWithdrawal(ctx context.Context, w NewWithdrawal) (wd Withdrawal, replayed bool, err error)
	Withdrawal(ctx context.Context, ref string) (Withdrawal, error)
	// WithdrawalsByUser lists the user's withdrawals, newest first, at
	// most limit (0 = all).
	WithdrawalsByUser(ctx context.Context, userID string, limit int) ([]Withdrawal, error)
	// LeaseWithdrawal gives owner (a server process) the right to work on
	// a pending or unknown withdrawal until until: to send it, or to find
	// out what became of it. It succeeds if nobody holds a live lease on
	// it (none, owner's own, or one that ended at or before now), and
	// fails with ErrWithdrawalState otherwise or if the withdrawal is
	// final. A lease on a pending, unattempted withdrawal also takes its
	// provider's one transfer slot: while another withdrawal of the
	// provider is leased, attempted or unknown it fails with
	// ErrTransferBusy, so transfers never overlap, across replicas too.
	// An attempted withdrawal whose lease has ended was interrupted (its
	// sender died or gave up): whoever leases it next marks it unknown.
	LeaseWithdrawal(ctx context.Context, ref, owner string, now, until time.Time) (Withdrawal, error)
	// ClaimWithdrawal marks a pending, unattempted withdrawal that owner
	// has leased (the lease live at now) as attempted, durably, before its
	// transfer is sent, stores meta (e.g. the provider balance read just
	// before) and extends the lease to until, which must outlast the
	// transfer call. Exactly one caller wins; the others get
	// ErrWithdrawalState. A withdrawal found attempted but not finished
	// once its lease has ended is of unknown outcome, never sent again.
	ClaimWithdrawal(ctx context.Context, ref, owner, meta string, now, until time.Time) (Withdrawal, error)
	// FinishWithdrawal records the transfer's outcome:
	//   - WithdrawSent (from pending-attempted or unknown): the money leaves
	//     through Outflow, TxID is kept;
	//   - WithdrawFailed (from pending or unknown): a definite failure, the
	//     money goes back to the user;
	//   - WithdrawUnknown (from pending-attempted): held until resolved;
	//   - WithdrawPending (from pending, attempted or leased): the request
	//     was surely never sent, so the attempt mark and the lease are
	//     cleared for another try.
	// Repeating a final outcome with the same TxID replays it; any other
	// transition fails with ErrWithdrawalState.
	FinishWithdrawal(ctx context.Context, f FinishWithdrawal) (Withdrawal, error)
	// PendingWithdrawals lists withdrawals that are pending or unknown,
	// oldest first, at most limit (0 = all).
	PendingWithdrawals(ctx context.Context, limit int) ([]Withdrawal, error)

	// AdvanceStep is a durable TOTP step store (briacoin.StepStore): it
	// records step for secretID and reports true only if step is later
	// than the recorded one, in one conditional UPDATE.
	AdvanceStep(ctx context.Context, secretID string, step uint64) (bool, error)
}

// Order states. A bank payment goes new → close (succeeded) or declined; a
// Briacoin order new → part → close. expired means the server stopped
// waiting for it.
const (
	OrderNew      = "new"
	OrderPart     = "part"
	OrderClose    = "close"
	OrderExpired  = "expired"
	OrderDeclined = "declined"
)

// OrderRank orders the states for forward-only updates: new 1, part 2,
// expired and declined 3, close 4; unknown states 0. An expired order that
// is paid in full later still closes; a part payment does not reopen it.
func OrderRank(status string) int {
	switch status {
	case OrderNew:
		return 1
	case OrderPart:
		return 2
	case OrderExpired, OrderDeclined:
		return 3
	case OrderClose:
		return 4
	}
	return 0
}

// Withdrawal states.
const (
	WithdrawPending = "pending"
	WithdrawSent    = "sent"
	WithdrawFailed  = "failed"
	WithdrawUnknown = "unknown"
)

// Name of the pending-outflow account of the Briacoin withdrawals.
const AccountPendingBriaOut = "pending:briacoin-outflow"

// PendingAccount is the pending-outflow account that holds the money of
// withdrawals leaving through the external account outflow:
// "external:briacoin-outflow" → "pending:briacoin-outflow".
func PendingAccount(outflow string) string {
	return "pending:" + strings.TrimPrefix(outflow, "external:")
}

// Errors of Payments.
var (
	ErrWithdrawalState = errors.New("withdrawal is not in a state that allows this")
	ErrOrderMismatch   = errors.New("payment does not match the order")
	ErrTransferBusy    = errors.New("another withdrawal's transfer is in flight or of unknown outcome")
)

// NewOrder is a top-up order to record.
type NewOrder struct {
	ID         string // ours, shown to the user (32 hex)
	Provider   string // "bank:sandbox", "briacoin"
	ExternalID string // the provider's id (transactionId, orderid)
	UserID     string
	Currency   string
	Expected   int64  // minor units asked for
	Source     string // the external inflow account credits come from
	Meta       string // JSON: provider details shown to the user
	Now        time.Time
	ExpiresAt  time.Time
	Idem       *Idempotency
}

// Order is a top-up order as stored.
type Order struct {
	ID         string
	Provider   string
	ExternalID string
	UserID     string
	Currency   string
	Expected   int64
	PaidTotal  int64 // cumulative paid, minor units
	PaidNative int64 // cumulative paid in the provider's units (coins·1e8)
	Credited   int64 // minor units credited so far; never above PaidTotal
	Status     string
	Source     string
	Meta       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time
	CheckedAt  time.Time // last provider event, reconciliation read or pick (PollOrders)
}

// PaymentUpdate is what a provider said about an order.
type PaymentUpdate struct {
	Provider   string
	EventID    string // unique per provider; "" for a reconciliation read
	ExternalID string
	PaidTotal  int64 // cumulative paid, minor units of the order's currency
	PaidNative int64 // cumulative paid, provider units
	Status     string
	Now        time.Time
}

// PaymentResult is the order after RecordPayment. Credited is what this
// call credited; Balance the user's balance after it (when it credited).
type PaymentResult struct {
	Order     Order
	Credited  int64
	Balance   int64
	Duplicate bool
}

// NewWithdrawal asks to move Amount from the user towards Destination.
type NewWithdrawal struct {
	Ref         string
	UserID      string
	Amount      int64
	Currency    string
	Destination string // the wallet address
	Provider    string // "briacoin"
	Outflow     string // the external outflow account, e.g. ExternalBriaOut
	Meta        string // JSON: the provider amount (coins) and such
	Now         time.Time
	Idem        *Idempotency
}

// Withdrawal is a withdrawal as stored.
type Withdrawal struct {
	Ref         string
	UserID      string
	Amount      int64
	Currency    string
	Destination string
	Provider    string
	Outflow     string
	Status      string
	TxID        string
	Reason      string
	Meta        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	AttemptedAt time.Time // zero until claimed
	ClaimedBy   string    // the owner of the last lease ("" if none)
	LeaseUntil  time.Time // when that lease ends (zero if none)
}

// Leased reports whether someone else than owner holds a live lease on w
// at now.
func (w Withdrawal) Leased(owner string, now time.Time) bool {
	return w.ClaimedBy != "" && w.ClaimedBy != owner && w.LeaseUntil.After(now)
}

// Attempted reports whether the transfer may have been sent.
func (w Withdrawal) Attempted() bool { return !w.AttemptedAt.IsZero() }

// FinishWithdrawal is a withdrawal's outcome.
type FinishWithdrawal struct {
	Ref    string
	Status string // WithdrawSent, WithdrawFailed, WithdrawUnknown or WithdrawPending
	TxID   string
	Reason string
	Now    time.Time
}

// Validate checks an order's fields, as every backend does before it
// touches the database.
func (n NewOrder) Validate() error {
	err := checkTexts(text{"order id", n.ID, 64}, text{"provider", n.Provider, 64}, text{"external id", n.ExternalID, 128},
		text{"user id", n.UserID, 128})
	if err == nil {
		err = checkMoney(n.Expected, n.Currency, n.Idem, n.Now)
	}
	if err == nil && !strings.HasPrefix(n.Source, "external:") {
		err = fmt.Errorf("ledger: order source %q is not an external account", n.Source)
	}
	if err == nil && !n.ExpiresAt.After(n.Now) {
		err = errors.New("ledger: an order must expire after it is created")
	}
	if err == nil {
		_, err = CheckMeta(n.Meta)
	}
	return err
}

// Validate checks a withdrawal's fields, as every backend does before it
// touches the database.
func (n NewWithdrawal) Validate() error {
	err := checkTexts(text{"ref", n.Ref, 64}, text{"user id", n.UserID, 128}, text{"destination", n.Destination, 128},
		text{"provider", n.Provider, 64})
	if err == nil {
		err = checkMoney(n.Amount, n.Currency, n.Idem, n.Now)
	}
	if err == nil && !strings.HasPrefix(n.Outflow, "external:") {
		err = fmt.Errorf("ledger: withdrawal outflow %q is not an external account", n.Outflow)
	}
	if err == nil {
		_, err = CheckMeta(n.Meta)
	}
	return err
}

// Validate checks what a provider said, as every backend does before it
// touches the database.
func (p PaymentUpdate) Validate() error {
	err := checkTexts(text{"provider", p.Provider, 64}, text{"external id", p.ExternalID, 128})
	switch {
	case err != nil:
		return err
	case len(p.EventID) > 256:
		return errors.New("ledger: event id longer than 256 bytes")
	case p.PaidTotal < 0 || p.PaidTotal > MaxBalance || p.PaidNative < 0:
		return fmt.Errorf("ledger: paid total %d (native %d) out of range", p.PaidTotal, p.PaidNative)
	case OrderRank(p.Status) == 0:
		return fmt.Errorf("ledger: unknown order status %q", api.Truncate(p.Status, 32))
	case p.Now.IsZero():
		return ErrNoTime
	}
	return nil
}

// CheckMeta returns an order's or withdrawal's meta as stored ("" is
// "{}"); anything but a JSON object of at most 8 KiB is refused.
func CheckMeta(meta string) (string, error) {
	if meta == "" {
		return "{}", nil
	}
	b := bytes.TrimSpace([]byte(meta))
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) || len(b) > 8<<10 {
		return "", errors.New("ledger: meta must be a JSON object of at most 8 KiB")
	}
	return meta, nil
}

// ErrNoTime refuses a call whose time was left unset: expiry and limits
// are decided by that time, and the year 1 would pass them.
var ErrNoTime = errors.New("ledger: the call's time (Now) is not set")

type text struct {
	name, v string
	max     int
}

// checkTexts refuses an empty or oversized identifier.
func checkTexts(ts ...text) error {
	for _, t := range ts {
		if t.v == "" || len(t.v) > t.max {
			return fmt.Errorf("ledger: %s must be 1 to %d bytes", t.name, t.max)
		}
	}
	return nil
}

func checkMoney(amount int64, currency string, idem *Idempotency, now time.Time) error {
	switch {
	case api.CheckAmount(amount) != nil:
		return fmt.Errorf("ledger: %w", api.CheckAmount(amount))
	case currency == "" || len(currency) > 8:
		return fmt.Errorf("ledger: invalid currency %q", api.Truncate(currency, 16))
	case idem != nil && (idem.Key == "" || len(idem.Hash) == 0):
		return errors.New("ledger: idempotency key and hash must not be empty")
	case now.IsZero():
		return ErrNoTime
	}
	return nil
}

// CheckText refuses an empty identifier or one longer than max bytes.
func CheckText(name, v string, max int) error { return checkTexts(text{name, v, max}) }

// Check validates f and returns the SQL condition, on a withdrawals row's
// status and attempted_at columns (the same in every backend's schema),
// under which its outcome applies.
func (f FinishWithdrawal) Check() (cond string, err error) {
	if f.Now.IsZero() {
		return "", ErrNoTime
	}
	if len(f.TxID) > 256 || len(f.Reason) > 1024 {
		return "", errors.New("ledger: txid or reason too long")
	}
	switch f.Status {
	case WithdrawSent:
		return `((status = 'pending' AND attempted_at IS NOT NULL) OR status = 'unknown')`, nil
	case WithdrawFailed:
		return `status IN ('pending', 'unknown')`, nil
	case WithdrawUnknown:
		return `status = 'pending' AND attempted_at IS NOT NULL`, nil
	case WithdrawPending:
		return `status = 'pending' AND (attempted_at IS NOT NULL OR claimed_by IS NOT NULL)`, nil
	}
	return "", fmt.Errorf("ledger: unknown withdrawal outcome %q", api.Truncate(f.Status, 32))
}

// Apply returns the order after p: the paid totals only grow, the status
// only moves forward (OrderRank), and UpdatedAt moves to p.Now only if
// something changed. Credited and CheckedAt are left to the caller.
func (o Order) Apply(p PaymentUpdate) Order {
	n := o
	n.PaidTotal, n.PaidNative = max(o.PaidTotal, p.PaidTotal), max(o.PaidNative, p.PaidNative)
	if OrderRank(p.Status) > OrderRank(o.Status) {
		n.Status = p.Status
	}
	if n.PaidTotal != o.PaidTotal || n.PaidNative != o.PaidNative || n.Status != o.Status {
		n.UpdatedAt = p.Now
	}
	return n
}

// Same reports whether w is the withdrawal n asks for (a replay by Ref).
func (n NewWithdrawal) Same(w Withdrawal) bool {
	return w.UserID == n.UserID && w.Amount == n.Amount && w.Currency == n.Currency && w.Destination == n.Destination &&
		w.Provider == n.Provider && w.Outflow == n.Outflow
}

// Repeats reports whether w already has the final outcome f records, so
// that f replays instead of failing.
func (f FinishWithdrawal) Repeats(w Withdrawal) bool {
	return w.Status == f.Status && f.Status != WithdrawPending && w.TxID == f.TxID
}

// CheckLease validates the arguments of LeaseWithdrawal and
// ClaimWithdrawal.
func CheckLease(ref, owner string, now, until time.Time) error {
	if err := checkTexts(text{"ref", ref, 64}, text{"lease owner", owner, 128}); err != nil {
		return err
	}
	if now.IsZero() {
		return ErrNoTime
	}
	if !until.After(now) {
		return errors.New("ledger: a lease must end after now")
	}
	return nil
}
