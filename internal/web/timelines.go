package web

import (
	"net/http"

	"parvis/internal/content"
	"parvis/internal/store"
)

// publicTabs links the two public timelines.
func publicTabs(p *Page, local bool) []tab {
	return []tab{{Label: p.T("timeline.local"), Href: "/public/local", Current: local},
		{Label: p.T("timeline.public"), Href: "/public", Current: !local}}
}

// localTimeline lists the public posts of this server's people.
func (h *Handler) localTimeline(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "timeline.local")
	req := pageParams(r, pageSize)
	vs, err := h.svc.PublicTimeline(r.Context(), p.Actor, store.PublicFilter{Local: true}, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.listPosts(w, r, p, timelinePage{Heading: p.Title, Intro: p.T("timeline.local_intro", p.Domain),
		Empty: p.T("timeline.empty"), Tabs: publicTabs(p, true)}, req, vs)
}

// publicTimeline lists every public post this server knows.
func (h *Handler) publicTimeline(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "timeline.public")
	req := pageParams(r, pageSize)
	vs, err := h.svc.PublicTimeline(r.Context(), p.Actor, store.PublicFilter{}, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.listPosts(w, r, p, timelinePage{Heading: p.Title, Intro: p.T("timeline.public_intro"),
		Empty: p.T("timeline.empty"), Tabs: publicTabs(p, false)}, req, vs)
}

// tagTimeline lists the public posts with a hashtag.
func (h *Handler) tagTimeline(w http.ResponseWriter, r *http.Request) {
	tag := content.NormalizeTag(r.PathValue("tag"))
	p := h.page(r, "")
	p.Title = "#" + tag
	req := pageParams(r, pageSize)
	vs, err := h.svc.TagTimeline(r.Context(), p.Actor, tag, store.PublicFilter{}, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.listPosts(w, r, p, timelinePage{Heading: p.Title, Empty: p.T("timeline.tag_empty")}, req, vs)
}

// bookmarks lists the posts the viewer saved.
func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "bookmarks.title")
	req := pageParams(r, pageSize)
	pv, err := h.svc.Bookmarks(r.Context(), p.Actor, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = timelinePage{Heading: p.Title, Empty: p.T("bookmarks.empty"),
		Posts: h.items(r.Context(), p, pv.Views, r.URL.RequestURI()), Pager: cursorsPager(r, req, pv.Cursors)}
	h.render(w, r, http.StatusOK, "timeline", p)
}

// favourites lists the posts the viewer liked.
func (h *Handler) favourites(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "favourites.title")
	req := pageParams(r, pageSize)
	pv, err := h.svc.Favourites(r.Context(), p.Actor, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = timelinePage{Heading: p.Title, Empty: p.T("favourites.empty"),
		Posts: h.items(r.Context(), p, pv.Views, r.URL.RequestURI()), Pager: cursorsPager(r, req, pv.Cursors)}
	h.render(w, r, http.StatusOK, "timeline", p)
}
