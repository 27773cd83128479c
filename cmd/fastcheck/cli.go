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
	fs.BoolVar(&g.json, "json", false, "print stable machine-readable JSON only")
	if set == globalsJSON {
		return
	}
	fs.StringVar(&g.profile, "profile", "", "`NAME` of the profile to use (default $"+store.EnvProfile+", then the config's default, then \"default\")")
	fs.StringVar(&g.server, "server", "", "server API base `URL` (default $"+store.EnvServer+", then the profile's, then "+store.DefaultServer+")")
	fs.BoolVar(&g.insecureStorage, "insecure-storage", false, "keep the key and session in a 0600 file instead of the OS keyring (warns on every use)")
	fs.BoolVar(&g.allowHTTP, "allow-insecure-http", false, "allow plain http:// to a server that is not on loopback")
	fs.DurationVar(&g.timeout, "timeout", 60*time.Second, "give up on the server after this `DURATION` (30s, 2m)")
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
		return usageError(c.name, "%v", err)
	}
	g.given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { g.given[f.Name] = true })
	return run(fs.Args())
}

func printHelp(w io.Writer, c cliCommand, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: fastcheck %s [flags]", c.name)
	if c.synopsis != "" {
		fmt.Fprint(w, " "+c.synopsis)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(c.about))
	if len(c.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range c.examples {
			fmt.Fprintln(w, "  "+e)
		}
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
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs, own)
	}
	fmt.Fprintln(w, "\nGlobal flags:")
	printFlags(w, fs, shared)
}

var globalFlags = map[string]bool{"json": true, "profile": true, "server": true, "insecure-storage": true, "allow-insecure-http": true, "timeout": true}

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
			usage += " (default " + f.DefValue + ")"
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
	if err != nil {
		return nil, set, usageErr{err}
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

// secrets opens where the profile's key and session live.
func secrets(set store.Settings) (store.ProfileSecrets, error) {
	return store.OpenProfile(set, os.Stderr)
}

// newClient builds a client for the resolved server.
func newClient(set store.Settings, key ed25519.PrivateKey, session string) (*client.Client, error) {
	if u, err := url.Parse(set.Server); err == nil && u.Scheme == "http" && !set.AllowInsecureHTTP && !client.IsLoopback(u.Hostname()) {
		return nil, usageErr{fmt.Errorf("refusing plain http:// to %s: the session would travel unencrypted; use https://, or pass --allow-insecure-http", u.Host)}
	}
	c, err := client.New(client.Options{BaseURL: set.Server, Key: key, SessionID: session, AllowInsecureHTTP: set.AllowInsecureHTTP})
	if err != nil {
		return nil, usageErr{errors.New(strings.TrimPrefix(err.Error(), "client: "))}
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
	return fmt.Sprintf("not logged in (profile %s); run: %s", e.profile, login)
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
		msg += "\nYour session ended or was never approved; run: fastcheck login" + profileArg(set)
	case errors.Is(err, client.ErrUnavailable):
		msg += fmt.Sprintf("\nIs the server running at %s? (set it with --server or $%s)", set.Server, store.EnvServer)
	case errors.Is(err, context.DeadlineExceeded):
		msg += " (raise --timeout to wait longer)"
	}
	fmt.Fprintf(os.Stderr, "fastcheck %s: %s\n", cmd, msg)
	if errors.As(err, new(usageErr)) {
		fmt.Fprintf(os.Stderr, "Run 'fastcheck %s --help' for usage.\n", cmd)
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
func describe(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	s := ce.Kind.String()
	if ce.Message != "" && ce.Message != s {
		s += ": " + ce.Message
	}
	if ce.RetryAfter > 0 {
		s += fmt.Sprintf(" (try again in %s)", ce.RetryAfter.Round(time.Second))
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

// money formats minor units for people: 158000 RUB is "1,580.00 RUB".
func money(v int64, currency string) string {
	return api.FormatMinor(v, client.Sanitize(currency))
}

// when formats a spec time for people, in local time to the minute.
func when(s string) string {
	if s == "" {
		return "-"
	}
	t, err := api.ParseTime(s)
	if err != nil {
		return client.Sanitize(s)
	}
	return t.Local().Format("2006-01-02 15:04")
}

// totals sums amounts per currency: "3,160.00 RUB" or "10.00 USD, 5.00 EUR".
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// checkNumberArg normalizes a check number given on the command line.
func checkNumberArg(s string) (string, error) {
	n, err := api.NormalizeCheckNumber(s)
	if err != nil {
		return "", usageErr{err}
	}
	return n, nil
}
