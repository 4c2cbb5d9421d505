package insights

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Graph is a weighted directed graph in compressed sparse row form, stored
// by target: the edges into node v are sources[in[v]:in[v+1]], with weights
// at the same positions. Nodes are numbered 0 to N-1. Build one with
// NewGraph.
type Graph struct {
	n       int
	in      []int32   // len n+1
	sources []int32   // source of each edge, grouped by target
	weights []float64 // weight of each edge; nil when all are 1
	outW    []float64 // total weight leaving each node
}

// Edge is a directed edge of weight Weight from From to To.
type Edge struct {
	From, To int32
	Weight   float64
}

// ErrNotConverged is returned (wrapped) by PageRank when the iteration
// limit is reached first.
var ErrNotConverged = errors.New("pagerank did not converge")

// NewGraph builds a graph of n nodes from edges. Parallel edges are merged
// and their weights added; self-loops are kept. Weights must be finite and
// not negative; an edge of weight 0 carries no rank. When weighted is false
// every weight is taken as 1 and the Weight fields are ignored.
func NewGraph(n int, edges []Edge, weighted bool) (*Graph, error) {
	if n < 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("node count %d out of range", n)
	}
	if len(edges) > math.MaxInt32 {
		return nil, fmt.Errorf("%d edges: more than %d", len(edges), math.MaxInt32)
	}
	for i, e := range edges {
		if e.From < 0 || int(e.From) >= n || e.To < 0 || int(e.To) >= n {
			return nil, fmt.Errorf("edge %d (%d→%d): node out of range [0,%d)", i, e.From, e.To, n)
		}
		if weighted && (e.Weight < 0 || math.IsNaN(e.Weight) || math.IsInf(e.Weight, 0)) {
			return nil, fmt.Errorf("edge %d (%d→%d): weight %v is not a finite non-negative number", i, e.From, e.To, e.Weight)
		}
	}
	g := &Graph{n: n, in: make([]int32, n+1), outW: make([]float64, n)}
	// Two stable counting sorts, by source then by target, leave the
	// sources of each target in order, so that parallel edges sit side by
	// side and can be merged, in O(N+E) without comparisons.
	bySource := countingSort(n, edges, func(e Edge) int32 { return e.From }, nil)
	order := countingSort(n, edges, func(e Edge) int32 { return e.To }, bySource)
	for _, e := range edges {
		g.in[e.To+1]++
	}
	for v := range n {
		g.in[v+1] += g.in[v]
	}
	src := make([]int32, len(edges))
	var w []float64
	if weighted {
		w = make([]float64, len(edges))
	}
	for k, i := range order {
		src[k] = edges[i].From
		if weighted {
			w[k] = edges[i].Weight
		}
	}
	merged := false
	for v := range n {
		for k := g.in[v] + 1; k < g.in[v+1]; k++ {
			if src[k] == src[k-1] {
				merged = true
				break
			}
		}
	}
	if merged {
		src, w = g.mergeParallel(src, w)
	}
	g.sources, g.weights = src, w
	for k, u := range g.sources {
		if weighted {
			g.outW[u] += g.weights[k]
		} else {
			g.outW[u]++
		}
	}
	return g, nil
}

// mergeParallel merges runs of equal sources within each target, adding
// weights (counting 1 per edge when unweighted, which turns w into a
// weights slice), and rewrites g.in.
func (g *Graph) mergeParallel(src []int32, w []float64) ([]int32, []float64) {
	if w == nil {
		w = make([]float64, len(src))
		for k := range w {
			w[k] = 1
		}
	}
	out := 0
	start := int32(0)
	for v := range g.n {
		lo, hi := g.in[v], g.in[v+1]
		g.in[v] = start
		for k := lo; k < hi; k++ {
			if k > lo && src[k] == src[out-1] && out > int(start) {
				w[out-1] += w[k]
				continue
			}
			src[out], w[out] = src[k], w[k]
			out++
		}
		start = int32(out)
	}
	g.in[g.n] = start
	return src[:out], w[:out]
}

// countingSort returns the indices of edges (taken in the order given by
// within, or in their own order when within is nil) stably sorted by key.
func countingSort(n int, edges []Edge, key func(Edge) int32, within []int32) []int32 {
	start := make([]int32, n+1)
	for _, e := range edges {
		start[key(e)+1]++
	}
	for v := range n {
		start[v+1] += start[v]
	}
	out := make([]int32, len(edges))
	place := func(i int32) {
		k := key(edges[i])
		out[start[k]] = i
		start[k]++
	}
	if within == nil {
		for i := range edges {
			place(int32(i))
		}
	} else {
		for _, i := range within {
			place(i)
		}
	}
	return out
}

