package api

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// Search is what a search found.
type Search struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
	Hashtags []Tag     `json:"hashtags"`
}

// tagHistoryDays is how many days of use a hashtag shows, as in Mastodon.
const tagHistoryDays = 7

// search finds accounts, statuses and hashtags (GET /api/v2/search). The
// resolve parameter, which fetches remote accounts and posts, is ignored.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	if !f.has("q") {
		h.fail(w, r, model.Errorf(model.EINVALID, "q is required"))
		return
	}
	limit, err := f.integer("limit", statusesLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	offset, err := f.integer("offset", 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.Search(r.Context(), actor(r), f.str("q"), social.SearchOptions{Type: f.str("type"),
		Limit: min(max(limit, 1), statusesMax), Offset: offset})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := Search{Accounts: []Account{}, Hashtags: []Tag{}}
	for _, a := range res.Accounts {
		out.Accounts = append(out.Accounts, h.account(a))
	}
	if out.Statuses, err = h.statuses(r.Context(), actor(r), res.Posts); err != nil {
		h.fail(w, r, err)
		return
	}
	if out.Hashtags, err = h.tags(r, res.Tags); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, out)
}

// tags shapes hashtags with a week of history.
func (h *Handler) tags(r *http.Request, ts []store.Tag) ([]Tag, error) {
	out := make([]Tag, 0, len(ts))
	if len(ts) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	hist, err := h.svc.TagHistories(r.Context(), ids, tagHistoryDays)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		tag := h.tag(t, hist[t.ID])
		if actor(r).LoggedIn() {
			tag.Following = ptr(false)
		}
		out = append(out, tag)
	}
	return out, nil
}
