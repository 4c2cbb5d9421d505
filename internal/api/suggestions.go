package api

import (
	"net/http"

	"parvis/internal/model"
)

// Suggestion is Mastodon's suggested account with its reasons.
type Suggestion struct {
	Source  string   `json:"source"`
	Sources []string `json:"sources"`
	Account Account  `json:"account"`
}

// suggestionSource maps Parvis's reasons to Mastodon's words: friends of
// friends keep their name; shared communities and interests are what
// Mastodon calls "similar to recently followed".
func suggestionSource(s string) string {
	switch s {
	case "friends_of_friends":
		return "friends_of_friends"
	}
	return "similar_to_recently_followed"
}

// suggestions ranks people the person may know (GET /api/v2/suggestions).
func (h *Handler) suggestions(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	limit, err := f.integer("limit", 40)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sug, err := h.svc.Suggestions(r.Context(), actor(r), max(1, min(limit, 80)))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]Suggestion, 0, len(sug))
	for _, s := range sug {
		x := Suggestion{Source: "past_interactions", Sources: []string{}, Account: h.account(s.Account)}
		for _, src := range s.Sources {
			if m := suggestionSource(src); !contains(x.Sources, m) {
				x.Sources = append(x.Sources, m)
			}
		}
		out = append(out, x)
	}
	reply(w, out)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// dismissSuggestion stops suggesting an account (DELETE
// /api/v1/suggestions/{account_id}).
func (h *Handler) dismissSuggestion(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("account_id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DismissSuggestion(r.Context(), actor(r), id); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, empty{})
}
