package server_test

import (
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// TestBadInputPerEndpoint sends one table of bad input to every endpoint of
// the two documents (and cancel): malformed JSON, wrong types, an oversized
// body, hostile strings, no signature, a tampered signature, a tampered
// body, another key, a missing or garbage Authorization, and a replay. Each
// gets its 4xx with a message that says what is wrong and echoes nothing raw;
// nothing is ever a 5xx or a success, and the ledger stays sound.
func TestBadInputPerEndpoint(t *testing.T) {
	env := servertest.Start(t)
	huge := `{"x":"` + strings.Repeat("x", 70<<10) + `"}`
	hostile := `\u001b[31m<script>alert(1)</script>\u202e\u0000`
	hostileBody := `{"` + hostile + `":"` + hostile + `"}`

	type endpoint struct {
		method string
		// path is the endpoint's path for the caller (and a check of its own).
		path func(c *servertest.Caller, number string) string
		// intro: the request introduces its key (GET /websession) and has
		// no session yet.
		intro bool
		// auth: the request must carry Authorization {"sessionID": ...}.
		auth bool
		// checksAuth: a malformed Authorization is refused even though it
		// is optional (DELETE /websession/{id}).
		checksAuth bool
		good       string // a body the endpoint accepts, for the replay
		wrongTypes string // a well-formed body with a field of the wrong type
		wrongMsg   string
	}
	fixed := func(p string) func(*servertest.Caller, string) string {
		return func(*servertest.Caller, string) string { return p }
	}
	endpoints := []endpoint{
		{method: "GET", path: fixed("/websession"), intro: true,
			wrongTypes: `{"sessionId": 5}`, wrongMsg: "takes no parameters"},
		{method: "GET", path: func(c *servertest.Caller, _ string) string { return "/websession/" + c.SessionID },
			wrongTypes: `{"sessionId": 5}`, wrongMsg: "takes no parameters"},
		{method: "DELETE", path: func(c *servertest.Caller, _ string) string { return "/websession/" + c.SessionID },
			checksAuth: true, wrongTypes: `{"sessionId": 5}`, wrongMsg: `"sessionId" must be a string`},
		{method: "POST", path: fixed("/fastcheck"), auth: true, good: `{"amount": 100, "currency": "RUB"}`,
			wrongTypes: `{"amount": "100", "currency": "RUB"}`, wrongMsg: `"amount" must be a number`},
		{method: "GET", path: fixed("/balance"), auth: true,
			wrongTypes: `{"balance": "all"}`, wrongMsg: "takes no parameters"},
		{method: "GET", path: fixed("/fastcheck/active"), auth: true,
			wrongTypes: `{"checks": 1}`, wrongMsg: "takes no parameters"},
		{method: "GET", path: fixed("/fastcheck/history"), auth: true,
			wrongTypes: `{"type": 1}`, wrongMsg: "takes no parameters"},
		{method: "DELETE", path: func(_ *servertest.Caller, n string) string { return "/fastcheck/" + n }, auth: true,
			wrongTypes: `{"fastcheck": 5}`, wrongMsg: "no request body"},
	}

	for _, ep := range endpoints {
		// Each endpoint gets its own login and check, so that what one
		// row does (a logout, a cancel) leaves the others alone.
		c := env.Login(t, servertest.Demo(t, "alice"))
		number := create(t, c, 100).Fastcheck
		if ep.intro {
			c = &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
		}
		path := ep.path(c, number)
		name := ep.method + " " + path
		build := func(t *testing.T, c *servertest.Caller, body string, hdr map[string]string) *http.Request {
			var b []byte
			if body != "" {
				b = []byte(body)
			}
			return c.Build(t, ep.method, path, b, ep.intro, hdr)
		}

		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name, body string
				status     int
				msg        string
			}{
				{"malformed JSON", `{"amount":`, 400, ""},
				{"not an object", `[1, 2]`, 400, ""},
				{"wrong types", ep.wrongTypes, 400, ep.wrongMsg},
				{"hostile strings", hostileBody, 400, ""},
				{"oversized", huge, 413, "larger than"},
			} {
				r := servertest.Send(t, build(t, c, tc.body, nil))
				t.Logf("%s: %d %s", tc.name, r.Status, r.Body)
				checkError(t, r, tc.status, tc.msg)
			}

			unauthorized := func(what string, req *http.Request, msg string) {
				t.Helper()
				r := servertest.Send(t, req)
				if r.Status != 401 || !strings.HasPrefix(r.Message(), "not authorized") || !strings.Contains(r.Message(), msg) {
					t.Fatalf("%s = %d %s, want 401 mentioning %q", what, r.Status, r.Body, msg)
				}
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without WWW-Authenticate", what)
				}
				checkError(t, r, 401, "")
			}
			req := build(t, c, ep.good, nil)
			req.Header.Del("Signature")
			req.Header.Del("Signature-Input")
			unauthorized("no signature", req, "not signed")

			req = build(t, c, ep.good, nil)
			s := req.Header.Get("Signature")
			req.Header.Set("Signature", s[:12]+flip(s[12])+s[13:])
			unauthorized("tampered signature", req, "")

			req = withBody(build(t, c, ep.good, nil), []byte(`{"amount": 999999, "currency": "RUB"}`))
			unauthorized("tampered body", req, "Content-Digest")

			other := *c
			other.Key = servertest.NewKey(t)
			req = build(t, &other, ep.good, nil)
			if ep.intro { // signed by one key, naming another
				req.Header.Set(api.HeaderPublicKey, api.UserID(servertest.NewKey(t).Public().(ed25519.PublicKey)))
				api.Sign(req, []byte(ep.good), other.Key, env.Clock.Now())
			}
			unauthorized("another key", req, "")

			if ep.auth {
				anon := *c
				anon.SessionID = ""
				unauthorized("no Authorization", build(t, &anon, ep.good, nil), "Authorization")
			}
			if ep.auth || ep.checksAuth {
				for _, bad := range []string{"Bearer abc", `{"sessionID": 5}`, `{"sessionID": "` + hostile + `"}`,
					`{"sessionID": "` + strings.Repeat("A", 300) + `"}`, `{"sessionID": "` + c.SessionID + `", "x": 1}`} {
					unauthorized("Authorization "+bad[:min(len(bad), 30)], build(t, c, ep.good, map[string]string{"Authorization": bad}), "")
				}
			}

			// A replay: the first request is fine, the same bytes again are not.
			req = build(t, c, ep.good, nil)
			again := withBody(req.Clone(req.Context()), []byte(ep.good))
			if r := servertest.Send(t, req); r.Status != 200 {
				t.Fatalf("the good request = %d %s", r.Status, r.Body)
			}
			if ep.checksAuth { // the logout ended the websession: nothing is left to replay against
				checkError(t, servertest.Send(t, again), 404, "no such websession")
				return
			}
			unauthorized("replay", again, "replayed")
		})
	}
	servertest.RequireAudit(t, env)
}

