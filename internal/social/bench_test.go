package social_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/seed"
	"parvis/internal/social"
	"parvis/internal/store"
)

// benchWorld opens the database the benchmarks run on: the one named by
// PARVIS_BENCH_DATA (a data directory made by "parvis seed", e.g. with
// --users 100000 --posts 1000000), or a small one seeded here.
func benchWorld(b *testing.B) (*social.Service, *store.DB) {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("PARVIS_BENCH_DATA")
	cfg := store.Config{SQLitePath: filepath.Join(b.TempDir(), "parvis.db")}
	if u := os.Getenv("PARVIS_BENCH_DATABASE_URL"); u != "" {
		cfg = store.Config{URL: u}
	} else if dir != "" {
		cfg = store.Config{SQLitePath: filepath.Join(dir, "parvis.db")}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	jcfg := jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()}
	if err := jobs.Migrate(ctx, jcfg); err != nil {
		b.Fatal(err)
	}
	if dir == "" && os.Getenv("PARVIS_BENCH_DATABASE_URL") == "" {
		if _, err := seed.Run(ctx, db, seed.Options{Users: 3000, Posts: 30000, Communities: 5, Seed: 1,
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}); err != nil {
			b.Fatal(err)
		}
	}
	q, err := jobs.New(jcfg)
	if err != nil {
		b.Fatal(err)
	}
	svc := social.New(social.Config{Domain: "bench.example", Secret: []byte("bench")}, social.Deps{DB: db, Queue: q})
	return svc, db
}

func actorNamed(b *testing.B, db *store.DB, name string) *social.Actor {
	b.Helper()
	ctx := context.Background()
	a, err := db.Read().AccountByUsername(ctx, name, "")
	if err != nil {
		b.Fatal(err)
	}
	u, err := db.Read().UserByAccountID(ctx, a.ID)
	if err != nil {
		b.Fatal(err)
	}
	u.LastActiveAt = time.Now() // no activity write inside the measured loop
	return &social.Actor{User: u, Account: a}
}

// latencies records per-operation times and reports their percentiles.
type latencies []time.Duration

func (l *latencies) time(f func()) {
	t := time.Now()
	f()
	*l = append(*l, time.Since(t))
}

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	pct := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// The home timeline of the reader (who follows 1,000 accounts on the 100k
// seed), read from the home feed: what a request costs.
func BenchmarkHomeTimelineFeed(b *testing.B) {
	svc, db := benchWorld(b)
	ctx := context.Background()
	reader := actorNamed(b, db, seed.ReaderUsername)
	var lat latencies
	for b.Loop() {
		lat.time(func() {
			vs, err := svc.Home(ctx, reader, social.Page{Limit: 20})
			if err != nil || len(vs) == 0 {
				b.Fatalf("home: %d posts, %v", len(vs), err)
			}
		})
	}
	lat.report(b)
}

// The same page computed from the follow graph (fan-out on read), for the
// comparison behind the choice of fan-out on write.
func BenchmarkHomeTimelineGraph(b *testing.B) {
	svc, db := benchWorld(b)
	ctx := context.Background()
	reader := actorNamed(b, db, seed.ReaderUsername)
	var lat latencies
	for b.Loop() {
		lat.time(func() {
			ids, err := db.Read().HomeIDsFromGraph(ctx, reader.Account.ID, store.Page{Limit: 20})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Views(ctx, reader, ids, true); err != nil {
				b.Fatal(err)
			}
		})
	}
	lat.report(b)
}

func BenchmarkPublicTimeline(b *testing.B) {
	svc, _ := benchWorld(b)
	ctx := context.Background()
	var lat latencies
	for b.Loop() {
		lat.time(func() {
			if _, err := svc.PublicTimeline(ctx, &social.Actor{}, store.PublicFilter{Local: true}, social.Page{Limit: 20}); err != nil {
				b.Fatal(err)
			}
		})
	}
	lat.report(b)
}

// mostFollowed returns the person with the most followers.
func mostFollowed(b *testing.B, db *store.DB) *social.Actor {
	var name string
	if err := db.SQL().QueryRow(`SELECT a.username FROM accounts a JOIN users u ON u.account_id = a.id
		ORDER BY a.followers_count DESC LIMIT 1`).Scan(&name); err != nil {
		b.Fatal(err)
	}
	return actorNamed(b, db, name)
}

// Posting by the most followed account: the acknowledgement (the fan-out
// runs in a job, measured apart below).
func BenchmarkPublishAck(b *testing.B) {
	svc, db := benchWorld(b)
	ctx := context.Background()
	star := mostFollowed(b, db)
	b.ReportMetric(float64(star.Account.FollowersCount), "followers")
	var lat latencies
	for b.Loop() {
		lat.time(func() {
			if _, err := svc.Publish(ctx, star, social.PostInput{Text: "Benchmark post #bench with a link https://example.org/x"}); err != nil {
				b.Fatal(err)
			}
		})
	}
	lat.report(b)
}

// The fan-out job's work for one post of the most followed account: its
// home-feed inserts for every active follower (the way feedjobs.go does it).
func BenchmarkFanOutJob(b *testing.B) {
	svc, db := benchWorld(b)
	ctx := context.Background()
	star := mostFollowed(b, db)
	var active int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM follows f JOIN users u ON u.account_id = f.account_id
		WHERE f.target_id = $1`, star.Account.ID).Scan(&active); err != nil {
		b.Fatal(err)
	}
	// Every local follower counts as active with a valid feed, the worst case.
	if _, err := db.SQL().Exec(`UPDATE users SET last_active_at = $1, feed_valid = TRUE
		WHERE account_id IN (SELECT account_id FROM follows WHERE target_id = $2)`, time.Now().UnixMilli(), star.Account.ID); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(active), "feeds")
	var lat latencies
	for b.Loop() {
		p, err := svc.Publish(ctx, star, social.PostInput{Text: "fan-out benchmark"})
		if err != nil {
			b.Fatal(err)
		}
		// As the job does it: the audience read outside any transaction,
		// then written 500 feeds per transaction.
		lat.time(func() {
			readers, err := db.Read().ActiveFollowers(ctx, star.Account.ID, time.Now().Add(-social.AwayAfter), false)
			if err != nil {
				b.Fatal(err)
			}
			for len(readers) > 0 {
				batch := readers[:min(500, len(readers))]
				readers = readers[len(batch):]
				if err := db.Tx(ctx, func(tx *store.Tx) error {
					_, err := tx.FanOutTo(ctx, p.ID, star.Account.ID, 0, batch)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	lat.report(b)
}
