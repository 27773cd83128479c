package briacoin

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseCoins(t *testing.T) {
	good := map[string]Coins{
		"12.50":        1_250_000_000,
		"12.5":         1_250_000_000,
		"3.234":        323_400_000,
		"10.0":         1_000_000_000,
		"10":           1_000_000_000,
		"0":            0,
		"0.0":          0,
		"000.000":      0,
		" 2.0 ":        200_000_000,
		"0.00000001":   1,
		"1e-8":         1,
		"1.5E2":        15_000_000_000,
		"1.0000000000": 100_000_000,
		"5.":           500_000_000,
		".5":           50_000_000,
		"0e999":        0,
		"12.5e+0":      1_250_000_000,
		"10000000000":  MaxCoins,
	}
	for in, want := range good {
		got, err := ParseCoins(in)
		if err != nil || got != want {
			t.Errorf("ParseCoins(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]error{
		"0.000000001":                 ErrCoinsPrecision,
		"1e-9":                        ErrCoinsPrecision,
		"1e-99999":                    ErrCoinsPrecision,
		"12.345678901":                ErrCoinsPrecision,
		"-1":                          ErrCoinsNegative,
		"-0.5":                        ErrCoinsNegative,
		"-0":                          ErrCoinsNegative,
		"10000000000.00000001":        ErrCoinsRange,
		"99999999999999999999999":     ErrCoinsRange,
		"1e30":                        ErrCoinsRange,
		"1e99999999999999999999":      ErrCoinsRange,
		"":                            ErrCoinsSyntax,
		" ":                           ErrCoinsSyntax,
		".":                           ErrCoinsSyntax,
		"abc":                         ErrCoinsSyntax,
		"1.2.3":                       ErrCoinsSyntax,
		"1e":                          ErrCoinsSyntax,
		"1e+":                         ErrCoinsSyntax,
		"+1":                          ErrCoinsSyntax,
		"1,5":                         ErrCoinsSyntax,
		"NaN":                         ErrCoinsSyntax,
		"Infinity":                    ErrCoinsSyntax,
		"0x10":                        ErrCoinsSyntax,
		"1_000":                       ErrCoinsSyntax,
		"--1":                         ErrCoinsSyntax,
		strings.Repeat("1", 200):      ErrCoinsSyntax,
		"1" + strings.Repeat("0", 20): ErrCoinsRange,
	}
	for in, want := range bad {
		if got, err := ParseCoins(in); !errors.Is(err, want) {
			t.Errorf("ParseCoins(%q) = %d, %v; want %v", in, got, err, want)
		}
	}
}

func TestCoinsString(t *testing.T) {
	for c, want := range map[Coins]string{
		0: "0.0", 1: "0.00000001", 1_250_000_000: "12.5", 1_000_000_000: "10.0",
		323_400_000: "3.234", MaxCoins: "10000000000.0", -50_000_000: "-0.5",
	} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(c), got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		c := Coins(r.Int64N(int64(MaxCoins) + 1))
		back, err := ParseCoins(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip %d → %q → %d, %v", int64(c), c.String(), back, err)
		}
	}
}

func TestCoinsJSON(t *testing.T) {
	var v struct {
		A Coins `json:"a"`
		B Coins `json:"b"`
		C Coins `json:"c"`
	}
	v.C = 7
	if err := json.Unmarshal([]byte(`{"a": 12.50, "b": "3.234", "c": null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != MustCoins("12.5") || v.B != MustCoins("3.234") || v.C != 7 {
		t.Fatalf("got %+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"a":12.5,"b":3.234,"c":0.00000007}` {
		t.Fatalf("marshal: %s", out)
	}
	for _, in := range []string{`{"a": -1}`, `{"a": 1e-9}`, `{"a": "x"}`, `{"a": true}`, `{"a": "1e40"}`} {
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

func TestCoinsAdd(t *testing.T) {
	if s, err := MustCoins("1.5").Add(MustCoins("2.25")); err != nil || s != MustCoins("3.75") {
		t.Fatal(s, err)
	}
	if _, err := MaxCoins.Add(1); !errors.Is(err, ErrCoinsRange) {
		t.Fatal(err)
	}
	if _, err := Coins(-1).Add(1); !errors.Is(err, ErrCoinsNegative) {
		t.Fatal(err)
	}
}

func TestRate(t *testing.T) {
	r, err := ParseRate("1 coin = 100.00 RUB")
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "1 coin = 100.00 RUB" || r.Currency() != "RUB" {
		t.Fatal(r.String())
	}
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	c, err := r.CoinsUp(10000)
	check("CoinsUp(100.00 RUB)", c, MustCoins("1"), err)
	c, err = r.CoinsUp(1)
	check("CoinsUp(0.01 RUB)", c, MustCoins("0.0001"), err)
	m, err := r.MinorDown(MustCoins("12.5"))
	check("MinorDown(12.5)", m, int64(125000), err)

	// 3 RUB a coin: 1.00 RUB is 1/3 coin.
	r3, _ := ParseRate("1 BRC = 3 RUB")
	c, err = r3.CoinsUp(100)
	check("CoinsUp up", c, MustCoins("0.33333334"), err)
	c, err = r3.CoinsDown(100)
	check("CoinsDown", c, MustCoins("0.33333333"), err)
	m, err = r3.MinorDown(MustCoins("0.33333334"))
	check("MinorDown of the rounded-up coins", m, int64(100), err)
	m, err = r3.MinorDown(MustCoins("0.33333333"))
	check("MinorDown rounds down", m, int64(99), err)

	// JPY has no minor unit; KWD has three.
	rj, _ := ParseRate("150 JPY")
	m, err = rj.MinorDown(MustCoins("0.999"))
	check("JPY MinorDown", m, int64(149), err)
	rk, _ := NewRate("0.123", "KWD")
	m, err = rk.MinorDown(MustCoins("2"))
	check("KWD MinorDown", m, int64(246), err)

	for _, bad := range []string{"0 RUB", "1 coin = 0.00 RUB", "2 coin = 100 RUB", "100 XXX", "100 rub", "-5 RUB", "1 coin = RUB", "1.2.3 RUB", "100", "1 coin = 1e3 RUB", "0.0000000000000000001 RUB"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	if _, err := (Rate{}).CoinsUp(1); err == nil {
		t.Error("zero rate converted")
	}
	if _, err := r.CoinsUp(-1); err == nil {
		t.Error("negative converted")
	}
	if _, err := r.CoinsUp(1 << 62); !errors.Is(err, ErrCoinsRange) {
		t.Error("overflow not caught:", err)
	}
}

// TestRateProperties: a full payment of the coins a top-up asks for credits
// at least the top-up, and exactly it when 1e-8 coin is worth less than a
// kopeck; a withdrawal never sends more than it debits.
func TestRateProperties(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, rs := range []string{"100.00 RUB", "3 RUB", "0.07 RUB", "123.4567 RUB", "98765.4321 USD", "1 JPY", "0.001 KWD", "7.123456789 EUR"} {
		r, err := ParseRate(rs)
		if err != nil {
			t.Fatal(err)
		}
		num, den := r.fraction()
		exact := new(big.Rat).SetFrac(num, den) // minor units per coin unit
		fine := exact.Cmp(big.NewRat(1, 1)) < 0
		for range 2000 {
			m := rnd.Int64N(1_000_000_000) + 1
			up, err := r.CoinsUp(m)
			if errors.Is(err, ErrCoinsRange) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			back, err := r.MinorDown(up)
			if err != nil {
				t.Fatal(err)
			}
			if back < m || fine && back != m {
				t.Fatalf("%s: top-up %d asks %s, credits %d", rs, m, up, back)
			}
			down, _ := r.CoinsDown(m)
			if v, _ := r.MinorDown(down); v > m {
				t.Fatalf("%s: withdrawal of %d sends %s worth %d", rs, m, down, v)
			}
			if up-down > 1 || up < down {
				t.Fatalf("%s: up %s down %s", rs, up, down)
			}
		}
	}
}

func FuzzParseCoins(f *testing.F) {
	for _, s := range []string{"12.50", "3.234", "10.0", "0", "1e-8", "1.5E2", "-1", "0.000000001", "1e30", ".5", "5.", "0e999", "1e-99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCoins(s)
		if err != nil {
			if c != 0 {
				t.Fatalf("error with a value: %q → %d", s, c)
			}
			return
		}
		if c < 0 || c > MaxCoins {
			t.Fatalf("%q → %d out of range", s, c)
		}
		back, err := ParseCoins(c.String())
		if err != nil || back != c {
			t.Fatalf("%q → %d → %q → %d, %v", s, c, c.String(), back, err)
		}
		// The value is exactly the decimal's: compare with math/big.
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if ok {
			r.Mul(r, big.NewRat(CoinScale, 1))
			if !r.IsInt() || r.Num().Int64() != int64(c) {
				t.Fatalf("%q → %d, math/big says %s", s, c, r.RatString())
			}
		}
		var j Coins
		if err := json.Unmarshal([]byte(c.String()), &j); err != nil || j != c {
			t.Fatalf("JSON of %d: %v", c, err)
		}
	})
}

// TestCreditDelta: three partial payments of 1/3 coin at 1.00 RUB a coin
// credit 33, 33 and 34 kopecks, not 33 three times.
func TestCreditDelta(t *testing.T) {
	r, _ := ParseRate("1 coin = 1.00 RUB")
	third := MustCoins("0.33333334")
	var paid Coins
	var credited int64
	var got []int64
	for range 3 {
		paid += third
		d, err := r.CreditDelta(paid, credited)
		if err != nil {
			t.Fatal(err)
		}
		credited += d
		got = append(got, d)
	}
	if credited != 100 || got[0] != 33 || got[1] != 33 || got[2] != 34 {
		t.Fatalf("credits %v, total %d", got, credited)
	}
	// A late or duplicate callback with a smaller paid amount credits nothing.
	if d, _ := r.CreditDelta(third, credited); d != 0 {
		t.Fatal(d)
	}
}
