package server_test

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// Every case gets a 4xx with a message that says what is wrong, never a
// 5xx, and never an echo of raw control characters.
func TestBadInput(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	huge := `{"amount":` + strings.Repeat("1", 70<<10) + `,"currency":"RUB"}`
	hostile := "\x1b[31mRED\x1b[0m\u202e<script>alert(1)</script>"
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		msg    string // a substring of the message
	}{
		{"malformed JSON", "POST", "/fastcheck", `{"amount":`, 400, "not valid JSON"},
		{"array body", "POST", "/fastcheck", `[1,2]`, 400, "JSON object"},
		{"trailing data", "POST", "/fastcheck", `{"amount":1,"currency":"RUB"} {}`, 400, "after the JSON"},
		{"duplicate key", "POST", "/fastcheck", `{"amount":1,"amount":2,"currency":"RUB"}`, 400, "more than once"},
		{"invalid UTF-8", "POST", "/fastcheck", "{\"amount\":1,\"currency\":\"\xff\"}", 400, "UTF-8"},
		{"amount as string", "POST", "/fastcheck", `{"amount":"158000","currency":"RUB"}`, 400, "not a string"},
		{"fractional amount", "POST", "/fastcheck", `{"amount":1580.5,"currency":"RUB"}`, 400, "whole number"},
		{"exponent amount", "POST", "/fastcheck", `{"amount":1.58e5,"currency":"RUB"}`, 400, "whole number"},
		{"negative amount", "POST", "/fastcheck", `{"amount":-5,"currency":"RUB"}`, 400, "positive"},
		{"zero amount", "POST", "/fastcheck", `{"amount":0,"currency":"RUB"}`, 400, "positive"},
		{"overflowing amount", "POST", "/fastcheck", `{"amount":9223372036854775808,"currency":"RUB"}`, 400, "out of range"},
		{"too large amount", "POST", "/fastcheck", `{"amount":9000000000000000000,"currency":"RUB"}`, 400, "at most"},
		{"null amount", "POST", "/fastcheck", `{"amount":null,"currency":"RUB"}`, 400, "null"},
		{"lower-case currency", "POST", "/fastcheck", `{"amount":100,"currency":"rub"}`, 400, "upper-case"},
		{"unknown currency", "POST", "/fastcheck", `{"amount":100,"currency":"XXX"}`, 400, "unknown currency"},
		{"other currency than the account", "POST", "/fastcheck", `{"amount":100,"currency":"USD"}`, 400, "currency"},
		{"currency as number", "POST", "/fastcheck", `{"amount":100,"currency":643}`, 400, "must be a string"},
		{"missing currency", "POST", "/fastcheck", `{"amount":100}`, 400, "required"},
		{"unknown field", "POST", "/fastcheck", `{"amount":100,"currency":"RUB","memo":"x"}`, 400, "unknown field"},
		{"both create and accept", "POST", "/fastcheck", `{"amount":100,"currency":"RUB","fastcheck":"1234-5678-0001","code":"0000"}`, 400, "not both"},
		{"neither", "POST", "/fastcheck", `{}`, 400, "must create"},
		{"bad check number", "POST", "/fastcheck", `{"fastcheck":"1234567800011","code":"0000"}`, 400, "not a check number"},
		{"code as number", "POST", "/fastcheck", `{"fastcheck":"1234-5678-0001","code":42}`, 400, "must be a string"},
		{"short code", "POST", "/fastcheck", `{"fastcheck":"1234-5678-0001","code":"042"}`, 400, "4 digits"},
		{"hostile field name", "POST", "/fastcheck", `{"amount":1,"currency":"RUB","` + "\\u001b[31m" + `":1}`, 400, "unknown field"},
		{"hostile currency", "POST", "/fastcheck", `{"amount":1,"currency":"` + strings.ReplaceAll(hostile, "\x1b", "\\u001b") + `"}`, 400, "unknown currency"},
		{"oversized body", "POST", "/fastcheck", huge, 413, "larger than"},
		{"body on balance", "GET", "/balance", `{"x":1}`, 400, "no parameters"},
		{"cancel a bad number", "DELETE", "/fastcheck/12345", ``, 400, "not a check number"},
		{"cancel unknown check", "DELETE", "/fastcheck/0000-0000-0000", ``, 404, "no such check"},
		{"websession id not hex", "GET", "/websession/not-an-id", ``, 404, "no such websession"},
		{"websession delete with other id", "DELETE", "/websession/" + alice.SessionID, `{"sessionId":"00000000000000000000000000000000"}`, 400, "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			r := alice.Do(t, tc.method, tc.path, body)
			checkError(t, r, tc.status, tc.msg)
		})
	}
	// Nothing above moved money.
	balanceIs(t, alice, 15000000)
	servertest.RequireAudit(t, env)

	// Public check status: bad numbers.
	for _, q := range []string{"", "?fastcheck=abc", "?fastcheck=1234-5678-0001&fastcheck=1234-5678-0002", "?fastcheck=%1b%5b31m"} {
		r := servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck"+q, ""))
		checkError(t, r, 400, "")
	}
	r := servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck?fastcheck=1234-5678-0001", `{"fastcheck":"1234-5678-0002"}`))
	checkError(t, r, 400, "disagree")

	// Oversized headers: 413 from the handler; far larger ones are cut off
	// by the HTTP server itself (431).
	req := mustReq(t, "GET", env.URL+"/ping", "")
	req.Header.Set("X-Padding", strings.Repeat("a", 20<<10))
	checkError(t, servertest.Send(t, req), 413, "headers are larger")
	req = alice.Build(t, "GET", "/balance", nil, false, map[string]string{"X-Padding": strings.Repeat("a", 20<<10)})
	checkError(t, servertest.Send(t, req), 413, "headers are larger")
}

