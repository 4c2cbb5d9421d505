//go:build unix

package web_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used, user and system, so
// that benchmarks can report it beside wall time: on a shared machine wall
// time also counts the waits for other people's processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
