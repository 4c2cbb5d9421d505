package integrity

import (
	"context"
	"fmt"
	"math"
)

// Weighting chooses how much an edge counts towards a block's density.
type Weighting uint8

// The weightings.
const (
	// ColumnWeighted is FRAUDAR's weighting: an edge into object j counts
	// 1/ln(d_j + 5), where d_j is j's degree. Engaging a popular object is
	// cheap evidence, so camouflage spent on popular objects barely raises
	// a block's score, while the paper proves the fraud block's own score
	// cannot be lowered by any camouflage.
	ColumnWeighted Weighting = iota
	// Unweighted counts every edge 1: plain average-degree peeling
	// (Charikar's 2-approximation of the densest subgraph), the baseline.
	Unweighted
)

// fraudarConstant is the c in FRAUDAR's column weight 1/log(d + c); the
// paper uses 5.
const fraudarConstant = 5

// peeled is the densest prefix found by one greedy peeling run.
type peeled struct {
	rows, cols []int32 // the block's row and column indices, ascending
	score      float64 // g(S) = f(S) / |S| of the block
}

// columnWeights returns each column's edge weight under w.
func columnWeights(g *Graph, w Weighting) []float64 {
	weights := make([]float64, g.NumObjects())
	for c := range weights {
		if w == Unweighted {
			weights[c] = 1
			continue
		}
		weights[c] = 1 / math.Log(float64(g.colDegree(int32(c)))+fraudarConstant)
	}
	return weights
}

// peel runs greedy peeling on g: starting from every node, it repeatedly
// removes the node (account or object) whose removal lowers the total edge
// weight f least, that is the node of least weighted degree among those
// left, and keeps the set S, among all those visited, with the highest
// g(S) = f(S) / |S|. An indexed binary heap holds the nodes by weighted
// degree; each removal pops one node and lowers the key of each remaining
// neighbour once, so a run costs O(|E| log |V|).
func peel(ctx context.Context, g *Graph, w Weighting) (peeled, error) {
	if err := ctx.Err(); err != nil {
		return peeled{}, fmt.Errorf("integrity: peeling: %w", err)
	}
	nr, nc := g.NumAccounts(), g.NumObjects()
	n := nr + nc
	if g.NumEdges() == 0 || n == 0 {
		return peeled{}, nil
	}
	weights := columnWeights(g, w)
	// Nodes 0..nr-1 are rows, nr..n-1 are columns.
	key := make([]float64, n)
	f := 0.0
	for c := range nc {
		key[nr+c] = float64(g.colDegree(int32(c))) * weights[c]
		f += key[nr+c]
	}
	for r := range nr {
		s := 0.0
		for _, c := range g.rowAdj[g.rowStart[r]:g.rowStart[r+1]] {
			s += weights[c]
		}
		key[r] = s
	}
	h := newNodeHeap(key)
	removed := make([]bool, n)
	order := make([]int32, 0, n)
	best, bestRemoved := f/float64(n), 0
	for len(order) < n {
		if len(order)&0xffff == 0xffff {
			if err := ctx.Err(); err != nil {
				return peeled{}, fmt.Errorf("integrity: peeling: %w", err)
			}
		}
		v := h.pop()
		order = append(order, v)
		removed[v] = true
		f -= key[v]
		if v < int32(nr) {
			for _, c := range g.rowAdj[g.rowStart[v]:g.rowStart[v+1]] {
				if u := int32(nr) + c; !removed[u] {
					h.decrease(u, key[u]-weights[c])
				}
			}
		} else {
			c := v - int32(nr)
			wc := weights[c]
			for _, r := range g.colAdj[g.colStart[c]:g.colStart[c+1]] {
				if !removed[r] {
					h.decrease(r, key[r]-wc)
				}
			}
		}
		if left := n - len(order); left > 0 {
			if s := f / float64(left); s > best {
				best, bestRemoved = s, len(order)
			}
		}
	}
	var p peeled
	p.score = best
	inBlock := make([]bool, n)
	for _, v := range order[bestRemoved:] {
		inBlock[v] = true
	}
	for v := range n {
		if !inBlock[v] {
			continue
		}
		if v < nr {
			p.rows = append(p.rows, int32(v))
		} else {
			p.cols = append(p.cols, int32(v-nr))
		}
	}
	return p, nil
}

// nodeHeap is a 4-ary min-heap of nodes ordered by key, with each node's
// position kept so that its key can be lowered in O(log n). Entries carry
// their key, so that comparisons read the heap array only; with millions of
// nodes that saves a cache miss per comparison, and four children per node
// halve the depth.
type nodeHeap struct {
	key  []float64 // by node, shared with the caller, who reads keys directly
	heap []heapEntry
	pos  []int32
}

type heapEntry struct {
	key  float64
	node int32
}

func newNodeHeap(key []float64) *nodeHeap {
	h := &nodeHeap{key: key, heap: make([]heapEntry, len(key)), pos: make([]int32, len(key))}
	for i, k := range key {
		h.heap[i] = heapEntry{key: k, node: int32(i)}
		h.pos[i] = int32(i)
	}
	for i := (len(key) - 2) / 4; i >= 0; i-- {
		h.down(i)
	}
	return h
}

// top returns the node of least key.
func (h *nodeHeap) top() int32 { return h.heap[0].node }

func (h *nodeHeap) len() int { return len(h.heap) }

func (h *nodeHeap) pop() int32 {
	top := h.heap[0].node
	last := len(h.heap) - 1
	h.heap[0] = h.heap[last]
	h.pos[h.heap[0].node] = 0
	h.heap = h.heap[:last]
	if last > 0 {
		h.down(0)
	}
	return top
}

// decrease sets v's key to k, which must not exceed its current key.
func (h *nodeHeap) decrease(v int32, k float64) {
	h.key[v] = k
	i := int(h.pos[v])
	h.heap[i].key = k
	h.up(i)
}

// raiseTop sets the key of the top node to k, which must not be below its
// current key, and restores the order.
func (h *nodeHeap) raiseTop(k float64) {
	h.key[h.heap[0].node] = k
	h.heap[0].key = k
	h.down(0)
}

func (h *nodeHeap) up(i int) {
	e := h.heap[i]
	for i > 0 {
		p := (i - 1) / 4
		if h.heap[p].key <= e.key {
			break
		}
		h.heap[i] = h.heap[p]
		h.pos[h.heap[i].node] = int32(i)
		i = p
	}
	h.heap[i] = e
	h.pos[e.node] = int32(i)
}

func (h *nodeHeap) down(i int) {
	n := len(h.heap)
	e := h.heap[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		m := first
		for c := first + 1; c < first+4 && c < n; c++ {
			if h.heap[c].key < h.heap[m].key {
				m = c
			}
		}
		if h.heap[m].key >= e.key {
			break
		}
		h.heap[i] = h.heap[m]
		h.pos[h.heap[i].node] = int32(i)
		i = m
	}
	h.heap[i] = e
	h.pos[e.node] = int32(i)
}
