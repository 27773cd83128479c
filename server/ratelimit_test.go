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

// TestLoginLimitsArePerIP: new websessions and the phone's approvals are
// limited per client address too (429 + Retry-After), and one address's
// limit leaves another's alone.
func TestLoginLimitsArePerIP(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) {
		c.Limits.WebsessionsPerMinute = 4
		c.Limits.ApprovalsPerMinute = 4
		c.TrustProxy = true
	})
	terminal := &servertest.Caller{Env: env, Key: servertest.NewKey(t)}
	phone := &servertest.Caller{Env: env, Key: servertest.Demo(t, "alice")}
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	for _, tc := range []struct {
		name string
		send func(ip string) *servertest.Response
		ok   int
	}{
		{"GET /websession", func(ip string) *servertest.Response {
			return servertest.Send(t, terminal.Build(t, "GET", "/websession", nil, true, from(ip)))
		}, 200},
		{"GET /phone/websession/{id}", func(ip string) *servertest.Response {
			return servertest.Send(t, phone.Build(t, "GET", "/phone/websession/00000000000000000000000000000000", nil, true, from(ip)))
		}, 404},
		{"POST /phone/approve", func(ip string) *servertest.Response {
			body := []byte(`{"sessionId":"00000000000000000000000000000000","fingerprint":"0000 0000 0000 0000"}`)
			return servertest.Send(t, phone.Build(t, "POST", "/phone/approve", body, true, from(ip)))
		}, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip := "192.0.2." + strconv.Itoa(10+len(tc.name))
			var limited *servertest.Response
			for i := 0; i < 20 && limited == nil; i++ {
				switch r := tc.send(ip); r.Status {
				case tc.ok:
				case 429:
					limited = r
				default:
					t.Fatalf("request %d = %d %s", i, r.Status, r.Body)
				}
			}
			if limited == nil {
				t.Fatal("20 requests in a row from one address were never limited")
			}
			if secs, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || secs < 1 {
				t.Fatalf("Retry-After = %q", limited.Header.Get("Retry-After"))
			}
			checkError(t, limited, 429, "try again in")
			if r := tc.send("198.51.100.99"); r.Status != tc.ok {
				t.Fatalf("another address = %d %s, want %d", r.Status, r.Body, tc.ok)
			}
		})
		env.Clock.Advance(time.Minute) // the shared approval bucket refills between rows
	}
}
