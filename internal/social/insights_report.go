package social

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"parvis/internal/content"
	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/store"
)

// VisitWindow is the window compared after and before each post for the
// website's visits.
const VisitWindow = 24 * time.Hour

// Report bounds: the longest lists a report carries.
const (
	reportTopics      = 15
	reportHashtags    = 20
	reportFans        = 10
	reportReferrers   = 20
	reportPostFigures = 500
	reportAfterPosts  = 200
)

// AccountInsights computes the insights of an account over a period: for
// its owner and the server's staff only.
func (s *Service) AccountInsights(ctx context.Context, actor *Actor, accountID int64, p insights.Period) (*insights.Report, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	a, err := s.db.Read().AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if a.Group {
		// A community's group account: its moderators see its insights.
		if c, err := s.db.Read().CommunityByAccountID(ctx, a.ID); err == nil {
			return s.CommunityInsights(ctx, actor, c.ID, p)
		}
	}
	if actor.Account.ID != a.ID && !actor.Is(model.RoleModerator) {
		return nil, model.Errorf(model.EFORBIDDEN, "only the account's owner and the server's staff can see its insights")
	}
	scope := insights.Scope{Kind: "account", ID: model.FormatID(a.ID), Acct: a.Acct(), Name: a.Name()}
	r, err := s.report(ctx, store.InsightScope{AccountID: a.ID}, scope, p)
	return r, wrap("account insights", err)
}

// CommunityInsights computes the insights of a community over a period:
// for its moderators and owners, and the server's staff.
func (s *Service) CommunityInsights(ctx context.Context, actor *Actor, communityID int64, p insights.Period) (*insights.Report, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	q := s.db.Read()
	c, err := q.CommunityByID(ctx, communityID)
	if err != nil {
		return nil, err
	}
	role, err := s.CommunityRoleOf(ctx, q, actor, c.ID)
	if err != nil {
		return nil, err
	}
	if !role.AtLeast(model.CommunityModerator) && !actor.Is(model.RoleModerator) {
		return nil, model.Errorf(model.EFORBIDDEN, "only the community's moderators and the server's staff can see its insights")
	}
	a, err := q.AccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	scope := insights.Scope{Kind: "community", ID: model.FormatID(c.ID), Acct: a.Acct(), Name: a.Name()}
	r, err := s.report(ctx, store.InsightScope{AccountID: a.ID, CommunityID: c.ID}, scope, p)
	return r, wrap("community insights", err)
}

// PostInsights returns the figures of one post over a period, and its
// scope's report for context: for the post's author (or, in a community,
// its moderators) and the server's staff.
func (s *Service) PostInsights(ctx context.Context, actor *Actor, postID int64, p insights.Period) (*insights.PostFigures, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	post, err := s.db.Read().PostByID(ctx, postID)
	if err != nil {
		return nil, err
	}
	if post.IsReblog() {
		return nil, model.Errorf(model.ENOTFOUND, "post not found")
	}
	var r *insights.Report
	if post.AccountID == actor.Account.ID || actor.Is(model.RoleModerator) || post.CommunityID == 0 {
		r, err = s.AccountInsights(ctx, actor, post.AccountID, p)
	} else {
		r, err = s.CommunityInsights(ctx, actor, post.CommunityID, p)
	}
	if err != nil {
		return nil, err
	}
	for i := range r.PostFigures {
		if r.PostFigures[i].ID == model.FormatID(postID) {
			return &r.PostFigures[i], nil
		}
	}
	return nil, model.Errorf(model.ENOTFOUND, "the post was not published in this period")
}

// counted sums up a report's roll-up rows.
type counted struct {
	impressions, profileViews        int64
	byDay                            map[time.Time]*insights.DayFigures
	postImpressions, postClicks      map[int64]int64
	postVisits                       map[int64]int64
	linkClicks, linkFiltered         map[int64]int64
	linkVisits                       map[string]int64
	pageviews, visits, visitors      int64
	fromSocial, filteredHits         int64
	bySource                         map[string]int64
	referrers                        map[string]int64
	follows, unfollows, joins, leave int64
}

