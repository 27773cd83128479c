// Package i18n is the one catalog of user-facing text, for the wallet's
// TUI and the CLI, and the per-language formatting of money, dates and
// durations. It imports nothing of the wallet but api (for currencies).
package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
)

// Languages of the catalog.
const (
	English = "en"
	Russian = "ru"
)

// Langs are the languages of the catalog, in the order --help lists them.
var Langs = []string{English, Russian}

// FromEnv picks the language from LC_ALL, LC_MESSAGES and LANG, in POSIX
// order of precedence: "ru_RU.UTF-8" is Russian, anything else English.
// getenv is os.Getenv locally, the session's environment over SSH.
func FromEnv(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			return Normalize(v)
		}
	}
	return English
}

// Normalize maps a language or locale name ("ru", "ru_RU.UTF-8", "en-GB")
// to a language of the catalog; unknown ones are English.
func Normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "ru") {
		return Russian
	}
	return English
}

// Parse checks a language asked for by name (a flag, the config): "en" or
// "ru", or a locale name of one ("ru_RU.UTF-8"). "" is no choice.
func Parse(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return "", nil
	}
	for _, l := range Langs {
		if t == l || strings.HasPrefix(t, l+"_") || strings.HasPrefix(t, l+"-") || strings.HasPrefix(t, l+".") {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown language %q (known: %s)", s, strings.Join(Langs, ", "))
}

// Resolve is the language to use: the flag's, else the config's, else
// the environment's (FromEnv). Unknown names count as not given.
func Resolve(flag, config string, getenv func(string) string) string {
	for _, s := range []string{flag, config} {
		if l, err := Parse(s); err == nil && l != "" {
			return l
		}
	}
	return FromEnv(getenv)
}

// Locale formats text, money, dates and durations for one language and
// time zone. It holds no other state: one per program or SSH session.
type Locale struct {
	lang string
	msgs map[string]string
	loc  *time.Location
}

// New is the locale of lang ("en", "ru" or a locale name such as
// "ru_RU.UTF-8") in the time zone loc (nil: time.Local).
func New(lang string, loc *time.Location) *Locale {
	lang = Normalize(lang)
	if loc == nil {
		loc = time.Local
	}
	return &Locale{lang: lang, msgs: catalog[lang], loc: loc}
}

// Lang is the locale's language: English or Russian.
func (l *Locale) Lang() string { return l.lang }

// T is the message id in the session's language (English if missing, the
// id itself as a last resort; a test keeps the catalogs complete).
func (l *Locale) T(id string) string {
	if s, ok := l.msgs[id]; ok {
		return s
	}
	if s, ok := catalog[English][id]; ok {
		return s
	}
	return id
}

// Tf formats the message id with args.
func (l *Locale) Tf(id string, args ...any) string {
	return fmt.Sprintf(l.T(id), args...)
}

// N formats the plural form of the message id that fits the count n, with
// args (n itself is not added: pass it when the message shows it). Forms
// are separated by "|": English "one|other", Russian "one|few|many"; a
// message without "|" serves every count.
func (l *Locale) N(id string, n int64, args ...any) string {
	forms := strings.Split(l.T(id), "|")
	return fmt.Sprintf(forms[min(l.pluralForm(n), len(forms)-1)], args...)
}

// pluralForm is the index of the plural form for n: CLDR's rules for
// English (1 is "one") and Russian (1, 21, 101 are "one"; 2-4, 22-24 are
// "few"; 0, 5-20, 25-30, 11-14 are "many").
func (l *Locale) pluralForm(n int64) int {
	if n < 0 {
		n = -n
	}
	if l.lang != Russian {
		if n == 1 {
			return 0
		}
		return 1
	}
	switch d, dd := n%10, n%100; {
	case d == 1 && dd != 11:
		return 0
	case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
		return 1
	}
	return 2
}

const nbsp = "\u00a0"

// Money formats minor units for people: "RUB 1,580.00" in English,
// "1 580,00 ₽" in Russian (no-break spaces, so it never wraps).
func (l *Locale) Money(v int64, currency string) string {
	cur, ok := api.LookupCurrency(currency)
	if !ok {
		cur = api.Currency{Code: currency, Symbol: currency}
	}
	num := api.FormatMinor(v, currency) // "-1,580.00 RUB"
	num = num[:strings.IndexByte(num, ' ')]
	num, neg := strings.CutPrefix(num, "-")
	sign := ""
	if neg {
		sign = "−"
	}
	if l.lang == Russian {
		return sign + ruDigits.Replace(num) + nbsp + cur.Symbol
	}
	return sign + cur.Code + " " + num
}

// ruDigits turns English digit grouping into Russian: 1,580.00 → 1 580,00.
var ruDigits = strings.NewReplacer(",", nbsp, ".", ",")

// DateTime is a moment in the session's time zone: "2026-01-19 10:00" or
// "19.01.2026 10:00".
func (l *Locale) DateTime(t time.Time) string {
	return l.format(t, "2006-01-02 15:04", "02.01.2006 15:04")
}

// Date is a day: "2026-01-19" or "19.01.2026".
func (l *Locale) Date(t time.Time) string { return l.format(t, "2006-01-02", "02.01.2006") }

// format is t in the locale's time zone in the layout of its language;
// the zero time is "—".
func (l *Locale) format(t time.Time, en, ru string) string {
	if t.IsZero() {
		return "—"
	}
	if l.lang == Russian {
		return t.In(l.loc).Format(ru)
	}
	return t.In(l.loc).Format(en)
}

// Duration is a short span: "6d 23h", "5h 02m", "4m 10s", "45s".
func (l *Locale) Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	u := [4]string{"d", "h", "m", "s"}
	if l.lang == Russian {
		u = [4]string{"д", "ч", "м", "с"}
	}
	secs := int64(d / time.Second)
	days, hours, mins, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d%s %d%s", days, u[0], hours, u[1])
	case hours > 0:
		return fmt.Sprintf("%d%s %02d%s", hours, u[1], mins, u[2])
	case mins > 0:
		return fmt.Sprintf("%d%s %02d%s", mins, u[2], s, u[3])
	}
	return fmt.Sprintf("%d%s", s, u[3])
}

