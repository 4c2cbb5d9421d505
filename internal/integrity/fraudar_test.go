package integrity

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// plantedGraph returns sparse random noise, noise edges over 2000 × 2000
// nodes, plus a full block between accounts 1..size and objects 1..size.
func plantedGraph(t *testing.T, seed uint64, noise, size int) []Edge {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	var edges []Edge
	for range noise {
		edges = append(edges, Edge{Account: 1 + rng.Int64N(2000), Object: 1 + rng.Int64N(2000)})
	}
	for a := 1; a <= size; a++ {
		for o := 1; o <= size; o++ {
			edges = append(edges, Edge{Account: int64(a), Object: int64(o)})
		}
	}
	return edges
}

func ids(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestPeelFindsPlantedBlock(t *testing.T) {
	for _, w := range []Weighting{ColumnWeighted, Unweighted} {
		g, err := NewGraph(plantedGraph(t, 1, 4000, 15))
		if err != nil {
			t.Fatal(err)
		}
		p, err := peel(context.Background(), g, w)
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := describeBlock(g, p, w)
		if !slices.Equal(b.Accounts, ids(1, 15)) || !slices.Equal(b.Objects, ids(1, 15)) {
			t.Errorf("weighting %d: got accounts %v objects %v, want 1..15 and 1..15", w, b.Accounts, b.Objects)
		}
		if math.Abs(b.Score-p.score) > 1e-9 {
			t.Errorf("weighting %d: got score %v from describeBlock, want peel's %v", w, b.Score, p.score)
		}
	}
}

// bruteForceBest returns the highest g(S) over all non-empty node subsets.
func bruteForceBest(g *Graph, w Weighting) float64 {
	weights := columnWeights(g, w)
	nr, nc := g.NumAccounts(), g.NumObjects()
	best := 0.0
	for mask := 1; mask < 1<<(nr+nc); mask++ {
		f := 0.0
		for r := range nr {
			if mask&(1<<r) == 0 {
				continue
			}
			for _, c := range g.rowAdj[g.rowStart[r]:g.rowStart[r+1]] {
				if mask&(1<<(nr+int(c))) != 0 {
					f += weights[c]
				}
			}
		}
		best = math.Max(best, f/float64(popcount(mask)))
	}
	return best
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestPeelApproximation checks on small random graphs the guarantee of
// greedy peeling: the block found scores at least half the optimum.
func TestPeelApproximation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 200 {
		var edges []Edge
		n := 3 + rng.IntN(20)
		for range n {
			edges = append(edges, Edge{Account: rng.Int64N(6), Object: rng.Int64N(6)})
		}
		g, err := NewGraph(edges)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []Weighting{ColumnWeighted, Unweighted} {
			p, err := peel(context.Background(), g, w)
			if err != nil {
				t.Fatal(err)
			}
			opt := bruteForceBest(g, w)
			if p.score < opt/2-1e-9 || p.score > opt+1e-9 {
				t.Errorf("trial %d weighting %d: got score %v, want within [%v, %v]", trial, w, p.score, opt/2, opt)
			}
		}
	}
}

func TestDenseBlocksFindsTwoBlocks(t *testing.T) {
	edges := plantedGraph(t, 2, 20000, 0)
	for a := 1; a <= 40; a++ { // block 1: accounts 1..40 × objects 1..30
		for o := 1; o <= 30; o++ {
			edges = append(edges, Edge{Account: int64(a), Object: int64(o)})
		}
	}
	for a := 3001; a <= 3030; a++ { // block 2: accounts 3001..3030 × objects 3001..3025
		for o := 3001; o <= 3025; o++ {
			edges = append(edges, Edge{Account: int64(a), Object: int64(o)})
		}
	}
	g, err := NewGraph(edges)
	if err != nil {
		t.Fatal(err)
	}
	test := DefaultBlockTest()
	test.MinSurplus = 5
	blocks, err := DenseBlocks(context.Background(), g, BlockOptions{Blocks: 3, Refine: true, Test: test})
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 2 {
		t.Fatalf("got %d blocks, want at least 2", len(blocks))
	}
	want := [][2][]int64{{ids(1, 40), ids(1, 30)}, {ids(3001, 3030), ids(3001, 3025)}}
	for i, w := range want {
		b := blocks[i]
		if !slices.Equal(b.Accounts, w[0]) || !slices.Equal(b.Objects, w[1]) || !b.Suspicious {
			t.Errorf("block %d: got %d accounts, %d objects, suspicious %v (%s); want %d × %d, suspicious",
				i, len(b.Accounts), len(b.Objects), b.Suspicious, b.Reason, len(w[0]), len(w[1]))
		}
	}
	if len(blocks) == 3 && blocks[2].Suspicious {
		t.Errorf("block 3: got suspicious (%s), want noise judged organic", blocks[2].Reason)
	}
}

func TestDenseBlocksEmptyAndCancelled(t *testing.T) {
	g, err := NewGraph(nil)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := DenseBlocks(context.Background(), g, BlockOptions{})
	if err != nil || len(blocks) != 0 {
		t.Errorf("empty graph: got %d blocks, %v; want none, nil", len(blocks), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rng := rand.New(rand.NewPCG(3, 3))
	edges, err := SyntheticBackground(rng, BackgroundOptions{Accounts: 40000, Objects: 40000, Edges: 100000, Exponent: 2.5})
	if err != nil {
		t.Fatal(err)
	}
	if g, err = NewGraph(edges); err != nil {
		t.Fatal(err)
	}
	if _, err := DenseBlocks(ctx, g, BlockOptions{}); err == nil {
		t.Errorf("cancelled: got nil error, want context.Canceled")
	}
}

func TestJudge(t *testing.T) {
	test := DefaultBlockTest()
	tests := []struct {
		name     string
		accounts int
		objects  int
		edges    int
		expected float64
		level    float64
		want     bool
	}{
		{"fraud", 200, 200, 16000, 5000, 13, true},
		{"too few accounts", 9, 200, 1800, 100, 2, false},
		{"too few objects", 200, 4, 800, 10, 2, false},
		{"too sparse", 200, 200, 3000, 100, 2, false},
		{"explained by degrees", 200, 200, 16000, 10000, 2, false},
		{"organic community", 100, 150, 5000, 1700, 13, false},
		{"small block in a graph without communities", 50, 50, 2000, 400, 2.5, true},
		{"small block among communities", 50, 50, 2000, 400, 13, false},
		{"below the relative floor", 50, 50, 1000, 500, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := Block{Accounts: make([]int64, tc.accounts), Objects: make([]int64, tc.objects), Edges: tc.edges, Expected: tc.expected}
			b.Density = float64(tc.edges) / float64(tc.accounts*tc.objects)
			b.Lift = float64(tc.edges) / tc.expected
			b.Surplus = (float64(tc.edges) - tc.expected) / float64(tc.accounts+tc.objects)
			judge(&b, test, tc.level)
			if b.Suspicious != tc.want {
				t.Errorf("got suspicious %v (%s), want %v", b.Suspicious, b.Reason, tc.want)
			}
		})
	}
}

func TestExpectedEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	edges, err := SyntheticBackground(rng, BackgroundOptions{Accounts: 300, Objects: 300, Edges: 5000, Exponent: 2.2})
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGraph(edges)
	if err != nil {
		t.Fatal(err)
	}
	rows := []int32{0, 3, 5, 8, 13, 21, 34, 55}
	cols := []int32{1, 2, 4, 8, 16, 32, 64, 128, 200}
	want := 0.0
	for _, r := range rows {
		for _, c := range cols {
			want += math.Min(1, float64(g.rowDegree(r)*g.colDegree(c))/float64(g.NumEdges()))
		}
	}
	if got := expectedEdges(g, rows, cols); math.Abs(got-want) > 1e-9 {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSortUniqueKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{0, 10, 300, 100000} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = edgeKey(int32(rng.IntN(500)), int32(rng.IntN(70000)))
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		want = slices.Compact(want)
		if got := sortUniqueKeys(keys); !slices.Equal(got, want) {
			t.Errorf("n=%d: got %d keys, want %d sorted unique keys", n, len(got), len(want))
		}
	}
}

func TestGraphBothDirections(t *testing.T) {
	g, err := NewGraph([]Edge{{Account: 5, Object: 7}, {Account: 5, Object: 8}, {Account: 6, Object: 7}, {Account: 5, Object: 7, Kind: Boost}})
	if err != nil {
		t.Fatal(err)
	}
	if g.NumAccounts() != 2 || g.NumObjects() != 2 || g.NumEdges() != 3 {
		t.Fatalf("got %d accounts, %d objects, %d edges; want 2, 2, 3", g.NumAccounts(), g.NumObjects(), g.NumEdges())
	}
	if got := g.colAdj[g.colStart[0]:g.colStart[1]]; !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("object 7's accounts: got %v, want [0 1]", got)
	}
}
