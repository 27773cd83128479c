package server_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"fastcheck/server"
	"fastcheck/server/servertest"
)

// TestIdempotencyKeysKeptADay: an Idempotency-Key on create, accept and
// cancel is honoured for at least 24 hours, through the purges the sweeper
// runs: the same key and body replay the first answer, another body is a
// 409, and money moves once.
func TestIdempotencyKeysKeptADay(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.SessionTTL = 100 * time.Hour })
	alice := env.Login(t, servertest.Demo(t, "alice"))
	bob := env.Login(t, servertest.Demo(t, "bob"))
	ctx := context.Background()

	send := func(c *servertest.Caller, method, path, body, key string) *servertest.Response {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return servertest.Send(t, c.Build(t, method, path, b, false, map[string]string{"Idempotency-Key": key}))
	}
	createBody := `{"amount":2500,"currency":"RUB"}`
	first := send(alice, "POST", "/fastcheck", createBody, "create-day")
	if first.Status != 200 {
		t.Fatalf("create = %d %s", first.Status, first.Body)
	}
	var ch struct{ Fastcheck, Code string }
	first.JSON(t, &ch)
	toCancel := create(t, alice, 700)
	acceptBody := `{"fastcheck":"` + ch.Fastcheck + `","code":"` + ch.Code + `"}`
	accepted := send(bob, "POST", "/fastcheck", acceptBody, "accept-day")
	cancelled := send(alice, "DELETE", "/fastcheck/"+toCancel.Fastcheck, "", "cancel-day")
	if accepted.Status != 200 || cancelled.Status != 200 {
		t.Fatalf("accept = %d %s, cancel = %d %s", accepted.Status, accepted.Body, cancelled.Status, cancelled.Body)
	}

	// The clock moves in steps to 24 h and 1 minute after the requests,
	// then to 47 h; the sweeper's purge runs at each step.
	start := env.Clock.Now()
	for _, at := range []time.Duration{time.Hour, 24*time.Hour + time.Minute, 47 * time.Hour} {
		env.Clock.Advance(at - env.Clock.Now().Sub(start))
		env.Server.PurgeOnce(ctx)
		label := "after " + strconv.Itoa(int(at.Hours())) + " h"

		for _, tc := range []struct {
			c                  *servertest.Caller
			method, path, body string
			key                string
			want               *servertest.Response
		}{
			{alice, "POST", "/fastcheck", createBody, "create-day", first},
			{bob, "POST", "/fastcheck", acceptBody, "accept-day", accepted},
			{alice, "DELETE", "/fastcheck/" + toCancel.Fastcheck, "", "cancel-day", cancelled},
		} {
			r := send(tc.c, tc.method, tc.path, tc.body, tc.key)
			if r.Status != 200 || string(r.Body) != string(tc.want.Body) || r.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("%s: %s %s with key %s = %d %s (replayed %q), want the first answer %s",
					label, tc.method, tc.path, tc.key, r.Status, r.Body, r.Header.Get("Idempotent-Replayed"), tc.want.Body)
			}
		}
		if r := send(alice, "POST", "/fastcheck", `{"amount":2600,"currency":"RUB"}`, "create-day"); r.Status != 409 {
			t.Fatalf("%s: the create key with another body = %d %s, want 409", label, r.Status, r.Body)
		}
		balanceIs(t, alice, 15000000-2500)
		balanceIs(t, bob, 15000000+2500)
	}
	servertest.RequireAudit(t, env)
}
