package bank

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/payments/internal/retry"
)

// The sandbox's test cards (Stripe's numbers). Any future expiry and any
// 3–4 digit CVC go with them.
const (
	CardSuccess           = "4242424242424242"
	CardDeclined          = "4000000000000002"
	CardInsufficientFunds = "4000000000009995"
)

// SandboxConfig configures a Sandbox. The zero value works with a random
// webhook secret.
type SandboxConfig struct {
	// WebhookSecret signs the webhooks; empty means 32 random bytes (see
	// Secret).
	WebhookSecret []byte
	// APIKey, when set, must come as "Authorization: Bearer <APIKey>" on
	// the merchant calls (creating and looking up payments).
	APIKey string
	// BaseURL is the sandbox's public root for payment URLs
	// ("https://bank.example"); empty means taken from each request.
	BaseURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient sends the webhooks; nil means a 10 s timeout client.
	HTTPClient *http.Client
	// RetryAttempts, RetryBase and RetryMax bound the webhook retries (0
	// means 12 attempts, 1 s doubling up to 5 min).
	RetryAttempts int
	RetryBase     time.Duration
	RetryMax      time.Duration
	// Logf receives a line per notable event; nil discards them.
	Logf func(format string, args ...any)
}

// SandboxFaults are failures a test can switch on.
type SandboxFaults struct {
	// DuplicateWebhooks sends each webhook attempt this many extra times,
	// concurrently, identical (same event id, timestamp and signature).
	DuplicateWebhooks int
}

// WebhookDelivery is one POST of a webhook.
type WebhookDelivery struct {
	EventID       string
	TransactionID string
	Attempt       int
	Copy          int
	HTTPCode      int // 0 when there was no answer
	Err           string
	At            time.Time
}

type transaction struct {
	info        PaymentInfo
	returnURL   string
	callbackURL string
	description string
	event       *Event
}

// Sandbox is a test bank, an http.Handler serving:
//
//	POST /bank/payments        start a payment (JSON PaymentRequest) → 201 Payment
//	GET  /bank/payments/{id}   look it up → PaymentInfo
//	GET  /bank/pay/{id}        the hosted payment page, a plain HTML form
//	POST /bank/pay/{id}        pay with a test card → webhook, then 303 to the return URL
//
// The webhook is signed (SignatureHeader) and delivered at least once,
// retried with backoff until a 2xx. A payment resolves once: paying again
// changes nothing and sends no second webhook. State is in memory. Safe for
// concurrent use; Close stops the deliveries.
type Sandbox struct {
	cfg    SandboxConfig
	secret []byte
	policy retry.Policy
	hc     *http.Client
	mux    *http.ServeMux
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	txns        map[string]*transaction
	byReference map[string]string
	deliveries  []WebhookDelivery
	faults      SandboxFaults
	pending     int
	closed      bool
}

