package social

import (
	"context"
	"sync"
	"testing"
	"time"

	"parvis/internal/insights"
	"parvis/internal/jobs"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// movingClock is a clock the test moves.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestInsightsTwoNodes runs two nodes (two services, two recorders) on one
// database: an anonymous visitor gets the same key on both, through the
// salt they share in the database, and a new key the next day; their hits
// on both nodes count as one visitor a day; old salts are deleted.
func TestInsightsTwoNodes(t *testing.T) {
	ctx := context.Background()
	clock := &movingClock{t: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)}
	db := storetest.NewWith(t, storetest.Options{Clock: clock})
	cfg := Config{Domain: "parvis.example", Secret: []byte("a secret both nodes share")}
	nodeA := New(cfg, Deps{DB: db, Queue: jobs.NewQueue()})
	nodeB := New(cfg, Deps{DB: db, Queue: jobs.NewQueue()})
	recA, recB := NewInsightsRecorder(nodeA, InsightsConfig{}), NewInsightsRecorder(nodeB, InsightsConfig{})

	const ip, ua = "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	a1, b1 := recA.AnonymousKey(ctx, ip, ua), recB.AnonymousKey(ctx, ip, ua)
	if a1 >= 0 || a1 != b1 {
		t.Fatalf("keys of one visitor on two nodes: got %d and %d, want one negative key", a1, b1)
	}
	if other := recA.AnonymousKey(ctx, "203.0.113.8", ua); other == a1 {
		t.Errorf("two addresses got the same key")
	}
	if bot := recB.AnonymousKey(ctx, ip, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"); bot != 0 {
		t.Errorf("a bot got a key: %d", bot)
	}

	u, err := nodeA.CreateUser(ctx, SignupInput{Username: "alice", Email: "alice@example.org", Password: "the password of alice"})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := db.Read().AccountByID(ctx, u.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	alice := &Actor{User: u, Account: acc}
	site, err := nodeA.RegisterSite(ctx, alice, "https://alice.example")
	if err != nil {
		t.Fatal(err)
	}
	hit := func(rec *InsightsRecorder, page, referrer string) {
		t.Helper()
		err := rec.RecordHit(ctx, BeaconHit{SiteKey: site.Key, Origin: site.Origin, Page: page, Referrer: referrer, IP: ip, UserAgent: ua})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Day 1: the visitor lands on node A, reads a page served by node B,
	// comes back from a news site through node B.
	hit(recA, "https://alice.example/", "")
	hit(recB, "https://alice.example/about", "https://alice.example/")
	hit(recB, "https://alice.example/", "https://news.example/story")
	// Day 2: new salt, new key, a new visitor.
	clock.set(time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC))
	a2, b2 := recA.AnonymousKey(ctx, ip, ua), recB.AnonymousKey(ctx, ip, ua)
	if a2 != b2 || a2 == a1 {
		t.Errorf("keys on day 2: got %d and %d (day 1: %d), want one new key", a2, b2, a1)
	}
	hit(recB, "https://alice.example/", "")
	days, err := db.Read().VisitorSaltDays(ctx)
	if err != nil || len(days) != 1 || !days[0].Equal(time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("salts kept: got %v %v, want the 4th's only", days, err)
	}

	for _, r := range []*InsightsRecorder{recA, recB} {
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	clock.set(time.Date(2025, 3, 5, 1, 0, 0, 0, time.UTC))
	if _, err := nodeA.RollupInsights(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	period, err := insights.ParsePeriod("2025-03-03", "2025-03-04", clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := nodeB.AccountInsights(ctx, alice, acc.ID, period)
	if err != nil {
		t.Fatal(err)
	}
	// Day 1: one visitor (the first hit), the referral a second visit,
	// three pageviews; day 2: one visitor.
	if rep.Website.Visitors != 2 || rep.Website.Visits != 3 || rep.Website.Pageviews != 4 {
		t.Errorf("website: got %d visitors, %d visits, %d pageviews; want 2, 3, 4",
			rep.Website.Visitors, rep.Website.Visits, rep.Website.Pageviews)
	}
	raw, err := db.Read().CountInsightEvents(ctx, store.InsightVisitor, time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC))
	if err != nil || raw != 2 {
		t.Errorf("raw first hits of day 1: got %d %v, want 2 (one per node; the roll-up keeps one)", raw, err)
	}
}
