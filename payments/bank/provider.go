package bank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SandboxProvider is the Provider of the sandbox bank: it calls a Sandbox
// over HTTP and verifies its webhooks.
type SandboxProvider struct {
	// BaseURL is where the sandbox is served ("http://127.0.0.1:8080");
	// the /bank/... paths are appended.
	BaseURL string
	// APIKey is sent as a bearer token when set.
	APIKey string
	// WebhookSecret verifies the webhooks.
	WebhookSecret []byte
	// HTTPClient makes the calls; nil means a 30 s timeout client.
	HTTPClient *http.Client
	// Now and Tolerance are for webhook timestamps (time.Now and
	// DefaultTolerance when zero).
	Now       func() time.Time
	Tolerance time.Duration
}

var _ Provider = (*SandboxProvider)(nil)

// Error is a refusal by the bank: an HTTP error status with its message.
// Status 0 is never used; transport failures are returned as they are.
type Error struct {
	HTTPStatus int
	Message    string
}

func (e *Error) Error() string { return fmt.Sprintf("bank: HTTP %d: %s", e.HTTPStatus, e.Message) }

// ErrNotFound is matched by a lookup of an unknown payment.
var ErrNotFound = errors.New("bank: no such payment")

func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.HTTPStatus == http.StatusNotFound
}

// Name implements Provider.
func (p *SandboxProvider) Name() string { return "sandbox" }

func (p *SandboxProvider) client() *http.Client {
	if p.HTTPClient != nil {
		return p.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (p *SandboxProvider) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(p.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	resp, err := p.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e apiError
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return &Error{HTTPStatus: resp.StatusCode, Message: e.Message}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("bank: unreadable answer: %w", err)
	}
	return nil
}

// CreatePayment implements Provider. It is idempotent on req.Reference.
func (p *SandboxProvider) CreatePayment(ctx context.Context, req PaymentRequest) (Payment, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Payment{}, err
	}
	var out Payment
	if err := p.do(ctx, http.MethodPost, "/bank/payments", body, &out); err != nil {
		return Payment{}, err
	}
	if out.TransactionID == "" || out.PaymentURL == "" {
		return Payment{}, errors.New("bank: answer without transactionId or paymentUrl")
	}
	return out, nil
}

// PaymentStatus implements Provider.
func (p *SandboxProvider) PaymentStatus(ctx context.Context, id string) (PaymentInfo, error) {
	var out PaymentInfo
	if err := p.do(ctx, http.MethodGet, "/bank/payments/"+url.PathEscape(id), nil, &out); err != nil {
		return PaymentInfo{}, err
	}
	if out.TransactionID != id {
		return PaymentInfo{}, fmt.Errorf("bank: asked for %s, got %s", id, out.TransactionID)
	}
	return out, nil
}

// VerifyWebhook implements Provider with VerifyWebhook on the
// SignatureHeader.
func (p *SandboxProvider) VerifyWebhook(h http.Header, body []byte) (Event, error) {
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	return VerifyWebhook(p.WebhookSecret, h.Get(SignatureHeader), body, now, p.Tolerance)
}
