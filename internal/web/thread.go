package web

import (
	"net/http"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// threadPage is the data of a post's page: the post, the posts it
// answers, the replies as a tree, the reply form, and the address of its
// live updates.
type threadPage struct {
	Ancestors []*postItem
	Post      *postItem
	// Replies are the first replies to the post; More are the others,
	// folded away.
	Replies, More []*threadNode
	// Count counts every reply; a long thread comes in pages (FirstPage
	// and NextPage link them), and a branch too long for one continues
	// on its own page (Continue).
	Count                         int
	FirstPage, NextPage, Continue string
	Compose                       *composeForm
	Live                          string
}

// threadNode is a reply with its own replies. Collapsed folds its replies
// (a deep branch) behind a summary that counts them; More folds the
// replies past the first few.
type threadNode struct {
	Item      *postItem
	Kids      []*threadNode
	More      []*threadNode
	Collapsed bool
	Count     int // replies below, at any depth
}

// Thread layout: a page holds whole branches of replies up to
// repliesPerPage, replies deeper than collapseDepth are folded, a post
// shows its first shownKids replies (the focused post its first
// shownReplies), and indentation stops at maxDepth.
const (
	repliesPerPage = 200
	collapseDepth  = 3
	shownKids      = 5
	shownReplies   = 30
)

// postFromPath loads the post of a /@user/{id} page. A boost's id, or a
// handle that is not the author's, redirects to the post's own page.
func (h *Handler) postFromPath(w http.ResponseWriter, r *http.Request) (*social.PostView, bool) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return nil, false
	}
	v, err := h.svc.View(r.Context(), reqCtx(r).actor, id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	s := v.Shown()
	if v.Reblog != nil || !strings.EqualFold(strings.TrimPrefix(r.PathValue("handle"), "@"), s.Account.Acct()) {
		to := threadPath(s.Post, s.Account)
		if strings.HasSuffix(r.URL.Path, "/history") {
			to += "/history"
		}
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return nil, false
	}
	return v, true
}

// thread shows a post in its conversation.
func (h *Handler) thread(w http.ResponseWriter, r *http.Request) {
	v, ok := h.postFromPath(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := h.page(r, "")
	// A malformed cursor starts from the first replies.
	after, _ := model.ParseID(r.URL.Query().Get("after"))
	_, tc, err := h.svc.ThreadPage(ctx, p.Actor, v.Post.ID, after, repliesPerPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := r.URL.RequestURI()
	all := make([]*social.PostView, 0, len(tc.Ancestors)+1+len(tc.Replies))
	all = append(all, tc.Ancestors...)
	all = append(all, v)
	all = append(all, tc.Replies...)
	items := h.items(ctx, p, all, next)
	tp := threadPage{Ancestors: items[:len(tc.Ancestors)], Post: items[len(tc.Ancestors)],
		Count: tc.Total, Live: r.URL.Path + "/events"}
	if after != 0 {
		tp.FirstPage = r.URL.Path + "#replies-h"
	}
	if tc.Next != 0 {
		tp.NextPage = r.URL.Path + "?after=" + model.FormatID(tc.Next) + "#replies-h"
	}
	if tc.Cut != 0 {
		for _, it := range items {
			if it.S.Post.ID == tc.Cut {
				tp.Continue = it.Thread
			}
		}
	}
	tp.Post.Focus = true
	// The person who started the thread is its root's author, when the
	// viewer sees the root.
	root := tp.Post
	if len(tp.Ancestors) > 0 {
		root = tp.Ancestors[0]
	}
	if root.S.Post.InReplyToID == 0 {
		for _, it := range items {
			it.OP = it != root && it.S.Post.AccountID == root.S.Post.AccountID
		}
	}
	tp.Replies = replyTree(v.Post.ID, items[len(tc.Ancestors)+1:])
	compactCounts(p, tp.Replies)
	if len(tp.Replies) > shownReplies {
		tp.Replies, tp.More = tp.Replies[:shownReplies], tp.Replies[shownReplies:]
	}
	p.Title = p.T("thread.title", v.Account.Name())
	if p.LoggedIn() {
		f := h.newCompose(p, next)
		h.prepareReply(r, p, f, v, true)
		f.ReplyTo = nil // the post is right above the form
		tp.Compose = f
	}
	p.Data = tp
	h.render(w, r, http.StatusOK, "thread", p)
}

// replyTree arranges a thread's replies (depth first, each after the post
// it answers) under the focused post. A reply whose parent the viewer does
// not see hangs under the focused post.
func replyTree(focus int64, replies []*postItem) []*threadNode {
	root := &threadNode{}
	nodes := map[int64]*threadNode{focus: root}
	depth := map[int64]int{focus: 0}
	for _, it := range replies {
		parent, ok := nodes[it.S.Post.InReplyToID]
		if !ok {
			parent = root
		}
		d := depth[it.S.Post.InReplyToID] + 1
		if !ok {
			d = 1
		}
		depth[it.S.Post.ID] = d
		it.Depth = min(d, maxDepth)
		n := &threadNode{Item: it}
		nodes[it.S.Post.ID] = n
		parent.Kids = append(parent.Kids, n)
	}
	// Folded replies are shown compact: on a long thread most are, and
	// their own page has every action.
	var fold func(n *threadNode, d int, compact bool) int
	fold = func(n *threadNode, d int, compact bool) int {
		if n.Item != nil {
			n.Item.Compact = compact
		}
		folds := n.Item != nil && d == collapseDepth && len(n.Kids) > 0
		count := 0
		for i, k := range n.Kids {
			more := d < collapseDepth && i >= shownKids && (n.Item != nil || i >= shownReplies)
			count += 1 + fold(k, d+1, compact || folds || more)
		}
		n.Count = count
		switch {
		case folds:
			n.Collapsed = true
		case n.Item != nil && d < collapseDepth && len(n.Kids) > shownKids:
			n.Kids, n.More = n.Kids[:shownKids], n.Kids[shownKids:]
		}
		return count
	}
	fold(root, 0, false)
	return root.Kids
}

// compactCounts says, for each compact reply, how many replies, boosts
// and favourites it has (their buttons are on its own page).
func compactCounts(p *Page, nodes []*threadNode) {
	for _, n := range nodes {
		if it := n.Item; it.Compact {
			it.Counts = p.T("post.counts", it.S.Post.RepliesCount, it.S.ReblogsShown, it.S.FavouritesShown)
		}
		compactCounts(p, n.Kids)
		compactCounts(p, n.More)
	}
}

// CountMore counts the replies folded in More, with their own replies.
func (n *threadNode) CountMore() int {
	c := 0
	for _, k := range n.More {
		c += 1 + k.Count
	}
	return c
}

// MoreCount is CountMore for the focused post's folded replies.
func (tp threadPage) MoreCount() int { return (&threadNode{More: tp.More}).CountMore() }

// historyPage is the data of a post's edit history.
type historyPage struct {
	Post     *postItem
	Versions []social.PostVersion
}

// history lists the versions of an edited post, newest first.
func (h *Handler) history(w http.ResponseWriter, r *http.Request) {
	v, ok := h.postFromPath(w, r)
	if !ok {
		return
	}
	p := h.page(r, "history.title")
	_, versions, err := h.svc.History(r.Context(), p.Actor, v.Post.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i, j := 0, len(versions)-1; i < j; i, j = i+1, j-1 {
		versions[i], versions[j] = versions[j], versions[i]
	}
	p.Data = historyPage{Post: h.item(p, v, nil, r.URL.Path), Versions: versions}
	h.render(w, r, http.StatusOK, "history", p)
}