func (c *counted) day(t time.Time) *insights.DayFigures {
	d := insights.Day(t)
	f := c.byDay[d]
	if f == nil {
		f = &insights.DayFigures{Date: insights.DateString(d)}
		c.byDay[d] = f
	}
	return f
}

// countRows sums up the roll-ups by day, by post and by link or site.
func countRows(byDay, byPost, byRef []store.InsightCount) *counted {
	c := &counted{byDay: map[time.Time]*insights.DayFigures{}, postImpressions: map[int64]int64{},
		postClicks: map[int64]int64{}, postVisits: map[int64]int64{}, linkClicks: map[int64]int64{},
		linkFiltered: map[int64]int64{}, linkVisits: map[string]int64{}, bySource: map[string]int64{},
		referrers: map[string]int64{}}
	for _, r := range byDay {
		d := c.day(r.Bucket)
		switch r.Kind {
		case store.InsightImpression:
			c.impressions += r.N
			d.Impressions += r.N
		case store.InsightProfileView:
			c.profileViews += r.N
			d.ProfileViews += r.N
		case store.InsightClick:
			d.Clicks += r.N
		case store.InsightPageview, store.InsightVisit, store.InsightVisitor:
			c.pageviews += r.N
			if r.Kind == store.InsightPageview {
				continue
			}
			if r.Kind == store.InsightVisitor {
				c.visitors += r.N
			}
			src := insights.Source(r.Source)
			c.visits += r.N
			d.Visits += r.N
			c.bySource[src.String()] += r.N
			if src.Social() {
				c.fromSocial += r.N
				d.VisitsFromSocial += r.N
			}
		case store.InsightHitFiltered:
			c.filteredHits += r.N
		case store.InsightFollow:
			c.follows += r.N
			d.NewFollowers += r.N
		case store.InsightUnfollow:
			c.unfollows += r.N
			d.LostFollowers += r.N
		case store.InsightJoin:
			c.joins += r.N
		case store.InsightLeave:
			c.leave += r.N
		}
	}
	for _, r := range byPost {
		switch r.Kind {
		case store.InsightImpression:
			c.postImpressions[r.PostID] += r.N
		case store.InsightClick:
			c.postClicks[r.PostID] += r.N
		case store.InsightVisit, store.InsightVisitor:
			c.postVisits[r.PostID] += r.N
		}
	}
	for _, r := range byRef {
		switch r.Kind {
		case store.InsightClick:
			c.linkClicks[r.RefID] += r.N
		case store.InsightClickFiltered:
			c.linkFiltered[r.RefID] += r.N
		case store.InsightVisit, store.InsightVisitor:
			switch insights.Source(r.Source) {
			case insights.SourceReferral:
				c.referrers[r.Detail] += r.N
			case insights.SourceLink:
				c.linkVisits[r.Detail] += r.N
			}
		}
	}
	return c
}

// postKinds and refKinds are the kinds summed by post and by link or site.
var (
	postKinds = []store.InsightKind{store.InsightImpression, store.InsightClick, store.InsightVisit, store.InsightVisitor}
	refKinds  = []store.InsightKind{store.InsightClick, store.InsightClickFiltered, store.InsightVisit, store.InsightVisitor}
)

// networkKinds are the counts that move the growth curves.
var networkKinds = []store.InsightKind{store.InsightFollow, store.InsightUnfollow, store.InsightConnect,
	store.InsightDisconnect, store.InsightJoin, store.InsightLeave}

