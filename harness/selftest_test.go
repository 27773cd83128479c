package harness

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestHarnessCanFail shows that the harness's checks catch what they are
// there to catch: acknowledged operations the server does not hold, and
// money created in the database behind the ledger's back.
func TestHarnessCanFail(t *testing.T) {
	ctx := context.Background()
	s := newSystem(t, "selftest", nil, 1, false)
	us, err := s.users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := us[0], us[1]
	real, err := alice.c.CreateCheck(ctx, 700, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	h := newHistory()
	// Claims the server never acknowledged: a check that does not exist,
	// an accept and a cancel of a check that is still active, a wrong amount.
	h.creates["0000000000000000"] = &createAck{number: "0000000000000000", code: "000000", creator: alice, amount: 5}
	h.creates[real.Fastcheck] = &createAck{number: real.Fastcheck, code: real.Code, creator: alice, amount: 701}
	h.accepts[real.Fastcheck] = []*user{bob}
	h.cancels[real.Fastcheck] = true
	s.verify(ctx, t, us, h)
	want := []string{"is gone", "holds 700, created with 701", "acknowledged accept of " + real.Fastcheck, "acknowledged cancel of " + real.Fastcheck}
	got := strings.Join(h.violations, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("verify did not report %q; it reported:\n%s", w, got)
		}
	}

	path, err := h.dump("selftest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"check":"`+real.Fastcheck+`","op":"accept"`) || !strings.Contains(string(b), `"violation"`) {
		t.Errorf("the dump of the acknowledged operations lacks the accept or the violations:\n%s", b)
	}

	if res := s.audit(ctx); !res.ran || !res.ok {
		t.Fatalf("audit of an untouched ledger: ran %v ok %v\n%s", res.ran, res.ok, res.output)
	}
	// 1.00 RUB out of nowhere: a balance no journal entry explains.
	if err := s.reps[0].stop(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+s.db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE accounts SET balance = balance + 100 WHERE user_id = ?`, bob.id); err != nil {
		t.Fatal(err)
	}
	res := s.audit(ctx)
	if !res.ran || res.ok || len(res.violations) == 0 {
		t.Fatalf("the audit missed money created behind the ledger's back: ran %v ok %v\n%s", res.ran, res.ok, res.output)
	}
	t.Logf("audit caught it: %s", strings.Join(res.violations, "; "))
}
