package server_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/ledger/sqlite"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

// staffEnv starts a server whose staff is the demo "support" identity and
// logs in support (staff), alice and bob (not staff).
type staffEnv struct {
	*servertest.Env
	support, alice, bob *servertest.Caller
}

func startStaff(t *testing.T, opts ...servertest.Option) *staffEnv {
	t.Helper()
	opts = append([]servertest.Option{func(c *server.Config) { c.Staff = server.DemoStaff() }}, opts...)
	env := servertest.Start(t, opts...)
	return &staffEnv{Env: env,
		support: env.Login(t, servertest.Demo(t, "support")),
		alice:   env.Login(t, servertest.Demo(t, "alice")),
		bob:     env.Login(t, servertest.Demo(t, "bob")),
	}
}

// staffLog returns every entry of the staff audit log.
func (e *staffEnv) staffLog(t *testing.T) []ledger.StaffRead {
	t.Helper()
	all, err := e.Store.(ledger.Staff).StaffReads(context.Background(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func accountPath(userID string) string { return "/staff/account?userId=" + url.QueryEscape(userID) }
func findPath(prefix string) string    { return "/staff/accounts?prefix=" + url.QueryEscape(prefix) }

func TestStaffPermissions(t *testing.T) {
	e := startStaff(t)
	paths := []string{findPath(e.alice.UserID[:6]), accountPath(e.alice.UserID), "/staff/check/1234-5678-0001"}
	anon := &servertest.Caller{Env: e.Env, Key: servertest.NewKey(t)}
	for _, p := range paths {
		if r := anon.Do(t, "GET", p, nil); r.Status != 401 || !strings.HasPrefix(r.Message(), "not authorized") {
			t.Errorf("GET %s without a session = %d %s, want 401", p, r.Status, r.Body)
		}
		// A session id without its key is worth nothing either.
		thief := &servertest.Caller{Env: e.Env, Key: servertest.NewKey(t), SessionID: e.support.SessionID}
		if r := thief.Do(t, "GET", p, nil); r.Status != 401 {
			t.Errorf("GET %s with a stolen staff session id = %d %s, want 401", p, r.Status, r.Body)
		}
		for _, c := range []*servertest.Caller{e.alice, e.bob} {
			r := c.Do(t, "GET", p, nil)
			if r.Status != 403 || !strings.Contains(r.Message(), "staff") {
				t.Errorf("GET %s as a non-staff user = %d %s, want 403 naming staff", p, r.Status, r.Body)
			}
		}
		if r := e.support.Do(t, "GET", p, nil); r.Status != 200 && r.Status != 404 {
			t.Errorf("GET %s as staff = %d %s", p, r.Status, r.Body)
		}
	}
	if n := len(e.staffLog(t)); n != len(paths) {
		t.Fatalf("%d audit entries, want %d (only the staff's reads)", n, len(paths))
	}
	// Staff have no more power than anyone else outside the staff API, and
	// the staff API has no method that writes.
	for _, p := range []string{"/staff/accounts", "/staff/account", "/staff/check/1234-5678-0001"} {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			if r := e.support.Do(t, m, p, []byte(`{}`)); r.Status != 405 {
				t.Errorf("%s %s = %d %s, want 405", m, p, r.Status, r.Body)
			}
		}
	}
}

func TestStaffAuditsEveryRead(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) { testStaffAuditsEveryRead(t, startStaff(t, servertest.WithStore(b.Open(t)))) })
	}
}

