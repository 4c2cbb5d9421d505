//go:build !unix

package perf

import "time"

// CPUTime is unavailable on this system: it returns zero.
func CPUTime() time.Duration { return 0 }
