package social_test

import (
	"context"
	"slices"
	"testing"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Posts published together share one fan-out job naming them all; a job
// queued before that (one post in post_id) is still worked.
func TestFanOutJobsNameTheirPosts(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	w := &world{t: t, svc: env.App.Service, ctx: context.Background()}
	author, follower := w.user("author"), w.user("follower")
	w.follow(follower, author)
	db := env.App.DB
	// The feed table itself: a home page may also be computed from the
	// follow graph.
	home := func() []int64 {
		rows, err := db.SQL().Query("SELECT post_id FROM home_feed WHERE account_id = $1", follower.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	var posts []int64
	for range 3 {
		posts = append(posts, w.post(author, social.PostInput{Text: "for my followers"}).ID)
	}
	eventually(t, "the posts in the follower's home", func() bool {
		h := home()
		return slices.Contains(h, posts[0]) && slices.Contains(h, posts[1]) && slices.Contains(h, posts[2])
	})
	for _, id := range posts {
		var n int
		q := `SELECT count(*) FROM river_job j, json_each(j.args, '$.post_ids') e WHERE j.kind = 'fan_out' AND e.value = $1`
		if db.Engine() == store.Postgres {
			q = `SELECT count(*) FROM river_job j WHERE j.kind = 'fan_out' AND j.args->'post_ids' @> to_jsonb($1::bigint)`
		}
		if err := db.SQL().QueryRow(q, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("post %d is named by %d fan-out jobs, want 1", id, n)
		}
	}
	// A job of the earlier shape, for a post taken out of the feed again.
	if _, err := db.SQL().Exec("DELETE FROM home_feed WHERE account_id = $1 AND post_id = $2", follower.Account.ID, posts[0]); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(home(), posts[0]) {
		t.Fatal("the post is still in the feed")
	}
	if err := db.Tx(w.ctx, func(tx *store.Tx) error {
		return env.App.Queue.Enqueue(w.ctx, tx.SQL(), social.FanOutArgs{PostID: posts[0]}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the post back in the home by a job naming it in post_id", func() bool {
		return slices.Contains(home(), posts[0])
	})
}
