package api

import (
	"net/http"

	"parvis/internal/store"
)

// Trends: the posts and hashtags that rose in the last day. Engagement the
// integrity scans flagged counts for nothing here (see social.TrendingStatuses).

// trendingStatuses answers GET /api/v1/trends/statuses (limit, offset).
func (h *Handler) trendingStatuses(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := h.trendPage(w, r, 20)
	if !ok {
		return
	}
	views, err := h.svc.TrendingStatuses(r.Context(), actor(r), limit, offset)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, false)
}

// trendingTags answers GET /api/v1/trends/tags (limit, offset), each tag
// with its week of history.
func (h *Handler) trendingTags(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := h.trendPage(w, r, 10)
	if !ok {
		return
	}
	trends, err := h.svc.TrendingTags(r.Context(), limit, offset)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ts := make([]store.Tag, len(trends))
	for i, t := range trends {
		ts[i] = t.Tag
	}
	out, err := h.tags(r, ts)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, out)
}

func (h *Handler) trendPage(w http.ResponseWriter, r *http.Request, def int) (limit, offset int, ok bool) {
	f, ok := h.parse(w, r)
	if !ok {
		return 0, 0, false
	}
	limit, err := f.integer("limit", def)
	if err == nil {
		offset, err = f.integer("offset", 0)
	}
	if err != nil {
		h.fail(w, r, err)
		return 0, 0, false
	}
	return limit, offset, true
}
