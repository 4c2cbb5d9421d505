package insights

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parvis/internal/perf"
	"parvis/internal/testshared"
)

// BenchmarkInfluenceJobPath measures what the influence job does with the
// edges it read: a million weighted links between 100,000 accounts, their
// ids as the database holds them, mapped to a graph, ranked by PageRank,
// ranks and percentiles.
func BenchmarkInfluenceJobPath(b *testing.B) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const accounts, links = 100000, 1000000
	ids := make([]int64, accounts)
	for i := range ids {
		ids[i] = (1700000000000+int64(i)*997)<<16 | int64(i&0xffff)
	}
	// Engagement concentrates on a few accounts: targets follow a Zipf law.
	zipf := rand.NewZipf(rand.New(rand.NewPCG(5, 6)), 1.2, 1, accounts-1)
	ls := make([]Link, links)
	for i := range ls {
		ls[i] = Link{From: ids[rnd.IntN(accounts)], To: ids[zipf.Uint64()], Weight: float64(1 + rnd.IntN(3))}
	}
	b.ResetTimer()
	cpu := perf.CPUTime()
	defer func() { perf.ReportCPU(b, cpu) }()
	for range b.N {
		st, err := Influence(ls, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(st) < accounts/2 {
			b.Fatalf("got %d accounts ranked", len(st))
		}
	}
}

// BenchmarkCommunityMonthTopics measures the topics of a busy community's
// month: 3,000 French posts of about 300 characters (from WikiNews
// paragraphs), against the 3,000 of the month before.
func BenchmarkCommunityMonthTopics(b *testing.B) {
	dir := testshared.Path(b, "datasets/wikinews-fr/docsutf8")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var paragraphs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range strings.Split(string(data), "\n") {
			if p = strings.TrimSpace(p); len(p) > 80 {
				paragraphs = append(paragraphs, p)
			}
		}
	}
	post := func(i int) TopicText {
		p := paragraphs[i%len(paragraphs)]
		if len(p) > 300 {
			p = p[:strings.LastIndexByte(p[:300], ' ')]
		}
		return TopicText{Text: p, Lang: "fr"}
	}
	var cur, prev []TopicText
	for i := range 3000 {
		prev = append(prev, post(i))
		cur = append(cur, post(i+1500))
	}
	b.ResetTimer()
	cpu := perf.CPUTime()
	defer func() { perf.ReportCPU(b, cpu) }()
	for range b.N {
		topics, _ := Topics(cur, prev, 15)
		if len(topics) == 0 {
			b.Fatal("no topics")
		}
	}
}
