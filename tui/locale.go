package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
)

// Languages of the catalog.
const (
	LangEnglish = "en"
	LangRussian = "ru"
)

// LangFromEnv picks the language from LC_ALL, LC_MESSAGES and LANG, in
// POSIX order of precedence: "ru_RU.UTF-8" is Russian, anything else
// English. getenv is os.Getenv locally, the session's environment over SSH.
func LangFromEnv(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			return NormalizeLang(v)
		}
	}
	return LangEnglish
}

// NormalizeLang maps a language or locale name ("ru", "ru_RU.UTF-8",
// "en-GB") to a language of the catalog; unknown ones are English.
func NormalizeLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "ru") {
		return LangRussian
	}
	return LangEnglish
}

// locale formats text, money, dates and durations for one language.
type locale struct {
	lang string
	msgs map[string]string
	loc  *time.Location
}

func newLocale(lang string, loc *time.Location) *locale {
	lang = NormalizeLang(lang)
	if loc == nil {
		loc = time.Local
	}
	return &locale{lang: lang, msgs: catalog[lang], loc: loc}
}

// T is the message id in the session's language (English if missing, the
// id itself as a last resort; a test keeps the catalogs complete).
func (l *locale) T(id string) string {
	if s, ok := l.msgs[id]; ok {
		return s
	}
	if s, ok := catalog[LangEnglish][id]; ok {
		return s
	}
	return id
}

// Tf formats the message id with args.
func (l *locale) Tf(id string, args ...any) string {
	return fmt.Sprintf(l.T(id), args...)
}

const nbsp = "\u00a0"

// Money formats minor units for people: "RUB 1,580.00" in English,
// "1 580,00 ₽" in Russian (no-break spaces, so it never wraps).
func (l *locale) Money(v int64, currency string) string {
	cur, ok := api.LookupCurrency(currency)
	if !ok {
		cur = api.Currency{Code: currency, Exponent: 2, Symbol: currency}
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
	group, dec := ",", "."
	if l.lang == LangRussian {
		group, dec = nbsp, ","
	}
	var b strings.Builder
	if neg {
		b.WriteString("−")
	}
	if l.lang != LangRussian {
		b.WriteString(cur.Code)
		b.WriteString(" ")
	}
	for i, c := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if cur.Exponent > 0 {
		b.WriteString(dec)
		b.WriteString(fp)
	}
	if l.lang == LangRussian {
		b.WriteString(nbsp)
		b.WriteString(cur.Symbol)
	}
	return b.String()
}

// DateTime is a moment in the session's time zone: "2026-01-19 10:00" or
// "19.01.2026 10:00".
func (l *locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if l.lang == LangRussian {
		return t.In(l.loc).Format("02.01.2006 15:04")
	}
	return t.In(l.loc).Format("2006-01-02 15:04")
}

// Date is a day: "2026-01-19" or "19.01.2026".
func (l *locale) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if l.lang == LangRussian {
		return t.In(l.loc).Format("02.01.2006")
	}
	return t.In(l.loc).Format("2006-01-02")
}

// Duration is a short span: "6d 23h", "5h 02m", "4m 10s", "45s".
func (l *locale) Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	u := [4]string{"d", "h", "m", "s"}
	if l.lang == LangRussian {
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
func (l *locale) Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	secs := int64((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}
