package api

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseMajorAccepts(t *testing.T) {
	cases := []struct {
		in, cur string
		want    int64
	}{
		{"1580.00", "RUB", 158000},
		{"1580", "RUB", 158000},
		{"1580.5", "RUB", 158050},
		{"1580,5", "RUB", 158050},
		{"1 580,00", "RUB", 158000},
		{"1\u00a0580,00", "RUB", 158000}, // no-break space, as Russian locales group
		{"1\u202f580,00", "RUB", 158000}, // narrow no-break space
		{"1_580.00", "RUB", 158000},
		{"  1580.00\t", "RUB", 158000},
		{"0.01", "RUB", 1},
		{"0,01", "RUB", 1},
		{"00001580", "RUB", 158000},
		{"1", "RUB", 100},
		{"10000000000", "RUB", MaxAmount},    // exactly MaxAmount
		{"10000000000.00", "RUB", MaxAmount}, // exactly MaxAmount
		// The grouped form FormatMinor prints.
		{"1,580.00", "RUB", 158000},
		{"1,234,567.89", "RUB", 123456789},
		{"10,000,000,000.00", "RUB", MaxAmount},
		{"1580", "JPY", 1580},
		{"5", "JPY", 5},
		{"0.001", "KWD", 1},
		{"1.5", "KWD", 1500},
		{"1.234", "KWD", 1234},
		{"1,234", "KWD", 1234}, // a decimal comma: 1.234 dinars
		{"12.5", "USD", 1250},
	}
	for _, c := range cases {
		got, err := ParseMajor(c.in, c.cur)
		if err != nil || got != c.want {
			t.Errorf("ParseMajor(%q, %s) = %d, %v; want %d, nil", c.in, c.cur, got, err, c.want)
		}
	}
}

func TestParseMajorRejects(t *testing.T) {
	cases := []struct {
		in, cur string
		msg     string // a fragment the error must contain
	}{
		{"", "RUB", "empty"},
		{"   ", "RUB", "empty"},
		{"-1", "RUB", "not a number"},
		{"+1", "RUB", "not a number"},
		{"1e3", "RUB", "not a number"},
		{"1E3", "RUB", "not a number"},
		{"1.234", "RUB", "at most 2 decimal places"},
		{"1,234", "RUB", "at most 2 decimal places"},
		{"1.5", "JPY", "no fractional units"},
		{"1.0", "JPY", "no fractional units"},
		{"1.0001", "KWD", "at most 3 decimal places"},
		{"0", "RUB", "positive"},
		{"0.00", "RUB", "positive"},
		{"000", "RUB", "positive"},
		{"0", "JPY", "positive"},
		{"abc", "RUB", "not a number"},
		{"1..2", "RUB", "more than one decimal separator"},
		{"1.2.3", "RUB", "more than one decimal separator"},
		{"1,2,3", "RUB", "more than one decimal separator"},
		{"1.580,00", "RUB", "more than one decimal separator"}, // European grouping: ambiguous, refused
		{"1.", "RUB", "not a number"},
		{".5", "RUB", "not a number"},
		{",5", "RUB", "not a number"},
		{"1,58.00", "RUB", "not a number"},   // a bad thousands group
		{"1,5800.00", "RUB", "not a number"}, // a bad thousands group
		{",580.00", "RUB", "not a number"},
		{"1,,580.00", "RUB", "not a number"},
		{"1580,.00", "RUB", "not a number"},
		{"1234,580.00", "RUB", "not a number"}, // first group longer than 3
		{"99999999999999999999", "RUB", "too large"},
		{"9223372036854775807", "RUB", "too large"},
		{"92233720368547758.08", "RUB", "too large"},
		{"10000000000.01", "RUB", "at most"},
		{"10000000001", "RUB", "at most"},
		{"1000000000001", "JPY", "at most"},
		{"١٥٨٠", "RUB", "not a number"},     // Arabic-Indic digits
		{"１５８０", "RUB", "not a number"},     // full-width digits
		{"1580 RUB", "RUB", "not a number"}, // the code is a separate argument
		{"0x10", "RUB", "not a number"},
		{"1\t580", "RUB", "not a number"},
		{"NaN", "RUB", "not a number"},
		{"Inf", "RUB", "not a number"},
		{"1580", "rub", "upper-case"},
		{"1580", "XXX", "unknown currency"},
		{"1580", "", "unknown currency"},
	}
	for _, c := range cases {
		got, err := ParseMajor(c.in, c.cur)
		if err == nil {
			t.Errorf("ParseMajor(%q, %q) = %d, nil; want an error", c.in, c.cur, got)
			continue
		}
		if got != 0 {
			t.Errorf("ParseMajor(%q, %q) returned %d alongside an error", c.in, c.cur, got)
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseMajor(%q, %q) error = %q, want it to mention %q", c.in, c.cur, err, c.msg)
		}
	}
}

func TestParseMajorMessageIsSafe(t *testing.T) {
	_, err := ParseMajor("\x1b[31m1\u202e"+strings.Repeat("9", 100), "RUB")
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoControl(t, err.Error())
	if len(err.Error()) > 120 {
		t.Errorf("message is %d bytes long; untrusted input should be truncated: %q", len(err.Error()), err)
	}
}

