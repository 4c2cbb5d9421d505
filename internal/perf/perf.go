// Package perf holds what benchmarks share to report honest figures on a
// shared machine: the process's CPU time beside wall time, and latency
// percentiles.
package perf

import (
	"slices"
	"time"
)

// Latencies records the duration of each operation.
type Latencies []time.Duration

// Time runs f and records how long it took.
func (l *Latencies) Time(f func()) {
	t := time.Now()
	f()
	*l = append(*l, time.Since(t))
}

// Percentile returns the p-th percentile (0 < p ≤ 1) by the nearest-rank
// method, or 0 when nothing was recorded.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
