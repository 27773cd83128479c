package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// idRE matches a message id in Go source: a string literal "screen.what"
// with one of the catalog's prefixes ("cli.command.what" for the CLI).
var idRE = regexp.MustCompile(`"((?:key|short|help|dialog|small|banner|flash|err|setup|login|wallet|col|check|hist|details|cancel|logout|handover|create|accept|topup|withdraw|staff|ssh|page)\.[a-z0-9]+|cli(?:\.[a-z0-9]+)+)"`)

// pluralRE matches a message id used with plural forms: l.N("id", n, ...).
var pluralRE = regexp.MustCompile(`\.N\(\s*"([a-z0-9.]+)"`)

// usedIDs scans the packages that show text (not their tests, not the
// catalog) for ids; plural are those used with Locale.N.
func usedIDs(t *testing.T) (used, plural map[string]bool) {
	used, plural = map[string]bool{}, map[string]bool{}
	for _, dir := range []string{".", "../tui", "../cmd/fastcheck", "../sshwallet", "../server/phonepage.go"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if strings.HasSuffix(dir, ".go") { // one file of a package that shows little text
			files = []string{dir}
		}
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(filepath.Base(f), "catalog") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range idRE.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
			for _, m := range pluralRE.FindAllStringSubmatch(string(b), -1) {
				plural[m[1]] = true
			}
		}
	}
	return used, plural
}

