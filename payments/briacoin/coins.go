// Package briacoin speaks the Briacoin payment service API
// (shared/spec/briacoin-api.ru.txt): exact coin amounts, TOTP ("Google 2FA")
// keys, a client for every method, verification of the success callback, and
// a simulator of the service for tests and the demo.
package briacoin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"fastcheck/api"
)

// Coins is an amount of Briacoin in units of 1e-8 coin, so every decimal the
// service writes with at most 8 fractional digits is held exactly. It is
// parsed and printed by string manipulation only: no float is ever involved.
type Coins int64

// CoinScale is the number of Coins units in one coin.
const CoinScale = 100_000_000

// CoinDecimals is the number of fractional digits a Coins value holds.
const CoinDecimals = 8

// MaxCoins bounds a single amount (10^10 coins), so that sums of a few
// billion amounts cannot overflow int64.
const MaxCoins Coins = 10_000_000_000 * CoinScale

// Errors of ParseCoins.
var (
	ErrCoinsSyntax    = errors.New("briacoin: amount is not a decimal number")
	ErrCoinsNegative  = errors.New("briacoin: amount is negative")
	ErrCoinsPrecision = errors.New("briacoin: amount has more than 8 decimals")
	ErrCoinsRange     = errors.New("briacoin: amount is too large")
)

// ParseCoins parses a decimal coin amount exactly: "12.50", "3.234", "10.0",
// "0", "12", and exponent forms a JSON encoder may write ("1e-8",
// "1.5E2"). Surrounding spaces are ignored. Negative numbers, more than 8
// significant decimals, values above MaxCoins and anything that is not a
// plain decimal number are rejected. Trailing zeros beyond the 8th decimal
// ("1.0000000000") are accepted because the value is still exact.
func ParseCoins(s string) (Coins, error) {
	s = strings.TrimSpace(s)
	if len(s) > 128 {
		return 0, ErrCoinsSyntax
	}
	if s == "" {
		return 0, ErrCoinsSyntax
	}
	if s[0] == '-' {
		rest := s[1:]
		if rest != "" && rest[0] != '-' && rest[0] != ' ' {
			if _, err := ParseCoins(rest); err == nil || !errors.Is(err, ErrCoinsSyntax) {
				return 0, ErrCoinsNegative
			}
		}
		return 0, ErrCoinsSyntax
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		es := s[i+1:]
		if es != "" && (es[0] == '+' || es[0] == '-') {
			if len(es) == 1 || !allDigits(es[1:]) {
				return 0, ErrCoinsSyntax
			}
		} else if !allDigits(es) {
			return 0, ErrCoinsSyntax
		}
		e, err := strconv.Atoi(es)
		switch {
		case err == nil && e >= -64 && e <= 64:
			exp = e
		case zeroDigits(mant):
			exp = 0 // 0e999 is zero; the mantissa is checked below
		case es[0] == '-':
			return 0, ErrCoinsPrecision
		default:
			return 0, ErrCoinsRange
		}
	}
	ip, fp := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		ip, fp = mant[:i], mant[i+1:]
	}
	if ip == "" && fp == "" || ip != "" && !allDigits(ip) || fp != "" && !allDigits(fp) {
		return 0, ErrCoinsSyntax
	}
	// value = digits · 10^(exp - len(fp)); units = value · 10^8.
	digits := strings.TrimLeft(ip+fp, "0")
	shift := CoinDecimals + exp - len(fp)
	if digits == "" {
		return 0, nil
	}
	if shift < 0 {
		cut := len(digits) + shift
		tail := digits[max(cut, 0):]
		if strings.Trim(tail, "0") != "" {
			return 0, ErrCoinsPrecision
		}
		if cut <= 0 {
			return 0, nil
		}
		digits, shift = digits[:cut], 0
	}
	if len(digits)+shift > 19 {
		return 0, ErrCoinsRange
	}
	v, err := strconv.ParseUint(digits+strings.Repeat("0", shift), 10, 64)
	if err != nil || v > uint64(MaxCoins) {
		return 0, ErrCoinsRange
	}
	return Coins(v), nil
}

