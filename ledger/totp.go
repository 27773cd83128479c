package ledger

import (
	"context"
	"errors"
	"regexp"
	"time"
)

// TOTP is the ledger side of approving a login from a phone's browser: a
// phone identity (its userId) enrols an authenticator app's secret under
// a short handle, and the approve page checks codes against it. Each time
// step is accepted at most once per account (RFC 6238 §5.2), and failed
// codes are limited per account.
//
// It is a separate interface from Store; both backends implement it.
// Secrets are stored as given (base32): the server must read them to check
// a code, so hashing them would not help; protect the database as the
// ledger it is.
type TOTP interface {
	// EnrolTOTP records e.Secret and e.Handle for e.UserID, replacing an
	// earlier enrolment of the same user (its last used step and its
	// failures stay). A handle held by another user fails with
	// ErrHandleTaken.
	EnrolTOTP(ctx context.Context, e TOTPEnrolment) error
	// TOTPByHandle returns the enrolment with that handle, or ErrNotFound.
	TOTPByHandle(ctx context.Context, handle string) (TOTPEnrolment, error)
	// UseTOTPStep accepts a matching code's time step in one transaction:
	// with a.MaxFailures or more failures in the last a.Window it fails
	// with *TooManyFailures; otherwise it records a.Step and reports true
	// only if the step is later than the last one accepted for the user
	// (of racing calls with one step exactly one wins), and a success
	// clears the user's failures. Unknown users fail with ErrNotFound.
	UseTOTPStep(ctx context.Context, a TOTPAttempt) (bool, error)
	// FailTOTP records a wrong code in one transaction: with a.MaxFailures
	// or more failures already in the last a.Window it fails with
	// *TooManyFailures and records nothing; otherwise it records the
	// failure and returns how many more the window allows. Failures older
	// than the window are dropped. Unknown users fail with ErrNotFound.
	FailTOTP(ctx context.Context, a TOTPAttempt) (left int, err error)
}

// TOTPEnrolment is an authenticator app enrolled for a phone identity.
type TOTPEnrolment struct {
	UserID    string
	Handle    string // what a person types on the approve page
	Secret    string // base32
	CreatedAt time.Time
	LastStep  uint64 // the last accepted time step; 0 before the first
}

// TOTPAttempt is one code tried for an account.
type TOTPAttempt struct {
	UserID      string
	Step        uint64 // for UseTOTPStep: the matched time step (> 0)
	Now         time.Time
	Window      time.Duration // failures younger than this count
	MaxFailures int           // > 0
}

// ErrHandleTaken is returned by EnrolTOTP when another user holds the
// handle.
var ErrHandleTaken = errors.New("this handle is taken by another account")

// MaxTOTPStep bounds the steps a backend stores (they are signed 64-bit
// integers in the database).
const MaxTOTPStep = 1<<63 - 1

var handleRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,31}$`)

// ValidHandle reports whether h is a handle: 3 to 32 characters of
// lower-case ASCII letters, digits and '-', not starting with '-'.
func ValidHandle(h string) bool { return handleRE.MatchString(h) }

// CheckTOTPAttempt validates the fields every TOTPAttempt needs.
func CheckTOTPAttempt(a TOTPAttempt) error {
	switch {
	case a.UserID == "":
		return errors.New("ledger: empty userID")
	case a.Now.IsZero():
		return errors.New("ledger: zero time")
	case a.Window <= 0 || a.MaxFailures <= 0:
		return errors.New("ledger: a TOTP attempt needs a positive Window and MaxFailures")
	case a.Step > MaxTOTPStep:
		return errors.New("ledger: TOTP step out of range")
	}
	return nil
}

// CheckTOTPEnrolment validates an enrolment before it is stored.
func CheckTOTPEnrolment(e TOTPEnrolment) error {
	switch {
	case e.UserID == "":
		return errors.New("ledger: empty userID")
	case !ValidHandle(e.Handle):
		return errors.New("ledger: handle must be 3 to 32 lower-case letters, digits or '-'")
	case e.Secret == "" || len(e.Secret) > 128:
		return errors.New("ledger: TOTP secret must be 1 to 128 characters")
	case e.CreatedAt.IsZero():
		return errors.New("ledger: zero time")
	}
	return nil
}

// RetryAfterFailures is how long until the oldest of the failures in the
// window ages out.
func RetryAfterFailures(oldest, now time.Time, window time.Duration) time.Duration {
	return max(oldest.Add(window).Sub(now), time.Second)
}
