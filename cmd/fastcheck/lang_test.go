package main

import (
	"slices"
	"strings"
	"testing"

	"fastcheck/i18n"
)

func TestTakeLang(t *testing.T) {
	for _, tc := range []struct {
		args, rest []string
		lang, bad  string
		ok         bool
	}{
		{nil, []string{}, "", "", true},
		{[]string{"balance", "--json"}, []string{"balance", "--json"}, "", "", true},
		{[]string{"--lang", "ru", "balance"}, []string{"balance"}, "ru", "", true},
		{[]string{"balance", "--lang=en"}, []string{"balance"}, "en", "", true},
		{[]string{"-lang", "ru_RU.UTF-8", "history", "--json"}, []string{"history", "--json"}, "ru", "", true},
		{[]string{"--lang", "ru", "--lang", "en"}, []string{}, "en", "", true}, // the last one wins, as with flags
		{[]string{"create", "--", "--lang", "x"}, []string{"create", "--", "--lang", "x"}, "", "", true},
		{[]string{"--language", "ru"}, []string{"--language", "ru"}, "", "", true},
		{[]string{"balance", "--lang"}, nil, "", "", false},
		{[]string{"--lang", "de"}, nil, "", "de", false},
		{[]string{"--lang="}, nil, "", "", false},
	} {
		lang, rest, bad, ok := takeLang(tc.args)
		if lang != tc.lang || bad != tc.bad || ok != tc.ok || tc.ok && !slices.Equal(rest, tc.rest) {
			t.Errorf("takeLang(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tc.args, lang, rest, bad, ok, tc.lang, tc.rest, tc.bad, tc.ok)
		}
	}
}

// FuzzTakeLang: whatever the arguments, takeLang keeps every other
// argument in order, and a language it returns is one of the catalog's.
func FuzzTakeLang(f *testing.F) {
	for _, s := range []string{"balance --lang ru", "--lang=en x", "--lang", "a -- --lang b", "--lang ёж", "-lang=RU"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		lang, rest, _, ok := takeLang(args)
		if !ok {
			return
		}
		if lang != "" && !slices.Contains(i18n.Langs, lang) {
			t.Fatalf("takeLang(%q): language %q", args, lang)
		}
		if len(rest) > len(args) {
			t.Fatalf("takeLang(%q) grew the arguments: %q", args, rest)
		}
		i := 0
		for _, a := range rest {
			for i < len(args) && args[i] != a {
				i++
			}
			if i == len(args) {
				t.Fatalf("takeLang(%q) = %q: not a subsequence", args, rest)
			}
			i++
		}
	})
}
