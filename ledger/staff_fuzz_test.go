package ledger_test

import (
	"strings"
	"testing"

	"fastcheck/api"
	"fastcheck/ledger"
)

// FuzzPrefixRange: every prefix the staff API accepts is one the ledger
// can search, and the range it gives holds exactly the strings that start
// with the prefix.
func FuzzPrefixRange(f *testing.F) {
	for _, s := range []string{"abcd", "Zq+/", "zzzz", "////", "~", "a\x7f", "", "é", strings.Repeat("A", 43)} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, prefix, suffix string) {
		lo, hi, err := ledger.PrefixRange(prefix)
		if api.CheckUserIDPrefix(prefix) == nil && err != nil {
			t.Fatalf("the API accepts %q but the ledger cannot search it: %v", prefix, err)
		}
		if err != nil {
			return
		}
		if lo != prefix || !(lo < hi) || len(hi) != len(lo) {
			t.Fatalf("PrefixRange(%q) = [%q, %q)", prefix, lo, hi)
		}
		in := prefix + suffix
		if !(lo <= in && in < hi) {
			t.Fatalf("%q starts with %q but is outside [%q, %q)", in, prefix, lo, hi)
		}
		if other := suffix; !strings.HasPrefix(other, prefix) && lo <= other && other < hi {
			t.Fatalf("%q does not start with %q but is inside [%q, %q)", other, prefix, lo, hi)
		}
	})
}
