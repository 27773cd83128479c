package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"fastcheck/api"
	"fastcheck/assets"
	"fastcheck/client"
	"fastcheck/ledger/sqlite"
	"fastcheck/server"
)

// demoServer is an embedded reference server with the demo users seeded.
// `fastcheck demo` runs one wallet against it; `fastcheck ssh --demo`
// shares it between every SSH visitor.
type demoServer struct {
	URL     string // the API's base URL: http://127.0.0.1:PORT/api
	LogPath string // the server logs here, not over a wallet's screen

	closeFns []func()
}

// demoOptions say where the demo server listens and keeps its data.
type demoOptions struct {
	// Addr is where it listens. If it is the default 127.0.0.1:8080 and
	// that port is taken, any free port will do.
	Addr string
	// DB is the SQLite file; empty means a new temporary one, removed by
	// Close.
	DB string
	// TrustProxy takes the client's IP from X-Forwarded-For, for a demo
	// server reached only through a front end that sets it (the SSH
	// server): its per-IP limits then count each visitor, not the front end.
	TrustProxy bool
	// Log, if set, also receives the server's log (besides LogPath).
	Log *slog.Logger
	// Staff are support staff besides the demo's own "support" identity.
	Staff []string
	// PublicURL is the server's root as a phone reaches it (a LAN
	// address), for the approve page and the payment pages; empty means
	// as the client reached it.
	PublicURL string
}

// startDemoServer starts the embedded server and returns once it listens.
// It runs until Close, or until ctx ends.
func startDemoServer(ctx context.Context, o demoOptions) (d *demoServer, err error) {
	d = &demoServer{}
	defer func() {
		if err != nil {
			d.Close()
			d = nil
		}
	}()
	dbPath := o.DB
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "fastcheck-demo-")
		if err != nil {
			return d, err
		}
		d.closeFns = append(d.closeFns, func() { os.RemoveAll(dir) })
		dbPath = filepath.Join(dir, "demo.db")
	}
	d.LogPath = dbPath + ".log"
	logFile, err := os.OpenFile(d.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return d, err
	}
	d.closeFns = append(d.closeFns, func() { logFile.Close() })
	log := slog.New(slog.NewTextHandler(logFile, nil))
	st, err := sqlite.Open(dbPath)
	if err != nil {
		return d, err
	}
	d.closeFns = append(d.closeFns, func() { st.Close() })
	users, err := server.SeedDemo(ctx, st, time.Now())
	if err != nil {
		return d, err
	}
	for _, u := range users {
		log.Info("demo user ready", "name", u.Name, "userId", api.UserID(u.PhoneKey().Public().(ed25519.PublicKey)))
	}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr == "127.0.0.1:8080" {
		addr = "127.0.0.1:0" // the default port is taken: any free one will do
		ln, err = net.Listen("tcp", addr)
	}
	if err == nil {
		// The port is known before the server starts: the payment
		// providers' callbacks and the bank's page need it.
		addr = ln.Addr().String()
		ln.Close()
	}
	// Top-ups and withdrawals as in "fastcheck server --demo": the sandbox
	// bank at /bank/ and the Briacoin simulator at /briacoin/, with a short
	// key step so a Briacoin call does not wait long. The simulator keeps
	// its state in a temporary directory: a saved one would call back an
	// old port.
	simDir, err := os.MkdirTemp("", "fastcheck-demo-sim-")
	if err != nil {
		return d, err
	}
	d.closeFns = append(d.closeFns, func() { os.RemoveAll(simDir) })
	pf := registerPaymentFlags(flag.NewFlagSet("demo", flag.ContinueOnError))
	if err := pf.fs.Parse([]string{"-briacoin-step", "2s", "-reconcile-interval", "5s",
		"-briacoin-sim-state", filepath.Join(simDir, "briacoin-sim.json")}); err != nil {
		return d, err
	}
	pay, err := pf.setup(log, st, addr, o.PublicURL, "/api", dbPath, true)
	if err != nil {
		return d, err
	}
	d.closeFns = append(d.closeFns, pay.close)
	srv, err := server.New(server.Config{Store: st, Logger: log, BasePath: "/api", TrustProxy: o.TrustProxy, PublicURL: o.PublicURL,
		Payments: pay.cfg, Mounts: pay.mounts, Staff: append(server.DemoStaff(), o.Staff...)})
	if err != nil {
		return d, err
	}
	sctx, stopServer := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, addr, func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		d.URL = "http://" + a.String() + "/api"
	case err := <-served:
		stopServer()
		return d, err
	}
	// Stopped first on Close: the closers run in reverse.
	d.closeFns = append(d.closeFns, func() { stopServer(); <-served })
	if o.Log != nil {
		o.Log.Info("demo server listening", "url", d.URL, "db", dbPath, "log", d.LogPath)
	}
	return d, nil
}

// Close stops the server and removes a temporary database.
func (d *demoServer) Close() {
	if d == nil {
		return
	}
	for i := len(d.closeFns) - 1; i >= 0; i-- {
		d.closeFns[i]()
	}
	d.closeFns = nil
}

// demoApprover approves a login as a demo user's phone, standing in for
// the phone app (tui.Options.DemoApprove). hc, if set, sends the request
// (the SSH server's carries the visitor's address).
func demoApprover(base, name string, hc *http.Client) (func(ctx context.Context, sessionID, fingerprint string) error, error) {
	u, ok := assets.FindDemoUser(name)
	if !ok {
		return nil, fmt.Errorf("no demo user %q", name)
	}
	return func(ctx context.Context, id, fingerprint string) error {
		phone, err := client.New(client.Options{BaseURL: base, Key: u.PhoneKey(), HTTPClient: hc})
		if err != nil {
			return err
		}
		_, err = phone.Approve(ctx, id, fingerprint)
		return err
	}, nil
}
