package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/i18n"
	"fastcheck/store"

	"golang.org/x/term"
)

// The wallet commands: a scriptable CLI over package client, with keys
// and sessions kept by package store.

// cliCommand is one wallet command. setup registers its own flags on fs
// and returns the function that runs it with the positional arguments.
type cliCommand struct {
	name     string
	synopsis string // after "fastcheck <name> [flags]", e.g. "NUMBER CODE"
	summary  string
	about    string
	examples []string
	globals  globalSet
	setup    func(fs *flag.FlagSet, g *globals) func(args []string) int
}

// globalSet says which shared flags a command takes.
type globalSet int

const (
	globalsAll  globalSet = iota // --json, --profile, --server, storage, http, timeout
	globalsJSON                  // --json only
)

func cliCommands() []cliCommand {
	return []cliCommand{
		loginCommand(), logoutCommand(), whoamiCommand(),
		balanceCommand(), activeCommand(), historyCommand(),
		checkCommand(), createCommand(), acceptCommand(), cancelCommand(),
		exportCommand(), profileCommand(), completionCommand(),
		topupCommand(), withdrawCommand(),
	}
}

// globals are the flags every wallet command shares.
type globals struct {
	json            bool
	profile, server string
	insecureStorage bool
	allowHTTP       bool
	timeout         time.Duration
	given           map[string]bool // flags given on the command line
}

func (g *globals) register(fs *flag.FlagSet, set globalSet) {
	fs.BoolVar(&g.json, "json", false, tr.T("cli.flag.json"))
	fs.String("lang", "", tr.T("cli.flag.lang")) // taken out by run; listed here for --help
	if set == globalsJSON {
		return
	}
	fs.StringVar(&g.profile, "profile", "", tr.Tf("cli.flag.profile", store.EnvProfile))
	fs.StringVar(&g.server, "server", "", tr.Tf("cli.flag.server", store.EnvServer, store.DefaultServer))
	fs.BoolVar(&g.insecureStorage, "insecure-storage", false, tr.T("cli.flag.insecurestorage"))
	fs.BoolVar(&g.allowHTTP, "allow-insecure-http", false, tr.T("cli.flag.allowhttp"))
	fs.DurationVar(&g.timeout, "timeout", 60*time.Second, tr.T("cli.flag.timeout"))
}

// runCLI parses a command's flags and runs it.
func runCLI(c cliCommand, args []string) int {
	fs := flag.NewFlagSet("fastcheck "+c.name, flag.ContinueOnError)
	var g globals
	g.register(fs, c.globals)
	run := c.setup(fs, &g)
	fs.SetOutput(io.Discard)
	err := fs.Parse(reorder(fs, args))
	if errors.Is(err, flag.ErrHelp) {
		printHelp(os.Stdout, c, fs)
		return exitOK
	}
	if err != nil {
		return usageError(c.name, "%s", flagError(err))
	}
	g.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { g.given[f.Name] = true })
	return run(fs.Args())
}

// examples is a help text's block of example command lines, with the
// blank line that ends it.
func examples(lines ...string) string {
	return tr.T("cli.help.examples") + "\n  " + strings.Join(lines, "\n  ") + "\n\n"
}

func printHelp(w io.Writer, c cliCommand, fs *flag.FlagSet) {
	fmt.Fprint(w, tr.Tf("cli.help.usage", c.name))
	if c.synopsis != "" {
		fmt.Fprint(w, " "+c.synopsis)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(c.about))
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\n"+strings.TrimSuffix(examples(c.examples...), "\n"))
	}
	var own, shared []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if globalFlags[f.Name] {
			shared = append(shared, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		fmt.Fprintln(w, "\n"+tr.T("cli.help.flags"))
		printFlags(w, fs, own)
	}
	fmt.Fprintln(w, "\n"+tr.T("cli.help.globalflags"))
	printFlags(w, fs, shared)
}

var globalFlags = map[string]bool{"json": true, "lang": true, "profile": true, "server": true, "insecure-storage": true, "allow-insecure-http": true, "timeout": true}

// printDefaults lists every flag of fs on its output, in the run's
// language (flag.PrintDefaults says "default" in English).
func printDefaults(fs *flag.FlagSet) {
	var all []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { all = append(all, f) })
	printFlags(fs.Output(), fs, all)
}

// printFlags lists flags as "--name VALUE  usage (default x)", aligned.
func printFlags(w io.Writer, fs *flag.FlagSet, flags []*flag.Flag) {
	t := table{}
	for _, f := range flags {
		name, usage := flag.UnquoteUsage(f)
		left := "  --" + f.Name
		if takesValue(fs, "--"+f.Name) {
			if name == "" {
				name = "value"
			}
			left += " " + strings.ToUpper(name)
		}
		switch f.DefValue {
		case "", "false", "0", "0s":
		default:
			usage += " " + tr.Tf("cli.help.default", f.DefValue)
		}
		t.add(left, usage)
	}
	t.write(w)
}

// context is the command's context: cancelled by Ctrl+C or SIGTERM, and
// bounded by --timeout when bounded is set.
func (g *globals) context(bounded bool) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if !bounded || g.timeout <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	return ctx, func() { cancel(); stop() }
}

