package social

import (
	"context"
	"sort"
	"sync"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// Suggestion is someone the actor may know, and why.
type Suggestion struct {
	Account *model.Account
	Score   float64
	Sources []string // friends_of_friends, shared_communities, shared_interests
}

// Suggestions ranks people the actor may know: friends of friends
// (Adamic–Adar over connections and follows), people in the same
// communities, people using the same hashtags. Those already followed or
// connected, blocked, suspended or dismissed are left out.
func (s *Service) Suggestions(ctx context.Context, actor *Actor, limit int) ([]Suggestion, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 80 {
		limit = 40
	}
	q := s.db.Read()
	me := actor.Account.ID
	cands, err := s.suggestionCandidates(ctx, q, me, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		if id != me {
			ids = append(ids, id)
		}
	}
	rel, err := q.Relationships(ctx, me, ids, s.now())
	if err != nil {
		return nil, err
	}
	dismissed, err := q.Dismissed(ctx, me)
	if err != nil {
		return nil, err
	}
	connected, err := q.ConnectionIDs(ctx, me)
	if err != nil {
		return nil, err
	}
	isConnected := map[int64]bool{}
	for _, c := range connected {
		isConnected[c] = true
	}
	keep := ids[:0]
	for _, id := range ids {
		r := rel[id]
		if dismissed[id] || isConnected[id] || r.Following || r.Requested || r.Blocking || r.BlockedBy {
			continue
		}
		keep = append(keep, id)
	}
	accs, err := q.AccountsByIDs(ctx, keep)
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	for _, id := range keep {
		a := accs[id]
		if a == nil || a.Suspended() || a.Group || !a.Discoverable {
			continue
		}
		out = append(out, Suggestion{Account: a, Score: cands[id].score, Sources: cands[id].sources})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Account.ID < out[j].Account.ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// candidate is an account suggested to someone, before what they already
// follow, connected with, blocked or dismissed is left out.
type candidate struct {
	score   float64
	sources []string
}

// Candidates are kept a while per account: friends of friends read
// thousands of edges, and people ask again as they page and come back. The
// entry is recomputed when the account's follows or connections change;
// exclusions are always applied afresh.
const (
	candidatesTTL  = 10 * time.Minute
	candidatesKept = 2000 // accounts
)

type candidateCache struct {
	mu sync.Mutex
	m  map[int64]cachedCandidates
}

type cachedCandidates struct {
	at      time.Time
	version [3]int64 // following, connections, limit
	cands   map[int64]candidate
}

// suggestionCandidates gathers and scores the candidates of an account.
func (s *Service) suggestionCandidates(ctx context.Context, q store.Q, me int64, limit int) (map[int64]candidate, error) {
	acc, err := q.AccountByID(ctx, me)
	if err != nil {
		return nil, err
	}
	nconn, err := q.CountConnections(ctx, me)
	if err != nil {
		return nil, err
	}
	version := [3]int64{acc.FollowingCount, nconn, int64(limit)}
	now := s.now()
	s.candidates.mu.Lock()
	c, ok := s.candidates.m[me]
	s.candidates.mu.Unlock()
	if ok && c.version == version && now.Sub(c.at) < candidatesTTL {
		return c.cands, nil
	}
	fof, err := q.FriendsOfFriends(ctx, me, 4*limit)
	if err != nil {
		return nil, err
	}
	groups, err := q.SharedCommunities(ctx, me, 4*limit)
	if err != nil {
		return nil, err
	}
	tags, err := q.SharedInterests(ctx, me, model.IDAt(now.Add(-60*24*time.Hour)), 4*limit)
	if err != nil {
		return nil, err
	}
	cands := map[int64]candidate{}
	add := func(id int64, score float64, source string) {
		x := cands[id]
		x.score += score
		x.sources = append(x.sources, source)
		cands[id] = x
	}
	for _, c := range fof {
		add(c.AccountID, c.FriendsScore, "friends_of_friends")
	}
	for id, n := range groups {
		add(id, 0.5*float64(n), "shared_communities")
	}
	for id, n := range tags {
		add(id, 0.25*float64(n), "shared_interests")
	}
	s.candidates.mu.Lock()
	defer s.candidates.mu.Unlock()
	if len(s.candidates.m) >= candidatesKept {
		var oldest int64
		for id, e := range s.candidates.m {
			if oldest == 0 || e.at.Before(s.candidates.m[oldest].at) {
				oldest = id
			}
		}
		delete(s.candidates.m, oldest)
	}
	s.candidates.m[me] = cachedCandidates{at: now, version: version, cands: cands}
	return cands, nil
}

// DismissSuggestion stops suggesting an account.
func (s *Service) DismissSuggestion(ctx context.Context, actor *Actor, targetID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AccountByID(ctx, targetID); err != nil {
			return err
		}
		return tx.DismissSuggestion(ctx, actor.Account.ID, targetID, s.now())
	})
}
