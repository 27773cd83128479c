package server_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/server/servertest"

	"github.com/chromedp/chromedp"
)

// findChromium returns the path of a Chromium (or Chrome) binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium starts a headless Chromium for the test, with extra options,
// and returns its context (bounded by timeout; closed when the test ends)
// and the binary. Without a Chromium the test is skipped, unless
// FASTCHECK_REQUIRE_SERVICES=1 (CI), where it fails; what says what the
// test would have done in the browser.
func chromium(t *testing.T, what string, timeout time.Duration, opts ...chromedp.ExecAllocatorOption) (context.Context, string) {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal("chromium is not installed (apt-get install chromium), and FASTCHECK_REQUIRE_SERVICES=1 requires it")
		}
		t.Skip("chromium is not installed; apt-get install chromium to run " + what + " in a real browser")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}, opts...)...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	return ctx, bin
}

// TestBankPageInChromium pays a bank top-up the way a person does: the
// hosted payment page in a real (headless) Chromium, a test card typed
// into the form, the submit button clicked, the redirect back to the
// server's return page followed, and the new balance on the API.
//
// It needs Debian's chromium package; without it the test is skipped,
// unless FASTCHECK_REQUIRE_SERVICES=1 (CI), where it fails.
func TestBankPageInChromium(t *testing.T) {
	t.Parallel()
	ctx, bin := chromium(t, "the payment page", 60*time.Second)
	env, pay := servertest.StartPayments(t, servertest.PaymentOptions{})
	alice := env.Login(t, servertest.Demo(t, "alice"))
	tp := topup(t, alice, api.MethodBank, 123_400)

	err := chromedp.Do(ctx,
		chromedp.Navigate(tp.PaymentURL),
		chromedp.WaitVisible(chromedp.ID("card_number")),
	)
	if err != nil {
		t.Fatalf("opening the payment page in %s: %v", bin, err)
	}
	amount, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("amount")))
	if err != nil || amount != "1,234.00 RUB" {
		t.Errorf("the page asks for %q (%v), want 1,234.00 RUB", amount, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("card_number"), "4242 4242 4242 4242"),
		chromedp.SendKeys(chromedp.ID("expiry"), nextExpiry()),
		chromedp.SendKeys(chromedp.ID("cvc"), "123"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
	if err != nil {
		t.Fatalf("paying on the page: %v", err)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(location)
	if err != nil || u.Path != "/topup/"+tp.ID+"/return" || u.Query().Get("status") != "succeeded" ||
		u.Query().Get("transactionId") != tp.TransactionID {
		t.Fatalf("after paying the browser is at %s, want the top-up's return page", location)
	}
	got, _ := waitTopup(t, alice, tp.ID, credited(123_400))
	if got.Status != api.TopupClose {
		t.Fatalf("top-up after paying in the browser: %+v", got)
	}
	balanceIs(t, alice, aliceStart+123_400)
	// Reloaded now, the return page says the money is in the wallet.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("status"))); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("status"), "data-status"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	if status.Value != "credited" || !strings.Contains(text, "1,234.00 RUB") {
		t.Fatalf("return page after the credit: %s %q", status.Value, text)
	}
	waitIdle(t, pay)
	servertest.RequireAudit(t, env)
}