// MustCoins is ParseCoins for constants in tests and examples; it panics on
// a malformed amount.
func MustCoins(s string) Coins {
	c, err := ParseCoins(s)
	if err != nil {
		panic(err)
	}
	return c
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func zeroDigits(s string) bool {
	return strings.Trim(s, "0.") == ""
}

// String prints the amount the way the service does: at least one decimal,
// trailing zeros dropped: 12.5, 10.0, 0.0, 0.00000001.
func (c Coins) String() string {
	neg := c < 0
	u := uint64(c)
	if neg {
		u = -u
	}
	ip := strconv.FormatUint(u/CoinScale, 10)
	fp := strings.TrimRight(fmt.Sprintf("%08d", u%CoinScale), "0")
	if fp == "" {
		fp = "0"
	}
	if neg {
		ip = "-" + ip
	}
	return ip + "." + fp
}

// MarshalJSON writes the amount as a JSON number: 12.5.
func (c Coins) MarshalJSON() ([]byte, error) {
	return []byte(c.String()), nil
}

// UnmarshalJSON reads a JSON number or a string holding one ("12.50"),
// exactly. null leaves the value unchanged.
func (c *Coins) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return ErrCoinsSyntax
		}
	}
	v, err := ParseCoins(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Add returns c+d, or an error past MaxCoins or for a negative operand.
func (c Coins) Add(d Coins) (Coins, error) {
	if c < 0 || d < 0 {
		return 0, ErrCoinsNegative
	}
	if c > MaxCoins || d > MaxCoins-c {
		return 0, ErrCoinsRange
	}
	return c + d, nil
}

// Rate is an exchange rate between coins and a fiat currency: how many
// major units of the currency one coin is worth, as an exact decimal
// ("1 coin = 100.00 RUB"). Conversions use math/big integers only.
//
// Rounding: conversions never favour the payer against the merchant.
//   - CoinsUp (a top-up asks for coins): rounds up to the next 1e-8 coin, so
//     the merchant never under-collects.
//   - MinorDown (crediting a paid amount, or the fiat value of a balance):
//     rounds down to the next minor unit (kopeck), so the merchant never
//     credits more than it received.
//   - CoinsDown (a withdrawal of a fiat amount): rounds down to 1e-8 coin,
//     so the merchant never sends more than it debited.
//
// A full payment of CoinsUp(m) credits MinorDown(CoinsUp(m)) >= m, and
// exactly m whenever 1e-8 coin is worth less than one minor unit.
type Rate struct {
	mant     uint64 // major units per coin = mant / 10^scale
	scale    int
	currency api.Currency
}

// NewRate makes a rate from the major units one coin is worth ("100.00")
// and the ISO 4217 code of the currency ("RUB").
func NewRate(perCoin string, currency string) (Rate, error) {
	cur, ok := api.LookupCurrency(currency)
	if !ok {
		return Rate{}, fmt.Errorf("briacoin: rate: %w", api.CheckCurrency(currency))
	}
	perCoin = strings.TrimSpace(perCoin)
	ip, fp := perCoin, ""
	if i := strings.IndexByte(perCoin, '.'); i >= 0 {
		ip, fp = perCoin[:i], perCoin[i+1:]
	}
	if !allDigits(ip) || fp != "" && !allDigits(fp) || len(fp) > 18 {
		return Rate{}, fmt.Errorf("briacoin: rate %q is not a positive decimal number", perCoin)
	}
	digits := strings.TrimLeft(ip+fp, "0")
	if digits == "" {
		return Rate{}, fmt.Errorf("briacoin: rate must be positive")
	}
	m, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return Rate{}, fmt.Errorf("briacoin: rate %q has too many digits", perCoin)
	}
	return Rate{mant: m, scale: len(fp), currency: cur}, nil
}

