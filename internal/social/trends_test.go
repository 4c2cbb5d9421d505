package social_test

import (
	"fmt"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Trends rank posts by the engagement of the last day and hashtags by their
// rise against the days before; flagged engagement lifts nothing until a
// moderator clears it.
func TestTrendsIgnoreFlaggedEngagement(t *testing.T) {
	clock := &stepClock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	w := newWorldAt(t, clock)
	author, other := w.user("author"), w.user("other")
	var fans []*social.Actor
	for i := range 8 {
		fans = append(fans, w.user(fmt.Sprintf("fan%d", i)))
	}
	// A steady hashtag: three accounts use it every day for a week.
	for range 6 {
		for _, a := range fans[:3] {
			w.post(a, social.PostInput{Text: "daily #weather", Visibility: "public"})
		}
		clock.Advance(24 * time.Hour)
	}
	organic := w.post(author, social.PostInput{Text: "honest work #compost", Visibility: "public"})
	bought := w.post(other, social.PostInput{Text: "buy my #crowd", Visibility: "public"})
	for _, a := range fans[:3] {
		w.post(a, social.PostInput{Text: "still #weather", Visibility: "public"})
	}
	for _, a := range fans[3:6] {
		w.post(a, social.PostInput{Text: "new to #compost too", Visibility: "public"})
	}
	clock.Advance(time.Minute)
	for _, a := range fans[:3] {
		if err := w.svc.Favourite(w.ctx, a, organic.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range fans[3:8] {
		if err := w.svc.Favourite(w.ctx, a, bought.ID); err != nil {
			t.Fatal(err)
		}
	}
	viewer := w.user("viewer")
	trending := func() []int64 {
		t.Helper()
		vs, err := w.svc.TrendingStatuses(w.ctx, viewer, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return ids(vs)
	}
	if got := trending(); len(got) != 2 || got[0] != bought.ID || got[1] != organic.ID {
		t.Fatalf("before any flag: trending %v, want [bought %d, organic %d]", got, bought.ID, organic.ID)
	}

	// The integrity scan flags the five favourites of the bought post.
	var findingID int64
	err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error {
		f := &store.Finding{Signal: "dense_block", Score: 9, Reason: "test", Evidence: "{}", WindowFrom: clock.Now().Add(-time.Hour),
			WindowTo: clock.Now(), CreatedAt: clock.Now()}
		if err := tx.InsertFinding(w.ctx, f); err != nil {
			return err
		}
		findingID = f.ID
		for _, a := range fans[3:8] {
			if _, err := tx.FlagEngagement(w.ctx, store.EngagementRow{Kind: "favourite", AccountID: a.Account.ID, PostID: bought.ID,
				AuthorID: other.Account.ID, At: clock.Now()}, f.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := trending(); len(got) != 1 || got[0] != organic.ID {
		t.Fatalf("with the bought favourites flagged: trending %v, want only the organic post %d", got, organic.ID)
	}

	// Tags: #compost rose from nothing, #weather is steady, #crowd has one account.
	tags, err := w.svc.TrendingTags(w.ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].Tag.Name != "compost" || tags[0].Accounts != 4 {
		t.Fatalf("trending tags %+v, want only #compost used by 4 accounts", tags)
	}

	// A moderator clears the finding: the favourites count again.
	mod := w.user("mod")
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error {
		return tx.SetRole(w.ctx, mod.User.ID, model.RoleModerator)
	}); err != nil {
		t.Fatal(err)
	}
	mod.User.Role = model.RoleModerator
	if err := w.svc.DecideFinding(w.ctx, mod, findingID, social.DecisionClear); err != nil {
		t.Fatal(err)
	}
	if got := trending(); len(got) != 2 || got[0] != bought.ID {
		t.Fatalf("after clearing: trending %v, want the bought post first again", got)
	}

	// A day later nothing was engaged in the window: no trends.
	clock.Advance(25 * time.Hour)
	if got := trending(); len(got) != 0 {
		t.Fatalf("a day later: trending %v, want none", got)
	}
}
