package main

import (
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/server/servertest"
	"fastcheck/totp"
)

// TestPhoneRegisterTOTP enrols an authenticator app with the real binary
// against the real server binary: the printed otpauth URI parses with
// pquerna/otp as SHA1, 6 digits, 30 s; its secret then approves a login on
// the approve page; the human output carries the QR code, the URI and the
// handle; a taken handle and misuse of the flags are refused.
func TestPhoneRegisterTOTP(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	base := "http://" + addr + "/api"
	keyFile := filepath.Join(dir, "phone.key")

	out, code := runCmd(t, "phone", "register", "--key-file", keyFile, "--totp", "--handle", "Mike", "--server", base, "--json")
	var reg struct {
		UserID  string `json:"userId"`
		Handle  string `json:"handle"`
		URI     string `json:"otpauthUri"`
		Created bool   `json:"created"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &reg) != nil || reg.Handle != "mike" || !reg.Created || len(reg.UserID) != 43 {
		t.Fatalf("register --totp --json: exit %d\n%s", code, out)
	}
	k, err := otp.NewKeyFromURL(reg.URI)
	if err != nil {
		t.Fatalf("otpauth URI %q: %v", reg.URI, err)
	}
	if k.Type() != "totp" || k.Issuer() != "Fastcheck" || k.AccountName() != "mike" || k.Algorithm() != otp.AlgorithmSHA1 ||
		k.Digits() != otp.DigitsSix || k.Period() != 30 || len(k.Secret()) != 32 {
		t.Fatalf("otpauth URI %s: type %s issuer %s account %s alg %v digits %v period %d secret %d chars",
			reg.URI, k.Type(), k.Issuer(), k.AccountName(), k.Algorithm(), k.Digits(), k.Period(), len(k.Secret()))
	}
	approveOnPage(t, base, "mike", k.Secret(), reg.UserID)

	// Human output: the QR, the URI and the handle; enrolling again
	// replaces the secret.
	out, code = runCmd(t, "phone", "register", "--key-file", keyFile, "--totp", "--handle", "mike", "--server", base)
	if code != 0 || !strings.Contains(out, "otpauth://totp/Fastcheck:mike?") || !strings.Contains(out, "Account handle for the approve page: mike") ||
		!strings.Contains(out, "▀") || !strings.Contains(out, "Scan this QR code") {
		t.Fatalf("register --totp: exit %d\n%s", code, out)
	}
	if strings.Contains(out, k.Secret()) {
		t.Fatalf("enrolling again printed the old secret:\n%s", out)
	}

	// The default handle is the fingerprint's first 8 characters.
	key2 := filepath.Join(dir, "phone2.key")
	out, code = runCmd(t, "phone", "register", "--key-file", key2, "--totp", "--server", base, "--json")
	var reg2 struct {
		Fingerprint string `json:"fingerprint"`
		Handle      string `json:"handle"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &reg2) != nil ||
		reg2.Handle != strings.ToLower(strings.ReplaceAll(reg2.Fingerprint, " ", ""))[:8] {
		t.Fatalf("default handle: exit %d\n%s", code, out)
	}

	// A demo identity enrols its fixed demo secret under its name.
	out, code = runCmd(t, "phone", "register", "--demo", "bob", "--totp", "--server", base, "--json")
	bob, _ := assets.FindDemoUser("bob")
	if code != 0 || !strings.Contains(out, "secret="+bob.TOTPSecret()) || !strings.Contains(out, `"handle": "bob"`) {
		t.Fatalf("demo bob: exit %d\n%s", code, out)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"phone", "register", "--key-file", key2, "--totp", "--handle", "mike", "--server", base}, exitError, "taken by another account"},
		{[]string{"phone", "register", "--key-file", key2, "--totp", "--handle", "no", "--server", base}, exitError, "handle must be"},
		{[]string{"phone", "register", "--key-file", key2, "--handle", "mike"}, exitUsage, "--handle and --server need --totp"},
		{[]string{"phone", "register", "--key-file", key2, "--totp", "--server", "http://example.com/api"}, exitError, "http://"},
		{[]string{"demo", "--public-url", "http://192.168.1.20:8080"}, exitUsage, "add --addr 0.0.0.0:PORT"},
		{[]string{"demo", "--public-url", "ftp://192.168.1.20"}, exitUsage, "must be an absolute http(s) URL"},
		{[]string{"demo", "--public-url", "http://192.168.1.20:8080", "--addr", "0.0.0.0:0"}, exitUsage, "needs a terminal"},
	} {
		out, code := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.msg) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tc.args, code, tc.code, tc.msg, out)
		}
	}
}

