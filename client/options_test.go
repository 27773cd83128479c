package client_test

import (
	"strings"
	"testing"

	"fastcheck/client"
	"fastcheck/server/servertest"
)

func TestBaseURLPolicy(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://fastcheck.store/api":  "https://fastcheck.store/api",
		"https://fastcheck.store/api/": "https://fastcheck.store/api",
		"https://api.Fastcheck.store":  "https://api.Fastcheck.store",
		"http://127.0.0.1:8080/api":    "http://127.0.0.1:8080/api",
		"http://127.9.9.9/api":         "http://127.9.9.9/api",
		"http://localhost:8080":        "http://localhost:8080",
		"http://LOCALHOST/api":         "http://LOCALHOST/api",
		"http://[::1]:8080/api":        "http://[::1]:8080/api",
		" https://x.example/a b ":      "https://x.example/a%20b",
	}
	for in, want := range ok {
		c, err := client.New(client.Options{BaseURL: in})
		if err != nil || c.BaseURL() != want {
			t.Errorf("New(%q) = %v, %v; want base %q", in, c, err, want)
		}
	}
	refused := map[string]string{
		"http://fastcheck.store/api":       "AllowInsecureHTTP",
		"http://10.0.0.1/api":              "AllowInsecureHTTP",
		"http://127.0.0.1.example.com/api": "AllowInsecureHTTP",
		"http://localhost.evil.example":    "AllowInsecureHTTP",
		"http://[::2]/api":                 "AllowInsecureHTTP",
		"":                                 "required",
		"fastcheck.store/api":              "absolute",
		"ftp://fastcheck.store/api":        "absolute",
		"https://u:p@fastcheck.store/api":  "credentials",
		"https://fastcheck.store/api?x=1":  "query",
		"https://fastcheck.store/api#frag": "fragment",
	}
	for in, want := range refused {
		_, err := client.New(client.Options{BaseURL: in})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error mentioning %q", in, err, want)
		}
	}
	// The opt-in allows it.
	if _, err := client.New(client.Options{BaseURL: "http://fastcheck.store/api", AllowInsecureHTTP: true}); err != nil {
		t.Errorf("AllowInsecureHTTP: %v", err)
	}
	// A key must be a whole Ed25519 private key.
	if _, err := client.New(client.Options{BaseURL: "https://x.example", Key: make([]byte, 32)}); err == nil {
		t.Error("a 32-byte key was accepted")
	}
	k := servertest.NewKey(t)
	c, err := client.New(client.Options{BaseURL: "https://x.example/api", Key: k, SessionID: "S"})
	if err != nil || !c.Key().Equal(k) || c.Session() != "S" || len(c.Fingerprint()) != 19 {
		t.Fatalf("New = %v, %v", c, err)
	}
	if got := c.ApproveURL("1AF3781BF6B94604B771AEA1D44FA63A"); got != "https://x.example/api/approve/1AF3781BF6B94604B771AEA1D44FA63A" {
		t.Fatalf("ApproveURL = %q", got)
	}
}

func TestParseApproveTarget(t *testing.T) {
	t.Parallel()
	const id = "1AF3781BF6B94604B771AEA1D44FA63A"
	ok := []struct{ in, base string }{
		{id, ""},
		{"  " + strings.ToLower(id) + "\n", ""},
		{"https://fastcheck.store/api/approve/" + id, "https://fastcheck.store/api"},
		{"https://fastcheck.store/approve/" + id + "/", "https://fastcheck.store"},
		{"http://127.0.0.1:8080/api/approve/" + strings.ToLower(id) + "?utm=x#y", "http://127.0.0.1:8080/api"},
		{"https://user:pw@fastcheck.store/api/approve/" + id, "https://fastcheck.store/api"},
	}
	for _, tc := range ok {
		base, got, err := client.ParseApproveTarget(tc.in)
		if err != nil || base != tc.base || got != id {
			t.Errorf("ParseApproveTarget(%q) = %q, %q, %v; want %q, %q", tc.in, base, got, err, tc.base, id)
		}
	}
	for _, in := range []string{
		"", "hello", id[:31], id + "0",
		"https://fastcheck.store/api/" + id,
		"https://fastcheck.store/api/approve/",
		"https://fastcheck.store/api/approve/" + id + "/extra",
		"https://fastcheck.store/api/approve/ZZZ3781BF6B94604B771AEA1D44FA63A",
		"javascript:alert(1)//approve/" + id,
		"/approve/" + id,
	} {
		if base, got, err := client.ParseApproveTarget(in); err == nil {
			t.Errorf("ParseApproveTarget(%q) = %q, %q; want an error", in, base, got)
		}
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain":                         "plain",
		"a\x1b[1;31mred\x1b[0m b":       "ared b",
		"title\x1b]0;x\x07 end":         "title end",
		"osc\x1b]8;;http://x\x1b\\link": "osclink",
		"bell\x07 nul\x00 del\x7f":      "bell nul del",
		"c1\u009b31mcsi":                "c1csi",
		"bidi\u202eevil\u2066":          "bidievil",
		"  lots \n\t of   space  ":      "lots of space",
		"bad \xff utf8":                 "bad \uFFFD utf8",
		"trailing esc \x1b":             "trailing esc",
		"unterminated \x1b[12":          "unterminated",
	}
	for in, want := range cases {
		if got := client.Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	long := client.Sanitize(strings.Repeat("ж", 1000))
	if len(long) > 303 || !strings.HasSuffix(long, "…") {
		t.Errorf("long message: %d bytes", len(long))
	}
}

func TestKindStrings(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for k := client.ErrUnexpected; k <= client.ErrBadResponse; k++ {
		s := k.Error()
		if s == "" || seen[s] || strings.HasPrefix(s, "client.Kind(") {
			t.Errorf("kind %d has text %q", int(k), s)
		}
		seen[s] = true
	}
	e := &client.Error{Status: 429, Kind: client.ErrRateLimited, Message: "slow", Op: "GET /balance"}
	if got := e.Error(); got != "fastcheck GET /balance: rate limited (HTTP 429): slow" {
		t.Errorf("Error() = %q", got)
	}
}
