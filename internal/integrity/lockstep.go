package integrity

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// LockstepOptions configures Lockstep.
type LockstepOptions struct {
	// MinAccounts and MinObjects are the smallest group reported: at least
	// MinAccounts accounts that each engaged at least MinObjects of the
	// group's objects within Window seconds of the others.
	MinAccounts int
	MinObjects  int
	Window      int64
	// MaxPartners bounds, for each engagement, how many earlier
	// engagements of the same object within Window it is paired with. It
	// keeps the cost linear on viral posts, where thousands engage within
	// minutes; a lockstep group hidden in such a crowd is only seen if its
	// members' engagements fall within MaxPartners of each other.
	MaxPartners int
}

// DefaultLockstepOptions returns the harness's calibrated thresholds: 10
// accounts engaging the same 10 objects, each within 10 minutes.
func DefaultLockstepOptions() LockstepOptions {
	return LockstepOptions{MinAccounts: 10, MinObjects: 10, Window: 600, MaxPartners: 500}
}

// Lockstep finds groups of accounts that act in lockstep: many accounts
// engaging the same many objects, each object within a short window, the
// way a botnet or a paid engagement group does (CopyCatch, Beutel et al.,
// WWW 2013; SynchroTrap, Cao et al., CCS 2014). Organic attention to one
// post is spread over hours and different people read different posts, so
// a pair of accounts rarely engages ten of the same posts within minutes of
// each other, and a crowd of such pairs all linked to each other is rarer
// still.
//
// It works in three steps. First, with engagements sorted by object and
// time, each is paired with the earlier engagements of the same object
// within Window, and each account pair counts the objects it engaged in
// sync. Second, pairs in sync on at least MinObjects objects link their
// accounts; the (MinAccounts−1)-core of that graph keeps accounts linked to
// at least MinAccounts−1 others, which removes chance pairs and chains, and
// each connected part of the core is a candidate group. Third, a candidate
// group's objects are those on which at least half of the group engaged
// within one Window, and its accounts those in that window on at least
// MinObjects of them; groups still at least MinAccounts × MinObjects are
// reported. Score is the geometric mean of accounts over MinAccounts and
// objects over MinObjects.
func Lockstep(ctx context.Context, edges []Edge, opt LockstepOptions) ([]Finding, error) {
	if opt.MinAccounts < 2 || opt.MinObjects < 1 || opt.Window <= 0 || opt.MaxPartners < 1 {
		return nil, fmt.Errorf("integrity: lockstep: invalid options %+v", opt)
	}
	recs := firstEngagements(edges)
	var in interner
	idx := make([]int32, len(recs))
	for i, e := range recs {
		a, err := in.account(e.Account)
		if err != nil {
			return nil, err
		}
		idx[i] = a
	}
	// Step 1: account pairs in sync, counted once per object.
	pairs := map[uint64]int32{}
	for i := range recs {
		if i&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("integrity: lockstep: %w", err)
			}
		}
		for j, n := i-1, 0; j >= 0 && n < opt.MaxPartners; j, n = j-1, n+1 {
			if recs[j].Object != recs[i].Object || recs[i].Time-recs[j].Time > opt.Window {
				break
			}
			a, b := idx[i], idx[j]
			if a > b {
				a, b = b, a
			}
			pairs[edgeKey(a, b)]++
		}
	}
	// Step 2: the core of the graph of strongly synced pairs.
	adj := map[int32][]int32{}
	for k, n := range pairs {
		if int(n) >= opt.MinObjects {
			a, b := keyRow(k), keyCol(k)
			adj[a] = append(adj[a], b)
			adj[b] = append(adj[b], a)
		}
	}
	pairs = nil
	groups := coreComponents(adj, opt.MinAccounts-1, opt.MinAccounts)
	// Step 3: each group's synchronised objects and members.
	var out []Finding
	for _, g := range groups {
		member := make(map[int64]bool, len(g))
		for _, a := range g {
			member[in.accounts[a]] = true
		}
		if f, ok := lockstepFinding(recs, member, opt); ok {
			out = append(out, f)
		}
	}
	sortFindings(out)
	return out, nil
}