// TestBadInputPublicEndpoints: the public status look-up and ping with bad
// bodies and queries.
func TestBadInputPublicEndpoints(t *testing.T) {
	env := servertest.Start(t)
	huge := strings.Repeat("x", 70<<10)
	for _, tc := range []struct {
		name, query, body string
		status            int
		msg               string
	}{
		{"malformed JSON", "", `{"fastcheck":`, 400, "not valid JSON"},
		{"not an object", "", `["1234-5678-0001"]`, 400, "JSON object"},
		{"wrong type", "", `{"fastcheck": 123456780001}`, 400, "must be a string"},
		{"unknown field", "", `{"fastcheck": "1234-5678-0001", "code": "0000"}`, 400, "unknown field"},
		{"hostile number in the body", "", `{"fastcheck": "\u001b[2J<script>\u202e"}`, 400, "not a check number"},
		{"hostile number in the query", "?fastcheck=%3Cscript%3E%1B%5B2J", "", 400, "not a check number"},
		{"oversized body", "", huge, 413, "larger than"},
		{"long query", "?fastcheck=" + strings.Repeat("1", 20<<10), "", 400, "not a check number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck"+tc.query, tc.body))
			checkError(t, r, tc.status, tc.msg)
		})
	}
	// Ping is the health check: it reads no input, so junk in the query or
	// the body changes nothing.
	r := servertest.Send(t, mustReq(t, "GET", env.URL+"/ping?x=%1B%5B2J", huge))
	if r.Status != 200 || r.Message() != "pong" {
		t.Fatalf("ping with junk = %d %s", r.Status, r.Body)
	}
}