func checkError(t *testing.T, r *servertest.Response, status int, msg string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	m := r.Message()
	if m == "" || !strings.Contains(m, msg) {
		t.Fatalf("message %q, want it to contain %q", m, msg)
	}
	for _, c := range m {
		if unicode.IsControl(c) || c == '\u202e' {
			t.Fatalf("message carries a raw control character: %q", m)
		}
	}
	if bytes.Contains(r.Body, []byte("<script>")) {
		t.Fatalf("body echoes markup unescaped: %s", r.Body)
	}
}

// TestAuthRejections covers missing, garbage, tampered and replayed
// authentication on a private endpoint.
func TestAuthRejections(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	body := []byte(`{"amount":100,"currency":"RUB"}`)
	fresh := func() *http.Request { return alice.Build(t, "POST", "/fastcheck", body, false, nil) }

	cases := []struct {
		name   string
		mutate func(*http.Request) *http.Request
		msg    string
	}{
		{"no signature", func(r *http.Request) *http.Request {
			r.Header.Del("Signature")
			r.Header.Del("Signature-Input")
			return r
		}, "not signed"},
		{"no Authorization", func(r *http.Request) *http.Request { r.Header.Del("Authorization"); return r }, "cover exactly"},
		{"garbage Authorization", func(r *http.Request) *http.Request {
			r.Header.Set("Authorization", "Bearer abc")
			return r
		}, "Authorization"},
		{"Authorization for another session", func(r *http.Request) *http.Request {
			r.Header.Set("Authorization", `{"sessionID": "`+api.NewID()+`"}`)
			return r
		}, "not authorized"},
		{"oversized Authorization", func(r *http.Request) *http.Request {
			r.Header.Set("Authorization", `{"sessionID": "`+strings.Repeat("A", 5000)+`"}`)
			return r
		}, "Authorization"},
		{"tampered body", func(r *http.Request) *http.Request {
			return withBody(r, []byte(`{"amount":999,"currency":"RUB"}`))
		}, "Content-Digest"},
		{"tampered body and digest", func(r *http.Request) *http.Request {
			b := []byte(`{"amount":999,"currency":"RUB"}`)
			r = withBody(r, b)
			r.Header.Set("Content-Digest", api.ContentDigest(b))
			return r
		}, "does not verify"},
		{"tampered signature", func(r *http.Request) *http.Request {
			s := r.Header.Get("Signature")
			r.Header.Set("Signature", s[:10]+flip(s[10])+s[11:])
			return r
		}, ""},
		{"garbage signature", func(r *http.Request) *http.Request {
			r.Header.Set("Signature", "sig1=:AAAA:")
			return r
		}, "Signature"},
		{"unsigned Idempotency-Key added", func(r *http.Request) *http.Request {
			r.Header.Set("Idempotency-Key", "k1")
			return r
		}, "cover exactly"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := servertest.Send(t, tc.mutate(fresh()))
			if r.Status != 401 || !strings.HasPrefix(r.Message(), "not authorized") || !strings.Contains(r.Message(), tc.msg) {
				t.Fatalf("= %d %s, want 401 mentioning %q", r.Status, r.Body, tc.msg)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		req := fresh()
		first := servertest.Send(t, req.Clone(req.Context()))
		if first.Status != 200 {
			t.Fatalf("first = %d %s", first.Status, first.Body)
		}
		again := withBody(req.Clone(req.Context()), body)
		r := servertest.Send(t, again)
		if r.Status != 401 || !strings.Contains(r.Message(), "replayed") {
			t.Fatalf("replay = %d %s, want 401 replayed", r.Status, r.Body)
		}
	})

	t.Run("clock skew answers with Date", func(t *testing.T) {
		stale := &servertest.Caller{Env: env, Key: alice.Key, SessionID: alice.SessionID}
		req := stale.Build(t, "GET", "/balance", nil, false, nil)
		// Re-sign as if the client's clock were 10 minutes behind.
		api.Sign(req, nil, alice.Key, env.Clock.Now().Add(-10*time.Minute))
		r := servertest.Send(t, req)
		if r.Status != 401 || r.Header.Get("Date") == "" || !strings.Contains(r.Message(), "server time") {
			t.Fatalf("skewed = %d %s (Date %q)", r.Status, r.Body, r.Header.Get("Date"))
		}
	})

	t.Run("websession create needs proof of the key", func(t *testing.T) {
		c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
		req := c.Build(t, "GET", "/websession", nil, true, nil)
		other := servertest.NewKey(t)
		req.Header.Set(api.HeaderPublicKey, api.UserID(other.Public().(ed25519.PublicKey)))
		if r := servertest.Send(t, req); r.Status != 401 {
			t.Fatalf("key header swapped = %d %s", r.Status, r.Body)
		}
		if r := servertest.Send(t, c.Build(t, "GET", "/websession", nil, false, nil)); r.Status != 401 {
			t.Fatalf("no key header = %d %s", r.Status, r.Body)
		}
	})
	balanceIs(t, alice, 15000000-100)
}

func withBody(r *http.Request, b []byte) *http.Request {
	r.Body = http.NoBody
	if len(b) > 0 {
		r.Body = ioNopCloser(b)
	}
	r.ContentLength = int64(len(b))
	r.GetBody = nil
	return r
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }
