package api

import (
	"net/http"
	"strings"

	"parvis/internal/model"
)

// setLink writes the Link header of a page as Mastodon does: "next" asks
// for what is older than the page's last item (max_id), "prev" for what is
// newer than its first (min_id). The other query parameters are kept. A
// zero cursor leaves its link out.
func (h *Handler) setLink(w http.ResponseWriter, r *http.Request, next, prev int64) {
	var links []string
	base := h.svc.BaseURL() + r.URL.Path
	q := r.URL.Query()
	for _, k := range []string{"max_id", "min_id", "since_id", "access_token"} {
		q.Del(k)
	}
	link := func(param string, id int64, rel string) string {
		q.Set(param, model.FormatID(id))
		s := "<" + base + "?" + q.Encode() + `>; rel="` + rel + `"`
		q.Del(param)
		return s
	}
	if next != 0 {
		links = append(links, link("max_id", next, "next"))
	}
	if prev != 0 {
		links = append(links, link("min_id", prev, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// setEdgeLinks sets the links of a page of statuses or notifications
// whose cursors are ids, newest first: both links whenever the page is not
// empty, as Mastodon's timelines do (a page thinned by visibility rules may
// be short and still be followed by more).
func (h *Handler) setEdgeLinks(w http.ResponseWriter, r *http.Request, cursors []int64) {
	if len(cursors) == 0 {
		return
	}
	h.setLink(w, r, cursors[len(cursors)-1], cursors[0])
}

// setAccountLinks sets the links of a page of accounts: "next" only when
// the page is full, as Mastodon's account lists do.
func (h *Handler) setAccountLinks(w http.ResponseWriter, r *http.Request, cursors []int64, limit int) {
	if len(cursors) == 0 {
		return
	}
	var next int64
	if len(cursors) >= limit {
		next = cursors[len(cursors)-1]
	}
	h.setLink(w, r, next, cursors[0])
}
