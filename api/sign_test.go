package api

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	signKey  = testKey(0x11)
	signPub  = signKey.Public().(ed25519.PublicKey)
	otherKey = testKey(0x22)
	otherPub = otherKey.Public().(ed25519.PublicKey)
	// t0 is the server's clock in most tests; whole seconds, as on the wire.
	t0 = time.Unix(1_780_000_000, 0)
)

const (
	testURL  = "https://fastcheck.test/api/fastcheck?fastcheck=1234-5678-0001"
	testAuth = `{"sessionID": "0123456789ABCDEF0123456789ABCDEF"}`
	testIdem = "5f0c6e1e-1c2b-4f5a-9d7e-2b1f4c3a9e10"
	testBody = `{"amount":158000,"currency":"RUB"}`
)

// reqOpts describes a request to sign; empty strings leave headers out.
type reqOpts struct {
	method, url, body string
	auth, idem        string
	withKey           bool // send the signer's key as Fastcheck-Key
	emptyIdem         bool // send Idempotency-Key with an empty value
}

func typicalPost() reqOpts {
	return reqOpts{method: "POST", url: testURL, body: testBody, auth: testAuth, idem: testIdem}
}

func newRequest(t testing.TB, o reqOpts, key ed25519.PrivateKey) *http.Request {
	t.Helper()
	req, err := http.NewRequest(o.method, o.url, strings.NewReader(o.body))
	if err != nil {
		t.Fatal(err)
	}
	if o.auth != "" {
		req.Header.Set("Authorization", o.auth)
	}
	if o.idem != "" || o.emptyIdem {
		req.Header.Set(HeaderIdempotencyKey, o.idem)
	}
	if o.withKey {
		req.Header.Set(HeaderPublicKey, UserID(key.Public().(ed25519.PublicKey)))
	}
	return req
}

func signedRequest(t testing.TB, o reqOpts, key ed25519.PrivateKey, created time.Time) *http.Request {
	t.Helper()
	req := newRequest(t, o, key)
	Sign(req, []byte(o.body), key, created)
	return req
}

// verifyAt parses and verifies req as a server at now would, taking the
// target URI from the request itself.
func verifyAt(req *http.Request, body string, pub ed25519.PublicKey, now time.Time) error {
	sr, err := ParseSignature(req.Header)
	if err != nil {
		return err
	}
	return sr.Verify(pub, req.Method, TargetURI(req), req.Header, []byte(body), now)
}

// resign replaces the signature of req with a valid signature by key over
// the given Signature-Input value (after "sig1="). It lets a test present
// a correctly signed request whose parameters break the profile, so that a
// rejection is the profile check's doing and not a bad signature's.
func resign(t testing.TB, req *http.Request, key ed25519.PrivateKey, params string) {
	t.Helper()
	end := strings.IndexByte(params, ')')
	if !strings.HasPrefix(params, "(") || end < 0 {
		t.Fatalf("resign: bad params %q", params)
	}
	var comps []string
	for _, f := range strings.Fields(params[1:end]) {
		c, err := strconv.Unquote(f)
		if err != nil {
			c = f // an unquoted (malformed) component, signed as written
		}
		comps = append(comps, c)
	}
	base := signatureBase(req.Method, TargetURI(req), req.Header, comps, params)
	sig := ed25519.Sign(key, []byte(base))
	req.Header.Set(HeaderSignatureInput, "sig1="+params)
	req.Header.Set(HeaderSignature, "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

// profileParams builds Signature-Input parameters in the profile's shape;
// each field may be overridden to break it.
type profileParams struct {
	comps            string
	created, expires int64
	nonce, keyid     string
	alg, tag         string
	extra            string // appended verbatim
	omit             string // a parameter to leave out
}

func defaultParams(created time.Time, comps string) profileParams {
	return profileParams{
		comps:   comps,
		created: created.Unix(), expires: created.Unix() + 60,
		nonce: "AAAAAAAAAAAAAAAAAAAAAA", keyid: KeyID(signPub),
		alg: "ed25519", tag: SignatureTag,
	}
}

func (p profileParams) String() string {
	var b strings.Builder
	b.WriteString(p.comps)
	add := func(name, val string) {
		if name != p.omit {
			b.WriteString(";" + name + "=" + val)
		}
	}
	add("created", strconv.FormatInt(p.created, 10))
	add("expires", strconv.FormatInt(p.expires, 10))
	add("nonce", strconv.Quote(p.nonce))
	add("keyid", strconv.Quote(p.keyid))
	add("alg", strconv.Quote(p.alg))
	add("tag", strconv.Quote(p.tag))
	b.WriteString(p.extra)
	return b.String()
}

const postComps = `("@method" "@target-uri" "authorization" "content-digest" "idempotency-key")`

func TestContentDigest(t *testing.T) {
	// SHA-256 of the empty string, and RFC 9530's example body.
	if got, want := ContentDigest(nil), "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"; got != want {
		t.Errorf("ContentDigest(nil) = %q, want %q", got, want)
	}
	if ContentDigest([]byte{}) != ContentDigest(nil) {
		t.Error("empty and nil bodies differ")
	}
	if got, want := ContentDigest([]byte(`{"hello": "world"}`)), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"; got != want {
		t.Errorf("ContentDigest(RFC 9530 example) = %q, want %q", got, want)
	}
}

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := NewNonce()
		if len(n) != 22 || !isToken(n) {
			t.Fatalf("NewNonce() = %q, want 22 base64url characters (128 bits)", n)
		}
		if seen[n] {
			t.Fatalf("NewNonce repeated %q", n)
		}
		seen[n] = true
	}
}

