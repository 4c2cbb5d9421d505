package api

import (
	"net/http"

	"parvis/internal/social"
	"parvis/internal/store"
)

// statusPage reads the request's parameters and its page of statuses; on
// bad input it answers and returns false.
func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) (*form, social.Page, bool) {
	f, ok := h.parse(w, r)
	if !ok {
		return nil, social.Page{}, false
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
		return nil, social.Page{}, false
	}
	return f, p, true
}

// homeTimeline is the person's home (GET /api/v1/timelines/home).
func (h *Handler) homeTimeline(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.statusPage(w, r)
	if !ok {
		return
	}
	views, err := h.svc.Home(r.Context(), actor(r), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, true)
}

// publicFilter reads local, remote and only_media.
func publicFilter(f *form) (store.PublicFilter, error) {
	var pf store.PublicFilter
	var err error
	if pf.Local, err = f.flag("local", false); err != nil {
		return pf, err
	}
	if pf.Remote, err = f.flag("remote", false); err != nil {
		return pf, err
	}
	pf.OnlyMedia, err = f.flag("only_media", false)
	return pf, err
}

// publicList answers a page of public posts chosen by load, after reading
// the page and the filter (local, remote, only_media).
func (h *Handler) publicList(w http.ResponseWriter, r *http.Request,
	load func(a *social.Actor, pf store.PublicFilter, p social.Page) ([]*social.PostView, error)) {
	f, p, ok := h.statusPage(w, r)
	if !ok {
		return
	}
	pf, err := publicFilter(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views, err := load(actor(r), pf, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, true)
}

// publicTimeline lists public posts (GET /api/v1/timelines/public).
func (h *Handler) publicTimeline(w http.ResponseWriter, r *http.Request) {
	h.publicList(w, r, func(a *social.Actor, pf store.PublicFilter, p social.Page) ([]*social.PostView, error) {
		return h.svc.PublicTimeline(r.Context(), a, pf, p)
	})
}

// tagTimeline lists public posts with a hashtag (GET
// /api/v1/timelines/tag/{hashtag}). An unknown hashtag is an empty list.
func (h *Handler) tagTimeline(w http.ResponseWriter, r *http.Request) {
	h.publicList(w, r, func(a *social.Actor, pf store.PublicFilter, p social.Page) ([]*social.PostView, error) {
		return h.svc.TagTimeline(r.Context(), a, r.PathValue("hashtag"), pf, p)
	})
}

// pairedList answers saved posts, paged by the save's own id.
func (h *Handler) pairedList(w http.ResponseWriter, r *http.Request,
	load func(a *social.Actor, p social.Page) (social.PairedViews, error)) {
	_, p, ok := h.statusPage(w, r)
	if !ok {
		return
	}
	pv, err := load(actor(r), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.statuses(r.Context(), actor(r), pv.Views)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setEdgeLinks(w, r, pv.Cursors)
	reply(w, out)
}

// bookmarks lists the person's bookmarks (GET /api/v1/bookmarks).
func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) {
	h.pairedList(w, r, func(a *social.Actor, p social.Page) (social.PairedViews, error) {
		return h.svc.Bookmarks(r.Context(), a, p)
	})
}

// favourites lists the posts the person favourited (GET /api/v1/favourites).
func (h *Handler) favourites(w http.ResponseWriter, r *http.Request) {
	h.pairedList(w, r, func(a *social.Actor, p social.Page) (social.PairedViews, error) {
		return h.svc.Favourites(r.Context(), a, p)
	})
}
