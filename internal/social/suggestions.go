package social

import (
	"context"
	"sort"
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
	fof, err := q.FriendsOfFriends(ctx, me, 4*limit)
	if err != nil {
		return nil, err
	}
	groups, err := q.SharedCommunities(ctx, me, 4*limit)
	if err != nil {
		return nil, err
	}
	tags, err := q.SharedInterests(ctx, me, model.IDAt(s.now().Add(-60*24*time.Hour)), 4*limit)
	if err != nil {
		return nil, err
	}
	type cand struct {
		score   float64
		sources []string
	}
	cands := map[int64]*cand{}
	get := func(id int64) *cand {
		c := cands[id]
		if c == nil {
			c = &cand{}
			cands[id] = c
		}
		return c
	}
	for _, c := range fof {
		x := get(c.AccountID)
		x.score += c.FriendsScore
		x.sources = append(x.sources, "friends_of_friends")
	}
	for id, n := range groups {
		x := get(id)
		x.score += 0.5 * float64(n)
		x.sources = append(x.sources, "shared_communities")
	}
	for id, n := range tags {
		x := get(id)
		x.score += 0.25 * float64(n)
		x.sources = append(x.sources, "shared_interests")
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