func TestTargetURI(t *testing.T) {
	cases := []struct{ url, host, want string }{
		{"https://fastcheck.store/api/fastcheck?fastcheck=1234-5678-0001", "", "https://fastcheck.store/api/fastcheck?fastcheck=1234-5678-0001"},
		{"http://127.0.0.1:8080/ping", "", "http://127.0.0.1:8080/ping"},
		{"https://a.test/x", "b.test", "https://b.test/x"},
		{"https://a.test", "", "https://a.test/"},
		{"https://a.test/a%20b?q=1&r=%2F", "", "https://a.test/a%20b?q=1&r=%2F"},
		{"https://a.test/websession/ABC#frag", "", "https://a.test/websession/ABC"},
	}
	for _, c := range cases {
		req, err := http.NewRequest("GET", c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.host != "" {
			req.Host = c.host
		}
		if got := TargetURI(req); got != c.want {
			t.Errorf("TargetURI(%s, host %q) = %q, want %q", c.url, c.host, got, c.want)
		}
	}
}

func TestSignatureBaseFormat(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", testAuth)
	h.Set("Content-Digest", ContentDigest(nil))
	params := `("@method" "@target-uri" "authorization" "content-digest");created=1;expires=61;nonce="n";keyid="k";alg="ed25519";tag="fastcheck-v1"`
	got := signatureBase("GET", "https://a.test/p?q", h, []string{"@method", "@target-uri", "authorization", "content-digest"}, params)
	want := `"@method": GET` + "\n" +
		`"@target-uri": https://a.test/p?q` + "\n" +
		`"authorization": {"sessionID": "0123456789ABCDEF0123456789ABCDEF"}` + "\n" +
		`"content-digest": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:` + "\n" +
		`"@signature-params": ` + params
	if got != want {
		t.Errorf("signature base:\n%s\nwant:\n%s", got, want)
	}
	// RFC 9421 §2.1: several field lines are joined with ", " after
	// trimming each.
	h.Set("Idempotency-Key", " a ")
	h.Add("Idempotency-Key", "b\t")
	got = signatureBase("GET", "u", h, []string{"idempotency-key"}, "()")
	if want := `"idempotency-key": a, b` + "\n" + `"@signature-params": ()`; got != want {
		t.Errorf("multi-value base = %q, want %q", got, want)
	}
}

func TestSignHeaderShape(t *testing.T) {
	req := signedRequest(t, reqOpts{method: "POST", url: testURL, body: testBody, auth: testAuth, idem: testIdem, withKey: true}, signKey, t0)
	in := req.Header.Get(HeaderSignatureInput)
	re := regexp.MustCompile(`^sig1=\("@method" "@target-uri" "authorization" "content-digest" "fastcheck-key" "idempotency-key"\);created=1780000000;expires=1780000060;nonce="[A-Za-z0-9_-]{22}";keyid="` + regexp.QuoteMeta(KeyID(signPub)) + `";alg="ed25519";tag="fastcheck-v1"$`)
	if !re.MatchString(in) {
		t.Errorf("Signature-Input = %q, not the profile's shape", in)
	}
	sig := req.Header.Get(HeaderSignature)
	if !regexp.MustCompile(`^sig1=:[A-Za-z0-9+/]{86}==:$`).MatchString(sig) {
		t.Errorf("Signature = %q, want sig1=:<base64 of 64 bytes>:", sig)
	}
	if got := req.Header.Get(HeaderContentDigest); got != ContentDigest([]byte(testBody)) {
		t.Errorf("Content-Digest = %q", got)
	}
	if len(in) > maxSignatureInput || len(sig) > maxSignature {
		t.Errorf("our own headers exceed the caps: %d, %d", len(in), len(sig))
	}
	// Signing twice (a retry) replaces, never adds.
	Sign(req, []byte(testBody), signKey, t0.Add(time.Second))
	for _, name := range []string{HeaderSignature, HeaderSignatureInput, HeaderContentDigest} {
		if n := len(req.Header.Values(name)); n != 1 {
			t.Errorf("after re-signing, %s appears %d times", name, n)
		}
	}
	if err := verifyAt(req, testBody, signPub, t0.Add(time.Second)); err != nil {
		t.Errorf("re-signed request does not verify: %v", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, method := range []string{"GET", "POST", "DELETE"} {
		for _, body := range []string{"", testBody} {
			for _, auth := range []string{"", testAuth} {
				for _, idem := range []string{"", testIdem} {
					for _, withKey := range []bool{false, true} {
						o := reqOpts{method: method, url: testURL, body: body, auth: auth, idem: idem, withKey: withKey}
						name := fmt.Sprintf("%s/body=%v/auth=%v/idem=%v/key=%v", method, body != "", auth != "", idem != "", withKey)
						t.Run(name, func(t *testing.T) {
							req := signedRequest(t, o, signKey, t0)
							sr, err := ParseSignature(req.Header)
							if err != nil {
								t.Fatalf("ParseSignature: %v", err)
							}
							want := []string{"@method", "@target-uri"}
							if auth != "" {
								want = append(want, "authorization")
							}
							want = append(want, "content-digest")
							if withKey {
								want = append(want, "fastcheck-key")
							}
							if idem != "" {
								want = append(want, "idempotency-key")
							}
							if strings.Join(sr.Components, " ") != strings.Join(want, " ") {
								t.Errorf("components = %q, want %q", sr.Components, want)
							}
							if sr.KeyID != KeyID(signPub) {
								t.Errorf("KeyID = %q", sr.KeyID)
							}
							if !sr.Created.Equal(t0) || !sr.Expires.Equal(t0.Add(SignatureLifetime)) {
								t.Errorf("window = %v..%v, want %v..%v", sr.Created, sr.Expires, t0, t0.Add(SignatureLifetime))
							}
							if len(sr.Nonce) != 22 {
								t.Errorf("nonce = %q", sr.Nonce)
							}
							if withKey != (sr.PublicKey != nil) || withKey && !sr.PublicKey.Equal(signPub) {
								t.Errorf("PublicKey = %x, want it set (%v) to the signer's key", sr.PublicKey, withKey)
							}
							if err := sr.Verify(signPub, method, TargetURI(req), req.Header, []byte(body), t0); err != nil {
								t.Fatalf("Verify: %v", err)
							}
							// The same request fails with another key.
							if err := sr.Verify(otherPub, method, TargetURI(req), req.Header, []byte(body), t0); err == nil {
								t.Error("Verify with another key succeeded")
							}
						})
					}
				}
			}
		}
	}
}

func TestSignNilBodyEqualsEmpty(t *testing.T) {
	req, _ := http.NewRequest("GET", testURL, nil)
	Sign(req, nil, signKey, t0)
	if err := verifyAt(req, "", signPub, t0); err != nil {
		t.Fatalf("nil body: %v", err)
	}
}

func TestSignEmptyHeaderValueIsCovered(t *testing.T) {
	req := signedRequest(t, reqOpts{method: "POST", url: testURL, body: testBody, emptyIdem: true}, signKey, t0)
	sr, err := ParseSignature(req.Header)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sr.Components, " "), "idempotency-key") {
		t.Errorf("an empty Idempotency-Key is present and must be covered: %q", sr.Components)
	}
	if err := sr.Verify(signPub, "POST", TargetURI(req), req.Header, []byte(testBody), t0); err != nil {
		t.Fatal(err)
	}
	req.Header.Set(HeaderIdempotencyKey, "x")
	if err := verifyAt(req, testBody, signPub, t0); err == nil {
		t.Error("filling in the empty Idempotency-Key after signing still verifies")
	}
}

// Each tamper is applied to a freshly signed typical POST (Authorization,
// Idempotency-Key, body); all must fail. The untampered request must pass,
// so a failure is the tamper's doing.
func TestVerifyRejectsTampering(t *testing.T) {
	type tamper struct {
		name string
		opts func(*reqOpts) // changes to the signed request, optional
		// do tampers with the signed request; it returns the method,
		// target URI, body and key the server then verifies with.
		do      func(req *http.Request) (method, target, body string, pub ed25519.PublicKey)
		wantMsg string // a fragment of the error, optional
	}
	same := func(req *http.Request) (string, string, string, ed25519.PublicKey) {
		return req.Method, TargetURI(req), testBody, signPub
	}
	tampers := []tamper{
		{name: "untampered (control)", do: same, wantMsg: "<nil>"},
		{name: "changed body", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, TargetURI(req), `{"amount":999999,"currency":"RUB"}`, signPub
		}, wantMsg: "Content-Digest"},
		{name: "changed body with recomputed Content-Digest", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			b := `{"amount":999999,"currency":"RUB"}`
			req.Header.Set(HeaderContentDigest, ContentDigest([]byte(b)))
			return req.Method, TargetURI(req), b, signPub
		}, wantMsg: "does not verify"},
		{name: "empty body", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, TargetURI(req), "", signPub
		}, wantMsg: "Content-Digest"},
		{name: "changed method", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return "PUT", TargetURI(req), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "method case", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return "post", TargetURI(req), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "changed path", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, strings.Replace(TargetURI(req), "/api/fastcheck", "/api/fastcheck/active", 1), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "changed query", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, strings.Replace(TargetURI(req), "0001", "0002", 1), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "dropped query", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			u, _, _ := strings.Cut(TargetURI(req), "?")
			return req.Method, u, testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "changed host", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, strings.Replace(TargetURI(req), "fastcheck.test", "evil.test", 1), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "changed scheme", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, strings.Replace(TargetURI(req), "https:", "http:", 1), testBody, signPub
		}, wantMsg: "does not verify"},
		{name: "changed Authorization", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Set("Authorization", `{"sessionID": "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"}`)
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "second Authorization line", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Add("Authorization", `{"sessionID": "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"}`)
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "changed Idempotency-Key", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Set(HeaderIdempotencyKey, "another-key")
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "removed Authorization", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Del("Authorization")
			return same(req)
		}, wantMsg: "cover exactly"},
		{name: "removed Idempotency-Key", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Del(HeaderIdempotencyKey)
			return same(req)
		}, wantMsg: "cover exactly"},
		{name: "removed Content-Digest", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Del(HeaderContentDigest)
			return same(req)
		}, wantMsg: "Content-Digest"},
		{name: "duplicate Content-Digest", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Add(HeaderContentDigest, req.Header.Get(HeaderContentDigest))
			return same(req)
		}, wantMsg: "Content-Digest"},
		{name: "added Idempotency-Key after signing", opts: func(o *reqOpts) { o.idem = "" }, do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Set(HeaderIdempotencyKey, testIdem)
			return same(req)
		}, wantMsg: "cover exactly"},
		{name: "added Authorization after signing", opts: func(o *reqOpts) { o.auth = "" }, do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Set("Authorization", testAuth)
			return same(req)
		}, wantMsg: "cover exactly"},
		{name: "added Fastcheck-Key after signing", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Set(HeaderPublicKey, UserID(signPub))
			return same(req)
		}, wantMsg: "cover exactly"},
		{name: "wrong key", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, TargetURI(req), testBody, otherPub
		}, wantMsg: "not the key bound"},
		{name: "malformed key", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			return req.Method, TargetURI(req), testBody, signPub[:31]
		}, wantMsg: "not the key bound"},
		{name: "keyid swapped to the verifier's key", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			in := req.Header.Get(HeaderSignatureInput)
			req.Header.Set(HeaderSignatureInput, strings.Replace(in, KeyID(signPub), KeyID(otherPub), 1))
			return req.Method, TargetURI(req), testBody, otherPub
		}, wantMsg: "does not verify"},
		{name: "nonce changed", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			in := req.Header.Get(HeaderSignatureInput)
			req.Header.Set(HeaderSignatureInput, regexp.MustCompile(`nonce="[^"]*"`).ReplaceAllString(in, `nonce="BBBBBBBBBBBBBBBBBBBBBB"`))
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "created moved", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			in := req.Header.Get(HeaderSignatureInput)
			req.Header.Set(HeaderSignatureInput, strings.Replace(in, "created=1780000000", "created=1780000001", 1))
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "signature of another request", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			o := typicalPost()
			o.body = `{"amount":1,"currency":"RUB"}`
			other := signedRequest(t, o, signKey, t0)
			req.Header.Set(HeaderSignature, other.Header.Get(HeaderSignature))
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "flipped signature bit", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			s := req.Header.Get(HeaderSignature)
			raw, _ := base64.StdEncoding.DecodeString(s[6 : len(s)-1])
			raw[10] ^= 1
			req.Header.Set(HeaderSignature, "sig1=:"+base64.StdEncoding.EncodeToString(raw)+":")
			return same(req)
		}, wantMsg: "does not verify"},
		{name: "duplicate Signature headers", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Add(HeaderSignature, req.Header.Get(HeaderSignature))
			return same(req)
		}, wantMsg: "exactly one"},
		{name: "duplicate Signature-Input headers", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Add(HeaderSignatureInput, req.Header.Get(HeaderSignatureInput))
			return same(req)
		}, wantMsg: "exactly one"},
		{name: "Signature removed", do: func(req *http.Request) (string, string, string, ed25519.PublicKey) {
			req.Header.Del(HeaderSignature)
			return same(req)
		}, wantMsg: "exactly one"},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			o := typicalPost()
			if tc.opts != nil {
				tc.opts(&o)
			}
			req := signedRequest(t, o, signKey, t0)
			method, target, body, pub := tc.do(req)
			var err error
			if sr, perr := ParseSignature(req.Header); perr != nil {
				err = perr
			} else {
				err = sr.Verify(pub, method, target, req.Header, []byte(body), t0)
			}
			if tc.wantMsg == "<nil>" {
				if err != nil {
					t.Fatalf("control request failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("tampered request verified")
			}
			if errors.Is(err, ErrClockSkew) {
				t.Errorf("tamper reported as clock skew: %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error = %q, want it to mention %q", err, tc.wantMsg)
			}
		})
	}
}

