package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/internal/qrdecode"
	"fastcheck/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// home is one user's machine: its own XDG dirs, the server in
// FASTCHECK_SERVER, UTC, and no OS keyring (a D-Bus address that leads
// nowhere), so every secret goes through --insecure-storage unless a test
// says otherwise.
type home struct {
	t   *testing.T
	dir string
	env []string
}

func newHome(t *testing.T, server string) *home {
	dir := t.TempDir()
	return &home{t: t, dir: dir, env: []string{
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"HOME=" + dir,
		"FASTCHECK_SERVER=" + server,
		"FASTCHECK_PROFILE=",
		"TZ=UTC",
		"NO_COLOR=1",
		// English, whatever the machine's locale (ruHome switches to Russian).
		"LC_ALL=", "LC_MESSAGES=", "LANG=C",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(dir, "no-bus"),
		// The race runtime waits 1 s at exit for late reports by default;
		// a race still makes the binary exit 66, which every check sees.
		"GORACE=atexit_sleep_ms=50",
	}}
}

// lang is this home with LANG (and any other variables) set: the same
// config, keys and session.
func (h *home) lang(lang string, env ...string) *home {
	return &home{t: h.t, dir: h.dir, env: append(append(slices.Clone(h.env), "LANG="+lang), env...)}
}

var exportedAtRE = regexp.MustCompile(`"exportedAt": "[^"]*"`)

// run runs the binary in this home; stdout and stderr apart.
func (h *home) run(args ...string) (stdout, stderr string, code int) {
	h.t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), h.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its stdout.
func (h *home) ok(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errs)
	}
	return out
}

// json runs a --json command that must succeed, checks that stdout is
// one JSON value and nothing else, and decodes it into v.
func (h *home) json(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append(args, "--json")...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		h.t.Fatalf("%v --json: %v\n%s", args, err, out)
	}
	if dec.More() {
		h.t.Fatalf("%v --json printed more than one value:\n%s", args, out)
	}
}

// login runs `fastcheck login` in the background, approves it with
// `fastcheck phone approve --demo <user>`, and waits for it to exit 0.
// It returns login's output and the URL it printed.
func (h *home) login(user string, args ...string) (output, url string) {
	h.t.Helper()
	p := start(h.t, h.env, append([]string{"login"}, args...)...)
	urlRE := regexp.MustCompile(`http://\S+/approve/[0-9A-F]{32}`)
	deadline := time.Now().Add(20 * time.Second)
	for url == "" {
		url = urlRE.FindString(p.output())
		if url != "" {
			break
		}
		select {
		case <-p.done:
			h.t.Fatalf("login exited early: %v\n%s", p.err, p.output())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("login printed no URL:\n%s", p.output())
		}
	}
	if out, errs, code := h.run("phone", "approve", "--demo", user, "--yes", url); code != 0 {
		h.t.Fatalf("phone approve: exit %d\n%s%s", code, out, errs)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		h.t.Fatalf("login did not end after approval:\n%s", p.output())
	}
	if p.err != nil {
		h.t.Fatalf("login: %v\n%s", p.err, p.output())
	}
	return p.output(), url
}

// secrets reads the insecure-storage file of this home.
func (h *home) secrets(profile string) store.ProfileSecrets {
	return store.ProfileSecrets{Secrets: &store.FileSecrets{Path: filepath.Join(h.dir, "data", "fastcheck", "insecure-secrets.json")}, Profile: profile}
}

func demoUserID(t *testing.T, name string) string {
	u, ok := assets.FindDemoUser(name)
	if !ok {
		t.Fatalf("no demo user %s", name)
	}
	return api.UserID(u.PhoneKey().Public().(ed25519.PublicKey))
}

