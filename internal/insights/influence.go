package insights

import (
	"errors"
	"fmt"
	"math"
)

// Link is a weighted directed edge between two accounts, by id: From
// engaged with (or follows) To.
type Link struct {
	From, To int64
	Weight   float64
}

// Standing is an account's influence in a graph.
type Standing struct {
	AccountID int64
	PageRank  float64
	// Rank is 1 for the most influential; equal scores share a rank.
	Rank int
	// Percentile is the share of the other accounts ranked lower, 0-100.
	Percentile float64
}

// Engagement weights of the influence graph: a reply costs its author the
// most and starts a conversation; a boost or a mention carries the
// account to others; a favourite is applause.
const (
	WeightReply     = 3
	WeightReblog    = 2
	WeightMention   = 2
	WeightFavourite = 1
)

// Influence ranks the accounts of a graph given by links, with PageRank
// (damping 0.85): influence flows from who engages to whom they engage
// with. Self-links are dropped; parallel links add up. The result holds
// every account that appears in a link, in no particular order. When
// weighted is false every link counts as 1.
func Influence(links []Link, weighted bool) ([]Standing, error) {
	index := make(map[int64]int32, len(links)/4+1)
	var ids []int64
	node := func(id int64) (int32, error) {
		if i, ok := index[id]; ok {
			return i, nil
		}
		if len(ids) == math.MaxInt32 {
			return 0, errors.New("too many accounts in the graph")
		}
		i := int32(len(ids))
		index[id] = i
		ids = append(ids, id)
		return i, nil
	}
	edges := make([]Edge, 0, len(links))
	for _, l := range links {
		if l.From == l.To {
			continue
		}
		from, err := node(l.From)
		if err != nil {
			return nil, err
		}
		to, err := node(l.To)
		if err != nil {
			return nil, err
		}
		edges = append(edges, Edge{From: from, To: to, Weight: l.Weight})
	}
	g, err := NewGraph(len(ids), edges, weighted)
	if err != nil {
		return nil, fmt.Errorf("influence graph: %w", err)
	}
	scores, err := PageRank(g, PageRankOptions{Damping: 0.85, MaxIterations: 200})
	if err != nil && !errors.Is(err, ErrNotConverged) {
		return nil, fmt.Errorf("influence: %w", err)
	}
	ranks := Ranks(scores)
	pct := Percentiles(scores)
	out := make([]Standing, len(ids))
	for i, id := range ids {
		out[i] = Standing{AccountID: id, PageRank: scores[i], Rank: ranks[i], Percentile: pct[i]}
	}
	return out, nil
}
