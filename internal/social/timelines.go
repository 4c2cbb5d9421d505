package social

import (
	"context"
	"slices"

	"parvis/internal/content"
	"parvis/internal/model"
	"parvis/internal/store"
)

// Page bounds a listing (Mastodon's max_id, since_id, min_id, limit).
type Page = store.Page

// Home is the actor's home timeline: their feed while it is valid, the
// follow graph otherwise (and for pages older than the feed keeps).
func (s *Service) Home(ctx context.Context, actor *Actor, p Page) ([]*PostView, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	s.touchActive(ctx, actor.User)
	var out []*PostView
	err := s.db.Snapshot(ctx, func(q store.Q) error {
		ids, err := s.homeIDs(ctx, q, actor, p)
		if err != nil {
			return err
		}
		out, err = s.viewsIn(ctx, q, actor, ids, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.runViewed(ctx, actor, out)
	return out, nil
}

// homeIDs pages through the viewer's home timeline: the feed, then the
// follow graph past its end (or for a feed not built yet).
func (s *Service) homeIDs(ctx context.Context, q store.Q, actor *Actor, p Page) ([]int64, error) {
	valid, _, err := q.FeedState(ctx, actor.Account.ID)
	if err != nil {
		return nil, err
	}
	if !valid {
		return q.HomeIDsFromGraph(ctx, actor.Account.ID, p)
	}
	ids, err := q.FeedIDs(ctx, actor.Account.ID, p)
	if err != nil {
		return nil, err
	}
	// The feed holds the newest part of the timeline, without gaps; past
	// its end, older pages come from the follow graph.
	if len(ids) < p.Limit && p.MinID == 0 && p.SinceID == 0 {
		older := p
		if len(ids) > 0 {
			older.MaxID = ids[len(ids)-1]
		}
		older.Limit = p.Limit - len(ids)
		more, err := q.HomeIDsFromGraph(ctx, actor.Account.ID, older)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	return ids, nil
}

// PublicTimeline lists public posts (local, remote or all).
func (s *Service) PublicTimeline(ctx context.Context, viewer *Actor, f store.PublicFilter, p Page) ([]*PostView, error) {
	ids, err := s.db.Read().PublicIDs(ctx, f, p)
	if err != nil {
		return nil, err
	}
	return s.Views(ctx, viewer, ids, true)
}

// TagTimeline lists public posts with a hashtag.
func (s *Service) TagTimeline(ctx context.Context, viewer *Actor, tag string, f store.PublicFilter, p Page) ([]*PostView, error) {
	norm := content.NormalizeTag(tag)
	if norm == "" {
		return nil, model.Errorf(model.ENOTFOUND, "hashtag not found")
	}
	ids, err := s.db.Read().TagIDs(ctx, norm, f, p)
	if err != nil {
		return nil, err
	}
	return s.Views(ctx, viewer, ids, true)
}

// AccountPostsOptions filter an account's posts.
type AccountPostsOptions struct {
	ExcludeReplies, ExcludeReblogs, OnlyMedia, Pinned bool
	Tagged                                            string
}

// AccountPosts lists an account's posts as the viewer may see them.
func (s *Service) AccountPosts(ctx context.Context, viewer *Actor, accountID int64, o AccountPostsOptions, p Page) ([]*PostView, error) {
	q := s.db.Read()
	author, err := q.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	vid := viewerID(viewer)
	if vid != 0 && vid != accountID {
		hidden, err := q.Hidden(ctx, vid, []int64{accountID}, false, s.now())
		if err != nil {
			return nil, err
		}
		if hidden[accountID] {
			return nil, nil
		}
	}
	if author.Suspended() && vid != accountID {
		return nil, nil
	}
	if o.Pinned {
		if p.MaxID != 0 || p.MinID != 0 || p.SinceID != 0 {
			return nil, nil // pins are one page
		}
		ids, err := q.PinnedIDs(ctx, accountID)
		if err != nil {
			return nil, err
		}
		return s.Views(ctx, viewer, ids, false)
	}
	vis := []model.Visibility{model.Public, model.Unlisted}
	switch {
	case vid == accountID:
		vis = nil // everything
	case vid != 0:
		if ok, err := q.IsFollowing(ctx, vid, accountID); err != nil {
			return nil, err
		} else if ok {
			vis = append(vis, model.Private)
		}
	}
	ids, err := q.AccountPostIDs(ctx, accountID, store.AccountFilter{Visibilities: vis, ExcludeReplies: o.ExcludeReplies,
		ExcludeReblogs: o.ExcludeReblogs, OnlyMedia: o.OnlyMedia, Tagged: content.NormalizeTag(o.Tagged)}, p)
	if err != nil {
		return nil, err
	}
	s.runProfileViewed(ctx, viewer, accountID, o, p)
	return s.Views(ctx, viewer, ids, false)
}

// Context is a post's thread: its ancestors (oldest first) and its
// descendants (depth first, as Mastodon orders them).
type Context struct {
	Ancestors   []*PostView
	Descendants []*PostView
}

// MaxThreadPosts bounds how much of a very large thread one request loads.
const MaxThreadPosts = 4000

// ThreadContext returns the visible ancestors and descendants of a post.
func (s *Service) ThreadContext(ctx context.Context, viewer *Actor, id int64) (*PostView, *Context, error) {
	v, err := s.View(ctx, viewer, id)
	if err != nil {
		return nil, nil, err
	}
	p := v.Shown().Post
	posts, err := s.db.Read().ThreadPosts(ctx, p.ThreadID, MaxThreadPosts)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]*model.Post, len(posts))
	children := map[int64][]int64{}
	for _, q := range posts {
		byID[q.ID] = q
		if q.InReplyToID != 0 {
			children[q.InReplyToID] = append(children[q.InReplyToID], q.ID)
		}
	}
	var anc []int64
	seen := map[int64]bool{p.ID: true}
	for cur := p.InReplyToID; cur != 0 && !seen[cur]; {
		seen[cur] = true
		q := byID[cur]
		if q == nil {
			break
		}
		anc = append(anc, q.ID)
		cur = q.InReplyToID
	}
	slices.Reverse(anc)
	var desc []int64
	var walk func(id int64)
	walk = func(id int64) {
		for _, c := range children[id] {
			if seen[c] {
				continue
			}
			seen[c] = true
			desc = append(desc, c)
			walk(c)
		}
	}
	walk(p.ID)
	av, err := s.Views(ctx, viewer, anc, false)
	if err != nil {
		return nil, nil, err
	}
	dv, err := s.Views(ctx, viewer, desc, true)
	if err != nil {
		return nil, nil, err
	}
	return v, &Context{Ancestors: av, Descendants: dv}, nil
}

// PairedViews is a page of posts listed by another cursor (favourites,
// bookmarks), with the cursors for pagination.
type PairedViews struct {
	Views   []*PostView
	Cursors []int64 // the cursor of each view
}

func (s *Service) pairedViews(ctx context.Context, viewer *Actor, pairs []store.IDPair) (PairedViews, error) {
	ids := make([]int64, len(pairs))
	cursor := map[int64]int64{}
	for i, pr := range pairs {
		ids[i] = pr.ItemID
		cursor[pr.ItemID] = pr.Cursor
	}
	vs, err := s.Views(ctx, viewer, ids, false)
	if err != nil {
		return PairedViews{}, err
	}
	out := PairedViews{Views: vs}
	for _, v := range vs {
		out.Cursors = append(out.Cursors, cursor[v.Post.ID])
	}
	return out, nil
}

// Favourites lists the posts the actor favourited, newest favourite first.
func (s *Service) Favourites(ctx context.Context, actor *Actor, p Page) (PairedViews, error) {
	if err := actor.require(); err != nil {
		return PairedViews{}, err
	}
	pairs, err := s.db.Read().Favourites(ctx, actor.Account.ID, p)
	if err != nil {
		return PairedViews{}, err
	}
	return s.pairedViews(ctx, actor, pairs)
}

// Bookmarks lists the posts the actor bookmarked.
func (s *Service) Bookmarks(ctx context.Context, actor *Actor, p Page) (PairedViews, error) {
	if err := actor.require(); err != nil {
		return PairedViews{}, err
	}
	pairs, err := s.db.Read().Bookmarks(ctx, actor.Account.ID, p)
	if err != nil {
		return PairedViews{}, err
	}
	return s.pairedViews(ctx, actor, pairs)
}

// PairedAccounts is a page of accounts listed by another cursor.
type PairedAccounts struct {
	Accounts []*model.Account
	Cursors  []int64
}

func (s *Service) pairedAccounts(ctx context.Context, pairs []store.IDPair) (PairedAccounts, error) {
	ids := make([]int64, len(pairs))
	for i, pr := range pairs {
		ids[i] = pr.ItemID
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	if err != nil {
		return PairedAccounts{}, err
	}
	var out PairedAccounts
	for _, pr := range pairs {
		if a := accs[pr.ItemID]; a != nil && !a.Suspended() {
			out.Accounts = append(out.Accounts, a)
			out.Cursors = append(out.Cursors, pr.Cursor)
		}
	}
	return out, nil
}

// AccountList names the account listings.
type AccountList string

// The account listings.
const (
	ListFollowers      AccountList = "followers"
	ListFollowing      AccountList = "following"
	ListFollowRequests AccountList = "follow_requests"
	ListBlocks         AccountList = "blocks"
	ListMutes          AccountList = "mutes"
	ListFavouritedBy   AccountList = "favourited_by"
	ListRebloggedBy    AccountList = "reblogged_by"
)

// Accounts lists accounts related to an account or a post.
func (s *Service) Accounts(ctx context.Context, viewer *Actor, list AccountList, id int64, p Page) (PairedAccounts, error) {
	q := s.db.Read()
	var pairs []store.IDPair
	var err error
	switch list {
	case ListFollowers, ListFollowing:
		a, aerr := q.AccountByID(ctx, id)
		if aerr != nil {
			return PairedAccounts{}, aerr
		}
		if a.Group && a.Local() && list == ListFollowers {
			// A community's followers are its members: a private
			// community shows them to its members only.
			c, cerr := q.CommunityByAccountID(ctx, a.ID)
			if cerr != nil {
				return PairedAccounts{}, cerr
			}
			if _, cerr := s.can(ctx, q, viewer, c, model.ActSeeMembers); cerr != nil {
				if model.IsNotFound(cerr) {
					return PairedAccounts{}, nil
				}
				return PairedAccounts{}, cerr
			}
		}
		if list == ListFollowers {
			pairs, err = q.Followers(ctx, id, p)
		} else {
			pairs, err = q.Following(ctx, id, p)
		}
	case ListFollowRequests, ListBlocks, ListMutes:
		if err := viewer.require(); err != nil {
			return PairedAccounts{}, err
		}
		switch list {
		case ListFollowRequests:
			pairs, err = q.FollowRequests(ctx, viewer.Account.ID, p)
		case ListBlocks:
			pairs, err = q.Blocks(ctx, viewer.Account.ID, p)
		default:
			pairs, err = q.Mutes(ctx, viewer.Account.ID, p)
		}
	case ListFavouritedBy, ListRebloggedBy:
		if _, err := s.View(ctx, viewer, id); err != nil {
			return PairedAccounts{}, err
		}
		if list == ListFavouritedBy {
			pairs, err = q.FavouritedBy(ctx, id, p)
		} else {
			pairs, err = q.RebloggedBy(ctx, id, p)
		}
	default:
		return PairedAccounts{}, model.Errorf(model.ENOTFOUND, "unknown list")
	}
	if err != nil {
		return PairedAccounts{}, err
	}
	return s.pairedAccounts(ctx, pairs)
}
