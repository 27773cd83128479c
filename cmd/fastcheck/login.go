package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/store"

	"github.com/mdp/qrterminal/v3"
)

func loginCommand() cliCommand {
	return cliCommand{
		name:    "login",
		summary: tr.T("cli.login.summary"),
		about:   tr.T("cli.login.about"),
		examples: []string{
			"fastcheck login",
			"fastcheck login --server https://fastcheck.store/api --profile work",
			"fastcheck login --no-qr --json        # " + tr.T("cli.login.example1"),
			"fastcheck login --insecure-storage    # " + tr.T("cli.login.example2"),
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			noQR := fs.Bool("no-qr", false, tr.T("cli.login.flagnoqr"))
			force := fs.Bool("force", false, tr.T("cli.login.flagforce"))
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("login", "cli.unexpectedarg", args[0])
				}
				return runLogin(g, *noQR, *force)
			}
		},
	}
}

// loginEvent is one line of `login --json`.
type loginEvent struct {
	Event       string `json:"event"` // waiting, loggedIn, alreadyLoggedIn, expired
	Profile     string `json:"profile"`
	Server      string `json:"server"`
	Fingerprint string `json:"fingerprint"`
	ApproveURL  string `json:"approveUrl,omitempty"`
	Expires     string `json:"expires,omitempty"`
	UserID      string `json:"userId,omitempty"`
	Storage     string `json:"storage"`
}

func emit(ev loginEvent) {
	b, _ := json.Marshal(ev)
	os.Stdout.Write(append(b, '\n'))
}

