package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

// TestAcceptRace: many checks, each accepted by 8 users at once over HTTP.
// Exactly one wins per check, and the invariants hold.
func TestAcceptRace(t *testing.T) {
	env := servertest.Start(t)
	creator := env.Login(t, env.Fund(t, 10_000_000))
	var takers []*servertest.Caller
	for i := 0; i < 8; i++ {
		takers = append(takers, env.Login(t, env.Fund(t, 0)))
	}
	const checks = 60
	var list []api.CreateCheckResponse
	for i := 0; i < checks; i++ {
		list = append(list, create(t, creator, int64(100+i)))
	}
	wins := make([]int32, checks)
	var wg sync.WaitGroup
	for i, ch := range list {
		for _, tk := range takers {
			wg.Add(1)
			go func(i int, ch api.CreateCheckResponse, tk *servertest.Caller) {
				defer wg.Done()
				r := accept(t, tk, ch.Fastcheck, ch.Code)
				switch r.Status {
				case 200:
					atomic.AddInt32(&wins[i], 1)
				case 410:
				default:
					t.Errorf("accept = %d %s", r.Status, r.Body)
				}
			}(i, ch, tk)
		}
	}
	wg.Wait()
	var paid int64
	for i, w := range wins {
		if w != 1 {
			t.Errorf("check %d had %d winners, want exactly 1", i, w)
		}
		paid += list[i].Amount
	}
	var total int64
	for _, tk := range takers {
		var b api.Balance
		tk.Do(t, "GET", "/balance", nil).JSON(t, &b)
		total += b.Balance
	}
	if total != paid {
		t.Fatalf("takers hold %d, checks were worth %d", total, paid)
	}
	servertest.RequireAudit(t, env)
}

// TestConcurrentWorkload is a bank-style workload over HTTP: creates,
// accepts, cancels, expiries and reads from several users, while a reader
// asserts conservation from one snapshot the whole time.
func TestConcurrentWorkload(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.CheckTTL = 400 * time.Millisecond })
	const users = 6
	var callers []*servertest.Caller
	for i := 0; i < users; i++ {
		callers = append(callers, env.Login(t, env.Fund(t, 1_000_000)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	var open sync.Map // number → code
	var ops, audits atomic.Int64
	var wg sync.WaitGroup
	for i, c := range callers {
		wg.Add(1)
		go func(i int, c *servertest.Caller) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for ctx.Err() == nil {
				switch rng.IntN(5) {
				case 0, 1:
					r := c.Do(t, "POST", "/fastcheck", []byte(fmt.Sprintf(`{"amount":%d,"currency":"RUB"}`, 1+rng.IntN(5000))))
					if r.Status == 200 {
						var cr api.CreateCheckResponse
						r.JSON(t, &cr)
						open.Store(cr.Fastcheck, [2]string{cr.Code, c.UserID})
					} else if r.Status != 402 {
						t.Errorf("create = %d %s", r.Status, r.Body)
					}
				case 2:
					open.Range(func(k, v any) bool {
						pair := v.([2]string)
						if pair[1] == c.UserID {
							return true
						}
						r := accept(t, c, k.(string), pair[0])
						if r.Status != 200 && r.Status != 410 {
							t.Errorf("accept = %d %s", r.Status, r.Body)
						}
						open.Delete(k)
						return false
					})
				case 3:
					open.Range(func(k, v any) bool {
						if v.([2]string)[1] != c.UserID {
							return true
						}
						r := c.Do(t, "DELETE", "/fastcheck/"+k.(string), nil)
						if r.Status != 200 && r.Status != 410 {
							t.Errorf("cancel = %d %s", r.Status, r.Body)
						}
						open.Delete(k)
						return false
					})
				case 4:
					if r := c.Do(t, "GET", "/fastcheck/history", nil); r.Status != 200 {
						t.Errorf("history = %d", r.Status)
					}
				}
				ops.Add(1)
			}
		}(i, c)
	}
	// The reader: conservation from one snapshot, over and over.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			rep, err := env.Store.Audit(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			tot := rep.Totals["RUB"]
			if tot.Users+tot.Active != tot.Inflows-tot.Outflows || tot.Escrow != tot.Active {
				t.Errorf("conservation broken mid-run: %+v", tot)
			}
			if !rep.OK() {
				t.Errorf("violations mid-run: %v", rep.Violations)
			}
			audits.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	wg.Wait()
	env.Clock.Advance(time.Second)
	env.Server.SweepOnce(context.Background())
	servertest.RequireAudit(t, env)
	rep, _ := env.Store.Audit(context.Background())
	if rep.Totals["RUB"].Active != 0 {
		t.Fatalf("after the final sweep %d is still in active checks", rep.Totals["RUB"].Active)
	}
	if ops.Load() < 50 || audits.Load() < 5 {
		t.Fatalf("workload too small to mean anything: %d ops, %d audits", ops.Load(), audits.Load())
	}
	// Expired checks did happen in this run, through the sweeper.
	var expired int
	for _, c := range callers {
		checks, _ := env.Store.History(context.Background(), c.UserID, 0)
		for _, ch := range checks {
			if ch.Status == ledger.StatusExpired {
				expired++
			}
		}
	}
	t.Logf("%d operations, %d mid-run audits, %d checks expired", ops.Load(), audits.Load(), expired)
}
