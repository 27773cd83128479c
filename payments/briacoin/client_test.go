package briacoin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const docSecret = "qta3whcytmysb2tq"

// canned is a server that answers each method with a fixed text (the
// document's examples, slips included) and records the requests.
type canned struct {
	mu       sync.Mutex
	answers  map[string]string
	status   int
	requests []map[string]any
	verifier *Verifier
	keyErrs  []error
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&req); err != nil {
		http.Error(w, "bad json", 400)
		return
	}
	c.mu.Lock()
	c.requests = append(c.requests, req)
	if key, ok := req["key"].(string); ok && c.verifier != nil {
		_, err := c.verifier.Verify(docSecret, key)
		c.keyErrs = append(c.keyErrs, err)
	}
	ans := c.answers[req["method"].(string)]
	st := c.status
	c.mu.Unlock()
	if st == 0 {
		st = 200
	}
	w.WriteHeader(st)
	io.WriteString(w, ans)
}

func newCanned(t *testing.T, answers map[string]string) (*canned, *Client) {
	t.Helper()
	c := &canned{answers: answers, verifier: &Verifier{Period: 50 * time.Millisecond}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	cl, err := NewClient(Config{Endpoint: srv.URL + "/api/", UserID: 1, Secret: docSecret, Period: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c, cl
}

// The document's answers, byte for byte as written (the « guillemet that
// opens the wallet string included).
const (
	docCreateAccount = `{
"result": {
"status": "ok",
"userid": 1,
"secret": "qta3whcytmysb2tq",
"balance": 0.0,
"backurl": "https://myshop.com/accept.php",
"timestamp": 1493195829
}
}`
	docUpdateAccount = `{
"result": {
"status": "ok",
"userid": 1,
"backurl": "http://newshop.net/payok/",
"timestamp": 1493197926
}
}`
	docBalance = `{
"result": {
"status": "ok",
"userid": 1,
"balance": 0.0,
"timestamp": 1493198052
}
}`
	docCreateOrder = `{
"result": {
"status": "ok",
"userid": 1,
"orderid": 1,
"wallet": «Bdr6RFA2GXhjFAPDmV3WHP7za5BHPYMKjT",
"amount": 12.5,
"timestamp": 1493195900
}
}`
	docOrderStatus = `{
"result": {
"status": "ok",
"userid": 1,
"orderid": 1,
"wallet": «Bdr6RFA2GXhjFAPDmV3WHP7za5BHPYMKjT",
"amount": 10.0,
"paid": 0.0,
"orderstatus": "new",
"timestamp": 1493200005
}
}`
	docTransfer = `{
"result": {
"status": "ok",
"userid": 2,
"txid": "7b76bf262f89be0dc9d17cd5d28d8fc155a1a3de57023b2ba1eeaf4b1ac7faeb",
"timestamp": 1493225903
}
}`
	docError = `{
"result": {
"status": "error",
"data": "Authorization filed!",
"timestamp": 1493195969
}
}`
)

func TestClientDocumentAnswers(t *testing.T) {
	srv, c := newCanned(t, map[string]string{
		MethodCreateAccount:     docCreateAccount,
		MethodUpdateAccount:     docUpdateAccount,
		MethodGetAccountBalance: docBalance,
		MethodCreateOrder:       docCreateOrder,
		MethodGetOrderStatus:    docOrderStatus,
		MethodTransferToAddress: docTransfer,
	})
	ctx := context.Background()
	a, err := c.CreateAccount(ctx, "https://myshop.com/accept.php")
	if err != nil || a.UserID != 1 || a.Secret != docSecret || a.Balance != 0 || a.BackURL != "https://myshop.com/accept.php" || a.Timestamp != 1493195829 {
		t.Fatalf("createaccount: %+v %v", a, err)
	}
	u, err := c.UpdateAccount(ctx, "https://newshop.net/payok/")
	if err != nil || u.BackURL != "http://newshop.net/payok/" {
		t.Fatalf("updateaccount: %+v %v", u, err)
	}
	b, err := c.GetAccountBalance(ctx)
	if err != nil || b.Balance != 0 || b.UserID != 1 {
		t.Fatalf("getaccountbalance: %+v %v", b, err)
	}
	o, err := c.CreateOrder(ctx, MustCoins("12.50"))
	if err != nil || o.OrderID != 1 || o.Wallet != "Bdr6RFA2GXhjFAPDmV3WHP7za5BHPYMKjT" || o.Amount != MustCoins("12.5") {
		t.Fatalf("createorder: %+v %v", o, err)
	}
	s, err := c.GetOrderStatus(ctx, 1)
	if err != nil || s.Status != StatusNew || s.Amount != MustCoins("10") || s.Paid != 0 || s.Wallet != o.Wallet {
		t.Fatalf("getorderstatus: %+v %v", s, err)
	}
	tr, err := c.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("3.234"))
	if err != nil || tr.TxID != "7b76bf262f89be0dc9d17cd5d28d8fc155a1a3de57023b2ba1eeaf4b1ac7faeb" {
		t.Fatalf("transfertoaddress: %+v %v", tr, err)
	}

	// What went over the wire: the document's requests.
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.requests) != 6 {
		t.Fatalf("%d requests", len(srv.requests))
	}
	if _, ok := srv.requests[0]["key"]; ok || srv.requests[0]["backurl"] != "https://myshop.com/accept.php" {
		t.Fatalf("createaccount request: %v", srv.requests[0])
	}
	want := []string{MethodCreateAccount, MethodUpdateAccount, MethodGetAccountBalance, MethodCreateOrder, MethodGetOrderStatus, MethodTransferToAddress}
	for i, r := range srv.requests {
		if r["method"] != want[i] {
			t.Fatalf("request %d: %v", i, r)
		}
		if i > 0 && (r["userid"] != json.Number("1") || len(r["key"].(string)) != 6) {
			t.Fatalf("request %d lacks userid/key: %v", i, r)
		}
	}
	if srv.requests[3]["amount"] != json.Number("12.5") || srv.requests[5]["amount"] != json.Number("3.234") || srv.requests[5]["wallet"] != "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ" || srv.requests[4]["orderid"] != json.Number("1") {
		t.Fatalf("amounts: %v / %v", srv.requests[3], srv.requests[5])
	}
	// Every key was fresh: a verifier enforcing RFC 6238 §5.2 took all five.
	for i, err := range srv.keyErrs {
		if err != nil {
			t.Fatalf("key %d refused: %v", i, err)
		}
	}
}

func TestClientLenientAnswers(t *testing.T) {
	_, c := newCanned(t, map[string]string{
		// Numbers as strings, extra fields, no "result" wrapper, a
		// trailing comma, "Close" in capitals, curly quotes.
		MethodGetOrderStatus:    `{"status":"ok","userid":"1","orderid":"7","wallet":“Bdr6RFA2GXhjFAPDmV3WHP7za5BHPYMKjT”,"amount":"12.50","paid":"13.0","orderstatus":"Close","timestamp":"1493200005","fee":{"x":1},}`,
		MethodGetAccountBalance: `{"result":{"status":"ok","userid":1.0,"balance":1e-8,"timestamp":1493198052,"currency":"BRC"}}`,
	})
	ctx := context.Background()
	s, err := c.GetOrderStatus(ctx, 7)
	if err != nil || s.OrderID != 7 || s.Paid != MustCoins("13") || s.Amount != MustCoins("12.5") || s.Status != StatusClose || s.Wallet != "Bdr6RFA2GXhjFAPDmV3WHP7za5BHPYMKjT" {
		t.Fatalf("%+v %v", s, err)
	}
	b, err := c.GetAccountBalance(ctx)
	if err != nil || b.Balance != 1 {
		t.Fatalf("%+v %v", b, err)
	}
}

func TestClientErrors(t *testing.T) {
	srv, c := newCanned(t, map[string]string{
		MethodGetAccountBalance: docError,
		MethodCreateOrder:       `<html>502 Bad Gateway</html>`,
		MethodGetOrderStatus:    `{"result":{"status":"ok","userid":1}}`, // no paid, no status
		MethodTransferToAddress: `{"result":{"status":"error","data":{"code":7,"text":"Insufficient funds"}}}`,
	})
	ctx := context.Background()
	_, err := c.GetAccountBalance(ctx)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Data != "Authorization filed!" || !ae.IsAuth() || ae.Timestamp != 1493195969 || !IsDefinite(err) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("envelope: %#v", err)
	}
	srv.mu.Lock()
	srv.status = 502
	srv.mu.Unlock()
	_, err = c.CreateOrder(ctx, MustCoins("1"))
	var ce *CallError
	if !errors.As(err, &ce) || ce.HTTPStatus != 502 || !errors.Is(err, ErrOutcomeUnknown) || IsDefinite(err) {
		t.Fatalf("gateway: %#v", err)
	}
	srv.mu.Lock()
	srv.status = 200
	srv.mu.Unlock()
	if _, err = c.GetOrderStatus(ctx, 1); !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "no paid") {
		t.Fatalf("incomplete answer: %v", err)
	}
	_, err = c.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("1"))
	if !errors.As(err, &ae) || !strings.Contains(ae.Data, "Insufficient") || !IsDefinite(err) {
		t.Fatalf("object data: %#v", err)
	}
	// Refused before sending: definite.
	for _, call := range []func() error{
		func() error { _, err := c.TransferToAddress(ctx, "not-a-wallet", MustCoins("1")); return err },
		func() error { _, err := c.TransferToAddress(ctx, "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", 0); return err },
		func() error { _, err := c.CreateOrder(ctx, -1); return err },
	} {
		if err := call(); err == nil || !IsDefinite(err) {
			t.Fatalf("local check: %v", err)
		}
	}
	noAcct, _ := NewClient(Config{Endpoint: "http://127.0.0.1:1/"})
	if _, err := noAcct.GetAccountBalance(ctx); !errors.Is(err, ErrNoAccount) || !IsDefinite(err) {
		t.Fatal(err)
	}
	if _, err := NewClient(Config{Endpoint: "ftp://x"}); err == nil {
		t.Fatal("ftp endpoint accepted")
	}
	if _, err := NewClient(Config{Secret: docSecret}); err == nil {
		t.Fatal("secret without userid accepted")
	}
	if _, err := NewClient(Config{UserID: 1, Secret: "x"}); !errors.Is(err, ErrSecret) {
		t.Fatal(err)
	}
}

