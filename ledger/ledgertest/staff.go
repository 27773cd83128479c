package ledgertest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fastcheck/ledger"
)

// RunStaff runs the conformance suite of ledger.Staff: finding accounts by
// userId prefix (byte order, bounds, hostile prefixes taken literally) and
// the staff audit log (entries kept as given, in order, under concurrent
// appends; invalid entries refused and not written). open must return a
// new, empty store that also implements ledger.Staff; RunStaff closes it.
// That the log refuses UPDATE and DELETE is tested per backend, behind the
// store's back.
func RunStaff(t *testing.T, open func(t *testing.T) ledger.Store) {
	tests := []struct {
		name string
		fn   func(e *senv)
	}{
		{"FindAccounts", testFindAccounts},
		{"FindAccountsBounds", testFindAccountsBounds},
		{"FindAccountsBadPrefix", testFindAccountsBadPrefix},
		{"StaffLog", testStaffLog},
		{"StaffLogRefusesInvalid", testStaffLogInvalid},
		{"StaffLogConcurrent", testStaffLogConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			st, ok := s.(ledger.Staff)
			if !ok {
				t.Fatalf("%T does not implement ledger.Staff", s)
			}
			tc.fn(&senv{env: newEnv(t, s), st: st})
			if !t.Failed() {
				RequireAudit(t, s)
			}
		})
	}
}

type senv struct {
	*env
	st ledger.Staff
}

func (e *senv) find(prefix string, limit int) []string {
	e.t.Helper()
	as, err := e.st.FindAccounts(e.ctx, prefix, limit)
	if err != nil {
		e.t.Fatalf("FindAccounts(%q, %d): %v", prefix, limit, err)
	}
	if as == nil {
		e.t.Fatalf("FindAccounts(%q, %d) returned nil, want an empty list", prefix, limit)
	}
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.UserID
	}
	return ids
}

func (e *senv) wantFind(prefix string, limit int, want ...string) {
	e.t.Helper()
	got := e.find(prefix, limit)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		e.t.Errorf("FindAccounts(%q, %d) = %q, want %q", prefix, limit, got, want)
	}
}

func testFindAccounts(e *senv) {
	for _, u := range []string{"abc2", "abc1", "abd", "ab", "Abc", "abc/x", "abc+y", "ab~", "b"} {
		e.open(u, "RUB")
	}
	// Escrow and external accounts exist too, and are never found.
	e.fund("abc1", 5000)
	if _, err := e.s.CreateCheck(e.ctx, ledger.CreateCheck{UserID: "abc1", Amount: 100, Currency: "RUB",
		Now: e.now(), ExpiresAt: e.now().Add(Lifetime)}); err != nil {
		e.t.Fatal(err)
	}
	e.wantFind("abc", 0, "abc+y", "abc/x", "abc1", "abc2")
	e.wantFind("ab", 0, "ab", "abc+y", "abc/x", "abc1", "abc2", "abd", "ab~")
	e.wantFind("abc1", 0, "abc1")
	e.wantFind("Ab", 0, "Abc")
	e.wantFind("ab~", 0, "ab~")
	e.wantFind("abc", 2, "abc+y", "abc/x")
	e.wantFind("zzz", 0)
	for _, p := range []string{"escrow", "external", "user:", "e", "%", "_", "a%", "ab_", "a'", `a"`, "a\\", "*", "a*"} {
		e.wantFind(p, 0)
	}
	as, err := e.st.FindAccounts(e.ctx, "abc1", 1)
	if err != nil || len(as) != 1 || as[0].Balance != 4900 || as[0].Currency != "RUB" || !as[0].CreatedAt.Equal(Start) {
		e.t.Errorf("FindAccounts(abc1) = %+v, %v; want balance 4900 RUB created %s", as, err, Start)
	}
}

