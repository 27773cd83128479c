package server_test

import (
	"strings"
	"testing"

	"fastcheck/server/servertest"
)

// TestKnownKeyStillChecksTheSession: once a replica knows a session's key
// it checks signatures without reading the session first, and reads the
// session together with the nonce. A session logged out at another
// replica, a replayed request, and a signature by another key must still
// be refused there.
func TestKnownKeyStillChecksTheSession(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			a := servertest.Start(t, servertest.WithStore(b.Open(t)))
			other := servertest.Start(t, servertest.WithStore(a.Store)) // a second replica on the same ledger
			alice := a.Login(t, servertest.Demo(t, "alice"))
			balanceIs(t, alice, 15000000) // replica a now knows the key

			req := alice.Build(t, "GET", "/balance", nil, false, nil)
			if r := servertest.Send(t, req.Clone(req.Context())); r.Status != 200 {
				t.Fatalf("balance = %d %s", r.Status, r.Body)
			}
			if r := servertest.Send(t, req.Clone(req.Context())); r.Status != 401 || !strings.Contains(r.Message(), "replayed request") {
				t.Fatalf("the same request again = %d %s, want 401 replayed", r.Status, r.Body)
			}

			mallory := *alice
			mallory.Key = servertest.NewKey(t) // the session id without its key
			if r := mallory.Do(t, "GET", "/balance", nil); r.Status != 401 {
				t.Fatalf("another key with alice's session = %d %s, want 401", r.Status, r.Body)
			}

			atOther := *alice
			atOther.Env = other
			if r := atOther.Do(t, "DELETE", "/websession/"+alice.SessionID, nil); r.Status != 200 {
				t.Fatalf("logout at the other replica = %d %s", r.Status, r.Body)
			}
			for _, path := range []string{"/balance", "/fastcheck/active"} {
				if r := alice.Do(t, "GET", path, nil); r.Status != 401 || r.Message() != "not authorized" {
					t.Fatalf("%s after the logout at the other replica = %d %s, want 401 not authorized", path, r.Status, r.Body)
				}
			}
			if r := alice.Do(t, "POST", "/fastcheck", []byte(`{"amount":1,"currency":"RUB"}`)); r.Status != 401 {
				t.Fatalf("create after the logout = %d %s, want 401", r.Status, r.Body)
			}
		})
	}
}
