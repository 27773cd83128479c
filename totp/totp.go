// Package totp is the time-based one-time password arithmetic (RFC 6238)
// the project shares: Google Authenticator's parameters (HMAC-SHA1, 6
// digits, 30 s steps), base32 secrets, time steps, the codes that match a
// step window, and otpauth:// URIs for authenticator apps. It keeps no
// state: remembering which step was used (RFC 6238 §5.2: a code is
// accepted once) is the caller's job, durably (payments/briacoin for the
// Briacoin keys, the ledger for phone approvals).
//
// pquerna/otp is always given Digits, Algorithm and Period explicitly: in
// v1.5.0 an unset Digits makes every validation fail.
package totp

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"math/bits"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// Google Authenticator's parameters.
const (
	DefaultPeriod = 30 * time.Second
	Digits        = 6
	DefaultSkew   = 1 // steps accepted either side of the current one
)

// Errors.
var (
	ErrSecret    = errors.New("secret is not base32 of at least 80 bits")
	ErrMalformed = errors.New("code is not 6 digits")
	ErrInvalid   = errors.New("code is wrong or outside the time window")
)

// Opts are the HOTP options of a 6-digit SHA1 code, always spelled out.
func Opts() hotp.ValidateOpts {
	return hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Encoder: otp.EncoderDefault}
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NormalizeSecret validates a base32 secret (any case, spaces and padding
// allowed) and returns it upper case without padding or spaces, the form
// pquerna/otp decodes. It must decode to at least 10 bytes (80 bits).
func NormalizeSecret(s string) (string, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.TrimRight(s, "=")
	b, err := b32.DecodeString(s)
	if err != nil || len(b) < 10 {
		return "", ErrSecret
	}
	return s, nil
}

// NewSecret returns a fresh secret of n random bytes from r (nil: crypto
// rand) as lower-case base32 without padding.
func NewSecret(r io.Reader, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return strings.ToLower(b32.EncodeToString(b)), nil
}

// SecretFromBytes encodes b as a secret (upper-case base32, no padding).
func SecretFromBytes(b []byte) string { return b32.EncodeToString(b) }

// StepAt is the time step of t: floor(unix time / period). Periods that
// are not whole seconds are allowed for tests. Times before 1970 are step 0.
func StepAt(t time.Time, period time.Duration) uint64 {
	if period <= 0 {
		period = DefaultPeriod
	}
	if t.Unix() < 0 {
		return 0
	}
	if period%time.Second == 0 {
		return uint64(t.Unix()) / uint64(period/time.Second)
	}
	// (sec·1e9 + nsec) / period in 128 bits: no overflow for far-future
	// times such as the RFC's T=20000000000.
	hi, lo := bits.Mul64(uint64(t.Unix()), 1e9)
	lo, carry := bits.Add64(lo, uint64(t.Nanosecond()), 0)
	hi += carry
	if hi >= uint64(period) {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, uint64(period))
	return q
}

// StepStart is the first instant of step.
func StepStart(step uint64, period time.Duration) time.Time {
	if period <= 0 {
		period = DefaultPeriod
	}
	if period%time.Second == 0 {
		return time.Unix(int64(step*uint64(period/time.Second)), 0)
	}
	ns := step * uint64(period)
	return time.Unix(int64(ns/1e9), int64(ns%1e9))
}

// CodeAt is the code of secret for a time step with the given options.
func CodeAt(secret string, step uint64, opts hotp.ValidateOpts) (string, error) {
	s, err := NormalizeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp.GenerateCodeCustom(s, step, opts)
}

// Code is the 6-digit SHA1 code of secret at time t (period 0: 30 s).
func Code(secret string, t time.Time, period time.Duration) (string, error) {
	return CodeAt(secret, StepAt(t, period), Opts())
}

// Matches returns the steps, oldest first, within skew steps of now's step
// whose 6-digit code is code (skew 0: DefaultSkew, negative: none). It
// fails with ErrSecret, ErrMalformed (not 6 digits; surrounding spaces are
// ignored) or ErrInvalid (no step matches). It does not remember anything:
// the caller accepts one of the steps only if it is later than the last
// one it accepted for the secret.
func Matches(secret, code string, now time.Time, period time.Duration, skew int) ([]uint64, error) {
	s, err := NormalizeSecret(secret)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if !ValidCode(code) {
		return nil, ErrMalformed
	}
	if skew == 0 {
		skew = DefaultSkew
	} else if skew < 0 {
		skew = 0
	}
	cur := StepAt(now, period)
	var matched []uint64
	for d := -skew; d <= skew; d++ {
		if d < 0 && cur < uint64(-d) {
			continue
		}
		step := cur + uint64(int64(d))
		ok, err := hotp.ValidateCustom(code, step, s, Opts())
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, step)
		}
	}
	if len(matched) == 0 {
		return nil, ErrInvalid
	}
	return matched, nil
}

// ValidCode reports whether code is exactly 6 ASCII digits.
func ValidCode(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// URI is the otpauth:// URI of a secret (Key URI Format, as Google
// Authenticator reads it): otpauth://totp/<issuer>:<account>?secret=...
// &issuer=...&algorithm=SHA1&digits=6&period=30.
func URI(issuer, account, secret string) (string, error) {
	s, err := NormalizeSecret(secret)
	if err != nil {
		return "", err
	}
	v := url.Values{}
	v.Set("secret", s)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return u.String(), nil
}
