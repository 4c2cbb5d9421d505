package perf

import (
	"testing"
	"time"
)

// ReportCPU adds to b the CPU time per operation since start, a value of
// CPUTime (cpu-ms/op): on a machine shared with other work, wall time grows
// with the queue for the cores while CPU time stays what the work costs.
func ReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(CPUTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
