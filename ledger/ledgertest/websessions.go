package ledgertest

import (
	"errors"
	"fmt"
	"time"

	"fastcheck/api"
	"fastcheck/ledger"
)

const qrLifetime = 120 * time.Second

func (e *env) newSession() ledger.Websession {
	e.t.Helper()
	w := ledger.Websession{
		ID:        api.NewID(),
		PublicKey: hash("client key " + e.now().String()),
		ClientIP:  "192.0.2.7",
		CreatedAt: e.now(),
		ExpiresAt: e.now().Add(qrLifetime),
		State:     ledger.SessionPending,
	}
	must(e.t, "CreateWebsession", e.s.CreateWebsession(e.ctx, w))
	return w
}

func (e *env) approval(w ledger.Websession, user string) ledger.Approval {
	return ledger.Approval{SessionID: w.ID, UserID: user, Currency: "RUB", UserSessionID: api.NewID(),
		Now: e.now(), ExpiresAt: e.now().Add(24 * time.Hour)}
}

func sameSession(e *env, what string, got, want ledger.Websession) {
	e.t.Helper()
	if got.ID != want.ID || string(got.PublicKey) != string(want.PublicKey) || got.ClientIP != want.ClientIP ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || got.State != want.State ||
		got.UserID != want.UserID || got.UserSessionID != want.UserSessionID || !got.ApprovedAt.Equal(want.ApprovedAt) {
		e.t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func testWebsessions(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	w := e.newSession()
	got, err := s.Websession(ctx, w.ID)
	must(t, "Websession", err)
	sameSession(e, "stored websession", got, w)
	if err := s.CreateWebsession(ctx, w); err == nil {
		t.Fatal("CreateWebsession with an existing id succeeded")
	}
	_, err = s.Websession(ctx, api.NewID())
	wantErr(t, "Websession(unknown)", err, ledger.ErrNotFound)

	e.clock.Advance(10 * time.Second)
	ap := e.approval(w, "alice")
	ok, err := s.ApproveWebsession(ctx, ap)
	must(t, "ApproveWebsession", err)
	want := w
	want.State, want.UserID, want.UserSessionID, want.ApprovedAt, want.ExpiresAt =
		ledger.SessionApproved, "alice", ap.UserSessionID, ap.Now, ap.ExpiresAt
	sameSession(e, "approved websession", ok, want)
	got, err = s.Websession(ctx, w.ID)
	must(t, "Websession", err)
	sameSession(e, "stored approved websession", got, want)
	a, err := s.Account(ctx, "alice")
	must(t, "the approval opened an account", err)
	if a.Currency != "RUB" || a.Balance != 0 {
		t.Fatalf("account opened by approval = %+v", a)
	}
	_, err = s.ApproveWebsession(ctx, e.approval(w, "bob"))
	wantErr(t, "approving twice", err, ledger.ErrSessionNotPending)
	_, err = s.ApproveWebsession(ctx, e.approval(ledger.Websession{ID: api.NewID()}, "bob"))
	wantErr(t, "approving an unknown session", err, ledger.ErrNotFound)

	// An existing account keeps its currency.
	e.open("bob", "USD")
	w2 := e.newSession()
	_, err = s.ApproveWebsession(ctx, e.approval(w2, "bob"))
	must(t, "approval for an existing user", err)
	if a, _ := s.Account(ctx, "bob"); a.Currency != "USD" {
		t.Fatalf("approval changed bob's currency to %s", a.Currency)
	}

	// Expired: at and after its end, never approved.
	w3 := e.newSession()
	e.clock.Set(w3.ExpiresAt)
	_, err = s.ApproveWebsession(ctx, e.approval(w3, "carol"))
	wantErr(t, "approving at expiry", err, ledger.ErrSessionExpired)
	e.clock.Advance(time.Second)
	_, err = s.ApproveWebsession(ctx, e.approval(w3, "carol"))
	wantErr(t, "approving after expiry", err, ledger.ErrSessionExpired)
	if got, _ := s.Websession(ctx, w3.ID); got.State != ledger.SessionPending || got.UserID != "" {
		t.Fatalf("expired session changed: %+v", got)
	}
	if _, err := s.Account(ctx, "carol"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("a refused approval opened an account: %v", err)
	}

	// Deleted: never approved.
	w4 := e.newSession()
	must(t, "DeleteWebsession", s.DeleteWebsession(ctx, w4.ID, e.now()))
	got, err = s.Websession(ctx, w4.ID)
	must(t, "Websession of a deleted session", err)
	if got.State != ledger.SessionDeleted {
		t.Fatalf("deleted session has state %q", got.State)
	}
	_, err = s.ApproveWebsession(ctx, e.approval(w4, "dave"))
	wantErr(t, "approving a deleted session", err, ledger.ErrSessionNotPending)
	wantErr(t, "deleting twice", s.DeleteWebsession(ctx, w4.ID, e.now()), ledger.ErrNotFound)
	wantErr(t, "deleting an unknown session", s.DeleteWebsession(ctx, api.NewID(), e.now()), ledger.ErrNotFound)

	// Logging out deletes an approved session.
	must(t, "deleting an approved session", s.DeleteWebsession(ctx, w.ID, e.now()))
	if got, _ := s.Websession(ctx, w.ID); got.State != ledger.SessionDeleted {
		t.Fatalf("logged-out session has state %q", got.State)
	}
}

func testWebsessionApprovalRace(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	for round := 0; round < 5; round++ {
		w := e.newSession()
		errs := make([]error, 8)
		parallel(8, func(i int) {
			_, errs[i] = s.ApproveWebsession(ctx, e.approval(w, fmt.Sprintf("phone%d-%d", round, i)))
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: approvals %d and %d both succeeded", round, winner, i)
				}
				winner = i
			case errors.Is(err, ledger.ErrSessionNotPending):
			default:
				t.Fatalf("round %d: approval %d: %v", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no approval succeeded", round)
		}
		got, err := s.Websession(ctx, w.ID)
		must(t, "Websession", err)
		if got.State != ledger.SessionApproved || got.UserID != fmt.Sprintf("phone%d-%d", round, winner) {
			t.Fatalf("round %d: session %+v, want approved by phone %d", round, got, winner)
		}
		for i := range errs {
			_, err := s.Account(ctx, fmt.Sprintf("phone%d-%d", round, i))
			if (i == winner) != (err == nil) {
				t.Fatalf("round %d: account of phone %d: %v (winner %d)", round, i, err, winner)
			}
		}
	}
}

func testWebsessionDeleteApproveRace(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	for round := 0; round < 10; round++ {
		w := e.newSession()
		var delErr, apErr error
		parallel(2, func(i int) {
			if i == 0 {
				delErr = s.DeleteWebsession(ctx, w.ID, e.now())
			} else {
				_, apErr = s.ApproveWebsession(ctx, e.approval(w, "phone"))
			}
		})
		must(t, "DeleteWebsession", delErr)
		if apErr != nil && !errors.Is(apErr, ledger.ErrSessionNotPending) {
			t.Fatalf("approval racing a delete: %v", apErr)
		}
		got, err := s.Websession(ctx, w.ID)
		must(t, "Websession", err)
		if got.State != ledger.SessionDeleted {
			t.Fatalf("after a delete the session is %q", got.State)
		}
		_, err = s.ApproveWebsession(ctx, e.approval(w, "phone"))
		wantErr(t, "approval after delete", err, ledger.ErrSessionNotPending)
	}
}

// testWebsessionReadsRaceChanges reads sessions as fast as it can while
// they are approved and deleted: once a change has returned, no read may
// show the session as it was before (a store that keeps sessions in memory
// must not keep a row read just before the change).
func testWebsessionReadsRaceChanges(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	for round := 0; round < 20; round++ {
		w := e.newSession()
		stop := make(chan struct{})
		done := make(chan error, 3)
		for range 3 {
			go func() {
				for {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					if _, err := s.Websession(ctx, w.ID); err != nil {
						done <- err
						return
					}
				}
			}()
		}
		_, err := s.ApproveWebsession(ctx, e.approval(w, "phone"))
		must(t, "ApproveWebsession", err)
		if got, err := s.Websession(ctx, w.ID); err != nil || got.State != ledger.SessionApproved {
			t.Fatalf("round %d: read after the approval returned: %q, %v", round, got.State, err)
		}
		must(t, "DeleteWebsession", s.DeleteWebsession(ctx, w.ID, e.now()))
		if got, err := s.Websession(ctx, w.ID); err != nil || got.State != ledger.SessionDeleted {
			t.Fatalf("round %d: read after the delete returned: %q, %v", round, got.State, err)
		}
		close(stop)
		for range 3 {
			must(t, "Websession while it changed", <-done)
		}
	}
}

func testPurge(e *env) {
	t, s, ctx := e.t, e.s, e.ctx
	e.fund("alice", 1000)
	t0 := e.now()
	pending := e.newSession() // ends t0+120s
	approved := e.newSession()
	ap := e.approval(approved, "bob")
	ap.ExpiresAt = t0.Add(time.Hour)
	_, err := s.ApproveWebsession(ctx, ap)
	must(t, "ApproveWebsession", err)
	deleted := e.newSession()
	must(t, "DeleteWebsession", s.DeleteWebsession(ctx, deleted.ID, t0))
	e.clock.Advance(2 * time.Hour)
	late := e.newSession() // ends t0+2h+120s

	req := e.createReq("alice", 100)
	req.Idem = idem("purge-key", "create 100")
	r1, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck", err)

	// Purge sessions that ended before t0+10m: the pending and the deleted
	// ones. Idempotency records are kept.
	must(t, "Purge", s.Purge(ctx, t0.Add(10*time.Minute), t0))
	for _, w := range []ledger.Websession{pending, deleted} {
		_, err := s.Websession(ctx, w.ID)
		wantErr(t, "Websession after purge", err, ledger.ErrNotFound)
	}
	for _, w := range []ledger.Websession{approved, late} {
		_, err := s.Websession(ctx, w.ID)
		must(t, "Websession that has not ended", err)
	}
	r2, err := s.CreateCheck(ctx, req)
	must(t, "replay after a purge that keeps the key", err)
	if !r2.Replayed || r2.Check.Number != r1.Check.Number {
		t.Fatalf("the key was not kept: %+v", r2)
	}

	// Purge idempotency records created before now+1ms: the key is forgotten.
	must(t, "Purge", s.Purge(ctx, t0, e.now().Add(time.Millisecond)))
	r3, err := s.CreateCheck(ctx, req)
	must(t, "CreateCheck after its key was purged", err)
	if r3.Replayed || r3.Check.Number == r1.Check.Number {
		t.Fatalf("a purged key still replays: %+v", r3)
	}
	e.wantBalance("alice", 800)
	if _, err := s.Websession(ctx, approved.ID); err != nil {
		t.Fatalf("the approved session (ends t0+1h) was purged by a cutoff of t0: %v", err)
	}
}
