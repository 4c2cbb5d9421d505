package perf

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var l Latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0.001, time.Millisecond}} {
		if got := l.Percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Latencies(nil).Percentile(0.5); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestCPUTimeGrowsWithWork(t *testing.T) {
	before := CPUTime()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if x == 0 {
		t.Fatal("unreachable")
	}
	after := CPUTime()
	if after == 0 {
		t.Skip("this system reports no CPU time")
	}
	if after <= before {
		t.Fatalf("CPU time went from %v to %v over a busy loop", before, after)
	}
}