func runLogin(g *globals, noQR, force bool) int {
	cfg, set, err := g.settings()
	if err != nil {
		return failCLI("login", err, set)
	}
	ps, err := secrets(set)
	if err != nil {
		return failCLI("login", err, set)
	}
	key, created, err := ps.Key(true)
	if err != nil {
		return failCLI("login", err, set)
	}
	c, err := newClient(set, key, "")
	if err != nil {
		return failCLI("login", err, set)
	}
	ctx, stop := g.context(false)
	defer stop()
	fp := c.Fingerprint()
	base := loginEvent{Profile: set.Profile, Server: c.BaseURL(), Fingerprint: fp, Storage: ps.Secrets.Where()}
	out := io.Writer(os.Stdout)
	if g.json {
		out = io.Discard
	}

	// Already logged in: say so, unless --force.
	old, err := ps.Session()
	if err == nil {
		actx, cancel := context.WithTimeout(ctx, g.timeout)
		ws, werr := c.Websession(actx, old, 0)
		cancel()
		if werr == nil && ws.State != api.StateExpired && (ws.Status || ws.State == api.StateApproved) && !force {
			ev := base
			ev.Event, ev.UserID, ev.Expires = "alreadyLoggedIn", ws.UserID, ws.Expires
			if g.json {
				emit(ev)
			}
			fmt.Fprintln(out, tr.Tf("cli.login.already", client.Sanitize(ws.UserID), c.BaseURL(), set.Profile))
			return exitOK
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return failCLI("login", err, set)
	}
	if created {
		fmt.Fprintln(out, tr.Tf("cli.login.newkey", set.Profile, storageWords(ps.Secrets)))
	}

	var ws api.Websession
	for {
		wctx, cancel := context.WithTimeout(ctx, g.timeout)
		ws, err = c.CreateWebsession(wctx)
		cancel()
		if err != nil {
			return failCLI("login", err, set)
		}
		approve := c.LoginURL(ws)
		if g.json {
			ev := base
			ev.Event, ev.ApproveURL, ev.Expires = "waiting", approve, ws.Expires
			emit(ev)
		} else {
			showLogin(out, approve, fp, ws.Expires, noQR)
		}
		countdown := startCountdown(ws.Expires, !g.json && isTerminal(os.Stdout))
		done, err := c.WaitForLogin(ctx, ws.SessionID)
		countdown()
		if err == nil {
			ws = done
			break
		}
		if ctx.Err() != nil { // Ctrl+C: withdraw the QR so it cannot be approved later
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.DeleteWebsession(dctx, ws.SessionID)
			cancel()
			fmt.Fprintln(os.Stderr, "fastcheck login: "+tr.T("cli.login.cancelled"))
			return exitError
		}
		if !errors.Is(err, client.ErrGone) {
			return failCLI("login", err, set)
		}
		if g.json {
			ev := base
			ev.Event = "expired"
			emit(ev)
		}
		if g.json || !isTerminal(os.Stdin) {
			fmt.Fprintln(os.Stderr, "fastcheck login: "+tr.T("cli.login.expired"))
			return exitError
		}
		// The spec: after expiry, wait for the user before asking for a new one.
		again, err := confirm(os.Stdin, os.Stdout, tr.T("cli.login.again")+" "+tr.T("cli.yesno")+" ")
		if err != nil || !again {
			fmt.Println(tr.T("cli.login.notloggedin"))
			return exitError
		}
	}

	if err := ps.SetSession(c.Session()); err != nil {
		return failCLI("login", err, set)
	}
	p := cfg.Profile(set.Profile)
	p.Server, p.InsecureStorage, p.AllowInsecureHTTP = c.BaseURL(), set.InsecureStorage, set.AllowInsecureHTTP
	if err := cfg.Save(store.ConfigPath()); err != nil {
		fmt.Fprintln(os.Stderr, "fastcheck login: "+tr.Tf("cli.login.notsaved", store.ConfigPath(), err))
	}
	if !set.InsecureStorage {
		// An earlier --insecure-storage login of this profile left secrets
		// in the file: the keyring has them now.
		f := &store.FileSecrets{Path: store.InsecureSecretsPath()}
		stale := store.ProfileSecrets{Secrets: f, Profile: set.Profile}
		stale.DeleteSession()
		stale.DeleteKey()
	}
	if old != "" && old != c.Session() { // --force: end the replaced session
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c.DeleteWebsession(dctx, old)
		cancel()
	}
	if g.json {
		ev := base
		ev.Event, ev.UserID, ev.Expires = "loggedIn", ws.UserID, ws.Expires
		emit(ev)
		return exitOK
	}
	fmt.Println(tr.Tf("cli.login.done", client.Sanitize(ws.UserID), c.BaseURL(), set.Profile))
	return exitOK
}

// qrText renders the login QR with half blocks (two modules per line)
// into a buffer. Light modules are drawn; on a terminal they are pinned
// to white on black so the code is not inverted on light themes.
func qrText(s string, colors bool) string {
	var b strings.Builder
	qrterminal.GenerateWithConfig(s, qrterminal.Config{
		Level: qrterminal.M, Writer: &b, HalfBlocks: true, QuietZone: 2,
		BlackChar: qrterminal.BLACK_BLACK, WhiteChar: qrterminal.WHITE_WHITE,
		WhiteBlackChar: qrterminal.WHITE_BLACK, BlackWhiteChar: qrterminal.BLACK_WHITE,
	})
	if !colors {
		return b.String()
	}
	var c strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if l := strings.TrimSuffix(line, "\n"); l != "" {
			c.WriteString("\x1b[97;40m" + l + "\x1b[0m\n")
		}
	}
	return c.String()
}

// showLogin prints the login code compactly, so that on a 24-line
// terminal the whole QR stays on screen with the lines under it.
func showLogin(w io.Writer, approveURL, fingerprint, expires string, noQR bool) {
	if noQR {
		fmt.Fprintln(w, tr.T("cli.login.openurl"))
	} else {
		fmt.Fprint(w, qrText(approveURL, isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""))
	}
	exp := "-"
	if t, err := api.ParseTime(expires); err == nil {
		exp = t.Local().Format("15:04:05")
	}
	fmt.Fprintf(w, "  %s\n", approveURL)
	fmt.Fprintln(w, "  "+tr.Tf("cli.login.fingerprint", fingerprint, exp))
	if !isTerminal(os.Stdout) { // on a terminal the countdown line says it
		fmt.Fprintln(w, "  "+tr.T("cli.login.waiting"))
	}
}

