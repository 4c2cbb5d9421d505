//go:build unix

package social_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"parvis/internal/perf"
	"parvis/internal/seed"
	"parvis/internal/social"
	"parvis/internal/store"
)

// The networking benchmarks run on benchWorld's database (PARVIS_BENCH_DATA:
// a copy of the 100k seed, since they add rows to it; or a small seed made
// here). They add what the seed lacks, once: connections, and unanswered
// inbox items.

// timed runs f b.N times and reports p50, p99 and CPU ms per operation.
func timed(b *testing.B, f func()) {
	var lat latencies
	b.ResetTimer()
	start := perf.CPUTime()
	for range b.N {
		lat.time(f)
	}
	b.StopTimer()
	perf.ReportCPU(b, start)
	lat.report(b)
}

// networkerUsername is the seeded account given 1,000 connections.
const networkerUsername = seed.ReaderUsername

// connectGraph gives the networker 1,000 connections and every other
// account about 5, so that friends of friends run over a realistic graph
// (on top of the seed's follows). It does nothing when already done.
func connectGraph(b *testing.B, db *store.DB, me int64) {
	b.Helper()
	ctx := context.Background()
	n, err := db.Read().CountConnections(ctx, me)
	if err != nil {
		b.Fatal(err)
	}
	if n >= 1000 {
		return
	}
	var ids []int64
	rows, err := db.SQL().QueryContext(ctx, "SELECT id FROM accounts WHERE is_group = FALSE AND domain = '' ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 2000 {
		b.Fatalf("the seed has %d people; the benchmark needs 2,000", len(ids))
	}
	rng := rand.New(rand.NewPCG(4, 4))
	seen := map[[2]int64]bool{}
	var out [][]any
	now := time.Now()
	add := func(x, y int64) {
		if x == y {
			return
		}
		if x > y {
			x, y = y, x
		}
		if seen[[2]int64{x, y}] {
			return
		}
		seen[[2]int64{x, y}] = true
		out = append(out, []any{x, y, db.NewID(now), now.UnixMilli()})
	}
	for len(seen) < 1000 {
		add(me, ids[rng.IntN(len(ids))])
	}
	for _, a := range ids {
		for range 5 {
			add(a, ids[rng.IntN(len(ids))])
		}
	}
	if err := db.BulkInsert(ctx, "connections", []string{"account_a", "account_b", "id", "created_at"}, out); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSuggestions: people you may know for an account with 1,000
// connections (and, on the 100k seed, 1,000 follows), as served again
// within ten minutes: candidates kept, exclusions and accounts read afresh.
func BenchmarkSuggestions(b *testing.B) {
	svc, db := benchWorld(b)
	me := actorNamed(b, db, networkerUsername)
	connectGraph(b, db, me.Account.ID)
	ctx := context.Background()
	if _, err := svc.Suggestions(ctx, me, 40); err != nil { // warm the page cache
		b.Fatal(err)
	}
	timed(b, func() {
		sug, err := svc.Suggestions(ctx, me, 40)
		if err != nil || len(sug) == 0 {
			b.Fatalf("suggestions: %d, %v", len(sug), err)
		}
	})
}

// BenchmarkSuggestionsCold computes the candidates on every call (the
// limit alternates, and candidates are kept per limit).
func BenchmarkSuggestionsCold(b *testing.B) {
	svc, db := benchWorld(b)
	me := actorNamed(b, db, networkerUsername)
	connectGraph(b, db, me.Account.ID)
	ctx := context.Background()
	if _, err := svc.Suggestions(ctx, me, 40); err != nil { // warm the page cache
		b.Fatal(err)
	}
	i := 0
	timed(b, func() {
		i++
		sug, err := svc.Suggestions(ctx, me, 39+i%2)
		if err != nil || len(sug) == 0 {
			b.Fatalf("suggestions: %d, %v", len(sug), err)
		}
	})
}

// fillInbox gives an account 10,000 unanswered items (mentions of it in
// existing posts), once.
func fillInbox(b *testing.B, db *store.DB, me int64) {
	b.Helper()
	ctx := context.Background()
	n, err := db.Read().CountAwaiting(ctx, me, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if n >= 10000 {
		return
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, account_id, thread_id, created_at FROM posts
		WHERE account_id <> $1 AND reblog_of_id IS NULL ORDER BY id DESC LIMIT 10000`, me)
	if err != nil {
		b.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		var id, author, thread, created int64
		if err := rows.Scan(&id, &author, &thread, &created); err != nil {
			b.Fatal(err)
		}
		out = append(out, []any{me, id, social.InboxMention, author, thread, created})
	}
	rows.Close()
	if len(out) < 10000 {
		b.Fatalf("the seed has %d posts; the benchmark needs 10,000", len(out))
	}
	if err := db.BulkInsert(ctx, "inbox_items", []string{"account_id", "post_id", "kind", "from_account_id", "thread_id", "created_at"}, out); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInbox10k: the first page (40 items, oldest first) of the inbox
// of an account with 10,000 unanswered items, with its count, as the inbox
// page and GET /api/parvis/v1/inbox read them.
func BenchmarkInbox10k(b *testing.B) {
	svc, db := benchWorld(b)
	me := actorNamed(b, db, networkerUsername)
	fillInbox(b, db, me.Account.ID)
	ctx := context.Background()
	if _, err := svc.Inbox(ctx, me, social.InboxCursor{}, 40); err != nil { // warm the page cache
		b.Fatal(err)
	}
	timed(b, func() {
		items, err := svc.Inbox(ctx, me, social.InboxCursor{}, 40)
		if err != nil || len(items) == 0 {
			b.Fatalf("inbox: %d, %v", len(items), err)
		}
		if n, err := svc.InboxCount(ctx, me); err != nil || n < 10000 {
			b.Fatalf("inbox count: %d, %v", n, err)
		}
	})
}

// BenchmarkBaselineAccountByID is the trivial read the others compare to,
// measured on the same machine in the same run.
func BenchmarkBaselineAccountByID(b *testing.B) {
	_, db := benchWorld(b)
	me := actorNamed(b, db, networkerUsername)
	ctx := context.Background()
	timed(b, func() {
		if _, err := db.Read().AccountByID(ctx, me.Account.ID); err != nil {
			b.Fatal(err)
		}
	})
}
