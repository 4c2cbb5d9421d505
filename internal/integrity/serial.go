package integrity

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// SerialOptions configures Serial.
type SerialOptions struct {
	// MinPosts is how many distinct posts of one author an account must
	// favourite, boost or vote on within Window to be reported.
	MinPosts int
	// Window is in seconds.
	Window int64
}

// DefaultSerialOptions returns the harness's calibrated thresholds: 5 posts
// of one author within 30 minutes. Large question-and-answer sites reverse
// votes on the same grounds; organic readers who like one author's work
// engage a post now and then, not five in a sitting.
func DefaultSerialOptions() SerialOptions {
	return SerialOptions{MinPosts: 5, Window: 30 * 60}
}

// Serial finds serial engagement: one account favouriting, boosting or
// voting on at least MinPosts distinct posts of the same author within
// Window seconds. Replies do not count, since answering several posts in a
// thread is conversation. Edges without an author, and engagement with one's
// own posts, are ignored. Overlapping windows of one account and author
// merge into one finding whose Score is the most posts in any window over
// MinPosts.
func Serial(ctx context.Context, edges []Edge, opt SerialOptions) ([]Finding, error) {
	if opt.MinPosts < 2 || opt.Window <= 0 {
		return nil, fmt.Errorf("integrity: serial: invalid options %+v", opt)
	}
	var recs []Edge
	for _, e := range edges {
		if e.Author == 0 || e.Author == e.Account || e.Kind == Reply {
			continue
		}
		recs = append(recs, e)
	}
	// One engagement per account and post, the earliest.
	slices.SortFunc(recs, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Author, b.Author),
			cmp.Compare(a.Object, b.Object), cmp.Compare(a.Time, b.Time))
	})
	recs = slices.CompactFunc(recs, func(a, b Edge) bool { return a.Account == b.Account && a.Object == b.Object })
	slices.SortFunc(recs, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Author, b.Author),
			cmp.Compare(a.Time, b.Time), cmp.Compare(a.Object, b.Object))
	})
	var out []Finding
	for i := 0; i < len(recs); {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("integrity: serial: %w", err)
		}
		j := i + 1
		for j < len(recs) && recs[j].Account == recs[i].Account && recs[j].Author == recs[i].Author {
			j++
		}
		out = append(out, serialRuns(recs[i:j], opt)...)
		i = j
	}
	sortFindings(out)
	return out, nil
}

// serialRuns finds the serial windows in one account's engagement with one
// author, sorted by time.
func serialRuns(run []Edge, opt SerialOptions) []Finding {
	if len(run) < opt.MinPosts {
		return nil
	}
	var out []Finding
	start, end := -1, -1 // the current merged stretch run[start:end]
	most := 0
	flush := func() {
		if start < 0 {
			return
		}
		part := run[start:end]
		objects := make([]int64, len(part))
		for i, e := range part {
			objects[i] = e.Object
		}
		from, to := timeSpan(part)
		out = append(out, Finding{
			Signal:   SignalSerial,
			Score:    float64(most) / float64(opt.MinPosts),
			Accounts: []int64{part[0].Account},
			Objects:  sortedUnique(objects),
			Authors:  []int64{part[0].Author},
			From:     from,
			To:       to,
			Reason: fmt.Sprintf("account %d engaged %d posts by author %d within %s (threshold %d within %s)",
				part[0].Account, most, part[0].Author, seconds(opt.Window), opt.MinPosts, seconds(opt.Window)),
		})
		start, end, most = -1, -1, 0
	}
	lo := 0
	for hi := range run {
		for run[hi].Time-run[lo].Time > opt.Window {
			lo++
		}
		if n := hi - lo + 1; n >= opt.MinPosts {
			if start >= 0 && lo >= end {
				flush()
			}
			if start < 0 {
				start = lo
			}
			end = hi + 1
			most = max(most, n)
		}
	}
	flush()
	return out
}

// seconds formats a duration in seconds briefly.
func seconds(s int64) string {
	switch {
	case s%86400 == 0:
		return fmt.Sprintf("%dd", s/86400)
	case s%3600 == 0:
		return fmt.Sprintf("%dh", s/3600)
	case s%60 == 0:
		return fmt.Sprintf("%dmin", s/60)
	}
	return fmt.Sprintf("%ds", s)
}
