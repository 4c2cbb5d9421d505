package loadtest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// recorder keeps one operation's latencies (of 2xx answers) and failures.
type recorder struct {
	lat    []time.Duration
	errors map[string]int64
}

func newRecorder() *recorder { return &recorder{errors: map[string]int64{}} }

func (r *recorder) add(status string, d time.Duration) {
	if status != "" {
		r.errors[status]++
		return
	}
	r.lat = append(r.lat, d)
}

func (r *recorder) merge(o *recorder) {
	r.lat = append(r.lat, o.lat...)
	for k, v := range o.errors {
		r.errors[k] += v
	}
}

func (r *recorder) summary(op string, elapsed time.Duration) Stats {
	s := Stats{Op: op, OK: int64(len(r.lat)), Errors: map[string]int64{}}
	for k, v := range r.errors {
		s.Errors[k] = v
	}
	if elapsed > 0 {
		s.PerSec = float64(len(r.lat)) / elapsed.Seconds()
	}
	if len(r.lat) == 0 {
		return s
	}
	lat := slices.Clone(r.lat)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	s.P50, s.P90, s.P99, s.Max = q(0.50), q(0.90), q(0.99), lat[len(lat)-1]
	return s
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	mode := "closed loop (next request as soon as one is answered)"
	if r.Rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f requests/s (latency counted from when each was due)", r.Rate)
	}
	fmt.Fprintf(w, "target %s, %d accounts, %d in flight, %s\n", r.Target, r.Users, r.Concurrency, mode)
	fmt.Fprintf(w, "mix %s, measured for %s\n\n", r.Mix, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "%-14s %9s %8s %10s %9s %9s %9s %9s\n", "operation", "ok", "errors", "ok/s", "p50", "p90", "p99", "max")
	row := func(s Stats) {
		fmt.Fprintf(w, "%-14s %9d %8d %10.1f %9s %9s %9s %9s\n", s.Op, s.OK, s.ErrorCount(), s.PerSec,
			ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	}
	for _, s := range r.Ops {
		row(s)
	}
	row(r.Total)
	if r.Ceiling != nil {
		fmt.Fprintf(w, "\nceiling: a trivial endpoint (GET %s), same client, same machine, just before:\n", CeilingPath)
		row(*r.Ceiling)
	}
	var errs []string
	for _, s := range append(append([]Stats(nil), r.Ops...), derefOr(r.Ceiling)...) {
		keys := make([]string, 0, len(s.Errors))
		for k := range s.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			errs = append(errs, fmt.Sprintf("%s %s ×%d", s.Op, k, s.Errors[k]))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nerrors: %s\n", strings.Join(errs, ", "))
	}
}

func derefOr(s *Stats) []Stats {
	if s == nil {
		return nil
	}
	return []Stats{*s}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}
