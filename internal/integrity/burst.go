package integrity

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// BurstOptions configures Bursts.
type BurstOptions struct {
	// Window is the span, in seconds, in which a burst's engagements fall.
	Window int64
	// MinAccounts is the fewest young or related accounts in one burst.
	MinAccounts int
	// NewAccountAge is the age, in seconds at the time of engaging, below
	// which an account counts as young.
	NewAccountAge int64
	// MaxPValue is the largest chance probability reported (see Bursts).
	MaxPValue float64
}

// DefaultBurstOptions returns the harness's calibrated thresholds: at least
// 10 accounts in one hour, young meaning under 7 days old, and a chance
// probability under 10⁻⁹, small enough to survive testing every window of
// every object of a busy instance.
func DefaultBurstOptions() BurstOptions {
	return BurstOptions{Window: 3600, MinAccounts: 10, NewAccountAge: 7 * 86400, MaxPValue: 1e-9}
}

// Bursts finds two kinds of bursts on one object within Window seconds:
// many young accounts (signal burst_new_accounts), or many accounts sharing
// both a network hash and a client hash (burst_related_accounts), the marks
// of freshly made or mass-run sock puppets.
//
// Popular posts draw crowds, and every crowd holds some young accounts and
// some neighbours, so a count alone would flag every viral post. Each window
// is instead compared with the base rate: if a fraction p of all engagement
// comes from young accounts (or from one network-and-client group), the
// number of such engagements among the n in a window is, by chance,
// binomial(n, p). A burst is reported when it holds at least MinAccounts such
// accounts and the probability of at least that many by chance is at most
// MaxPValue. Overlapping windows of one object merge into one finding; its
// Score is log10 of MaxPValue over the smallest p-value found, plus one, so
// 1 is the threshold and each further unit is ten times less likely.
// Accounts without facts count as neither young nor related.
func Bursts(ctx context.Context, ds Dataset, opt BurstOptions) ([]Finding, error) {
	if opt.Window <= 0 || opt.MinAccounts < 2 || opt.NewAccountAge <= 0 || opt.MaxPValue <= 0 || opt.MaxPValue >= 1 {
		return nil, fmt.Errorf("integrity: bursts: invalid options %+v", opt)
	}
	recs := firstEngagements(ds.Edges)
	if len(recs) == 0 {
		return nil, nil
	}
	// Classify each engagement: young or not, and its related group.
	young := make([]bool, len(recs))
	group := make([]int32, len(recs)) // 0: no group
	groupIndex := map[[2]uint64]int32{}
	var youngCount float64
	var groupCount []float64 // by group − 1
	for i, e := range recs {
		f, ok := ds.Accounts[e.Account]
		if !ok {
			continue
		}
		if f.CreatedAt != 0 && e.Time-f.CreatedAt < opt.NewAccountAge {
			young[i] = true
			youngCount++
		}
		if f.Network != 0 && f.Client != 0 {
			k := [2]uint64{f.Network, f.Client}
			g, ok := groupIndex[k]
			if !ok {
				g = int32(len(groupIndex) + 1)
				groupIndex[k] = g
				groupCount = append(groupCount, 0)
			}
			group[i] = g
			groupCount[g-1]++
		}
	}
	total := float64(len(recs))
	var out []Finding
	var err error
	start := 0
	byObject(recs, func(run []Edge) {
		if err != nil {
			return
		}
		if err = ctx.Err(); err != nil {
			return
		}
		lo, hi := start, start+len(run)
		start = hi
		if youngCount > 0 {
			is := func(i int) bool { return young[i] }
			out = append(out, burstsOf(recs, lo, hi, is, youngCount/total, opt, SignalBurstNew,
				"young accounts (under "+seconds(opt.NewAccountAge)+" old)")...)
		}
		for _, g := range groupsIn(group[lo:hi], opt.MinAccounts) {
			is := func(i int) bool { return group[i] == g }
			out = append(out, burstsOf(recs, lo, hi, is, groupCount[g-1]/total, opt, SignalBurstRelated,
				"accounts sharing one network and client")...)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("integrity: bursts: %w", err)
	}
	sortFindings(out)
	return out, nil
}

// groupsIn returns the groups with at least min engagements in gs.
func groupsIn(gs []int32, min int) []int32 {
	count := map[int32]int{}
	var out []int32
	for _, g := range gs {
		if g == 0 {
			continue
		}
		count[g]++
		if count[g] == min {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// burstsOf scans the engagements recs[lo:hi] of one object, sorted by time,
// for windows where the engagements marked by is are too many for base rate
// p, and returns one finding per merged stretch of such windows.
func burstsOf(recs []Edge, lo, hi int, is func(int) bool, p float64, opt BurstOptions, signal Signal, what string) []Finding {
	var out []Finding
	marked := 0 // marked engagements in recs[left:right+1]
	left := lo
	var members []Edge
	bestP, bestK, bestN := 1.0, 0, 0
	stretchEnd := -1 // index after the last window of the current stretch
	flush := func() {
		if len(members) == 0 {
			return
		}
		accounts := make([]int64, 0, len(members))
		for _, e := range members {
			accounts = append(accounts, e.Account)
		}
		from, to := timeSpan(members)
		out = append(out, Finding{
			Signal:   signal,
			Score:    1 + math.Log10(opt.MaxPValue/math.Max(bestP, 1e-300)),
			Accounts: sortedUnique(accounts),
			Objects:  []int64{members[0].Object},
			From:     from,
			To:       to,
			Reason: fmt.Sprintf("%d of %d engagements within %s came from %s, where %.2g were expected (chance probability %.1e)",
				bestK, bestN, seconds(opt.Window), what, p*float64(bestN), bestP),
		})
		members = nil
		bestP, bestK, bestN = 1, 0, 0
	}
	for right := lo; right < hi; right++ {
		if is(right) {
			marked++
		}
		for recs[right].Time-recs[left].Time > opt.Window {
			if is(left) {
				marked--
			}
			left++
		}
		if marked < opt.MinAccounts {
			continue
		}
		n := right - left + 1
		if float64(marked) <= p*float64(n) {
			continue // no more than chance: skip the tail sum
		}
		pv := binomialTail(n, marked, p)
		if pv > opt.MaxPValue {
			continue
		}
		if left >= stretchEnd {
			flush()
		}
		start := left
		if stretchEnd > left {
			start = stretchEnd
		}
		for i := start; i <= right; i++ {
			if is(i) {
				members = append(members, recs[i])
			}
		}
		stretchEnd = right + 1
		if pv < bestP {
			bestP, bestK, bestN = pv, marked, n
		}
	}
	flush()
	return out
}

// binomialTail returns P(X ≥ k) for X ~ binomial(n, p), summed in log space
// from k upwards until the terms stop mattering.
func binomialTail(n, k int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n || p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	lp, lq := math.Log(p), math.Log1p(-p)
	lgN, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	first := 0.0
	for i := k; i <= n; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		t := lgN - a - b + float64(i)*lp + float64(n-i)*lq
		if i == k {
			first = t
		}
		term := math.Exp(t - first)
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return math.Min(1, math.Exp(first)*sum)
}
