package insights

import (
	"slices"
	"strconv"
)

// Bucket is one bar of a distribution: how many threads had a value in
// [From, To] (To is -1 for "and more").
type Bucket struct {
	Label string `json:"label"`
	From  int    `json:"from"`
	To    int    `json:"to"`
	Count int    `json:"count"`
}

// ConversationSummary describes the reply threads started in a period.
type ConversationSummary struct {
	// Threads counts the threads; Conversations those with at least one
	// reply.
	Threads       int     `json:"threads"`
	Conversations int     `json:"conversations"`
	Replies       int     `json:"replies"`
	MeanSize      float64 `json:"mean_size"`
	MedianSize    float64 `json:"median_size"`
	MaxSize       int     `json:"max_size"`
	MeanDepth     float64 `json:"mean_depth"`
	MaxDepth      int     `json:"max_depth"`
	MaxBreadth    int     `json:"max_breadth"`
	// MeanStructuralVirality is over the conversations (threads with
	// replies): a lone post has none.
	MeanStructuralVirality float64 `json:"mean_structural_virality"`
	MaxStructuralVirality  float64 `json:"max_structural_virality"`
	MeanParticipants       float64 `json:"mean_participants"`
	// AuthorReturnedShare is the share of conversations where the author of
	// the first post came back to reply.
	AuthorReturnedShare float64  `json:"author_returned_share"`
	SizeDistribution    []Bucket `json:"size_distribution"`
	DepthDistribution   []Bucket `json:"depth_distribution"`
}

// sizeEdges and depthEdges bound the bars of the distributions.
var (
	sizeEdges  = []int{1, 2, 3, 5, 10, 20, 50}
	depthEdges = []int{0, 1, 2, 3, 5, 10}
)

// SummarizeThreads sums up the structure of threads.
func SummarizeThreads(threads []ThreadStats) ConversationSummary {
	s := ConversationSummary{Threads: len(threads), SizeDistribution: buckets(sizeEdges), DepthDistribution: buckets(depthEdges)}
	if len(threads) == 0 {
		return s
	}
	sizes := make([]float64, 0, len(threads))
	var depthSum, sizeSum, svSum, partSum float64
	returned := 0
	for _, t := range threads {
		sizes = append(sizes, float64(t.Size))
		sizeSum += float64(t.Size)
		depthSum += float64(t.Depth)
		s.Replies += t.Size - 1
		s.MaxSize = max(s.MaxSize, t.Size)
		s.MaxDepth = max(s.MaxDepth, t.Depth)
		s.MaxBreadth = max(s.MaxBreadth, t.MaxBreadth)
		count(s.SizeDistribution, t.Size)
		count(s.DepthDistribution, t.Depth)
		if t.Size < 2 {
			continue
		}
		s.Conversations++
		svSum += t.StructuralVirality
		partSum += float64(t.Participants)
		s.MaxStructuralVirality = max(s.MaxStructuralVirality, t.StructuralVirality)
		if t.RootAuthorReplied {
			returned++
		}
	}
	n := float64(len(threads))
	s.MeanSize, s.MeanDepth = sizeSum/n, depthSum/n
	slices.Sort(sizes)
	if k := len(sizes); k%2 == 1 {
		s.MedianSize = sizes[k/2]
	} else {
		s.MedianSize = (sizes[k/2-1] + sizes[k/2]) / 2
	}
	if c := float64(s.Conversations); c > 0 {
		s.MeanStructuralVirality = svSum / c
		s.MeanParticipants = partSum / c
		s.AuthorReturnedShare = float64(returned) / c
	}
	return s
}

// buckets makes empty bars from their lower edges; the last is open.
func buckets(edges []int) []Bucket {
	out := make([]Bucket, len(edges))
	for i, from := range edges {
		to := -1
		if i+1 < len(edges) {
			to = edges[i+1] - 1
		}
		label := strconv.Itoa(from)
		switch {
		case to < 0:
			label += "+"
		case to > from:
			label += "–" + strconv.Itoa(to)
		}
		out[i] = Bucket{Label: label, From: from, To: to}
	}
	return out
}

func count(bs []Bucket, v int) {
	for i := len(bs) - 1; i >= 0; i-- {
		if v >= bs[i].From {
			bs[i].Count++
			return
		}
	}
}
