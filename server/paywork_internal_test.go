package server

import "testing"

// TestExplain: a withdrawal of unknown outcome is settled only when
// exactly one outcome fits the balance change, late-recorded orders
// included.
func TestExplain(t *testing.T) {
	const coins = 100
	for _, c := range []struct {
		name          string
		d             int64
		late          []int64
		sent, notSent bool
	}{
		{"sent, nothing late", -100, nil, true, false},
		{"not sent, nothing late", 0, nil, false, true},
		{"neither", -37, nil, false, false},
		{"an inflow the ledger has not seen yet", 50, nil, false, false},
		{"sent, with a late order", -130, []int64{30}, true, false},
		{"not sent, with a late order", -30, []int64{30}, false, true},
		{"not sent, a late order recorded but closed after the claim", 0, []int64{30}, false, true},
		{"sent, two of three late orders", -100 - 30 - 7, []int64{30, 7, 1000}, true, false},
		{"a late order of exactly the coins: cannot tell", -100, []int64{100}, true, true},
		{"too many late orders", -100, make([]int64, maxLateOrders+1), true, true},
	} {
		sent, notSent := explain(c.d, coins, c.late)
		if sent != c.sent || notSent != c.notSent {
			t.Errorf("%s: explain(%d, %d, %v) = sent %v, not sent %v; want %v, %v", c.name, c.d, coins, c.late, sent, notSent, c.sent, c.notSent)
		}
	}
}
