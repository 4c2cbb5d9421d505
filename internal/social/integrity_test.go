package social_test

import (
	"fmt"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// quickUser creates a person without hashing a password (for crowds).
func (w *world) quickUser(name string, created time.Time) *social.Actor {
	w.t.Helper()
	var a *model.Account
	var u *model.User
	err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error {
		a = &model.Account{Username: name, CreatedAt: created}
		if err := tx.CreateAccount(w.ctx, a); err != nil {
			return err
		}
		var err error
		u, err = tx.CreateUser(w.ctx, a.ID, store.NewUser{PasswordHash: "x", Role: model.RoleUser, Approved: true})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return &social.Actor{User: u, Account: a}
}

// Fifty accounts favouriting the same thirty posts within ten minutes are
// caught; their favourites leave the counts, except for themselves; a
// moderator clearing the finding restores them.
func TestLockstepFavouritesAreDiscounted(t *testing.T) {
	clock := &stepClock{t: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)}
	w := newWorldAt(t, clock)
	admin := w.user("admin")
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error { return tx.SetRole(w.ctx, admin.User.ID, model.RoleAdmin) }); err != nil {
		t.Fatal(err)
	}
	admin.User.Role = model.RoleAdmin
	author := w.quickUser("brand", clock.Now().Add(-400*24*time.Hour))
	var posts []*model.Post
	for i := 0; i < 30; i++ {
		posts = append(posts, w.post(author, social.PostInput{Text: fmt.Sprintf("product news %d", i)}))
		clock.Advance(time.Minute)
	}
	// Organic readers: a few favourites each, spread over two days.
	var organic []*social.Actor
	for i := 0; i < 40; i++ {
		organic = append(organic, w.quickUser(fmt.Sprintf("reader%d", i), clock.Now().Add(-300*24*time.Hour)))
	}
	for day := 0; day < 2; day++ {
		for i, r := range organic {
			if err := w.svc.Favourite(w.ctx, r, posts[(i*7+day*3)%len(posts)].ID); err != nil {
				t.Fatal(err)
			}
			clock.Advance(17 * time.Minute)
		}
	}
	// The manipulation: 50 fresh accounts, same 30 posts, ten minutes.
	var socks []*social.Actor
	for i := 0; i < 50; i++ {
		socks = append(socks, w.quickUser(fmt.Sprintf("sock%d", i), clock.Now().Add(-2*time.Hour)))
	}
	for _, p := range posts {
		for _, s := range socks {
			if err := w.svc.Favourite(w.ctx, s, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(20 * time.Second)
	}
	// Engagement also queues scans in the background; run one now to be
	// sure everything was judged.
	if _, err := w.svc.IntegrityScan(w.ctx, social.ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	after, _ := w.svc.View(w.ctx, author, posts[0].ID)
	total := after.Post.FavouritesCount + after.Post.DiscountedFavs
	if total < 50 || after.Post.DiscountedFavs < 45 || after.Post.FavouritesCount != total-after.Post.DiscountedFavs {
		t.Fatalf("favourites %d, discounted %d: the sock favourites still count", after.Post.FavouritesCount, after.Post.DiscountedFavs)
	}
	before := total
	// The sock still sees its favourite counted.
	own, _ := w.svc.View(w.ctx, socks[0], posts[0].ID)
	if own.FavouritesShown != after.Post.FavouritesCount+1 || !own.Favourited {
		t.Fatalf("the engager sees %d, want %d", own.FavouritesShown, after.Post.FavouritesCount+1)
	}
	// No organic reader is flagged.
	for _, r := range organic {
		v, _ := w.svc.View(w.ctx, r, posts[0].ID)
		if v.FavouritesShown != v.Post.FavouritesCount {
			t.Fatalf("an organic reader's favourite was flagged")
		}
	}
	fs, err := w.svc.Findings(w.ctx, admin, "pending")
	if err != nil || len(fs) == 0 {
		t.Fatalf("review queue: %v %d", err, len(fs))
	}
	if _, err := w.svc.Findings(w.ctx, author, ""); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Fatalf("a user reading the review queue: %v", err)
	}
	fv, err := w.svc.Finding(w.ctx, admin, fs[0].ID)
	if err != nil || len(fv.Flags) == 0 || fv.Evidence.Reason == "" {
		t.Fatalf("finding evidence: %v %+v", err, fv)
	}
	// Clearing restores every count; confirming takes them out again.
	for _, f := range fs {
		if err := w.svc.DecideFinding(w.ctx, admin, f.ID, social.DecisionClear); err != nil {
			t.Fatal(err)
		}
	}
	restored, _ := w.svc.View(w.ctx, author, posts[0].ID)
	if restored.Post.FavouritesCount != before || restored.Post.DiscountedFavs != 0 {
		t.Fatalf("after clearing: %d (discounted %d), want %d", restored.Post.FavouritesCount, restored.Post.DiscountedFavs, before)
	}
	for _, f := range fs {
		if err := w.svc.DecideFinding(w.ctx, admin, f.ID, social.DecisionConfirm); err != nil {
			t.Fatal(err)
		}
	}
	again, _ := w.svc.View(w.ctx, author, posts[0].ID)
	if again.Post.FavouritesCount != after.Post.FavouritesCount {
		t.Fatalf("after confirming: %d, want %d", again.Post.FavouritesCount, after.Post.FavouritesCount)
	}
	// Taking back a flagged favourite keeps the counters right.
	if err := w.svc.Unfavourite(w.ctx, socks[0], posts[0].ID); err != nil {
		t.Fatal(err)
	}
	last, _ := w.svc.View(w.ctx, author, posts[0].ID)
	if last.Post.FavouritesCount != again.Post.FavouritesCount || last.Post.DiscountedFavs != again.Post.DiscountedFavs-1 {
		t.Fatalf("after unfavouriting a flagged favourite: count %d discounted %d", last.Post.FavouritesCount, last.Post.DiscountedFavs)
	}
	// A second scan does not flag the same engagement twice.
	rep2, err := w.svc.IntegrityScan(w.ctx, social.ScanOptions{})
	if err != nil || rep2.Flagged != 0 {
		t.Fatalf("second scan: %+v %v", rep2, err)
	}
}