func testFindAccountsBounds(e *senv) {
	for i := range ledger.MaxFindAccounts + 20 {
		e.open(fmt.Sprintf("u%03d", i), "RUB")
	}
	for _, limit := range []int{0, -1, ledger.MaxFindAccounts + 1, 1 << 30} {
		if got := e.find("u", limit); len(got) != ledger.MaxFindAccounts || got[0] != "u000" {
			e.t.Errorf("FindAccounts(u, %d) found %d from %q, want %d from u000", limit, len(got), got[:1], ledger.MaxFindAccounts)
		}
	}
	e.wantFind("u", 3, "u000", "u001", "u002")
	e.wantFind("u11", 0, "u110", "u111", "u112", "u113", "u114", "u115", "u116", "u117", "u118", "u119")
}

func testFindAccountsBadPrefix(e *senv) {
	e.open("alice", "RUB")
	for _, p := range []string{"", " ", "al ice", "al\x00", "al\n", "ali\x7f", "alé", "\xff", strings.Repeat("a", ledger.MaxPrefixLen+1)} {
		if as, err := e.st.FindAccounts(e.ctx, p, 10); err == nil {
			e.t.Errorf("FindAccounts(%q) = %v, want an error", p, as)
		}
	}
	e.wantFind(strings.Repeat("a", ledger.MaxPrefixLen), 0)
}

