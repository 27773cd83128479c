// Package api holds the wire format shared by the client and the server:
// request and response types exactly as the Fastcheck documents spell them,
// identifiers, money, strict JSON decoding and the request-signing profile.
package api

import "time"

// Field names and casing follow the spec documents exactly (spec README §6).
// Fields marked "extension" are additive: a client that speaks only the
// documents ignores them.

// Message is both the ping answer ({"message":"pong"}) and every error body.
type Message struct {
	Message string `json:"message"`
}

// Websession is the answer of GET /websession and GET /websession/{id}.
type Websession struct {
	SessionID     string `json:"sessionId"`
	UserID        string `json:"userId"`
	Expires       string `json:"expires"`
	UserSessionID string `json:"userSessionId"`
	Status        bool   `json:"Status"`
	// State is an extension: pending, approved or expired.
	State string `json:"state,omitempty"`
	// PollInterval is an extension: the pace, in seconds, at which a client
	// that does not long-poll should ask again (RFC 8628's "interval").
	PollInterval int `json:"interval,omitempty"`
	// ApproveURL is an extension, in the answer that creates a websession
	// on a server with a public URL (--public-url): the address the login
	// QR should carry, so that a phone on the LAN or the internet reaches
	// the approve page even when this client talks to loopback.
	ApproveURL string `json:"approveUrl,omitempty"`
}

// Websession states (extension field "state").
const (
	StatePending  = "pending"
	StateApproved = "approved"
	StateExpired  = "expired"
)

// CheckStatus is the public answer of GET /fastcheck.
type CheckStatus struct {
	Fastcheck  string `json:"fastcheck"`
	Expiration string `json:"expiration"`
	Status     bool   `json:"Status"`
	// Extensions: what the check holds and why Status is false.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	State    string `json:"state,omitempty"`
}

// Check states. A locked check is still active in the ledger (its money is in
// escrow) but refuses every accept; its creator may cancel it.
const (
	CheckActive    = "active"
	CheckUsed      = "used"
	CheckExpired   = "expired"
	CheckCancelled = "cancelled"
	CheckLocked    = "locked"
)

// CreateCheckRequest is POST /fastcheck with amount and currency.
type CreateCheckRequest struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// CreateCheckResponse is the answer to a created check.
type CreateCheckResponse struct {
	Fastcheck  string `json:"fastcheck"`
	Expiration string `json:"expiration"`
	Code       string `json:"code"`
	Status     bool   `json:"Status"`
	// Extensions.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// AcceptCheckRequest is POST /fastcheck with fastcheck and code.
type AcceptCheckRequest struct {
	Fastcheck string `json:"fastcheck"`
	Code      string `json:"code"`
}

// AcceptCheckResponse is {"message":"ok"} plus, as extensions, what was
// credited and the new balance.
type AcceptCheckResponse struct {
	Message  string `json:"message"`
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	Balance  *int64 `json:"balance,omitempty"`
}

// CancelCheckResponse is the answer of the cancel extension
// (DELETE /fastcheck/{number}).
type CancelCheckResponse struct {
	Message   string `json:"message"`
	Fastcheck string `json:"fastcheck"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Balance   int64  `json:"balance"`
}

// Balance is GET /balance.
type Balance struct {
	Balance  int64  `json:"balance"`
	Currency string `json:"currency"`
}

// ActiveCheck is one row of GET /fastcheck/active.
type ActiveCheck struct {
	Fastcheck  string `json:"fastcheck"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	Code       string `json:"code"`
	CreatedAt  string `json:"createdAt"`
	Expiration string `json:"expiration"`
	Status     string `json:"status"`
	// Locked is an extension: too many wrong codes; cancel to get the money back.
	Locked bool `json:"locked,omitempty"`
}

// ActiveChecks is GET /fastcheck/active.
type ActiveChecks struct {
	Checks []ActiveCheck `json:"checks"`
}

// HistoryCheck is one row of GET /fastcheck/history. Created checks carry
// createdAt and usedAt; accepted ones carry acceptedAt (as in the document).
type HistoryCheck struct {
	Fastcheck  string `json:"fastcheck"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	Type       string `json:"type"`
	CreatedAt  string `json:"createdAt,omitempty"`
	UsedAt     string `json:"usedAt,omitempty"`
	AcceptedAt string `json:"acceptedAt,omitempty"`
	Status     string `json:"status"`
	// Extensions.
	Expiration string `json:"expiration,omitempty"`
	ResolvedAt string `json:"resolvedAt,omitempty"`
}

// History row types.
const (
	TypeCreated  = "created"
	TypeAccepted = "accepted"
)

// HistoryChecks is GET /fastcheck/history.
type HistoryChecks struct {
	Checks []HistoryCheck `json:"checks"`
}

// PhoneWebsession is what the phone sees before it approves
// (GET /phone/websession/{id}, extension).
type PhoneWebsession struct {
	SessionID   string `json:"sessionId"`
	Fingerprint string `json:"fingerprint"`
	ClientIP    string `json:"clientIp"`
	Expires     string `json:"expires"`
	State       string `json:"state"`
}

// ApproveRequest is POST /phone/approve (extension). Fingerprint repeats what
// the phone showed its user, so an approval can only ever bind the key the
// user saw.
type ApproveRequest struct {
	SessionID   string `json:"sessionId"`
	Fingerprint string `json:"fingerprint"`
}

// ApproveResponse answers an approval.
type ApproveResponse struct {
	Message string `json:"message"`
	UserID  string `json:"userId"`
}

// FormatTime renders a time as the spec's RFC 3339 UTC string.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// ParseTime parses an RFC 3339 time. The websession "expires" example in the
// spec is the placeholder "sessionId"; callers that must tolerate it check
// the error.
func ParseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339, s)
}