// Clock is a countdown: "1:54".
func (l *Locale) Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// Messages is a copy of the catalog of lang (tests measure every message).
func Messages(lang string) map[string]string {
	m := map[string]string{}
	for id, s := range catalog[Normalize(lang)] {
		m[id] = s
	}
	return m
}

// AmountProblem explains in words why api.ParseMajor refused the amount s
// in currency (the TUI's form and the CLI say the same).
func (l *Locale) AmountProblem(s, currency string) string {
	cur, _ := api.LookupCurrency(currency)
	d := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "_", "").Replace(s)
	seps := strings.Count(d, ".") + strings.Count(d, ",")
	intPart := d
	if i := strings.IndexAny(d, ".,"); i >= 0 {
		intPart = d[:i]
	}
	switch {
	case strings.HasPrefix(d, "-") && len(d) > 1 && strings.Trim(d[1:], "0123456789.,") == "":
		return l.T("create.zero") // a negative amount
	case strings.Trim(d, "0123456789.,") != "":
		return l.T("create.notnumber")
	case seps == 1 && len(d)-strings.LastIndexAny(d, ".,")-1 > cur.Exponent:
		if cur.Exponent == 0 {
			return l.Tf("create.nofraction", currency)
		}
		return l.Tf("create.decimals", cur.Exponent)
	case strings.Trim(d, "0.,") == "":
		return l.T("create.zero")
	}
	if _, err := api.ParseMajor(intPart, currency); err != nil && strings.Trim(intPart, "0123456789") == "" && strings.TrimLeft(intPart, "0") != "" {
		return l.Tf("create.toolarge", l.Money(api.MaxAmount, currency))
	}
	return l.T("create.notnumber")
}

// FromAcceptLanguage picks the language a browser asks for in its
// Accept-Language header ("ru-RU,ru;q=0.9,en;q=0.8"): the catalog's
// language with the highest weight (the first of equals), English if none.
func FromAcceptLanguage(h string) string {
	best, bestQ := English, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		lang, err := Parse(tag)
		if err != nil || lang == "" || q <= 0 {
			continue
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