// Nodes returns the number of nodes.
func (g *Graph) Nodes() int { return g.n }

// Edges returns the number of distinct edges.
func (g *Graph) Edges() int { return len(g.sources) }

// PageRankOptions tunes PageRank. The zero value gives the defaults.
type PageRankOptions struct {
	// Damping is the probability of following a link; 0 means 0.85.
	Damping float64
	// Tolerance stops the iteration when the L1 change of the rank vector
	// falls below N×Tolerance, as networkx does; 0 means 1e-6.
	Tolerance float64
	// MaxIterations bounds the iteration; 0 means 100.
	MaxIterations int
}

// PageRank returns the PageRank of every node of g, summing to 1, with the
// semantics of networkx.pagerank: out-links are weighted by their share of
// their source's total out-weight, a dangling node (no out-weight) spreads
// its rank uniformly over all nodes, teleportation is uniform, and the
// iteration starts from the uniform vector. It returns ErrNotConverged,
// wrapped, with the last vector when MaxIterations is reached first.
func PageRank(g *Graph, opt PageRankOptions) ([]float64, error) {
	d := opt.Damping
	if d == 0 {
		d = 0.85
	}
	if d < 0 || d >= 1 || math.IsNaN(d) {
		return nil, fmt.Errorf("damping %v outside [0,1)", opt.Damping)
	}
	tol := opt.Tolerance
	if tol == 0 {
		tol = 1e-6
	}
	if tol < 0 || math.IsNaN(tol) {
		return nil, fmt.Errorf("tolerance %v is negative", opt.Tolerance)
	}
	maxIter := opt.MaxIterations
	if maxIter == 0 {
		maxIter = 100
	}
	n := g.n
	if n == 0 {
		return []float64{}, nil
	}
	// inv[u] turns a rank into the share sent along each unit of weight;
	// dangling lists the nodes whose rank is spread uniformly.
	inv := make([]float64, n)
	var dangling []int32
	for u, w := range g.outW {
		if w > 0 {
			inv[u] = 1 / w
		} else {
			dangling = append(dangling, int32(u))
		}
	}
	x := make([]float64, n)
	next := make([]float64, n)
	share := make([]float64, n)
	for i := range x {
		x[i] = 1 / float64(n)
	}
	for range maxIter {
		var lost float64
		for _, u := range dangling {
			lost += x[u]
		}
		for u := range share {
			share[u] = x[u] * inv[u]
		}
		base := (1-d)/float64(n) + d*lost/float64(n)
		var change float64
		in, src, w := g.in, g.sources, g.weights
		for v := range n {
			var s float64
			lo, hi := in[v], in[v+1]
			if w == nil {
				for _, u := range src[lo:hi] {
					s += share[u]
				}
			} else {
				ws := w[lo:hi]
				for k, u := range src[lo:hi] {
					s += ws[k] * share[u]
				}
			}
			r := base + d*s
			change += math.Abs(r - x[v])
			next[v] = r
		}
		x, next = next, x
		if change < float64(n)*tol {
			return x, nil
		}
	}
	return x, fmt.Errorf("%w after %d iterations", ErrNotConverged, maxIter)
}

// Ranking returns the node numbers ordered by score, highest first; ties
// keep the lower node number first.
func Ranking(scores []float64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	return order
}

// Ranks returns the 1-based rank of each node by score, highest first, in
// competition style: equal scores share a rank and the next rank skips
// (1, 2, 2, 4).
func Ranks(scores []float64) []int {
	order := Ranking(scores)
	ranks := make([]int, len(scores))
	for pos, v := range order {
		if pos > 0 && scores[v] == scores[order[pos-1]] {
			ranks[v] = ranks[order[pos-1]]
			continue
		}
		ranks[v] = pos + 1
	}
	return ranks
}

// Percentiles returns, for each node, the percentage of the other nodes that
// have a lower score, counting ties as half: the best node of a graph with
// distinct scores gets 100, the worst 0. A single node gets 100.
func Percentiles(scores []float64) []float64 {
	n := len(scores)
	pct := make([]float64, n)
	if n == 1 {
		pct[0] = 100
	}
	if n <= 1 {
		return pct
	}
	order := Ranking(scores)
	// Walk groups of equal scores from the lowest.
	below := 0
	for end := n; end > 0; {
		start := end - 1
		for start > 0 && scores[order[start-1]] == scores[order[end-1]] {
			start--
		}
		ties := end - start
		p := 100 * (float64(below) + 0.5*float64(ties-1)) / float64(n-1)
		for _, v := range order[start:end] {
			pct[v] = p
		}
		below += ties
		end = start
	}
	return pct
}