// settings reads the config and resolves the profile and server.
func (g *globals) settings() (*store.Config, store.Settings, error) {
	cfg, err := store.LoadConfig(store.ConfigPath())
	if err != nil {
		return nil, store.Settings{}, err
	}
	set, err := cfg.Resolve(g.profile, g.server)
	if err != nil { // the only refusal: a bad profile name
		return nil, set, usageErr{errors.New(tr.Tf("cli.profile.badname", api.Truncate(set.Profile, 70)))}
	}
	// A flag given on the command line wins over the profile, both ways
	// (--insecure-storage=false moves a profile back to the keyring).
	if g.given["insecure-storage"] {
		set.InsecureStorage = g.insecureStorage
	}
	if g.given["allow-insecure-http"] {
		set.AllowInsecureHTTP = g.allowHTTP
	}
	return cfg, set, nil
}

// storageWords says in words where a profile's secrets are kept.
func storageWords(s store.Secrets) string {
	if f, ok := s.(*store.FileSecrets); ok {
		return tr.Tf("cli.storage.file", f.Path)
	}
	return tr.T("cli.storage.keyring")
}

// secrets opens where the profile's key and session live.
func secrets(set store.Settings) (store.ProfileSecrets, error) {
	return store.OpenProfile(set, os.Stderr)
}

// newClient builds a client for the resolved server.
func newClient(set store.Settings, key ed25519.PrivateKey, session string) (*client.Client, error) {
	if u, err := url.Parse(set.Server); err == nil && u.Scheme == "http" && !set.AllowInsecureHTTP && !client.IsLoopback(u.Hostname()) {
		return nil, usageErr{errors.New(tr.Tf("cli.plainhttp", client.Sanitize(u.Host)))}
	}
	c, err := client.New(client.Options{BaseURL: set.Server, Key: key, SessionID: session, AllowInsecureHTTP: set.AllowInsecureHTTP})
	if err != nil {
		// The key is ours and sound: the server's URL is what is wrong.
		return nil, usageErr{errors.New(tr.Tf("cli.badserver", api.Truncate(set.Server, 80)))}
	}
	return c, nil
}

// wallet is a logged-in profile.
type wallet struct {
	cfg *store.Config
	set store.Settings
	ps  store.ProfileSecrets
	c   *client.Client
}

// notLoggedIn is the local "no session" answer; it exits 3 like the
// server's 401.
type notLoggedIn struct{ profile string }

func (e notLoggedIn) Error() string {
	login := "fastcheck login"
	if e.profile != store.DefaultProfile {
		login += " --profile " + e.profile
	}
	return tr.Tf("cli.notloggedin", e.profile, login)
}

func (e notLoggedIn) Is(target error) bool { return target == error(client.ErrNotLoggedIn) }

// loggedIn opens the profile's key and session and a client using them.
// The wallet is never nil: on an error it holds what was resolved.
func (g *globals) loggedIn() (*wallet, error) {
	w := &wallet{}
	cfg, set, err := g.settings()
	w.cfg, w.set = cfg, set
	if err != nil {
		return w, err
	}
	if w.ps, err = secrets(set); err != nil {
		return w, err
	}
	key, _, err := w.ps.Key(false)
	if errors.Is(err, store.ErrNotFound) {
		return w, notLoggedIn{set.Profile}
	}
	if err != nil {
		return w, err
	}
	session, err := w.ps.Session()
	if errors.Is(err, store.ErrNotFound) {
		return w, notLoggedIn{set.Profile}
	}
	if err != nil {
		return w, err
	}
	w.c, err = newClient(set, key, session)
	return w, err
}

// kindText is a client error's kind in words, in the run's language.
func kindText(l *i18n.Locale, k client.Kind) string {
	if id, ok := kindIDs[k]; ok {
		return l.T(id)
	}
	return k.String()
}

var kindIDs = map[client.Kind]string{
	client.ErrUnexpected:          "cli.kind.unexpected",
	client.ErrBadRequest:          "cli.kind.badrequest",
	client.ErrNotLoggedIn:         "cli.kind.notloggedin",
	client.ErrInsufficientFunds:   "cli.kind.funds",
	client.ErrForbidden:           "cli.kind.forbidden",
	client.ErrNotFound:            "cli.kind.notfound",
	client.ErrNotFoundOrWrongCode: "cli.kind.wrongcode",
	client.ErrConflict:            "cli.kind.conflict",
	client.ErrGone:                "cli.kind.gone",
	client.ErrLocked:              "cli.kind.locked",
	client.ErrRateLimited:         "cli.kind.ratelimited",
	client.ErrUnavailable:         "cli.kind.unavailable",
	client.ErrBadResponse:         "cli.kind.badresponse",
}

