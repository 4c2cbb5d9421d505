package web

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// postItem is a post as a page shows it: the listed post (a boost or an
// original), the post whose content is shown, and the links and
// permissions the template needs, computed once here rather than in the
// template.
type postItem struct {
	P *Page
	// V is the post as listed; S is the post shown (the boosted one for a
	// boost).
	V, S      *social.PostView
	BoostedBy *model.Account
	// Permalink is the post's public URL (svc.PostURL); Thread is the
	// path of its page here (the same page for local posts).
	Permalink, Thread string
	AuthorPath        string
	ReplyTo           *model.Account
	ReplyToPath       string
	Media             []mediaItem
	Own, CanDelete    bool
	CanBoost          bool
	// Depth is the indentation of a reply in a thread (capped); Focus marks
	// the post a thread page is about; OP marks a reply by the person who
	// started the thread.
	Depth int
	Focus bool
	OP    bool
	// Next is where the post's action forms come back to.
	Next string
	// Community is the path of the post's community page when the viewer
	// moderates it ("" otherwise): the page then offers remove, restore,
	// pin and unpin. CommunityPinned says whether it is pinned there.
	Community       string
	CommunityPinned bool
	// Discounted tells the author and the server's moderators how much
	// engagement integrity left out of the counts ("" when none).
	Discounted string
	// What the template shows, computed once here: a thread page renders
	// a thousand posts.
	L                                           *postLabels
	ID, ListedID                                string
	Name, Acct, AvatarURL, Initial              string
	When, WhenISO, WhenTitle, Vis               string
	Edited, EditedISO                           string
	Content                                     template.HTML
	BoostURL, FavouriteURL, BookmarkURL, PinURL string
	Removed, CanReport, More                    bool
	// Compact marks a reply folded away in a long thread, shown without
	// its buttons; Counts then sums up its engagement.
	Compact bool
	Counts  string
}

// postLabels are the words around every post, translated once per page:
// a thread page shows a thousand posts.
type postLabels struct {
	Boosted, OP, OPTitle, InReplyTo, ShowMore, Sensitive, Removed, Edited string
	Reply, Boost, Favourite, Bookmark, More, Edit, Pin, CommunityPin      string
	Restore, Remove, RemoveConfirm, Report, Delete, DeleteConfirm         string
	Replies, Boosts, Favourites, ReplyOrAct                               string
	// CSRF is the hidden input that carries the page's token.
	CSRF template.HTML
	// Visibility names the visibilities but public.
	Visibility map[model.Visibility]string
}

// postLabels returns the page's post labels.
func (p *Page) postLabels() *postLabels {
	if p.labels != nil {
		return p.labels
	}
	p.labels = &postLabels{Boosted: p.T("post.boosted"), OP: p.T("thread.op"), OPTitle: p.T("thread.op_title"),
		InReplyTo: p.T("post.in_reply_to"), ShowMore: p.T("post.show_more"), Sensitive: p.T("post.sensitive"),
		Removed: p.T("post.removed"), Edited: p.T("post.edited"), Reply: p.T("post.reply"), Boost: p.T("post.boost"),
		Favourite: p.T("post.favourite"), Bookmark: p.T("post.bookmark"), More: p.T("post.more"), Edit: p.T("post.edit"),
		Pin: p.T("post.pin"), CommunityPin: p.T("post.community_pin"), Restore: p.T("post.restore"),
		Remove: p.T("post.remove"), RemoveConfirm: p.T("post.remove_confirm"), Report: p.T("post.report"),
		Delete: p.T("post.delete"), DeleteConfirm: p.T("post.delete_confirm"), Replies: p.T("post.replies"),
		Boosts: p.T("post.boosts"), Favourites: p.T("post.favourites"), ReplyOrAct: p.T("post.reply_or_act"),
		CSRF: template.HTML(`<input type="hidden" name="csrf" value="` + html.EscapeString(p.CSRF) + `">`),
		Visibility: map[model.Visibility]string{model.Unlisted: p.T("visibility.unlisted"),
			model.Private: p.T("visibility.private"), model.Direct: p.T("visibility.direct")}}
	return p.labels
}

// mediaItem is an attachment with its URLs.
type mediaItem struct {
	URL, Thumb, Alt string
	Width, Height   int
	Animated        bool
}