func TestFormatMinor(t *testing.T) {
	cases := []struct {
		v    int64
		cur  string
		want string
	}{
		{158000, "RUB", "1,580.00 RUB"},
		{158050, "RUB", "1,580.50 RUB"},
		{1, "RUB", "0.01 RUB"},
		{10, "RUB", "0.10 RUB"},
		{0, "RUB", "0.00 RUB"},
		{99999, "RUB", "999.99 RUB"},
		{100000, "RUB", "1,000.00 RUB"},
		{MaxAmount, "RUB", "10,000,000,000.00 RUB"},
		{-158000, "RUB", "-1,580.00 RUB"},
		{-1, "RUB", "-0.01 RUB"},
		{5, "JPY", "5 JPY"},
		{0, "JPY", "0 JPY"},
		{1580, "JPY", "1,580 JPY"},
		{-1000, "JPY", "-1,000 JPY"},
		{1, "KWD", "0.001 KWD"},
		{1234567, "KWD", "1,234.567 KWD"},
		{math.MaxInt64, "RUB", "92,233,720,368,547,758.07 RUB"},
		{math.MinInt64, "RUB", "-92,233,720,368,547,758.08 RUB"},
		{math.MinInt64, "JPY", "-9,223,372,036,854,775,808 JPY"},
		{12345, "XXX", "123.45 XXX"}, // unknown: two decimals, code as given
	}
	for _, c := range cases {
		if got := FormatMinor(c.v, c.cur); got != c.want {
			t.Errorf("FormatMinor(%d, %s) = %q, want %q", c.v, c.cur, got, c.want)
		}
	}
}

// The amount part of FormatMinor's output is accepted by ParseMajor, so a
// person can type back what the client shows.
func TestFormatMinorParseMajorRoundTrip(t *testing.T) {
	for _, cur := range []string{"RUB", "USD", "KWD"} {
		for _, v := range []int64{1, 9, 10, 99, 100, 999, 1000, 99999, 100000, 158000, 123456789, 999999999999, MaxAmount} {
			shown := FormatMinor(v, cur)
			num, ok := strings.CutSuffix(shown, " "+cur)
			if !ok {
				t.Fatalf("FormatMinor(%d, %s) = %q lacks the code suffix", v, cur, shown)
			}
			got, err := ParseMajor(num, cur)
			if err != nil || got != v {
				t.Errorf("ParseMajor(%q, %s) = %d, %v; want %d", num, cur, got, err, v)
			}
		}
	}
}

func TestCheckCurrency(t *testing.T) {
	for _, c := range []string{"RUB", "USD", "EUR", "GBP", "KZT", "BYN", "CNY", "JPY", "KWD"} {
		if err := CheckCurrency(c); err != nil {
			t.Errorf("CheckCurrency(%s) = %v", c, err)
		}
		cur, ok := LookupCurrency(c)
		if !ok || cur.Code != c {
			t.Errorf("LookupCurrency(%s) = %+v, %v", c, cur, ok)
		}
	}
	exp := map[string]int{"RUB": 2, "JPY": 0, "KWD": 3, "USD": 2}
	for code, e := range exp {
		if cur, _ := LookupCurrency(code); cur.Exponent != e {
			t.Errorf("%s exponent = %d, want %d", code, cur.Exponent, e)
		}
	}
	if err := CheckCurrency(DefaultCurrency); err != nil {
		t.Errorf("DefaultCurrency %q is not accepted: %v", DefaultCurrency, err)
	}

	// Lower or mixed case gets the upper-case hint.
	for _, c := range []string{"rub", "Rub", "kwd"} {
		err := CheckCurrency(c)
		if err == nil {
			t.Errorf("CheckCurrency(%q) = nil; codes are upper-case only", c)
			continue
		}
		if want := "(" + strings.ToUpper(c) + ")"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "upper-case") {
			t.Errorf("CheckCurrency(%q) = %q, want the hint %s", c, err, want)
		}
		if _, ok := LookupCurrency(c); ok {
			t.Errorf("LookupCurrency(%q) found a currency", c)
		}
	}

	// Unknown codes are quoted safely and truncated.
	for _, c := range []string{"XXX", "", "RUB ", " RUB", "RUBX", "\x1b[31mRUB", "RU\u202eB", "\xff\xfe", strings.Repeat("Z", 500)} {
		err := CheckCurrency(c)
		if err == nil {
			t.Errorf("CheckCurrency(%q) = nil", c)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "unknown currency \"") {
			t.Errorf("CheckCurrency(%q) = %q, want `unknown currency \"...\"`", c, msg)
		}
		assertNoControl(t, msg)
		if len(msg) > 60 {
			t.Errorf("CheckCurrency message is %d bytes: %q", len(msg), msg)
		}
	}
}

func TestCheckAmount(t *testing.T) {
	for _, v := range []int64{1, 100, 158000, MaxAmount} {
		if err := CheckAmount(v); err != nil {
			t.Errorf("CheckAmount(%d) = %v", v, err)
		}
	}
	for _, v := range []int64{0, -1, math.MinInt64, MaxAmount + 1, math.MaxInt64} {
		if err := CheckAmount(v); err == nil {
			t.Errorf("CheckAmount(%d) = nil", v)
		}
	}
	// MaxAmount must leave room: a balance plus an amount never overflows.
	if MaxAmount > math.MaxInt64/4 {
		t.Errorf("MaxAmount %d leaves no headroom in int64", MaxAmount)
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc…"},
		{"абв", 3, "а…"}, // cuts back to a rune boundary (Cyrillic is 2 bytes)
		{"ж", 1, "…"},
	}
	for _, c := range cases {
		if got := Truncate(c.s, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// assertNoControl fails if msg carries a raw control character, a bidi
// override or invalid UTF-8: messages go to terminals and logs.
func assertNoControl(t testing.TB, msg string) {
	t.Helper()
	for i := 0; i < len(msg); {
		r, size := utf8.DecodeRuneInString(msg[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			t.Errorf("message has invalid UTF-8 at byte %d: %q", i, msg)
			return
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			t.Errorf("message contains raw %U at byte %d: %q", r, i, msg)
			return
		}
		i += size
	}
}
