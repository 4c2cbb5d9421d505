package social_test

import (
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

func (w *world) account(id int64) *model.Account {
	w.t.Helper()
	a, err := w.svc.DB().Read().AccountByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func wantFormError(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil || model.ErrorCode(err) != model.EINVALID || !strings.Contains(err.Error(), contains) {
		t.Fatalf("got %v, want a form error saying %q", err, contains)
	}
}

// TestDeleteAccount deletes an account with posts, boosts, favourites,
// follows and a session: it is unusable at once, its content goes in the
// background with every counter it touched, and its name stays taken.
func TestDeleteAccount(t *testing.T) {
	w := newWorld(t)
	alice, bob, carol := w.user("alice"), w.user("bob"), w.user("carol")
	dave := w.user("dave")
	w.follow(bob, alice)
	w.follow(carol, alice)
	w.follow(dave, alice)
	w.follow(alice, carol)
	cp := w.post(carol, social.PostInput{Text: "carol's post"})
	ap := w.post(alice, social.PostInput{Text: "alice's post"})
	w.post(alice, social.PostInput{Text: "a reply", InReplyToID: cp.ID})
	if _, err := w.svc.Reblog(w.ctx, alice, cp.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Favourite(w.ctx, alice, cp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Reblog(w.ctx, bob, ap.ID, ""); err != nil {
		t.Fatal(err)
	}
	sess, err := w.svc.Login(w.ctx, social.LoginInput{Login: "alice", Password: "password of alice", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}

	// A wrong or missing password deletes nothing.
	wantFormError(t, w.svc.DeleteAccount(w.ctx, alice, "not the password"), "password is wrong")
	wantFormError(t, w.svc.DeleteAccount(w.ctx, alice, ""), "password")
	if w.account(alice.Account.ID).Deleted() {
		t.Fatal("deleted with a wrong password")
	}
	// Someone else cannot delete it; only an admin can, not a moderator.
	if err := w.svc.AdminDeleteAccount(w.ctx, bob, alice.Account.ID); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a plain user deleting another account: %v", err)
	}

	if err := w.svc.DeleteAccount(w.ctx, alice, "password of alice"); err != nil {
		t.Fatal(err)
	}
	a := w.account(alice.Account.ID)
	if !a.Deleted() || !a.Suspended() {
		t.Fatal("the account is not marked deleted and suspended")
	}
	if _, err := w.svc.Authenticate(w.ctx, sess.Token); err == nil {
		t.Fatal("the session still works after deletion")
	}
	if _, err := w.svc.Login(w.ctx, social.LoginInput{Login: "alice", Password: "password of alice", IP: "192.0.2.2"}); err == nil {
		t.Fatal("logged in to a deleted account")
	}
	if _, err := w.svc.CreateUser(w.ctx, social.SignupInput{Username: "Alice", Password: "another password"}); err == nil {
		t.Fatal("a deleted account's username was given again")
	}
	if err := w.svc.DeleteAccount(w.ctx, alice, "password of alice"); err == nil {
		t.Fatal("deleted twice")
	}

	eventually(t, "the purge", func() bool {
		var n int
		if err := w.svc.DB().ReadSQL().QueryRowContext(w.ctx, "SELECT count(*) FROM posts WHERE account_id = $1",
			alice.Account.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := w.svc.DB().ReadSQL().QueryRowContext(w.ctx, `SELECT count(*) FROM notifications
			WHERE account_id = $1 OR from_account_id = $1`, alice.Account.ID).Scan(&left); err != nil {
			t.Fatal(err)
		}
		// The notifications go in the purge's last transaction.
		return n == 0 && left == 0 && w.account(bob.Account.ID).FollowingCount == 0
	})
	c := w.account(carol.Account.ID)
	if c.FollowersCount != 0 || c.FollowingCount != 0 || w.account(dave.Account.ID).FollowingCount != 0 {
		t.Errorf("carol still counts %d followers, %d followed", c.FollowersCount, c.FollowingCount)
	}
	b := w.account(bob.Account.ID)
	if b.StatusesCount != 0 {
		t.Errorf("bob's boost of a deleted post still counts: %d statuses", b.StatusesCount)
	}
	cpost, err := w.svc.DB().Read().PostByID(w.ctx, cp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cpost.RepliesCount != 0 || cpost.ReblogsCount != 0 || cpost.FavouritesCount != 0 {
		t.Errorf("carol's post still counts replies %d, boosts %d, favourites %d", cpost.RepliesCount,
			cpost.ReblogsCount, cpost.FavouritesCount)
	}
	var rows int
	for _, q := range []string{"SELECT count(*) FROM follows WHERE account_id = $1 OR target_id = $1",
		"SELECT count(*) FROM favourites WHERE account_id = $1", "SELECT count(*) FROM users WHERE account_id = $1",
		"SELECT count(*) FROM notifications WHERE account_id = $1 OR from_account_id = $1"} {
		if err := w.svc.DB().ReadSQL().QueryRowContext(w.ctx, q, alice.Account.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 0 {
			t.Errorf("%s: %d rows left", q, rows)
		}
	}
}

// TestAdminDeletesAccount: an admin deletes someone's account, not their
// own (that needs the password), and never the last admin.
func TestAdminDeletesAccount(t *testing.T) {
	w := newWorld(t)
	root, bob := w.user("root"), w.user("bob")
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error { return tx.SetRole(w.ctx, root.User.ID, model.RoleAdmin) }); err != nil {
		t.Fatal(err)
	}
	root.User.Role = model.RoleAdmin
	if err := w.svc.AdminDeleteAccount(w.ctx, root, root.Account.ID); err == nil {
		t.Fatal("an admin deleted their own account without a password")
	}
	if err := w.svc.DeleteAccount(w.ctx, root, "password of root"); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("the last admin deleted their account: %v", err)
	}
	if err := w.svc.AdminDeleteAccount(w.ctx, root, bob.Account.ID); err != nil {
		t.Fatal(err)
	}
	if !w.account(bob.Account.ID).Deleted() {
		t.Fatal("not deleted")
	}
}

// TestMoveAccount moves a local account to another local one: every bad
// request is refused with a form message and nothing written; once the
// new account lists the old one as an alias, the move is recorded and
// the local followers follow the new account.
func TestMoveAccount(t *testing.T) {
	w := newWorld(t)
	old, next, fan := w.user("oldname"), w.user("newname"), w.user("fan")
	w.follow(fan, old)

	_, err := w.svc.MoveAccount(w.ctx, old, "newname", "wrong password")
	wantFormError(t, err, "password is wrong")
	_, err = w.svc.MoveAccount(w.ctx, old, "nobody-here", "password of oldname")
	wantFormError(t, err, "no account found")
	_, err = w.svc.MoveAccount(w.ctx, old, "nobody@unknown.invalid", "password of oldname")
	wantFormError(t, err, "no account found")
	_, err = w.svc.MoveAccount(w.ctx, old, "oldname", "password of oldname")
	wantFormError(t, err, "same account")
	_, err = w.svc.MoveAccount(w.ctx, old, "newname", "password of oldname")
	wantFormError(t, err, "does not list this account")
	if w.account(old.Account.ID).MovedToID != 0 {
		t.Fatal("a refused move was recorded")
	}

	if _, err := w.svc.AddAlias(w.ctx, next, "newname"); err == nil {
		t.Fatal("an account was made its own alias")
	}
	al, err := w.svc.AddAlias(w.ctx, next, "@oldname")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(al.URI, "/users/oldname") {
		t.Fatalf("alias uri %q", al.URI)
	}
	to, err := w.svc.MoveAccount(w.ctx, old, "newname", "password of oldname")
	if err != nil {
		t.Fatal(err)
	}
	if to.ID != next.Account.ID || w.account(old.Account.ID).MovedToID != next.Account.ID {
		t.Fatal("the move is not recorded")
	}
	eventually(t, "the follower moved", func() bool {
		_, e1 := w.svc.DB().Read().FollowOf(w.ctx, fan.Account.ID, next.Account.ID)
		_, e2 := w.svc.DB().Read().FollowOf(w.ctx, fan.Account.ID, old.Account.ID)
		return e1 == nil && model.IsNotFound(e2)
	})
	if err := w.svc.RemoveAlias(w.ctx, next, al.URI); err != nil {
		t.Fatal(err)
	}
	if as, _ := w.svc.Aliases(w.ctx, next); len(as) != 0 {
		t.Fatalf("aliases after removal: %v", as)
	}
}

// TestDeletedAccountStaysSuspended: a moderator cannot bring a deleted
// account back.
func TestDeletedAccountStaysSuspended(t *testing.T) {
	w := newWorld(t)
	mod, bob := w.user("mod"), w.user("bob")
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error { return tx.SetRole(w.ctx, mod.User.ID, model.RoleModerator) }); err != nil {
		t.Fatal(err)
	}
	mod.User.Role = model.RoleModerator
	if err := w.svc.DeleteAccount(w.ctx, bob, "password of bob"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Unsuspend(w.ctx, mod, bob.Account.ID); model.ErrorCode(err) != model.ECONFLICT {
		t.Fatalf("unsuspending a deleted account: %v", err)
	}
	if !w.account(bob.Account.ID).Suspended() {
		t.Fatal("the deleted account is no longer suspended")
	}
}
