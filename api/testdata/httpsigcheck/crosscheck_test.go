// Package httpsigcheck cross-checks fastcheck's request-signing profile
// (package api) against an independent RFC 9421 implementation,
// github.com/remitly-oss/httpsig-go v1.2.0.
//
// What that library can and cannot check, found by reading and running it:
//   - It verifies Ed25519 signatures over "@method", "@target-uri" and
//     header fields, with created/expires/nonce/keyid/alg/tag parameters,
//     re-serializing the parameters itself per RFC 8941, so a signature of
//     ours that it verifies has a byte-exact RFC 9421 signature base.
//   - v1.2.0 derives "@target-uri" as scheme://Host + URL.RawPath +
//     URL.RawQuery: the path is lost unless RawPath is set, and the "?" is
//     always lost. The cross-check therefore sets RawPath and uses no query;
//     TestLibraryTargetURIQuirk pins the quirk down.
//   - Its signer always makes a nonce of 32 random bytes in standard base64
//     ("+", "/", "="), which our profile refuses (base64url, 16–64 chars),
//     so a signature made by it cannot pass our verifier; the reverse
//     direction is checked up to that point only.
package httpsigcheck

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"fastcheck/api"

	httpsig "github.com/remitly-oss/httpsig-go"
)

var (
	priv = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, ed25519.SeedSize))
	pub  = priv.Public().(ed25519.PublicKey)
)

const (
	body = `{"amount":158000,"currency":"RUB"}`
	auth = `{"sessionID": "0123456789ABCDEF0123456789ABCDEF"}`
	idem = "5f0c6e1e-1c2b-4f5a-9d7e-2b1f4c3a9e10"
)

// keys serves the one test key by its profile keyid.
type keys struct{}

func (keys) FetchByKeyID(_ context.Context, _ http.Header, keyID string) (httpsig.KeySpecer, error) {
	if keyID != api.KeyID(pub) {
		return nil, errors.New("unknown keyid")
	}
	return httpsig.KeySpec{KeyID: keyID, Algo: httpsig.Algo_ED25519, PubKey: pub}, nil
}

func (keys) Fetch(context.Context, http.Header, httpsig.MetadataProvider) (httpsig.KeySpecer, error) {
	return nil, errors.New("a keyid is required")
}

func profile(fields ...string) httpsig.VerifyProfile {
	return httpsig.VerifyProfile{
		SignatureLabel:       "sig1",
		AllowedAlgorithms:    []httpsig.Algorithm{httpsig.Algo_ED25519},
		RequiredFields:       httpsig.Fields(fields...),
		RequiredMetadata:     []httpsig.Metadata{httpsig.MetaCreated, httpsig.MetaExpires, httpsig.MetaNonce, httpsig.MetaKeyID, httpsig.MetaAlgorithm, httpsig.MetaTag},
		CreatedValidDuration: api.MaxSignatureAge,
		ExpiredSkew:          time.Second,
	}
}