// report computes a scope's figures; docs/INSIGHTS.md defines each.
func (s *Service) report(ctx context.Context, sc store.InsightScope, scope insights.Scope, p insights.Period) (*insights.Report, error) {
	q := s.db.Read()
	now := s.now()
	wm, err := q.InsightWatermarks(ctx)
	if err != nil {
		return nil, err
	}
	r := &insights.Report{Scope: scope, Since: p.Since, Until: p.Until, AsOf: wm.Hourly}
	days := insights.Days(p.Since, p.Until)
	byDay, err := q.InsightsByDay(ctx, sc.AccountID, store.AllInsightKinds, p.Since, p.Until, wm.Daily)
	if err != nil {
		return nil, err
	}
	byPost, err := q.InsightsByPost(ctx, sc.AccountID, postKinds, p.Since, p.Until, wm.Daily)
	if err != nil {
		return nil, err
	}
	byRef, err := q.InsightsByRef(ctx, sc.AccountID, refKinds, p.Since, p.Until, wm.Daily)
	if err != nil {
		return nil, err
	}
	c := countRows(byDay, byPost, byRef)
	r.Impressions, r.ProfileViews = c.impressions, c.profileViews
	if r.Reach, err = s.reach(ctx, sc.AccountID, p); err != nil {
		return nil, err
	}

	posts, err := q.ScopePosts(ctx, sc, p.Since, p.Until)
	if err != nil {
		return nil, err
	}
	var roots []int64
	cohort := map[int64]bool{}
	for _, post := range posts {
		if post.InReplyToID == 0 {
			roots = append(roots, post.ID)
			cohort[post.ID] = true
		}
	}
	r.Posts = len(roots)

	// Engagement: what the period brought (rates by impressions and by
	// followers), what the period's posts received (per-post rates), what
	// was discounted, and the touches that make fans.
	engs, err := q.EngagementsOn(ctx, sc, p.Since.Add(-insights.DefaultFanRule.Window), p.Until)
	if err != nil {
		return nil, err
	}
	var touches []insights.Touch
	var cohortReplies, cohortReblogs, cohortFavs int64
	perPost := map[int64]*insights.PostFigures{}
	postFig := func(id int64) *insights.PostFigures {
		f := perPost[id]
		if f == nil {
			f = &insights.PostFigures{}
			perPost[id] = f
		}
		return f
	}
	for _, e := range engs {
		inPeriod := !e.At.Before(p.Since)
		if e.Flagged {
			if inPeriod {
				switch e.Kind {
				case "favourite":
					r.Discounted.Favourites++
				case "reblog":
					r.Discounted.Reblogs++
				case "reply":
					r.Discounted.Replies++
				}
			}
			continue
		}
		touches = append(touches, insights.Touch{AccountID: e.AccountID, At: e.At})
		if !inPeriod {
			continue
		}
		f := postFig(e.PostID)
		switch e.Kind {
		case "favourite":
			r.Engagement.Favourites++
			f.Favourites++
		case "reblog":
			r.Engagement.Reblogs++
			f.Reblogs++
		case "reply":
			r.Engagement.Replies++
			f.Replies++
		}
		c.day(e.At).Engagements++
		if cohort[e.PostID] {
			switch e.Kind {
			case "favourite":
				cohortFavs++
			case "reblog":
				cohortReblogs++
			case "reply":
				cohortReplies++
			}
		}
	}
	r.Engagement.Total = r.Engagement.Replies + r.Engagement.Reblogs + r.Engagement.Favourites
	r.Discounted.Total = r.Discounted.Favourites + r.Discounted.Reblogs + r.Discounted.Replies

	// Growth: the network's size at the end of each day, from its size now
	// and the changes since.
	size, err := q.NetworkSizeOf(ctx, sc)
	if err != nil {
		return nil, err
	}
	changes, err := q.InsightsByDay(ctx, sc.AccountID, networkKinds, p.Since, now.Add(time.Hour), wm.Daily)
	if err != nil {
		return nil, err
	}
	followDelta, connDelta, memberDelta := map[time.Time]int64{}, map[time.Time]int64{}, map[time.Time]int64{}
	for _, ch := range changes {
		d := insights.Day(ch.Bucket)
		switch ch.Kind {
		case store.InsightFollow:
			followDelta[d] += ch.N
		case store.InsightUnfollow:
			followDelta[d] -= ch.N
		case store.InsightConnect:
			connDelta[d] += ch.N
		case store.InsightDisconnect:
			connDelta[d] -= ch.N
		case store.InsightJoin:
			memberDelta[d] += ch.N
		case store.InsightLeave:
			memberDelta[d] -= ch.N
		}
	}
	followers := size.Followers
	if sc.CommunityID != 0 {
		// A community's followers are its members: joining follows the group.
		followers, followDelta = size.Members, memberDelta
		r.Growth.Members = insights.Sizes(size.Members, days, memberDelta)
		r.Growth.MembersGrowthRate = insights.GrowthRate(r.Growth.Members)
		r.Growth.Joins, r.Growth.Leaves = c.joins, c.leave
		r.Growth.NewFollowers, r.Growth.LostFollowers = c.joins, c.leave
		for _, f := range c.byDay {
			f.NewFollowers, f.LostFollowers = 0, 0
		}
		for _, ch := range changes {
			if !ch.Bucket.Before(p.Since) && ch.Bucket.Before(p.Until) {
				switch ch.Kind {
				case store.InsightJoin:
					c.day(ch.Bucket).NewFollowers += ch.N
				case store.InsightLeave:
					c.day(ch.Bucket).LostFollowers += ch.N
				}
			}
		}
	} else {
		r.Growth.NewFollowers, r.Growth.LostFollowers = c.follows, c.unfollows
	}
	r.Growth.Followers = insights.Sizes(followers, days, followDelta)
	r.Growth.FollowersGrowthRate = insights.GrowthRate(r.Growth.Followers)
	r.Growth.Connections = insights.Sizes(size.Connections, days, connDelta)
	r.Growth.ConnectionsGrowth = insights.GrowthRate(r.Growth.Connections)
	endFollowers := float64(0)
	if n := len(r.Growth.Followers); n > 0 {
		endFollowers = r.Growth.Followers[n-1].Value
	}

	// Rates.
	r.EngagementRateByImpressions = insights.Ratio(float64(r.Engagement.Total), float64(r.Impressions))
	r.EngagementRateByFollowers = insights.Ratio(float64(r.Engagement.Total), endFollowers)
	n := float64(r.Posts)
	r.ConversationRate = insights.Ratio(float64(cohortReplies), n)
	r.AmplificationRate = insights.Ratio(float64(cohortReblogs), n)
	r.ApplauseRate = insights.Ratio(float64(cohortFavs), n)
	r.Per1000Followers = insights.PerFollow{
		Conversation:  insights.Ratio(1000*r.ConversationRate, endFollowers),
		Amplification: insights.Ratio(1000*r.AmplificationRate, endFollowers),
		Applause:      insights.Ratio(1000*r.ApplauseRate, endFollowers),
	}

	// Influence.
	inf, err := q.InfluenceOf(ctx, sc.AccountID)
	if err != nil {
		return nil, err
	}
	if e, ok := inf["engagement"]; ok {
		r.Influence = insights.InfluenceFigures{PageRank: e.PageRank, Rank: e.Rank, Percentile: e.Percentile,
			Accounts: e.Nodes, ComputedAt: e.ComputedAt}
	}
	if f, ok := inf["follow"]; ok {
		r.Influence.Follow = insights.Standings{PageRank: f.PageRank, Rank: f.Rank, Percentile: f.Percentile, Accounts: f.Nodes}
		if r.Influence.ComputedAt.IsZero() {
			r.Influence.ComputedAt = f.ComputedAt
		}
	}

	// Conversations.
	threads, err := s.threadStats(ctx, roots)
	if err != nil {
		return nil, err
	}
	var all []insights.ThreadStats
	for _, id := range roots {
		if st, ok := threads[id]; ok {
			all = append(all, st)
		}
	}
	r.Conversations = insights.SummarizeThreads(all)

	// Topics.
	if err := s.topics(ctx, r, sc, p, posts); err != nil {
		return nil, err
	}

	// Fans.
	r.Fans = insights.Fans(touches, days, insights.DefaultFanRule, reportFans)
	if err := s.nameFans(ctx, &r.Fans); err != nil {
		return nil, err
	}

	// Response figures, from the reply inbox, without the flagged replies.
	acc := sc.AccountID
	if sc.CommunityID != 0 {
		acc = 0
	}
	items, err := s.db.Read().InboxItemsIn(ctx, acc, sc.CommunityID, p.Since, p.Until)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.PostID
	}
	flagged, err := s.db.Read().FlaggedReplies(ctx, ids)
	if err != nil {
		return nil, err
	}
	items = slices.DeleteFunc(items, func(it store.InboxItem) bool { return flagged[it.PostID] })
	r.Response = insights.Response(responseStats(items))

	// Website.
	if err := s.website(ctx, r, sc, p, c, posts, endFollowers, wm); err != nil {
		return nil, err
	}

	// Links, daily figures, posts.
	if err := s.linkFigures(ctx, r, c, posts); err != nil {
		return nil, err
	}
	for i, d := range days {
		f := c.day(d)
		f.Followers = int64(r.Growth.Followers[i].Value)
		r.Daily = append(r.Daily, *f)
	}
	return r, s.postFigures(ctx, r, c, posts, perPost, threads)
}

