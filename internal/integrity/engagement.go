package integrity

import (
	"cmp"
	"slices"
)

// firstEngagements returns, for each account–object pair in edges, the
// earliest edge, ordered by object and then time. Timed detectors count an
// account once per object: favouriting and boosting the same post is one
// act of attention, not two.
func firstEngagements(edges []Edge) []Edge {
	out := slices.Clone(edges)
	slices.SortFunc(out, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Object, b.Object), cmp.Compare(a.Account, b.Account), cmp.Compare(a.Time, b.Time))
	})
	out = slices.CompactFunc(out, func(a, b Edge) bool { return a.Object == b.Object && a.Account == b.Account })
	slices.SortFunc(out, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Object, b.Object), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Account, b.Account))
	})
	return out
}

// byObject calls fn with each run of edges that share an object; edges must
// be sorted by object.
func byObject(edges []Edge, fn func(run []Edge)) {
	for i := 0; i < len(edges); {
		j := i + 1
		for j < len(edges) && edges[j].Object == edges[i].Object {
			j++
		}
		fn(edges[i:j])
		i = j
	}
}

// timeSpan returns the earliest and latest time of edges.
func timeSpan(edges []Edge) (from, to int64) {
	for i, e := range edges {
		if i == 0 || e.Time < from {
			from = e.Time
		}
		if i == 0 || e.Time > to {
			to = e.Time
		}
	}
	return from, to
}
