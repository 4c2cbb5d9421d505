package store_test

import (
	"context"
	"testing"
	"time"

	"parvis/internal/perf"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// BenchmarkInsertInsightEvents measures the raw writes of the recorder's
// batches: 5,000 distinct impressions at a time.
func BenchmarkInsertInsightEvents(b *testing.B) {
	ctx := context.Background()
	db := storetest.New(b)
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	evs := make([]store.InsightEvent, batch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range evs {
			evs[j] = store.InsightEvent{At: start.Add(time.Duration(i*batch+j) * time.Millisecond), Kind: store.InsightImpression,
				AccountID: int64(j % 100), PostID: int64(j % 1000), Actor: -int64(j*7919 + i)}
		}
		if err := db.InsertInsightEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRollupInsights measures the hourly roll-up: 200,000 events of
// an hour (impressions by logged-in and anonymous viewers, clicks, visits)
// added to the hourly counts.
func BenchmarkRollupInsights(b *testing.B) {
	ctx := context.Background()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	now := start
	db := storetest.NewWith(b, storetest.Options{Clock: setClock{&now}})
	const perHour = 200000
	var events int64
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		hour := start.Add(time.Duration(i) * time.Hour)
		evs := make([]store.InsightEvent, perHour)
		for j := range evs {
			e := store.InsightEvent{At: hour.Add(time.Duration(j) * 17 * time.Millisecond), Kind: store.InsightImpression,
				AccountID: int64(j % 500), PostID: int64(j % 5000), Actor: -int64(j*7 + i)}
			switch {
			case j%4 == 0:
				e.Actor = int64(1 + j%20000) // logged in
			case j%50 == 1:
				e.Kind, e.RefID, e.Actor = store.InsightClick, int64(j%300), 0
			case j%50 == 2:
				e.Kind, e.RefID, e.Source = store.InsightVisitor, 1, 5
			}
			evs[j] = e
		}
		if err := db.InsertInsightEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
		now = hour.Add(time.Hour)
		b.StartTimer()
		c := perf.CPUTime()
		err := db.Tx(ctx, func(tx *store.Tx) error {
			n, err := tx.RollupInsightsHourly(ctx, now)
			events += n
			return err
		})
		cpu += perf.CPUTime() - c
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
}
