package integrity

import (
	"context"
	"fmt"
)

// refine looks inside a peeled block for the sub-block that is densest
// relative to what its nodes' degrees predict. FRAUDAR's objective rewards
// total weighted edges per node, so when fraud accounts spend their
// camouflage on popular objects, the union of the fraud block and the
// organic core those objects belong to can outscore the fraud block alone;
// the peeled block then holds both. Within it, refine peels greedily by the
// degree-corrected surplus
//
//	Q(S) = (e(S) − D_A·D_B/|E|) / |S|
//
// where e(S) is the number of edges inside S, D_A and D_B are the sums of the
// degrees (in all of g) of S's accounts and objects, and D_A·D_B/|E| is the
// number of edges S would hold if g were rewired at random keeping every
// degree. The organic core is about as dense as its degrees predict, so its
// surplus is near zero and peeling strips it, while a fraud block keeps a
// large surplus. It returns the prefix with the highest Q.
//
// Removing account r lowers the surplus by key(r) = deg_S(r) − d_r·D_B/|E|
// (objects alike), and the greedy step removes the node of least key. The
// second term moves for every account whenever an object leaves, so keys are
// kept lazily: a stored key only ever underestimates the true key (D_B only
// shrinks, and a neighbour's removal is subtracted at once), and a popped
// node whose true key exceeds the next stored key is pushed back with its
// true key instead of being removed.
func refine(ctx context.Context, g *Graph, p peeled) (peeled, error) {
	m := float64(g.NumEdges())
	if len(p.rows) == 0 || len(p.cols) == 0 || m == 0 {
		return p, nil
	}
	// Local indices: rows 0..len(p.rows)-1, then columns.
	n := len(p.rows) + len(p.cols)
	// Columns of g → local index, or -1 outside the block.
	localCol := make([]int32, g.NumObjects())
	for c := range localCol {
		localCol[c] = -1
	}
	for i, c := range p.cols {
		localCol[c] = int32(len(p.rows) + i)
	}
	degInside := make([]float64, n)
	degree := make([]float64, n) // degree in all of g
	adj := make([][]int32, n)    // local neighbours inside the block
	var da, db, e float64
	for i, r := range p.rows {
		degree[i] = float64(g.rowDegree(r))
		da += degree[i]
		for _, c := range g.rowAdj[g.rowStart[r]:g.rowStart[r+1]] {
			if j := localCol[c]; j >= 0 {
				adj[i] = append(adj[i], j)
				adj[j] = append(adj[j], int32(i))
				degInside[i]++
				degInside[j]++
				e++
			}
		}
	}
	for i, c := range p.cols {
		degree[len(p.rows)+i] = float64(g.colDegree(c))
		db += degree[len(p.rows)+i]
	}
	isRow := func(v int32) bool { return int(v) < len(p.rows) }
	trueKey := func(v int32) float64 {
		if isRow(v) {
			return degInside[v] - degree[v]*db/m
		}
		return degInside[v] - degree[v]*da/m
	}
	key := make([]float64, n)
	for v := range key {
		key[v] = trueKey(int32(v))
	}
	h := newNodeHeap(key)
	removed := make([]bool, n)
	order := make([]int32, 0, n)
	best := (e - da*db/m) / float64(n)
	bestRemoved := 0
	for steps := 0; h.len() > 0; steps++ {
		if steps&0xffff == 0xffff {
			if err := ctx.Err(); err != nil {
				return peeled{}, fmt.Errorf("integrity: refining block: %w", err)
			}
		}
		v := h.top()
		if k := trueKey(v); k > key[v] {
			// The stored key is stale: it may no longer be the least.
			h.raiseTop(k)
			if h.top() != v {
				continue
			}
		}
		h.pop()
		order = append(order, v)
		removed[v] = true
		e -= degInside[v]
		if isRow(v) {
			da -= degree[v]
		} else {
			db -= degree[v]
		}
		for _, u := range adj[v] {
			if !removed[u] {
				degInside[u]--
				h.decrease(u, key[u]-1)
			}
		}
		if left := n - len(order); left > 0 {
			if q := (e - da*db/m) / float64(left); q > best {
				best, bestRemoved = q, len(order)
			}
		}
	}
	keep := make([]bool, n)
	for _, v := range order[bestRemoved:] {
		keep[v] = true
	}
	var out peeled
	for i, r := range p.rows {
		if keep[i] {
			out.rows = append(out.rows, r)
		}
	}
	for i, c := range p.cols {
		if keep[len(p.rows)+i] {
			out.cols = append(out.cols, c)
		}
	}
	out.score = p.score
	return out, nil
}
