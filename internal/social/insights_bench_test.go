package social

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/insights"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/perf"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// fixedClock always says the same time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func benchService(b *testing.B, now time.Time) (*Service, *store.DB) {
	b.Helper()
	db := storetest.NewWith(b, storetest.Options{Clock: fixedClock{now}})
	return New(Config{Domain: "bench.example", Secret: []byte("bench secret")}, Deps{DB: db, Queue: jobs.NewQueue()}), db
}

// BenchmarkInsightsIngest measures the impression path end to end: the
// Views hook (dedupe, buffer) and the batched writes into the database.
// Every impression is distinct, so that each becomes a row.
func BenchmarkInsightsIngest(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			svc, _ := benchService(b, time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC))
			r := NewInsightsRecorder(svc, InsightsConfig{})
			author := &model.Account{ID: 1, Username: "brand"}
			views := make([]*PostView, 20) // a page of a timeline
			for i := range views {
				views[i] = &PostView{Post: &model.Post{ID: int64(1000 + i), AccountID: 1}, Account: author}
			}
			const pages = 500 // 10,000 events per iteration
			var viewer atomic.Int64
			anonymous := &Actor{}
			b.ResetTimer()
			cpu := perf.CPUTime()
			for range b.N {
				if parallel {
					done := make(chan struct{})
					for range 4 {
						go func() {
							for range pages / 4 {
								r.viewed(WithViewerKey(ctx, -viewer.Add(1)), anonymous, views)
							}
							done <- struct{}{}
						}()
					}
					for range 4 {
						<-done
					}
				} else {
					for range pages {
						r.viewed(WithViewerKey(ctx, -viewer.Add(1)), anonymous, views)
					}
				}
				if err := r.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*pages*len(views))/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N*pages*len(views))/(perf.CPUTime()-cpu).Seconds(), "events/cpu-s")
		})
	}
}