func TestFastcheckKeyMustMatchKeyID(t *testing.T) {
	// Signed by signKey while claiming otherKey in Fastcheck-Key.
	req := newRequest(t, typicalPost(), signKey)
	req.Header.Set(HeaderPublicKey, UserID(otherPub))
	Sign(req, []byte(testBody), signKey, t0)
	if _, err := ParseSignature(req.Header); err == nil || !strings.Contains(err.Error(), "keyid does not match") {
		t.Errorf("ParseSignature = %v, want a keyid/Fastcheck-Key mismatch", err)
	}

	// A well-signed request whose Fastcheck-Key is replaced afterwards.
	o := typicalPost()
	o.withKey = true
	req = signedRequest(t, o, signKey, t0)
	req.Header.Set(HeaderPublicKey, UserID(otherPub))
	if _, err := ParseSignature(req.Header); err == nil {
		t.Error("swapped Fastcheck-Key accepted")
	}

	for name, val := range map[string][]string{
		"malformed":  {"not-a-key"},
		"url base64": {base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))},
		"padded":     {base64.StdEncoding.EncodeToString(signPub)},
		"twice":      {UserID(signPub), UserID(signPub)},
		"empty":      {""},
	} {
		req = signedRequest(t, o, signKey, t0)
		req.Header[HeaderPublicKey] = val
		if _, err := ParseSignature(req.Header); err == nil {
			t.Errorf("Fastcheck-Key %s %q accepted", name, val)
		}
	}

	// Surrounding whitespace is tolerated (servers trim header values).
	req = signedRequest(t, o, signKey, t0)
	if sr, err := ParseSignature(req.Header); err != nil || !sr.PublicKey.Equal(signPub) {
		t.Errorf("ParseSignature = %v, %v", sr, err)
	}
}

