package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/store"

	"golang.org/x/term"
)

// The phone side of the QR login: what the mobile app does, as commands.

func cmdPhone(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Print(phoneUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "register":
		return cmdPhoneRegister(args[1:])
	case "approve":
		return cmdPhoneApprove(args[1:])
	}
	fmt.Fprintf(os.Stderr, "fastcheck phone: unknown command %q\n\n%s", args[0], phoneUsage)
	return exitUsage
}

const phoneUsage = `Usage: fastcheck phone <command> [flags]

Acts as the Fastcheck phone app, which owns an account and approves
terminal logins.

Commands:
  register   make a phone identity (an Ed25519 key) and print its userId
  approve    approve a login QR: show the terminal's key fingerprint and IP, then sign

Examples:
  fastcheck phone register
  fastcheck phone register --name work --key-file ~/phone-work.key
  fastcheck phone approve http://127.0.0.1:8080/api/approve/1AF3781BF6B94604B771AEA1D44FA63A
  fastcheck phone approve --demo alice --yes 1AF3781BF6B94604B771AEA1D44FA63A
`

// phoneIdentity are the flags that pick the phone key.
type phoneIdentity struct {
	name, keyFile, demo string
	insecure            bool
}

func (p *phoneIdentity) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.name, "name", "default", "name of the phone identity in the keyring")
	fs.StringVar(&p.keyFile, "key-file", "", "keep the phone key in this file (mode 0600) instead of the keyring")
	fs.StringVar(&p.demo, "demo", "", "use a demo user's built-in phone identity (alice or bob; demo servers only)")
	fs.BoolVar(&p.insecure, "insecure-storage", false, "keep keys in a 0600 file when no OS keyring is available")
}

// load returns the phone key; create makes it if missing.
func (p *phoneIdentity) load(create bool) (key ed25519.PrivateKey, created bool, where string, err error) {
	switch {
	case p.demo != "":
		u, ok := assets.FindDemoUser(p.demo)
		if !ok {
			var names []string
			for _, u := range assets.DemoUsers() {
				names = append(names, u.Name)
			}
			return nil, false, "", fmt.Errorf("no demo user %q (there are: %s)", p.demo, strings.Join(names, ", "))
		}
		return u.PhoneKey(), false, "the built-in demo identity " + u.Name, nil
	case p.keyFile != "":
		key, created, err = store.KeyFile(p.keyFile, create)
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("no phone key at %s; run: fastcheck phone register --key-file %s", p.keyFile, p.keyFile)
		}
		return key, created, p.keyFile, err
	}
	s, err := store.Open(p.insecure, store.InsecureSecretsPath(), os.Stderr)
	if err != nil {
		return nil, false, "", err
	}
	key, created, err = store.LoadKey(s, "phone:"+p.name, create)
	if errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("no phone identity %q; run: fastcheck phone register --name %s", p.name, p.name)
	}
	return key, created, s.Where(), err
}

