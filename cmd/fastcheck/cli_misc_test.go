package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/store"
)

// Every command answers --help on stdout with examples and exits 0.
func TestCLIHelp(t *testing.T) {
	h := newHome(t, "http://127.0.0.1:1/api")
	for _, c := range cliCommands() {
		out, errs, code := h.run(c.name, "--help")
		if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: fastcheck "+c.name) ||
			!strings.Contains(out, "Examples:\n  fastcheck ") || !strings.Contains(out, "--json") {
			t.Errorf("%s --help: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, code, out, errs)
		}
	}
	if out := h.ok("help", "history"); !strings.Contains(out, "--since WHEN") {
		t.Errorf("help history:\n%s", out)
	}
	out := h.ok("--help")
	for _, c := range cliCommands() {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("fastcheck --help does not list %s:\n%s", c.name, out)
		}
	}
	// The commands with flags of their own, and their subcommands, too:
	// help on standard output, with examples.
	for _, args := range [][]string{{"wallet"}, {"demo"}, {"server"}, {"server", "audit"}, {"server", "audit-log"},
		{"server", "migrate"}, {"phone"}, {"phone", "register"}, {"phone", "approve"}, {"ssh"}, {"support"},
		{"briacoin-sim"}, {"briacoin-sim", "pay"}} {
		out, errs, code := h.run(append(args, "--help")...)
		first, _, _ := strings.Cut(out, "\n")
		if code != 0 || errs != "" || !strings.HasPrefix(first, "Usage: fastcheck ") || !strings.Contains(first, args[len(args)-1]) ||
			!strings.Contains(out, "Examples:\n  ") {
			t.Errorf("%s --help: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
		}
	}
	for _, c := range commands() {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("fastcheck --help does not list %s", c.name)
		}
	}
	if out := h.ok("--version"); !strings.HasPrefix(out, "fastcheck ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("--version: %q", out)
	}
	var b map[string]string
	h.json(&b, "--version", "--json")
	if b["version"] == "" || b["go"] != runtime.Version() || b["os"] != runtime.GOOS || b["arch"] != runtime.GOARCH {
		t.Errorf("--version --json: %v", b)
	}
}

// The completion scripts parse in their shells, and bash's completes.
func TestCLICompletion(t *testing.T) {
	h := newHome(t, "http://127.0.0.1:1/api")
	scripts := map[string]string{}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		scripts[sh] = h.ok("completion", sh)
		for _, c := range commands() {
			if !strings.Contains(scripts[sh], c.name) {
				t.Errorf("%s completion lacks %s", sh, c.name)
			}
		}
		path := filepath.Join(h.dir, "completion."+sh)
		os.WriteFile(path, []byte(scripts[sh]), 0o644)
		if _, err := exec.LookPath(sh); err != nil {
			t.Logf("%s is not installed; its script's syntax is not checked", sh)
			continue
		}
		if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	var j map[string]string
	h.json(&j, "completion", "fish")
	if j["shell"] != "fish" || j["script"] != scripts["fish"] {
		t.Errorf("completion --json: %v", j)
	}

	// Drive bash's completion function, with this binary first in PATH
	// for the --profile values.
	bin := filepath.Join(h.dir, "bin")
	os.MkdirAll(bin, 0o755)
	os.Symlink(binPath, filepath.Join(bin, "fastcheck"))
	h.ok("profile", "use", "work")
	complete := func(words ...string) string {
		t.Helper()
		script := "source " + filepath.Join(h.dir, "completion.bash") + "\n" +
			"COMP_WORDS=(" + strings.Join(quoteAll(words), " ") + "); COMP_CWORD=" + itoa(len(words)-1) + "\n" +
			`_fastcheck; echo "${COMPREPLY[*]}"`
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(append(os.Environ(), h.env...), "PATH="+bin+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Every flag a command's --help lists (its subcommands' too) completes.
	for _, c := range commands() {
		variants := [][]string{{c.name}}
		for _, sub := range map[string][]string{"server": {"audit", "audit-log", "migrate"}, "phone": {"register", "approve"},
			"briacoin-sim": {"pay"}, "topup": {"bank", "status"}, "withdraw": {"status"}}[c.name] {
			variants = append(variants, []string{c.name, sub})
		}
		offered := " " + complete("fastcheck", c.name, "--") + " "
		for _, v := range variants {
			help, _, _ := h.run(append(v, "--help")...)
			_, flags, _ := strings.Cut(help, "\nFlags:\n")
			for _, line := range strings.Split(flags, "\n") {
				f := strings.Fields(line)
				if len(f) > 0 && strings.HasPrefix(f[0], "--") && !strings.Contains(offered, " "+f[0]+" ") {
					t.Errorf("fastcheck %s --<tab> does not offer %s (from '%s --help')", c.name, f[0], strings.Join(v, " "))
				}
			}
		}
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"fastcheck", "exp"}, "export"},
		{[]string{"fastcheck", "wal"}, "wallet"},
		{[]string{"fastcheck", "server", "mig"}, "migrate"},
		{[]string{"fastcheck", "server", "--log-level", "w"}, "warn"},
		{[]string{"fastcheck", "ssh", "--demo-"}, "--demo-addr --demo-db"},
		{[]string{"fastcheck", "export", "--format", ""}, "csv json"},
		{[]string{"fastcheck", "history", "--st"}, "--status"},
		{[]string{"fastcheck", "history", "--status", "ex"}, "expired"},
		{[]string{"fastcheck", "completion", "z"}, "zsh"},
		{[]string{"fastcheck", "balance", "--profile", "w"}, "work"},
		{[]string{"fastcheck", "phone", "ap"}, "approve"},
	} {
		if got := complete(tc.words...); got != tc.want {
			t.Errorf("complete %q = %q, want %q", tc.words, got, tc.want)
		}
	}
}