// TestCLIEndToEnd: alice and bob log in through the phone, alice creates
// two checks, bob accepts one, alice cancels the other; balances, lists,
// exports and exit codes are checked, and human output against golden files.
func TestCLIEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	base := "http://" + addr + "/api"
	alice, bob := newHome(t, base), newHome(t, base)

	// Not logged in yet: exit 3, and a hint.
	if _, errs, code := alice.run("balance", "--insecure-storage"); code != exitNotLoggedIn || !strings.Contains(errs, "fastcheck login") {
		t.Fatalf("balance before login: exit %d\n%s", code, errs)
	}

	// alice logs in with --no-qr (human output); bob with the QR, which
	// must decode back to the URL printed beside it.
	out, url := alice.login("alice", "--no-qr", "--insecure-storage")
	for _, want := range []string{"Logged in as " + demoUserID(t, "alice"), "Fingerprint", "--insecure-storage"} {
		if !strings.Contains(out, want) {
			t.Errorf("alice's login output lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "█▀▄") {
		t.Errorf("--no-qr printed a QR code:\n%s", out)
	}
	if !strings.HasPrefix(url, base+"/approve/") {
		t.Errorf("approve URL %s is not under %s", url, base)
	}
	out, url = bob.login("bob", "--insecure-storage")
	if got := decodeQR(t, out); got != url {
		t.Fatalf("the QR decodes to %q, want %q\n%s", got, url, out)
	}

	// The key pair and session are in the 0600 file, the server in the config.
	sess, err := alice.secrets("default").Session()
	if err != nil || !api.ValidID(sess) {
		t.Fatalf("alice's stored session: %q %v", sess, err)
	}
	if fi, err := os.Stat(filepath.Join(alice.dir, "data", "fastcheck", "insecure-secrets.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", fi, err)
	}
	cfg, err := store.LoadConfig(filepath.Join(alice.dir, "config", "fastcheck", "config.json"))
	if err != nil || cfg.Profiles["default"] == nil || cfg.Profiles["default"].Server != base || !cfg.Profiles["default"].InsecureStorage {
		t.Fatalf("alice's config: %+v %v", cfg, err)
	}

	// A second login is a no-op that says so.
	if out := alice.ok("login", "--no-qr"); !strings.Contains(out, "Already logged in") {
		t.Fatalf("second login:\n%s", out)
	}

	// whoami, field by field.
	var who whoamiResult
	alice.json(&who, "whoami")
	key, _, _ := alice.secrets("default").Key(false)
	if who.Profile != "default" || who.Server != base || !who.ServerReachable || who.Session != "active" ||
		who.UserID != demoUserID(t, "alice") || who.Fingerprint != api.Fingerprint(key.Public().(ed25519.PublicKey)) ||
		!strings.Contains(who.Storage, "insecure") || who.Expires == "" {
		t.Fatalf("whoami: %+v", who)
	}

	// Balances.
	var bal api.Balance
	alice.json(&bal, "balance")
	if bal != (api.Balance{Balance: 15000000, Currency: "RUB"}) {
		t.Fatalf("alice's balance %+v", bal)
	}

	// alice creates two checks.
	var c1, c2 api.CreateCheckResponse
	alice.json(&c1, "create", "1,580.00")
	nextSecond() // so that lists have one order: newest first
	alice.json(&c2, "create", "25.5", "rub")
	for _, c := range []api.CreateCheckResponse{c1, c2} {
		if !api.ValidCheckNumber(c.Fastcheck) || !api.ValidCheckCode(c.Code) || !c.Status || c.Currency != "RUB" {
			t.Fatalf("create: %+v", c)
		}
		if _, err := api.ParseTime(c.Expiration); err != nil {
			t.Fatalf("create expiration %q", c.Expiration)
		}
	}
	if c1.Amount != 158000 || c2.Amount != 2550 {
		t.Fatalf("amounts %d, %d", c1.Amount, c2.Amount)
	}
	var act api.ActiveChecks
	alice.json(&act, "active")
	if len(act.Checks) != 2 || act.Checks[1].Fastcheck != c1.Fastcheck || act.Checks[1].Code != c1.Code ||
		act.Checks[1].Amount != 158000 || act.Checks[1].Status != "active" || act.Checks[0].Fastcheck != c2.Fastcheck || act.Checks[0].Code != c2.Code {
		t.Fatalf("active: %+v", act)
	}
	golden(t, "active", alice.ok("active"), c1.Code, c2.Code)
	golden(t, "active.ru", alice.lang("ru_RU.UTF-8").ok("active"), c1.Code, c2.Code)

	// bob looks the check up (no login needed for that) and accepts it.
	var st api.CheckStatus
	bob.json(&st, "check", strings.ReplaceAll(c1.Fastcheck, "-", " "))
	if st.Fastcheck != c1.Fastcheck || !st.Status || st.Amount != 158000 || st.Currency != "RUB" || st.State != "active" || st.Expiration != c1.Expiration {
		t.Fatalf("check: %+v", st)
	}
	golden(t, "check-active", bob.ok("check", c1.Fastcheck))
	golden(t, "check-active.ru", bob.ok("check", c1.Fastcheck, "--lang", "ru"))
	wrong := "0000"
	if c1.Code == wrong {
		wrong = "0001"
	}
	if _, errs, code := bob.run("accept", c1.Fastcheck, wrong, "--yes"); code != exitNotFound || !strings.Contains(errs, "not authorized") {
		t.Fatalf("accept with a wrong code: exit %d\n%s", code, errs)
	}
	if out, errs, code := bob.run("accept", c1.Fastcheck, c1.Code); code == 0 || !strings.Contains(errs, "pass --yes") {
		t.Fatalf("accept without a terminal or --yes: exit %d\n%s%s", code, out, errs)
	}
	var acc acceptResult
	bob.json(&acc, "accept", c1.Fastcheck, c1.Code, "--yes")
	if acc.Message != "ok" || acc.Fastcheck != c1.Fastcheck || acc.Amount != 158000 || acc.Currency != "RUB" || acc.Balance == nil || *acc.Balance != 15158000 {
		t.Fatalf("accept: %+v", acc)
	}
	if _, errs, code := bob.run("accept", c1.Fastcheck, c1.Code, "--yes"); code != exitError || !strings.Contains(errs, "no longer be accepted") {
		t.Fatalf("accepting a used check: exit %d\n%s", code, errs)
	}
	golden(t, "check-used", bob.ok("check", c1.Fastcheck))

	// alice cancels the other one.
	nextSecond()
	if _, errs, code := alice.run("cancel", c2.Fastcheck); code == 0 || !strings.Contains(errs, "pass --yes") {
		t.Fatalf("cancel without --yes: exit %d\n%s", code, errs)
	}
	var can api.CancelCheckResponse
	alice.json(&can, "cancel", c2.Fastcheck, "--yes")
	if can.Fastcheck != c2.Fastcheck || can.Amount != 2550 || can.Balance != 15000000-158000 {
		t.Fatalf("cancel: %+v", can)
	}

	// Both balances, as JSON and as people read them.
	alice.json(&bal, "balance")
	if bal.Balance != 14842000 {
		t.Fatalf("alice's balance after: %+v", bal)
	}
	bob.json(&bal, "balance")
	if bal.Balance != 15158000 {
		t.Fatalf("bob's balance after: %+v", bal)
	}
	golden(t, "balance", alice.ok("balance"))

	// History, with filters.
	var hist api.HistoryChecks
	alice.json(&hist, "history")
	if len(hist.Checks) != 2 || hist.Checks[1].Fastcheck != c1.Fastcheck || hist.Checks[1].Type != "created" || hist.Checks[1].Status != "used" ||
		hist.Checks[1].UsedAt == "" || hist.Checks[0].Fastcheck != c2.Fastcheck || hist.Checks[0].Status != "cancelled" || hist.Checks[0].Amount != 2550 {
		t.Fatalf("alice's history: %+v", hist)
	}
	golden(t, "history", alice.ok("history"))
	golden(t, "balance.ru", alice.lang("ru_RU.UTF-8").ok("balance"))
	golden(t, "history.ru", alice.lang("ru_RU.UTF-8").ok("history"))

	// --json is the same in every language, byte for byte: LANG, LC_ALL,
	// --lang and the config's "lang" change only what people read.
	for _, args := range [][]string{{"balance"}, {"active"}, {"history"}, {"history", "--status", "used"}, {"check", c1.Fastcheck}, {"whoami"}, {"export"}, {"profile", "list"}, {"completion", "fish"}} {
		args = append(args, "--json")
		want := alice.ok(args...)
		if args[0] == "export" {
			want = exportedAtRE.ReplaceAllString(want, "")
		}
		for _, h := range []*home{alice.lang("ru_RU.UTF-8"), alice.lang("C", "LC_ALL=ru_RU.UTF-8"), alice} {
			for _, extra := range [][]string{nil, {"--lang", "ru"}, {"--lang=en"}} {
				got := h.ok(append(append([]string{}, args...), extra...)...)
				if args[0] == "export" {
					got = exportedAtRE.ReplaceAllString(got, "")
				}
				if got != want {
					t.Errorf("%v %v with %v: the JSON differs from LANG=C's:\n%s\nwant\n%s", args, extra, h.env[len(h.env)-1], got, want)
				}
			}
		}
	}
	bob.json(&hist, "history")
	if len(hist.Checks) != 1 || hist.Checks[0].Type != "accepted" || hist.Checks[0].AcceptedAt == "" || hist.Checks[0].Amount != 158000 {
		t.Fatalf("bob's history: %+v", hist)
	}
	for _, f := range []struct {
		args []string
		n    int
	}{
		{[]string{"--type", "accepted"}, 0},
		{[]string{"--type", "created", "--status", "cancelled"}, 1},
		{[]string{"--status", "expired"}, 0},
		{[]string{"--since", "today"}, 2},
		{[]string{"--since", "1h", "--until", "today"}, 2},
		{[]string{"--until", "yesterday"}, 0},
		{[]string{"--since", time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")}, 0},
		{[]string{"--limit", "1"}, 1},
	} {
		alice.json(&hist, append([]string{"history"}, f.args...)...)
		if len(hist.Checks) != f.n {
			t.Errorf("history %v: %d rows, want %d", f.args, len(hist.Checks), f.n)
		}
	}

	// Export: CSV without codes by default, JSON with them on request.
	c3 := api.CreateCheckResponse{}
	alice.json(&c3, "create", "10")
	rows, err := csv.NewReader(strings.NewReader(alice.ok("export", "--format", "csv"))).ReadAll()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("export csv: %v %q", err, rows)
	}
	if rows[1][0] != "active" || rows[1][1] != c3.Fastcheck || rows[1][4] != "10.00" || rows[1][5] != "1000" || rows[1][7] != "" ||
		rows[2][1] != c2.Fastcheck || rows[2][3] != "cancelled" || rows[3][1] != c1.Fastcheck || rows[3][3] != "used" || rows[3][4] != "1580.00" {
		t.Fatalf("export csv rows: %q", rows)
	}
	file := filepath.Join(alice.dir, "export.json")
	if out, errs, code := alice.run("export", "--json", "--with-codes", "--output", file); code != 0 || out != "" || errs == "" {
		t.Fatalf("export --json --output: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	var doc exportDoc
	if b, err := os.ReadFile(file); err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("export file: %v\n%s", err, b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v", fi.Mode())
	}
	if doc.Profile != "default" || doc.Server != base || len(doc.Active) != 1 || doc.Active[0].Code != c3.Code || len(doc.History) != 2 {
		t.Fatalf("export json: %+v", doc)
	}

	// Usage errors exit 2, not-found 4, and nothing reaches stdout.
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"create", "abc"}, exitUsage, "Not an amount; type it like 1580.00"},
		{[]string{"create", "10.001"}, exitUsage, "At most 2 decimal places"},
		{[]string{"create", "-5"}, exitUsage, "The amount must be more than zero"},
		{[]string{"create", "10", "XYZ"}, exitUsage, "unknown currency"},
		{[]string{"create", "10", "USD"}, exitError, "request refused"},
		{[]string{"create", "999999999"}, exitError, "insufficient funds"},
		{[]string{"create"}, exitUsage, "give an amount"},
		{[]string{"check", "12"}, exitUsage, "12 digits"},
		{[]string{"check", "0000-0000-0000"}, exitNotFound, "no such check"},
		{[]string{"accept", c1.Fastcheck}, exitUsage, "4-digit code"},
		{[]string{"accept", c1.Fastcheck, "12345", "--yes"}, exitUsage, "4 digits"},
		{[]string{"accept", "0000-0000-0000", "1234", "--yes"}, exitNotFound, "no such check"},
		{[]string{"accept", c3.Fastcheck, "1234", "--json"}, exitUsage, "--json needs --yes"},
		{[]string{"cancel", "0000-0000-0000", "--yes"}, exitNotFound, "not found"},
		{[]string{"history", "--type", "sent"}, exitUsage, "--type"},
		{[]string{"history", "--since", "last tuesday"}, exitUsage, "not a date"},
		{[]string{"export", "--format", "xml"}, exitUsage, "csv or json"},
		{[]string{"balance", "--bogus"}, exitUsage, "not defined"},
		{[]string{"balance", "--profile", "a:b"}, exitUsage, "profile name"},
		{[]string{"balance", "--server", "http://example.com/api"}, exitUsage, "--allow-insecure-http"},
		{[]string{"balance", "--profile", "nobody"}, exitError, "keyring is unavailable"},
		{[]string{"balance", "--profile", "nobody", "--insecure-storage"}, exitNotLoggedIn, "fastcheck login --profile nobody"},
		{[]string{"completion", "tcsh"}, exitUsage, "unknown shell"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
	} {
		out, errs, code := alice.run(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %q\nstderr: %s", tc.args, code, tc.code, tc.msg, out, errs)
		}
	}

	// Logout ends the session on the server too: the old session, signed
	// with the still-stored key, is refused afterwards.
	key, _, _ = alice.secrets("default").Key(false)
	var lo logoutResult
	alice.json(&lo, "logout")
	if !lo.HadSession || !lo.ServerEnded || lo.KeyForgotten || lo.Profile != "default" {
		t.Fatalf("logout: %+v", lo)
	}
	c, err := client.New(client.Options{BaseURL: base, Key: key, SessionID: sess})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balance(t.Context()); !errors.Is(err, client.ErrNotLoggedIn) {
		t.Fatalf("the old session after logout: %v", err)
	}
	if _, errs, code := alice.run("balance"); code != exitNotLoggedIn || !strings.Contains(errs, "not logged in") {
		t.Fatalf("balance after logout: exit %d\n%s", code, errs)
	}
	if out, _, code := alice.run("whoami", "--json"); code != exitNotLoggedIn || !strings.Contains(out, `"session": "none"`) {
		t.Fatalf("whoami after logout: exit %d\n%s", code, out)
	}
	if k, _, err := alice.secrets("default").Key(false); err != nil || !k.Equal(key) {
		t.Fatalf("logout lost the key: %v", err)
	}
	alice.json(&lo, "logout", "--forget-key")
	if lo.HadSession || !lo.KeyForgotten {
		t.Fatalf("logout --forget-key: %+v", lo)
	}
	if _, _, err := alice.secrets("default").Key(false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key after --forget-key: %v", err)
	}
	out, _, code := alice.run("whoami", "--json")
	who = whoamiResult{}
	if err := json.Unmarshal([]byte(out), &who); err != nil || code != exitNotLoggedIn || who.Fingerprint != "" || who.Session != "none" {
		t.Fatalf("whoami after --forget-key: exit %d %v\n%s", code, err, out)
	}
}

// nextSecond waits for the next whole second: the API's times have
// seconds, so two events a second apart have one order.
func nextSecond() { time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) }

var (
	numberRE = regexp.MustCompile(`\b\d{4}-\d{4}-\d{4}\b`)
	timeRE   = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b`)
	ruTimeRE = regexp.MustCompile(`\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}\b`)
)

// golden compares human output with testdata/<name>.golden after
// replacing what changes from run to run by same-width placeholders:
// check numbers, times, and the given codes. -update rewrites the file.
func golden(t *testing.T, name, got string, codes ...string) {
	t.Helper()
	got = numberRE.ReplaceAllString(got, "NNNN-NNNN-NNNN")
	got = timeRE.ReplaceAllString(got, "YYYY-MM-DD hh:mm")
	got = ruTimeRE.ReplaceAllString(got, "DD.MM.YYYY hh:mm")
	for _, c := range codes {
		got = regexp.MustCompile(`  `+c+`  `).ReplaceAllString(got, "  CODE  ")
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./cmd/fastcheck -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// decodeQR finds the half-block QR code in text and decodes it: each cell
// is two stacked modules (█ both light, ▀ top light, ▄ bottom light,
// space both dark), scaled up for the reader.
func decodeQR(t *testing.T, text string) string {
	t.Helper()
	got, rows, err := decodeQRText(text)
	if rows == nil {
		t.Fatalf("no QR code in:\n%s", text)
	}
	if err != nil {
		t.Fatalf("the QR code does not decode: %v\n%s", err, strings.Join(rows, "\n"))
	}
	return got
}

// decodeQRText is decodeQR's work: the text of the first QR code in text,
// the rows it was read from (nil when there is none), or the error.
func decodeQRText(text string) (string, []string, error) {
	var rows []string
	for _, l := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(l) > 20 && strings.Trim(l, "█▀▄ ") == "" {
			rows = append(rows, l)
		} else if len(rows) > 0 {
			break
		}
	}
	if len(rows) < 10 {
		return "", nil, errors.New("no QR code")
	}
	// A code with an odd number of module rows ends in a row of ▀ whose
	// lower halves are the terminal's background, not the code: drop it,
	// or it reads as a dark bar under the quiet zone.
	if last := rows[len(rows)-1]; strings.Trim(last, "▀") == "" {
		rows = rows[:len(rows)-1]
	}
	cells := make([][]rune, len(rows))
	for i, r := range rows {
		cells[i] = []rune(r)
	}
	got, err := qrdecode.HalfBlocks(cells, false)
	return got, rows, err
}

// A login interrupted with Ctrl+C withdraws its QR. A login that nobody
// approves expires; without a terminal to ask, login says so and exits 1.
// --json reports both as events.
func TestCLILoginCancelledOrExpired(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo", "--websession-ttl", "2s")
	h := newHome(t, "http://"+addr+"/api")

	p := start(t, h.env, "login", "--no-qr", "--insecure-storage")
	urlRE := regexp.MustCompile(`http://\S+/approve/[0-9A-F]{32}`)
	for deadline := time.Now().Add(10 * time.Second); urlRE.FindString(p.output()) == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL:\n%s", p.output())
		}
	}
	p.cmd.Process.Signal(os.Interrupt)
	<-p.done
	if p.err == nil || !strings.Contains(p.output(), "withdrawn") {
		t.Fatalf("login after Ctrl+C: %v\n%s", p.err, p.output())
	}
	if out, errs, code := h.run("phone", "approve", "--demo", "alice", "--yes", urlRE.FindString(p.output())); code != exitNotFound {
		t.Fatalf("approving a withdrawn login: exit %d\n%s%s", code, out, errs)
	}

	start := time.Now()
	out, errs, code := h.run("login", "--json", "--insecure-storage")
	if code != exitError || !strings.Contains(errs, "expired before it was approved") {
		t.Fatalf("login: exit %d\n%s\n%s", code, out, errs)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the expiry took %v to notice", d)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first, last loginEvent
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || json.Unmarshal([]byte(lines[1]), &last) != nil {
		t.Fatalf("login --json lines:\n%s", out)
	}
	if first.Event != "waiting" || !strings.Contains(first.ApproveURL, "/approve/") || first.Fingerprint == "" || first.Expires == "" || last.Event != "expired" {
		t.Fatalf("events %+v %+v", first, last)
	}
	if _, err := h.secrets("default").Session(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unapproved login stored a session: %v", err)
	}
}