func testStaffAuditsEveryRead(t *testing.T, e *staffEnv) {
	number := createCheck(t, e.alice, 1000)
	reads := []struct {
		path, action, subject string
		status                int
	}{
		{findPath(e.alice.UserID[:5]), ledger.StaffFind, e.alice.UserID[:5], 200},
		{accountPath(e.alice.UserID), ledger.StaffAccount, e.alice.UserID, 200},
		{accountPath(e.bob.UserID), ledger.StaffAccount, e.bob.UserID, 200},
		{"/staff/check/" + number, ledger.StaffCheck, number, 200},
		{"/staff/check/" + strings.ReplaceAll(number, "-", ""), ledger.StaffCheck, number, 200},
		{"/staff/check/0000-0000-0000", ledger.StaffCheck, "0000-0000-0000", 404},
		{accountPath(api.UserID(servertest.NewKey(t).Public().(ed25519.PublicKey))), ledger.StaffAccount, "", 404},
		{findPath("zzzz"), ledger.StaffFind, "zzzz", 200},
	}
	before := e.Clock.Now().Add(-time.Second)
	for i, rd := range reads {
		r := e.support.Do(t, "GET", rd.path, nil)
		if r.Status != rd.status {
			t.Fatalf("GET %s = %d %s, want %d", rd.path, r.Status, r.Body, rd.status)
		}
		log := e.staffLog(t)
		if len(log) != i+1 {
			t.Fatalf("after read %d (%s) the log has %d entries, want %d", i+1, rd.path, len(log), i+1)
		}
		got := log[i]
		want := rd.subject
		if want == "" {
			want = got.Subject // a random userId, checked below
			if _, err := api.ParseUserID(want); err != nil {
				t.Errorf("entry %d subject %q is not the userId read", i, want)
			}
		}
		if got.Staff != e.support.UserID || got.Action != rd.action || got.Subject != want ||
			got.ClientIP != "127.0.0.1" || got.At.Before(before) || got.At.After(e.Clock.Now().Add(time.Second)) {
			t.Errorf("entry %d = %+v, want staff %s action %s subject %s from 127.0.0.1", i, got, e.support.UserID, rd.action, want)
		}
	}
	// Malformed requests are refused before anything is read or logged.
	for _, p := range []string{findPath("abc"), "/staff/accounts", accountPath("alice"), "/staff/check/12-34",
		findPath("abcd") + "&prefix=abce", findPath("abcd") + "&limit=1000", "/staff/account?userId=" + e.alice.UserID[:42] + "%00"} {
		if r := e.support.Do(t, "GET", p, nil); r.Status != 400 || r.Message() == "" {
			t.Errorf("GET %s = %d %s, want 400 with a message", p, r.Status, r.Body)
		}
	}
	if r := e.support.Do(t, "GET", findPath("abcd"), []byte(`{"prefix":"x"}`)); r.Status != 400 {
		t.Errorf("a body on a staff read = %d %s, want 400", r.Status, r.Body)
	}
	if n := len(e.staffLog(t)); n != len(reads) {
		t.Fatalf("the log has %d entries after malformed requests, want still %d", n, len(reads))
	}
}

func createCheck(t *testing.T, c *servertest.Caller, amount int64) string {
	t.Helper()
	r := c.Do(t, "POST", "/fastcheck", []byte(fmt.Sprintf(`{"amount":%d,"currency":"RUB"}`, amount)))
	var res api.CreateCheckResponse
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	return res.Fastcheck
}

func TestStaffAccountDetails(t *testing.T) {
	e := startStaff(t)
	locked := createCheck(t, e.alice, 1000)
	used := createCheck(t, e.alice, 2000)
	active := createCheck(t, e.alice, 3000)
	var code string
	{
		var list api.ActiveChecks
		e.alice.Do(t, "GET", "/fastcheck/active", nil).JSON(t, &list)
		for _, c := range list.Checks {
			if c.Fastcheck == used {
				code = c.Code
			}
		}
	}
	for i := range ledger.MaxCodeFailures {
		wrong := fmt.Sprintf("%04d", i)
		r := e.bob.Do(t, "POST", "/fastcheck", []byte(`{"fastcheck":"`+locked+`","code":"`+wrong+`"}`))
		if r.Status != 404 && r.Status != 200 {
			t.Fatalf("wrong code: %d %s", r.Status, r.Body)
		}
	}
	e.bob.Do(t, "POST", "/fastcheck", []byte(`{"fastcheck":"9999-9999-9999","code":"0000"}`))
	if r := e.bob.Do(t, "POST", "/fastcheck", []byte(`{"fastcheck":"`+used+`","code":"`+code+`"}`)); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}

	r := e.support.Do(t, "GET", accountPath(e.alice.UserID), nil)
	if r.Status != 200 {
		t.Fatalf("account: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), `"code"`) {
		t.Fatalf("the staff view carries check codes: %s", r.Body)
	}
	var acc api.StaffAccount
	r.JSON(t, &acc)
	if acc.UserID != e.alice.UserID || acc.Balance != 15000000-6000 || acc.Currency != "RUB" || acc.CreatedAt == "" {
		t.Errorf("alice = %+v", acc)
	}
	states := map[string]string{}
	for _, c := range acc.Active {
		states[c.Fastcheck] = c.State
		if c.Creator != e.alice.UserID {
			t.Errorf("active check %s creator %s", c.Fastcheck, c.Creator)
		}
	}
	if len(acc.Active) != 2 || states[locked] != api.CheckLocked || states[active] != api.CheckActive {
		t.Errorf("alice's active checks = %+v, want %s locked and %s active", acc.Active, locked, active)
	}
	if len(acc.History) != 1 || acc.History[0].Fastcheck != used || acc.History[0].State != api.CheckUsed ||
		acc.History[0].Redeemer != e.bob.UserID || acc.History[0].ResolvedAt == "" || acc.HistoryMore {
		t.Errorf("alice's history = %+v", acc.History)
	}
	if len(acc.FailedAccepts) != 0 {
		t.Errorf("alice has failed accepts %+v", acc.FailedAccepts)
	}

	var bob api.StaffAccount
	e.support.Do(t, "GET", accountPath(e.bob.UserID), nil).JSON(t, &bob)
	if len(bob.FailedAccepts) != ledger.MaxCodeFailures+1 {
		t.Fatalf("bob's failed accepts = %+v, want %d", bob.FailedAccepts, ledger.MaxCodeFailures+1)
	}
	if f := bob.FailedAccepts[0]; f.Fastcheck != "9999-9999-9999" || f.Reason != "not_found" || f.At == "" {
		t.Errorf("bob's newest failed accept = %+v", f)
	}
	if f := bob.FailedAccepts[1]; f.Fastcheck != locked || f.Reason != "wrong_code" {
		t.Errorf("bob's second failed accept = %+v", f)
	}
	if len(bob.History) != 1 || bob.History[0].Creator != e.alice.UserID || bob.History[0].Redeemer != e.bob.UserID {
		t.Errorf("bob's history = %+v", bob.History)
	}

	var ch api.StaffCheck
	r = e.support.Do(t, "GET", "/staff/check/"+locked, nil)
	r.JSON(t, &ch)
	if strings.Contains(string(r.Body), `"code"`) || ch.Fastcheck != locked || ch.State != api.CheckLocked ||
		ch.FailedAttempts != ledger.MaxCodeFailures || ch.Amount != 1000 || ch.Creator != e.alice.UserID ||
		ch.Redeemer != "" || ch.Expiration == "" || ch.CreatedAt == "" || ch.ResolvedAt != "" {
		t.Errorf("locked check = %s", r.Body)
	}
	// Reading is all it does: nothing moved.
	balanceIs(t, e.alice, 15000000-6000)
	servertest.RequireAudit(t, e.Env)
}