// maxDepth caps the indentation of replies in a thread, so that a long
// conversation stays readable on a phone.
const maxDepth = 6

// accountPath is an account's page here.
func accountPath(a *model.Account) string { return "/@" + a.Acct() }

// threadPath is a post's page here.
func threadPath(p *model.Post, author *model.Account) string {
	return accountPath(author) + "/" + model.FormatID(p.ID)
}

// items turns post views into what templates show. next is where action
// forms come back to; the accounts that posts reply to are loaded in one
// query.
func (h *Handler) items(ctx context.Context, p *Page, vs []*social.PostView, next string) []*postItem {
	out := make([]*postItem, 0, len(vs))
	var replyIDs []int64
	for _, v := range vs {
		if pid := v.Shown().Post.InReplyToAccountID; pid != 0 && !slices.Contains(replyIDs, pid) {
			replyIDs = append(replyIDs, pid)
		}
	}
	var replyTo map[int64]*model.Account
	if len(replyIDs) > 0 {
		accs, err := h.svc.DB().Read().AccountsByIDs(ctx, replyIDs)
		if err != nil {
			// Reply context is a nicety; the posts still show without it.
			h.log.Warn("load reply accounts", "err", err)
		}
		replyTo = accs
	}
	for _, v := range vs {
		out = append(out, h.item(p, v, replyTo, next))
	}
	h.markModerated(ctx, p, out)
	return out
}

// markModerated gives the posts of communities the viewer moderates their
// moderation buttons.
func (h *Handler) markModerated(ctx context.Context, p *Page, items []*postItem) {
	if !p.LoggedIn() {
		return
	}
	var ids []int64
	for _, it := range items {
		if c := it.S.Post.CommunityID; c != 0 && !slices.Contains(ids, c) {
			ids = append(ids, c)
		}
	}
	if len(ids) == 0 {
		return
	}
	mods, err := h.svc.ModeratedAmong(ctx, p.Actor, ids)
	if err != nil {
		// The buttons are a convenience; the posts still show without them.
		h.log.Warn("load moderated communities", "err", err)
		return
	}
	for _, it := range items {
		if mc := mods[it.S.Post.CommunityID]; mc != nil {
			it.Community = communityPath(mc.Community)
			it.CommunityPinned = mc.Pinned[it.S.Post.ID]
			it.More = true
		}
	}
}

func (h *Handler) item(p *Page, v *social.PostView, replyTo map[int64]*model.Account, next string) *postItem {
	s := v.Shown()
	it := &postItem{P: p, V: v, S: s, Permalink: h.svc.PostURL(s.Post, s.Account),
		Thread: threadPath(s.Post, s.Account), AuthorPath: accountPath(s.Account), Next: next}
	if v.Reblog != nil {
		it.BoostedBy = v.Account
	}
	if a := replyTo[s.Post.InReplyToAccountID]; a != nil && s.Post.InReplyToID != 0 {
		it.ReplyTo = a
		it.ReplyToPath = accountPath(a) + "/" + model.FormatID(s.Post.InReplyToID)
	}
	for _, m := range s.Media {
		mi := mediaItem{URL: h.svc.MediaURL(m.Path), Thumb: h.svc.MediaURL(m.ThumbPath), Alt: m.Description,
			Width: m.ThumbWidth, Height: m.ThumbHeight, Animated: m.Type == model.MediaGifv}
		if mi.URL == "" {
			mi.URL = m.RemoteURL
		}
		if mi.Thumb == "" {
			mi.Thumb, mi.Width, mi.Height = mi.URL, m.Width, m.Height
		}
		it.Media = append(it.Media, mi)
	}
	it.L = p.postLabels()
	it.ID, it.ListedID = model.FormatID(s.Post.ID), model.FormatID(v.Post.ID)
	it.Name, it.Acct, it.Initial = s.Account.Name(), s.Account.Acct(), initial(s.Account.Name())
	if s.Account.AvatarPath != "" {
		it.AvatarURL = h.svc.MediaURL(s.Account.AvatarPath)
	}
	it.When, it.WhenISO, it.WhenTitle = p.Ago(s.Post.CreatedAt), isodate(s.Post.CreatedAt), s.Post.CreatedAt.Format("2006-01-02 15:04")
	it.Vis = it.L.Visibility[s.Post.Visibility]
	if !s.Post.EditedAt.IsZero() {
		it.Edited, it.EditedISO = p.Ago(s.Post.EditedAt), isodate(s.Post.EditedAt)
	}
	// Parvis renders and sanitises post content itself.
	it.Content = template.HTML(s.Post.Content)
	it.Removed = !s.Post.RemovedAt.IsZero()
	if p.LoggedIn() {
		me := p.Actor.Account.ID
		it.Own = s.Post.AccountID == me
		it.CanDelete = it.Own || p.IsStaff()
		it.CanReport = !it.Own
		vis := s.Post.Visibility
		it.CanBoost = vis == model.Public || vis == model.Unlisted || (vis == model.Private && it.Own)
		if (it.Own || p.IsStaff()) && (s.Post.DiscountedFavs != 0 || s.Post.DiscountedReblogs != 0) {
			it.Discounted = p.T("post.discounted", s.Post.DiscountedFavs, s.Post.DiscountedReblogs)
		}
		base := "/posts/" + it.ID + "/"
		it.BoostURL, it.FavouriteURL, it.BookmarkURL = base+undo(s.Reblogged, "reblog"), base+undo(s.Favourited, "favourite"),
			base+undo(s.Bookmarked, "bookmark")
		if it.Own && vis != model.Direct {
			it.PinURL = base + undo(s.Pinned, "pin")
		}
		it.More = it.CanDelete || it.CanReport
	}
	return it
}

