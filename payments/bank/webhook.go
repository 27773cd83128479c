package bank

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a webhook's signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + raw body>". Several v1
// values may be given (secret rotation); one matching is enough.
const SignatureHeader = "Bank-Signature"

// DefaultTolerance is how far a webhook's timestamp may be from now.
const DefaultTolerance = 300 * time.Second

// MaxWebhookBytes caps a webhook body.
const MaxWebhookBytes = 64 << 10

// Webhook verification errors.
var (
	ErrMalformedSignature = errors.New("bank: malformed signature header")
	ErrStaleTimestamp     = errors.New("bank: webhook timestamp outside the tolerance")
	ErrBadSignature       = errors.New("bank: webhook signature does not match")
	ErrMalformedEvent     = errors.New("bank: malformed webhook event")
	ErrNoSecret           = errors.New("bank: no webhook secret configured")
)

// SignWebhook returns the SignatureHeader value for body sent at t.
func SignWebhook(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ParseSignatureHeader splits a SignatureHeader value into its timestamp
// text and v1 signatures. Unknown schemes (v0, v2) are ignored; t must
// appear once, as decimal digits; every v1 must be 64 hex characters.
func ParseSignatureHeader(h string) (ts string, sigs [][]byte, err error) {
	if len(h) > 2048 {
		return "", nil, fmt.Errorf("%w: too long", ErrMalformedSignature)
	}
	parts := strings.Split(h, ",")
	if len(parts) > 16 {
		return "", nil, fmt.Errorf("%w: too many parts", ErrMalformedSignature)
	}
	for _, p := range parts {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return "", nil, fmt.Errorf("%w: part without =", ErrMalformedSignature)
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, fmt.Errorf("%w: t given twice", ErrMalformedSignature)
			}
			if v == "" || len(v) > 12 || strings.Trim(v, "0123456789") != "" {
				return "", nil, fmt.Errorf("%w: t is not a unix time", ErrMalformedSignature)
			}
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return "", nil, fmt.Errorf("%w: v1 is not a hex SHA-256", ErrMalformedSignature)
			}
			sigs = append(sigs, b)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, fmt.Errorf("%w: want t=<unix>,v1=<hex>", ErrMalformedSignature)
	}
	return ts, sigs, nil
}

// VerifyWebhook checks a webhook before parsing it: the header's shape,
// the timestamp within tolerance of now (0 means DefaultTolerance), and the
// HMAC over timestamp + "." + the raw body, compared in constant time. Only
// then is the body parsed into an Event. Replays within the tolerance pass
// this check: deduplicate on Event.ID.
func VerifyWebhook(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) (Event, error) {
	if len(secret) == 0 {
		return Event{}, ErrNoSecret
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, sigs, err := ParseSignatureHeader(header)
	if err != nil {
		return Event{}, err
	}
	t, _ := strconv.ParseInt(ts, 10, 64)
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return Event{}, fmt.Errorf("%w (%v off)", ErrStaleTimestamp, d.Round(time.Second))
	}
	if len(body) > MaxWebhookBytes {
		return Event{}, fmt.Errorf("%w: body larger than %d bytes", ErrMalformedEvent, MaxWebhookBytes)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return Event{}, ErrBadSignature
	}
	return ParseEvent(body)
}

// ParseEvent reads a webhook body (already verified) and checks that the
// fields a credit depends on are present and sane.
func ParseEvent(body []byte) (Event, error) {
	var ev Event
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&ev); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	if d.More() {
		return Event{}, fmt.Errorf("%w: data after the object", ErrMalformedEvent)
	}
	switch {
	case ev.ID == "" || len(ev.ID) > 128:
		return Event{}, fmt.Errorf("%w: no id", ErrMalformedEvent)
	case ev.Type != EventSucceeded && ev.Type != EventDeclined:
		return Event{}, fmt.Errorf("%w: unknown type %q", ErrMalformedEvent, ev.Type)
	case ev.Data.TransactionID == "" || ev.Data.Amount <= 0 || ev.Data.Currency == "":
		return Event{}, fmt.Errorf("%w: incomplete payment data", ErrMalformedEvent)
	case ev.Type == EventSucceeded && ev.Data.Status != StatusSucceeded,
		ev.Type == EventDeclined && ev.Data.Status != StatusDeclined:
		return Event{}, fmt.Errorf("%w: type %s with status %s", ErrMalformedEvent, ev.Type, ev.Data.Status)
	}
	return ev, nil
}
