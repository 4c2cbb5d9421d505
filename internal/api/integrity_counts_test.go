package api_test

import (
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/store"
)

// TestFlaggedEngagementLeavesCounts checks that a favourite and a boost
// that integrity flagged leave the counts of the API's statuses, for
// everyone but the person who made them: they still see their own
// engagement counted, so nothing tells them it was discounted.
func TestFlaggedEngagementLeavesCounts(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	ctx := w.ctx
	alice, bob, carol := w.person("alice"), w.person("bob"), w.person("carol")
	post, err := alice.c.PostStatus(ctx, &mastodon.Toot{Status: "counted fairly #fair", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*person{bob, carol} {
		if _, err := p.c.Favourite(ctx, post.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bob.c.Reblog(ctx, post.ID); err != nil {
		t.Fatal(err)
	}

	// Integrity flags bob's favourite and boost.
	postID, err := model.ParseID(string(post.ID))
	if err != nil {
		t.Fatal(err)
	}
	bobID, _ := model.ParseID(string(bob.id))
	aliceID, _ := model.ParseID(string(alice.id))
	db := w.env.App.DB
	err = db.Tx(ctx, func(tx *store.Tx) error {
		now := time.Now()
		f := &store.Finding{Signal: "test", Score: 1, Reason: "flagged by the test", Evidence: "{}",
			WindowFrom: now.Add(-time.Hour), WindowTo: now, CreatedAt: now}
		if err := tx.InsertFinding(ctx, f); err != nil {
			return err
		}
		for _, kind := range []string{"favourite", "reblog"} {
			if _, err := tx.FlagEngagement(ctx, store.EngagementRow{Kind: kind, AccountID: bobID, PostID: postID,
				AuthorID: aliceID, At: now}, f.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// favourites, reblogs as each viewer sees them.
	want := map[string][2]int64{"anonymous": {1, 0}, "alice": {1, 0}, "carol": {1, 0}, "bob": {2, 1}}
	clients := map[string]*mastodon.Client{"anonymous": w.client(""), "alice": alice.c, "carol": carol.c, "bob": bob.c}
	for name, c := range clients {
		s, err := c.GetStatus(ctx, post.ID)
		if err != nil {
			t.Fatalf("%s reads the post: %v", name, err)
		}
		if got := [2]int64{s.FavouritesCount, s.ReblogsCount}; got != want[name] {
			t.Errorf("GET status as %s: favourites, reblogs = %v, want %v", name, got, want[name])
		}
		tl, err := c.GetTimelineHashtag(ctx, "fair", false, nil)
		if err != nil || len(tl) != 1 {
			t.Fatalf("tag timeline as %s: got %d, %v", name, len(tl), err)
		}
		if got := [2]int64{tl[0].FavouritesCount, tl[0].ReblogsCount}; got != want[name] {
			t.Errorf("tag timeline as %s: favourites, reblogs = %v, want %v", name, got, want[name])
		}
	}
	// The answer to an action shows the same counts.
	if s, err := bob.c.Bookmark(ctx, post.ID); err != nil || s.FavouritesCount != 2 || s.ReblogsCount != 1 {
		t.Errorf("bookmark answer to bob: got %d favourites, %d reblogs (%v), want 2, 1", s.FavouritesCount, s.ReblogsCount, err)
	}
	if s, err := carol.c.Bookmark(ctx, post.ID); err != nil || s.FavouritesCount != 1 || s.ReblogsCount != 0 {
		t.Errorf("bookmark answer to carol: got %d favourites, %d reblogs (%v), want 1, 0", s.FavouritesCount, s.ReblogsCount, err)
	}
	// Bob's boost, as alice's notifications or bob's profile show it,
	// wraps the post with the counts of the viewer.
	boosts, err := carol.c.GetAccountStatuses(ctx, bob.id, nil)
	if err != nil || len(boosts) != 1 || boosts[0].Reblog == nil {
		t.Fatalf("bob's statuses as carol: got %d, %v", len(boosts), err)
	}
	if r := boosts[0].Reblog; r.FavouritesCount != 1 || r.ReblogsCount != 0 {
		t.Errorf("boosted post as carol: got %d favourites, %d reblogs, want 1, 0", r.FavouritesCount, r.ReblogsCount)
	}
}