func TestClientResponseCap(t *testing.T) {
	big := `{"result":{"status":"ok","userid":1,"balance":1.0,"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }))
	defer srv.Close()
	c, _ := NewClient(Config{Endpoint: srv.URL, UserID: 1, Secret: docSecret, Period: 10 * time.Millisecond})
	_, err := c.GetAccountBalance(context.Background())
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "larger than") {
		t.Fatal(err)
	}
	c2, _ := NewClient(Config{Endpoint: srv.URL, UserID: 1, Secret: docSecret, Period: 10 * time.Millisecond, MaxResponseBytes: 2 << 20})
	if b, err := c2.GetAccountBalance(context.Background()); err != nil || b.Balance != MustCoins("1") {
		t.Fatal(b, err)
	}
}

func TestClientTimeoutAndDial(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(stall)
	c, _ := NewClient(Config{Endpoint: srv.URL, UserID: 1, Secret: docSecret, Period: 10 * time.Millisecond, Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := c.TransferToAddress(context.Background(), "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("1"))
	if !errors.Is(err, ErrOutcomeUnknown) || IsDefinite(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("stalled transfer: %v after %v", err, time.Since(start))
	}
	// The caller's deadline works as well.
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	c2, _ := NewClient(Config{Endpoint: srv.URL, UserID: 1, Secret: docSecret, Period: 10 * time.Millisecond})
	if _, err := c2.GetAccountBalance(ctx); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatal(err)
	}

	// Nobody listening: the request was never sent, a definite failure.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c3, _ := NewClient(Config{Endpoint: "http://" + addr + "/api/", UserID: 1, Secret: docSecret, Period: 10 * time.Millisecond})
	_, err = c3.TransferToAddress(context.Background(), "BN9VuoMSk3LfVdars9PUntmv8r5ckHKnUZ", MustCoins("1"))
	if err == nil || !IsDefinite(err) {
		t.Fatalf("dial error: %v", err)
	}
}

func TestFixJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"wallet": «Bdr6"}`:      `{"wallet": "Bdr6"}`,
		`{"wallet": «Bdr6»}`:      `{"wallet": "Bdr6"}`,
		`{"a": "x«y»z"}`:          `{"a": "x«y»z"}`,
		`{"a": 1, }`:              `{"a": 1 }`,
		`[1,2,]`:                  `[1,2]`,
		`{"a": "1,}"}`:            `{"a": "1,}"}`,
		`{"a": "q\"«", "b": «c"}`: `{"a": "q\"«", "b": "c"}`,
		`{“a”: “b”}`:              `{"a": "b"}`,
	} {
		if got := string(fixJSON([]byte(in))); got != want {
			t.Errorf("fixJSON(%s) = %s, want %s", in, got, want)
		}
	}
}

func FuzzFixJSON(f *testing.F) {
	for _, s := range []string{docCreateOrder, docError, `{"a":"«»"}`, `[1,]`, `{"a":"\"«"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := fixJSON(b)
		if json.Valid(b) && !bytes.Equal(out, b) {
			t.Fatalf("valid JSON changed: %q → %q", b, out)
		}
		_, _ = decodeEnvelope("x", 200, b)
	})
}
