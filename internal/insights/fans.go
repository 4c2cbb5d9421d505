package insights

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Touch is one honest engagement (reply, boost or favourite) by someone.
type Touch struct {
	AccountID int64
	At        time.Time
}

// FanRule says who counts as a fan: someone who engaged on at least MinDays
// distinct days of the Window up to a day.
type FanRule struct {
	MinDays int
	Window  time.Duration
}

// DefaultFanRule counts as a fan whoever engaged on three distinct days
// within 90 days.
var DefaultFanRule = FanRule{MinDays: 3, Window: 90 * 24 * time.Hour}

// Fan is one fan and how much they engaged in the period.
type Fan struct {
	AccountID   int64  `json:"id,string"`
	Acct        string `json:"acct"`
	Engagements int    `json:"engagements"`
	Days        int    `json:"days"` // distinct days of engagement in the period
}

// FanSummary tells who comes back to engage, and how that group grows.
type FanSummary struct {
	Rule string `json:"rule"`
	// Count is the number of fans at the end of the period; New and Lost
	// compare with its start.
	Count int `json:"count"`
	New   int `json:"new"`
	Lost  int `json:"lost"`
	// Engagers counts everyone who engaged in the period.
	Engagers int `json:"engagers"`
	// Series is the number of fans at the end of each day.
	Series []Point `json:"series"`
	// Top lists the people who were fans during the period, those who
	// engaged most in it first.
	Top []Fan `json:"top"`
}

// Fans applies rule to touches, which must reach back rule.Window before
// the first of days, and sums up the period days[0] to the end of the last
// day. top bounds the list of top fans.
func Fans(touches []Touch, days []time.Time, rule FanRule, top int) FanSummary {
	out := FanSummary{Rule: "engaged on at least " + strconv.Itoa(rule.MinDays) + " distinct days within " +
		strconv.Itoa(int(rule.Window/(24*time.Hour))) + " days", Series: make([]Point, len(days))}
	for i, d := range days {
		out.Series[i].Date = DateString(d)
	}
	if len(days) == 0 {
		return out
	}
	first, end := days[0], days[len(days)-1].AddDate(0, 0, 1)
	byAccount := map[int64][]time.Time{}
	inPeriod := map[int64]*Fan{}
	for _, t := range touches {
		d := Day(t.At)
		byAccount[t.AccountID] = append(byAccount[t.AccountID], d)
		if !t.At.Before(first) && t.At.Before(end) {
			f := inPeriod[t.AccountID]
			if f == nil {
				f = &Fan{AccountID: t.AccountID}
				inPeriod[t.AccountID] = f
			}
			f.Engagements++
		}
	}
	out.Engagers = len(inPeriod)
	// An account is a fan on day d when MinDays of its distinct days lie in
	// (d - Window, d]: from the day of its k-th engagement day to the day
	// the (k-MinDays+1)-th leaves the window. Those intervals are added to a
	// difference array over the period.
	diff := make([]int, len(days)+1)
	index := func(t time.Time) int { return int(t.Sub(first) / (24 * time.Hour)) }
	fanAt := func(ds []time.Time, at time.Time) bool {
		n := 0
		for _, d := range ds {
			if !d.After(at) && at.Sub(d) < rule.Window {
				n++
			}
		}
		return n >= rule.MinDays
	}
	lastDay := days[len(days)-1]
	for acc, ds := range byAccount {
		slices.SortFunc(ds, func(a, b time.Time) int { return a.Compare(b) })
		ds = slices.Compact(ds)
		wasFan := false
		for k := rule.MinDays - 1; k < len(ds); k++ {
			from := ds[k]
			to := ds[k-rule.MinDays+1].Add(rule.Window) // the first day these engagements no longer make a fan
			if k+1 < len(ds) && ds[k+1].Before(to) {
				to = ds[k+1] // the next window takes over from there
			}
			lo, hi := max(index(from), 0), min(index(to), len(days))
			if lo < hi {
				diff[lo]++
				diff[hi]--
				wasFan = true
			}
		}
		startFan, endFan := fanAt(ds, first.Add(-24*time.Hour)), fanAt(ds, lastDay)
		switch {
		case endFan:
			out.Count++
			if !startFan {
				out.New++
			}
		case startFan:
			out.Lost++
		}
		f := inPeriod[acc]
		if f == nil || !wasFan {
			continue
		}
		for _, d := range ds {
			if !d.Before(first) && d.Before(end) {
				f.Days++
			}
		}
		out.Top = append(out.Top, *f)
	}
	run := 0
	for i := range days {
		run += diff[i]
		out.Series[i].Value = float64(run)
	}
	slices.SortFunc(out.Top, func(a, b Fan) int {
		if c := cmp.Compare(b.Engagements, a.Engagements); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Days, a.Days); c != 0 {
			return c
		}
		return cmp.Compare(a.AccountID, b.AccountID)
	})
	if len(out.Top) > top {
		out.Top = out.Top[:top]
	}
	return out
}
