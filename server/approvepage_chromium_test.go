package server_test

import (
	"strings"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/server"
	"fastcheck/server/servertest"

	"github.com/chromedp/chromedp"
)

// TestApprovePageInChromium approves a login the way a person with a phone
// does: the QR's URL opened in a real (headless) Chromium, the terminal's
// fingerprint and IP read off the page, the account and the authenticator
// app's code typed in, the button pressed; the terminal's long-poll then
// returns logged in. A wrong code, a reused code, an expired login and too
// many wrong codes are each refused with a clear message on the page.
//
// It needs Debian's chromium package; without it the test is skipped,
// unless FASTCHECK_REQUIRE_SERVICES=1 (CI), where it fails.
func TestApprovePageInChromium(t *testing.T) {
	ctx, bin := chromium(t, "the approve page", 90*time.Second, chromedp.WindowSize(390, 844)) // a phone's viewport
	env := servertest.Start(t)
	app := enrolApp(t, env, "mike")
	olga := enrolApp(t, env, "olga")

	// submit opens the page fresh, types the account and code, presses
	// the button and returns the result's text (#done or #error).
	submit := func(pageURL, account, code string) (done bool, text string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(pageURL),
			chromedp.WaitVisible(chromedp.ID("code")),
			chromedp.SendKeys(chromedp.ID("account"), account),
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.Click(chromedp.ID("approve")),
			chromedp.WaitVisible(chromedp.CSS("#done, #error")),
		)
		if err != nil {
			t.Fatalf("submitting on the page: %v", err)
		}
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".msg")))
		if err != nil {
			t.Fatal(err)
		}
		ids, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".msg"), "id"))
		if err != nil {
			t.Fatal(err)
		}
		return ids.Value == "done", text
	}

	// The QR's URL, as the terminal shows it.
	term, ws := terminal(t, env)
	qrURL := term.ApproveURL(ws.SessionID)
	login := make(chan api.Websession, 1)
	go func() {
		got, err := term.WaitForLogin(ctx, ws.SessionID)
		if err != nil {
			t.Errorf("WaitForLogin: %v", err)
		}
		login <- got
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate(qrURL), chromedp.WaitVisible(chromedp.ID("fingerprint"))); err != nil {
		t.Fatalf("opening %s in %s: %v", qrURL, bin, err)
	}
	fp, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("fingerprint")))
	if err != nil || fp != term.Fingerprint() {
		t.Errorf("the page shows fingerprint %q (%v), the terminal %q", fp, err, term.Fingerprint())
	}
	ip, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("ip")))
	if err != nil || ip != "127.0.0.1" {
		t.Errorf("the page shows IP %q (%v), want 127.0.0.1", ip, err)
	}

	// A wrong code first: refused, the login still waits.
	if done, text := submit(qrURL, "mike", app.wrongCode(t, env)); done || !strings.Contains(text, "The account or the code is wrong") {
		t.Fatalf("wrong code: done %v, %q", done, text)
	}
	code := app.code(t, env, 0)
	if done, text := submit(qrURL, "mike", code); !done || !strings.Contains(text, "Approved. The terminal is now logged in as mike.") {
		t.Fatalf("right code: done %v, %q", done, text)
	}
	if got := <-login; got.State != api.StateApproved || got.UserID != app.userID {
		t.Fatalf("the terminal's long-poll returned %+v, want approved as %s", got, app.userID)
	}
	if _, err := term.Balance(ctx); err != nil {
		t.Fatalf("the terminal's session does not work: %v", err)
	}

	// The same code for a second login: refused.
	term2, ws2 := terminal(t, env)
	if done, text := submit(term2.ApproveURL(ws2.SessionID), "mike", code); done || !strings.Contains(text, "This code was already used") {
		t.Errorf("reused code: done %v, %q", done, text)
	}

	// Too many wrong codes for an account: paused, even the right code.
	term3, ws3 := terminal(t, env)
	for range server.TOTPMaxFailures {
		if done, _ := submit(term3.ApproveURL(ws3.SessionID), "olga", olga.wrongCode(t, env)); done {
			t.Fatal("a wrong code approved")
		}
	}
	if done, text := submit(term3.ApproveURL(ws3.SessionID), "olga", olga.code(t, env, 0)); done || !strings.Contains(text, "Too many wrong codes for this account. Try again in") {
		t.Errorf("after too many failures: done %v, %q", done, text)
	}

	requirePending(t, env, term2, ws2.SessionID)
	requirePending(t, env, term3, ws3.SessionID)

	// An expired login: the form is refused with the reason.
	term4, ws4 := terminal(t, env)
	url4 := term4.ApproveURL(ws4.SessionID)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url4),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("account"), "mike"),
	); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(server.DefaultWebsessionTTL + time.Second)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), app.code(t, env, 0)),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.ID("error")),
	); err != nil {
		t.Fatal(err)
	}
	if text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("error"))); err != nil || !strings.Contains(text, "This login QR has expired") {
		t.Errorf("expired login: %q, %v", text, err)
	}
}