// undo names the action that toggles a state: "favourite", or
// "unfavourite" when done.
func undo(done bool, action string) string {
	if done {
		return "un" + action
	}
	return action
}

// isodate is a time as HTML's datetime attributes want it.
func isodate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// initial is the letter that stands for a name without an avatar.
func initial(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// pager holds the "newer" and "older" links of a paginated list, as
// Mastodon pages: max_id for older items, min_id for newer ones.
type pager struct {
	Newer, Older string
}

// pageParams reads max_id and min_id; a malformed one is ignored (the list
// starts from the top), never an error page.
func pageParams(r *http.Request, limit int) social.Page {
	q := r.URL.Query()
	p := social.Page{Limit: limit}
	if id, err := model.ParseID(q.Get("max_id")); err == nil && id > 0 {
		p.MaxID = id
	}
	if id, err := model.ParseID(q.Get("min_id")); err == nil && id > 0 && p.MaxID == 0 {
		p.MinID = id
	}
	return p
}

// makePager links the neighbours of a page whose items run from cursor
// first (newest) to last (oldest). A full page may have older items; a
// page reached with max_id or min_id has newer ones.
func makePager(r *http.Request, req social.Page, n int, first, last int64) pager {
	var pg pager
	link := func(key string, id int64) string {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			if k != "max_id" && k != "min_id" {
				q[k] = vs
			}
		}
		if id != 0 {
			q.Set(key, strconv.FormatInt(id, 10))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if n == 0 {
		if req.MaxID != 0 || req.MinID != 0 {
			pg.Newer = link("", 0)
		}
		return pg
	}
	if n >= req.Limit || req.MinID != 0 {
		pg.Older = link("max_id", last)
	}
	if req.MaxID != 0 || (req.MinID != 0 && n >= req.Limit) {
		pg.Newer = link("min_id", first)
	}
	return pg
}

// viewsPager is makePager for a list of posts cursored by their own ids.
func viewsPager(r *http.Request, req social.Page, vs []*social.PostView) pager {
	if len(vs) == 0 {
		return makePager(r, req, 0, 0, 0)
	}
	return makePager(r, req, len(vs), vs[0].Post.ID, vs[len(vs)-1].Post.ID)
}

// cursorsPager is makePager for a list cursored by other ids (favourites,
// bookmarks, follows).
func cursorsPager(r *http.Request, req social.Page, cursors []int64) pager {
	if len(cursors) == 0 {
		return makePager(r, req, 0, 0, 0)
	}
	return makePager(r, req, len(cursors), cursors[0], cursors[len(cursors)-1])
}

// pageSize is how many items a list page shows.
const pageSize = 20
