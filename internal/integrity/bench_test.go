package integrity

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"parvis/internal/perf"
)

// millionEdges returns a synthetic heavy-tailed graph of 80,000 × 80,000
// nodes and 1,000,000 edges with a 200 × 200 block at density 0.4 behind
// popularity-biased camouflage.
func millionEdges(b *testing.B) []Edge {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	organic, err := SyntheticBackground(rng, BackgroundOptions{Accounts: 80000, Objects: 80000, Edges: 1_000_000, Exponent: 2.5})
	if err != nil {
		b.Fatal(err)
	}
	edges, _, err := InjectBlock(rng, organic, BlockInjection{Accounts: 200, Objects: 200, Density: 0.4, Camouflage: PopularCamouflage})
	if err != nil {
		b.Fatal(err)
	}
	return edges
}

// BenchmarkFraudarPeel1M measures one FRAUDAR peeling run on a
// million-edge graph already in memory.
func BenchmarkFraudarPeel1M(b *testing.B) {
	g, err := NewGraph(millionEdges(b))
	if err != nil {
		b.Fatal(err)
	}
	start := perf.CPUTime()
	for b.Loop() {
		if _, err := peel(context.Background(), g, ColumnWeighted); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((perf.CPUTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(g.NumEdges()), "ns/edge")
}

// BenchmarkFraudarRunFraud1M measures the whole command on a million-line
// edge file: parsing and interning, building the graph, peeling, refining
// and judging one block, writing JSON.
func BenchmarkFraudarRunFraud1M(b *testing.B) {
	var file bytes.Buffer
	for _, e := range millionEdges(b) {
		fmt.Fprintf(&file, "acct%d post%d\n", e.Account, e.Object)
	}
	data := file.Bytes()
	b.SetBytes(int64(len(data)))
	start := perf.CPUTime()
	for b.Loop() {
		if err := RunFraud(context.Background(), bytes.NewReader(data), io.Discard, FraudOptions{Format: "json"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((perf.CPUTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}
