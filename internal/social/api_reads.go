package social

import (
	"context"
	"time"

	"parvis/internal/model"
	"parvis/internal/store"
)

// InstanceUsage counts the server's users, their activity, local posts
// and known domains (the instance and NodeInfo endpoints).
func (s *Service) InstanceUsage(ctx context.Context) (store.InstanceUsage, error) {
	return s.db.Read().InstanceUsage(ctx, s.now())
}

// TagHistories returns the daily public uses of hashtags over the last
// days days (today included), newest day first, days without use included.
func (s *Service) TagHistories(ctx context.Context, tagIDs []int64, days int) (map[int64][]store.TagDay, error) {
	today := s.now().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(days - 1))
	raw, err := s.db.Read().TagHistories(ctx, tagIDs, since)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]store.TagDay, len(tagIDs))
	for _, id := range tagIDs {
		byDay := map[int64]store.TagDay{}
		for _, d := range raw[id] {
			byDay[d.Day.Unix()] = d
		}
		hist := make([]store.TagDay, days)
		for i := range hist {
			day := today.AddDate(0, 0, -i)
			hist[i] = byDay[day.Unix()]
			hist[i].Day = day
		}
		out[id] = hist
	}
	return out, nil
}

// Relationships returns how the actor stands towards each of ids, in that
// order; ids of unknown accounts are left out.
func (s *Service) Relationships(ctx context.Context, actor *Actor, ids []int64) ([]*store.Relationship, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	q := s.db.Read()
	accs, err := q.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var known []int64
	for _, id := range ids {
		if accs[id] != nil {
			known = append(known, id)
		}
	}
	rs, err := q.Relationships(ctx, actor.Account.ID, known, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]*store.Relationship, 0, len(known))
	for _, id := range known {
		out = append(out, rs[id])
	}
	return out, nil
}

// InHome reports whether a post event belongs in the actor's home
// timeline by the fan-out's rule: their own posts, and those of accounts
// they follow, boosts only from accounts whose boosts they show. Whether
// the actor may see the post at all is for View to say.
func (s *Service) InHome(ctx context.Context, actor *Actor, e Event) (bool, error) {
	if !actor.LoggedIn() {
		return false, nil
	}
	if e.AuthorID == actor.Account.ID {
		return true, nil
	}
	f, err := s.db.Read().FollowOf(ctx, actor.Account.ID, e.AuthorID)
	if model.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !e.Reblog || f.ShowReblogs, nil
}

// MediaByIDs loads attachments by id (those of an edited post's earlier
// versions).
func (s *Service) MediaByIDs(ctx context.Context, ids []int64) (map[int64]*model.Media, error) {
	return s.db.Read().MediaByIDs(ctx, ids)
}

// Apps loads the applications posts were written with, keyed by id.
func (s *Service) Apps(ctx context.Context, ids []int64) (map[int64]*store.OAuthApp, error) {
	return s.db.Read().OAuthAppsByIDs(ctx, ids)
}
