package totp

import (
	"encoding/base32"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// TestRFC6238Vectors checks RFC 6238 appendix B's SHA1 vectors (secret
// ASCII "12345678901234567890", 8 digits) through StepAt and CodeAt.
func TestRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	eight := hotp.ValidateOpts{Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
	for _, v := range []struct {
		unix int64
		code string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}} {
		if got, err := CodeAt(secret, StepAt(time.Unix(v.unix, 0), 0), eight); err != nil || got != v.code {
			t.Errorf("T=%d: %s, %v; want %s", v.unix, got, err, v.code)
		}
	}
}

func TestMatches(t *testing.T) {
	secret, err := NewSecret(nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	cur := StepAt(now, 0)
	for d, want := range map[int]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code, err := CodeAt(secret, cur+uint64(int64(d)), Opts())
		if err != nil {
			t.Fatal(err)
		}
		steps, err := Matches(secret, " "+code+" ", now, 0, 0)
		if want && (err != nil || len(steps) == 0 || !contains(steps, cur+uint64(int64(d)))) {
			t.Errorf("step %+d: %v, %v; want it to match", d, steps, err)
		}
		if !want && err == nil && contains(steps, cur+uint64(int64(d))) {
			t.Errorf("step %+d matched outside the window: %v", d, steps)
		}
	}
	code, _ := Code(secret, now, 0)
	if _, err := Matches(secret, code, now.Add(-30*time.Second), 0, -1); err == nil {
		// With no skew only the current step counts; a code of the next
		// step may collide by chance (1 in a million), so check both.
		if other, _ := Code(secret, now.Add(-30*time.Second), 0); other != code {
			t.Errorf("skew -1 accepted the next step's code")
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "12a456", "１２３４５６", "123 456"} {
		if _, err := Matches(secret, bad, now, 0, 0); !errors.Is(err, ErrMalformed) {
			t.Errorf("Matches(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	if _, err := Matches("not base32!", "123456", now, 0, 0); !errors.Is(err, ErrSecret) {
		t.Errorf("bad secret: %v", err)
	}
	if _, err := Matches("AAAAAAAA", "123456", now, 0, 0); !errors.Is(err, ErrSecret) {
		t.Errorf("a 40-bit secret was accepted: %v", err)
	}
}

func contains(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestURI parses the otpauth URI back with pquerna/otp: an authenticator
// app sees SHA1, 6 digits, 30 s, the issuer and the account.
func TestURI(t *testing.T) {
	secret, _ := NewSecret(nil, 20)
	u, err := URI("Fastcheck", "alice", secret)
	if err != nil {
		t.Fatal(err)
	}
	k, err := otp.NewKeyFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := NormalizeSecret(secret)
	if k.Type() != "totp" || k.Issuer() != "Fastcheck" || k.AccountName() != "alice" || k.Secret() != norm ||
		k.Algorithm() != otp.AlgorithmSHA1 || k.Digits() != otp.DigitsSix || k.Period() != 30 {
		t.Errorf("%s parses as type %s issuer %s account %s secret %s alg %v digits %v period %d",
			u, k.Type(), k.Issuer(), k.AccountName(), k.Secret(), k.Algorithm(), k.Digits(), k.Period())
	}
	if _, err := URI("Fastcheck", "alice", "x"); !errors.Is(err, ErrSecret) {
		t.Errorf("URI with a bad secret: %v", err)
	}
}
