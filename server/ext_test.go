package server_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

func create(t *testing.T, c *servertest.Caller, amount int64) api.CreateCheckResponse {
	t.Helper()
	r := c.Do(t, "POST", "/fastcheck", []byte(fmt.Sprintf(`{"amount":%d,"currency":"RUB"}`, amount)))
	if r.Status != 200 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	var cr api.CreateCheckResponse
	r.JSON(t, &cr)
	return cr
}

func accept(t *testing.T, c *servertest.Caller, number, code string) *servertest.Response {
	t.Helper()
	return c.Do(t, "POST", "/fastcheck", []byte(`{"fastcheck":"`+number+`","code":"`+code+`"}`))
}

func otherCode(code string) string {
	if code == "0000" {
		return "0001"
	}
	return "0000"
}

func TestCancelReturnsMoneyToCreator(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))
	ch := create(t, alice, 5000)
	balanceIs(t, alice, 15000000-5000)

	if r := bob.Do(t, "DELETE", "/fastcheck/"+ch.Fastcheck, nil); r.Status != 403 {
		t.Fatalf("cancel by another user = %d %s, want 403", r.Status, r.Body)
	}
	r := alice.Do(t, "DELETE", "/fastcheck/"+ch.Fastcheck, nil)
	var cr api.CancelCheckResponse
	r.JSON(t, &cr)
	if r.Status != 200 || cr.Amount != 5000 || cr.Balance != 15000000 {
		t.Fatalf("cancel = %d %s", r.Status, r.Body)
	}
	balanceIs(t, alice, 15000000)
	if r := accept(t, bob, ch.Fastcheck, ch.Code); r.Status != 410 {
		t.Fatalf("accept after cancel = %d %s, want 410", r.Status, r.Body)
	}
	if r := alice.Do(t, "DELETE", "/fastcheck/"+ch.Fastcheck, nil); r.Status != 410 {
		t.Fatalf("second cancel = %d %s, want 410", r.Status, r.Body)
	}
	var hist api.HistoryChecks
	alice.Do(t, "GET", "/fastcheck/history", nil).JSON(t, &hist)
	if len(hist.Checks) != 1 || hist.Checks[0].Status != "cancelled" {
		t.Fatalf("history after cancel = %+v", hist)
	}
	servertest.RequireAudit(t, env)
}

func TestLockAfterFiveWrongCodes(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))
	ch := create(t, alice, 1000)
	wrong := otherCode(ch.Code)
	// Eight parallel wrong guesses: at most five count, the rest see a lock.
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- accept(t, bob, ch.Fastcheck, wrong).Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[404] != 5 || count[423] != 3 {
		t.Fatalf("8 wrong guesses gave %v, want 5×404 and 3×423", count)
	}
	// Even the right code is refused now; the check shows as locked.
	if r := accept(t, bob, ch.Fastcheck, ch.Code); r.Status != 423 {
		t.Fatalf("right code on a locked check = %d %s", r.Status, r.Body)
	}
	var st api.CheckStatus
	servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck?fastcheck="+ch.Fastcheck, "")).JSON(t, &st)
	if st.Status || st.State != "locked" {
		t.Fatalf("status of locked check = %+v", st)
	}
	var active api.ActiveChecks
	alice.Do(t, "GET", "/fastcheck/active", nil).JSON(t, &active)
	if len(active.Checks) != 1 || !active.Checks[0].Locked {
		t.Fatalf("active list should flag the lock: %+v", active)
	}
	// The creator gets the money back by cancelling.
	if r := alice.Do(t, "DELETE", "/fastcheck/"+ch.Fastcheck, nil); r.Status != 200 {
		t.Fatalf("cancel locked = %d %s", r.Status, r.Body)
	}
	balanceIs(t, alice, 15000000)
	servertest.RequireAudit(t, env)
}

