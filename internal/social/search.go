package social

import (
	"context"
	"strings"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/store"
)

// SearchResults are accounts, posts and hashtags matching a query.
type SearchResults struct {
	Accounts []*model.Account
	Posts    []*PostView
	Tags     []store.Tag
}

// SearchOptions narrow a search.
type SearchOptions struct {
	Type   string // "", accounts, statuses, hashtags
	Limit  int
	Offset int
}

// Search finds accounts (by name, or exactly by user@domain), posts (full
// text; public ones and the viewer's own) and hashtags (by prefix).
func (s *Service) Search(ctx context.Context, viewer *Actor, query string, o SearchOptions) (*SearchResults, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return &SearchResults{}, nil
	}
	if len(query) > 500 {
		return nil, model.Errorf(model.EUNPROCESS, "the search query is too long")
	}
	switch o.Type {
	case "", "accounts", "statuses", "hashtags":
	default:
		return nil, model.Errorf(model.EUNPROCESS, "unknown search type %q (want accounts, statuses or hashtags)", o.Type)
	}
	if o.Limit <= 0 || o.Limit > 40 {
		o.Limit = 20
	}
	if o.Offset < 0 || o.Offset > 10000 {
		return nil, model.Errorf(model.EUNPROCESS, "offset is out of range")
	}
	q := s.db.Read()
	res := &SearchResults{}
	if o.Type == "" || o.Type == "accounts" {
		seen := map[int64]bool{}
		if strings.HasPrefix(query, "@") || strings.Count(query, "@") == 1 || looksRemote(query) {
			a, err := s.LookupAccount(ctx, query)
			if err != nil && looksRemote(query) {
				a, err = s.resolveRemote(ctx, viewer, query)
			}
			if err == nil && !a.Suspended() {
				res.Accounts = append(res.Accounts, a)
				seen[a.ID] = true
			}
		}
		ids, err := q.SearchAccountIDs(ctx, strings.TrimPrefix(query, "@"), o.Limit, o.Offset)
		if err != nil {
			return nil, err
		}
		accs, err := q.AccountsByIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if a := accs[id]; a != nil && !seen[id] && len(res.Accounts) < o.Limit {
				res.Accounts = append(res.Accounts, a)
			}
		}
	}
	if o.Type == "" || o.Type == "statuses" {
		ids, err := q.SearchPostIDs(ctx, query, viewerID(viewer), o.Limit, o.Offset)
		if err != nil {
			return nil, err
		}
		if res.Posts, err = s.Views(ctx, viewer, ids, true); err != nil {
			return nil, err
		}
	}
	if o.Type == "" || o.Type == "hashtags" {
		tags, err := q.SearchTags(ctx, content.NormalizeTag(strings.TrimPrefix(query, "#")), o.Limit, o.Offset)
		if err != nil {
			return nil, err
		}
		res.Tags = tags
	}
	return res, nil
}
