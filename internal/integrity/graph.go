package integrity

import (
	"fmt"
	"math"
	"slices"
)

// Graph is an account × object bipartite graph without repeated edges, held
// in compressed sparse form in both directions so that peeling can walk from
// an account to its objects and from an object to its accounts. Rows are
// accounts and columns objects; they are separate id spaces, so account 7
// and object 7 are different nodes.
type Graph struct {
	accounts []int64 // row index → account id
	objects  []int64 // column index → object id
	rowStart []int   // row r's columns are rowAdj[rowStart[r]:rowStart[r+1]]
	rowAdj   []int32
	colStart []int
	colAdj   []int32
}

// maxNodes bounds each side so that indices fit in the int32 adjacency
// arrays and in the 32-bit halves of an edge key.
const maxNodes = math.MaxInt32

// NewGraph builds the graph of the account–object pairs in edges; kinds,
// times and repeats of a pair collapse into one edge.
func NewGraph(edges []Edge) (*Graph, error) {
	var in interner
	keys := make([]uint64, 0, len(edges))
	for _, e := range edges {
		r, err := in.account(e.Account)
		if err != nil {
			return nil, err
		}
		c, err := in.object(e.Object)
		if err != nil {
			return nil, err
		}
		keys = append(keys, edgeKey(r, c))
	}
	return buildGraph(in.accounts, in.objects, keys), nil
}

// interner maps ids to dense row and column indices in order of first
// appearance, which keeps results deterministic.
type interner struct {
	accountIndex map[int64]int32
	objectIndex  map[int64]int32
	accounts     []int64
	objects      []int64
}

func (in *interner) account(id int64) (int32, error) {
	if in.accountIndex == nil {
		in.accountIndex = make(map[int64]int32)
	}
	return intern(in.accountIndex, &in.accounts, id, "accounts")
}

func (in *interner) object(id int64) (int32, error) {
	if in.objectIndex == nil {
		in.objectIndex = make(map[int64]int32)
	}
	return intern(in.objectIndex, &in.objects, id, "objects")
}

func intern(index map[int64]int32, ids *[]int64, id int64, what string) (int32, error) {
	if i, ok := index[id]; ok {
		return i, nil
	}
	if len(*ids) >= maxNodes {
		return 0, fmt.Errorf("integrity: more than %d distinct %s", maxNodes, what)
	}
	i := int32(len(*ids))
	index[id] = i
	*ids = append(*ids, id)
	return i, nil
}

func edgeKey(row, col int32) uint64 { return uint64(row)<<32 | uint64(uint32(col)) }

func keyRow(k uint64) int32 { return int32(k >> 32) }

func keyCol(k uint64) int32 { return int32(uint32(k)) }

// buildGraph builds a Graph from edge keys, which it sorts and deduplicates
// in place.
func buildGraph(accounts, objects []int64, keys []uint64) *Graph {
	keys = sortUniqueKeys(keys)
	g := &Graph{
		accounts: accounts,
		objects:  objects,
		rowStart: make([]int, len(accounts)+1),
		rowAdj:   make([]int32, len(keys)),
		colStart: make([]int, len(objects)+1),
		colAdj:   make([]int32, len(keys)),
	}
	for i, k := range keys {
		g.rowStart[keyRow(k)+1]++
		g.colStart[keyCol(k)+1]++
		g.rowAdj[i] = keyCol(k)
	}
	for r := range accounts {
		g.rowStart[r+1] += g.rowStart[r]
	}
	for c := range objects {
		g.colStart[c+1] += g.colStart[c]
	}
	// Keys are sorted by row, so filling columns in key order leaves each
	// column's rows sorted too.
	next := slices.Clone(g.colStart[:len(objects)])
	for _, k := range keys {
		c := keyCol(k)
		g.colAdj[next[c]] = keyRow(k)
		next[c]++
	}
	return g
}

// sortUniqueKeys sorts keys with a least-significant-digit radix sort, which
// is several times faster than a comparison sort on the millions of keys a
// large edge file holds, and drops repeats.
func sortUniqueKeys(keys []uint64) []uint64 {
	if len(keys) < 256 {
		slices.Sort(keys)
		return slices.Compact(keys)
	}
	var or, and uint64 = 0, math.MaxUint64
	for _, k := range keys {
		or |= k
		and &= k
	}
	varying := or &^ and // digits where every key agrees need no pass
	buf := make([]uint64, len(keys))
	src, dst := keys, buf
	for shift := uint(0); shift < 64; shift += 16 {
		if (varying>>shift)&0xffff == 0 {
			continue
		}
		var count [1 << 16]int
		for _, k := range src {
			count[(k>>shift)&0xffff]++
		}
		sum := 0
		for i, n := range count {
			count[i] = sum
			sum += n
		}
		for _, k := range src {
			d := (k >> shift) & 0xffff
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	return slices.Compact(keys)
}

// NumAccounts returns the number of accounts (rows).
func (g *Graph) NumAccounts() int { return len(g.accounts) }

// NumObjects returns the number of objects (columns).
func (g *Graph) NumObjects() int { return len(g.objects) }

// NumEdges returns the number of distinct account–object edges.
func (g *Graph) NumEdges() int { return len(g.rowAdj) }

func (g *Graph) rowDegree(r int32) int { return g.rowStart[r+1] - g.rowStart[r] }

func (g *Graph) colDegree(c int32) int { return g.colStart[c+1] - g.colStart[c] }

// withoutBlock returns the graph less every edge between the given rows and
// columns; the nodes stay, so indices keep their meaning.
func (g *Graph) withoutBlock(inRow, inCol []bool) *Graph {
	keys := make([]uint64, 0, len(g.rowAdj))
	for r := range g.accounts {
		for _, c := range g.rowAdj[g.rowStart[r]:g.rowStart[r+1]] {
			if inRow[r] && inCol[c] {
				continue
			}
			keys = append(keys, edgeKey(int32(r), c))
		}
	}
	return buildGraph(g.accounts, g.objects, keys)
}