func TestParseSignatureShape(t *testing.T) {
	dp := func() profileParams { return defaultParams(t0, postComps) }
	cases := []struct {
		name    string
		params  profileParams
		wantMsg string
	}{
		{"control", dp(), ""},
		{"wrong tag", func() profileParams { p := dp(); p.tag = "fastcheck-v2"; return p }(), "tag must be"},
		{"empty tag", func() profileParams { p := dp(); p.tag = ""; return p }(), "tag must be"},
		{"wrong alg", func() profileParams { p := dp(); p.alg = "rsa-pss-sha512"; return p }(), "alg must be"},
		{"alg upper case", func() profileParams { p := dp(); p.alg = "ED25519"; return p }(), "alg must be"},
		{"missing created", func() profileParams { p := dp(); p.omit = "created"; return p }(), "lacks the created"},
		{"missing expires", func() profileParams { p := dp(); p.omit = "expires"; return p }(), "lacks the expires"},
		{"missing nonce", func() profileParams { p := dp(); p.omit = "nonce"; return p }(), "lacks the nonce"},
		{"missing keyid", func() profileParams { p := dp(); p.omit = "keyid"; return p }(), "lacks the keyid"},
		{"missing alg", func() profileParams { p := dp(); p.omit = "alg"; return p }(), "lacks the alg"},
		{"missing tag", func() profileParams { p := dp(); p.omit = "tag"; return p }(), "lacks the tag"},
		{"repeated nonce", func() profileParams { p := dp(); p.extra = `;nonce="BBBBBBBBBBBBBBBBBBBBBB"`; return p }(), "repeated"},
		{"repeated created", func() profileParams { p := dp(); p.extra = ";created=" + strconv.FormatInt(p.created, 10); return p }(), "repeated"},
		{"repeated tag", func() profileParams { p := dp(); p.extra = `;tag="fastcheck-v1"`; return p }(), "repeated"},
		{"unknown parameter", func() profileParams { p := dp(); p.extra = `;foo="bar"`; return p }(), "unknown parameter"},
		{"empty parameter", func() profileParams { p := dp(); p.extra = `;`; return p }(), "malformed"},
		{"lifetime 61 s", func() profileParams { p := dp(); p.expires = p.created + 61; return p }(), "lifetime"},
		{"lifetime 1 day", func() profileParams { p := dp(); p.expires = p.created + 86400; return p }(), "lifetime"},
		{"expires = created", func() profileParams { p := dp(); p.expires = p.created; return p }(), "lifetime"},
		{"expires before created", func() profileParams { p := dp(); p.expires = p.created - 10; return p }(), "lifetime"},
		{"negative created", func() profileParams { p := dp(); p.created = -5; p.expires = 10; return p }(), "Unix time"},
		{"huge created", func() profileParams { p := dp(); p.created = 1 << 50; p.expires = 1<<50 + 60; return p }(), "Unix time"},
		{"short nonce", func() profileParams { p := dp(); p.nonce = "short"; return p }(), "nonce"},
		{"nonce with +", func() profileParams { p := dp(); p.nonce = "AAAAAAAAAAAAAAAA+AAAAA"; return p }(), "nonce"},
		{"long nonce", func() profileParams { p := dp(); p.nonce = strings.Repeat("A", 65); return p }(), "nonce"},
		{"short keyid", func() profileParams { p := dp(); p.keyid = KeyID(signPub)[:42]; return p }(), "keyid"},
		{"keyid std base64", func() profileParams { p := dp(); p.keyid = strings.Repeat("+", 43); return p }(), "keyid"},
		{"wrong components", func() profileParams {
			p := dp()
			p.comps = `("@method" "@target-uri" "content-digest")`
			return p
		}(), "cover exactly"},
		{"reordered components", func() profileParams {
			p := dp()
			p.comps = `("@target-uri" "@method" "authorization" "content-digest" "idempotency-key")`
			return p
		}(), "cover exactly"},
		{"extra component", func() profileParams {
			p := dp()
			p.comps = `("@method" "@target-uri" "authorization" "content-digest" "idempotency-key" "date")`
			return p
		}(), "cover exactly"},
		{"repeated component", func() profileParams {
			p := dp()
			p.comps = `("@method" "@target-uri" "authorization" "content-digest" "content-digest" "idempotency-key")`
			return p
		}(), "cover exactly"},
		{"unquoted components", func() profileParams {
			p := dp()
			p.comps = `(@method @target-uri authorization content-digest idempotency-key)`
			return p
		}(), "quoted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := newRequest(t, typicalPost(), signKey)
			req.Header.Set(HeaderContentDigest, ContentDigest([]byte(testBody)))
			resign(t, req, signKey, c.params.String())
			err := verifyAt(req, testBody, signPub, t0)
			if c.wantMsg == "" {
				if err != nil {
					t.Fatalf("control: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("a validly signed request with %s verified", c.name)
			}
			if !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("error = %q, want it to mention %q", err, c.wantMsg)
			}
		})
	}
}