// coreComponents returns the connected components, of at least minSize
// nodes, of the k-core of the undirected graph adj, each sorted.
func coreComponents(adj map[int32][]int32, k, minSize int) [][]int32 {
	deg := make(map[int32]int, len(adj))
	var queue []int32
	for v, ns := range adj {
		deg[v] = len(ns)
		if len(ns) < k {
			queue = append(queue, v)
		}
	}
	gone := map[int32]bool{}
	for len(queue) > 0 {
		v := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if gone[v] {
			continue
		}
		gone[v] = true
		for _, u := range adj[v] {
			if !gone[u] {
				deg[u]--
				if deg[u] < k {
					queue = append(queue, u)
				}
			}
		}
	}
	nodes := make([]int32, 0, len(adj))
	for v := range adj {
		if !gone[v] {
			nodes = append(nodes, v)
		}
	}
	slices.Sort(nodes)
	seen := map[int32]bool{}
	var comps [][]int32
	for _, s := range nodes {
		if seen[s] {
			continue
		}
		seen[s] = true
		comp := []int32{s}
		for i := 0; i < len(comp); i++ {
			for _, u := range adj[comp[i]] {
				if !gone[u] && !seen[u] {
					seen[u] = true
					comp = append(comp, u)
				}
			}
		}
		if len(comp) >= minSize {
			slices.Sort(comp)
			comps = append(comps, comp)
		}
	}
	return comps
}

// lockstepFinding turns a candidate group into a finding, if its
// synchronised objects and members still make a group of the minimum size.
// recs are first engagements sorted by object and time.
func lockstepFinding(recs []Edge, member map[int64]bool, opt LockstepOptions) (Finding, bool) {
	need := max(2, int(math.Ceil(0.5*float64(len(member)))))
	var objects []int64
	var synced []Edge // engagements inside each object's best window
	perAccount := map[int64]int{}
	var sub []Edge
	byObject(recs, func(run []Edge) {
		sub = sub[:0]
		for _, e := range run {
			if member[e.Account] {
				sub = append(sub, e)
			}
		}
		if len(sub) < need {
			return
		}
		// The window holding the most members.
		bestLo, bestHi, lo := 0, 0, 0
		for hi := range sub {
			for sub[hi].Time-sub[lo].Time > opt.Window {
				lo++
			}
			if hi+1-lo > bestHi-bestLo {
				bestLo, bestHi = lo, hi+1
			}
		}
		if bestHi-bestLo < need {
			return
		}
		objects = append(objects, run[0].Object)
		for _, e := range sub[bestLo:bestHi] {
			synced = append(synced, e)
			perAccount[e.Account]++
		}
	})
	var accounts []int64
	for a, n := range perAccount {
		if n >= opt.MinObjects {
			accounts = append(accounts, a)
		}
	}
	if len(accounts) < opt.MinAccounts || len(objects) < opt.MinObjects {
		return Finding{}, false
	}
	keep := make(map[int64]bool, len(accounts))
	for _, a := range accounts {
		keep[a] = true
	}
	var kept []Edge
	for _, e := range synced {
		if keep[e.Account] {
			kept = append(kept, e)
		}
	}
	from, to := timeSpan(kept)
	score := math.Sqrt(float64(len(accounts)) / float64(opt.MinAccounts) * float64(len(objects)) / float64(opt.MinObjects))
	return Finding{
		Signal:   SignalLockstep,
		Score:    score,
		Accounts: sortedUnique(accounts),
		Objects:  sortedUnique(objects),
		From:     from,
		To:       to,
		Reason: fmt.Sprintf("%d accounts engaged the same %d objects, at least half of them within %s of each other on each object",
			len(accounts), len(objects), seconds(opt.Window)),
	}, true
}
