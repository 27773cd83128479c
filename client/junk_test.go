package client_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/server/servertest"
)

// junkServer is a tiny httptest server that answers every request with
// the given status, headers and body. It is NOT our server: it stands for
// a misbehaving one (a captive portal, a broken proxy, a hostile host), so
// that we can see the client fail cleanly instead of panicking.
func junkServer(t *testing.T, status int, body string, hdr ...string) (base string, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/api", hits
}

func loggedIn(t *testing.T, base string, mod ...func(*client.Options)) *client.Client {
	c := newClient(t, base, servertest.NewKey(t), mod...)
	c.SetSession(api.NewID())
	return c
}

func TestOversizedAnswer(t *testing.T) {
	t.Parallel()
	big := `{"balance": 1, "currency": "RUB", "pad": "` + strings.Repeat("x", 2<<20) + `"}`
	base, _ := junkServer(t, 200, big)
	_, err := loggedIn(t, base).Balance(ctxT(t))
	if e := wantKind(t, err, client.ErrBadResponse); !strings.Contains(e.Message, "larger than 1048576 bytes") {
		t.Fatalf("oversized = %v", e)
	}
	// The cap is configurable; an answer under it is fine.
	base, _ = junkServer(t, 200, `{"balance": 5, "currency": "RUB"}`)
	b, err := loggedIn(t, base, func(o *client.Options) { o.MaxResponseBytes = 40 }).Balance(ctxT(t))
	if err != nil || b.Balance != 5 {
		t.Fatalf("small answer = %+v, %v", b, err)
	}
	_, err = loggedIn(t, base, func(o *client.Options) { o.MaxResponseBytes = 10 }).Balance(ctxT(t))
	wantKind(t, err, client.ErrBadResponse)
	// An oversized error body still gives the status's kind.
	base, _ = junkServer(t, 423, strings.Repeat("z", 2<<20))
	_, err = loggedIn(t, base).AcceptCheck(ctxT(t), "1234-5678-0001", "1234")
	if e := wantKind(t, err, client.ErrLocked); len(e.Message) > 310 {
		t.Fatalf("message of %d bytes", len(e.Message))
	}
}

func TestGarbageAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		want       string
	}{
		{"html", "<html><body>Welcome to the hotel wifi</body></html>", "not a JSON object"},
		{"empty", "", "empty"},
		{"array", `[{"balance": 1}]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"truncated", `{"balance": 1, "curr`, "not valid JSON"},
		{"string balance", `{"balance": "lots", "currency": "RUB"}`, `field "balance" has the wrong type`},
		{"fractional balance", `{"balance": 1.5, "currency": "RUB"}`, `field "balance" has the wrong type`},
		{"huge balance", `{"balance": 1e400, "currency": "RUB"}`, "balance"},
		{"invalid utf8 junk", "\xff\xfe\x00\x01", "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, hits := junkServer(t, 200, tc.body)
			_, err := loggedIn(t, base).Balance(ctxT(t))
			e := wantKind(t, err, client.ErrBadResponse)
			if !strings.Contains(e.Message, tc.want) || e.Status != 200 || !utf8.ValidString(e.Message) {
				t.Fatalf("message %q, want it to mention %q", e.Message, tc.want)
			}
			if hits.Load() != 1 {
				t.Fatalf("a malformed 200 was sent %d times; it is not transient", hits.Load())
			}
		})
	}
}

func TestSpecSlipsAreTolerated(t *testing.T) {
	t.Parallel()
	// The document's own example: "expires": "sessionId", curly quotes
	// aside, plus fields we do not know.
	base, _ := junkServer(t, 200, `{"sessionId": "1AF3781BF6B94604B771AEA1D44FA63A", "userId": "", "expires": "sessionId",
		"userSessionId": "", "Status": false, "somethingNew": {"x": [1, 2]}, "server": "v9"}`)
	ws, err := newClient(t, base, servertest.NewKey(t)).CreateWebsession(ctxT(t))
	if err != nil || ws.SessionID != "1AF3781BF6B94604B771AEA1D44FA63A" || ws.Expires != "sessionId" || ws.Status {
		t.Fatalf("websession = %+v, %v", ws, err)
	}
	// The documents end objects with a trailing comma.
	base, _ = junkServer(t, 200, `{ "message": "pong", }`)
	if err := newClient(t, base, nil).Ping(ctxT(t)); err != nil {
		t.Fatalf("ping with a trailing comma: %v", err)
	}
	base, _ = junkServer(t, 200, `{"checks": [{"fastcheck": "a, }", "note": "b\\\", ]", "amount": 15000,},],}`)
	active, err := loggedIn(t, base).ActiveChecks(ctxT(t))
	if err != nil || len(active) != 1 || active[0].Amount != 15000 || active[0].Fastcheck != "a, }" {
		t.Fatalf("active with trailing commas = %+v, %v", active, err)
	}
	// The check status answer byte for byte as the document writes it: a
	// time without quotes, a space before the comma.
	base, _ = junkServer(t, 200, `{ "fastcheck": "1234-5678-0001", "expiration": 2021-07-07T09:08:18Z , "Status": true }`)
	st, err := newClient(t, base, nil).CheckStatus(ctxT(t), "1234-5678-0001")
	if err != nil || st.Fastcheck != "1234-5678-0001" || st.Expiration != "2021-07-07T09:08:18Z" || !st.Status {
		t.Fatalf("the document's check status = %+v, %v", st, err)
	}
	// The delete answer is "{ }"; whatever a 2xx carries, the delete is done.
	for _, body := range []string{"{ }", "", "OK"} {
		base, _ := junkServer(t, 200, body)
		if err := newClient(t, base, servertest.NewKey(t)).DeleteWebsession(ctxT(t), api.NewID()); err != nil {
			t.Fatalf("delete answered %q: %v", body, err)
		}
	}
}