func TestStaffFindBounds(t *testing.T) {
	e := startStaff(t)
	ctx := context.Background()
	const n = server.StaffFindLimit + 5
	for i := range n {
		if _, err := e.Store.OpenAccount(ctx, fmt.Sprintf("Zq+/%039d", i), "RUB", e.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var found api.StaffAccounts
	e.support.Do(t, "GET", findPath("Zq+/"), nil).JSON(t, &found)
	if len(found.Accounts) != server.StaffFindLimit || !found.More || found.Accounts[0].UserID != fmt.Sprintf("Zq+/%039d", 0) {
		t.Fatalf("find Zq+/ = %d accounts (more %v), want %d and more", len(found.Accounts), found.More, server.StaffFindLimit)
	}
	one := fmt.Sprintf("Zq+/%039d", n-1)
	e.support.Do(t, "GET", findPath(one), nil).JSON(t, &found)
	if len(found.Accounts) != 1 || found.More || found.Accounts[0].UserID != one {
		t.Fatalf("find %s = %+v", one, found)
	}
	fives := "Zq+/" + strings.Repeat("0", 37) + "5" // ...50 to ...54
	e.support.Do(t, "GET", findPath(fives), nil).JSON(t, &found)
	if len(found.Accounts) != 5 || found.More || found.Accounts[0].UserID != fives+"0" {
		t.Fatalf("find %s = %+v, want its 5 accounts", fives, found)
	}
	e.support.Do(t, "GET", findPath(e.alice.UserID), nil).JSON(t, &found)
	if len(found.Accounts) != 1 || found.Accounts[0].UserID != e.alice.UserID || found.Accounts[0].Balance != 15000000 {
		t.Fatalf("find alice by her whole userId = %+v", found)
	}
	hostile := []string{
		"", "a", "abc", strings.Repeat("A", api.MaxUserIDPrefix+1), strings.Repeat("A", 10000),
		"ab cd", "abc%", "abc_", "abc-", "ab'c", `ab"c`, "abc;", "../..", "' OR 1=1 --", "абвг", "abc\x00",
		"abc\n", "abc\x1b[2J", "%2e%2e", "ABC*", "abc=",
	}
	for _, p := range hostile {
		r := e.support.Do(t, "GET", findPath(p), nil)
		want := 400
		if len(p) > 8000 {
			want = 0 // the header cap may answer first (413 or 431)
		}
		if (want != 0 && r.Status != want) || r.Status == 200 || r.Status >= 500 {
			t.Errorf("find %q = %d %s, want %d", api.Truncate(p, 40), r.Status, api.Truncate(string(r.Body), 200), want)
		}
	}
	// A "+" sent unencoded reads as a space: the answer says how to send it.
	if r := e.support.Do(t, "GET", "/staff/accounts?prefix=Zq+/", nil); r.Status != 400 || !strings.Contains(r.Message(), "%2B") {
		t.Errorf("an unencoded + = %d %s, want 400 naming %%2B", r.Status, r.Body)
	}
	if n := len(e.staffLog(t)); n != 4 {
		t.Fatalf("the log has %d entries, want 4 (hostile prefixes are not reads)", n)
	}
}

func TestStaffConcurrentReads(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) { testStaffConcurrentReads(t, startStaff(t, servertest.WithStore(b.Open(t)))) })
	}
}

