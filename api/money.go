package api

import (
	"fmt"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 code with its minor-unit exponent.
type Currency struct {
	Code     string
	Exponent int
	Symbol   string
}

// currencies is the allow-list. Amounts are always int64 minor units.
var currencies = map[string]Currency{
	"RUB": {"RUB", 2, "₽"},
	"USD": {"USD", 2, "$"},
	"EUR": {"EUR", 2, "€"},
	"GBP": {"GBP", 2, "£"},
	"KZT": {"KZT", 2, "₸"},
	"BYN": {"BYN", 2, "Br"},
	"CNY": {"CNY", 2, "¥"},
	"JPY": {"JPY", 0, "¥"},
	"KWD": {"KWD", 3, "KD"},
}

// DefaultCurrency is the currency of new accounts.
const DefaultCurrency = "RUB"

// MaxAmount bounds a single amount (10^12 minor units, ten billion roubles),
// so that no sum of amounts and balances can overflow int64.
const MaxAmount int64 = 1_000_000_000_000

// LookupCurrency finds a currency by its exact upper-case code.
func LookupCurrency(code string) (Currency, bool) {
	c, ok := currencies[code]
	return c, ok
}

// CheckCurrency explains why code is not an accepted currency, or returns nil.
func CheckCurrency(code string) error {
	if _, ok := currencies[code]; ok {
		return nil
	}
	if _, ok := currencies[strings.ToUpper(code)]; ok {
		return fmt.Errorf("currency must be an upper-case ISO 4217 code (%s)", strings.ToUpper(code))
	}
	return fmt.Errorf("unknown currency %s", strconv.Quote(Truncate(code, 16)))
}

// CheckAmount explains why an amount in minor units is not acceptable.
func CheckAmount(v int64) error {
	switch {
	case v <= 0:
		return fmt.Errorf("amount must be a positive whole number of minor units")
	case v > MaxAmount:
		return fmt.Errorf("amount must be at most %d minor units", MaxAmount)
	}
	return nil
}

// ParseMajor parses an amount typed in major units ("1580", "1580.5",
// "1580.00", "1 580,00", and "1,580.00" as FormatMinor prints it) into minor
// units, exactly: no floating point.
func ParseMajor(s string, currency string) (int64, error) {
	cur, ok := LookupCurrency(currency)
	if !ok {
		return 0, CheckCurrency(currency)
	}
	s = strings.TrimSpace(s)
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "_", "").Replace(s)
	if s == "" {
		return 0, fmt.Errorf("amount is empty")
	}
	// "1,580.00", the form FormatMinor prints: commas group thousands when a
	// decimal point follows them.
	if dot := strings.LastIndexByte(s, '.'); dot >= 0 && strings.Contains(s[:dot], ",") {
		if !groupedThousands(s[:dot]) {
			return 0, fmt.Errorf("amount %q is not a number like 1580.00", Truncate(s, 32))
		}
		s = strings.ReplaceAll(s[:dot], ",", "") + s[dot:]
	}
	intPart, frac := s, ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
		if strings.ContainsAny(frac, ".,") {
			return 0, fmt.Errorf("amount %q has more than one decimal separator", Truncate(s, 32))
		}
	}
	if intPart == "" || !allDigits(intPart) || (frac != "" && !allDigits(frac)) || (frac == "" && strings.ContainsAny(s, ".,")) {
		return 0, fmt.Errorf("amount %q is not a number like 1580.00", Truncate(s, 32))
	}
	if len(frac) > cur.Exponent {
		if cur.Exponent == 0 {
			return 0, fmt.Errorf("%s has no fractional units", cur.Code)
		}
		return 0, fmt.Errorf("%s has at most %d decimal places", cur.Code, cur.Exponent)
	}
	frac += strings.Repeat("0", cur.Exponent-len(frac))
	intPart = strings.TrimLeft(intPart, "0")
	digits := intPart + frac
	if len(digits) > 18 {
		return 0, fmt.Errorf("amount is too large")
	}
	v, err := strconv.ParseInt("0"+digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount is too large")
	}
	if err := CheckAmount(v); err != nil {
		return 0, err
	}
	return v, nil
}

// FormatMinor renders minor units as major units with the currency code,
// grouping thousands with commas: 158000 RUB → "1,580.00 RUB".
func FormatMinor(v int64, currency string) string {
	cur, ok := LookupCurrency(currency)
	if !ok {
		cur = Currency{Code: currency, Exponent: 2}
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= cur.Exponent {
		s = strings.Repeat("0", cur.Exponent-len(s)+1) + s
	}
	ip, fp := s[:len(s)-cur.Exponent], s[len(s)-cur.Exponent:]
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if cur.Exponent > 0 {
		b.WriteByte('.')
		b.WriteString(fp)
	}
	b.WriteByte(' ')
	b.WriteString(cur.Code)
	return b.String()
}

// groupedThousands reports whether s is digits grouped by commas in threes,
// like 1,234,567.
func groupedThousands(s string) bool {
	groups := strings.Split(s, ",")
	if len(groups[0]) > 3 {
		return false
	}
	for i, g := range groups {
		if !allDigits(g) || i > 0 && len(g) != 3 {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Truncate shortens s to at most n bytes on a rune boundary, for quoting
// untrusted input in messages.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