// flagError is a flag parsing error of package flag in words, in the
// run's language.
func flagError(err error) string {
	msg := err.Error()
	for prefix, id := range map[string]string{
		"flag provided but not defined: ": "cli.flag.undefined",
		"flag needs an argument: ":        "cli.flag.needsarg",
		"bad flag syntax: ":               "cli.flag.syntax",
	} {
		if rest, ok := strings.CutPrefix(msg, prefix); ok {
			return tr.Tf(id, rest)
		}
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if val, name, ok := strings.Cut(rest, " for flag "); ok {
			name, why, _ := strings.Cut(name, ": ")
			return tr.Tf("cli.flag.invalid", val, name, why)
		}
	}
	return msg
}

// usageErr marks an error that is the user's input: exit 2.
type usageErr struct{ error }

func (e usageErr) Unwrap() error { return e.error }

// failCLI prints err (for a server error, its kind and the server's own
// message) with a hint, and returns the documented exit code.
func failCLI(cmd string, err error, set store.Settings) int {
	msg := describe(err)
	switch {
	case errors.As(err, new(notLoggedIn)):
	case errors.Is(err, client.ErrNotLoggedIn):
		msg += "\n" + tr.Tf("cli.sessionended", "fastcheck login"+profileArg(set))
	case errors.Is(err, client.ErrUnavailable):
		msg += "\n" + tr.Tf("cli.serverdown", set.Server, store.EnvServer)
	case errors.Is(err, context.DeadlineExceeded):
		msg += " " + tr.T("cli.raisetimeout")
	}
	fmt.Fprintf(os.Stderr, "fastcheck %s: %s\n", cmd, msg)
	if errors.As(err, new(usageErr)) {
		fmt.Fprintln(os.Stderr, tr.Tf("cli.seehelp", cmd))
		return exitUsage
	}
	return exitCodeFor(err)
}

func profileArg(set store.Settings) string {
	if set.ProfileFrom == "flag" {
		return " --profile " + set.Profile
	}
	return ""
}

// describe is an error for people: a server error as its kind and the
// server's (sanitized) message, without the request line.
func describe(err error) string { return describeIn(tr, err) }

// english is the language of what --json says in words (an error field).
var english = i18n.New(i18n.English, nil)

// describeIn is describe in the language of l.
func describeIn(l *i18n.Locale, err error) string {
	var ku *store.KeyringUnavailableError
	if errors.As(err, &ku) {
		return l.Tf("cli.nokeyring", ku.Err, ku.FilePath)
	}
	var cf *store.ConfigError
	switch {
	case !errors.As(err, &cf):
	case cf.Lang != "":
		return l.Tf("cli.config.badlang", cf.Path, api.Truncate(cf.Lang, 40), strings.Join(i18n.Langs, ", "))
	case cf.Profile != "":
		return l.Tf("cli.config.badprofile", cf.Path, l.Tf("cli.profile.badname", api.Truncate(cf.Profile, 70)))
	default:
		return l.Tf("cli.config.damaged", cf.Path, cf.Err)
	}
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	s := kindText(l, ce.Kind)
	if ce.Message != "" && ce.Message != ce.Kind.String() {
		s += ": " + ce.Message
	}
	if ce.RetryAfter > 0 {
		s += " " + l.Tf("cli.retryafter", l.Duration(ce.RetryAfter.Round(time.Second)))
	}
	if u := ce.Unwrap(); u != nil && ce.Status == 0 && ce.Message == "" {
		s += ": " + u.Error()
	}
	return s
}

// --- output helpers ---

// table prints aligned columns; right-aligned columns are listed in right.
type table struct {
	head  []string
	right map[int]bool
	rows  [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	rows := t.rows
	if t.head != nil {
		rows = append([][]string{t.head}, rows...)
	}
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if t.right[i] {
				b.WriteString(pad + c)
			} else if i < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// fields prints "label  value" lines with the values aligned.
func fields(w io.Writer, kv ...string) {
	n := 0
	for i := 0; i < len(kv); i += 2 {
		n = max(n, utf8.RuneCountInString(kv[i]))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(w, "%s%s  %s\n", kv[i], strings.Repeat(" ", n-utf8.RuneCountInString(kv[i])), kv[i+1])
	}
}

// money formats minor units for people in the run's language: 158000
// RUB is "RUB 1,580.00" in English, "1 580,00 ₽" in Russian.
func money(v int64, currency string) string {
	return tr.Money(v, client.Sanitize(currency))
}

// when formats a spec time for people, in local time to the minute:
// "2026-01-19 10:00" in English, "19.01.2026 10:00" in Russian.
func when(s string) string {
	if s == "" {
		return "-"
	}
	t, err := api.ParseTime(s)
	if err != nil {
		return client.Sanitize(s)
	}
	return tr.DateTime(t)
}

// totals sums amounts per currency: "RUB 3,160.00" or "USD 10.00, EUR 5.00".
func totals(amounts map[string]int64) string {
	var curs []string
	for c := range amounts {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	var parts []string
	for _, c := range curs {
		parts = append(parts, money(amounts[c], c))
	}
	return strings.Join(parts, ", ")
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// checkNumberArg normalizes a check number given on the command line.
func checkNumberArg(s string) (string, error) {
	n, err := api.NormalizeCheckNumber(s)
	if err != nil {
		return "", usageErr{errors.New(tr.Tf("cli.badnumber", api.Truncate(s, 32)))}
	}
	return n, nil
}