func TestFailedAcceptsLimitedPerAccount(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))
	// Ten failures an hour are allowed, spread over checks so none locks.
	var checks []api.CreateCheckResponse
	for i := 0; i < 4; i++ {
		checks = append(checks, create(t, alice, 100))
	}
	for i := 0; i < 10; i++ {
		ch := checks[i%4]
		if r := accept(t, bob, ch.Fastcheck, otherCode(ch.Code)); r.Status != 404 {
			t.Fatalf("failure %d = %d %s", i, r.Status, r.Body)
		}
	}
	r := accept(t, bob, checks[3].Fastcheck, checks[3].Code)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt = %d %s (Retry-After %q), want 429", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	env.Clock.Advance(61 * time.Minute)
	if r := accept(t, bob, checks[3].Fastcheck, checks[3].Code); r.Status != 200 {
		t.Fatalf("after an hour = %d %s", r.Status, r.Body)
	}
}

func TestExpiry(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.CheckTTL = time.Hour })
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))
	ch := create(t, alice, 7000)
	env.Clock.Advance(time.Hour)
	// At expiration exactly, or later, accept refuses even before the sweeper ran.
	if r := accept(t, bob, ch.Fastcheck, ch.Code); r.Status != 410 {
		t.Fatalf("accept at expiry = %d %s, want 410", r.Status, r.Body)
	}
	env.Server.SweepOnce(context.Background())
	env.Server.SweepOnce(context.Background())
	balanceIs(t, alice, 15000000)
	balanceIs(t, bob, 15000000)
	var hist api.HistoryChecks
	alice.Do(t, "GET", "/fastcheck/history", nil).JSON(t, &hist)
	if len(hist.Checks) != 1 || hist.Checks[0].Status != "expired" || hist.Checks[0].Type != "created" {
		t.Fatalf("history = %+v", hist)
	}
	servertest.RequireAudit(t, env)
}

func TestWebsessionExpiresAndApprovalIsSingleUse(t *testing.T) {
	env := servertest.Start(t)
	c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws api.Websession
	servertest.Send(t, c.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws)
	fp := api.Fingerprint(c.Key.Public().(ed25519.PublicKey))

	// Eight phones approve at once: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
			body, _ := json.Marshal(api.ApproveRequest{SessionID: ws.SessionID, Fingerprint: fp})
			if servertest.Send(t, p.Build(t, "POST", "/phone/approve", body, true, nil)).Status == 200 {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d approvals succeeded, want exactly 1", wins)
	}

	// A QR that expired is never approved.
	c2 := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws2 api.Websession
	servertest.Send(t, c2.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws2)
	env.Clock.Advance(121 * time.Second)
	p := &servertest.Caller{Env: env, Key: servertest.Demo(t, "alice")}
	body, _ := json.Marshal(api.ApproveRequest{SessionID: ws2.SessionID, Fingerprint: api.Fingerprint(c2.Key.Public().(ed25519.PublicKey))})
	if r := servertest.Send(t, p.Build(t, "POST", "/phone/approve", body, true, nil)); r.Status != 410 {
		t.Fatalf("approve expired = %d %s, want 410", r.Status, r.Body)
	}
	var got api.Websession
	c2.Do(t, "GET", "/websession/"+ws2.SessionID, nil).JSON(t, &got)
	if got.Status || got.State != api.StateExpired {
		t.Fatalf("expired websession = %+v", got)
	}
	// A fingerprint that is not the client's is refused.
	c3 := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws3 api.Websession
	servertest.Send(t, c3.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws3)
	body, _ = json.Marshal(api.ApproveRequest{SessionID: ws3.SessionID, Fingerprint: "0000 0000 0000 0000"})
	if r := servertest.Send(t, p.Build(t, "POST", "/phone/approve", body, true, nil)); r.Status != 409 {
		t.Fatalf("approve with the wrong fingerprint = %d %s, want 409", r.Status, r.Body)
	}
}

