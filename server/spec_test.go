package server_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// These tests send the spec documents' own example requests to the real
// server over loopback and compare the answers with the documents' example
// responses: the same fields, casing and types.

var (
	hex32   = regexp.MustCompile(`^[0-9A-F]{32}$`)
	number  = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}$`)
	code4   = regexp.MustCompile(`^[0-9]{4}$`)
	rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

// keys returns the JSON object's keys.
func keys(t *testing.T, body []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a JSON object: %s", body)
	}
	return m
}

func requireKeys(t *testing.T, body []byte, want ...string) map[string]json.RawMessage {
	t.Helper()
	m := keys(t, body)
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("answer lacks %q: %s", k, body)
		}
	}
	return m
}

func TestSpecPing(t *testing.T) {
	env := servertest.Start(t)
	for _, base := range []string{env.Root, env.URL} {
		resp, err := http.Get(base + "/ping")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 200 || m["message"] != "pong" || len(m) != 1 {
			t.Fatalf("%s/ping = %d %v, want 200 {\"message\":\"pong\"}", base, resp.StatusCode, m)
		}
	}
}

func TestSpecWebsessionLifecycle(t *testing.T) {
	env := servertest.Start(t)
	c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}

	// Create new websession: sessionId, userId "", expires, userSessionId "", Status false.
	r := servertest.Send(t, c.Build(t, "GET", "/websession", nil, true, nil))
	if r.Status != 200 {
		t.Fatalf("GET /websession = %d %s", r.Status, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	m := requireKeys(t, r.Body, "sessionId", "userId", "expires", "userSessionId", "Status")
	var ws api.Websession
	r.JSON(t, &ws)
	if !hex32.MatchString(ws.SessionID) || ws.UserID != "" || ws.UserSessionID != "" || ws.Status {
		t.Fatalf("new websession = %+v", ws)
	}
	if string(m["Status"]) != "false" {
		t.Fatalf("Status must be the boolean false, got %s", m["Status"])
	}
	exp, err := api.ParseTime(ws.Expires)
	if err != nil || exp.Sub(env.Clock.Now()) > 121*time.Second || exp.Sub(env.Clock.Now()) < 100*time.Second {
		t.Fatalf("expires = %q, want about 120 s ahead", ws.Expires)
	}

	// Check websession status: still pending.
	r = c.Do(t, "GET", "/websession/"+ws.SessionID, nil)
	var got api.Websession
	r.JSON(t, &got)
	if r.Status != 200 || got.Status || got.State != api.StatePending {
		t.Fatalf("pending status = %d %+v", r.Status, got)
	}

	// The phone approves; now the documents' approved example.
	alice := servertest.Demo(t, "alice")
	env.Approve(t, alice, ws.SessionID, api.Fingerprint(c.Key.Public().(ed25519.PublicKey)))
	r = c.Do(t, "GET", "/websession/"+ws.SessionID, nil)
	requireKeys(t, r.Body, "sessionId", "userId", "expires", "userSessionId", "Status")
	r.JSON(t, &got)
	if r.Status != 200 || !got.Status || got.SessionID != ws.SessionID ||
		got.UserID != api.UserID(alice.Public().(ed25519.PublicKey)) || len(got.UserID) != 43 ||
		!hex32.MatchString(got.UserSessionID) {
		t.Fatalf("approved status = %d %+v", r.Status, got)
	}

	// Private calls work with Authorization {"sessionID": ...}.
	c.SessionID = ws.SessionID
	if r := c.Do(t, "GET", "/balance", nil); r.Status != 200 {
		t.Fatalf("balance after login = %d %s", r.Status, r.Body)
	}

	// Delete websession status: body repeats the id, as the document
	// writes it (typographic quotes); answer {}.
	r = c.Do(t, "DELETE", "/websession/"+ws.SessionID, []byte(`{ "sessionId": “`+ws.SessionID+`” }`))
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != "{}" {
		t.Fatalf("DELETE = %d %s, want 200 {}", r.Status, r.Body)
	}
	// A deleted websession never authorizes anything again.
	r = c.Do(t, "GET", "/balance", nil)
	if r.Status != 401 || r.Message() != "not authorized" {
		t.Fatalf("balance after logout = %d %s, want 401 not authorized", r.Status, r.Body)
	}
	if r := c.Do(t, "GET", "/websession/"+ws.SessionID, nil); r.Status != 404 {
		t.Fatalf("status of deleted websession = %d, want 404", r.Status)
	}
}

func TestSpecChecks(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))

	// Balance: {"balance": 15000000, "currency": "RUB"} for a seeded demo user.
	r := alice.Do(t, "GET", "/balance", nil)
	requireKeys(t, r.Body, "balance", "currency")
	var bal api.Balance
	r.JSON(t, &bal)
	if r.Status != 200 || bal.Balance != 15000000 || bal.Currency != "RUB" {
		t.Fatalf("balance = %d %s", r.Status, r.Body)
	}

	// New Fastcheck, the document's request: {"amount": 158000, "currency": "RUB"}.
	r = alice.Do(t, "POST", "/fastcheck", []byte(`{ "amount": 158000, "currency": "RUB" }`))
	m := requireKeys(t, r.Body, "fastcheck", "expiration", "code", "Status")
	var created api.CreateCheckResponse
	r.JSON(t, &created)
	if r.Status != 200 || !number.MatchString(created.Fastcheck) || !code4.MatchString(created.Code) ||
		!rfc3339.MatchString(created.Expiration) || !created.Status || string(m["code"])[0] != '"' {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	exp, _ := api.ParseTime(created.Expiration)
	if d := exp.Sub(env.Clock.Now()); d < 7*24*time.Hour-time.Minute || d > 7*24*time.Hour+time.Minute {
		t.Fatalf("a check lives 7 days; expiration is %s away", d)
	}

	// Check Fastcheck status: public, by query parameter or by the document's body.
	for _, req := range []*http.Request{
		mustReq(t, "GET", env.URL+"/fastcheck?fastcheck="+created.Fastcheck, ""),
		mustReq(t, "GET", env.URL+"/fastcheck", `{ "fastcheck": "`+created.Fastcheck+`" }`),
		// The document's body byte for byte: typographic quotes, a trailing comma.
		mustReq(t, "GET", env.URL+"/fastcheck", `{ "fastcheck": “`+created.Fastcheck+`”, }`),
	} {
		r = servertest.Send(t, req)
		requireKeys(t, r.Body, "fastcheck", "expiration", "Status")
		var st api.CheckStatus
		r.JSON(t, &st)
		if r.Status != 200 || st.Fastcheck != created.Fastcheck || st.Expiration != created.Expiration || !st.Status || st.Amount != 158000 {
			t.Fatalf("status = %d %s", r.Status, r.Body)
		}
	}

	// Active: the document's fields, code included for the creator.
	r = alice.Do(t, "GET", "/fastcheck/active", nil)
	var active api.ActiveChecks
	r.JSON(t, &active)
	if r.Status != 200 || len(active.Checks) != 1 {
		t.Fatalf("active = %d %s", r.Status, r.Body)
	}
	a := active.Checks[0]
	if a.Fastcheck != created.Fastcheck || a.Amount != 158000 || a.Currency != "RUB" || a.Code != created.Code ||
		!rfc3339.MatchString(a.CreatedAt) || a.Expiration != created.Expiration || a.Status != "active" {
		t.Fatalf("active row = %+v", a)
	}

	// Accept Fastcheck: a wrong code answers the document's 404 "not authorized".
	wrong := "0000"
	if created.Code == wrong {
		wrong = "1111"
	}
	r = bob.Do(t, "POST", "/fastcheck", []byte(`{ "fastcheck": "`+created.Fastcheck+`", "code": "`+wrong+`" }`))
	if r.Status != 404 || r.Message() != "not authorized" {
		t.Fatalf("wrong code = %d %s, want 404 not authorized", r.Status, r.Body)
	}
	// The right code: 200 {"message": "ok"}.
	r = bob.Do(t, "POST", "/fastcheck", []byte(`{ "fastcheck": "`+created.Fastcheck+`", "code": "`+created.Code+`" }`))
	if r.Status != 200 || r.Message() != "ok" {
		t.Fatalf("accept = %d %s", r.Status, r.Body)
	}
	// Accepting twice does not pay twice.
	r = bob.Do(t, "POST", "/fastcheck", []byte(`{ "fastcheck": "`+created.Fastcheck+`", "code": "`+created.Code+`" }`))
	if r.Status != 410 {
		t.Fatalf("second accept = %d %s, want 410", r.Status, r.Body)
	}
	balanceIs(t, alice, 15000000-158000)
	balanceIs(t, bob, 15000000+158000)

	// History: the creator sees "created" with createdAt and usedAt; the
	// acceptor sees "accepted" with acceptedAt.
	var hist api.HistoryChecks
	r = alice.Do(t, "GET", "/fastcheck/history", nil)
	r.JSON(t, &hist)
	if len(hist.Checks) != 1 || hist.Checks[0].Type != "created" || hist.Checks[0].Status != "used" ||
		!rfc3339.MatchString(hist.Checks[0].CreatedAt) || !rfc3339.MatchString(hist.Checks[0].UsedAt) || hist.Checks[0].Amount != 158000 {
		t.Fatalf("alice history = %s", r.Body)
	}
	r = bob.Do(t, "GET", "/fastcheck/history", nil)
	r.JSON(t, &hist)
	if len(hist.Checks) != 1 || hist.Checks[0].Type != "accepted" || hist.Checks[0].Status != "used" ||
		!rfc3339.MatchString(hist.Checks[0].AcceptedAt) {
		t.Fatalf("bob history = %s", r.Body)
	}
	// Active is now empty, as a list, not null.
	r = alice.Do(t, "GET", "/fastcheck/active", nil)
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"checks":[]}` {
		t.Fatalf("active after use = %s", r.Body)
	}
	// Status of the used check: exists, but Status false.
	r = servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck?fastcheck="+created.Fastcheck, ""))
	var st api.CheckStatus
	r.JSON(t, &st)
	if r.Status != 200 || st.Status || st.State != "used" {
		t.Fatalf("status of used check = %s", r.Body)
	}
	// Private endpoints without a session: the documents' 401.
	for _, path := range []string{"/balance", "/fastcheck/active", "/fastcheck/history"} {
		resp := servertest.Send(t, mustReq(t, "GET", env.URL+path, ""))
		if resp.Status != 401 || !strings.HasPrefix(resp.Message(), "not authorized") {
			t.Fatalf("%s without auth = %d %s", path, resp.Status, resp.Body)
		}
	}
}

func balanceIs(t *testing.T, c *servertest.Caller, want int64) {
	t.Helper()
	var b api.Balance
	r := c.Do(t, "GET", "/balance", nil)
	r.JSON(t, &b)
	if b.Balance != want {
		t.Fatalf("balance = %d, want %d", b.Balance, want)
	}
}

func mustReq(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}