// ourSignedRequest signs a request with package api, shaped so that the
// library derives the same @target-uri (RawPath set, no query).
func ourSignedRequest(t *testing.T, method, path string, withAuth, withIdem bool, b string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://fastcheck.test"+path, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawPath = req.URL.Path
	if withAuth {
		req.Header.Set("Authorization", auth)
	}
	if withIdem {
		req.Header.Set(api.HeaderIdempotencyKey, idem)
	}
	api.Sign(req, []byte(b), priv, time.Now())
	// Our own verifier accepts it, as a control.
	sr, err := api.ParseSignature(req.Header)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.Verify(pub, req.Method, api.TargetURI(req), req.Header, []byte(b), time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestLibraryVerifiesOurSignatures(t *testing.T) {
	cases := []struct {
		name             string
		method, path     string
		withAuth, withID bool
		body             string
		fields           []string
	}{
		{"POST with Authorization and Idempotency-Key", "POST", "/api/fastcheck", true, true, body,
			[]string{"@method", "@target-uri", "authorization", "content-digest", "idempotency-key"}},
		{"GET with Authorization, empty body", "GET", "/api/balance", true, false, "",
			[]string{"@method", "@target-uri", "authorization", "content-digest"}},
		{"GET without Authorization", "GET", "/api/websession", false, false, "",
			[]string{"@method", "@target-uri", "content-digest"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := ourSignedRequest(t, c.method, c.path, c.withAuth, c.withID, c.body)
			res, err := httpsig.Verify(req, keys{}, profile(c.fields...))
			if err != nil {
				t.Fatalf("httpsig-go refuses our signature: %v\nSignature-Input: %s", err, req.Header.Get("Signature-Input"))
			}
			if !res.Verified {
				t.Fatal("httpsig-go: not verified")
			}
			if tag, _ := res.Tag(); tag != api.SignatureTag {
				t.Errorf("tag = %q", tag)
			}
			if alg, _ := res.Alg(); alg != "ed25519" {
				t.Errorf("alg = %q", alg)
			}
			created, _ := res.Created()
			expires, _ := res.Expires()
			if time.Duration(expires-created)*time.Second != api.SignatureLifetime {
				t.Errorf("lifetime = %d s", expires-created)
			}
		})
	}
}

// The library really checks: tampered copies of our requests fail there too.
func TestLibraryRejectsTamperedRequests(t *testing.T) {
	fields := []string{"@method", "@target-uri", "authorization", "content-digest", "idempotency-key"}
	tampers := map[string]func(*http.Request){
		"Idempotency-Key": func(r *http.Request) { r.Header.Set(api.HeaderIdempotencyKey, "other") },
		"Authorization":   func(r *http.Request) { r.Header.Set("Authorization", `{"sessionID": "X"}`) },
		"body":            func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"amount":1}`)) },
		"method":          func(r *http.Request) { r.Method = "PUT" },
		"host":            func(r *http.Request) { r.Host = "evil.test" },
		"path": func(r *http.Request) {
			r.URL.Path, r.URL.RawPath = "/api/fastcheck/active", "/api/fastcheck/active"
		},
	}
	for name, tamper := range tampers {
		t.Run(name, func(t *testing.T) {
			req := ourSignedRequest(t, "POST", "/api/fastcheck", true, true, body)
			tamper(req)
			if _, err := httpsig.Verify(req, keys{}, profile(fields...)); err == nil {
				t.Fatal("httpsig-go verified a tampered request")
			}
		})
	}
}

// The reverse direction: the library signs, our verifier reads. Its nonce
// breaks our profile (see the package comment), so this checks that our
// parser accepts the library's serialization of everything else — the
// label, the component list, created, expires, keyid, alg and tag, which
// it reads before the nonce — and that both sides agree on Content-Digest.
func TestOurParserReadsLibrarySignatures(t *testing.T) {
	req, err := http.NewRequest("POST", "http://fastcheck.test/api/fastcheck", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawPath = req.URL.Path
	req.Header.Set("Authorization", auth)
	req.Header.Set(api.HeaderIdempotencyKey, idem)
	err = httpsig.Sign(req, httpsig.SigningProfile{
		Algorithm: httpsig.Algo_ED25519,
		Fields:    httpsig.Fields("@method", "@target-uri", "authorization", "content-digest", "idempotency-key"),
		// nonce last, so our parser has read every other parameter first.
		Metadata:        []httpsig.Metadata{httpsig.MetaCreated, httpsig.MetaExpires, httpsig.MetaKeyID, httpsig.MetaAlgorithm, httpsig.MetaTag, httpsig.MetaNonce},
		Label:           "sig1",
		ExpiresDuration: api.SignatureLifetime,
	}, httpsig.SigningKey{Key: priv, MetaKeyID: api.KeyID(pub), MetaTag: api.SignatureTag})
	if err != nil {
		t.Fatalf("httpsig-go Sign: %v", err)
	}
	if got, want := req.Header.Get("Content-Digest"), api.ContentDigest([]byte(body)); got != want {
		t.Errorf("Content-Digest: library %q, ours %q", got, want)
	}
	// The library verifies its own signature (a control for the above).
	if _, err := httpsig.Verify(req, keys{}, profile("@method", "@target-uri", "authorization", "content-digest", "idempotency-key")); err != nil {
		t.Fatalf("httpsig-go does not verify its own signature: %v", err)
	}
	_, err = api.ParseSignature(req.Header)
	if err == nil {
		t.Fatal("our parser accepted a nonce outside the profile; the cross-check can now be completed: verify the library's signature with ours")
	}
	if !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("our parser stopped before the nonce: %v\nSignature-Input: %s", err, req.Header.Get("Signature-Input"))
	}
}

// TestLibraryTargetURIQuirk records why the cross-check avoids queries:
// httpsig-go v1.2.0 drops the "?" from @target-uri, so its signature base
// differs from RFC 9421's (and ours) for any request with a query.
func TestLibraryTargetURIQuirk(t *testing.T) {
	req := ourSignedRequest(t, "GET", "/api/fastcheck", false, false, "")
	req.URL.RawQuery = "fastcheck=1234-5678-0001"
	api.Sign(req, nil, priv, time.Now())
	if got := api.TargetURI(req); got != "http://fastcheck.test/api/fastcheck?fastcheck=1234-5678-0001" {
		t.Fatalf("our @target-uri = %q", got)
	}
	_, err := httpsig.Verify(req, keys{}, profile("@method", "@target-uri", "content-digest"))
	if err == nil {
		t.Fatal("httpsig-go now verifies a request with a query: drop the RawPath/no-query workaround and cover queries")
	}
	if !strings.Contains(err.Error(), "did not verify") {
		t.Fatalf("httpsig-go failed for another reason than the signature base: %v", err)
	}
}