// startCountdown shows the time left on the terminal's last line until
// the returned stop is called. Without a terminal it does nothing.
func startCountdown(expires string, on bool) (stop func()) {
	t, err := api.ParseTime(expires)
	if !on || err != nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			left := max(time.Until(t).Round(time.Second), 0)
			fmt.Printf("\r\x1b[K  %s", tr.Tf("cli.login.countdown", tr.Clock(left)))
			select {
			case <-done:
				fmt.Print("\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func logoutCommand() cliCommand {
	return cliCommand{
		name:    "logout",
		summary: tr.T("cli.logout.summary"),
		about:   tr.T("cli.logout.about"),
		examples: []string{
			"fastcheck logout",
			"fastcheck logout --profile work --forget-key",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			forget := fs.Bool("forget-key", false, tr.T("cli.logout.flagforget"))
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("logout", "cli.unexpectedarg", args[0])
				}
				_, set, err := g.settings()
				if err != nil {
					return failCLI("logout", err, set)
				}
				ctx, stop := g.context(true)
				defer stop()
				res, err := logoutProfile(ctx, set, *forget)
				if err != nil {
					return failCLI("logout", err, set)
				}
				if g.json {
					return printJSON(res)
				}
				switch {
				case !res.HadSession:
					fmt.Println(tr.Tf("cli.logout.none", set.Profile))
				case res.ServerEnded:
					fmt.Println(tr.Tf("cli.logout.done", res.Server, set.Profile))
				default:
					fmt.Println(tr.Tf("cli.logout.local", set.Profile))
				}
				if res.KeyForgotten {
					fmt.Println(tr.T("cli.logout.keywiped"))
				}
				return exitOK
			}
		},
	}
}

type logoutResult struct {
	Profile      string `json:"profile"`
	Server       string `json:"server"`
	HadSession   bool   `json:"hadSession"`
	ServerEnded  bool   `json:"serverEnded"`
	KeyForgotten bool   `json:"keyForgotten"`
}

// logoutProfile ends the profile's session on the server and wipes it
// locally; forgetKey wipes the key pair too.
func logoutProfile(ctx context.Context, set store.Settings, forgetKey bool) (logoutResult, error) {
	res := logoutResult{Profile: set.Profile, Server: set.Server}
	ps, err := secrets(set)
	if err != nil {
		return res, err
	}
	session, err := ps.Session()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	if err == nil {
		res.HadSession = true
		key, _, kerr := ps.Key(false)
		var serr error
		if kerr != nil {
			serr = fmt.Errorf("%s: %w", tr.T("cli.logout.nokey"), kerr)
		} else if c, cerr := newClient(set, key, session); cerr != nil {
			serr = cerr
		} else {
			res.Server = c.BaseURL()
			serr = c.DeleteWebsession(ctx, session)
		}
		switch {
		case serr == nil:
			res.ServerEnded = true
		case errors.Is(serr, client.ErrNotFound), errors.Is(serr, client.ErrNotLoggedIn), errors.Is(serr, client.ErrGone):
			res.ServerEnded = true // already over on the server
		case !forgetKey:
			return res, errors.New(tr.Tf("cli.logout.failed", describe(serr)))
		default:
			fmt.Fprintln(os.Stderr, "fastcheck logout: "+tr.Tf("cli.logout.warnforget", describe(serr)))
		}
		if err := ps.DeleteSession(); err != nil {
			return res, err
		}
	}
	if forgetKey {
		if err := ps.DeleteKey(); err != nil {
			return res, err
		}
		res.KeyForgotten = true
	}
	return res, nil
}

