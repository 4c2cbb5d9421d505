package insights

import (
	"fmt"
	"time"
)

// Point is one day of a daily series.
type Point struct {
	Date  string  `json:"date"` // YYYY-MM-DD, UTC
	Value float64 `json:"value"`
}

// Day returns the start (UTC midnight) of t's day.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Days returns the start of every day that overlaps [since, until).
func Days(since, until time.Time) []time.Time {
	var out []time.Time
	for d := Day(since); d.Before(until); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// DateString formats a day as the series do.
func DateString(d time.Time) string { return d.UTC().Format(time.DateOnly) }

// DailySeries turns counts by day into a series over days, with zeros
// where nothing happened.
func DailySeries(days []time.Time, byDay map[time.Time]int64) []Point {
	out := make([]Point, len(days))
	for i, d := range days {
		out[i] = Point{Date: DateString(d), Value: float64(byDay[d])}
	}
	return out
}

// Sizes returns the size of a network at the end of each day, going back
// from its size now: the changes (joins minus departures, by day) that
// happened after a day are taken back from it. changes may hold days after
// the last of days, up to now.
func Sizes(now int64, days []time.Time, changes map[time.Time]int64) []Point {
	out := make([]Point, len(days))
	if len(days) == 0 {
		return out
	}
	last := days[len(days)-1]
	var after int64 // the changes after the day being filled in
	for d, c := range changes {
		if d.After(last) {
			after += c
		}
	}
	for i := len(days) - 1; i >= 0; i-- {
		out[i] = Point{Date: DateString(days[i]), Value: float64(max(0, now-after))}
		after += changes[days[i]]
	}
	return out
}

// GrowthRate is the relative change from the first to the last value of a
// series (0.1 for 10% growth); 0 when the series starts at 0.
func GrowthRate(s []Point) float64 {
	if len(s) == 0 || s[0].Value == 0 {
		return 0
	}
	return (s[len(s)-1].Value - s[0].Value) / s[0].Value
}

// Ratio is a/b, or 0 when b is 0, so that empty periods give 0 rather than
// NaN (which JSON cannot carry).
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Period is a reporting period: [Since, Until).
type Period struct {
	Since, Until time.Time
}

// MaxPeriod is the longest period a report covers.
const MaxPeriod = 2 * 366 * 24 * time.Hour

// ParsePeriod reads a period from since and until given as dates
// (YYYY-MM-DD, until included) or as RFC 3339 times (until excluded); an
// empty since is 28 days before until, an empty until is now.
func ParsePeriod(since, until string, now time.Time) (Period, error) {
	p := Period{Until: now.UTC()}
	if until != "" {
		t, dateOnly, err := parseWhen(until)
		if err != nil {
			return p, fmt.Errorf("until: %w", err)
		}
		if dateOnly {
			t = t.AddDate(0, 0, 1)
		}
		p.Until = t
	}
	p.Since = Day(p.Until.Add(-time.Nanosecond)).AddDate(0, 0, -27)
	if since != "" {
		t, _, err := parseWhen(since)
		if err != nil {
			return p, fmt.Errorf("since: %w", err)
		}
		p.Since = t
	}
	switch {
	case !p.Since.Before(p.Until):
		return p, fmt.Errorf("since (%s) must come before until (%s)", p.Since.Format(time.RFC3339), p.Until.Format(time.RFC3339))
	case p.Until.Sub(p.Since) > MaxPeriod:
		return p, fmt.Errorf("the period is longer than %d days", int(MaxPeriod/(24*time.Hour)))
	}
	return p, nil
}

func parseWhen(s string) (time.Time, bool, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is neither a date (2006-01-02) nor an RFC 3339 time", truncate(s, 40))
	}
	return t.UTC(), false, nil
}

// Previous returns the period of the same length just before p.
func (p Period) Previous() Period {
	return Period{Since: p.Since.Add(-p.Until.Sub(p.Since)), Until: p.Since}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
