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
		fmt.Println(tr.T("cli.phone.usage"))
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
	fmt.Fprintf(os.Stderr, "fastcheck phone: %s\n\n%s\n", tr.Tf("cli.unknowncommand", args[0]), tr.T("cli.phone.usage"))
	return exitUsage
}

// phoneIdentity are the flags that pick the phone key.
type phoneIdentity struct {
	name, keyFile, demo string
	insecure            bool
}

func (p *phoneIdentity) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.name, "name", "default", tr.T("cli.phone.flagname"))
	fs.StringVar(&p.keyFile, "key-file", "", tr.T("cli.phone.flagkeyfile"))
	fs.StringVar(&p.demo, "demo", "", tr.T("cli.phone.flagdemo"))
	fs.BoolVar(&p.insecure, "insecure-storage", false, tr.T("cli.phone.flaginsecure"))
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
			return nil, false, "", errors.New(tr.Tf("cli.phone.nodemouser", p.demo, strings.Join(names, ", ")))
		}
		return u.PhoneKey(), false, "the built-in demo identity " + u.Name, nil
	case p.keyFile != "":
		key, created, err = store.KeyFile(p.keyFile, create)
		if errors.Is(err, os.ErrNotExist) {
			err = errors.New(tr.Tf("cli.phone.nokeyfile", p.keyFile, "fastcheck phone register --key-file "+p.keyFile))
		}
		return key, created, p.keyFile, err
	}
	s, err := store.Open(p.insecure, store.InsecureSecretsPath(), os.Stderr)
	if err != nil {
		return nil, false, "", err
	}
	key, created, err = store.LoadKey(s, "phone:"+p.name, create)
	if errors.Is(err, store.ErrNotFound) {
		err = errors.New(tr.Tf("cli.phone.noidentity", p.name, "fastcheck phone register --name "+p.name))
	}
	return key, created, s.Where(), err
}

// whereWords says in words where load found the key (where is its
// language-neutral answer, for --json).
func (p *phoneIdentity) whereWords(where string) string {
	switch {
	case p.demo != "":
		return tr.Tf("cli.phone.demoidentity", p.demo)
	case p.keyFile != "":
		return where
	case where == (store.Keyring{}).Where():
		return tr.T("cli.storage.keyring")
	}
	if path, ok := strings.CutSuffix(where, " (insecure storage)"); ok {
		return tr.Tf("cli.storage.file", path)
	}
	return where
}

func cmdPhoneRegister(args []string) int {
	fs := flag.NewFlagSet("fastcheck phone register", flag.ContinueOnError)
	var id phoneIdentity
	id.flags(fs)
	asJSON := fs.Bool("json", false, tr.T("cli.flag.json"))
	var app totpFlags
	app.flags(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.phone.registerusage")+"\n\n"+tr.T("cli.phone.totpusage")+"\n\n"+examples(
			"fastcheck phone register",
			"fastcheck phone register --name work --key-file ~/phone-work.key",
			"fastcheck phone register --totp --handle mike --server https://fastcheck.example/api",
		)+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError("phone register", "cli.unexpectedarg", fs.Arg(0))
	}
	if !app.on && (app.handle != "" || app.server != "") {
		return usageError("phone register", "cli.phone.needtotp")
	}
	key, created, where, err := id.load(true)
	if err != nil {
		return fail("phone register", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	if app.on {
		return registerTOTP(&id, &app, key, created, where, *asJSON)
	}
	if *asJSON {
		return printJSON(map[string]any{"userId": api.UserID(pub), "fingerprint": api.Fingerprint(pub), "created": created, "storage": where})
	}
	if created {
		fmt.Println(tr.Tf("cli.phone.registered", id.whereWords(where)))
	} else {
		fmt.Println(tr.Tf("cli.phone.exists", id.whereWords(where)))
	}
	fmt.Printf("userId:      %s\nfingerprint: %s\n", api.UserID(pub), api.Fingerprint(pub))
	fmt.Println(tr.T("cli.phone.firstlogin"))
	return exitOK
}

func cmdPhoneApprove(args []string) int {
	fs := flag.NewFlagSet("fastcheck phone approve", flag.ContinueOnError)
	var id phoneIdentity
	id.flags(fs)
	server := fs.String("server", "", tr.T("cli.phone.flagserver"))
	yes := fs.Bool("yes", false, tr.T("cli.phone.flagyes"))
	asJSON := fs.Bool("json", false, tr.T("cli.phone.flagjson"))
	allowHTTP := fs.Bool("allow-insecure-http", false, tr.T("cli.flag.allowhttp"))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tr.T("cli.phone.approveusage")+"\n\n"+examples(
			"fastcheck phone approve http://127.0.0.1:8080/api/approve/1AF3781BF6B94604B771AEA1D44FA63A",
			"fastcheck phone approve --name work 1AF3781BF6B94604B771AEA1D44FA63A",
			"fastcheck phone approve --demo bob --yes --json 1AF3781BF6B94604B771AEA1D44FA63A",
		)+tr.T("cli.help.flags")+"\n")
		printDefaults(fs)
	}
	if code, ok := parseFlags(fs, reorder(fs, args)); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError("phone approve", "cli.phone.approveargs")
	}
	base, sessionID, err := client.ParseApproveTarget(fs.Arg(0))
	if err != nil {
		return usageError("phone approve", "cli.phone.badtarget", api.Truncate(fs.Arg(0), 80))
	}
	if base == "" {
		base = phoneServer(*server)
	}
	if *asJSON && !*yes {
		return usageError("phone approve", "cli.jsonneedsyes")
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
		fmt.Println(tr.Tf("cli.phone.request", ws.SessionID))
		fields(os.Stdout,
			"  "+tr.T("cli.phone.fingerprint"), ws.Fingerprint,
			"  "+tr.T("cli.phone.ip"), client.Sanitize(ws.ClientIP),
			"  "+tr.T("cli.phone.expires"), when(ws.Expires))
	}
	if ws.State != api.StatePending {
		return fail("phone approve", errors.New(tr.Tf("cli.phone.notpending", client.Sanitize(ws.State))))
	}
	if !*yes {
		ok, err := confirm(os.Stdin, os.Stdout, tr.T("cli.phone.ask")+" "+tr.T("cli.yesno")+" ")
		if err != nil {
			return fail("phone approve", err)
		}
		if !ok {
			fmt.Println(tr.T("cli.phone.no"))
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
	fmt.Println(tr.Tf("cli.phone.approved", api.ShortUserID(res.UserID)))
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
		// "-5" is a (negative) amount, not a flag: no flag name starts with a digit.
		if strings.HasPrefix(a, "-") && len(a) > 1 && (a[1] < '0' || a[1] > '9') {
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
	fmt.Fprintf(os.Stderr, "fastcheck %s: %s\n", cmd, describe(err))
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