func TestParseSignatureMalformedHeaders(t *testing.T) {
	good := signedRequest(t, typicalPost(), signKey, t0)
	goodIn, goodSig := good.Header.Get(HeaderSignatureInput), good.Header.Get(HeaderSignature)
	b64 := goodSig[6 : len(goodSig)-1]
	cases := []struct {
		name, in, sig string
	}{
		{"label sig2 in input", strings.Replace(goodIn, "sig1=", "sig2=", 1), goodSig},
		{"label sig2 in signature", goodIn, strings.Replace(goodSig, "sig1=", "sig2=", 1)},
		{"no parenthesis", strings.Replace(goodIn, ")", "", 1), goodSig},
		{"input is not a list", "sig1=" + strings.TrimPrefix(strings.TrimPrefix(goodIn, "sig1="), "("), goodSig},
		{"two signatures in one line", goodIn + ", sig2=" + strings.TrimPrefix(goodIn, "sig1="), goodSig},
		{"non-base64 signature", goodIn, "sig1=:" + strings.Repeat("!", 86) + "==:"},
		{"url-safe base64 signature", goodIn, "sig1=:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 64)) + ":"},
		{"unpadded signature", goodIn, "sig1=:" + strings.TrimRight(b64, "=") + ":"},
		{"short signature", goodIn, "sig1=:" + base64.StdEncoding.EncodeToString(make([]byte, 63)) + ":"},
		{"long signature", goodIn, "sig1=:" + base64.StdEncoding.EncodeToString(make([]byte, 65)) + ":"},
		{"no colons", goodIn, "sig1=" + b64},
		{"trailing colon missing", goodIn, "sig1=:" + b64},
		{"token instead of bytes", goodIn, `sig1="` + b64 + `"`},
		{"empty signature", goodIn, "sig1=::"},
		{"oversized Signature-Input", goodIn + strings.Repeat(" ", maxSignatureInput), goodSig},
		{"oversized Signature", goodIn, goodSig + strings.Repeat("A", maxSignature)},
		{"empty Signature-Input", "", goodSig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := signedRequest(t, typicalPost(), signKey, t0)
			req.Header.Set(HeaderSignatureInput, c.in)
			req.Header.Set(HeaderSignature, c.sig)
			if err := verifyAt(req, testBody, signPub, t0); err == nil {
				t.Fatal("verified")
			} else if errors.Is(err, ErrNoSignature) {
				t.Errorf("reported as unsigned: %v", err)
			}
		})
	}
	// The exact cap is allowed; one byte more is not.
	in := goodIn
	if len(in) > maxSignatureInput {
		t.Fatal("test needs a shorter input")
	}
	req := signedRequest(t, typicalPost(), signKey, t0)
	req.Header.Set(HeaderSignatureInput, in+strings.Repeat("x", maxSignatureInput+1-len(in)))
	if _, err := ParseSignature(req.Header); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("Signature-Input of %d bytes: %v, want 'too long'", maxSignatureInput+1, err)
	}
}