// reach merges the daily reach sketches of the period.
func (s *Service) reach(ctx context.Context, accountID int64, p insights.Period) (int64, error) {
	sketches, err := s.db.Read().ReachSketches(ctx, accountID, insights.Day(p.Since), p.Until)
	if err != nil {
		return 0, err
	}
	var all insights.Sketch
	for _, text := range sketches {
		sk, err := insights.DecodeSketch(text)
		if err != nil {
			continue
		}
		all.Merge(sk)
	}
	return all.Count(), nil
}

// threadStats computes the shape of each thread whose root is given.
// Flagged replies, and replies under them or under a deleted post, are
// left out.
func (s *Service) threadStats(ctx context.Context, roots []int64) (map[int64]insights.ThreadStats, error) {
	out := map[int64]insights.ThreadStats{}
	if len(roots) == 0 {
		return out, nil
	}
	posts, err := s.db.Read().ThreadsOf(ctx, roots)
	if err != nil {
		return nil, err
	}
	byThread := map[int64][]store.InsightPost{}
	for _, p := range posts {
		byThread[p.ThreadID] = append(byThread[p.ThreadID], p)
	}
	for _, root := range roots {
		kept := map[int64]bool{}
		var nodes []insights.ThreadNode
		for _, p := range byThread[root] { // oldest first: parents before replies
			switch {
			case p.ID == root:
			case p.Flagged || !kept[p.InReplyToID]:
				continue
			}
			kept[p.ID] = true
			n := insights.ThreadNode{ID: model.FormatID(p.ID), Author: model.FormatID(p.AccountID)}
			if p.ID != root {
				n.Parent = model.FormatID(p.InReplyToID)
			}
			nodes = append(nodes, n)
		}
		if len(nodes) == 0 {
			continue
		}
		st, err := insights.Thread(nodes)
		if err != nil {
			continue // a thread whose root is gone
		}
		out[root] = st
	}
	return out, nil
}

