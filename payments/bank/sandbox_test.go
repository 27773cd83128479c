package bank

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shop is a merchant's webhook receiver doing what the server will do:
// verify before parsing, deduplicate by event id, credit a succeeded
// payment exactly once.
type shop struct {
	secret []byte
	now    func() time.Time

	mu       sync.Mutex
	failing  int // answer 500 to this many more webhooks
	seen     map[string]bool
	credited map[string]int64
	credits  int
	refused  int
	captured [][2]string // header, body
	returns  []url.Values
}

func newShop(secret []byte) *shop {
	return &shop{secret: secret, now: time.Now, seen: map[string]bool{}, credited: map[string]int64{}}
}

func (s *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/return" {
		s.mu.Lock()
		s.returns = append(s.returns, r.URL.Query())
		s.mu.Unlock()
		io.WriteString(w, "thanks")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBytes+1))
	h := r.Header.Get(SignatureHeader)
	s.mu.Lock()
	s.captured = append(s.captured, [2]string{h, string(body)})
	if s.failing > 0 {
		s.failing--
		s.mu.Unlock()
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	s.mu.Unlock()
	ev, err := VerifyWebhook(s.secret, h, body, s.now(), 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.refused++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.seen[ev.ID] {
		w.WriteHeader(http.StatusOK) // duplicate: acknowledge, do nothing
		return
	}
	s.seen[ev.ID] = true
	if ev.Type == EventSucceeded && s.credited[ev.Data.TransactionID] == 0 {
		s.credited[ev.Data.TransactionID] = ev.Data.Amount
		s.credits++
	}
	w.WriteHeader(http.StatusOK)
}

type bankEnv struct {
	sb       *Sandbox
	bank     *httptest.Server
	shop     *shop
	shopSrv  *httptest.Server
	provider *SandboxProvider
}

func newBankEnv(t *testing.T, cfg SandboxConfig) *bankEnv {
	t.Helper()
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 5*time.Millisecond, 40*time.Millisecond
	}
	if cfg.APIKey == "" {
		cfg.APIKey = "sk_test_key"
	}
	sb, err := NewSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &bankEnv{sb: sb, bank: httptest.NewServer(sb), shop: newShop(sb.Secret())}
	e.shopSrv = httptest.NewServer(e.shop)
	e.provider = &SandboxProvider{BaseURL: e.bank.URL, APIKey: cfg.APIKey, WebhookSecret: sb.Secret()}
	t.Cleanup(func() {
		sb.Close()
		e.bank.Close()
		e.shopSrv.Close()
	})
	return e
}

