package server_test

import (
	"net/http"
	"strings"
	"testing"

	"fastcheck/server"
	"fastcheck/server/servertest"
)

func TestCleanBasePath(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "/": "", "//": "", "/api": "/api", "api": "/api", "/api/": "/api", "/v2/fastcheck": "/v2/fastcheck",
		"/a.b_c~d-e": "/a.b_c~d-e",
	} {
		if got, err := server.CleanBasePath(in); err != nil || got != want {
			t.Errorf("CleanBasePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"/a b", "/{x}", "/x/../y", "/./api", "/a//b", "/api?x=1", "/api#f", "/%41pi", "/\x1b[2J", "/ап", "GET /api"} {
		if got, err := server.CleanBasePath(in); err == nil {
			t.Errorf("CleanBasePath(%q) = %q, want an error", in, got)
		} else if strings.ContainsAny(err.Error(), "\x1b") {
			t.Errorf("the error echoes a control character: %q", err)
		}
	}
}

// FuzzCleanBasePath: whatever the flag says, the result is a literal
// route that ServeMux takes without a panic, or an error.
func FuzzCleanBasePath(f *testing.F) {
	for _, s := range []string{"/api", "api/", "/a b", "/{x...}", "/x/../y", "", "//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := server.CleanBasePath(in)
		if err != nil {
			return
		}
		if p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//")) {
			t.Fatalf("CleanBasePath(%q) = %q", in, p)
		}
		http.NewServeMux().Handle(p+"/", http.NotFoundHandler())
	})
}

// TestOtherBasePath: with --base-path /v2 the API answers at the root and
// under /v2 (and not under /api), signed requests included.
func TestOtherBasePath(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.BasePath = "v2/" })
	env.URL = env.Root + "/v2"
	for path, want := range map[string]int{"/v2/ping": 200, "/ping": 200, "/api/ping": 404, "/v2ping": 404} {
		if r := servertest.Send(t, mustReq(t, "GET", env.Root+path, "")); r.Status != want {
			t.Errorf("GET %s = %d, want %d", path, r.Status, want)
		}
	}
	alice := env.Login(t, servertest.Demo(t, "alice"))
	balanceIs(t, alice, 15000000)
	if r := create(t, alice, 100); r.Fastcheck == "" {
		t.Fatal("no check")
	}
	if _, err := server.New(server.Config{Store: env.Store, BasePath: "/a b"}); err == nil {
		t.Fatal("server.New took the base path /a b")
	}
}