// Every message id used in the code exists in both languages with the same
// format verbs (in every plural form of those used with Locale.N), and
// every catalog entry is used.
func TestCatalogComplete(t *testing.T) {
	used, plural := usedIDs(t)
	if !used["cli.usage"] || !used["wallet.title"] || !plural["cli.active.total"] {
		t.Fatalf("the scan found neither the CLI's nor the TUI's ids: %d ids", len(used))
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for id := range used {
		for _, lang := range Langs {
			if _, ok := catalog[lang][id]; !ok {
				t.Errorf("%s: missing %q", lang, id)
			}
		}
		en, ru := []string{catalog[English][id]}, []string{catalog[Russian][id]}
		if plural[id] {
			en, ru = strings.Split(en[0], "|"), strings.Split(ru[0], "|")
			if len(en) != 2 || len(ru) != 3 {
				t.Errorf("%q: plural forms: en %d (want 2: one|other), ru %d (want 3: one|few|many)", id, len(en), len(ru))
			}
		}
		want := verbs.FindAllString(en[0], -1)
		for _, form := range append(en, ru...) {
			if got := verbs.FindAllString(form, -1); !slices.Equal(got, want) {
				t.Errorf("%q: verbs differ: %q has %v, want %v", id, form, got, want)
			}
		}
	}
	for lang, msgs := range catalog {
		for id := range msgs {
			if !used[id] {
				t.Errorf("%s: %q is not used", lang, id)
			}
		}
	}
}

func TestLocaleFormats(t *testing.T) {
	en, ru := New("en_US.UTF-8", time.UTC), New("ru_RU.UTF-8", time.UTC)
	for _, tc := range []struct {
		l         *Locale
		v         int64
		cur, want string
	}{
		{en, 158000, "RUB", "RUB 1,580.00"},
		{ru, 158000, "RUB", "1\u00a0580,00\u00a0₽"},
		{en, 5, "RUB", "RUB 0.05"},
		{ru, -1234567, "RUB", "−12\u00a0345,67\u00a0₽"},
		{en, 1500, "JPY", "JPY 1,500"},
		{ru, 1500, "KWD", "1,500\u00a0KD"},
		{en, 100000000000, "USD", "USD 1,000,000,000.00"},
		{en, -9223372036854775808, "RUB", "−RUB 92,233,720,368,547,758.08"},
		{ru, 0, "XYZ", "0,00\u00a0XYZ"},
	} {
		if got := tc.l.Money(tc.v, tc.cur); got != tc.want {
			t.Errorf("%s Money(%d, %s) = %q, want %q", tc.l.Lang(), tc.v, tc.cur, got, tc.want)
		}
	}
	d := 6*24*time.Hour + 23*time.Hour + 5*time.Minute
	if got := en.Duration(d); got != "6d 23h" {
		t.Errorf("Duration = %q", got)
	}
	if got := ru.Duration(90 * time.Second); got != "1м 30с" {
		t.Errorf("Duration ru = %q", got)
	}
	if got := en.Clock(119*time.Second + time.Millisecond); got != "2:00" {
		t.Errorf("Clock = %q", got)
	}
	at := time.Date(2026, 1, 19, 10, 0, 0, 0, time.UTC)
	if en.DateTime(at) != "2026-01-19 10:00" || ru.DateTime(at) != "19.01.2026 10:00" {
		t.Errorf("DateTime: %q %q", en.DateTime(at), ru.DateTime(at))
	}
	if en.Date(at) != "2026-01-19" || ru.Date(at) != "19.01.2026" || en.Date(time.Time{}) != "—" {
		t.Errorf("Date: %q %q", en.Date(at), ru.Date(at))
	}
}

func TestPluralForms(t *testing.T) {
	en, ru := New("en", nil), New("ru", nil)
	for n, want := range map[int64]int{0: 1, 1: 0, 2: 1, 11: 1, 21: 1, -1: 0} {
		if got := en.pluralForm(n); got != want {
			t.Errorf("en pluralForm(%d) = %d, want %d", n, got, want)
		}
	}
	for n, want := range map[int64]int{0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 20: 2, 21: 0, 22: 1, 25: 2, 101: 0, 111: 2, 112: 2, 122: 1, 1001: 0, -3: 1} {
		if got := ru.pluralForm(n); got != want {
			t.Errorf("ru pluralForm(%d) = %d, want %d", n, got, want)
		}
	}
	msgs := catalog[Russian]
	msgs["test.plural"] = "%d чек|%d чека|%d чеков"
	defer delete(msgs, "test.plural")
	for n, want := range map[int64]string{1: "1 чек", 3: "3 чека", 11: "11 чеков", 21: "21 чек", 0: "0 чеков"} {
		if got := ru.N("test.plural", n, n); got != want {
			t.Errorf("N(%d) = %q, want %q", n, got, want)
		}
	}
	// A message without forms is used for every count.
	if got := en.N("key.up", 5); got != "up" {
		t.Errorf("N without forms = %q", got)
	}
	// A missing id falls back to English, then to the id itself.
	if got := ru.T("no.such.id"); got != "no.such.id" {
		t.Errorf("missing id = %q", got)
	}
}

func TestLangResolution(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "ru_RU.UTF-8"}, "ru"},
		{map[string]string{"LANG": "ru_RU.UTF-8", "LC_ALL": "C"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "ru_RU"}, "ru"},
		{map[string]string{"LC_ALL": "ru_RU.UTF-8", "LC_MESSAGES": "en_US"}, "ru"},
	} {
		if got := FromEnv(env(tc.env)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.env, got, tc.want)
		}
	}
	ruEnv := env(map[string]string{"LANG": "ru_RU.UTF-8"})
	for _, tc := range []struct{ flag, config, want string }{
		{"", "", "ru"},
		{"en", "", "en"},
		{"", "en", "en"},
		{"ru", "en", "ru"},
		{"EN_gb.utf-8", "ru", "en"},
		{"klingon", "en", "en"}, // an unknown name is no choice
	} {
		if got := Resolve(tc.flag, tc.config, ruEnv); got != tc.want {
			t.Errorf("Resolve(%q, %q, LANG=ru) = %s, want %s", tc.flag, tc.config, got, tc.want)
		}
	}
	for in, want := range map[string]string{"": "", "en": "en", "RU": "ru", "ru_RU.UTF-8": "ru", "en-US": "en"} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"de", "russian", "r", "english", "\x00", strings.Repeat("x", 1<<16)} {
		if got, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "en", "ru_RU.UTF-8", "de", "ru-", "ёж"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			return
		}
		if l != "" && !slices.Contains(Langs, l) || l == "" && strings.TrimSpace(s) != "" {
			t.Fatalf("Parse(%q) = %q", s, l)
		}
		if l != "" && Resolve(s, "", func(string) string { return "" }) != l {
			t.Fatalf("Resolve disagrees with Parse on %q", s)
		}
	})
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                                       English,
		"ru":                                     Russian,
		"ru-RU,ru;q=0.9,en-US;q=0.8":             Russian,
		"en-US,en;q=0.9,ru;q=0.8":                English,
		"de-DE,de;q=0.9":                         English,
		"de;q=0.9,ru;q=0.1,en;q=0.5":             English,
		"de;q=0.9,ru;q=0.6,en;q=0.5":             Russian,
		"ru;q=0":                                 English, // q=0: not acceptable
		"ru;q=2, en":                             English, // a malformed weight is skipped
		"*":                                      English,
		" RU-ru ; q=0.7 , fr":                    Russian,
		strings.Repeat("xx;q=0.1,", 1000) + "ru": Russian,
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%.40q) = %s, want %s", h, got, want)
		}
	}
}

// FuzzFromAcceptLanguage: any header gives a language of the catalog.
func FuzzFromAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "ru-RU,ru;q=0.9", "en;q=x", ";;,,", "ru;q=0.5;q=1", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got := FromAcceptLanguage(h); !slices.Contains(Langs, got) {
			t.Fatalf("FromAcceptLanguage(%q) = %q", h, got)
		}
	})
}