func testStaffLog(e *senv) {
	if got, err := e.st.StaffReads(e.ctx, time.Time{}, 0); err != nil || got == nil || len(got) != 0 {
		e.t.Fatalf("StaffReads on an empty log = %v, %v; want an empty list", got, err)
	}
	in := []ledger.StaffRead{
		{At: e.now(), Staff: "carol", Action: ledger.StaffFind, Subject: "ab", ClientIP: "127.0.0.1"},
		{At: e.clock.Advance(1500 * time.Millisecond), Staff: "carol", Action: ledger.StaffAccount, Subject: "abc+y/", ClientIP: "::1"},
		{At: e.clock.Advance(time.Hour), Staff: "dave", Action: ledger.StaffCheck, Subject: `1234-5678-0001'; DROP TABLE staff_reads; --"`, ClientIP: ""},
		{At: e.clock.Advance(time.Minute), Staff: "dave", Action: ledger.StaffFind, Subject: "Ünïcødé ✓", ClientIP: "10.0.0.1"},
	}
	var last int64
	for i, r := range in {
		got, err := e.st.LogStaffRead(e.ctx, r)
		if err != nil {
			e.t.Fatalf("LogStaffRead(%+v): %v", r, err)
		}
		if got.ID <= last {
			e.t.Fatalf("entry %d has ID %d after %d; IDs must grow", i, got.ID, last)
		}
		last = got.ID
		in[i].ID = got.ID
	}
	all, err := e.st.StaffReads(e.ctx, time.Time{}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(all) != len(in) {
		e.t.Fatalf("StaffReads = %d entries, want %d", len(all), len(in))
	}
	for i := range in {
		if !all[i].At.Equal(in[i].At) || !sameExceptTime(all[i], in[i]) {
			e.t.Errorf("entry %d = %+v, want %+v", i, all[i], in[i])
		}
	}
	since, err := e.st.StaffReads(e.ctx, in[2].At, 0)
	if err != nil || len(since) != 2 || since[0].ID != in[2].ID {
		e.t.Errorf("StaffReads(since entry 2) = %+v, %v; want entries 2 and 3", since, err)
	}
	limited, err := e.st.StaffReads(e.ctx, time.Time{}, 1)
	if err != nil || len(limited) != 1 || limited[0].ID != in[0].ID {
		e.t.Errorf("StaffReads(limit 1) = %+v, %v; want entry 0", limited, err)
	}
	if none, err := e.st.StaffReads(e.ctx, e.clock.Advance(time.Second), 0); err != nil || len(none) != 0 {
		e.t.Errorf("StaffReads(after the last) = %+v, %v; want none", none, err)
	}
}

func sameExceptTime(a, b ledger.StaffRead) bool {
	a.At, b.At = time.Time{}, time.Time{}
	return a == b
}

func testStaffLogInvalid(e *senv) {
	ok := ledger.StaffRead{At: e.now(), Staff: "carol", Action: ledger.StaffFind, Subject: "ab", ClientIP: "127.0.0.1"}
	bad := map[string]func(r *ledger.StaffRead){
		"no time":          func(r *ledger.StaffRead) { r.At = time.Time{} },
		"no staff":         func(r *ledger.StaffRead) { r.Staff = "" },
		"long staff":       func(r *ledger.StaffRead) { r.Staff = strings.Repeat("s", ledger.MaxStaffIDLen+1) },
		"unknown action":   func(r *ledger.StaffRead) { r.Action = "delete" },
		"empty action":     func(r *ledger.StaffRead) { r.Action = "" },
		"long subject":     func(r *ledger.StaffRead) { r.Subject = strings.Repeat("x", ledger.MaxSubjectLen+1) },
		"long address":     func(r *ledger.StaffRead) { r.ClientIP = strings.Repeat("1", ledger.MaxClientIPLen+1) },
		"NUL in subject":   func(r *ledger.StaffRead) { r.Subject = "ab\x00cd" },
		"escape in staff":  func(r *ledger.StaffRead) { r.Staff = "carol\x1b[2J" },
		"bad UTF-8":        func(r *ledger.StaffRead) { r.Subject = "\xff\xfe" },
		"newline in addr":  func(r *ledger.StaffRead) { r.ClientIP = "1.2.3.4\nforged" },
		"multibyte at cap": func(r *ledger.StaffRead) { r.Subject = strings.Repeat("é", ledger.MaxSubjectLen/2+1) },
	}
	for name, mutate := range bad {
		r := ok
		mutate(&r)
		if got, err := e.st.LogStaffRead(e.ctx, r); err == nil {
			e.t.Errorf("%s: LogStaffRead accepted %+v", name, got)
		}
	}
	all, err := e.st.StaffReads(e.ctx, time.Time{}, 0)
	if err != nil || len(all) != 0 {
		e.t.Fatalf("refused entries reached the log: %+v, %v", all, err)
	}
	full := ok
	full.Subject = strings.Repeat("é", ledger.MaxSubjectLen/2)
	full.Staff = strings.Repeat("s", ledger.MaxStaffIDLen)
	full.ClientIP = strings.Repeat("f", ledger.MaxClientIPLen)
	if _, err := e.st.LogStaffRead(e.ctx, full); err != nil {
		e.t.Errorf("LogStaffRead at every bound: %v", err)
	}
}

func testStaffLogConcurrent(e *senv) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	ids := make(chan int64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r, err := e.st.LogStaffRead(e.ctx, ledger.StaffRead{At: e.now(), Staff: fmt.Sprintf("staff%d", w),
					Action: ledger.StaffAccount, Subject: fmt.Sprintf("user%d", i), ClientIP: "127.0.0.1"})
				if err != nil {
					errs <- err
					continue
				}
				ids <- r.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		e.t.Errorf("concurrent LogStaffRead: %v", err)
	}
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			e.t.Errorf("ID %d given twice", id)
		}
		seen[id] = true
	}
	all, err := e.st.StaffReads(e.ctx, time.Time{}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(all) != workers*each || len(seen) != workers*each {
		e.t.Fatalf("%d entries in the log, %d IDs returned; want %d", len(all), len(seen), workers*each)
	}
	per := map[string]int{}
	for _, r := range all {
		if !seen[r.ID] {
			e.t.Errorf("entry %d in the log was never returned", r.ID)
		}
		per[r.Staff]++
	}
	for w := range workers {
		if n := per[fmt.Sprintf("staff%d", w)]; n != each {
			e.t.Errorf("staff%d has %d entries, want %d", w, n, each)
		}
	}
}