func TestErrorMessagesAreSanitized(t *testing.T) {
	t.Parallel()
	evil := `{"message": "\u001b[2J\u001b]0;pwned\u0007not \u001b[31mauthorized\u001b[0m\r\n\u202eevil\u0000` + strings.Repeat("é", 400) + `"}`
	base, _ := junkServer(t, 401, evil)
	_, err := loggedIn(t, base).Balance(ctxT(t))
	e := wantKind(t, err, client.ErrNotLoggedIn)
	if !strings.HasPrefix(e.Message, "not authorized evil") {
		t.Fatalf("message = %q", e.Message)
	}
	for _, r := range e.Message {
		if r < 0x20 || r == 0x7f || r == 0x202e || r == 0x1b {
			t.Fatalf("message keeps control character %U: %q", r, e.Message)
		}
	}
	if len(e.Message) > 310 || !strings.HasSuffix(e.Message, "…") || !utf8.ValidString(e.Message) {
		t.Fatalf("message not truncated cleanly (%d bytes): %q", len(e.Message), e.Message)
	}
	if strings.ContainsAny(err.Error(), "\x1b\r\n") {
		t.Fatalf("Error() carries control characters: %q", err.Error())
	}

	// A non-JSON error body: the status's kind, and a short, clean snippet.
	base, _ = junkServer(t, 404, "<html>\x1b[5mNot here</html>")
	_, err = newClient(t, base, nil).CheckStatus(ctxT(t), "1234-5678-0001")
	if e := wantKind(t, err, client.ErrNotFound); e.Message != "Not Found: <html>Not here</html>" {
		t.Fatalf("message = %q", e.Message)
	}
	// A message of the wrong type is ignored.
	base, _ = junkServer(t, 402, `{"message": {"nested": true}}`)
	_, err = loggedIn(t, base).CreateCheck(ctxT(t), 1, "RUB")
	if e := wantKind(t, err, client.ErrInsufficientFunds); e.Message != "Payment Required" {
		t.Fatalf("message = %q", e.Message)
	}
}

func TestStatusKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		accept bool
		kind   client.Kind
	}{
		{400, false, client.ErrBadRequest},
		{413, false, client.ErrBadRequest},
		{401, false, client.ErrNotLoggedIn},
		{402, false, client.ErrInsufficientFunds},
		{403, false, client.ErrForbidden},
		{404, false, client.ErrNotFound},
		{404, true, client.ErrNotFoundOrWrongCode},
		{405, false, client.ErrUnexpected},
		{409, false, client.ErrConflict},
		{410, true, client.ErrGone},
		{423, true, client.ErrLocked},
		{418, false, client.ErrUnexpected},
		{302, false, client.ErrUnexpected}, // redirects are not followed
	}
	for _, tc := range cases {
		base, hits := junkServer(t, tc.status, `{"message": "m"}`, "Location", "https://elsewhere.example/")
		c := loggedIn(t, base)
		var err error
		if tc.accept {
			_, err = c.AcceptCheck(ctxT(t), "1234-5678-0001", "0000")
		} else {
			_, err = c.Balance(ctxT(t))
		}
		e := wantKind(t, err, tc.kind)
		if e.Status != tc.status || e.Message != "m" || hits.Load() != 1 {
			t.Fatalf("%d: %+v after %d requests", tc.status, e, hits.Load())
		}
		var other client.Kind = client.ErrUnexpected
		if tc.kind == other {
			other = client.ErrBadRequest
		}
		if errors.Is(err, other) {
			t.Fatalf("%d also reads as %q", tc.status, other)
		}
	}
}

func TestPingWantsPong(t *testing.T) {
	t.Parallel()
	base, _ := junkServer(t, 200, `{"message": "hello"}`)
	err := newClient(t, base, nil).Ping(ctxT(t))
	wantKind(t, err, client.ErrBadResponse)
}

func TestRateLimitedAfterRetries(t *testing.T) {
	t.Parallel()
	base, hits := junkServer(t, 429, `{"message": "slow down"}`, "Retry-After", "0")
	_, err := loggedIn(t, base, func(o *client.Options) { o.Retries = 2 }).Balance(ctxT(t))
	if e := wantKind(t, err, client.ErrRateLimited); e.Message != "slow down" || hits.Load() != 3 {
		t.Fatalf("429s = %+v after %d requests", e, hits.Load())
	}
	// No retries at all.
	base, hits = junkServer(t, 503, ``)
	_, err = loggedIn(t, base, func(o *client.Options) { o.Retries = -1 }).Balance(ctxT(t))
	if e := wantKind(t, err, client.ErrUnavailable); e.Message != "Service Unavailable" || hits.Load() != 1 {
		t.Fatalf("503 = %+v after %d requests", e, hits.Load())
	}
}
