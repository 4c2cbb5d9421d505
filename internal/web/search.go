package web

import (
	"net/http"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// searchPage is the data of the search page.
type searchPage struct {
	Query    string
	Searched bool
	Accounts []*model.Account
	Posts    []*postItem
	Tags     []store.Tag
}

// search finds accounts, posts and hashtags.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "search.title")
	sp := searchPage{Query: r.URL.Query().Get("q")}
	p.Data = sp
	if sp.Query == "" {
		h.render(w, r, http.StatusOK, "search", p)
		return
	}
	res, err := h.svc.Search(r.Context(), p.Actor, sp.Query, social.SearchOptions{})
	if err != nil {
		h.formError(w, r, "search", p, err)
		return
	}
	sp.Searched = true
	sp.Accounts, sp.Tags = res.Accounts, res.Tags
	sp.Posts = h.items(r.Context(), p, res.Posts, r.URL.RequestURI())
	p.Data = sp
	h.render(w, r, http.StatusOK, "search", p)
}
