package api_test

import (
	"strings"
	"testing"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// TestMovedAndDeletedAccounts: an account that moved carries moved (the
// new Account) in the API; a deleted one's token stops working and the
// account is not found.
func TestMovedAndDeletedAccounts(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob := w.person("alice"), w.person("bob")
	actor := func(p *person) *social.Actor {
		t.Helper()
		a, err := w.svc.DB().Read().AccountByUsername(ctx, p.name, "")
		if err != nil {
			t.Fatal(err)
		}
		u, err := w.svc.DB().Read().UserByAccountID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return &social.Actor{User: u, Account: a}
	}
	before, err := bob.c.GetAccount(ctx, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	if before.Moved != nil {
		t.Fatal("moved before any move")
	}
	if _, err := w.svc.AddAlias(ctx, actor(bob), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.MoveAccount(ctx, actor(alice), "bob", password("alice")); err != nil {
		t.Fatal(err)
	}
	after, err := bob.c.GetAccount(ctx, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Moved == nil || after.Moved.ID != bob.id || after.Moved.Username != "bob" {
		t.Fatalf("moved: %+v", after.Moved)
	}

	if err := w.svc.DeleteAccount(ctx, actor(alice), password("alice")); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.c.GetAccountCurrentUser(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a deleted account's token: %v", err)
	}
	if _, err := bob.c.GetAccount(ctx, alice.id); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a deleted account: %v", err)
	}
}