// topics finds the keyphrases of the period's conversations (the scope's
// posts and the replies it received), the rising ones against the
// previous period, and the hashtags.
func (s *Service) topics(ctx context.Context, r *insights.Report, sc store.InsightScope, p insights.Period, posts []store.InsightPost) error {
	q := s.db.Read()
	texts := func(ps []store.InsightPost) []insights.TopicText {
		out := make([]insights.TopicText, 0, len(ps))
		for _, p := range ps {
			if p.Flagged {
				continue
			}
			t := p.Text
			if !p.Local {
				t = content.PlainText(t)
			}
			out = append(out, insights.TopicText{Text: t, Lang: p.Language})
		}
		return out
	}
	replies, err := q.RepliesTo(ctx, sc, p.Since, p.Until)
	if err != nil {
		return err
	}
	cur := append(texts(posts), texts(replies)...)
	prev := p.Previous()
	before, err := q.ScopePosts(ctx, sc, prev.Since, prev.Until)
	if err != nil {
		return err
	}
	beforeReplies, err := q.RepliesTo(ctx, sc, prev.Since, prev.Until)
	if err != nil {
		return err
	}
	old := append(texts(before), texts(beforeReplies)...)
	r.Topics, r.Rising = insights.Topics(cur, old, reportTopics)
	ids := make([]int64, 0, len(posts)+len(replies))
	for _, p := range append(posts, replies...) {
		ids = append(ids, p.ID)
	}
	tags, err := q.PostTagCounts(ctx, ids)
	if err != nil {
		return err
	}
	for tag, n := range tags {
		r.Hashtags = append(r.Hashtags, insights.TagCount{Tag: tag, Posts: n})
	}
	slices.SortFunc(r.Hashtags, func(a, b insights.TagCount) int {
		if c := cmp.Compare(b.Posts, a.Posts); c != 0 {
			return c
		}
		return cmp.Compare(a.Tag, b.Tag)
	})
	if len(r.Hashtags) > reportHashtags {
		r.Hashtags = r.Hashtags[:reportHashtags]
	}
	return nil
}

