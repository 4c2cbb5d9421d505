package web

import (
	"context"
	"net/http"
	"strings"

	"parvis/internal/model"
)

// suggestionItem is someone the viewer may know, with the reasons in
// words.
type suggestionItem struct {
	P       *Page
	Account *model.Account
	Why     string
	// Next is where its forms come back to.
	Next string
}

// suggestionReasons name why someone is suggested.
var suggestionReasons = map[string]string{
	"friends_of_friends": "suggestions.friends_of_friends",
	"shared_communities": "suggestions.shared_communities",
	"shared_interests":   "suggestions.shared_interests",
}

// suggestionsPage is the data of the page of people the viewer may know.
type suggestionsPage struct {
	Tabs  []tab
	Items []suggestionItem
}

// homeSuggestions is how many suggestions the home page shows.
const homeSuggestions = 3

// suggestionItems loads up to limit suggestions with their reasons.
func (h *Handler) suggestionItems(ctx context.Context, p *Page, limit int, next string) ([]suggestionItem, error) {
	ss, err := h.svc.Suggestions(ctx, p.Actor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]suggestionItem, 0, len(ss))
	for _, s := range ss {
		var why []string
		for _, src := range s.Sources {
			if key, ok := suggestionReasons[src]; ok {
				why = append(why, p.T(key))
			}
		}
		out = append(out, suggestionItem{P: p, Account: s.Account, Why: strings.Join(why, " · "), Next: next})
	}
	return out, nil
}

// suggestions lists people the viewer may know, to follow, connect with or
// dismiss.
func (h *Handler) suggestions(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "suggestions.title")
	items, err := h.suggestionItems(r.Context(), p, 40, "/suggestions")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = suggestionsPage{Tabs: peopleTabs(p, "/suggestions"), Items: items}
	h.render(w, r, http.StatusOK, "suggestions", p)
}

// dismissSuggestion stops suggesting someone.
func (h *Handler) dismissSuggestion(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	if err := h.svc.DismissSuggestion(r.Context(), reqCtx(r).actor, id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, nextOr(r, "/suggestions"), "flash.dismissed")
}

// suggestionsBlock is the home page's short list of suggestions; failing
// to load them leaves the block out, not the page.
func (h *Handler) suggestionsBlock(ctx context.Context, p *Page) []suggestionItem {
	items, err := h.suggestionItems(ctx, p, homeSuggestions, "/")
	if err != nil {
		h.log.Warn("load suggestions", "err", err)
		return nil
	}
	return items
}
