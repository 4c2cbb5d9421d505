package social_test

import (
	"context"
	"slices"
	"testing"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// A post whose author has a small audience is in its followers' feeds as
// soon as it is acknowledged, with no job; a larger audience is written by
// a fan-out job naming the post; a job queued by an earlier version (one
// post in post_id) is still worked.
func TestFanOutInlineOrByJob(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	w := &world{t: t, svc: env.App.Service, ctx: context.Background()}
	author, star, follower := w.user("author"), w.user("star"), w.user("follower")
	w.follow(follower, author)
	w.follow(follower, star)
	db := env.App.DB
	feed := func() []int64 {
		ids, err := db.Read().FeedIDs(w.ctx, follower.Account.ID, store.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	jobsNaming := func(id int64) int {
		var n int
		q := `SELECT count(*) FROM river_job j WHERE j.kind = 'fan_out' AND (json_extract(j.args, '$.post_id') = $1
			OR EXISTS (SELECT 1 FROM json_each(j.args, '$.post_ids') e WHERE e.value = $1))`
		if db.Engine() == store.Postgres {
			q = `SELECT count(*) FROM river_job j WHERE j.kind = 'fan_out' AND (j.args->'post_id' = to_jsonb($1::bigint)
				OR j.args->'post_ids' @> to_jsonb($1::bigint))`
		}
		if err := db.SQL().QueryRow(q, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	small := w.post(author, social.PostInput{Text: "for my few followers"}).ID
	if !slices.Contains(feed(), small) {
		t.Fatal("a post of a small audience is not in the follower's feed once acknowledged")
	}
	if n := jobsNaming(small); n != 0 {
		t.Errorf("a post of a small audience is named by %d fan-out jobs, want none", n)
	}

	// The star gets more followers than are written with a post.
	servertest.AddFollowers(t, db, star.Account.ID, social.InlineFanOut+1)
	large := w.post(star, social.PostInput{Text: "for my many followers"}).ID
	if n := jobsNaming(large); n != 1 {
		t.Errorf("a post of a large audience is named by %d fan-out jobs, want 1", n)
	}
	eventually(t, "the star's post in the follower's feed", func() bool { return slices.Contains(feed(), large) })

	// A job of the earlier shape, for a post taken out of the feed again.
	if _, err := db.SQL().Exec("DELETE FROM home_feed WHERE account_id = $1 AND post_id = $2", follower.Account.ID, small); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(feed(), small) {
		t.Fatal("the post is still in the feed")
	}
	if err := db.Tx(w.ctx, func(tx *store.Tx) error {
		return env.App.Queue.Enqueue(w.ctx, tx.SQL(), social.FanOutArgs{PostID: small}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the post back in the feed by a job naming it in post_id", func() bool {
		return slices.Contains(feed(), small)
	})
}
