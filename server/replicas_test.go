package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"fastcheck/ledger"
	"fastcheck/ledger/postgres"
	"fastcheck/ledger/postgres/pgtest"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

// TestReplicasShareState: two server instances on one PostgreSQL
// database, as two replicas behind a round-robin load balancer (which
// passes the Host the client signed). A signed request replayed at the
// other replica is refused, and a rate limit reached at one holds at the
// other.
func TestReplicasShareState(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshDB(t)
	open := func() ledger.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	limits := func(c *server.Config) { c.Limits.StatusPerMinute = 4 } // a burst of 2
	a := servertest.Start(t, servertest.WithStore(open()), limits)
	b := servertest.Start(t, servertest.WithStore(open()), limits)
	// at sends req to replica e, leaving its Host (and so the signed
	// target URI) as the client made it.
	at := func(e *servertest.Env, req *http.Request) *servertest.Response {
		t.Helper()
		u, err := url.Parse(e.Root)
		if err != nil {
			t.Fatal(err)
		}
		req = req.Clone(context.Background())
		req.URL.Host = u.Host
		return servertest.Send(t, req)
	}

	alice := a.Login(t, servertest.Demo(t, "alice"))
	req := alice.Build(t, "GET", "/balance", nil, false, nil)
	if r := at(b, req); r.Status != 200 {
		t.Fatalf("a request signed for replica a, served by b: %d %s", r.Status, r.Body)
	}
	for _, e := range []*servertest.Env{a, b} {
		if r := at(e, req); r.Status != 401 || r.Message() != "not authorized: replayed request: this signature nonce was already used" {
			t.Fatalf("the same request replayed: %d %s", r.Status, r.Body)
		}
	}
	if r := at(a, alice.Build(t, "GET", "/balance", nil, false, nil)); r.Status != 200 {
		t.Fatalf("a fresh request at replica a: %d %s", r.Status, r.Body)
	}

	look := func(e *servertest.Env) int {
		req, err := http.NewRequest("GET", e.URL+"/fastcheck?fastcheck=1234-5678-0001", nil)
		if err != nil {
			t.Fatal(err)
		}
		return servertest.Send(t, req).Status
	}
	for i, e := range []*servertest.Env{a, b} {
		if s := look(e); s != 404 {
			t.Fatalf("look-up %d of a burst of 2: %d", i+1, s)
		}
	}
	for _, e := range []*servertest.Env{a, b} {
		if s := look(e); s != 429 {
			t.Fatalf("a look-up past the limit shared by both replicas: %d, want 429", s)
		}
	}
}