// NewSandbox makes a Sandbox.
func NewSandbox(cfg SandboxConfig) (*Sandbox, error) {
	s := &Sandbox{
		cfg:         cfg,
		secret:      slices.Clone(cfg.WebhookSecret),
		policy:      retry.Policy{Attempts: cfg.RetryAttempts, Base: cfg.RetryBase, Max: cfg.RetryMax}.Defaults(),
		hc:          cfg.HTTPClient,
		txns:        map[string]*transaction{},
		byReference: map[string]string{},
	}
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		if _, err := rand.Read(s.secret); err != nil {
			return nil, err
		}
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.BaseURL != "" {
		if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bank: BaseURL %q is not an http(s) URL", cfg.BaseURL)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /bank/payments", s.handleCreate)
	s.mux.HandleFunc("GET /bank/payments/{id}", s.handleStatus)
	s.mux.HandleFunc("GET /bank/pay/{id}", s.handlePage)
	s.mux.HandleFunc("POST /bank/pay/{id}", s.handlePay)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Secret is the webhook signing secret (to configure the receiver).
func (s *Sandbox) Secret() []byte { return slices.Clone(s.secret) }

// Close stops webhook deliveries and waits for them to end.
func (s *Sandbox) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// SetFaults switches failures on or off.
func (s *Sandbox) SetFaults(f SandboxFaults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Payment returns a payment's state.
func (s *Sandbox) Payment(id string) (PaymentInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[id]
	if !ok {
		return PaymentInfo{}, false
	}
	return t.info, true
}

// Deliveries returns the log of webhook POSTs (the last 10000).
func (s *Sandbox) Deliveries() []WebhookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// PendingWebhooks is the number of webhooks still being delivered
// (including those waiting to retry).
func (s *Sandbox) PendingWebhooks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Resend delivers a resolved payment's webhook again, with the same event
// id, as a bank does when asked to (or on its own).
func (s *Sandbox) Resend(transactionID string) error {
	s.mu.Lock()
	t, ok := s.txns[transactionID]
	if !ok || t.event == nil {
		s.mu.Unlock()
		return errors.New("bank: no resolved payment with this id")
	}
	ev, cb := *t.event, t.callbackURL
	if s.closed {
		s.mu.Unlock()
		return errors.New("bank: sandbox closed")
	}
	s.wg.Add(1)
	s.pending++
	s.mu.Unlock()
	go s.deliver(ev, cb)
	return nil
}

func (s *Sandbox) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

func (s *Sandbox) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func newID(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return prefix + hex.EncodeToString(b[:])
}

type apiError struct {
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Sandbox) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.APIKey)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="sandbox bank"`)
	writeJSON(w, http.StatusUnauthorized, apiError{"not authorized"})
	return false
}

func checkURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2048 {
		return fmt.Errorf("%s must be an absolute http(s) URL", name)
	}
	return nil
}

func (s *Sandbox) handleCreate(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req PaymentRequest
	d := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	d.DisallowUnknownFields()
	if err := d.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid JSON: " + err.Error()})
		return
	}
	var problems []string
	if err := api.CheckAmount(req.Amount); err != nil {
		problems = append(problems, err.Error())
	}
	if err := api.CheckCurrency(req.Currency); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkURL("returnUrl", req.ReturnURL); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkURL("callbackUrl", req.CallbackURL); err != nil {
		problems = append(problems, err.Error())
	}
	if req.Reference == "" || len(req.Reference) > 128 {
		problems = append(problems, "reference must be 1 to 128 characters")
	}
	if len(req.Description) > 256 {
		problems = append(problems, "description must be at most 256 characters")
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusBadRequest, apiError{strings.Join(problems, "; ")})
		return
	}
	s.mu.Lock()
	if id, ok := s.byReference[req.Reference]; ok {
		t := s.txns[id]
		same := t.info.Amount == req.Amount && t.info.Currency == req.Currency &&
			t.returnURL == req.ReturnURL && t.callbackURL == req.CallbackURL
		info := t.info
		s.mu.Unlock()
		if !same {
			writeJSON(w, http.StatusConflict, apiError{"reference already used for a different payment"})
			return
		}
		writeJSON(w, http.StatusOK, Payment{TransactionID: id, PaymentURL: s.pageURL(r, id), Status: info.Status})
		return
	}
	now := s.now().Unix()
	id := newID("txn_")
	s.txns[id] = &transaction{
		info: PaymentInfo{TransactionID: id, Reference: req.Reference, Amount: req.Amount, Currency: req.Currency,
			Status: StatusPending, Created: now, Updated: now},
		returnURL: req.ReturnURL, callbackURL: req.CallbackURL, description: req.Description,
	}
	s.byReference[req.Reference] = id
	s.mu.Unlock()
	s.logf("bank: payment %s for %s (%s)", id, api.FormatMinor(req.Amount, req.Currency), req.Reference)
	writeJSON(w, http.StatusCreated, Payment{TransactionID: id, PaymentURL: s.pageURL(r, id), Status: StatusPending})
}

func (s *Sandbox) pageURL(r *http.Request, id string) string {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/bank/pay/" + url.PathEscape(id)
}

func (s *Sandbox) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	info, ok := s.Payment(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{"no such payment"})
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// pageData fills the payment page template.
type pageData struct {
	ID          string
	Amount      string
	Reference   string
	Description string
	Status      Status
	Reason      string
	ReturnURL   string
	Errors      []string
	Card        string
	Expiry      string
}

func (s *Sandbox) page(id string) (pageData, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.txns[id]
	if !ok {
		return pageData{}, false
	}
	return pageData{
		ID: id, Amount: api.FormatMinor(t.info.Amount, t.info.Currency), Reference: t.info.Reference,
		Description: t.description, Status: t.info.Status, Reason: t.info.Reason,
		ReturnURL: returnWith(t.returnURL, id, t.info.Status),
	}, true
}

func (s *Sandbox) renderPage(w http.ResponseWriter, code int, d pageData) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, d); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No script at all; styles inline. form-action is left open on
	// purpose: the 303 after the POST goes to the merchant's origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

func (s *Sandbox) handlePage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.page(r.PathValue("id"))
	if !ok {
		s.renderPage(w, http.StatusNotFound, pageData{Errors: []string{"There is no payment with this link. It may have been mistyped."}})
		return
	}
	s.renderPage(w, http.StatusOK, d)
}

func (s *Sandbox) handlePay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, ok := s.page(id)
	if !ok {
		s.renderPage(w, http.StatusNotFound, pageData{Errors: []string{"There is no payment with this link."}})
		return
	}
	if d.Status.Final() { // paid or declined already: no second charge
		http.Redirect(w, r, d.ReturnURL, http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		d.Errors = []string{"The form could not be read. Please try again."}
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	card := digitsOnly(r.PostForm.Get("card_number"))
	d.Card, d.Expiry = r.PostForm.Get("card_number"), r.PostForm.Get("expiry")
	d.Errors = checkCard(card, r.PostForm.Get("expiry"), r.PostForm.Get("cvc"), s.now())
	var outcome Status
	var reason string
	if len(d.Errors) == 0 {
		switch card {
		case CardSuccess:
			outcome = StatusSucceeded
		case CardDeclined:
			outcome, reason = StatusDeclined, ReasonCardDeclined
		case CardInsufficientFunds:
			outcome, reason = StatusDeclined, ReasonInsufficientFunds
		default:
			d.Errors = []string{"This is the sandbox: use one of the test card numbers listed below."}
		}
	}
	if len(d.Errors) > 0 {
		s.renderPage(w, http.StatusUnprocessableEntity, d)
		return
	}
	ev, callbackURL, returnURL, final := s.resolve(id, outcome, reason)
	if ev != nil {
		s.logf("bank: payment %s %s", id, ev.Data.Status)
		go s.deliver(*ev, callbackURL)
	}
	http.Redirect(w, r, returnWith(returnURL, id, final), http.StatusSeeOther)
}

// resolve moves a pending payment to its outcome, once. It returns the new
// event to deliver (nil if the payment was already resolved, by this or a
// concurrent request), where to deliver it and send the browser, and the
// final status.
func (s *Sandbox) resolve(id string, outcome Status, reason string) (ev *Event, callbackURL, returnURL string, final Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.txns[id]
	if t.info.Status.Final() {
		return nil, t.callbackURL, t.returnURL, t.info.Status
	}
	now := s.now().Unix()
	t.info.Status, t.info.Reason, t.info.Updated = outcome, reason, now
	typ := EventSucceeded
	if outcome == StatusDeclined {
		typ = EventDeclined
	}
	t.event = &Event{ID: newID("evt_"), Type: typ, Created: now, Data: t.info}
	if s.closed {
		return nil, t.callbackURL, t.returnURL, outcome
	}
	s.wg.Add(1)
	s.pending++
	e := *t.event
	return &e, t.callbackURL, t.returnURL, outcome
}

// returnWith adds transactionId and status to the merchant's return URL.
func returnWith(returnURL, id string, st Status) string {
	u, err := url.Parse(returnURL)
	if err != nil {
		return returnURL
	}
	q := u.Query()
	q.Set("transactionId", id)
	q.Set("status", string(st))
	u.RawQuery = q.Encode()
	return u.String()
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-':
		default:
			return "" // anything else makes the number invalid
		}
	}
	return b.String()
}

// checkCard validates the form's fields and returns the problems, each
// phrased for the person filling the form in.
func checkCard(card, expiry, cvc string, now time.Time) []string {
	var errs []string
	if len(card) < 12 || len(card) > 19 || !luhn(card) {
		errs = append(errs, "The card number is not valid. Check the digits.")
	}
	if !validExpiry(expiry, now) {
		errs = append(errs, "The expiry date must be a month in the future, written MM/YY.")
	}
	cvc = strings.TrimSpace(cvc)
	if len(cvc) < 3 || len(cvc) > 4 || digitsOnly(cvc) != cvc {
		errs = append(errs, "The CVC is the 3 or 4 digits on the back of the card.")
	}
	return errs
}

func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func validExpiry(s string, now time.Time) bool {
	m, y, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	if !ok || len(m) < 1 || len(m) > 2 || (len(y) != 2 && len(y) != 4) {
		return false
	}
	month, err1 := strconv.Atoi(m)
	year, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || month < 1 || month > 12 || strings.Trim(m+y, "0123456789") != "" {
		return false
	}
	if len(y) == 2 {
		year += 2000
	}
	now = now.UTC()
	return year > now.Year() && year <= now.Year()+20 || year == now.Year() && month >= int(now.Month())
}

// deliver POSTs an event to the callback URL until a 2xx, within the
// retry policy. Each attempt is signed afresh with the current time.
func (s *Sandbox) deliver(ev Event, callbackURL string) {
	defer func() {
		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
		s.wg.Done()
	}()
	body, _ := json.Marshal(ev)
	for attempt := 0; attempt < s.policy.Attempts; attempt++ {
		if attempt > 0 && retry.Sleep(s.ctx, s.policy.Delay(attempt-1)) != nil {
			return
		}
		s.mu.Lock()
		dups := max(s.faults.DuplicateWebhooks, 0)
		s.mu.Unlock()
		sig := SignWebhook(s.secret, s.now(), body)
		var wg sync.WaitGroup
		var mu sync.Mutex
		delivered := false
		for c := 0; c <= dups; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, err := s.post(callbackURL, ev.ID, sig, body)
				d := WebhookDelivery{EventID: ev.ID, TransactionID: ev.Data.TransactionID, Attempt: attempt, Copy: c, HTTPCode: code, At: s.now()}
				if err != nil {
					d.Err = err.Error()
				}
				mu.Lock()
				if code >= 200 && code <= 299 {
					delivered = true
				}
				mu.Unlock()
				s.record(d)
			}()
		}
		wg.Wait()
		if delivered {
			return
		}
	}
	s.logf("bank: webhook %s not delivered after %d attempts", ev.ID, s.policy.Attempts)
}

func (s *Sandbox) post(callbackURL, eventID, sig string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, sig)
	req.Header.Set("Bank-Event-Id", eventID)
	req.Header.Set("User-Agent", "fastcheck-sandbox-bank")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Sandbox) record(d WebhookDelivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.deliveries) >= 10000 {
		s.deliveries = slices.Delete(s.deliveries, 0, len(s.deliveries)-9999)
	}
	s.deliveries = append(s.deliveries, d)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Amount}}Pay {{.Amount}} · {{end}}Sandbox Bank</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1a1a1a; }
main { max-width: 28rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { font: inherit; width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #767676; border-radius: 4px; }
input:focus, button:focus { outline: 3px solid #1a5fb4; outline-offset: 1px; }
.hint { font-size: .875rem; color: #555; margin: .25rem 0 0; }
.row { display: flex; gap: 1rem; } .row > div { flex: 1; }
button { font: inherit; font-weight: 600; margin-top: 1.5rem; width: 100%; padding: .75rem; border: 0; border-radius: 4px; background: #1a5fb4; color: #fff; cursor: pointer; }
.alert { border: 2px solid #c01c28; background: #fdeaea; padding: .5rem 1rem; border-radius: 4px; }
.ok { border: 2px solid #26a269; background: #e8f6ee; padding: .5rem 1rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
.amount { font-size: 1.6rem; font-weight: 700; }
</style>
</head>
<body>
<main>
<h1>Sandbox Bank</h1>
{{- if not .ID}}
<div class="alert" role="alert">{{range .Errors}}<p>{{.}}</p>{{end}}</div>
{{- else if eq .Status "succeeded"}}
<div class="ok" role="status"><p>Payment of <strong>{{.Amount}}</strong> succeeded.</p></div>
<p><a href="{{.ReturnURL}}">Return to the merchant</a></p>
{{- else if eq .Status "declined"}}
<div class="alert" role="status"><p>Payment of <strong>{{.Amount}}</strong> was declined{{if eq .Reason "insufficient_funds"}}: insufficient funds{{end}}.</p></div>
<p><a href="{{.ReturnURL}}">Return to the merchant</a></p>
{{- else}}
<p>Amount to pay</p>
<p class="amount" id="amount">{{.Amount}}</p>
<p>Merchant reference: <code>{{.Reference}}</code>{{if .Description}}<br>{{.Description}}{{end}}</p>
{{- if .Errors}}
<div class="alert" role="alert" id="form-errors" tabindex="-1">
<p><strong>The payment could not be made:</strong></p>
<ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul>
</div>
{{- end}}
<form method="post" aria-label="Card payment">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" type="text" inputmode="numeric" autocomplete="cc-number" required maxlength="23" value="{{.Card}}" aria-describedby="card-hint"{{if .Errors}} aria-invalid="true"{{end}}>
<p class="hint" id="card-hint">The 16 digits on the front of the card; spaces are fine.</p>
<div class="row">
<div>
<label for="expiry">Expiry date</label>
<input id="expiry" name="expiry" type="text" inputmode="numeric" autocomplete="cc-exp" required maxlength="7" placeholder="MM/YY" value="{{.Expiry}}" aria-describedby="expiry-hint">
<p class="hint" id="expiry-hint">MM/YY</p>
</div>
<div>
<label for="cvc">CVC</label>
<input id="cvc" name="cvc" type="password" inputmode="numeric" autocomplete="cc-csc" required maxlength="4" aria-describedby="cvc-hint">
<p class="hint" id="cvc-hint">3 or 4 digits on the back</p>
</div>
</div>
<button type="submit">Pay {{.Amount}}</button>
</form>
<section aria-labelledby="test-cards">
<h2 id="test-cards">Test cards</h2>
<p>This is a sandbox: no real money moves. Use one of these numbers with any future expiry date and any 3-digit CVC.</p>
<table>
<thead><tr><th scope="col">Card number</th><th scope="col">Result</th></tr></thead>
<tbody>
<tr><td><code>4242 4242 4242 4242</code></td><td>Success</td></tr>
<tr><td><code>4000 0000 0000 0002</code></td><td>Declined</td></tr>
<tr><td><code>4000 0000 0000 9995</code></td><td>Insufficient funds</td></tr>
</tbody>
</table>
</section>
{{- end}}
</main>
</body>
</html>
`))