func testStaffConcurrentReads(t *testing.T, e *staffEnv) {
	number := createCheck(t, e.alice, 500)
	const workers, each = 8, 6
	paths := []string{findPath(e.bob.UserID[:4]), accountPath(e.alice.UserID), "/staff/check/" + number}
	var reqs []*http.Request
	for i := range workers * each {
		reqs = append(reqs, e.support.Build(t, "GET", paths[i%len(paths)], nil, false, nil))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(reqs))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, req := range reqs[w*each : (w+1)*each] {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("%s: %d %s", req.URL.RequestURI(), resp.StatusCode, b)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	log := e.staffLog(t)
	count := map[string]int{}
	for _, r := range log {
		count[r.Action]++
	}
	if len(log) != workers*each || count[ledger.StaffFind] != workers*each/3 || count[ledger.StaffAccount] != workers*each/3 {
		t.Fatalf("%d audit entries (%v) after %d concurrent reads", len(log), count, workers*each)
	}
}

// failingLog is a store whose staff audit log cannot be written.
type failingLog struct{ *sqlite.Store }

func (failingLog) LogStaffRead(context.Context, ledger.StaffRead) (ledger.StaffRead, error) {
	return ledger.StaffRead{}, errors.New("disk full")
}

func TestStaffReadRefusedWhenAuditFails(t *testing.T) {
	st := servertest.Backends[0].Open(t).(*sqlite.Store)
	e := startStaff(t, servertest.WithStore(failingLog{st}))
	for _, p := range []string{findPath(e.alice.UserID[:6]), accountPath(e.alice.UserID), "/staff/check/1234-5678-0001"} {
		r := e.support.Do(t, "GET", p, nil)
		if r.Status != 503 || !strings.Contains(r.Message(), "audit log") || strings.Contains(string(r.Body), e.alice.UserID) {
			t.Errorf("GET %s with a broken audit log = %d %s, want 503 and nothing read", p, r.Status, r.Body)
		}
	}
}

// storeOnly hides every interface of the store but ledger.Store.
type storeOnly struct{ ledger.Store }

func TestStaffConfig(t *testing.T) {
	st, err := sqlite.Open(t.TempDir() + "/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	staff := server.DemoStaff()
	if len(staff) != 1 {
		t.Fatalf("demo staff = %v, want the one support identity", staff)
	}
	for name, cfg := range map[string]server.Config{
		"not a userId":          {Store: st, Staff: []string{"alice"}},
		"store without a log":   {Store: storeOnly{st}, Staff: staff},
		"one good, one garbage": {Store: st, Staff: []string{staff[0], staff[0] + "x"}},
	} {
		if _, err := server.New(cfg); err == nil {
			t.Errorf("%s: New accepted %v", name, cfg.Staff)
		}
	}
	srv, err := server.New(server.Config{Store: storeOnly{st}})
	if err != nil {
		t.Fatalf("no staff needs no staff log: %v", err)
	}
	if len(srv.StaffIDs()) != 0 {
		t.Fatal("staff without configuring any")
	}
}

// TestStaffReadsLimited: a staff user's reads are limited (429 with
// Retry-After); a refused read is neither done nor written to the audit
// log, and the limit is the staff user's, not the endpoint's.
func TestStaffReadsLimited(t *testing.T) {
	e := startStaff(t, func(c *server.Config) { c.Limits.StaffReadsPerMinute = 4 }) // a burst of 2
	paths := []string{accountPath(e.alice.UserID), findPath(e.alice.UserID[:6]), "/staff/check/1234-5678-0001"}
	for i, p := range paths[:2] {
		if r := e.support.Do(t, "GET", p, nil); r.Status != 200 {
			t.Fatalf("staff read %d = %d %s", i, r.Status, r.Body)
		}
	}
	logged := len(e.staffLog(t))
	r := e.support.Do(t, "GET", paths[2], nil)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third staff read at once = %d %s (Retry-After %q), want 429", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if n := len(e.staffLog(t)); n != logged {
		t.Fatalf("a refused read wrote %d audit entries", n-logged)
	}
	// Not staff: still 403, the limit is not theirs to spend.
	if r := e.alice.Do(t, "GET", paths[0], nil); r.Status != 403 {
		t.Fatalf("alice = %d %s, want 403", r.Status, r.Body)
	}
	e.Clock.Advance(16 * time.Second) // one token back (4 a minute)
	if r := e.support.Do(t, "GET", paths[0], nil); r.Status != 200 {
		t.Fatalf("staff read after the wait = %d %s", r.Status, r.Body)
	}
}
