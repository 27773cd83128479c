package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/server/servertest"
)

// TestCrashKeepsAcknowledgedOperations runs the real server binary under
// load, kills it with SIGKILL, restarts it on the same database, and checks
// that every operation it acknowledged is still there and that the audit
// passes. Operations in flight at the kill are indeterminate and may go
// either way.
func TestCrashKeepsAcknowledgedOperations(t *testing.T) {
	stopUnderLoad(t, syscall.SIGKILL)
}

// TestServerStopsCleanlyOnSignal: SIGINT and SIGTERM under load stop the
// real server binary with exit 0 and its "stopped cleanly" line; every
// operation it acknowledged is there after a restart, and the audit passes
// (no half-written transaction). Its first log lines say where it listens
// and which database it uses.
func TestServerStopsCleanlyOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { stopUnderLoad(t, sig) })
	}
}

// stopUnderLoad runs the server binary under load, stops it with sig,
// restarts it, and checks that every acknowledged operation survived and
// that the offline audit passes.
func stopUnderLoad(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	db := filepath.Join(dir, "fc.db")
	addr := freeAddr(t)
	srv := startServer(t, db, addr, "--demo")
	if sig != syscall.SIGKILL {
		want := fmt.Sprintf(`msg="fastcheck server listening" url=http://%s/api db=%s backend=sqlite`, addr, db)
		if !strings.Contains(srv.output(), want) {
			t.Errorf("the startup log lacks %q:\n%s", want, srv.output())
		}
	}
	env := &servertest.Env{URL: "http://" + addr + "/api", Root: "http://" + addr, Clock: &servertest.Clock{}}
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))

	var mu sync.Mutex
	var created []api.CreateCheckResponse // acknowledged creates
	var accepted []string                 // acknowledged accepts
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				cr, ok := tryCreate(alice, int64(100+w))
				if !ok {
					return // the server is gone
				}
				mu.Lock()
				created = append(created, cr)
				mu.Unlock()
				if i%2 == 0 {
					if !tryAccept(bob, cr) {
						return
					}
					mu.Lock()
					accepted = append(accepted, cr.Fastcheck)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	srv.cmd.Process.Signal(sig)
	select {
	case <-srv.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("the server did not stop on %v", sig)
	}
	if sig != syscall.SIGKILL {
		if srv.err != nil || !strings.Contains(srv.output(), "server stopped cleanly") {
			t.Fatalf("%v under load: exit %v, want 0 and a clean-stop line:\n%s", sig, srv.err, srv.output())
		}
	}
	close(stop)
	wg.Wait()
	if len(created) < 20 {
		t.Fatalf("only %d acknowledged creates before %v; the load is too light to mean anything", len(created), sig)
	}
	// Nothing is left half-written: the offline audit passes before the
	// restart too (after a kill it reads the WAL the server left).
	if out, code := runCmd(t, "server", "audit", "--db", db); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("audit after %v: exit %d\n%s", sig, code, out)
	}

	srv = startServer(t, db, addr)
	// Sessions are in the database, so the same logins still work.
	var active api.ActiveChecks
	var hist api.HistoryChecks
	if r := alice.Do(t, "GET", "/fastcheck/active", nil); r.Status != 200 {
		t.Fatalf("active after restart = %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &active)
	}
	alice.Do(t, "GET", "/fastcheck/history", nil).JSON(t, &hist)
	state := map[string]string{}
	for _, c := range active.Checks {
		state[c.Fastcheck] = "active"
	}
	for _, c := range hist.Checks {
		state[c.Fastcheck] = c.Status
	}
	for _, cr := range created {
		if state[cr.Fastcheck] == "" {
			t.Errorf("acknowledged check %s is gone after %v", cr.Fastcheck, sig)
		}
	}
	for _, n := range accepted {
		if state[n] != "used" {
			t.Errorf("acknowledged accept of %s is %q after %v, want used", n, state[n], sig)
		}
	}
	t.Logf("%d creates and %d accepts acknowledged before %v; all present", len(created), len(accepted), sig)

	// A clean stop, then the offline audit.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
		if srv.err != nil {
			t.Fatalf("SIGTERM exit: %v\n%s", srv.err, srv.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop on SIGTERM")
	}
	if !strings.Contains(srv.output(), "stopped cleanly") {
		t.Errorf("no clean-stop log line:\n%s", srv.output())
	}
	out, code := runCmd(t, "server", "audit", "--db", db)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("audit after restart: exit %d\n%s", code, out)
	}
}

// tryCreate creates a check; ok is false once the server is unreachable or
// answers anything but 200.
func tryCreate(c *servertest.Caller, amount int64) (api.CreateCheckResponse, bool) {
	var cr api.CreateCheckResponse
	resp, err := send(c, "POST", "/fastcheck", fmt.Sprintf(`{"amount":%d,"currency":"RUB"}`, amount), &cr)
	return cr, err == nil && resp == 200
}

func tryAccept(c *servertest.Caller, cr api.CreateCheckResponse) bool {
	resp, err := send(c, "POST", "/fastcheck", `{"fastcheck":"`+cr.Fastcheck+`","code":"`+cr.Code+`"}`, nil)
	return err == nil && resp == 200
}