func cmdPhoneRegister(args []string) int {
	fs := flag.NewFlagSet("fastcheck phone register", flag.ContinueOnError)
	var id phoneIdentity
	id.flags(fs)
	asJSON := fs.Bool("json", false, "print machine-readable JSON only")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fastcheck phone register [--name NAME | --key-file PATH] [--json]\n\n"+
			"Makes a phone identity: an Ed25519 key whose public half is your userId.\n"+
			"Running it again shows the existing identity.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageError("phone register", "unexpected argument %q", fs.Arg(0))
	}
	key, created, where, err := id.load(true)
	if err != nil {
		return fail("phone register", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	if *asJSON {
		return printJSON(map[string]any{"userId": api.UserID(pub), "fingerprint": api.Fingerprint(pub), "created": created, "storage": where})
	}
	if created {
		fmt.Printf("Registered a new phone identity in %s.\n", where)
	} else {
		fmt.Printf("This phone identity already exists in %s.\n", where)
	}
	fmt.Printf("userId:      %s\nfingerprint: %s\n", api.UserID(pub), api.Fingerprint(pub))
	fmt.Println("Your account opens when this phone approves its first login.")
	return exitOK
}

func cmdPhoneApprove(args []string) int {
	fs := flag.NewFlagSet("fastcheck phone approve", flag.ContinueOnError)
	var id phoneIdentity
	id.flags(fs)
	server := fs.String("server", "", "server base URL for a bare session id (default $FASTCHECK_SERVER or http://127.0.0.1:8080/api)")
	yes := fs.Bool("yes", false, "approve without asking")
	asJSON := fs.Bool("json", false, "print machine-readable JSON only (needs --yes)")
	allowHTTP := fs.Bool("allow-insecure-http", false, "allow http:// to a server that is not on loopback")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fastcheck phone approve [flags] <QR URL or session id>\n\n"+
			"Shows the terminal's key fingerprint and IP address, asks you to compare the\n"+
			"fingerprint with the one the terminal shows, then approves the login.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return flagExit(err)
	}
	if fs.NArg() != 1 {
		return usageError("phone approve", "give one QR URL or session id")
	}
	base, sessionID, err := client.ParseApproveTarget(fs.Arg(0))
	if err != nil {
		return usageError("phone approve", "%v", err)
	}
	if base == "" {
		base = *server
		if base == "" {
			base = os.Getenv("FASTCHECK_SERVER")
		}
		if base == "" {
			base = "http://127.0.0.1:8080/api"
		}
	}
	if *asJSON && !*yes {
		return usageError("phone approve", "--json needs --yes (there is no one to ask)")
	}
	key, _, _, err := id.load(false)
	if err != nil {
		return fail("phone approve", err)
	}
	c, err := client.New(client.Options{BaseURL: base, Key: key, AllowInsecureHTTP: *allowHTTP})
	if err != nil {
		return fail("phone approve", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := c.PhoneWebsession(ctx, sessionID)
	if err != nil {
		return fail("phone approve", err)
	}
	if !*asJSON {
		fmt.Printf("Login request %s\n", ws.SessionID)
		fmt.Printf("  terminal key fingerprint: %s\n", ws.Fingerprint)
		fmt.Printf("  from IP address:          %s\n", client.Sanitize(ws.ClientIP))
		fmt.Printf("  expires:                  %s\n", client.Sanitize(ws.Expires))
	}
	if ws.State != api.StatePending {
		return fail("phone approve", fmt.Errorf("this login is %s, not waiting for approval", client.Sanitize(ws.State)))
	}
	if !*yes {
		ok, err := confirm(os.Stdin, os.Stdout, "Does the terminal show the same fingerprint? Approve? [y/N] ")
		if err != nil {
			return fail("phone approve", err)
		}
		if !ok {
			fmt.Println("Not approved.")
			return exitError
		}
	}
	res, err := c.Approve(ctx, ws.SessionID, ws.Fingerprint)
	if err != nil {
		return fail("phone approve", err)
	}
	if *asJSON {
		return printJSON(map[string]any{"approved": true, "sessionId": ws.SessionID, "userId": res.UserID, "fingerprint": ws.Fingerprint, "clientIp": ws.ClientIP})
	}
	fmt.Printf("Approved: the terminal is now logged in as %s.\n", api.ShortUserID(res.UserID))
	return exitOK
}

// confirm asks a yes/no question on a terminal.
func confirm(in *os.File, out io.Writer, question string) (bool, error) {
	if !term.IsTerminal(int(in.Fd())) {
		return false, errors.New(tr.T("cli.confirm.noterminal"))
	}
	fmt.Fprint(out, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes" || a == "д" || a == "да", nil
}

// reorder moves flags before positional arguments, so
// `approve URL --yes` works as well as `approve --yes URL`. Whether a flag
// takes a value is read from fs: every flag but a boolean one does.
func reorder(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && takesValue(fs, a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	if len(pos) == 0 {
		return flags
	}
	return append(append(flags, "--"), pos...) // a positional may start with '-'
}

// takesValue reports whether the flag named by arg ("-name" or "--name")
// is defined in fs and is not boolean.
func takesValue(fs *flag.FlagSet, arg string) bool {
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

func printJSON(v any) int {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return exitError
	}
	return exitOK
}

// usageError reports a usage error: the message id (or, for text not yet
// in the catalog, a format) with a, in the run's language.
func usageError(cmd, id string, a ...any) int {
	fmt.Fprintf(os.Stderr, "fastcheck %s: %s\n%s\n", cmd, tr.Tf(id, a...), tr.Tf("cli.seehelp", cmd))
	return exitUsage
}

// fail prints an error and picks the documented exit code.
func fail(cmd string, err error) int {
	fmt.Fprintf(os.Stderr, "fastcheck %s: %v\n", cmd, err)
	return exitCodeFor(err)
}

// exitCodeFor is the documented exit code of an error (README, Exit codes).
func exitCodeFor(err error) int {
	switch {
	case errors.Is(err, client.ErrNotLoggedIn):
		return exitNotLoggedIn
	case errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrNotFoundOrWrongCode):
		return exitNotFound
	}
	return exitError
}
