package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"parvis/internal/seed"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// The windowed walk of HomeIDsFromGraph gives the same pages as the plain
// definition of a home timeline.
func TestHomeFromGraphMatchesDefinition(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if _, err := seed.Run(ctx, db, seed.Options{Users: 200, Posts: 4000, Seed: 3, Weeks: 20,
		PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	reader, err := db.Read().AccountByUsername(ctx, seed.ReaderUsername, "")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT p.id FROM posts p WHERE (p.account_id = $1 OR p.account_id IN
		(SELECT target_id FROM follows WHERE account_id = $1)) AND (p.visibility <> 'direct' OR p.account_id = $1
		OR EXISTS (SELECT 1 FROM mentions m WHERE m.post_id = p.id AND m.account_id = $1)) ORDER BY p.id DESC`, reader.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		want = append(want, id)
	}
	rows.Close()
	if len(want) < 100 {
		t.Fatalf("only %d posts in the reader's timeline; the test needs more", len(want))
	}
	var got []int64
	page := store.Page{Limit: 37}
	for {
		ids, err := db.Read().HomeIDsFromGraph(ctx, reader.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			break
		}
		got = append(got, ids...)
		page.MaxID = ids[len(ids)-1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paging through the graph gave %d posts, the definition %d", len(got), len(want))
	}
	// since_id / min_id still work.
	newer, err := db.Read().HomeIDsFromGraph(ctx, reader.ID, store.Page{MinID: want[10], Limit: 5})
	if err != nil || !slices.Equal(newer, want[5:10]) {
		t.Fatalf("min_id page: got %v, want %v (%v)", newer, want[5:10], err)
	}
}

// The fan-out's audience is the same read from either side: from the
// author's followers or from the people whose feed is kept.
func TestActiveFollowersFromEitherSide(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := time.Now()
	if _, err := seed.Run(ctx, db, seed.Options{Users: 300, Posts: 300, Seed: 5, PasswordHash: "x", Now: now}); err != nil {
		t.Fatal(err)
	}
	// Half the people keep a feed, a third of them inactive for long.
	var users []int64
	rows, err := db.SQL().QueryContext(ctx, "SELECT id FROM users ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		users = append(users, id)
	}
	rows.Close()
	for i, id := range users {
		active := now
		if i%3 == 0 {
			active = now.Add(-30 * 24 * time.Hour)
		}
		if _, err := db.SQL().ExecContext(ctx, "UPDATE users SET feed_valid = $1, last_active_at = $2 WHERE id = $3",
			i%2 == 0, active.UnixMilli(), id); err != nil {
			t.Fatal(err)
		}
	}
	var authors []int64
	rows, err = db.SQL().QueryContext(ctx, "SELECT id FROM accounts ORDER BY followers_count DESC LIMIT 5")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		authors = append(authors, id)
	}
	rows.Close()
	since := now.Add(-14 * 24 * time.Hour)
	total := 0
	for _, a := range authors {
		byFollowers, err := db.Read().ActiveFollowers(ctx, a, since, false)
		if err != nil {
			t.Fatal(err)
		}
		byReaders, err := db.Read().ActiveFollowers(ctx, a, since, true)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(byFollowers)
		slices.Sort(byReaders)
		if !slices.Equal(byFollowers, byReaders) {
			t.Errorf("author %d: %d followers keep a feed, %d read from the readers' side", a, len(byFollowers), len(byReaders))
		}
		total += len(byFollowers)
	}
	if total == 0 {
		t.Fatal("no audience at all: the test checks nothing")
	}
	n, err := db.Read().FeedReaders(ctx, since)
	if err != nil || n == 0 {
		t.Fatalf("feed readers: %d %v", n, err)
	}
}
