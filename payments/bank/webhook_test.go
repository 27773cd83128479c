package bank

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

var testSecret = []byte("whsec_test_0123456789abcdef")

func testEvent() []byte {
	return []byte(`{"id":"evt_1","type":"payment.succeeded","created":1700000000,"data":{"transactionId":"txn_1","reference":"r1","amount":150000,"currency":"RUB","status":"succeeded","created":1700000000,"updated":1700000000}}`)
}

func TestWebhookSignAndVerify(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := testEvent()
	h := SignWebhook(testSecret, now, body)
	if !strings.HasPrefix(h, "t=1700000000,v1=") || len(h) != len("t=1700000000,v1=")+64 {
		t.Fatal(h)
	}
	ev, err := VerifyWebhook(testSecret, h, body, now.Add(299*time.Second), 0)
	if err != nil || ev.ID != "evt_1" || ev.Data.Amount != 150000 || ev.Data.Status != StatusSucceeded {
		t.Fatal(ev, err)
	}
	if _, err := VerifyWebhook(testSecret, h, body, now.Add(-300*time.Second), 0); err != nil {
		t.Fatal("edge of tolerance refused:", err)
	}
	// Spaces, an unknown scheme and a rotated-out signature around the
	// right one.
	other := SignWebhook([]byte("old secret"), now, body)
	h2 := " t=1700000000 , v0=abc, " + other[len("t=1700000000,"):] + " ," + h[len("t=1700000000,"):]
	if _, err := VerifyWebhook(testSecret, h2, body, now, 0); err != nil {
		t.Fatal(h2, err)
	}
}

func TestWebhookRejects(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := testEvent()
	good := SignWebhook(testSecret, now, body)
	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"forged HMAC (other secret)", testSecret, SignWebhook([]byte("attacker"), now, body), body, now, ErrBadSignature},
		{"body changed", testSecret, good, bytes.Replace(body, []byte("150000"), []byte("950000"), 1), now, ErrBadSignature},
		{"timestamp changed", testSecret, strings.Replace(good, "t=1700000000", "t=1700000001", 1), body, now, ErrBadSignature},
		{"stale", testSecret, good, body, now.Add(301 * time.Second), ErrStaleTimestamp},
		{"from the future", testSecret, good, body, now.Add(-301 * time.Second), ErrStaleTimestamp},
		{"replayed a day later", testSecret, good, body, now.Add(24 * time.Hour), ErrStaleTimestamp},
		{"empty header", testSecret, "", body, now, ErrMalformedSignature},
		{"no v1", testSecret, "t=1700000000", body, now, ErrMalformedSignature},
		{"no t", testSecret, good[len("t=1700000000,"):], body, now, ErrMalformedSignature},
		{"t twice", testSecret, "t=1700000000," + good, body, now, ErrMalformedSignature},
		{"t not a number", testSecret, strings.Replace(good, "t=1700000000", "t=17e8", 1), body, now, ErrMalformedSignature},
		{"t negative", testSecret, strings.Replace(good, "t=1700000000", "t=-1", 1), body, now, ErrMalformedSignature},
		{"t huge", testSecret, strings.Replace(good, "t=1700000000", "t=99999999999999999999", 1), body, now, ErrMalformedSignature},
		{"v1 not hex", testSecret, "t=1700000000,v1=" + strings.Repeat("z", 64), body, now, ErrMalformedSignature},
		{"v1 short", testSecret, good[:len(good)-2], body, now, ErrMalformedSignature},
		{"semicolons", testSecret, strings.Replace(good, ",", ";", 1), body, now, ErrMalformedSignature},
		{"part without =", testSecret, good + ",junk", body, now, ErrMalformedSignature},
		{"too long", testSecret, good + strings.Repeat(",x=y", 600), body, now, ErrMalformedSignature},
		{"no secret", nil, good, body, now, ErrNoSecret},
	}
	for _, c := range cases {
		if _, err := VerifyWebhook(c.secret, c.header, c.body, c.now, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Checked before parsing: junk with a bad signature is a signature
	// error, junk with a good one is a malformed event.
	junk := []byte("not json at all")
	if _, err := VerifyWebhook(testSecret, good, junk, now, 0); !errors.Is(err, ErrBadSignature) {
		t.Fatal(err)
	}
	if _, err := VerifyWebhook(testSecret, SignWebhook(testSecret, now, junk), junk, now, 0); !errors.Is(err, ErrMalformedEvent) {
		t.Fatal(err)
	}
	for _, b := range []string{
		`{"id":"","type":"payment.succeeded","data":{"transactionId":"t","amount":1,"currency":"RUB","status":"succeeded"}}`,
		`{"id":"e","type":"payment.refunded","data":{"transactionId":"t","amount":1,"currency":"RUB","status":"succeeded"}}`,
		`{"id":"e","type":"payment.succeeded","data":{"transactionId":"t","amount":0,"currency":"RUB","status":"succeeded"}}`,
		`{"id":"e","type":"payment.succeeded","data":{"transactionId":"t","amount":1,"currency":"RUB","status":"declined"}}`,
		`{"id":"e","type":"payment.succeeded","data":{"transactionId":"t","amount":1.5,"currency":"RUB","status":"succeeded"}}`,
		`{"id":"e","type":"payment.succeeded","data":{"transactionId":"t","amount":1,"currency":"RUB","status":"succeeded"}} {}`,
	} {
		if _, err := VerifyWebhook(testSecret, SignWebhook(testSecret, now, []byte(b)), []byte(b), now, 0); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: %v", b, err)
		}
	}
	big := make([]byte, MaxWebhookBytes+1)
	if _, err := VerifyWebhook(testSecret, SignWebhook(testSecret, now, big), big, now, 0); !errors.Is(err, ErrMalformedEvent) {
		t.Fatal(err)
	}
	// A custom tolerance.
	if _, err := VerifyWebhook(testSecret, good, body, now.Add(10*time.Second), 5*time.Second); !errors.Is(err, ErrStaleTimestamp) {
		t.Fatal(err)
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	f.Add("t=1700000000,v1="+strings.Repeat("ab", 32), []byte(`{}`))
	f.Add("t=1,v1=00,v0=x", []byte{})
	f.Add(" t=1 , v1=", []byte("x"))
	f.Fuzz(func(t *testing.T, h string, body []byte) {
		ts, sigs, err := ParseSignatureHeader(h)
		if err == nil {
			if ts == "" || strings.Trim(ts, "0123456789") != "" || len(sigs) == 0 {
				t.Fatalf("%q → %q %d", h, ts, len(sigs))
			}
			for _, s := range sigs {
				if len(s) != 32 {
					t.Fatalf("%q: signature of %d bytes", h, len(s))
				}
			}
		} else if !errors.Is(err, ErrMalformedSignature) {
			t.Fatalf("%q: %v", h, err)
		}
		// Nothing random verifies: only a real signature does.
		now := time.Unix(1700000000, 0)
		if _, err := VerifyWebhook(testSecret, h, body, now, 0); err == nil {
			if !strings.Contains(strings.ToLower(h), hex.EncodeToString(mac(testSecret, ts, body))) {
				t.Fatalf("accepted without the right MAC: %q", h)
			}
		}
		good := SignWebhook(testSecret, now, body)
		if _, s, err := ParseSignatureHeader(good); err != nil || len(s) != 1 {
			t.Fatal(err)
		}
	})
}
