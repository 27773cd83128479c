package server_test

import (
	"strconv"
	"testing"
	"time"

	"fastcheck/server"
	"fastcheck/server/servertest"
)

// TestStatusLimitIsPerIPAndHonoursRetryAfter: the public status look-up is
// limited per client address. Past the burst one address gets 429 with a
// Retry-After in whole seconds while another address is still served, and
// after waiting that long the first one is served again.
func TestStatusLimitIsPerIPAndHonoursRetryAfter(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) {
		c.Limits.StatusPerMinute = 6
		c.TrustProxy = true // so that the test can speak from several addresses
	})
	lookUp := func(ip string) *servertest.Response {
		req := mustReq(t, "GET", env.URL+"/fastcheck?fastcheck=1234-5678-0001", "")
		req.Header.Set("X-Forwarded-For", ip)
		return servertest.Send(t, req)
	}
	var limited *servertest.Response
	for i := 0; i < 20 && limited == nil; i++ {
		switch r := lookUp("192.0.2.1"); r.Status {
		case 404:
		case 429:
			limited = r
		default:
			t.Fatalf("look-up %d = %d %s", i, r.Status, r.Body)
		}
	}
	if limited == nil {
		t.Fatal("20 look-ups in a row from one address were never limited")
	}
	secs, err := strconv.Atoi(limited.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After = %q, want whole seconds within a minute", limited.Header.Get("Retry-After"))
	}
	checkError(t, limited, 429, "try again in "+strconv.Itoa(secs)+" s")
	if r := lookUp("192.0.2.1"); r.Status != 429 {
		t.Fatalf("the limited address again at once = %d, want 429", r.Status)
	}
	if r := lookUp("198.51.100.7"); r.Status != 404 {
		t.Fatalf("another address = %d %s, want it served (404)", r.Status, r.Body)
	}
	env.Clock.Advance(time.Duration(secs) * time.Second)
	if r := lookUp("192.0.2.1"); r.Status != 404 {
		t.Fatalf("after Retry-After = %d %s, want it served again", r.Status, r.Body)
	}
}