// nameFans fills in the top fans' handles.
func (s *Service) nameFans(ctx context.Context, f *insights.FanSummary) error {
	ids := make([]int64, len(f.Top))
	for i, fan := range f.Top {
		ids[i] = fan.AccountID
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i := range f.Top {
		if a := accs[f.Top[i].AccountID]; a != nil {
			f.Top[i].Acct = a.Acct()
		}
	}
	return nil
}

// website fills in the visits of the scope's registered sites.
func (s *Service) website(ctx context.Context, r *insights.Report, sc store.InsightScope, p insights.Period, c *counted,
	posts []store.InsightPost, followers float64, wm store.InsightWatermarks) error {
	q := s.db.Read()
	sites, err := q.InsightSites(ctx, sc.AccountID)
	if err != nil {
		return err
	}
	w := &r.Website
	w.Sites = []string{}
	for _, site := range sites {
		w.Sites = append(w.Sites, site.Origin)
	}
	w.Pageviews, w.Visits, w.Visitors, w.VisitsFromSocial = c.pageviews, c.visits, c.visitors, c.fromSocial
	w.SocialShare = insights.Ratio(float64(c.fromSocial), float64(c.visits))
	w.VisitsPer1000 = insights.Ratio(1000*float64(c.fromSocial), followers)
	w.FilteredHits = c.filteredHits
	w.BySource = map[string]int64{}
	for _, src := range insights.Sources() {
		w.BySource[src.String()] = c.bySource[src.String()]
	}
	w.Referrers = []insights.Referrer{}
	for host, n := range c.referrers {
		w.Referrers = append(w.Referrers, insights.Referrer{Host: host, Visits: n})
	}
	slices.SortFunc(w.Referrers, func(a, b insights.Referrer) int {
		if x := cmp.Compare(b.Visits, a.Visits); x != 0 {
			return x
		}
		return cmp.Compare(a.Host, b.Host)
	})
	if len(w.Referrers) > reportReferrers {
		w.Referrers = w.Referrers[:reportReferrers]
	}
	w.Window = VisitWindow.String()
	w.AfterPosts = []insights.PostVisit{}
	if len(sites) == 0 {
		return nil
	}
	// Visits in the window after each post against the window before it.
	var roots []store.InsightPost
	for _, post := range posts {
		if post.InReplyToID == 0 {
			roots = append(roots, post)
		}
	}
	if len(roots) > reportAfterPosts {
		roots = roots[len(roots)-reportAfterPosts:]
	}
	if len(roots) == 0 {
		return nil
	}
	hourly, err := q.HourlyInsightCounts(ctx, sc.AccountID, []store.InsightKind{store.InsightVisit, store.InsightVisitor},
		roots[0].CreatedAt.Add(-VisitWindow-time.Hour), roots[len(roots)-1].CreatedAt.Add(VisitWindow+time.Hour))
	if err != nil {
		return err
	}
	kept, err := q.HourlyCountsSince(ctx)
	if err != nil {
		return err
	}
	sum := func(from, to time.Time) int64 {
		var n int64
		for h := from.Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
			n += hourly[h]
		}
		return n
	}
	var lift float64
	for _, post := range roots {
		// Whole hours: the post's own hour belongs to the window after it.
		at := post.CreatedAt.Truncate(time.Hour)
		v := insights.PostVisit{PostID: model.FormatID(post.ID), At: post.CreatedAt,
			After: sum(at, at.Add(VisitWindow)), Baseline: sum(at.Add(-VisitWindow), at),
			Complete: !wm.Hourly.Before(at.Add(VisitWindow)) && !kept.After(at.Add(-VisitWindow))}
		w.AfterPosts = append(w.AfterPosts, v)
		lift += float64(v.After - v.Baseline)
	}
	w.MeanLift = lift / float64(len(w.AfterPosts))
	return nil
}

