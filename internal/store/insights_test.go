package store_test

import (
	"context"
	"testing"
	"time"

	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

type setClock struct{ t *time.Time }

func (c setClock) Now() time.Time { return *c.t }

func at(d, h int) time.Time { return time.Date(2025, 4, d, h, 0, 0, 0, time.UTC) }

// sums returns a scope's counts of kind in [since, until) by day.
func sums(t *testing.T, db *store.DB, account int64, kind store.InsightKind, since, until time.Time) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	wm, err := db.Read().InsightWatermarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Read().InsightsByDay(ctx, account, []store.InsightKind{kind}, since, until, wm.Daily)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Bucket.Format(time.DateOnly)] += r.N
	}
	return out
}

func rollup(t *testing.T, db *store.DB, upTo time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var n int64
	err := db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.RollupInsightsHourly(ctx, upTo); err != nil {
			return err
		}
		_, err = tx.RollupInsightsDaily(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsightRollups(t *testing.T) {
	ctx := context.Background()
	now := at(1, 9)
	db := storetest.NewWith(t, storetest.Options{Clock: setClock{&now}})
	write := func(evs ...store.InsightEvent) {
		t.Helper()
		if err := db.InsertInsightEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	imp := func(when time.Time, post, actor int64) store.InsightEvent {
		return store.InsightEvent{At: when, Kind: store.InsightImpression, AccountID: 1, PostID: post, Actor: actor}
	}
	// Account 7 sees post 10 at 9:00 and again at 11:00 (another node, or
	// after a restart): once. An anonymous key counts as the recorder wrote
	// it. The next day, 7 counts again.
	write(imp(at(1, 9), 10, 7), imp(at(1, 9), 11, 7), imp(at(1, 9), 10, -5))
	now = at(1, 10)
	if n := rollup(t, db, now); n != 3 {
		t.Fatalf("first roll-up: got %d events, want 3", n)
	}
	write(imp(at(1, 11), 10, 7), store.InsightEvent{At: at(1, 11), Kind: store.InsightFollow, AccountID: 1, Actor: 8})
	now = at(2, 12)
	write(imp(at(2, 9), 10, 7))
	rollup(t, db, now)
	got := sums(t, db, 1, store.InsightImpression, at(1, 0), at(3, 0))
	if got["2025-04-01"] != 3 || got["2025-04-02"] != 1 {
		t.Errorf("impressions by day: got %v, want 3 on the 1st and 1 on the 2nd", got)
	}
	if got := sums(t, db, 1, store.InsightFollow, at(1, 0), at(3, 0)); got["2025-04-01"] != 1 {
		t.Errorf("follows: got %v, want 1 on the 1st", got)
	}
	wm, err := db.Read().InsightWatermarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !wm.Hourly.Equal(at(2, 12)) || !wm.Daily.Equal(at(2, 0)) {
		t.Errorf("watermarks: got %+v, want hourly at the 2nd 12:00, daily from the 2nd", wm)
	}

	// An event written late, for a time already rolled up, is moved after
	// the roll-up's position rather than lost.
	write(imp(at(1, 20), 12, 9))
	now = at(2, 13)
	rollup(t, db, now)
	if got := sums(t, db, 1, store.InsightImpression, at(1, 0), at(3, 0)); got["2025-04-02"] != 2 {
		t.Errorf("late impression: got %v, want it counted on the 2nd", got)
	}
	if n := rollup(t, db, now); n != 0 {
		t.Errorf("rolling up again: got %d events, want 0", n)
	}

	// The sweep keeps what the roll-ups still need, and deletes the rest.
	now = at(20, 0)
	rollup(t, db, now)
	sw, err := db.SweepInsights(ctx, at(15, 0), at(15, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sw.Events != 7 {
		t.Errorf("swept events: got %d, want 7", sw.Events)
	}
	if got := sums(t, db, 1, store.InsightImpression, at(1, 0), at(3, 0)); got["2025-04-01"] != 3 || got["2025-04-02"] != 2 {
		t.Errorf("daily counts after the sweep: got %v, want 3 and 2", got)
	}
	from, err := db.Read().HourlyCountsSince(ctx)
	if err != nil || !from.Equal(at(15, 0)) {
		t.Errorf("hourly counts kept from %v (%v), want the 15th", from, err)
	}
	if n, _ := db.Read().CountInsightEvents(ctx, store.InsightImpression, at(1, 0), at(30, 0)); n != 0 {
		t.Errorf("raw impressions left: %d", n)
	}
}

// TestInsightsSeveralNodes plays what two nodes on one database write for
// the same anonymous viewer (same key, since they share the day's salt):
// the roll-up counts their impression once, and their first hits of the
// day on a website as one visitor, the other becoming a visit (an entry
// from another site) or a pageview (direct).
func TestInsightsSeveralNodes(t *testing.T) {
	ctx := context.Background()
	now := at(1, 9)
	db := storetest.NewWith(t, storetest.Options{Clock: setClock{&now}})
	write := func(evs ...store.InsightEvent) {
		t.Helper()
		if err := db.InsertInsightEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	const anon = -12345
	imp := store.InsightEvent{At: at(1, 9), Kind: store.InsightImpression, AccountID: 1, PostID: 10, Actor: anon}
	visitor := func(when time.Time, site, actor int64, source int16) store.InsightEvent {
		return store.InsightEvent{At: when, Kind: store.InsightVisitor, AccountID: 1, RefID: site, Actor: actor, Source: source}
	}
	// Node A, then node B in the same run; node B again in a later run.
	write(imp, visitor(at(1, 9), 50, anon, 6), imp, visitor(at(1, 9).Add(time.Minute), 50, anon, 5),
		visitor(at(1, 9), 51, anon, 6), visitor(at(1, 9), 50, anon-1, 6))
	now = at(1, 10)
	rollup(t, db, now)
	write(imp, visitor(at(1, 10), 50, anon, 6))
	now = at(1, 11)
	rollup(t, db, now)
	// The next day the same key would be a new visitor (in real life the
	// key changes with the salt).
	now = at(2, 9)
	write(visitor(at(2, 9), 50, anon, 6))
	now = at(3, 1)
	rollup(t, db, now)

	day1 := func(kind store.InsightKind) int64 {
		return sums(t, db, 1, kind, at(1, 0), at(2, 0))["2025-04-01"]
	}
	if got := day1(store.InsightImpression); got != 1 {
		t.Errorf("impressions of one anonymous viewer on two nodes: got %d, want 1", got)
	}
	// Visitors: anon on site 50, anon on site 51, anon-1 on site 50.
	if got := day1(store.InsightVisitor); got != 3 {
		t.Errorf("visitors: got %d, want 3", got)
	}
	if got := day1(store.InsightVisit); got != 1 {
		t.Errorf("visits beyond the first: got %d, want 1 (the referral)", got)
	}
	if got := day1(store.InsightPageview); got != 1 {
		t.Errorf("pageviews beyond the first: got %d, want 1 (the direct hit of the later run)", got)
	}
	if got := sums(t, db, 1, store.InsightVisitor, at(2, 0), at(3, 0))["2025-04-02"]; got != 1 {
		t.Errorf("visitors on the 2nd: got %d, want 1", got)
	}
}

// TestVisitorSalt checks that every node gets the same salt for a day,
// whoever drew it first, and that older salts are deleted.
func TestVisitorSalt(t *testing.T) {
	ctx := context.Background()
	now := at(1, 9)
	db := storetest.NewWith(t, storetest.Options{Clock: setClock{&now}})
	a, err := db.VisitorSalt(ctx, at(1, 0), []byte("drawn by node A"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.VisitorSalt(ctx, at(1, 0), []byte("drawn by node B"))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != "drawn by node A" || string(b) != string(a) {
		t.Errorf("salts of one day: got %q and %q, want node A's twice", a, b)
	}
	now = at(2, 0)
	c, err := db.VisitorSalt(ctx, at(2, 0), []byte("drawn by node B"))
	if err != nil || string(c) != "drawn by node B" {
		t.Fatalf("the next day's salt: got %q, %v", c, err)
	}
	days, err := db.Read().VisitorSaltDays(ctx)
	if err != nil || len(days) != 1 || !days[0].Equal(at(2, 0)) {
		t.Errorf("stored salts: got %v %v, want the 2nd's only", days, err)
	}
}

// Influence is stored in batches: a second computation replaces the ranks
// of the accounts it ranks, and the accounts it leaves out go.
func TestInfluenceStoredInBatches(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	if at, err := db.Read().InfluenceComputedAt(ctx); err != nil || !at.IsZero() {
		t.Fatalf("computed at, before any: %v %v", at, err)
	}
	store1 := func(at time.Time, rows ...store.InfluenceRow) {
		t.Helper()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.StoreInfluence(ctx, "follow", rows, len(rows), at); err != nil {
				return err
			}
			return tx.DeleteInfluenceBefore(ctx, "follow", at)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	store1(at(1, 0), store.InfluenceRow{AccountID: 1, PageRank: 0.6, Rank: 1, Percentile: 50},
		store.InfluenceRow{AccountID: 2, PageRank: 0.4, Rank: 2, Percentile: 0})
	store1(at(1, 6), store.InfluenceRow{AccountID: 2, PageRank: 0.7, Rank: 1, Percentile: 50},
		store.InfluenceRow{AccountID: 3, PageRank: 0.3, Rank: 2, Percentile: 0})
	if in, err := db.Read().InfluenceOf(ctx, 1); err != nil || len(in) != 0 {
		t.Errorf("account 1, left out of the new ranks: %v %v", in, err)
	}
	in, err := db.Read().InfluenceOf(ctx, 2)
	if err != nil || in["follow"].Rank != 1 || in["follow"].PageRank != 0.7 || in["follow"].Nodes != 2 || !in["follow"].ComputedAt.Equal(at(1, 6)) {
		t.Errorf("account 2: %+v %v", in, err)
	}
	if got, err := db.Read().InfluenceComputedAt(ctx); err != nil || !got.Equal(at(1, 6)) {
		t.Errorf("computed at: %v %v", got, err)
	}
}

// Rolling up in parts of two events gives the counts of one roll-up:
// first sightings are remembered from part to part.
func TestInsightRollupInParts(t *testing.T) {
	ctx := context.Background()
	counts := func(part int) (map[string]int64, map[string]int64) {
		now := at(1, 9)
		db := storetest.NewWith(t, storetest.Options{Clock: setClock{&now}})
		var evs []store.InsightEvent
		for i := range 9 { // viewers 7 and 8 see posts 10 and 11, some twice
			evs = append(evs, store.InsightEvent{At: at(1, 9).Add(time.Duration(i) * time.Minute), Kind: store.InsightImpression,
				AccountID: 1, PostID: 10 + int64(i%2), Actor: 7 + int64(i%3%2)})
		}
		evs = append(evs, store.InsightEvent{At: at(1, 9), Kind: store.InsightFollow, AccountID: 1, Actor: 8})
		if err := db.InsertInsightEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		now = at(2, 12)
		var total int64
		for more, parts := true, 0; more; parts++ {
			if parts > 20 {
				t.Fatal("the parts never end")
			}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				n, m, err := tx.RollupInsightsHourlyPart(ctx, now, part)
				total, more = total+n, m
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if total != 10 {
			t.Fatalf("parts of %d: %d events rolled up, want 10", part, total)
		}
		rollup(t, db, now) // the daily sums
		return sums(t, db, 1, store.InsightImpression, at(1, 0), at(3, 0)), sums(t, db, 1, store.InsightFollow, at(1, 0), at(3, 0))
	}
	impAll, folAll := counts(0)
	impParts, folParts := counts(2)
	if impAll["2025-04-01"] != 4 || folAll["2025-04-01"] != 1 {
		t.Fatalf("at once: impressions %v, follows %v; want 4 and 1", impAll, folAll)
	}
	if impParts["2025-04-01"] != impAll["2025-04-01"] || folParts["2025-04-01"] != folAll["2025-04-01"] {
		t.Errorf("in parts: impressions %v, follows %v; at once %v, %v", impParts, folParts, impAll, folAll)
	}
}
