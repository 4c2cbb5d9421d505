package seed_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"parvis/internal/seed"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

func seedSmall(t testing.TB, db *store.DB, users, posts, communities int) seed.Stats {
	t.Helper()
	st, err := seed.Run(context.Background(), db, seed.Options{Users: users, Posts: posts, Communities: communities,
		Seed: 7, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st
}

// The seeded counters must agree with the rows they count, or every
// benchmark and demo built on them would be wrong.
func TestSeedCountersMatchRows(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	st := seedSmall(t, db, 300, 3000, 4)
	if st.Accounts != 304 || st.Posts != 3000 {
		t.Fatalf("got %d accounts and %d posts, want 304 and 3000", st.Accounts, st.Posts)
	}
	checks := []struct {
		name, query string
	}{
		{"followers_count", `SELECT COUNT(*) FROM accounts a WHERE a.followers_count <> (SELECT COUNT(*) FROM follows f WHERE f.target_id = a.id)`},
		{"following_count", `SELECT COUNT(*) FROM accounts a WHERE a.following_count <> (SELECT COUNT(*) FROM follows f WHERE f.account_id = a.id)`},
		{"statuses_count", `SELECT COUNT(*) FROM accounts a WHERE a.statuses_count <> (SELECT COUNT(*) FROM posts p WHERE p.account_id = a.id)`},
		{"favourites_count", `SELECT COUNT(*) FROM posts p WHERE p.favourites_count <> (SELECT COUNT(*) FROM favourites f WHERE f.post_id = p.id)`},
		{"replies_count", `SELECT COUNT(*) FROM posts p WHERE p.replies_count <> (SELECT COUNT(*) FROM posts r WHERE r.in_reply_to_id = p.id)`},
		{"reblogs_count", `SELECT COUNT(*) FROM posts p WHERE p.reblogs_count <> (SELECT COUNT(*) FROM posts r WHERE r.reblog_of_id = p.id)`},
		{"members_count", `SELECT COUNT(*) FROM communities c WHERE c.members_count <> (SELECT COUNT(*) FROM community_members m WHERE m.community_id = c.id)`},
		// Ids carry the time their row was made: pagination, time windows
		// and the integrity scans select by id.
		{"post ids", `SELECT COUNT(*) FROM posts WHERE ABS(id / 65536 - created_at) > 1`},
		{"favourite ids", `SELECT COUNT(*) FROM favourites WHERE ABS(id / 65536 - created_at) > 1`},
		{"follow ids", `SELECT COUNT(*) FROM follows WHERE ABS(id / 65536 - created_at) > 1`},
		{"thread roots", `SELECT COUNT(*) FROM posts p WHERE p.in_reply_to_id IS NOT NULL AND p.thread_id <> (SELECT q.thread_id FROM posts q WHERE q.id = p.in_reply_to_id)`},
	}
	for _, c := range checks {
		var bad int
		if err := db.SQL().QueryRowContext(ctx, c.query).Scan(&bad); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if bad != 0 {
			t.Errorf("%s: %d rows disagree with their counter", c.name, bad)
		}
	}
	reader, err := db.Read().AccountByUsername(ctx, seed.ReaderUsername, "")
	if err != nil {
		t.Fatal(err)
	}
	if reader.FollowingCount < 100 {
		t.Errorf("reader follows %d accounts, want many", reader.FollowingCount)
	}
	var replies, boosts int
	db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM posts WHERE in_reply_to_id IS NOT NULL").Scan(&replies)
	db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM posts WHERE reblog_of_id IS NOT NULL").Scan(&boosts)
	if replies < 500 || boosts < 50 {
		t.Errorf("got %d replies and %d boosts in 3000 posts, want realistic shares", replies, boosts)
	}
}

// BenchmarkSeed measures seeding throughput on the test engine (set
// PARVIS_TEST_DATABASE_URL for PostgreSQL). PARVIS_BENCH_SEED="users,posts"
// sets the size (default 2000,20000); the figure is 100000,1000000.
func BenchmarkSeed(b *testing.B) {
	users, posts := 2000, 20000
	if v := os.Getenv("PARVIS_BENCH_SEED"); v != "" {
		if _, err := fmt.Sscanf(v, "%d,%d", &users, &posts); err != nil {
			b.Fatalf("PARVIS_BENCH_SEED=%q: want users,posts", v)
		}
	}
	var rows int64
	for b.Loop() {
		b.StopTimer()
		db := storetest.New(b)
		b.StartTimer()
		st := seedSmall(b, db, users, posts, max(5, users/2000))
		rows += st.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