func TestParseSignatureUnsigned(t *testing.T) {
	req := newRequest(t, typicalPost(), signKey)
	if _, err := ParseSignature(req.Header); !errors.Is(err, ErrNoSignature) {
		t.Errorf("unsigned request: %v, want ErrNoSignature", err)
	}
	req.Header.Set(HeaderSignature, "sig1=:AAAA:")
	if _, err := ParseSignature(req.Header); err == nil || errors.Is(err, ErrNoSignature) {
		t.Errorf("only Signature: %v, want a shape error", err)
	}
	req = newRequest(t, typicalPost(), signKey)
	req.Header.Set(HeaderSignatureInput, "sig1=()")
	if _, err := ParseSignature(req.Header); err == nil || errors.Is(err, ErrNoSignature) {
		t.Errorf("only Signature-Input: %v, want a shape error", err)
	}
}

func TestVerifyTimeWindow(t *testing.T) {
	cases := []struct {
		name    string
		created time.Time // the signer's clock
		ok      bool
	}{
		{"now", t0, true},
		{"30 s ago", t0.Add(-30 * time.Second), true},
		{"59 s ago", t0.Add(-59 * time.Second), true},
		{"60 s ago (at expires)", t0.Add(-60 * time.Second), false},
		{"61 s ago", t0.Add(-61 * time.Second), false},
		{"1 h ago", t0.Add(-time.Hour), false},
		{"4 s ahead", t0.Add(4 * time.Second), true},
		{"5 s ahead", t0.Add(5 * time.Second), true},
		{"6 s ahead", t0.Add(6 * time.Second), false},
		{"1 h ahead", t0.Add(time.Hour), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := signedRequest(t, typicalPost(), signKey, c.created)
			err := verifyAt(req, testBody, signPub, t0)
			if c.ok && err != nil {
				t.Fatalf("want ok, got %v", err)
			}
			if !c.ok && !errors.Is(err, ErrClockSkew) {
				t.Fatalf("want ErrClockSkew, got %v", err)
			}
		})
	}
	// The server's clock moving past expires (and to it exactly).
	req := signedRequest(t, typicalPost(), signKey, t0)
	for _, d := range []time.Duration{59*time.Second + 999*time.Millisecond} {
		if err := verifyAt(req, testBody, signPub, t0.Add(d)); err != nil {
			t.Errorf("now = created+%v: %v", d, err)
		}
	}
	for _, d := range []time.Duration{60 * time.Second, 60*time.Second + time.Nanosecond, 61 * time.Second, time.Hour} {
		if err := verifyAt(req, testBody, signPub, t0.Add(d)); !errors.Is(err, ErrClockSkew) {
			t.Errorf("now = created+%v: %v, want ErrClockSkew", d, err)
		}
	}
	// A signature with a shorter lifetime expires early even though its
	// created is recent.
	req = newRequest(t, typicalPost(), signKey)
	req.Header.Set(HeaderContentDigest, ContentDigest([]byte(testBody)))
	p := defaultParams(t0, postComps)
	p.expires = p.created + 10
	resign(t, req, signKey, p.String())
	if err := verifyAt(req, testBody, signPub, t0.Add(9*time.Second)); err != nil {
		t.Errorf("short lifetime, before expires: %v", err)
	}
	if err := verifyAt(req, testBody, signPub, t0.Add(10*time.Second)); !errors.Is(err, ErrClockSkew) {
		t.Errorf("short lifetime, at expires: %v, want ErrClockSkew", err)
	}
}

