package server_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/server"
	"fastcheck/server/servertest"
	"fastcheck/totp"
)

// phoneApp is a phone identity with an enrolled authenticator app.
type phoneApp struct {
	key            ed25519.PrivateKey
	handle, secret string
	userID         string
}

// enrolApp enrols a fresh phone identity's authenticator app under handle
// through POST /phone/totp.
func enrolApp(t *testing.T, env *servertest.Env, handle string) phoneApp {
	t.Helper()
	secret, err := totp.NewSecret(nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	p := phoneApp{key: servertest.NewKey(t), handle: handle, secret: secret}
	p.userID = api.UserID(p.key.Public().(ed25519.PublicKey))
	r := enrolRaw(t, env, p.key, handle, secret)
	if r.Status != 200 {
		t.Fatalf("enrol %s: %d %s", handle, r.Status, r.Body)
	}
	var res api.TOTPEnrolResponse
	r.JSON(t, &res)
	if res.UserID != p.userID || res.Handle != handle {
		t.Fatalf("enrol answered %+v", res)
	}
	return p
}

func enrolRaw(t *testing.T, env *servertest.Env, key ed25519.PrivateKey, handle, secret string) *servertest.Response {
	t.Helper()
	body, _ := json.Marshal(api.TOTPEnrolRequest{Handle: handle, Secret: secret})
	c := &servertest.Caller{Env: env, Key: key}
	return servertest.Send(t, c.Build(t, "POST", "/phone/totp", body, true, nil))
}

// code is the app's code at the server's time, offset by steps.
func (p phoneApp) code(t *testing.T, env *servertest.Env, steps int) string {
	t.Helper()
	c, err := totp.Code(p.secret, env.Clock.Now().Add(time.Duration(steps)*totp.DefaultPeriod), 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a 6-digit code that matches none of the accepted steps.
func (p phoneApp) wrongCode(t *testing.T, env *servertest.Env) string {
	t.Helper()
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (i*7919+123457)%1000000)
		if _, err := totp.Matches(p.secret, c, env.Clock.Now(), 0, 0); err != nil {
			return c
		}
	}
}

// terminal starts a login as a fresh terminal and returns its client and
// websession.
func terminal(t *testing.T, env *servertest.Env) (*client.Client, api.Websession) {
	t.Helper()
	c, err := client.New(client.Options{BaseURL: env.URL, Key: servertest.NewKey(t), Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := c.CreateWebsession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, ws
}

// approvePage is one rendering of the page, with its CSRF cookie.
type approvePage struct {
	url    string
	status int
	body   string
	cookie *http.Cookie
	csrf   string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]{32})"`)

func openApprovePage(t *testing.T, u string) approvePage {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := approvePage{url: u, status: resp.StatusCode, body: string(b)}
	for _, c := range resp.Cookies() {
		if c.Name == "fastcheck_approve" {
			p.cookie = c
		}
	}
	if m := csrfRE.FindStringSubmatch(p.body); m != nil {
		p.csrf = m[1]
	}
	return p
}

// post sends a raw body with the page's cookie.
func (p approvePage) post(t *testing.T, body string, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", p.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.cookie != nil {
		req.AddCookie(&http.Cookie{Name: p.cookie.Name, Value: p.cookie.Value})
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (p approvePage) submit(t *testing.T, account, code string) (int, string, http.Header) {
	t.Helper()
	return p.post(t, url.Values{"account": {account}, "code": {code}, "csrf": {p.csrf}}.Encode(), nil)
}

// pageText is the page's visible text, roughly: tags dropped.
func pageText(body string) string {
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")), " ")
}

func TestApprovePageShowsTheLogin(t *testing.T) {
	env := servertest.Start(t)
	c, ws := terminal(t, env)
	p := openApprovePage(t, c.ApproveURL(ws.SessionID))
	if p.status != 200 || p.csrf == "" || p.cookie == nil {
		t.Fatalf("page: %d, csrf %q, cookie %v\n%s", p.status, p.csrf, p.cookie, p.body)
	}
	text := pageText(p.body)
	for _, want := range []string{c.Fingerprint(), "127.0.0.1", "UTC (in ", "Account", "Code from your authenticator app"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q:\n%s", want, text)
		}
	}
	if !p.cookie.HttpOnly || p.cookie.SameSite != http.SameSiteStrictMode || p.cookie.Path != "/api/approve/"+ws.SessionID {
		t.Errorf("CSRF cookie %+v: want HttpOnly, SameSite=Strict, scoped to the page", p.cookie)
	}
	resp, err := http.Get(p.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'sha256-", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", resp.Header)
	}
	for _, want := range []string{`name="viewport"`, `inputmode="numeric"`, `autocomplete="one-time-code"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") || strings.Contains(p.body, "<script") {
		t.Errorf("the page loads or links something external, or has a script:\n%s", p.body)
	}
	if p := openApprovePage(t, env.URL+"/approve/00000000000000000000000000000000"); p.status != 404 || !strings.Contains(p.body, "No such login") {
		t.Errorf("unknown session: %d %s", p.status, p.body)
	}
	if p := openApprovePage(t, env.URL+"/approve/nonsense"); p.status != 404 {
		t.Errorf("malformed session id: %d", p.status)
	}
}

// TestApprovePageApproves approves with a valid code; the terminal's
// long-poll returns logged in, as the account, and its session works.
func TestApprovePageApproves(t *testing.T) {
	env := servertest.Start(t)
	app := enrolApp(t, env, "mike")
	c, ws := terminal(t, env)
	done := make(chan api.Websession, 1)
	go func() {
		got, err := c.WaitForLogin(context.Background(), ws.SessionID)
		if err != nil {
			t.Errorf("WaitForLogin: %v", err)
		}
		done <- got
	}()
	p := openApprovePage(t, c.ApproveURL(ws.SessionID))
	status, body, _ := p.submit(t, " MIKE ", app.code(t, env, 0)[:3]+" "+app.code(t, env, 0)[3:])
	if status != 200 || !strings.Contains(pageText(body), "Approved. The terminal is now logged in as mike.") {
		t.Fatalf("submit: %d %s", status, pageText(body))
	}
	got := <-done
	if got.State != api.StateApproved || got.UserID != app.userID {
		t.Fatalf("the terminal sees %+v, want approved as %s", got, app.userID)
	}
	if _, err := c.Balance(context.Background()); err != nil {
		t.Fatalf("the approved session does not work: %v", err)
	}
	// The page now says it is done; the form is gone.
	again := openApprovePage(t, p.url)
	if again.status != 409 || again.csrf != "" || !strings.Contains(again.body, "already approved") {
		t.Errorf("page after approval: %d %s", again.status, pageText(again.body))
	}
	// A second submission (say, a reload that re-posts) approves nothing.
	if status, body, _ := p.submit(t, "mike", app.code(t, env, 1)); status != 409 || !strings.Contains(body, "already approved") {
		t.Errorf("second submission: %d %s", status, pageText(body))
	}
}

func TestApprovePageRefusals(t *testing.T) {
	env := servertest.Start(t)
	app := enrolApp(t, env, "mike")
	t.Run("WrongCode", func(t *testing.T) {
		c, ws := terminal(t, env)
		p := openApprovePage(t, c.ApproveURL(ws.SessionID))
		status, body, _ := p.submit(t, "mike", app.wrongCode(t, env))
		if status != 401 || !strings.Contains(pageText(body), "The account or the code is wrong.") {
			t.Errorf("wrong code: %d %s", status, pageText(body))
		}
		if status, body, _ := p.submit(t, "nobody", app.code(t, env, 0)); status != 401 || !strings.Contains(pageText(body), "The account or the code is wrong.") {
			t.Errorf("unknown account: %d %s", status, pageText(body))
		}
		// Codes two steps away are outside the window.
		if status, _, _ := p.submit(t, "mike", app.code(t, env, -3)); status != 401 {
			t.Errorf("an old code: %d", status)
		}
		requirePending(t, env, c, ws.SessionID)
	})
	t.Run("ReusedCode", func(t *testing.T) {
		code := app.code(t, env, 0)
		c1, ws1 := terminal(t, env)
		p1 := openApprovePage(t, c1.ApproveURL(ws1.SessionID))
		if status, body, _ := p1.submit(t, "mike", code); status != 200 {
			t.Fatalf("first use: %d %s", status, pageText(body))
		}
		c2, ws2 := terminal(t, env)
		p2 := openApprovePage(t, c2.ApproveURL(ws2.SessionID))
		status, body, _ := p2.submit(t, "mike", code)
		if status != 409 || !strings.Contains(pageText(body), "This code was already used. Wait for the next code") {
			t.Errorf("reused code: %d %s", status, pageText(body))
		}
		requirePending(t, env, c2, ws2.SessionID)
	})
	t.Run("ExpiredSession", func(t *testing.T) {
		c, ws := terminal(t, env)
		p := openApprovePage(t, c.ApproveURL(ws.SessionID))
		env.Clock.Advance(server.DefaultWebsessionTTL + time.Second)
		status, body, _ := p.submit(t, "mike", app.code(t, env, 0))
		if status != 410 || !strings.Contains(pageText(body), "This login QR has expired. Start a new login in the terminal") {
			t.Errorf("expired: %d %s", status, pageText(body))
		}
		if p := openApprovePage(t, p.url); p.status != 410 || p.csrf != "" {
			t.Errorf("expired page: %d, form %v", p.status, p.csrf != "")
		}
	})
	t.Run("CancelledSession", func(t *testing.T) {
		c, ws := terminal(t, env)
		p := openApprovePage(t, c.ApproveURL(ws.SessionID))
		if err := c.DeleteWebsession(context.Background(), ws.SessionID); err != nil {
			t.Fatal(err)
		}
		if status, body, _ := p.submit(t, "mike", app.code(t, env, 0)); status != 410 || !strings.Contains(body, "cancelled") {
			t.Errorf("cancelled: %d %s", status, pageText(body))
		}
	})
}

// requirePending checks that a websession was not approved.
func requirePending(t *testing.T, env *servertest.Env, c *client.Client, id string) {
	t.Helper()
	ws, err := c.Websession(context.Background(), id, 0)
	if err != nil || ws.State != api.StatePending {
		t.Errorf("websession %s: %+v, %v; want still pending", id, ws, err)
	}
}

// TestApprovePageFailureLimits: five wrong codes pause the account (even
// for the right code, on any login), and ten codes pause a login; on
// SQLite and on PostgreSQL.
func TestApprovePageFailureLimits(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) { approvePageFailureLimits(t, servertest.Start(t, servertest.WithStore(b.Open(t)))) })
	}
}

func approvePageFailureLimits(t *testing.T, env *servertest.Env) {
	app := enrolApp(t, env, "mike")
	other := enrolApp(t, env, "olga")
	c, ws := terminal(t, env)
	p := openApprovePage(t, c.ApproveURL(ws.SessionID))
	for i := range server.TOTPMaxFailures {
		status, body, _ := p.submit(t, "mike", app.wrongCode(t, env))
		if status != 401 {
			t.Fatalf("wrong code %d: %d %s", i+1, status, pageText(body))
		}
		if i == server.TOTPMaxFailures-1 && !strings.Contains(body, "refused for up to 15 minutes") {
			t.Errorf("the last allowed failure does not warn: %s", pageText(body))
		}
	}
	c2, ws2 := terminal(t, env)
	p2 := openApprovePage(t, c2.ApproveURL(ws2.SessionID))
	status, body, hdr := p2.submit(t, "mike", app.code(t, env, 0))
	if status != 429 || !strings.Contains(pageText(body), "Too many wrong codes for this account. Try again in 15 min 0 s.") || hdr.Get("Retry-After") != "900" {
		t.Errorf("right code after 5 failures: %d Retry-After %q %s", status, hdr.Get("Retry-After"), pageText(body))
	}
	requirePending(t, env, c2, ws2.SessionID)
	// Another account is not paused.
	if status, body, _ := p2.submit(t, "olga", other.code(t, env, 0)); status != 200 {
		t.Errorf("another account: %d %s", status, pageText(body))
	}
	// After the window the account works again.
	env.Clock.Advance(server.TOTPFailureWindow + time.Second)
	c3, ws3 := terminal(t, env)
	p3 := openApprovePage(t, c3.ApproveURL(ws3.SessionID))
	if status, body, _ := p3.submit(t, "mike", app.code(t, env, 0)); status != 200 {
		t.Errorf("after the window: %d %s", status, pageText(body))
	}

	// Per login: unknown accounts leave no per-account record, and the
	// login still stops them.
	c4, ws4 := terminal(t, env)
	p4 := openApprovePage(t, c4.ApproveURL(ws4.SessionID))
	for i := range 10 {
		if status, body, _ := p4.submit(t, fmt.Sprintf("guess-%d", i), "123456"); status != 401 {
			t.Fatalf("guess %d: %d %s", i, status, pageText(body))
		}
	}
	status, body, hdr = p4.submit(t, "guess-x", "123456")
	if status != 429 || !strings.Contains(pageText(body), "Too many codes were tried for this login.") || hdr.Get("Retry-After") == "" {
		t.Errorf("11th code on one login: %d %q %s", status, hdr.Get("Retry-After"), pageText(body))
	}
}

// TestApprovePageHostileForms posts malformed, oversized and hostile
// forms, and forms from another site: each gets a clear page and approves
// nothing.
func TestApprovePageHostileForms(t *testing.T) {
	env := servertest.Start(t)
	app := enrolApp(t, env, "mike")
	c, ws := terminal(t, env)
	p := openApprovePage(t, c.ApproveURL(ws.SessionID))
	good := func() url.Values {
		return url.Values{"account": {"mike"}, "code": {app.code(t, env, 0)}, "csrf": {p.csrf}}
	}
	enc := func(mod func(url.Values)) string { v := good(); mod(v); return v.Encode() }
	cases := []struct {
		name   string
		body   string
		hdr    map[string]string
		status int
		want   string
	}{
		{"empty", "", nil, 400, "out of date"},
		{"no code", enc(func(v url.Values) { v.Del("code") }), nil, 400, "6 digits"},
		{"two codes", enc(func(v url.Values) { v.Add("code", "000000") }), nil, 400, "one code field"},
		{"extra field", enc(func(v url.Values) { v.Set("userId", app.userID) }), nil, 400, "unexpected field"},
		{"bad escape", "account=%zz&code=123456&csrf=" + p.csrf, nil, 400, "could not be read"},
		{"letters in code", enc(func(v url.Values) { v.Set("code", "12a456") }), nil, 400, "6 digits"},
		{"long code", enc(func(v url.Values) { v.Set("code", "1234567") }), nil, 400, "6 digits"},
		{"fullwidth digits", enc(func(v url.Values) { v.Set("code", "１２３４５６") }), nil, 400, "6 digits"},
		{"script account", enc(func(v url.Values) { v.Set("account", `<script>alert(1)</script>`) }), nil, 400, "handle you chose"},
		{"NUL account", enc(func(v url.Values) { v.Set("account", "mi\x00ke") }), nil, 400, "handle you chose"},
		{"long account", enc(func(v url.Values) { v.Set("account", strings.Repeat("a", 33)) }), nil, 400, "handle you chose"},
		{"oversized", enc(func(v url.Values) { v.Set("pad", strings.Repeat("x", 4000)) }), nil, 413, "too large"},
		{"JSON", `{"account":"mike"}`, map[string]string{"Content-Type": "application/json"}, 415, "form"},
		{"no content type", enc(func(url.Values) {}), map[string]string{"Content-Type": ""}, 415, "form"},
		{"bad token", enc(func(v url.Values) { v.Set("csrf", strings.Repeat("0", 32)) }), nil, 403, "another site"},
		{"token not hex", enc(func(v url.Values) { v.Set("csrf", "zz") }), nil, 400, "out of date"},
		{"cross-site", enc(func(url.Values) {}), map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "another site"},
		{"same-site", enc(func(url.Values) {}), map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "another site"},
		{"other origin", enc(func(url.Values) {}), map[string]string{"Origin": "https://evil.example"}, 403, "another site"},
	}
	for _, tc := range cases {
		status, body, _ := p.post(t, tc.body, tc.hdr)
		if status != tc.status || !strings.Contains(pageText(body), tc.want) {
			t.Errorf("%s: %d, want %d with %q:\n%s", tc.name, status, tc.status, tc.want, pageText(body))
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: the page echoes markup unescaped", tc.name)
		}
	}
	noCookie := p
	noCookie.cookie = nil
	if status, body, _ := noCookie.post(t, good().Encode(), nil); status != 403 {
		t.Errorf("no cookie: %d %s", status, pageText(body))
	}
	requirePending(t, env, c, ws.SessionID)
	// The same form from the page's own origin is fine.
	status, body, _ := p.post(t, good().Encode(), map[string]string{"Origin": env.Root, "Sec-Fetch-Site": "same-origin"})
	if status != 200 {
		t.Fatalf("the genuine form: %d %s", status, pageText(body))
	}
}

// TestApprovePageConcurrentSubmissions: eight renderings of one login's
// page submit valid codes at once; exactly one approves; on SQLite and on
// PostgreSQL.
func TestApprovePageConcurrentSubmissions(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			approvePageConcurrentSubmissions(t, servertest.Start(t, servertest.WithStore(b.Open(t))))
		})
	}
}

func approvePageConcurrentSubmissions(t *testing.T, env *servertest.Env) {
	app := enrolApp(t, env, "mike")
	c, ws := terminal(t, env)
	pages := make([]approvePage, 8)
	for i := range pages {
		pages[i] = openApprovePage(t, c.ApproveURL(ws.SessionID))
	}
	codes := []string{app.code(t, env, -1), app.code(t, env, 0), app.code(t, env, 1)}
	statuses := make([]int, len(pages))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], _, _ = p.submit(t, "mike", codes[i%len(codes)])
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("submission %d: %d, want 200 or 409", i, s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent submissions approved (%v), want exactly 1", ok, len(pages), statuses)
	}
	got, err := c.Websession(context.Background(), ws.SessionID, 0)
	if err != nil || got.State != api.StateApproved || got.UserID != app.userID {
		t.Fatalf("websession: %+v, %v", got, err)
	}
}

// TestPhoneTOTPEnrolment: enrolment needs the phone key's signature, a
// re-enrolment replaces the secret, and a handle belongs to one account.
func TestPhoneTOTPEnrolment(t *testing.T) {
	env := servertest.Start(t)
	app := enrolApp(t, env, "mike")
	// Re-enrolment by the same key: the new secret works, the old not.
	newSecret, _ := totp.NewSecret(nil, 20)
	if r := enrolRaw(t, env, app.key, "mike", newSecret); r.Status != 200 {
		t.Fatalf("re-enrol: %d %s", r.Status, r.Body)
	}
	oldApp := app
	app.secret = newSecret
	c, ws := terminal(t, env)
	p := openApprovePage(t, c.ApproveURL(ws.SessionID))
	if oldCode, newCode := oldApp.code(t, env, 0), app.code(t, env, 0); oldCode != newCode {
		if status, _, _ := p.submit(t, "mike", oldCode); status != 401 {
			t.Errorf("the replaced secret's code: %d, want 401", status)
		}
	}
	if status, body, _ := p.submit(t, "mike", app.code(t, env, 0)); status != 200 {
		t.Errorf("the new secret's code: %d %s", status, pageText(body))
	}
	// Another key cannot take the handle.
	if r := enrolRaw(t, env, servertest.NewKey(t), "mike", newSecret); r.Status != 409 || !strings.Contains(r.Message(), "taken") {
		t.Errorf("another key, same handle: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct{ handle, secret, want string }{
		{"MIKE", newSecret, "handle must be"},
		{"ab", newSecret, "handle must be"},
		{"-mike", newSecret, "handle must be"},
		{"mike2", "not base32!", "secret must be"},
		{"mike2", "AAAAAAAA", "secret must be"},
		{"mike2", strings.Repeat("A", 80), "secret must be"},
	} {
		if r := enrolRaw(t, env, servertest.NewKey(t), tc.handle, tc.secret); r.Status != 400 || !strings.Contains(r.Message(), tc.want) {
			t.Errorf("enrol(%q, %q): %d %s", tc.handle, tc.secret, r.Status, r.Body)
		}
	}
	// Unsigned: 401.
	req, _ := http.NewRequest("POST", env.URL+"/phone/totp", strings.NewReader(`{"handle":"mike","secret":"`+newSecret+`"}`))
	if r := servertest.Send(t, req); r.Status != 401 {
		t.Errorf("unsigned enrolment: %d %s", r.Status, r.Body)
	}
	// Extra fields and wrong types: 400.
	c2 := &servertest.Caller{Env: env, Key: app.key}
	for _, body := range []string{`{"handle":"mike","secret":"` + newSecret + `","userId":"x"}`, `{"handle":5,"secret":"x"}`, `[]`, ``} {
		if r := servertest.Send(t, c2.Build(t, "POST", "/phone/totp", []byte(body), true, nil)); r.Status != 400 {
			t.Errorf("body %s: %d %s", body, r.Status, r.Body)
		}
	}
}