// dashboardWorld is an account with a month of history: 300 posts, 2,000
// followers, 6,000 favourites and replies, and a million insight events
// (impressions by 60,000 anonymous viewers, clicks, website visits, profile
// views), rolled up.
func dashboardWorld(b *testing.B) (*Service, *model.Account, insights.Period) {
	b.Helper()
	ctx := context.Background()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 30)
	svc, db := benchService(b, end.Add(2*time.Hour))
	rnd := rand.New(rand.NewPCG(1, 2))
	// Ids are made here rather than by db.NewID, which never goes back in
	// time: the history is written after the fact.
	var seq int64
	idAt := func(t time.Time) int64 {
		seq++
		return model.IDAt(t) + seq%(1<<16)
	}
	u, err := svc.CreateUser(ctx, SignupInput{Username: "brand", Email: "brand@example.org", Password: "a long password"})
	if err != nil {
		b.Fatal(err)
	}
	brand := u.AccountID
	const people = 2000
	var accounts, follows [][]any
	ids := make([]int64, people)
	for i := range ids {
		at := start.Add(-time.Duration(rnd.IntN(90*24)) * time.Hour)
		ids[i] = idAt(at)
		accounts = append(accounts, []any{ids[i], fmt.Sprintf("p%d", i), at.UnixMilli(), at.UnixMilli()})
		follows = append(follows, []any{ids[i], brand, idAt(at), at.UnixMilli()})
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(db.BulkInsert(ctx, "accounts", []string{"id", "username", "created_at", "updated_at"}, accounts))
	must(db.BulkInsert(ctx, "follows", []string{"account_id", "target_id", "id", "created_at"}, follows))
	words := []string{"coffee", "beans", "roast", "espresso", "farm", "harvest", "shop", "morning", "brew", "grinder",
		"filter", "milk", "origin", "Ethiopia", "Colombia", "tasting", "notes", "chocolate", "berry", "acidity"}
	var posts, favs, replies [][]any
	postIDs := make([]int64, 300)
	for i := range postIDs {
		at := start.Add(time.Duration(i) * 144 * time.Minute)
		postIDs[i] = idAt(at)
		text := ""
		for range 25 {
			text += words[rnd.IntN(len(words))] + " "
		}
		posts = append(posts, []any{postIDs[i], brand, text, "en", postIDs[i], at.UnixMilli()})
		for k := range 20 {
			fan := ids[rnd.IntN(people)]
			fat := at.Add(time.Duration(k+1) * time.Minute)
			if k%2 == 0 {
				favs = append(favs, []any{idAt(fat), fan, postIDs[i], fat.UnixMilli()})
			} else {
				rid := idAt(fat)
				replies = append(replies, []any{rid, fan, "I love " + words[rnd.IntN(len(words))], "en", postIDs[i], brand,
					postIDs[i], fat.UnixMilli()})
			}
		}
	}
	must(db.BulkInsert(ctx, "posts", []string{"id", "account_id", "text", "language", "thread_id", "created_at"}, posts))
	must(db.BulkInsert(ctx, "posts", []string{"id", "account_id", "text", "language", "in_reply_to_id", "in_reply_to_account_id",
		"thread_id", "created_at"}, replies))
	// Favourites may repeat a (person, post) pair: keep the first.
	seen := map[[2]int64]bool{}
	var uniq [][]any
	for _, f := range favs {
		k := [2]int64{f[1].(int64), f[2].(int64)}
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, f)
		}
	}
	must(db.BulkInsert(ctx, "favourites", []string{"id", "account_id", "post_id", "created_at"}, uniq))
	site := &store.InsightSite{AccountID: brand, Key: "benchbenchbench1", Origin: "https://brand.example", CreatedAt: start}
	must(db.Tx(ctx, func(tx *store.Tx) error { return tx.InsertInsightSite(ctx, site) }))

	// A post is seen mostly in the hours after it is published: its
	// impressions and clicks fall off exponentially (half in a day).
	const total = 1000000
	evs := make([]store.InsightEvent, 0, 100000)
	reach := map[time.Time]*insights.Sketch{}
	span := end.Sub(start)
	for i := range total {
		at := start.Add(span / total * time.Duration(i))
		e := store.InsightEvent{ID: idAt(at), At: at, Kind: store.InsightImpression, AccountID: brand,
			Actor: -int64(rnd.IntN(60000) + 1)}
		age := time.Duration(rnd.ExpFloat64() * float64(24*time.Hour) / math.Ln2)
		k := sort.Search(len(postIDs), func(k int) bool { return model.IDTime(postIDs[k]).After(at.Add(-age)) }) - 1
		e.PostID = postIDs[max(k, 0)]
		switch x := i % 100; {
		case x < 3:
			e.Kind, e.RefID, e.Actor = store.InsightClick, 1, 0
		case x < 6:
			e.Kind, e.RefID, e.PostID, e.Source = store.InsightVisitor, site.ID, 0, int16(insights.Source(1+rnd.IntN(6)))
			if e.Source == int16(insights.SourceReferral) {
				e.Detail = fmt.Sprintf("site%d.example", rnd.IntN(30))
			}
		case x < 9:
			e.Kind, e.RefID, e.PostID = store.InsightPageview, site.ID, 0
		case x < 10:
			e.Kind, e.PostID = store.InsightProfileView, 0
		}
		if e.Kind == store.InsightImpression {
			d := insights.Day(at)
			if reach[d] == nil {
				reach[d] = &insights.Sketch{}
			}
			reach[d].Add(e.Actor)
		}
		evs = append(evs, e)
		if len(evs) == cap(evs) {
			must(db.InsertInsightEvents(ctx, evs))
			evs = evs[:0]
		}
	}
	must(db.InsertInsightEvents(ctx, evs))
	var merges []store.ReachMerge
	for d, sk := range reach {
		merges = append(merges, store.ReachMerge{AccountID: brand, Day: d, Merge: func(string) string { return sk.Encode() }})
	}
	must(db.MergeReach(ctx, merges))
	if _, err := svc.RollupInsights(ctx, end.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ComputeInfluence(ctx); err != nil {
		b.Fatal(err)
	}
	a, err := db.Read().AccountByID(ctx, brand)
	must(err)
	return svc, a, insights.Period{Since: start, Until: end}
}

