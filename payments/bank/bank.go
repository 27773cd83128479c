// Package bank is the bank side of card top-ups (spec
// fastcheck-missing-apis.txt, "Bank Top-Up Integration", flow 1–7): the
// Provider interface the server talks to banks through, signed
// confirmation webhooks, and the sandbox bank, the first Provider, with its
// hosted payment page.
package bank

import (
	"context"
	"net/http"
)

// Status is a payment's state: pending until the card form is submitted,
// then succeeded or declined, for good.
type Status string

// The payment states.
const (
	StatusPending   Status = "pending"
	StatusSucceeded Status = "succeeded"
	StatusDeclined  Status = "declined"
)

// Final reports whether the status can no longer change.
func (s Status) Final() bool { return s == StatusSucceeded || s == StatusDeclined }

// Decline reasons.
const (
	ReasonCardDeclined      = "card_declined"
	ReasonInsufficientFunds = "insufficient_funds"
)

// Event types of the confirmation webhook.
const (
	EventSucceeded = "payment.succeeded"
	EventDeclined  = "payment.declined"
)

// PaymentRequest starts a payment (flow step 1–2; the parameters the spec
// needs from the bank).
type PaymentRequest struct {
	// Amount in minor units of Currency (kopecks for RUB).
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// ReturnURL is where the browser goes after paying (flow step 6);
	// the bank adds transactionId and status to its query. That redirect
	// is not authenticated: credit only on the webhook or PaymentStatus.
	ReturnURL string `json:"returnUrl"`
	// CallbackURL receives the signed confirmation webhook (step 4).
	CallbackURL string `json:"callbackUrl"`
	// Reference is the merchant's own id for the top-up. A repeated
	// request with the same reference and parameters returns the same
	// payment, so a timed-out request can be retried safely.
	Reference   string `json:"reference"`
	Description string `json:"description,omitempty"`
}

// Payment is a started payment: the page to send the user to.
type Payment struct {
	TransactionID string `json:"transactionId"`
	PaymentURL    string `json:"paymentUrl"`
	Status        Status `json:"status"`
}

// PaymentInfo is a payment's state, as the status lookup and the webhook
// report it.
type PaymentInfo struct {
	TransactionID string `json:"transactionId"`
	Reference     string `json:"reference"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Status        Status `json:"status"`
	Reason        string `json:"reason,omitempty"`
	Created       int64  `json:"created"`
	Updated       int64  `json:"updated"`
}

// Event is a confirmation webhook. ID is unique per event and stays the
// same across redeliveries: deduplicate on it.
type Event struct {
	ID      string      `json:"id"`
	Type    string      `json:"type"`
	Created int64       `json:"created"`
	Data    PaymentInfo `json:"data"`
}

// Provider is a bank as the server sees it. Implementations are safe for
// concurrent use.
type Provider interface {
	// Name identifies the provider in records ("sandbox").
	Name() string
	// CreatePayment starts a payment and returns its page (flow 1–2).
	CreatePayment(ctx context.Context, req PaymentRequest) (Payment, error)
	// VerifyWebhook authenticates a webhook request from its headers and
	// raw body, before any parsing, and returns the event (flow 4).
	VerifyWebhook(header http.Header, body []byte) (Event, error)
	// PaymentStatus looks a payment up, for reconciliation when a webhook
	// is late or lost.
	PaymentStatus(ctx context.Context, transactionID string) (PaymentInfo, error)
}
