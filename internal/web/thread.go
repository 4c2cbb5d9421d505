package web

import (
	"net/http"
	"strings"

	"parvis/internal/model"
	"parvis/internal/social"
)

// threadPage is the data of a post's page: the post, the posts it
// answers, the replies as an indented tree, and the reply form.
type threadPage struct {
	Ancestors []*postItem
	Post      *postItem
	Replies   []*postItem
	Compose   *composeForm
}

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
	_, tc, err := h.svc.ThreadContext(ctx, p.Actor, v.Post.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := r.URL.Path
	all := make([]*social.PostView, 0, len(tc.Ancestors)+1+len(tc.Descendants))
	all = append(all, tc.Ancestors...)
	all = append(all, v)
	all = append(all, tc.Descendants...)
	items := h.items(ctx, p, all, next)
	tp := threadPage{Ancestors: items[:len(tc.Ancestors)], Post: items[len(tc.Ancestors)],
		Replies: items[len(tc.Ancestors)+1:]}
	tp.Post.Focus = true
	// Replies come depth first; each is one step deeper than the post it
	// answers (or than the focused post, when that one is hidden).
	depth := map[int64]int{v.Post.ID: 0}
	for _, it := range tp.Replies {
		d, ok := depth[it.S.Post.InReplyToID]
		if !ok {
			d = 0
		}
		depth[it.S.Post.ID] = d + 1
		it.Depth = min(d+1, maxDepth)
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
