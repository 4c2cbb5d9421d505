package social

import (
	"context"
	"slices"

	"parvis/internal/model"
	"parvis/internal/store"
)

// PostView is a post with everything needed to show it to one viewer.
type PostView struct {
	Post     *model.Post
	Account  *model.Account
	Reblog   *PostView // the boosted post, for a boost
	Media    []*model.Media
	Mentions []*model.Account
	Tags     []string
	Card     *model.Card

	Favourited, Reblogged, Bookmarked, Pinned, Muted bool

	// FavouritesShown and ReblogsShown are the counts to display to this
	// viewer: the honest counts, plus the viewer's own engagement when
	// integrity flagged it (the person who made it still sees it counted).
	FavouritesShown, ReblogsShown int64
}

// Shown returns the post whose content a boost shows: the boosted post, or
// the post itself.
func (v *PostView) Shown() *PostView {
	if v.Reblog != nil {
		return v.Reblog
	}
	return v
}

// viewerID is the viewer's account id, 0 when anonymous.
func viewerID(a *Actor) int64 {
	if a.LoggedIn() {
		return a.Account.ID
	}
	return 0
}

// Views loads posts for a viewer, in the order of ids, leaving out those
// the viewer may not see (and, when hideMuted, those by muted accounts).
func (s *Service) Views(ctx context.Context, viewer *Actor, ids []int64, hideMuted bool) ([]*PostView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []*PostView
	err := s.db.Snapshot(ctx, func(q store.Q) (err error) {
		out, err = s.viewsIn(ctx, q, viewer, ids, hideMuted)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.runViewed(ctx, viewer, out)
	return out, nil
}

// viewsIn is Views with the reads of q (a snapshot the caller holds),
// without the viewed hooks (which run once the snapshot is released).
func (s *Service) viewsIn(ctx context.Context, q store.Q, viewer *Actor, ids []int64, hideMuted bool) ([]*PostView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	posts, err := q.PostsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Boosts bring their originals.
	var extra []int64
	for _, p := range posts {
		if p.ReblogOfID != 0 && posts[p.ReblogOfID] == nil {
			extra = append(extra, p.ReblogOfID)
		}
	}
	if len(extra) > 0 {
		more, err := q.PostsByIDs(ctx, extra)
		if err != nil {
			return nil, err
		}
		for id, p := range more {
			posts[id] = p
		}
	}
	all := make([]int64, 0, len(posts))
	authorSet := map[int64]bool{}
	for id, p := range posts {
		all = append(all, id)
		authorSet[p.AccountID] = true
	}
	mentions, err := q.MentionsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	for _, ms := range mentions {
		for _, m := range ms {
			authorSet[m] = true
		}
	}
	accountIDs := make([]int64, 0, len(authorSet))
	for id := range authorSet {
		accountIDs = append(accountIDs, id)
	}
	accounts, err := q.AccountsByIDs(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	vid := viewerID(viewer)
	authors := make([]int64, 0, len(posts))
	for _, p := range posts {
		authors = append(authors, p.AccountID)
	}
	hidden, err := q.Hidden(ctx, vid, authors, hideMuted, s.now())
	if err != nil {
		return nil, err
	}
	following, err := q.FollowingAmong(ctx, vid, authors)
	if err != nil {
		return nil, err
	}
	media, err := q.MediaOf(ctx, all)
	if err != nil {
		return nil, err
	}
	tags, err := q.TagsOf(ctx, all)
	if err != nil {
		return nil, err
	}
	var cardIDs []int64
	for _, p := range posts {
		if p.CardID != 0 {
			cardIDs = append(cardIDs, p.CardID)
		}
	}
	cards, err := q.CardsByIDs(ctx, cardIDs)
	if err != nil {
		return nil, err
	}
	flags, err := q.ViewerFlagsFor(ctx, vid, all)
	if err != nil {
		return nil, err
	}
	sc := seeCtx{hidden: hidden, following: following}
	if err := s.loadCommunities(ctx, q, vid, posts, &sc); err != nil {
		return nil, err
	}
	for id, p := range posts {
		p.MentionedAccountIDs = mentions[id]
	}
	build := func(p *model.Post) *PostView {
		a := accounts[p.AccountID]
		if a == nil {
			return nil
		}
		v := &PostView{Post: p, Account: a, Media: media[p.ID], Tags: tags[p.ID], Card: cards[p.CardID],
			Favourited: flags.Favourited[p.ID], Reblogged: flags.Reblogged[p.ID], Bookmarked: flags.Bookmarked[p.ID],
			Pinned: flags.Pinned[p.ID], FavouritesShown: p.FavouritesCount, ReblogsShown: p.ReblogsCount}
		if flags.DiscountedFav[p.ID] {
			v.FavouritesShown++
		}
		if flags.DiscountedReblog[p.ID] {
			v.ReblogsShown++
		}
		for _, m := range mentions[p.ID] {
			if ma := accounts[m]; ma != nil {
				v.Mentions = append(v.Mentions, ma)
			}
		}
		return v
	}
	out := make([]*PostView, 0, len(ids))
	for _, id := range ids {
		p := posts[id]
		if p == nil || !s.canSee(viewer, p, accounts[p.AccountID], sc) {
			continue
		}
		v := build(p)
		if v == nil {
			continue
		}
		if p.ReblogOfID != 0 {
			orig := posts[p.ReblogOfID]
			if orig == nil || !s.canSee(viewer, orig, accounts[orig.AccountID], sc) {
				continue
			}
			v.Reblog = build(orig)
			if v.Reblog == nil {
				continue
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// seeCtx is what the visibility rule needs to know about the viewer.
type seeCtx struct {
	hidden, following map[int64]bool                // by author
	communities       map[int64]*model.Community    // by id
	roles             map[int64]model.CommunityRole // the viewer's, by community id
}

func (s *Service) loadCommunities(ctx context.Context, q store.Q, viewer int64, posts map[int64]*model.Post, sc *seeCtx) error {
	var ids []int64
	for _, p := range posts {
		if p.CommunityID != 0 && !slices.Contains(ids, p.CommunityID) {
			ids = append(ids, p.CommunityID)
		}
	}
	var err error
	if sc.communities, err = q.CommunitiesByIDs(ctx, ids); err != nil {
		return err
	}
	sc.roles, err = q.MembershipsOf(ctx, viewer, ids)
	return err
}

// canSee is the visibility rule: who may see a post. Beyond the post's own
// visibility, a private community's posts are for its members, and a post
// a moderator removed is for its author and the moderators.
func (s *Service) canSee(viewer *Actor, p *model.Post, author *model.Account, sc seeCtx) bool {
	if author == nil {
		return false
	}
	vid := viewerID(viewer)
	if vid == p.AccountID {
		return true
	}
	if author.Suspended() || sc.hidden[p.AccountID] {
		return false
	}
	staff := viewer.Is(model.RoleModerator)
	if p.CommunityID != 0 {
		role := sc.roles[p.CommunityID]
		mod := staff || role.AtLeast(model.CommunityModerator)
		if c := sc.communities[p.CommunityID]; c != nil && c.Membership == model.MembershipPrivate && !role.AtLeast(model.CommunityMember) && !staff {
			return false
		}
		if !p.RemovedAt.IsZero() && !mod {
			return false
		}
	} else if !p.RemovedAt.IsZero() && !staff {
		return false
	}
	switch p.Visibility {
	case model.Public, model.Unlisted:
		return true
	case model.Private:
		if c := sc.communities[p.CommunityID]; c != nil && sc.roles[p.CommunityID].AtLeast(model.CommunityMember) {
			return true // a community's members see its followers-only posts
		}
		return vid != 0 && (sc.following[p.AccountID] || slices.Contains(p.MentionedAccountIDs, vid))
	default:
		return vid != 0 && slices.Contains(p.MentionedAccountIDs, vid)
	}
}

// View loads one post for a viewer; a post the viewer may not see is
// ENOTFOUND, as if it did not exist.
func (s *Service) View(ctx context.Context, viewer *Actor, id int64) (*PostView, error) {
	vs, err := s.Views(ctx, viewer, []int64{id}, false)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, model.Errorf(model.ENOTFOUND, "post not found")
	}
	return vs[0], nil
}

// visibleIn loads a post inside a transaction and checks that the viewer
// may see it.
func (s *Service) visibleIn(ctx context.Context, q store.Q, viewer *Actor, id int64) (*model.Post, *model.Account, error) {
	p, err := q.PostByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := q.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, nil, err
	}
	vid := viewerID(viewer)
	hidden, err := q.Hidden(ctx, vid, []int64{p.AccountID}, false, s.now())
	if err != nil {
		return nil, nil, err
	}
	following, err := q.FollowingAmong(ctx, vid, []int64{p.AccountID})
	if err != nil {
		return nil, nil, err
	}
	ms, err := q.MentionsOf(ctx, []int64{p.ID})
	if err != nil {
		return nil, nil, err
	}
	p.MentionedAccountIDs = ms[p.ID]
	sc := seeCtx{hidden: hidden, following: following}
	if err := s.loadCommunities(ctx, q, vid, map[int64]*model.Post{p.ID: p}, &sc); err != nil {
		return nil, nil, err
	}
	if !s.canSee(viewer, p, a, sc) {
		return nil, nil, model.Errorf(model.ENOTFOUND, "post not found")
	}
	return p, a, nil
}
