package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"fastcheck/server/servertest"
)

// FuzzCheckPost sends arbitrary bodies, correctly signed by a logged-in
// user, through the real handler. Whatever the body, the answer is a JSON
// message or a well-formed success, never a 5xx, and money is conserved.
func FuzzCheckPost(f *testing.F) {
	for _, s := range []string{
		`{"amount":158000,"currency":"RUB"}`, `{"fastcheck":"1234-5678-0001","code":"5864"}`,
		`{"amount":1e3,"currency":"RUB"}`, `{"amount":-1}`, `[]`, `{"a":{"b":[1,2,{"c":null}]}}`,
		`{"amount":1,"currency":"RUB","amount":2}`, "{\"code\":\"\xff\"}", `{"fastcheck":"1234-5678-0001","code":"0000","amount":5}`,
	} {
		f.Add([]byte(s), "")
	}
	env := servertest.Start(f)
	alice := env.Login(f, servertest.Demo(f, "alice"))
	// Money is conserved whatever the bodies did: the ledger's audit runs
	// once the inputs are through (cleanups run last-registered first, so
	// before the server and its store close).
	f.Cleanup(func() { servertest.RequireAudit(f, env) })
	f.Fuzz(func(t *testing.T, body []byte, idemKey string) {
		hdr := map[string]string{}
		if idemKey != "" {
			hdr["Idempotency-Key"] = idemKey
		}
		req := alice.Build(t, "POST", "/fastcheck", body, false, hdr)
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		env.Server.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("body %q → %d %s", body, rec.Code, rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if rec.Code != 200 {
			if msg, _ := m["message"].(string); msg == "" {
				t.Fatalf("error without a message: %s", rec.Body)
			}
		}
	})
}

// FuzzAuthorizationHeader feeds arbitrary Authorization values to a
// private endpoint: never a 5xx, never a success.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, s := range []string{`{"sessionID": "1AF3781BF6B94604B771AEA1D44FA63A"}`, `{}`, `null`, `{"sessionID": 5}`, "\x00", `{"sessionID":"a","sessionID":"b"}`} {
		f.Add(s)
	}
	env := servertest.Start(f)
	c := &servertest.Caller{Env: env, Key: servertest.NewKey(f)}
	f.Fuzz(func(t *testing.T, auth string) {
		req := c.Build(t, "GET", "/balance", nil, false, map[string]string{"Authorization": auth})
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		env.Server.Handler().ServeHTTP(rec, req)
		if rec.Code != 401 && rec.Code != 400 {
			t.Fatalf("Authorization %q → %d %s", auth, rec.Code, rec.Body)
		}
	})
}