func TestSessionIDWithoutTheKeyIsWorthless(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	thief := &servertest.Caller{Env: env, Key: servertest.NewKey(t), SessionID: alice.SessionID}
	r := thief.Do(t, "GET", "/balance", nil)
	if r.Status != 401 {
		t.Fatalf("stolen session id with another key = %d %s, want 401", r.Status, r.Body)
	}
	if r := thief.Do(t, "GET", "/websession/"+alice.SessionID, nil); r.Status != 401 {
		t.Fatalf("poll with another key = %d %s, want 401", r.Status, r.Body)
	}
}

func TestLongPollWakesOnApproval(t *testing.T) {
	env := servertest.Start(t)
	c := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws api.Websession
	servertest.Send(t, c.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws)
	done := make(chan api.Websession)
	go func() {
		var got api.Websession
		c.Do(t, "GET", "/websession/"+ws.SessionID+"?wait=20", nil).JSON(t, &got)
		done <- got
	}()
	time.Sleep(200 * time.Millisecond)
	env.Approve(t, servertest.Demo(t, "bob"), ws.SessionID, api.Fingerprint(c.Key.Public().(ed25519.PublicKey)))
	select {
	case got := <-done:
		if !got.Status || got.State != api.StateApproved {
			t.Fatalf("long-poll answered %+v", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long-poll did not wake on approval")
	}
	if r := c.Do(t, "GET", "/websession/"+ws.SessionID+"?wait=abc", nil); r.Status != 400 {
		t.Fatalf("wait=abc = %d, want 400", r.Status)
	}
}

func TestIdempotencyKey(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	body := []byte(`{"amount":2500,"currency":"RUB"}`)
	hdr := map[string]string{"Idempotency-Key": "create-1"}
	r1 := servertest.Send(t, alice.Build(t, "POST", "/fastcheck", body, false, hdr))
	r2 := servertest.Send(t, alice.Build(t, "POST", "/fastcheck", body, false, hdr))
	if r1.Status != 200 || r2.Status != 200 || string(r1.Body) != string(r2.Body) {
		t.Fatalf("same key, same body: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	if r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("a replay should say so in Idempotent-Replayed")
	}
	balanceIs(t, alice, 15000000-2500)
	r3 := servertest.Send(t, alice.Build(t, "POST", "/fastcheck", []byte(`{"amount":2600,"currency":"RUB"}`), false, hdr))
	if r3.Status != 409 {
		t.Fatalf("same key, other body = %d %s, want 409", r3.Status, r3.Body)
	}
	var active api.ActiveChecks
	alice.Do(t, "GET", "/fastcheck/active", nil).JSON(t, &active)
	if len(active.Checks) != 1 {
		t.Fatalf("%d checks, want 1", len(active.Checks))
	}
	servertest.RequireAudit(t, env)
}

func TestStatusRateLimitedPerIP(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.Limits.StatusPerMinute = 8 })
	limited := 0
	for i := 0; i < 10; i++ {
		r := servertest.Send(t, mustReq(t, "GET", env.URL+"/fastcheck?fastcheck=1234-5678-0001", ""))
		switch r.Status {
		case 404:
		case 429:
			limited++
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		default:
			t.Fatalf("status look-up = %d %s", r.Status, r.Body)
		}
	}
	if limited == 0 {
		t.Fatal("ten look-ups in a row were never limited")
	}
}

func TestMetrics(t *testing.T) {
	env := servertest.Start(t)
	alice := env.Login(t, servertest.Demo(t, "alice"))
	create(t, alice, 100)
	servertest.Send(t, mustReq(t, "POST", env.URL+"/fastcheck", `{"amount":1,"currency":"RUB"}`)) // unsigned: 401
	resp, err := http.Get(env.Root + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`fastcheck_http_requests_total{route="POST /fastcheck",status="200"} 1`,
		`fastcheck_http_requests_total{route="POST /fastcheck",status="401"} 1`,
		`fastcheck_http_request_duration_seconds_count{route="POST /fastcheck",status="200"} 1`,
		`fastcheck_http_request_duration_seconds_count{route="POST /fastcheck",status="401"} 1`,
		`fastcheck_http_request_duration_seconds_bucket{route="POST /fastcheck",status="401",le="+Inf"} 1`,
		`fastcheck_ledger_operations_total{op="create",outcome="ok"} 1`,
		"# TYPE fastcheck_http_request_duration_seconds histogram",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	env := servertest.Start(t)
	r := servertest.Send(t, mustReq(t, "GET", env.URL+"/nope", ""))
	if r.Status != 404 || r.Message() == "" {
		t.Fatalf("unknown path = %d %s", r.Status, r.Body)
	}
	r = servertest.Send(t, mustReq(t, "PUT", env.URL+"/ping", ""))
	if r.Status != 405 || r.Header.Get("Allow") != "GET" || r.Message() == "" {
		t.Fatalf("PUT /ping = %d %s allow=%q", r.Status, r.Body, r.Header.Get("Allow"))
	}
}

// TestOpenAPIMatchesHandlers checks the served OpenAPI document against
// the route table and every 200 body's fields against the Go wire types.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	env := servertest.Start(t)
	resp, err := http.Get(env.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	routes := server.Routes(env.Server)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
		if rt.Response == nil {
			continue
		}
		var op struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		}
		json.Unmarshal(doc.Paths[rt.Path][strings.ToLower(rt.Method)], &op)
		sc := op.Responses["200"].Content["application/json"].Schema
		values := []any{rt.Response}
		if list, ok := rt.Response.([]any); ok {
			values = list
		}
		refs := sc.OneOf
		if len(refs) == 0 {
			refs = []schema{sc}
		}
		if len(refs) != len(values) {
			t.Errorf("%s: %d documented bodies, %d in code", key, len(refs), len(values))
			continue
		}
		for i, v := range values {
			compareSchema(t, key, doc.Components.Schemas, refs[i], reflect.TypeOf(v))
		}
	}
	for key := range documented {
		t.Errorf("openapi.json documents %s, which no handler serves", key)
	}
}