// approveOnPage starts a login as a fresh terminal, approves it on the
// approve page with the account's current code, and checks that the
// terminal is logged in as userID.
func approveOnPage(t *testing.T, base, handle, secret, userID string) {
	t.Helper()
	env := &servertest.Env{URL: base, Clock: &servertest.Clock{}}
	term := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	var ws api.Websession
	servertest.Send(t, term.Build(t, "GET", "/websession", nil, true, nil)).JSON(t, &ws)
	page := submitOnPage(t, base+"/approve/"+ws.SessionID, handle, secret)
	if !strings.Contains(page, api.Fingerprint(term.Key.Public().(ed25519.PublicKey))) {
		t.Fatalf("the approve page does not show the terminal's fingerprint:\n%s", page)
	}
	var got api.Websession
	servertest.Send(t, term.Build(t, "GET", "/websession/"+ws.SessionID, nil, false, nil)).JSON(t, &got)
	if got.State != api.StateApproved || got.UserID != userID {
		t.Fatalf("the terminal's websession: %+v, want approved as %s", got, userID)
	}
}

// TestDemoTOTPTmux: `fastcheck demo --totp --public-url` in tmux. The
// demo users' authenticator QR codes come first (decoded off the pane:
// alice's fixed demo secret, SHA1/6/30); then the wallet's login QR
// carries the public address; approving it on the approve page with
// alice's code, as her phone would, logs the wallet in.
func TestDemoTOTPTmux(t *testing.T) {
	requireTmux(t)
	t.Parallel()
	h := newHome(t, "")
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	public := "http://localhost:" + port
	tt := newTmux(t, 100, 45, walletEnv(h), "demo", "--totp", "--addr", addr, "--public-url", public)
	s := tt.waitText(15*time.Second, "Demo user alice:", "Account handle for the approve page: alice", "Press Enter")
	alice, _ := assets.FindDemoUser("alice")
	k, err := otp.NewKeyFromURL(screenQR(t, s))
	if err != nil || k.Secret() != alice.TOTPSecret() || k.AccountName() != "alice" || k.Algorithm() != otp.AlgorithmSHA1 ||
		k.Digits() != otp.DigitsSix || k.Period() != 30 {
		t.Fatalf("alice's authenticator QR: %v, %v\n%s", k, err, s)
	}
	tt.key("Enter")
	tt.waitText(10*time.Second, "Demo user bob:", "Account handle for the approve page: bob")
	tt.resize(80, 24)
	tt.key("Enter")
	s = tt.waitText(10*time.Second, "Waiting for your phone")
	qr := screenQR(t, s)
	m := approveURLRE.FindStringSubmatch(qr)
	if !strings.HasPrefix(qr, public+"/api/approve/") || m == nil {
		t.Fatalf("the wallet's QR says %q, want the public address %s", qr, public)
	}
	submitOnPage(t, qr, "alice", alice.TOTPSecret())
	tt.waitText(10*time.Second, "Active checks (0)", "RUB 150,000.00", api.ShortUserID(demoUserID(t, "alice")))
	tt.key("q")
	if st := tt.waitExit(10 * time.Second); st != "0" {
		t.Fatalf("the demo exited with %s\nstderr:\n%s", st, tt.stderr())
	}
}

// submitOnPage opens the approve page, submits the account's current
// code with the page's CSRF token and cookie, and requires "Approved.". It
// returns the page as first shown.
func submitOnPage(t *testing.T, pageURL, handle, secret string) string {
	t.Helper()
	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]{32})"`).FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil || len(resp.Cookies()) != 1 {
		t.Fatalf("approve page: %d\n%s", resp.StatusCode, page)
	}
	code, err := totp.Code(secret, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"account": {handle}, "code": {code}, "csrf": {string(m[1])}}
	req, _ := http.NewRequest("POST", pageURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(resp.Cookies()[0])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(done), "Approved.") {
		t.Fatalf("approving on the page: %d\n%s", resp.StatusCode, done)
	}
	return string(page)
}