// BenchmarkInsightsDashboard measures the JSON report of an account over a
// month of a million events. The world is built once per run.
func BenchmarkInsightsDashboard(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a million events")
	}
	svc, a, p := dashboardWorld(b)
	ctx := context.Background()
	owner := &Actor{User: &model.User{ID: 1, Role: model.RoleUser}, Account: a}
	r, err := svc.AccountInsights(ctx, owner, a.ID, p)
	if err != nil {
		b.Fatal(err)
	}
	if r.Impressions < 800000 || r.Reach < 50000 || r.Website.Visits == 0 || r.Engagement.Total == 0 {
		b.Fatalf("the report misses events: %d impressions, reach %d, %d visits, %d engagements", r.Impressions, r.Reach,
			r.Website.Visits, r.Engagement.Total)
	}
	b.Run("month-of-1M-events", func(b *testing.B) {
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for range b.N {
			if _, err := svc.AccountInsights(ctx, owner, a.ID, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInsightsInfluenceJob measures the whole influence job on a
// million favourites between 100,000 accounts: reading the edges from the
// database, PageRank over both graphs, storing everyone's rank. Building
// that world takes minutes on SQLite, so it runs only when
// PARVIS_BENCH_LARGE is set.
func BenchmarkInsightsInfluenceJob(b *testing.B) {
	if testing.Short() || os.Getenv("PARVIS_BENCH_LARGE") == "" {
		b.Skip("set PARVIS_BENCH_LARGE=1 to build a million favourites")
	}
	ctx := context.Background()
	now := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	svc, db := benchService(b, now)
	rnd := rand.New(rand.NewPCG(7, 8))
	var seq int64
	idAt := func(t time.Time) int64 {
		seq++
		return model.IDAt(t) + seq%(1<<16)
	}
	const accounts, posts, favourites = 100000, 200000, 1000000
	ids := make([]int64, accounts)
	var rows [][]any
	for i := range ids {
		at := now.AddDate(-1, 0, 0).Add(time.Duration(i) * time.Second)
		ids[i] = idAt(at)
		rows = append(rows, []any{ids[i], fmt.Sprintf("u%d", i), at.UnixMilli(), at.UnixMilli()})
	}
	if err := db.BulkInsert(ctx, "accounts", []string{"id", "username", "created_at", "updated_at"}, rows); err != nil {
		b.Fatal(err)
	}
	// Authors and likers follow a Zipf law, as attention does.
	zipf := rand.NewZipf(rand.New(rand.NewPCG(9, 10)), 1.2, 1, accounts-1)
	postIDs := make([]int64, posts)
	authors := make([]int64, posts)
	rows = rows[:0]
	for i := range postIDs {
		at := now.Add(-time.Duration(rnd.Int64N(int64(60 * 24 * time.Hour))))
		postIDs[i], authors[i] = idAt(at), ids[zipf.Uint64()]
		rows = append(rows, []any{postIDs[i], authors[i], postIDs[i], at.UnixMilli()})
	}
	if err := db.BulkInsert(ctx, "posts", []string{"id", "account_id", "thread_id", "created_at"}, rows); err != nil {
		b.Fatal(err)
	}
	seen := map[[2]int64]bool{}
	rows = rows[:0]
	for len(rows) < favourites {
		who, k := ids[rnd.IntN(accounts)], rnd.IntN(posts)
		if seen[[2]int64{who, postIDs[k]}] || who == authors[k] {
			continue
		}
		seen[[2]int64{who, postIDs[k]}] = true
		at := now.Add(-time.Duration(rnd.Int64N(int64(60 * 24 * time.Hour))))
		rows = append(rows, []any{idAt(at), who, postIDs[k], at.UnixMilli()})
	}
	if err := db.BulkInsert(ctx, "favourites", []string{"id", "account_id", "post_id", "created_at"}, rows); err != nil {
		b.Fatal(err)
	}
	b.Run("1M-favourites", func(b *testing.B) {
		for range b.N {
			run, err := svc.ComputeInfluence(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if run.EngagementLinks < favourites/2 {
				b.Fatalf("got %d links", run.EngagementLinks)
			}
		}
	})
}

// BenchmarkInsightsSeededCommunity measures, on a database made by "parvis
// seed" (PARVIS_BENCH_DATA=/tmp/seed100k, read only), the busiest
// community's last 30 days: "topics" reads its posts and the replies they
// got, in that month and the month before, and extracts the keyphrases and
// rising topics, as the report does; "report" is the whole JSON report of
// the community (engagement, threads, topics, fans, growth, response).
func BenchmarkInsightsSeededCommunity(b *testing.B) {
	dir := os.Getenv("PARVIS_BENCH_DATA")
	if dir == "" {
		b.Skip("set PARVIS_BENCH_DATA to a seeded SQLite data directory")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{SQLitePath: dir + "/parvis.db"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	svc := New(Config{Domain: "bench.example", Secret: []byte("bench secret")}, Deps{DB: db, Queue: jobs.NewQueue()})
	var communityID, groupID, last int64
	err = db.SQL().QueryRowContext(ctx, `SELECT p.community_id, c.account_id, MAX(p.created_at) FROM posts p
		JOIN communities c ON c.id = p.community_id GROUP BY p.community_id, c.account_id ORDER BY COUNT(*) DESC LIMIT 1`).
		Scan(&communityID, &groupID, &last)
	if err != nil {
		b.Fatal(err)
	}
	until := insights.Day(time.UnixMilli(last).UTC()).AddDate(0, 0, 1)
	p := insights.Period{Since: until.AddDate(0, 0, -30), Until: until}
	sc := store.InsightScope{AccountID: groupID, CommunityID: communityID}
	posts, err := db.Read().ScopePosts(ctx, sc, p.Since, p.Until)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("community %d: %d posts in the month", communityID, len(posts))
	b.Run("topics", func(b *testing.B) {
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for b.Loop() {
			posts, err := db.Read().ScopePosts(ctx, sc, p.Since, p.Until)
			if err != nil {
				b.Fatal(err)
			}
			var r insights.Report
			if err := svc.topics(ctx, &r, sc, p, posts); err != nil {
				b.Fatal(err)
			}
			if len(r.Topics) == 0 {
				b.Fatal("no topics")
			}
		}
	})
	staff := &Actor{User: &model.User{ID: 1, Role: model.RoleAdmin}, Account: &model.Account{ID: 1}}
	b.Run("report", func(b *testing.B) {
		if _, err := db.SQL().ExecContext(ctx, "SELECT detail FROM insight_hourly LIMIT 0"); err != nil {
			b.Skipf("the seed's insights tables predate the current schema (%v): seed again to measure the report", err)
		}
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for b.Loop() {
			if _, err := svc.CommunityInsights(ctx, staff, communityID, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