// Without an OS keyring and without --insecure-storage, commands fail with
// the message that names the fix, and write nothing.
func TestCLIKeyringUnavailable(t *testing.T) {
	h := newHome(t, "http://127.0.0.1:1/api")
	for _, args := range [][]string{{"login", "--no-qr"}, {"balance"}, {"whoami"}} {
		out, errs, code := h.run(args...)
		if code != exitError || out != "" || !strings.Contains(errs, "keyring is unavailable") || !strings.Contains(errs, "--insecure-storage") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %s", args, code, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(h.dir, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something was written to the data dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "config")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something was written to the config dir: %v", err)
	}
}

// With a real Secret Service (scripts/with-services), login keeps the key
// and session in it: nothing secret lands in the config or data dirs.
func TestCLIRealKeyring(t *testing.T) {
	if os.Getenv("FASTCHECK_TEST_KEYRING") != "1" {
		if os.Getenv("FASTCHECK_REQUIRE_SERVICES") == "1" {
			t.Fatal("FASTCHECK_REQUIRE_SERVICES=1 but no Secret Service: run the tests through scripts/with-services with gnome-keyring installed")
		}
		t.Skip("no Secret Service for tests (FASTCHECK_TEST_KEYRING unset)")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	h := newHome(t, "http://"+addr+"/api")
	h.env = slicesDelete(h.env, "DBUS_SESSION_BUS_ADDRESS=") // the real session bus
	profile := "e2e-" + strings.ToLower(api.NewID()[:10])
	h.env = append(h.env, "FASTCHECK_PROFILE="+profile)
	t.Cleanup(func() { h.run("logout", "--forget-key") })

	h.login("bob")
	var bal api.Balance
	h.json(&bal, "balance")
	if bal.Balance != 15000000 {
		t.Fatalf("balance %+v", bal)
	}
	var who whoamiResult
	h.json(&who, "whoami")
	if who.Storage != "the OS keyring" || who.Session != "active" {
		t.Fatalf("whoami %+v", who)
	}
	// The key and session are in the keyring, and in no file.
	ks := store.ProfileSecrets{Secrets: store.Keyring{}, Profile: profile}
	session, err := ks.Session()
	if err != nil {
		t.Fatalf("the session is not in the keyring: %v", err)
	}
	key, _, err := ks.Key(false)
	if err != nil {
		t.Fatalf("the key is not in the keyring: %v", err)
	}
	filepath.WalkDir(h.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, secret := range []string{session, store.EncodeKey(key)} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds a secret in plaintext", path)
			}
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(h.dir, "data", "fastcheck", "insecure-secrets.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the insecure secrets file exists: %v", err)
	}
	var lo logoutResult
	h.json(&lo, "logout", "--forget-key")
	if !lo.ServerEnded || !lo.KeyForgotten {
		t.Fatalf("logout %+v", lo)
	}
}

