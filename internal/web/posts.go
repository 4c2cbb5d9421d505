package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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
	// the post a thread page is about.
	Depth int
	Focus bool
	// Next is where the post's action forms come back to.
	Next string
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
		if pid := v.Shown().Post.InReplyToAccountID; pid != 0 {
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
	return out
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
	if p.LoggedIn() {
		me := p.Actor.Account.ID
		it.Own = s.Post.AccountID == me
		it.CanDelete = it.Own || p.IsStaff()
		vis := s.Post.Visibility
		it.CanBoost = vis == model.Public || vis == model.Unlisted || (vis == model.Private && it.Own)
	}
	return it
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
