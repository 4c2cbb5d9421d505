package social

import (
	"context"
	"sort"
	"time"

	"parvis/internal/store"
)

// Trend windows: a post trends on the engagement of the last day, if it is
// at most a week old; a hashtag trends when more accounts used it in the
// last day than on an average day of the six before.
const (
	trendWindow      = 24 * time.Hour
	trendPostMaxAge  = 7 * 24 * time.Hour
	trendMinAccounts = 2
	trendBaseDays    = 6
	trendMaxLimit    = 40
)

// TagTrend is a trending hashtag.
type TagTrend struct {
	Tag      store.Tag
	Accounts int64   // distinct accounts that used it in the last day
	Baseline float64 // their average per day over the six days before
	Score    float64
}

// TrendingStatuses returns the public posts most engaged in the last day,
// as the viewer may see them. Flagged engagement and suspended accounts
// count for nothing (see store.TrendingPosts).
func (s *Service) TrendingStatuses(ctx context.Context, viewer *Actor, limit, offset int) ([]*PostView, error) {
	limit, offset = trendPage(limit, offset)
	now := s.now()
	trends, err := s.db.Read().TrendingPosts(ctx, now.Add(-trendWindow), now.Add(-trendPostMaxAge), trendMinAccounts, limit, offset)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(trends))
	for i, t := range trends {
		ids[i] = t.ID
	}
	return s.Views(ctx, viewer, ids, true)
}

// TrendingTags returns the hashtags whose use rose in the last day against
// the six days before, best first.
func (s *Service) TrendingTags(ctx context.Context, limit, offset int) ([]TagTrend, error) {
	limit, offset = trendPage(limit, offset)
	now := s.now()
	q := s.db.Read()
	recent, err := q.TagUses(ctx, now.Add(-trendWindow), now.Add(time.Millisecond), trendMinAccounts, 200)
	if err != nil {
		return nil, err
	}
	if len(recent) == 0 {
		return nil, nil
	}
	before, err := q.TagAccountDays(ctx, now.Add(-trendWindow-trendBaseDays*24*time.Hour), now.Add(-trendWindow))
	if err != nil {
		return nil, err
	}
	base := make(map[int64]float64, len(before))
	for id, n := range before {
		base[id] = float64(n) / trendBaseDays
	}
	var out []TagTrend
	ids := make([]int64, 0, len(recent))
	for _, t := range recent {
		b := base[t.ID]
		score := float64(t.Accounts) - b
		if score <= 0 {
			continue
		}
		out = append(out, TagTrend{Tag: store.Tag{ID: t.ID}, Accounts: t.Accounts, Baseline: b, Score: score})
		ids = append(ids, t.ID)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if offset >= len(out) {
		return nil, nil
	}
	out = out[offset:min(len(out), offset+limit)]
	tags, err := q.TagsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Tag = tags[out[i].Tag.ID]
	}
	return out, nil
}

func trendPage(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = 20
	}
	return min(limit, trendMaxLimit), max(offset, 0)
}
