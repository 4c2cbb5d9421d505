package insights

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"

	"parvis/internal/perf"
)

// karateEdges reads testdata/karate.txt and returns each friendship in both
// directions.
func karateEdges(t *testing.T) []Edge {
	t.Helper()
	f, err := os.Open("testdata/karate.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var edges []Edge
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var ends [2]int32
		for i, s := range strings.Fields(line) {
			v, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("karate.txt: %v", err)
			}
			ends[i] = int32(v)
		}
		edges = append(edges, Edge{From: ends[0], To: ends[1]}, Edge{From: ends[1], To: ends[0]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return edges
}

func TestPageRankKarate(t *testing.T) {
	edges := karateEdges(t)
	if len(edges) != 2*78 {
		t.Fatalf("got %d directed edges, want %d", len(edges), 2*78)
	}
	g, err := NewGraph(34, edges, false)
	if err != nil {
		t.Fatal(err)
	}
	// A tight tolerance gives the converged vector; networkx's default
	// tolerance stops about 4e-6 short of it.
	pr, err := PageRank(g, PageRankOptions{Damping: 0.85, Tolerance: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]float64{33: 0.100919, 0: 0.096997}
	for v, w := range want {
		if math.Abs(pr[v]-w) > 1e-6 {
			t.Errorf("node %d: got %.7f, want %.6f ± 1e-6", v, pr[v], w)
		}
	}
	if s := sum(pr); math.Abs(s-1) > 1e-9 {
		t.Errorf("sum of ranks: got %v, want 1", s)
	}
	top := Ranking(pr)[:3]
	if !slices.Equal(top, []int{33, 0, 32}) {
		t.Errorf("top three: got %v, want [33 0 32]", top)
	}
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// TestPageRankMatchesGonum compares PageRank with gonum's implementation on
// random weighted and unweighted graphs with dangling nodes.
func TestPageRankMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		n := 2 + rng.IntN(60)
		weighted := trial%2 == 0
		damping := []float64{0.85, 0.5, 0.95}[trial%3]
		wg := simple.NewWeightedDirectedGraph(0, 0)
		ug := simple.NewDirectedGraph()
		for v := range n {
			wg.AddNode(simple.Node(v))
			ug.AddNode(simple.Node(v))
		}
		var edges []Edge
		seen := map[[2]int32]bool{}
		for range rng.IntN(4 * n) {
			u, v := int32(rng.IntN(n)), int32(rng.IntN(n))
			// gonum's simple graphs hold neither self-loops nor parallel edges.
			if u == v || seen[[2]int32{u, v}] {
				continue
			}
			seen[[2]int32{u, v}] = true
			w := 0.1 + 10*rng.Float64()
			edges = append(edges, Edge{From: u, To: v, Weight: w})
			wg.SetWeightedEdge(wg.NewWeightedEdge(simple.Node(u), simple.Node(v), w))
			ug.SetEdge(ug.NewEdge(simple.Node(u), simple.Node(v)))
		}
		g, err := NewGraph(n, edges, weighted)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PageRank(g, PageRankOptions{Damping: damping, Tolerance: 1e-14, MaxIterations: 10000})
		if err != nil {
			t.Fatal(err)
		}
		var want map[int64]float64
		if weighted {
			want = network.PageRankSparse(wg, damping, 1e-13)
		} else {
			want = network.PageRankSparse(ug, damping, 1e-13)
		}
		for v := range n {
			if d := math.Abs(got[v] - want[int64(v)]); d > 1e-9 {
				t.Errorf("trial %d (n=%d, weighted=%v, damping=%v) node %d: got %.12f, want %.12f", trial, n, weighted, damping, v, got[v], want[int64(v)])
			}
		}
	}
}

func TestPageRankSmall(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		edges    []Edge
		weighted bool
		want     []float64
	}{
		{"empty", 0, nil, false, []float64{}},
		{"one node", 1, nil, false, []float64{1}},
		{"no edges", 4, nil, false, []float64{0.25, 0.25, 0.25, 0.25}},
		// Two dangling-free nodes pointing at each other share evenly.
		{"pair", 2, []Edge{{0, 1, 1}, {1, 0, 1}}, false, []float64{0.5, 0.5}},
		// Parallel edges add up: 0 sends 3/4 of its rank to 1, 1/4 to 2.
		{"parallel edges merge", 3, []Edge{{0, 1, 1}, {0, 1, 2}, {0, 2, 1}, {1, 0, 1}, {2, 0, 1}}, true,
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGraph(tt.n, tt.edges, tt.weighted)
			if err != nil {
				t.Fatal(err)
			}
			got, err := PageRank(g, PageRankOptions{Tolerance: 1e-14, MaxIterations: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				// Compare with the same graph given with merged weights.
				merged, err := NewGraph(3, []Edge{{0, 1, 3}, {0, 2, 1}, {1, 0, 1}, {2, 0, 1}}, true)
				if err != nil {
					t.Fatal(err)
				}
				tt.want, _ = PageRank(merged, PageRankOptions{Tolerance: 1e-14, MaxIterations: 1000})
				if g.Edges() != 4 {
					t.Errorf("edges after merge: got %d, want 4", g.Edges())
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d ranks, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-12 {
					t.Errorf("node %d: got %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestPageRankErrors(t *testing.T) {
	if _, err := NewGraph(2, []Edge{{0, 2, 1}}, false); err == nil {
		t.Error("edge to node 2 of 2: got no error, want one")
	}
	if _, err := NewGraph(2, []Edge{{-1, 0, 1}}, false); err == nil {
		t.Error("edge from node -1: got no error, want one")
	}
	for _, w := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewGraph(2, []Edge{{0, 1, w}}, true); err == nil {
			t.Errorf("weight %v: got no error, want one", w)
		}
	}
	g, err := NewGraph(3, []Edge{{0, 1, 1}, {1, 2, 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if _, err := PageRank(g, PageRankOptions{Damping: d}); err == nil {
			t.Errorf("damping %v: got no error, want one", d)
		}
	}
	if _, err := PageRank(g, PageRankOptions{Tolerance: 1e-300, MaxIterations: 2}); !errors.Is(err, ErrNotConverged) {
		t.Errorf("two iterations: got %v, want ErrNotConverged", err)
	}
}

func TestRanksAndPercentiles(t *testing.T) {
	scores := []float64{0.1, 0.4, 0.2, 0.4, 0.05}
	if got, want := Ranking(scores), []int{1, 3, 2, 0, 4}; !slices.Equal(got, want) {
		t.Errorf("Ranking: got %v, want %v", got, want)
	}
	if got, want := Ranks(scores), []int{4, 1, 3, 1, 5}; !slices.Equal(got, want) {
		t.Errorf("Ranks: got %v, want %v", got, want)
	}
	if got, want := Percentiles(scores), []float64{25, 87.5, 50, 87.5, 0}; !slices.Equal(got, want) {
		t.Errorf("Percentiles: got %v, want %v", got, want)
	}
	if got := Percentiles([]float64{3}); !slices.Equal(got, []float64{100}) {
		t.Errorf("Percentiles of one: got %v, want [100]", got)
	}
	if got := Percentiles([]float64{1, 1}); !slices.Equal(got, []float64{50, 50}) {
		t.Errorf("Percentiles of a tie: got %v, want [50 50]", got)
	}
}

// powerLawEdges returns a directed graph of about m edges whose in-degrees
// follow a power law: each new edge points, with probability 0.8, at the
// target of an earlier edge (preferential attachment), otherwise at a
// uniformly chosen node. Sources are uniform, so some nodes are dangling.
func powerLawEdges(n, m int, seed uint64) []Edge {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	edges := make([]Edge, 0, m)
	for len(edges) < m {
		u := int32(rng.IntN(n))
		var v int32
		if len(edges) > 0 && rng.Float64() < 0.8 {
			v = edges[rng.IntN(len(edges))].To
		} else {
			v = int32(rng.IntN(n))
		}
		edges = append(edges, Edge{From: u, To: v, Weight: 1 + float64(rng.IntN(5))})
	}
	return edges
}

// BenchmarkPageRank1M ranks a weighted power-law graph of 200,000 nodes and
// 1,000,000 edges: "build+rank" includes NewGraph, "rank" uses the default
// options, "rank-tol1e-10" a tolerance tight enough for 1e-9 accuracy.
func BenchmarkPageRank1M(b *testing.B) {
	const n, m = 200_000, 1_000_000
	edges := powerLawEdges(n, m, 7)
	b.Run("build+rank", func(b *testing.B) {
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for b.Loop() {
			g, err := NewGraph(n, edges, true)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := PageRank(g, PageRankOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	g, err := NewGraph(n, edges, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rank", func(b *testing.B) {
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for b.Loop() {
			if _, err := PageRank(g, PageRankOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A tight tolerance needs several times more iterations.
	b.Run("rank-tol1e-10", func(b *testing.B) {
		cpu := perf.CPUTime()
		defer func() { perf.ReportCPU(b, cpu) }()
		for b.Loop() {
			if _, err := PageRank(g, PageRankOptions{Tolerance: 1e-10, MaxIterations: 1000}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