// ParseRate reads a rate written as "1 coin = 100.00 RUB", "1 BRC = 100 RUB"
// or just "100.00 RUB".
func ParseRate(s string) (Rate, error) {
	orig := s
	if l, r, ok := strings.Cut(s, "="); ok {
		f := strings.Fields(l)
		if len(f) == 0 || len(f) > 2 || f[0] != "1" {
			return Rate{}, fmt.Errorf("briacoin: rate %q: the left side must be 1 coin", orig)
		}
		s = r
	}
	f := strings.Fields(s)
	if len(f) != 2 {
		return Rate{}, fmt.Errorf("briacoin: rate %q: want \"1 coin = <amount> <CURRENCY>\"", orig)
	}
	return NewRate(f[0], f[1])
}

// Currency is the ISO 4217 code of the rate's fiat currency.
func (r Rate) Currency() string { return r.currency.Code }

// IsZero reports whether r is the zero Rate (not configured).
func (r Rate) IsZero() bool { return r.mant == 0 }

// String prints the rate as ParseRate reads it: "1 coin = 100.00 RUB".
func (r Rate) String() string {
	if r.IsZero() {
		return "no rate"
	}
	s := fmt.Sprintf("%0*d", r.scale+1, r.mant)
	if r.scale > 0 {
		s = s[:len(s)-r.scale] + "." + s[len(s)-r.scale:]
	}
	return "1 coin = " + s + " " + r.currency.Code
}

// minorPerCoin returns the rate as a fraction num/den of minor units per
// coin unit (1e-8 coin).
func (r Rate) fraction() (num, den *big.Int) {
	num = new(big.Int).SetUint64(r.mant)
	num.Mul(num, pow10(r.currency.Exponent))
	den = pow10(r.scale + CoinDecimals)
	return num, den
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

func (r Rate) check(v int64) error {
	if r.IsZero() {
		return errors.New("briacoin: rate not configured")
	}
	if v < 0 {
		return errors.New("briacoin: negative amount")
	}
	return nil
}

// CoinsUp converts minor units of the rate's currency to coins, rounding up
// to 1e-8 coin. Use it for the coins a top-up order asks for.
func (r Rate) CoinsUp(minor int64) (Coins, error) { return r.toCoins(minor, true) }

// CoinsDown converts minor units to coins, rounding down to 1e-8 coin. Use
// it for the coins a withdrawal of a fiat amount sends.
func (r Rate) CoinsDown(minor int64) (Coins, error) { return r.toCoins(minor, false) }

func (r Rate) toCoins(minor int64, up bool) (Coins, error) {
	if err := r.check(minor); err != nil {
		return 0, err
	}
	num, den := r.fraction()
	// units = minor · den / num
	q, m := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(minor), den), num, new(big.Int))
	if up && m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > int64(MaxCoins) {
		return 0, ErrCoinsRange
	}
	return Coins(q.Int64()), nil
}

// CreditDelta is what a top-up order may credit now, in minor units: the
// value of the cumulative paid coins, rounded down, minus what was already
// credited, never negative. Converting the cumulative amount (not each
// payment) keeps rounding from adding up over partial payments: the total
// credited is always MinorDown(paid).
func (r Rate) CreditDelta(paid Coins, creditedMinor int64) (int64, error) {
	total, err := r.MinorDown(paid)
	if err != nil {
		return 0, err
	}
	if total <= creditedMinor {
		return 0, nil
	}
	return total - creditedMinor, nil
}

// MinorDown converts coins to minor units of the rate's currency, rounding
// down to a whole minor unit. Use it to credit a paid amount.
func (r Rate) MinorDown(c Coins) (int64, error) {
	if err := r.check(int64(c)); err != nil {
		return 0, err
	}
	num, den := r.fraction()
	q := new(big.Int).Mul(big.NewInt(int64(c)), num)
	q.Quo(q, den)
	if !q.IsInt64() {
		return 0, errors.New("briacoin: amount out of range")
	}
	return q.Int64(), nil
}