func whoamiCommand() cliCommand {
	return cliCommand{
		name:    "whoami",
		summary: tr.T("cli.whoami.summary"),
		about:   tr.T("cli.whoami.about"),
		examples: []string{
			"fastcheck whoami",
			"fastcheck whoami --json | jq -r .userId",
			"fastcheck whoami >/dev/null || fastcheck login",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("whoami", "cli.unexpectedarg", args[0])
				}
				return runWhoami(g)
			}
		},
	}
}

type whoamiResult struct {
	Profile         string `json:"profile"`
	Server          string `json:"server"`
	ServerReachable bool   `json:"serverReachable"`
	Storage         string `json:"storage"`
	Fingerprint     string `json:"fingerprint"`     // "" without a key
	Session         string `json:"session"`         // active, none, ended, expired, unknown
	UserID          string `json:"userId"`          // "" unless active
	Expires         string `json:"expires"`         // the session's expiry, "" unless active
	Error           string `json:"error,omitempty"` // why the session state is unknown
}

func runWhoami(g *globals) int {
	_, set, err := g.settings()
	if err != nil {
		return failCLI("whoami", err, set)
	}
	ps, err := secrets(set)
	if err != nil {
		return failCLI("whoami", err, set)
	}
	res := whoamiResult{Profile: set.Profile, Server: set.Server, Storage: ps.Secrets.Where(), Session: "none"}
	key, _, err := ps.Key(false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return failCLI("whoami", err, set)
	}
	if key != nil {
		res.Fingerprint = api.Fingerprint(key.Public().(ed25519.PublicKey))
	}
	session, err := ps.Session()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return failCLI("whoami", err, set)
	}
	c, err := newClient(set, key, session)
	if err != nil {
		return failCLI("whoami", err, set)
	}
	res.Server = c.BaseURL()
	ctx, stop := g.context(true)
	defer stop()
	perr := c.Ping(ctx)
	res.ServerReachable = perr == nil
	code := exitNotLoggedIn
	unknown := ""
	if session != "" && key != nil {
		ws, err := c.Websession(ctx, session, 0)
		switch {
		case err == nil && ws.State != api.StateExpired && (ws.Status || ws.State == api.StateApproved):
			res.Session, res.UserID, res.Expires, code = "active", ws.UserID, ws.Expires, exitOK
		case err == nil:
			res.Session = "expired"
		case errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrNotLoggedIn), errors.Is(err, client.ErrGone):
			res.Session = "ended"
		default:
			res.Session, res.Error, code = "unknown", describeIn(english, err), exitError
			unknown = describe(err)
		}
	}
	if g.json {
		printJSON(res)
		return code
	}
	reach := tr.T("cli.whoami.reachable")
	if perr != nil {
		reach = tr.Tf("cli.whoami.unreachable", describe(perr))
	}
	fp := res.Fingerprint
	if fp == "" {
		fp = tr.T("cli.whoami.nokey")
	}
	var state string
	switch res.Session {
	case "active":
		state = tr.Tf("cli.whoami.active", when(res.Expires))
	case "none":
		state = tr.T("cli.whoami.none")
	case "ended":
		state = tr.T("cli.whoami.ended")
	case "expired":
		state = tr.T("cli.whoami.expired")
	default:
		state = tr.Tf("cli.whoami.unknown", unknown)
	}
	kv := []string{
		tr.T("cli.whoami.profile"), set.Profile,
		tr.T("cli.whoami.server"), res.Server + " (" + reach + ")",
		tr.T("cli.whoami.storage"), storageWords(ps.Secrets),
		tr.T("cli.whoami.fingerprint"), fp,
		tr.T("cli.whoami.session"), state,
	}
	if res.UserID != "" {
		kv = append(kv, tr.T("cli.whoami.user"), client.Sanitize(res.UserID))
	}
	fields(os.Stdout, kv...)
	if code == exitNotLoggedIn {
		fmt.Println(tr.Tf("cli.whoami.login", "fastcheck login"+profileArg(set)))
	}
	return code
}
