package api

import (
	"net/http"

	"parvis/internal/social"
	"parvis/internal/store"
)

// homeTimeline is the person's home (GET /api/v1/timelines/home).
func (h *Handler) homeTimeline(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
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

// publicTimeline lists public posts (GET /api/v1/timelines/public).
func (h *Handler) publicTimeline(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pf, err := publicFilter(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views, err := h.svc.PublicTimeline(r.Context(), actor(r), pf, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, true)
}

// tagTimeline lists public posts with a hashtag (GET
// /api/v1/timelines/tag/{hashtag}). An unknown hashtag is an empty list.
func (h *Handler) tagTimeline(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pf, err := publicFilter(f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views, err := h.svc.TagTimeline(r.Context(), actor(r), r.PathValue("hashtag"), pf, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, true)
}

// pairedList answers saved posts, paged by the save's own id.
func (h *Handler) pairedList(w http.ResponseWriter, r *http.Request,
	load func(a *social.Actor, p social.Page) (social.PairedViews, error)) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
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
