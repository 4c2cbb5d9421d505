package integrity

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// RingOptions configures Rings.
type RingOptions struct {
	// MinAccounts is the smallest ring reported.
	MinAccounts int
	// MinEngagements is how many distinct posts each of two accounts must
	// have engaged of the other's for the pair to count as reciprocal.
	MinEngagements int
	// MinLift is how many times more than expected each direction of a
	// reciprocal pair must engage (see Rings).
	MinLift float64
}

// DefaultRingOptions returns the harness's calibrated thresholds: rings of at
// least 5 accounts whose members engaged at least 3 of each other's posts,
// 10 times more than their activity predicts.
func DefaultRingOptions() RingOptions {
	return RingOptions{MinAccounts: 5, MinEngagements: 3, MinLift: 10}
}

// Rings finds groups of accounts that engage each other's posts far more
// than chance: "vote for me and I vote for you", or friends asked to vote
// just to vote.
//
// Let w(a→b) be the number of distinct posts by b that a engaged, out(a) the
// sum over b and in(b) the sum over a, and T the total. If accounts spread
// their engagement over authors in proportion to how much each receives,
// a would engage b's posts out(a)·in(b)/T times; the lift of a→b is w(a→b)
// over that. A pair is reciprocal when both directions reach MinEngagements
// and MinLift: two popular and active accounts engaging each other is
// expected and has a low lift, two quiet accounts doing so again and again
// is not. Reciprocal pairs link their accounts; the 2-core of that graph,
// split into connected parts of at least MinAccounts, gives the rings. The
// Score is the ring's internal lift (all its internal engagement over all
// its expected internal engagement) over MinLift.
//
// Organic friend groups do this too, which is why rings are evidence for a
// moderator to weigh rather than a verdict; the thresholds keep casual
// mutual fans out.
func Rings(ctx context.Context, edges []Edge, opt RingOptions) ([]Finding, error) {
	if opt.MinAccounts < 3 || opt.MinEngagements < 1 || opt.MinLift <= 0 {
		return nil, fmt.Errorf("integrity: rings: invalid options %+v", opt)
	}
	// One engagement per account and post.
	var recs []Edge
	for _, e := range edges {
		if e.Author != 0 && e.Author != e.Account {
			recs = append(recs, e)
		}
	}
	slices.SortFunc(recs, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Object, b.Object), cmp.Compare(a.Time, b.Time))
	})
	recs = slices.CompactFunc(recs, func(a, b Edge) bool { return a.Account == b.Account && a.Object == b.Object })
	var in interner
	w := map[uint64]int32{}
	var out, inc []float64
	grow := func(s []float64, i int32) []float64 {
		for int(i) >= len(s) {
			s = append(s, 0)
		}
		return s
	}
	for i, e := range recs {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("integrity: rings: %w", err)
			}
		}
		// Accounts and authors share one id space here.
		a, err := in.account(e.Account)
		if err != nil {
			return nil, err
		}
		b, err := in.account(e.Author)
		if err != nil {
			return nil, err
		}
		w[edgeKey(a, b)]++
		out = grow(out, max(a, b))
		inc = grow(inc, max(a, b))
		out[a]++
		inc[b]++
	}
	total := float64(len(recs))
	lift := func(a, b int32, n int32) float64 {
		exp := out[a] * inc[b] / total
		return float64(n) / exp
	}
	adj := map[int32][]int32{}
	for k, n := range w {
		a, b := keyRow(k), keyCol(k)
		if a > b || int(n) < opt.MinEngagements || lift(a, b, n) < opt.MinLift {
			continue
		}
		back := w[edgeKey(b, a)]
		if int(back) < opt.MinEngagements || lift(b, a, back) < opt.MinLift {
			continue
		}
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
	}
	var findings []Finding
	for _, ring := range coreComponents(adj, 2, opt.MinAccounts) {
		member := map[int32]bool{}
		for _, v := range ring {
			member[v] = true
		}
		var obs, exp float64
		for _, a := range ring {
			for _, b := range ring {
				if a != b {
					obs += float64(w[edgeKey(a, b)])
					exp += out[a] * inc[b] / total
				}
			}
		}
		ids := make(map[int64]bool, len(ring))
		accounts := make([]int64, len(ring))
		for i, v := range ring {
			accounts[i] = in.accounts[v]
			ids[accounts[i]] = true
		}
		var objects []int64
		var inside []Edge
		for _, e := range recs {
			if ids[e.Account] && ids[e.Author] {
				objects = append(objects, e.Object)
				inside = append(inside, e)
			}
		}
		from, to := timeSpan(inside)
		findings = append(findings, Finding{
			Signal:   SignalRing,
			Score:    obs / exp / opt.MinLift,
			Accounts: sortedUnique(accounts),
			Objects:  sortedUnique(objects),
			Authors:  sortedUnique(slices.Clone(accounts)),
			From:     from,
			To:       to,
			Reason: fmt.Sprintf("%d accounts engaged each other's posts %.0f times, %.0f× what their activity predicts",
				len(ring), obs, obs/exp),
		})
	}
	sortFindings(findings)
	return findings, nil
}