func slicesDelete(env []string, prefix string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// TestCLIHelpAndErrorsGolden: the usage, a command's help and a few errors
// read the same as their golden files, in English and in Russian (by LANG,
// by --lang, by the config's "lang"; --lang wins over both).
func TestCLIHelpAndErrorsGolden(t *testing.T) {
	h := newHome(t, "http://127.0.0.1:9/api")
	ru := h.lang("ru_RU.UTF-8")
	for _, tc := range []struct {
		name   string
		h      *home
		args   []string
		code   int
		stderr bool
	}{
		{"help", h, []string{"--help"}, exitOK, false},
		{"help.ru", ru, []string{"--help"}, exitOK, false},
		{"help-history", h, []string{"history", "--help"}, exitOK, false},
		{"help-history.ru", h, []string{"history", "--help", "--lang", "ru"}, exitOK, false},
		{"error-number", h, []string{"accept", "12-34", "0042"}, exitUsage, true},
		{"error-number.ru", ru, []string{"accept", "12-34", "0042"}, exitUsage, true},
		{"error-notloggedin", h, []string{"balance", "--insecure-storage"}, exitNotLoggedIn, true},
		{"error-notloggedin.ru", ru, []string{"balance", "--insecure-storage"}, exitNotLoggedIn, true},
	} {
		out, errs, code := tc.h.run(tc.args...)
		if code != tc.code {
			t.Errorf("%s: %v: exit %d, want %d\n%s%s", tc.name, tc.args, code, tc.code, out, errs)
		}
		if tc.stderr {
			if out != "" {
				t.Errorf("%s: an error printed to stdout: %q", tc.name, out)
			}
			out = errs
		}
		golden(t, tc.name, strings.ReplaceAll(out, tc.h.dir, "$HOME"))
	}

	// --lang and the config choose over LANG; a bad --lang is a usage error.
	if out, _, _ := ru.run("--help", "--lang", "en"); out != h.ok("--help") {
		t.Errorf("--lang en under LANG=ru:\n%s", out)
	}
	if err := os.MkdirAll(filepath.Join(h.dir, "config", "fastcheck"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "config", "fastcheck", "config.json"), []byte(`{"lang": "ru"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.ok("--help"); out != ru.ok("--help", "--lang", "ru") || !strings.Contains(out, "Использование") {
		t.Errorf("the config's lang is not Russian:\n%s", out)
	}
	if out := h.ok("--help", "--lang", "en"); !strings.HasPrefix(out, "Usage:") {
		t.Errorf("--lang en over the config's ru:\n%s", out)
	}
	// A config with an unknown language is reported, in the language of
	// the environment, naming the file.
	cfgPath := filepath.Join(h.dir, "config", "fastcheck", "config.json")
	if err := os.WriteFile(cfgPath, []byte(`{"lang": "de"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := ru.run("balance", "--insecure-storage"); code != exitError || !strings.Contains(errs, "неизвестный язык \"lang\" \"de\"") || !strings.Contains(errs, cfgPath) {
		t.Errorf("a config with lang de: exit %d\n%s", code, errs)
	}
	for _, args := range [][]string{{"--lang"}, {"--lang", "de", "balance"}, {"balance", "--lang=x"}} {
		if _, errs, code := h.run(args...); code != exitUsage || !strings.Contains(errs, "--lang") {
			t.Errorf("%v: exit %d\n%s", args, code, errs)
		}
	}
}