func quoteAll(ws []string) []string {
	var out []string
	for _, w := range ws {
		out = append(out, "'"+w+"'")
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Two profiles in one home: each has its own key and session; the
// default, FASTCHECK_PROFILE and --profile pick one; remove wipes one.
func TestCLIProfiles(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	startServer(t, filepath.Join(dir, "fc.db"), addr, "--demo")
	base := "http://" + addr + "/api"
	h := newHome(t, base)
	if out := h.ok("profile", "list"); !strings.Contains(out, "No profiles yet") {
		t.Fatalf("profile list, empty:\n%s", out)
	}
	h.login("alice", "--no-qr", "--insecure-storage")
	h.login("bob", "--no-qr", "--insecure-storage", "--profile", "bob")

	var list struct {
		Default  string       `json:"default"`
		Profiles []profileRow `json:"profiles"`
	}
	h.json(&list, "profile", "list")
	if list.Default != "default" || len(list.Profiles) != 2 || list.Profiles[0].Name != "bob" || list.Profiles[0].Server != base ||
		!list.Profiles[0].InsecureStorage || list.Profiles[0].Default || !list.Profiles[1].Default {
		t.Fatalf("profile list: %+v", list)
	}
	if out := h.ok("profile", "list", "--names"); out != "bob\ndefault\n" {
		t.Fatalf("profile list --names: %q", out)
	}

	userOf := func(args ...string) string {
		t.Helper()
		var who whoamiResult
		h.json(&who, append([]string{"whoami"}, args...)...)
		return who.UserID
	}
	alice, bob := demoUserID(t, "alice"), demoUserID(t, "bob")
	if got := userOf(); got != alice {
		t.Fatalf("default profile is %s", got)
	}
	if got := userOf("--profile", "bob"); got != bob {
		t.Fatalf("--profile bob is %s", got)
	}
	h.ok("profile", "use", "bob")
	if got := userOf(); got != bob {
		t.Fatalf("after profile use bob: %s", got)
	}
	h.env = append(h.env, "FASTCHECK_PROFILE=default")
	if got := userOf(); got != alice {
		t.Fatalf("FASTCHECK_PROFILE=default: %s", got)
	}
	if got := userOf("--profile", "bob"); got != bob {
		t.Fatalf("--profile over FASTCHECK_PROFILE: %s", got)
	}

	// whoami against a server that does not answer: exit 1, state unknown.
	out, _, code := h.run("whoami", "--json", "--server", "http://127.0.0.1:1/api", "--timeout", "5s")
	var who whoamiResult
	if json.Unmarshal([]byte(out), &who) != nil || code != exitError || who.ServerReachable || who.Session != "unknown" {
		t.Fatalf("whoami, server down: exit %d\n%s", code, out)
	}

	// login --force replaces the session and ends the old one.
	old, _ := h.secrets("bob").Session()
	h.login("bob", "--no-qr", "--profile", "bob", "--force")
	if now, _ := h.secrets("bob").Session(); now == old || !api.ValidID(now) {
		t.Fatalf("login --force kept the session")
	}

	var rm map[string]any
	h.json(&rm, "profile", "remove", "bob")
	if rm["removed"] != "bob" || rm["serverEnded"] != true {
		t.Fatalf("profile remove: %v", rm)
	}
	if _, _, err := h.secrets("bob").Key(false); err == nil {
		t.Fatal("profile remove left the key")
	}
	if out := h.ok("profile", "list", "--names"); out != "default\n" {
		t.Fatalf("after remove: %q", out)
	}
	cfg, _ := store.LoadConfig(filepath.Join(h.dir, "config", "fastcheck", "config.json"))
	if cfg.DefaultProfile != "" {
		t.Fatalf("the removed profile is still the default: %+v", cfg)
	}
	if _, errs, code := h.run("profile", "use", "a b"); code != exitUsage || !strings.Contains(errs, "profile name") {
		t.Fatalf("profile use 'a b': exit %d %s", code, errs)
	}
}

// --- in-process unit tests of the helpers ---

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 1, 19, 15, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"", false, time.Time{}},
		{"2026-01-10", false, time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)},
		{"2026-01-10", true, time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC)},
		{"today", false, time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC)},
		{"today", true, time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)},
		{"yesterday", false, time.Date(2026, 1, 18, 0, 0, 0, 0, time.UTC)},
		{"7d", false, now.AddDate(0, 0, -7)},
		{"36h", false, now.Add(-36 * time.Hour)},
		{"2026-01-10T09:08:18Z", true, time.Date(2026, 1, 10, 9, 8, 18, 0, time.UTC)},
	} {
		got, err := parseWhen(tc.in, tc.end, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseWhen(%q, %v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
	for _, bad := range []string{"last week", "2026-13-01", "-3d", "7x", "-1h"} {
		if _, err := parseWhen(bad, false, now); err == nil {
			t.Errorf("parseWhen(%q) accepted", bad)
		}
	}
}

func TestHistoryFilter(t *testing.T) {
	rows := []api.HistoryCheck{
		{Fastcheck: "1111-1111-1111", Amount: 100, Type: "created", Status: "used", CreatedAt: "2026-01-01T10:00:00Z", UsedAt: "2026-01-02T10:00:00Z", ResolvedAt: "2026-01-02T10:00:00Z"},
		{Fastcheck: "2222-2222-2222", Amount: 200, Type: "accepted", Status: "used", AcceptedAt: "2026-01-03T10:00:00Z"},
		{Fastcheck: "3333-3333-3333", Amount: 300, Type: "created", Status: "expired", CreatedAt: "2026-01-01T10:00:00Z", ResolvedAt: "2026-01-08T10:00:00Z"},
		{Fastcheck: "4444-4444-4444", Amount: 400, Type: "accepted", Status: "used", AcceptedAt: "2026-01-03T10:00:00Z"},
	}
	numbers := func(f historyFilter) string {
		var ns []string
		for _, r := range f.apply(rows) {
			ns = append(ns, r.Fastcheck[:1])
		}
		return strings.Join(ns, "")
	}
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		f    historyFilter
		want string
	}{
		{historyFilter{}, "3421"}, // newest first; same second: larger first
		{historyFilter{typ: "accepted"}, "42"},
		{historyFilter{status: "expired"}, "3"},
		{historyFilter{typ: "created", status: "used"}, "1"},
		{historyFilter{since: day(3)}, "342"},
		{historyFilter{until: day(3)}, "1"},
		{historyFilter{since: day(3), until: day(4)}, "42"},
	} {
		if got := numbers(tc.f); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestTableAndFields(t *testing.T) {
	var b bytes.Buffer
	tb := table{head: []string{"A", "AMOUNT", "Z"}, right: map[int]bool{1: true}}
	tb.add("x", "1.00 RUB", "last")
	tb.add("long cell", "1,580.00 RUB", "")
	tb.write(&b)
	want := "A                AMOUNT  Z\n" +
		"x              1.00 RUB  last\n" +
		"long cell  1,580.00 RUB\n"
	if b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	fields(&b, "Check", "1", "Expires", "2")
	if b.String() != "Check    1\nExpires  2\n" {
		t.Errorf("fields: %q", b.String())
	}
}

func TestCSVHelpers(t *testing.T) {
	for in, want := range map[string]string{"=1+2": "'=1+2", "+x": "'+x", "-1": "'-1", "@a": "'@a", "used": "used", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q", in, got)
		}
	}
	for _, tc := range []struct {
		v    int64
		cur  string
		want string
	}{{158000, "RUB", "1580.00"}, {5, "RUB", "0.05"}, {1234567, "JPY", "1234567"}, {1500, "KWD", "1.500"}} {
		if got := plainMajor(tc.v, tc.cur); got != tc.want {
			t.Errorf("plainMajor(%d, %s) = %q, want %q", tc.v, tc.cur, got, tc.want)
		}
	}
}

func TestReorder(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Bool("yes", false, "")
	fs.String("profile", "", "")
	got := strings.Join(reorder(fs, []string{"1234", "--yes", "0042", "--profile", "bob", "--", "--not-a-flag"}), " ")
	if got != "--yes --profile bob -- 1234 0042 --not-a-flag" {
		t.Errorf("reorder: %s", got)
	}
	// A negative amount is an argument (the command then says what is
	// wrong with it), not an unknown flag.
	if got := strings.Join(reorder(fs, []string{"-5", "RUB", "--yes", "-1,580.00"}), " "); got != "--yes -- -5 RUB -1,580.00" {
		t.Errorf("reorder with negative numbers: %s", got)
	}
}