// linkFigures lists the tracked links of the period's posts, and of any
// post whose links were clicked in the period.
func (s *Service) linkFigures(ctx context.Context, r *insights.Report, c *counted, posts []store.InsightPost) error {
	seen := map[int64]bool{}
	var ids []int64
	for _, p := range posts {
		seen[p.ID] = true
		ids = append(ids, p.ID)
	}
	for id := range c.postClicks {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	links, err := s.db.Read().TrackedLinksOf(ctx, ids)
	if err != nil {
		return err
	}
	r.Links = []insights.LinkFigures{}
	for _, l := range links {
		r.Links = append(r.Links, insights.LinkFigures{Code: l.Code, URL: l.URL, PostID: model.FormatID(l.PostID),
			Clicks: c.linkClicks[l.ID], Filtered: c.linkFiltered[l.ID], Visits: c.linkVisits[l.Code]})
	}
	slices.SortStableFunc(r.Links, func(a, b insights.LinkFigures) int { return cmp.Compare(b.Clicks, a.Clicks) })
	return nil
}

// postFigures fills in the drill-down: each post of the period, newest
// first.
func (s *Service) postFigures(ctx context.Context, r *insights.Report, c *counted, posts []store.InsightPost,
	perPost map[int64]*insights.PostFigures, threads map[int64]insights.ThreadStats) error {
	r.PostFigures = []insights.PostFigures{}
	authors := map[int64]bool{}
	for _, p := range posts {
		authors[p.AccountID] = true
	}
	ids := make([]int64, 0, len(authors))
	for id := range authors {
		ids = append(ids, id)
	}
	accs, err := s.db.Read().AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i := len(posts) - 1; i >= 0 && len(r.PostFigures) < reportPostFigures; i-- {
		p := posts[i]
		f := insights.PostFigures{}
		if e := perPost[p.ID]; e != nil {
			f = *e
		}
		f.ID, f.At = model.FormatID(p.ID), p.CreatedAt
		if a := accs[p.AccountID]; a != nil {
			f.URL = s.PostURL(&model.Post{ID: p.ID, Local: true}, a)
		}
		text := p.Text
		if !p.Local {
			text = content.PlainText(text)
		}
		f.Excerpt = excerpt(text, 80)
		f.Impressions, f.Clicks, f.Visits = c.postImpressions[p.ID], c.postClicks[p.ID], c.postVisits[p.ID]
		f.Engagement = insights.Ratio(float64(f.Replies+f.Reblogs+f.Favourites), float64(f.Impressions))
		if st, ok := threads[p.ID]; ok {
			f.Thread = st
		}
		r.PostFigures = append(r.PostFigures, f)
	}
	return nil
}

// excerpt returns the first n characters of text on one line.
func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	runes := []rune(text)
	return string(runes[:n-1]) + "…"
}
