package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `null`, `"x"`, `1`, `{"a":1}`, `{"a":1,"a":2}`,
		`{"amount":158000,"currency":"RUB"}`, `{"fastcheck":"1234-5678-0001","code":"0042"}`,
		`{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1}{}`, `{"a":1,}`, `{"\u0061":1,"a":2}`,
		`{"\u001b[31m":1}`, "{\"a\":\"\xff\"}", `{"a":1.5e300}`, `{"a":"\ud800"}`,
		"\ufeff{}", `{"a":[`, `{"a":-0}`, `{"":""}`, `{ "fastcheck": “1234-5678-0001”, }`, `{,}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := DecodeObject(body)
		// encoding/json is the reference, given what DecodeObject forgives.
		asRead := body
		if !json.Valid(body) {
			asRead, _ = MendSlips(body)
		}
		var ref map[string]json.RawMessage
		refErr := json.Unmarshal(asRead, &ref)
		if err != nil {
			if obj != nil {
				t.Fatalf("non-nil object alongside error %v", err)
			}
			assertNoControl(t, err.Error())
			// encoding/json is laxer (duplicates, invalid UTF-8, null);
			// anything else it accepts, DecodeObject must accept too.
			msg := err.Error()
			if refErr == nil && string(bytes.TrimSpace(body)) != "null" &&
				!strings.Contains(msg, "more than once") && !strings.Contains(msg, "UTF-8") {
				t.Fatalf("DecodeObject(%q) = %v, but encoding/json accepts it", body, err)
			}
			return
		}
		if len(bytes.TrimSpace(body)) == 0 {
			if len(obj) != 0 {
				t.Fatalf("blank body gave %v", obj)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted invalid UTF-8 %q", body)
		}
		if refErr != nil {
			t.Fatalf("DecodeObject(%q) accepted what encoding/json refuses: %v", body, refErr)
		}
		if len(ref) != len(obj) {
			t.Fatalf("DecodeObject(%q) has %d keys, encoding/json %d", body, len(obj), len(ref))
		}
		for k, raw := range obj {
			if !utf8.ValidString(k) {
				t.Fatalf("key %q is not valid UTF-8", k)
			}
			if !json.Valid(raw) {
				t.Fatalf("raw value of %q is not valid JSON: %q", k, raw)
			}
			var a, b any
			if json.Unmarshal(raw, &a) != nil || json.Unmarshal(ref[k], &b) != nil {
				t.Fatalf("value of %q does not decode", k)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("value of %q = %s, encoding/json says %s", k, ja, jb)
			}
			// The accessors never panic, and accept only what they claim.
			if v, err := obj.Int64(k); err == nil {
				var n json.Number
				d := json.NewDecoder(bytes.NewReader(raw))
				d.UseNumber()
				if d.Decode(&n) != nil || n.String() != string(raw) {
					t.Fatalf("Int64(%q) = %d from a non-number %q", k, v, raw)
				}
			}
			if _, err := obj.String(k); err == nil && raw[0] != '"' {
				t.Fatalf("String(%q) accepted %q", k, raw)
			}
		}
		out, err := json.Marshal(obj)
		if err != nil || !json.Valid(out) {
			t.Fatalf("re-encoding %q: %v", body, err)
		}
		if err := obj.Only(); err != nil {
			assertNoControl(t, err.Error())
		}
	})
}

// fuzzTarget is the request the fuzzed headers are verified against. The
// seeds are genuine signatures of a different request (seedTarget), so no
// seed verifies as is: any header set that verifies is a forgery.
const (
	fuzzTarget = "https://fastcheck.test/api/fastcheck"
	seedTarget = "https://fastcheck.test/api/seed"
)

func FuzzParseSignature(f *testing.F) {
	body := []byte(testBody)
	seed := func(o reqOpts) {
		o.url = seedTarget
		req := signedRequest(f, o, signKey, t0)
		// The seed is a real signature: it verifies for seedTarget, so
		// the fuzzer starts from headers that pass every shape check.
		if err := verifyAt(req, o.body, signPub, t0); err != nil {
			f.Fatalf("seed does not verify: %v", err)
		}
		f.Add(req.Header.Get(HeaderSignatureInput), req.Header.Get(HeaderSignature), req.Header.Get(HeaderPublicKey), o.auth != "", o.idem != "")
	}
	seed(reqOpts{method: "POST", body: testBody, auth: testAuth, idem: testIdem})
	seed(reqOpts{method: "POST", body: testBody})
	seed(reqOpts{method: "POST", body: testBody, withKey: true})
	seed(reqOpts{method: "POST", body: testBody, auth: testAuth, withKey: true, idem: testIdem})
	f.Add("", "", "", false, false)
	f.Add("sig1=()", "sig1=::", "", false, false)
	f.Add(`sig1=("@method" "@target-uri" "content-digest");created=1;expires=2;nonce="AAAAAAAAAAAAAAAA";keyid="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";alg="ed25519";tag="fastcheck-v1"`,
		"sig1=:"+strings.Repeat("A", 86)+"==:", "", false, false)
	f.Add(`sig1=("@method" "@target-uri" "content-digest";created=1`, "sig1=:x:", UserID(signPub), true, true)

	f.Fuzz(func(t *testing.T, input, sig, key string, auth, idem bool) {
		h := http.Header{}
		h.Set(HeaderContentDigest, ContentDigest(body))
		if input != "" {
			h.Set(HeaderSignatureInput, input)
		}
		if sig != "" {
			h.Set(HeaderSignature, sig)
		}
		if key != "" {
			h.Set(HeaderPublicKey, key)
		}
		if auth {
			h.Set("Authorization", testAuth)
		}
		if idem {
			h.Set(HeaderIdempotencyKey, testIdem)
		}
		sr, err := ParseSignature(h)
		if err != nil {
			if sr != nil {
				t.Fatal("non-nil result alongside an error")
			}
			assertNoControl(t, err.Error())
			return
		}
		// What Parse promises about an accepted signature.
		if len(sr.Components) < 3 || sr.Components[0] != "@method" || sr.Components[1] != "@target-uri" {
			t.Fatalf("accepted components %q", sr.Components)
		}
		if life := sr.Expires.Sub(sr.Created); life <= 0 || life > SignatureLifetime {
			t.Fatalf("accepted lifetime %v", life)
		}
		if len(sr.KeyID) != 43 || !isToken(sr.KeyID) || len(sr.Nonce) < 16 || len(sr.Nonce) > 64 || !isToken(sr.Nonce) {
			t.Fatalf("accepted keyid %q nonce %q", sr.KeyID, sr.Nonce)
		}
		if len(sr.signature) != 64 {
			t.Fatalf("accepted a %d-byte signature", len(sr.signature))
		}
		if (key != "") != (sr.PublicKey != nil) || sr.PublicKey != nil && KeyID(sr.PublicKey) != sr.KeyID {
			t.Fatalf("Fastcheck-Key %q gave PublicKey %x for keyid %q", key, sr.PublicKey, sr.KeyID)
		}
		// Verify inside the time window, with the key the request names
		// (or the test key): it must never succeed.
		pub := signPub
		if sr.PublicKey != nil {
			pub = sr.PublicKey
		}
		for _, now := range []time.Time{sr.Created, sr.Expires.Add(-time.Second)} {
			if err := sr.Verify(pub, "POST", fuzzTarget, h, body, now); err == nil {
				t.Fatalf("fuzzed headers verified: input %q sig %q key %q", input, sig, key)
			}
		}
	})
}

func FuzzNormalizeCheckNumber(f *testing.F) {
	for _, s := range []string{
		"1234-5678-0001", "123456780001", "1234 5678 0001", " 1234-5678-0001 ", "1234-5678-000",
		"", "----", "١٢٣٤-٥٦٧٨-٠٠٠١", "１２３４５６７８０００１", "1234\t5678\t0001", "12345678000a", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeCheckNumber(s)
		if err != nil {
			if out != "" {
				t.Fatalf("NormalizeCheckNumber(%q) = %q alongside %v", s, out, err)
			}
			if ValidCheckNumber(s) {
				t.Fatalf("NormalizeCheckNumber refused the canonical %q: %v", s, err)
			}
			assertNoControl(t, err.Error())
			return
		}
		if !ValidCheckNumber(out) {
			t.Fatalf("NormalizeCheckNumber(%q) = %q, not NNNN-NNNN-NNNN", s, out)
		}
		if strings.Trim(s, "0123456789- ") != "" {
			t.Fatalf("NormalizeCheckNumber(%q) accepted characters other than digits, dashes and spaces", s)
		}
		digits := func(x string) string {
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, x)
		}
		if digits(out) != digits(s) {
			t.Fatalf("NormalizeCheckNumber(%q) = %q changed the digits", s, out)
		}
		if again, err := NormalizeCheckNumber(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, out, again, err)
		}
		if ValidCheckNumber(s) && out != s {
			t.Fatalf("canonical %q became %q", s, out)
		}
	})
}

func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{
		"1580.00", "1580", "1580.5", "1 580,00", "0.01", "1,580.00", "1,234,567.89", "10000000000",
		"", "-1", "1e3", "1.234", "0", "0.00", "abc", "1..2", "1.2.3", "99999999999999999999",
		"10000000000.01", "1.580,00", "1,58.00", "\u00a01\u202f580,5", "007", ",5", "5,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, cur := range []string{"RUB", "KWD"} {
			v, err := ParseMajor(s, cur)
			if err != nil {
				if v != 0 {
					t.Fatalf("ParseMajor(%q, %s) = %d alongside %v", s, cur, v, err)
				}
				assertNoControl(t, err.Error())
				continue
			}
			if err := CheckAmount(v); err != nil {
				t.Fatalf("ParseMajor(%q, %s) = %d: %v", s, cur, v, err)
			}
			shown := FormatMinor(v, cur)
			num, ok := strings.CutSuffix(shown, " "+cur)
			if !ok {
				t.Fatalf("FormatMinor(%d, %s) = %q", v, cur, shown)
			}
			back, err := ParseMajor(num, cur)
			if err != nil || back != v {
				t.Fatalf("ParseMajor(%q, %s) = %d; FormatMinor → %q; ParseMajor → %d, %v", s, cur, v, shown, back, err)
			}
		}
	})
}
