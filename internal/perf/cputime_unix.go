//go:build unix

package perf

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time this process has used, user and system. On
// a shared machine wall time also counts the waits for other processes;
// CPU time does not.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
