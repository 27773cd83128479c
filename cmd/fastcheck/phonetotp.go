package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/totp"
)

// totpFlags are `phone register --totp`'s flags: enrol an authenticator app
// for the approve page (the QR's URL opened in a phone's browser).
type totpFlags struct {
	on             bool
	handle, server string
	allowHTTP      bool
}

func (f *totpFlags) flags(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "totp", false, tr.T("cli.phone.flagtotp"))
	fs.StringVar(&f.handle, "handle", "", tr.T("cli.phone.flaghandle"))
	fs.StringVar(&f.server, "server", "", tr.T("cli.phone.flagserver"))
	fs.BoolVar(&f.allowHTTP, "allow-insecure-http", false, tr.T("cli.flag.allowhttp"))
}

// phoneServer is the server a phone command talks to: the flag, else
// $FASTCHECK_SERVER, else the local default.
func phoneServer(flagValue string) string {
	for _, s := range []string{flagValue, os.Getenv("FASTCHECK_SERVER")} {
		if s != "" {
			return s
		}
	}
	return "http://127.0.0.1:8080/api"
}

// defaultHandle is the handle of an identity enrolled without --handle:
// a demo user's name, else the first 8 characters of the phone key's
// fingerprint in lower case ("3f2a9c1b").
func defaultHandle(id *phoneIdentity, pub ed25519.PublicKey) string {
	if id.demo != "" {
		return id.demo
	}
	return strings.ToLower(strings.ReplaceAll(api.Fingerprint(pub), " ", ""))[:8]
}

// registerTOTP makes a secret (a demo identity's is its fixed demo one),
// enrols it with the server in a request signed by the phone key, and
// prints the otpauth:// URI and its QR code for an authenticator app.
func registerTOTP(id *phoneIdentity, f *totpFlags, key ed25519.PrivateKey, created bool, where string, asJSON bool) int {
	pub := key.Public().(ed25519.PublicKey)
	handle := strings.ToLower(strings.TrimSpace(f.handle))
	if handle == "" {
		handle = defaultHandle(id, pub)
	}
	var secret string
	if u, ok := assets.FindDemoUser(id.demo); ok {
		secret = u.TOTPSecret()
	} else {
		var err error
		if secret, err = totp.NewSecret(nil, 20); err != nil {
			return fail("phone register", err)
		}
	}
	base := phoneServer(f.server)
	c, err := client.New(client.Options{BaseURL: base, Key: key, AllowInsecureHTTP: f.allowHTTP})
	if err != nil {
		return fail("phone register", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.EnrolTOTP(ctx, handle, secret)
	if err != nil {
		return fail("phone register", err)
	}
	uri, err := totp.URI(api.TOTPIssuer, res.Handle, secret)
	if err != nil {
		return fail("phone register", err)
	}
	if asJSON {
		return printJSON(map[string]any{"userId": api.UserID(pub), "fingerprint": api.Fingerprint(pub), "created": created,
			"storage": where, "server": c.BaseURL(), "handle": res.Handle, "otpauthUri": uri})
	}
	if created {
		fmt.Println(tr.Tf("cli.phone.registered", id.whereWords(where)))
	}
	fmt.Printf("userId:      %s\nfingerprint: %s\n\n", api.UserID(pub), api.Fingerprint(pub))
	printTOTP(os.Stdout, res.Handle, uri)
	fmt.Println(tr.Tf("cli.phone.totpenrolled", res.Handle, c.BaseURL()))
	return exitOK
}

// printTOTP shows an otpauth:// URI as a QR code to scan with an
// authenticator app, the URI as text, and the account handle to type on
// the approve page.
func printTOTP(w *os.File, handle, uri string) {
	fmt.Fprintln(w, tr.T("cli.phone.totpscan"))
	fmt.Fprint(w, qrText(uri, isTerminal(w) && os.Getenv("NO_COLOR") == ""))
	fmt.Fprintf(w, "  %s\n", uri)
	fmt.Fprintln(w, tr.Tf("cli.phone.totphandle", handle))
}

// demoRun are the options of `fastcheck demo`.
type demoRun struct {
	Addr, DB, Lang string
	Support        bool
	// PublicURL is --public-url: the server's root as a phone on the LAN
	// reaches it, put into the login QR.
	PublicURL string
	// ShowTOTP is --totp: show the demo users' authenticator QR codes
	// before the wallet opens.
	ShowTOTP bool
}

// approveBase is the base URL of the login QR's approve page for
// --public-url ("" without it): the root with the API's /api. A
// non-loopback address with a loopback listener is refused, since the
// phone could not reach it.
func (o demoRun) approveBase() (string, error) {
	if o.PublicURL == "" {
		return "", nil
	}
	u, err := url.Parse(o.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.User != nil {
		return "", errors.New(tr.Tf("cli.demo.badpublicurl", api.Quote(o.PublicURL)))
	}
	listen := o.Addr
	if host, _, err := net.SplitHostPort(listen); err == nil && client.IsLoopback(host) && !client.IsLoopback(u.Hostname()) {
		return "", errors.New(tr.Tf("cli.demo.publicloopback", o.PublicURL, listen))
	}
	root, err := publicRoot(o.Addr, o.PublicURL, "/api")
	if err != nil {
		return "", err
	}
	return root + "/api", nil
}

// showDemoTOTP prints each demo user's authenticator QR code (the secret
// the demo server enrolled), one at a time, waiting for Enter after each.
func showDemoTOTP(in *os.File) {
	r := bufio.NewReader(in)
	for _, u := range assets.DemoUsers() {
		if u.Staff {
			continue
		}
		uri, err := totp.URI(api.TOTPIssuer, u.Name, u.TOTPSecret())
		if err != nil {
			continue
		}
		fmt.Println(tr.Tf("cli.demo.totpuser", u.Name))
		printTOTP(os.Stdout, u.Name, uri)
		fmt.Print(tr.T("cli.demo.totpcontinue") + " ")
		if _, err := r.ReadString('\n'); err != nil {
			fmt.Println()
			return
		}
	}
}