func (e *bankEnv) create(t *testing.T, ref string, amount int64) Payment {
	t.Helper()
	p, err := e.provider.CreatePayment(context.Background(), PaymentRequest{
		Amount: amount, Currency: "RUB", Reference: ref,
		ReturnURL: e.shopSrv.URL + "/return?topup=" + ref, CallbackURL: e.shopSrv.URL + "/webhook",
		Description: "Fastcheck wallet top-up",
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func submit(t *testing.T, page, card, expiry, cvc string) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(page, url.Values{"card_number": {card}, "expiry": {expiry}, "cvc": {cvc}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Header.Set("X-Test-Body", string(b))
	return resp
}

func futureExpiry() string { return fmt.Sprintf("12/%02d", (time.Now().Year()+2)%100) }

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSandboxPageFlow drives flow 1–7 with net/http: start a payment, GET
// the page, POST the success card, follow the 303 to the return URL; the
// signed webhook arrives and is credited once; the status lookup agrees.
func TestSandboxPageFlow(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	p := e.create(t, "topup-1", 150000)
	if !strings.HasPrefix(p.PaymentURL, e.bank.URL+"/bank/pay/txn_") || p.Status != StatusPending {
		t.Fatal(p)
	}
	code, html := get(t, p.PaymentURL)
	if code != 200 {
		t.Fatal(code, html)
	}
	for _, want := range []string{
		`<html lang="en">`, "1,500.00 RUB", "topup-1", "Fastcheck wallet top-up",
		`<form method="post"`, `<label for="card_number">`, `id="card_number" name="card_number"`,
		`<label for="expiry">`, `id="expiry" name="expiry"`, `<label for="cvc">`, `id="cvc" name="cvc"`,
		"4242 4242 4242 4242", "Success", "4000 0000 0000 0002", "Declined", "4000 0000 0000 9995", "Insufficient funds",
		`<button type="submit">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("page has a script")
	}
	// Every input has a label pointing at it.
	for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(html, `<label for="`+m[1]+`">`) {
			t.Errorf("input %s has no label", m[1])
		}
	}

	resp := submit(t, p.PaymentURL, "4242 4242 4242 4242", futureExpiry(), "123")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d %s", resp.StatusCode, resp.Header.Get("X-Test-Body"))
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if !strings.HasPrefix(loc.String(), e.shopSrv.URL+"/return?") || q.Get("transactionId") != p.TransactionID || q.Get("status") != "succeeded" || q.Get("topup") != "topup-1" {
		t.Fatal(loc)
	}
	// The browser follows the 303 with a GET.
	if code, body := get(t, loc.String()); code != 200 || body != "thanks" {
		t.Fatal(code, body)
	}
	waitUntil(t, "webhook", func() bool {
		e.shop.mu.Lock()
		defer e.shop.mu.Unlock()
		return e.shop.credits == 1
	})
	e.shop.mu.Lock()
	if e.shop.credited[p.TransactionID] != 150000 || len(e.shop.returns) != 1 {
		t.Fatal(e.shop.credited, e.shop.returns)
	}
	hdr := e.shop.captured[0][0]
	e.shop.mu.Unlock()
	if !regexp.MustCompile(`^t=\d+,v1=[0-9a-f]{64}$`).MatchString(hdr) {
		t.Fatal(hdr)
	}
	info, err := e.provider.PaymentStatus(context.Background(), p.TransactionID)
	if err != nil || info.Status != StatusSucceeded || info.Amount != 150000 || info.Reference != "topup-1" {
		t.Fatal(info, err)
	}
	// The page now shows the outcome and a way back.
	if _, html := get(t, p.PaymentURL); !strings.Contains(html, "succeeded") || !strings.Contains(html, "Return to the merchant") || strings.Contains(html, "<form") {
		t.Fatal(html)
	}
}

func TestSandboxDeclines(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	for card, reason := range map[string]string{CardDeclined: ReasonCardDeclined, CardInsufficientFunds: ReasonInsufficientFunds} {
		p := e.create(t, "ref-"+card, 5000)
		resp := submit(t, p.PaymentURL, card, futureExpiry(), "999")
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("status") != "declined" {
			t.Fatal(resp.StatusCode, loc)
		}
		info, _ := e.provider.PaymentStatus(context.Background(), p.TransactionID)
		if info.Status != StatusDeclined || info.Reason != reason {
			t.Fatal(info)
		}
		// A declined payment cannot be paid afterwards.
		resp = submit(t, p.PaymentURL, CardSuccess, futureExpiry(), "123")
		if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("status") != "declined" {
			t.Fatal(loc)
		}
	}
	waitUntil(t, "declined webhooks", func() bool {
		e.shop.mu.Lock()
		defer e.shop.mu.Unlock()
		return len(e.shop.seen) == 2
	})
	e.shop.mu.Lock()
	defer e.shop.mu.Unlock()
	if e.shop.credits != 0 {
		t.Fatal("a declined payment was credited")
	}
}

func TestSandboxFormErrors(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	p := e.create(t, "ref", 100)
	for _, c := range []struct{ card, exp, cvc, want string }{
		{"4242 4242 4242 4241", futureExpiry(), "123", "card number is not valid"},
		{"4242-4242-4242-4242x", futureExpiry(), "123", "card number is not valid"},
		{"", futureExpiry(), "123", "card number is not valid"},
		{CardSuccess, "01/20", "123", "expiry date"},
		{CardSuccess, "13/30", "123", "expiry date"},
		{CardSuccess, "1230", "123", "expiry date"},
		{CardSuccess, futureExpiry(), "12", "CVC"},
		{CardSuccess, futureExpiry(), "12a", "CVC"},
		{"5555 5555 5555 4444", futureExpiry(), "123", "test card numbers"},
	} {
		resp := submit(t, p.PaymentURL, c.card, c.exp, c.cvc)
		body := resp.Header.Get("X-Test-Body")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%+v: %d %s", c, resp.StatusCode, body)
		}
	}
	if info, _ := e.sb.Payment(p.TransactionID); info.Status != StatusPending {
		t.Fatal(info)
	}
	// The typed card number and expiry are kept, the CVC is not.
	resp := submit(t, p.PaymentURL, "4242 4242 4242 4242", "01/20", "321")
	if b := resp.Header.Get("X-Test-Body"); !strings.Contains(b, `value="4242 4242 4242 4242"`) || strings.Contains(b, "321") {
		t.Fatal(b)
	}
	// Current month is still valid.
	now := time.Now().UTC()
	if !validExpiry(fmt.Sprintf("%02d/%d", now.Month(), now.Year()), now) || validExpiry(fmt.Sprintf("%02d/%d", now.Month(), now.Year()-1), now) {
		t.Fatal("expiry edge")
	}
	for _, card := range []string{CardSuccess, CardDeclined, CardInsufficientFunds} {
		if !luhn(card) {
			t.Fatalf("%s fails Luhn", card)
		}
	}
	// Unknown payment.
	if code, html := get(t, e.bank.URL+"/bank/pay/txn_nope"); code != 404 || !strings.Contains(html, "no payment") {
		t.Fatal(code, html)
	}
	if resp := submit(t, e.bank.URL+"/bank/pay/txn_nope", CardSuccess, futureExpiry(), "123"); resp.StatusCode != 404 {
		t.Fatal(resp.StatusCode)
	}
}

// TestSandboxPayTwice: ten concurrent submissions and a later one resolve
// the payment once, with one event.
func TestSandboxPayTwice(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	p := e.create(t, "twice", 777)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := noRedirect.PostForm(p.PaymentURL, url.Values{"card_number": {CardSuccess}, "expiry": {futureExpiry()}, "cvc": {"123"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != 303 || loc.Query().Get("status") != "succeeded" {
				t.Error(resp.StatusCode, loc)
			}
		}()
	}
	wg.Wait()
	if resp := submit(t, p.PaymentURL, CardDeclined, futureExpiry(), "123"); !strings.Contains(resp.Header.Get("Location"), "status=succeeded") {
		t.Fatal(resp.Header.Get("Location"))
	}
	waitUntil(t, "webhook", func() bool { return e.sb.PendingWebhooks() == 0 })
	ids := map[string]bool{}
	for _, d := range e.sb.Deliveries() {
		ids[d.EventID] = true
	}
	if len(ids) != 1 || len(e.sb.Deliveries()) != 1 {
		t.Fatalf("deliveries %+v", e.sb.Deliveries())
	}
}

// TestSandboxWebhookRetries: the receiver fails twice; the third attempt,
// signed afresh, is delivered.
func TestSandboxWebhookRetries(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	e.shop.mu.Lock()
	e.shop.failing = 2
	e.shop.mu.Unlock()
	p := e.create(t, "retry", 4200)
	submit(t, p.PaymentURL, CardSuccess, futureExpiry(), "123")
	waitUntil(t, "credit", func() bool {
		e.shop.mu.Lock()
		defer e.shop.mu.Unlock()
		return e.shop.credits == 1
	})
	waitUntil(t, "delivery done", func() bool { return e.sb.PendingWebhooks() == 0 })
	ds := e.sb.Deliveries()
	if len(ds) != 3 || ds[0].HTTPCode != 500 || ds[1].HTTPCode != 500 || ds[2].HTTPCode != 200 || ds[2].Attempt != 2 {
		t.Fatalf("%+v", ds)
	}
	e.shop.mu.Lock()
	defer e.shop.mu.Unlock()
	if len(e.shop.captured) != 3 || e.shop.captured[0][1] != e.shop.captured[2][1] {
		t.Fatal("redeliveries differ in body")
	}
}

// TestSandboxWebhooksDuplicatedShuffled: every webhook goes out 3 times
// concurrently, is resent, and then everything captured is replayed 3
// times, shuffled, concurrently; each succeeded payment is credited once.
func TestSandboxWebhooksDuplicatedShuffled(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	e.sb.SetFaults(SandboxFaults{DuplicateWebhooks: 2})
	var pays []Payment
	for i := range 6 {
		pays = append(pays, e.create(t, fmt.Sprint("dup-", i), int64(1000+i)))
	}
	var wg sync.WaitGroup
	for i, p := range pays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			card := CardSuccess
			if i == 5 {
				card = CardDeclined
			}
			resp, err := noRedirect.PostForm(p.PaymentURL, url.Values{"card_number": {card}, "expiry": {futureExpiry()}, "cvc": {"123"}})
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for _, p := range pays {
		waitUntil(t, "resolution", func() bool { info, _ := e.sb.Payment(p.TransactionID); return info.Status.Final() })
		if err := e.sb.Resend(p.TransactionID); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "deliveries", func() bool { return e.sb.PendingWebhooks() == 0 })
	if n := len(e.sb.Deliveries()); n != 6*2*3 {
		t.Fatalf("%d deliveries, want 6 payments × 2 sends × 3 copies", n)
	}
	e.shop.mu.Lock()
	captured := append([][2]string(nil), e.shop.captured...)
	e.shop.mu.Unlock()
	var all [][2]string
	for range 3 {
		all = append(all, captured...)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var ok atomic.Int64
	for _, c := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.shopSrv.URL+"/webhook", strings.NewReader(c[1]))
			req.Header.Set(SignatureHeader, c[0])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != int64(len(all)) {
		t.Fatalf("%d of %d replays acknowledged", ok.Load(), len(all))
	}
	e.shop.mu.Lock()
	defer e.shop.mu.Unlock()
	if e.shop.credits != 5 || len(e.shop.seen) != 6 {
		t.Fatalf("credits %d, events %d", e.shop.credits, len(e.shop.seen))
	}
	for i, p := range pays[:5] {
		if e.shop.credited[p.TransactionID] != int64(1000+i) {
			t.Fatalf("payment %d credited %d", i, e.shop.credited[p.TransactionID])
		}
	}
}

// TestSandboxStaleReceiver: a receiver whose clock is 10 minutes off
// refuses every delivery; the sandbox gives up after its attempts.
func TestSandboxStaleReceiver(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{RetryAttempts: 3})
	e.shop.now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	p := e.create(t, "stale", 100)
	submit(t, p.PaymentURL, CardSuccess, futureExpiry(), "123")
	waitUntil(t, "3 attempts", func() bool { return e.sb.PendingWebhooks() == 0 })
	e.shop.mu.Lock()
	defer e.shop.mu.Unlock()
	if len(e.sb.Deliveries()) != 3 || e.shop.refused != 3 || e.shop.credits != 0 {
		t.Fatalf("deliveries %d refused %d credits %d", len(e.sb.Deliveries()), e.shop.refused, e.shop.credits)
	}
}

func TestSandboxAPI(t *testing.T) {
	e := newBankEnv(t, SandboxConfig{})
	ctx := context.Background()
	base := PaymentRequest{Amount: 100, Currency: "RUB", Reference: "r", ReturnURL: "https://shop.example/return", CallbackURL: "https://shop.example/hook"}
	bad := []func(*PaymentRequest){
		func(r *PaymentRequest) { r.Amount = 0 },
		func(r *PaymentRequest) { r.Amount = -5 },
		func(r *PaymentRequest) { r.Currency = "rub" },
		func(r *PaymentRequest) { r.Currency = "XXX" },
		func(r *PaymentRequest) { r.ReturnURL = "/relative" },
		func(r *PaymentRequest) { r.CallbackURL = "javascript:alert(1)" },
		func(r *PaymentRequest) { r.Reference = "" },
		func(r *PaymentRequest) { r.Reference = strings.Repeat("x", 129) },
	}
	for i, mut := range bad {
		r := base
		mut(&r)
		var be *Error
		if _, err := e.provider.CreatePayment(ctx, r); !errors.As(err, &be) || be.HTTPStatus != 400 {
			t.Errorf("case %d: %v", i, err)
		}
	}
	// Unknown fields and non-JSON.
	for _, body := range []string{`{"amount":1,"currency":"RUB","reference":"x","returnUrl":"https://a/","callbackUrl":"https://a/","extra":1}`, `nope`} {
		req, _ := http.NewRequest("POST", e.bank.URL+"/bank/payments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk_test_key")
		resp, _ := http.DefaultClient.Do(req)
		if resp.StatusCode != 400 {
			t.Error(body, resp.StatusCode)
		}
		resp.Body.Close()
	}
	// The API key is required.
	wrong := &SandboxProvider{BaseURL: e.bank.URL, APIKey: "sk_wrong"}
	var be *Error
	if _, err := wrong.CreatePayment(ctx, base); !errors.As(err, &be) || be.HTTPStatus != 401 {
		t.Fatal(err)
	}
	if _, err := wrong.PaymentStatus(ctx, "txn_x"); !errors.As(err, &be) || be.HTTPStatus != 401 {
		t.Fatal(err)
	}
	// Idempotent on the reference.
	p1, err := e.provider.CreatePayment(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.provider.CreatePayment(ctx, base)
	if err != nil || p2.TransactionID != p1.TransactionID || p2.PaymentURL != p1.PaymentURL {
		t.Fatal(p1, p2, err)
	}
	other := base
	other.Amount = 200
	if _, err := e.provider.CreatePayment(ctx, other); !errors.As(err, &be) || be.HTTPStatus != 409 {
		t.Fatal(err)
	}
	if _, err := e.provider.PaymentStatus(ctx, "txn_missing"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	// A configured public base URL is used for the page link.
	sb2, _ := NewSandbox(SandboxConfig{BaseURL: "https://bank.example/"})
	defer sb2.Close()
	srv2 := httptest.NewServer(sb2)
	defer srv2.Close()
	p3, err := (&SandboxProvider{BaseURL: srv2.URL}).CreatePayment(ctx, base)
	if err != nil || !strings.HasPrefix(p3.PaymentURL, "https://bank.example/bank/pay/txn_") {
		t.Fatal(p3, err)
	}
	if _, err := NewSandbox(SandboxConfig{BaseURL: "ftp://x"}); err == nil {
		t.Fatal("ftp base accepted")
	}
	// The provider verifies webhooks with its secret.
	now := time.Now()
	body := testEvent()
	h := http.Header{}
	h.Set(SignatureHeader, SignWebhook(e.sb.Secret(), now, body))
	if ev, err := e.provider.VerifyWebhook(h, body); err != nil || ev.ID != "evt_1" {
		t.Fatal(ev, err)
	}
	h.Set(SignatureHeader, SignWebhook([]byte("forged"), now, body))
	if _, err := e.provider.VerifyWebhook(h, body); !errors.Is(err, ErrBadSignature) {
		t.Fatal(err)
	}
	if e.provider.Name() != "sandbox" {
		t.Fatal(e.provider.Name())
	}
}

func TestSandboxCloseStopsRetries(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	sb, _ := NewSandbox(SandboxConfig{RetryAttempts: 50, RetryBase: time.Hour})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	p, err := (&SandboxProvider{BaseURL: srv.URL}).CreatePayment(context.Background(), PaymentRequest{
		Amount: 100, Currency: "RUB", Reference: "r", ReturnURL: down.URL, CallbackURL: down.URL})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, p.PaymentURL, CardSuccess, futureExpiry(), "123")
	waitUntil(t, "first attempt", func() bool { return len(sb.Deliveries()) == 1 })
	start := time.Now()
	sb.Close()
	if time.Since(start) > 2*time.Second {
		t.Fatal("Close waited for the retries")
	}
	if err := sb.Resend(p.TransactionID); err == nil {
		t.Fatal("resend after close")
	}
}