// Sign and Verify read the request's headers; they must not rewrite them,
// and verifiers running at once over one header map must not race.
func TestSignVerifyDoNotMutateHeaders(t *testing.T) {
	auth := "  " + testAuth + "\t"
	req := newRequest(t, typicalPost(), signKey)
	req.Header.Set("Authorization", auth)
	Sign(req, []byte(testBody), signKey, t0)
	if got := req.Header.Get("Authorization"); got != auth {
		t.Fatalf("Sign rewrote Authorization from %q to %q", auth, got)
	}
	sr, err := ParseSignature(req.Header)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.Verify(signPub, "POST", TargetURI(req), req.Header, []byte(testBody), t0); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != auth {
		t.Fatalf("Verify rewrote Authorization from %q to %q", auth, got)
	}
	// What a server receives is trimmed; the signature still holds.
	req.Header.Set("Authorization", testAuth)
	if err := sr.Verify(signPub, "POST", TargetURI(req), req.Header, []byte(testBody), t0); err != nil {
		t.Fatalf("trimmed Authorization: %v", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sr.Verify(signPub, "POST", TargetURI(req), req.Header, []byte(testBody), t0)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A real HTTP round trip: the headers survive net/http on both sides and
// the server's view of the target URI matches the client's.
func TestSignOverTheWire(t *testing.T) {
	var mu sync.Mutex
	var lastErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := func() error {
			sr, err := ParseSignature(r.Header)
			if err != nil {
				return err
			}
			pub := signPub
			if sr.PublicKey != nil {
				pub = sr.PublicKey
			}
			return sr.Verify(pub, r.Method, "http://"+r.Host+r.URL.RequestURI(), r.Header, body, time.Now())
		}()
		mu.Lock()
		lastErr = err
		mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	send := func(o reqOpts, key ed25519.PrivateKey, after func(*http.Request)) (int, error) {
		o.url = srv.URL + o.url
		req := signedRequest(t, o, key, time.Now())
		if after != nil {
			after(req)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		return resp.StatusCode, lastErr
	}
	oks := []reqOpts{
		{method: "POST", url: "/fastcheck", body: testBody, auth: testAuth, idem: testIdem},
		{method: "GET", url: "/fastcheck/active?limit=10&x=%2F%20", auth: "  " + testAuth + "  "},
		{method: "GET", url: "/websession", withKey: true},
		{method: "DELETE", url: "/websession/0123456789ABCDEF0123456789ABCDEF", auth: testAuth},
	}
	for _, o := range oks {
		if code, err := send(o, signKey, nil); code != http.StatusNoContent {
			t.Errorf("%s %s: status %d, server said %v", o.method, o.url, code, err)
		}
	}
	code, _ := send(oks[0], signKey, func(r *http.Request) { r.Header.Set(HeaderIdempotencyKey, "changed") })
	if code != http.StatusUnauthorized {
		t.Errorf("changed Idempotency-Key over the wire: status %d", code)
	}
	code, _ = send(oks[0], signKey, func(r *http.Request) { r.URL.RawQuery = "x=1" })
	if code != http.StatusUnauthorized {
		t.Errorf("query added over the wire: status %d", code)
	}
	code, _ = send(oks[0], otherKey, nil)
	if code != http.StatusUnauthorized {
		t.Errorf("wrong key over the wire: status %d", code)
	}
}

// BenchmarkSignVerify measures what one typical signed POST costs: the
// client's Sign plus the server's ParseSignature and Verify.
func BenchmarkSignVerify(b *testing.B) {
	body := []byte(testBody)
	req := newRequest(b, typicalPost(), signKey)
	target := TargetURI(req)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		Sign(req, body, signKey, now)
		sr, err := ParseSignature(req.Header)
		if err != nil {
			b.Fatal(err)
		}
		if err := sr.Verify(signPub, "POST", target, req.Header, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