type schema struct {
	Ref        string            `json:"$ref"`
	Type       string            `json:"type"`
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
	OneOf      []schema          `json:"oneOf"`
}

func compareSchema(t *testing.T, where string, all map[string]schema, s schema, typ reflect.Type) {
	t.Helper()
	if s.Ref != "" {
		s = all[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct {
		return
	}
	var inCode, inDoc []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		inCode = append(inCode, name)
		ps, ok := s.Properties[name]
		if ok && f.Type.Kind() == reflect.Slice && ps.Items != nil {
			compareSchema(t, where+"."+name, all, *ps.Items, f.Type.Elem())
		}
	}
	for name := range s.Properties {
		inDoc = append(inDoc, name)
	}
	sort.Strings(inCode)
	sort.Strings(inDoc)
	if strings.Join(inCode, ",") != strings.Join(inDoc, ",") {
		t.Errorf("%s: fields in code %v, in openapi.json %v", where, inCode, inDoc)
	}
}

func TestExpiredSessionAuthorizesNothing(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.SessionTTL = time.Hour })
	alice := env.Login(t, servertest.Demo(t, "alice"))
	balanceIs(t, alice, 15000000)
	env.Clock.Advance(time.Hour)
	for _, path := range []string{"/balance", "/fastcheck/active", "/fastcheck/history"} {
		if r := alice.Do(t, "GET", path, nil); r.Status != 401 || r.Message() != "not authorized" {
			t.Fatalf("%s with an expired session = %d %s", path, r.Status, r.Body)
		}
	}
	if r := alice.Do(t, "POST", "/fastcheck", []byte(`{"amount":1,"currency":"RUB"}`)); r.Status != 401 {
		t.Fatalf("create with an expired session = %d %s", r.Status, r.Body)
	}
	var ws api.Websession
	alice.Do(t, "GET", "/websession/"+alice.SessionID, nil).JSON(t, &ws)
	if ws.Status || ws.State != api.StateExpired || ws.UserID != "" {
		t.Fatalf("expired session status = %+v", ws)
	}
}
