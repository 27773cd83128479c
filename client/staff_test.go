package client_test

import (
	"context"
	"testing"
	"time"

	"fastcheck/api"
	"fastcheck/client"
	"fastcheck/ledger"
	"fastcheck/server"
	"fastcheck/server/servertest"
)

func TestStaffCalls(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.Staff = server.DemoStaff() })
	ctx := ctxT(t)
	support := login(t, env, env.URL, "support")
	alice := login(t, env, env.URL, "alice")
	aliceID := userID(servertest.Demo(t, "alice"))
	created, err := alice.CreateCheck(ctx, 1234, "RUB")
	if err != nil {
		t.Fatal(err)
	}

	found, more, err := support.StaffFindAccounts(ctx, aliceID[:8])
	if err != nil || more || len(found) != 1 || found[0].UserID != aliceID || found[0].Balance != demoBalance-1234 {
		t.Fatalf("StaffFindAccounts = %+v, %v, %v", found, more, err)
	}
	acc, err := support.StaffAccount(ctx, aliceID)
	if err != nil || acc.UserID != aliceID || len(acc.Active) != 1 || acc.Active[0].Fastcheck != created.Fastcheck {
		t.Fatalf("StaffAccount = %+v, %v", acc, err)
	}
	ch, err := support.StaffCheck(ctx, created.Fastcheck)
	if err != nil || ch.Fastcheck != created.Fastcheck || ch.State != api.CheckActive || ch.Creator != aliceID {
		t.Fatalf("StaffCheck = %+v, %v", ch, err)
	}

	// Non-staff: forbidden, with the server's message.
	if _, _, err := alice.StaffFindAccounts(ctx, aliceID[:8]); wantKind(t, err, client.ErrForbidden).Message == "" {
		t.Fatal("a 403 without the server's message")
	}
	wantKind(t, func() error { _, err := alice.StaffAccount(ctx, aliceID); return err }(), client.ErrForbidden)
	wantKind(t, func() error { _, err := alice.StaffCheck(ctx, created.Fastcheck); return err }(), client.ErrForbidden)
	// Not found, and bad input refused before anything is sent.
	wantKind(t, func() error { _, err := support.StaffCheck(ctx, "0000-0000-0000"); return err }(), client.ErrNotFound)
	for _, p := range []string{"abc", "ab cd", "abc%"} {
		wantKind(t, func() error { _, _, err := support.StaffFindAccounts(ctx, p); return err }(), client.ErrBadRequest)
	}
	wantKind(t, func() error { _, err := support.StaffAccount(ctx, "alice"); return err }(), client.ErrBadRequest)
	wantKind(t, func() error { _, err := support.StaffCheck(ctx, "12-34"); return err }(), client.ErrBadRequest)

	log, err := env.Store.(ledger.Staff).StaffReads(context.Background(), time.Time{}, 0)
	if err != nil || len(log) != 4 {
		t.Fatalf("staff log = %+v, %v; want the 4 reads that reached the server as staff", log, err)
	}
}
