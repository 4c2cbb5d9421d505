package social_test

import (
	"context"
	"testing"
	"time"

	"parvis/internal/perf"
	"parvis/internal/social"
)

// An incremental integrity scan: the last day's engagement judged with a
// week of context, on the benchmark database (PARVIS_BENCH_DATA; copy the
// seeded directory first, a scan writes its findings).
func BenchmarkIntegrityScanDay(b *testing.B) {
	svc, db := benchWorld(b)
	ctx := context.Background()
	cpu := perf.CPUTime()
	for b.Loop() {
		rep, err := svc.IntegrityScan(ctx, social.ScanOptions{Since: db.Now().Add(-24 * time.Hour), Lookback: 7 * 24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Engagements), "engagements")
	}
	b.ReportMetric((perf.CPUTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}
